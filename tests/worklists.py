"""Shared set-up for the worklist tests (the staff lists and the API's task lists): a complaint's
deadline set outright, the first responses put back in their queues."""

from datetime import timedelta

from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.models import Clock, Complaint
from complaints.services.urgency import urgency_rebuild, urgency_refresh
from tests.conftest import FLOW


def set_clock(complaint: Complaint, *, due: timedelta | None, warn: timedelta | None = None, paused: bool = False):
    """Replaces the complaint's clocks with one: due (and warned) that far from now, or paused
    with `due` left, or none at all."""
    Clock.objects.filter(complaint=complaint).delete()
    if due is not None:
        _clock_create(complaint, due=due, warn=warn, paused=paused)
    urgency_refresh(complaint_ids=[complaint.pk])  # written behind the services' back: refresh as they do


def _clock_create(complaint: Complaint, *, due: timedelta, warn: timedelta | None, paused: bool) -> None:
    now = timezone.now()
    Clock.objects.create(
        complaint=complaint,
        kind=Clock.Kind.RESOLUTION,
        level=complaint.level,
        state=Clock.State.PAUSED if paused else Clock.State.RUNNING,
        started_at=now - timedelta(hours=1),
        due_at=now + due,
        warn_at=now + warn if warn is not None else None,
        paused_at=now if paused else None,
        remaining=due if paused else None,
    )


def release_first_responses() -> None:
    """Puts every first response back in its queue (they start in the receiver's inbox)."""
    Task.objects.filter(flow_task=FLOW.first_response, status=STATUS.ASSIGNED).update(owner=None, status=STATUS.NEW)
    urgency_rebuild()
