"""Shared set-up for the worklist tests (the staff lists and the API's task lists): complaints from
new customers, a complaint's deadline set outright, the first responses put back in their queues, a
member of two stores' queues."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.models import Clock, Complaint, Membership, Role
from complaints.services.urgency import urgency_rebuild, urgency_refresh
from flows.driver import start_complaint
from tests.conftest import FLOW, intake_data, make_user


def register(org: dict[str, Any], user: Any, **overrides: Any) -> Complaint:
    """Registers a complaint, its first response in the receiver's inbox; each from a new customer
    phone unless told (repeats would escalate)."""
    overrides.setdefault("customer_phone", f"137{Complaint.objects.count() + 1:08d}")
    return start_complaint(user=user, data=intake_data(org, **overrides))


def two_stores(org: dict[str, Any], agent: Any, agent_b: Any) -> tuple[Any, dict[str, Complaint]]:
    """An agent of store A who is an agent of store B too, and four complaints queued two in each
    store, due (from now) a_late -1 h, b_later -3 h, a_soon +2 h, b_sooner +1 h."""
    both = make_user("agent_ab", org["store_a"], "agent")
    Membership.objects.create(user=both, department=org["store_b"], role=Role.objects.get(code="agent"))
    made = {
        "a_late": register(org, agent),
        "b_later": register(org, agent_b, department=str(org["store_b"].pk)),
        "a_soon": register(org, agent),
        "b_sooner": register(org, agent_b, department=str(org["store_b"].pk)),
    }
    for name, hours in [("a_late", -1), ("b_later", -3), ("a_soon", 2), ("b_sooner", 1)]:
        set_clock(made[name], due=timedelta(hours=hours))
    return both, made


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
