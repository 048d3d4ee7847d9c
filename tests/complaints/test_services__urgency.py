"""The stored deadline each list row sorts by follows the task and its clocks."""

from typing import Any

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from complaints.models import Clock, TaskUrgency
from complaints.selectors.worklist import menu_counts
from complaints.services.assignment import task_release
from complaints.services.clocks import complaint_clocks_stop
from tests.conftest import FLOW, open_task
from tests.web.test_viewsets__inbox import register


def test_a_registered_complaints_open_task_has_its_governing_clock_stored(org: dict[str, Any], agent: Any) -> None:
    complaint = register(org, agent)
    task = open_task(complaint, FLOW.first_response)
    row = TaskUrgency.objects.get(task=task)
    soonest = Clock.objects.filter(
        complaint=complaint, state=Clock.State.RUNNING, kind__in=["first_response", "response", "resolution"]
    ).order_by("due_at")[0]
    assert (row.case_id, row.owner_id, row.status, row.rank) == (complaint.pk, agent.pk, STATUS.ASSIGNED, 0)
    assert row.due == soonest.due_at


def test_release_and_stopped_clocks_move_the_stored_row(org: dict[str, Any], agent: Any) -> None:
    complaint = register(org, agent)
    task = open_task(complaint, FLOW.first_response)
    task_release(task=Task.objects.get(pk=task.pk), actor=agent)
    row = TaskUrgency.objects.get(task=task)
    assert (row.owner_id, row.status) == (None, STATUS.NEW)
    assert menu_counts(user=agent).queue == 1 and menu_counts(user=agent).inbox == 0
    complaint_clocks_stop(complaint=complaint)
    assert TaskUrgency.objects.get(task=task).rank == 2  # no deadline runs: last in the lists
