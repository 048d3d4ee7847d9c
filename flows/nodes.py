"""The human-step node of our flows: viewflow's View with claim, release and reassign going through
complaints.services.assignment (conditional update, timeline event) and reassign switched on."""

from typing import Any

from viewflow.workflow import flow

from complaints.services.assignment import may_manage
from web import assignment


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
