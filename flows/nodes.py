"""Our nodes over viewflow's: the start node of a process its intake service has already saved, and
the human-step View with claim, release and reassign going through complaints.services.assignment
(conditional update, timeline event) and reassign switched on."""

from typing import Any

from django.db import transaction
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.nodes.start import StartViewActivation
from viewflow.workflow.signals import flow_started, task_started
from viewflow.workflow.status import STATUS

from complaints.services.assignment import may_manage
from web import assignment


class SavedStartActivation(StartViewActivation):
    """viewflow's start, for a process the intake service (complaint_register) saved before the flow
    runs. viewflow saves the process again before it finishes the start task; for a complaint that
    is a second write of every column of two tables, unchanged since the service's save a moment
    before. A process not saved yet is saved as viewflow does."""

    @Activation.status.transition(source=STATUS.STARTED)
    def execute(self) -> None:
        if self.process.pk is None:
            super().execute.original()  # type: ignore[attr-defined]
            return
        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        # Inside the intake's transaction (both doors open one): a savepoint would roll back nothing
        # that the whole registration's rollback does not.
        with transaction.atomic(savepoint=False), self.flow_class.lock(self.process.pk):
            self.complete()
            flow_started.send(sender=self.flow_class, process=self.process, task=self.task)
            self.activate_next()


class Start(flow.Start):
    """viewflow's Start with SavedStartActivation."""

    activation_class = SavedStartActivation


class View(flow.View):
    """viewflow's View; claim/release/reassign record who holds the task on the complaint's
    timeline. The task's owner, the head of its queue's department or a process manager may
    release or reassign it."""

    assign_view_class = assignment.ClaimTaskView
    unassign_view_class = assignment.ReleaseTaskView
    reassign_view_class = assignment.ReassignTaskView

    def can_unassign(self, user: Any, task: Any) -> bool:
        if task.owner_id is None or user is None or user.is_anonymous:
            return False
        return may_manage(user=user, task=task)
