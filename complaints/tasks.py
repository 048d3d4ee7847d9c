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


@shared_task(name="complaints.tasks.sweep_clocks", ignore_result=True, acks_late=True)
def sweep_clocks() -> dict[str, Any]:
    """Warns and breaches due complaint clocks, each once (claimed with a conditional update), in
    bounded batches. Returns what fired."""
    from complaints.services.clocks import clocks_sweep

    return clocks_sweep()


@shared_task(name="complaints.tasks.pass_on_collaboration_requests", ignore_result=True, acks_late=True)
def pass_on_collaboration_requests() -> dict[str, Any]:
    """Passes unanswered collaboration requests whose answer time ran out to the next holder of
    their chain. Each request is claimed with a conditional update, so overlapping sweeps or a
    redelivered message pass it on once. Returns how many moved."""
    from complaints.services.collaboration import collaboration_pass_on_due

    return {"passed_on": collaboration_pass_on_due()}
