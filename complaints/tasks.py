"""Celery tasks: thin doors that take ids (or nothing) and call into the process."""

from typing import Any

from celery import shared_task


@shared_task(name="complaints.tasks.fire_workflow_timers", ignore_result=True, acks_late=True)
def fire_workflow_timers() -> dict[str, Any]:
    """Fires viewflow timers that are due (e.g. the follow-up wait). Each timer is fired under the
    complaint's row lock, so overlapping sweeps or a redelivered message fire it once; a locked one
    is left for the next sweep. Returns how many fired."""
    from viewflow.workflow.timers import fire_due_timers

    return {"timers": fire_due_timers()}
