"""Recomputing deadlines when an admin changes limits and asks for open complaints to follow."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.choices import EventKind, Outcome, Stage
from complaints.models import Complaint, EscalationLevel
from complaints.selectors.routing import level_deadlines
from complaints.services.clocks import complaint_clocks_sync
from complaints.services.errors import Refused
from complaints.services.events import event_record

LEVEL_PERMISSION = "complaints.change_escalationlevel"


def complaint_deadlines_recompute(*, complaint: Complaint, actor: Any = None) -> bool:
    """Recomputes a complaint's level deadlines from when it reached its level (and its first-response
    deadline while that is still pending) with today's limits, and its clocks' warning times with
    the level's percentage. Returns whether anything changed."""
    if complaint.level is None or complaint.priority is None or complaint.level_entered_at is None:
        return False
    pending_first_response = complaint.stage in (Stage.INTAKE, Stage.FIRST_RESPONSE)
    due = level_deadlines(
        level=complaint.level,
        priority=complaint.priority,
        start=complaint.level_entered_at,
        first_response=pending_first_response,
        department=complaint.department_id,
    )
    fields = ["response_due", "resolution_due"] + (["first_response_due"] if pending_first_response else [])
    old = {name: getattr(complaint, name) for name in fields}
    new = {name: getattr(due, name) for name in fields}
    if old == new:
        return bool(complaint_clocks_sync(complaint=complaint))  # the warning percentage may have changed
    for name, value in new.items():
        setattr(complaint, name, value)
    complaint.save(update_fields=fields)
    complaint_clocks_sync(complaint=complaint)
    event_record(
        complaint=complaint,
        kind=EventKind.DEADLINES_RECOMPUTED,
        actor=actor,
        old={k: v.isoformat() if v else None for k, v in old.items()},
        new={k: v.isoformat() if v else None for k, v in new.items()},
    )
    return True


def complaint_deadlines_recompute_for_level(*, level: EscalationLevel, actor: Any = None) -> int:
    """Recomputes the deadlines of every open complaint at a level; returns how many changed. Only
    the system or someone who may change the levels may ask (the admin's action)."""
    if actor is not None and not (actor.is_active and actor.has_perm(LEVEL_PERMISSION)):
        raise Refused(_("Only an administrator of the escalation levels may recompute their deadlines."))
    changed = 0
    open_here = Complaint.objects.filter(level=level, outcome=Outcome.OPEN).exclude(stage=Stage.CLOSED)
    for complaint in open_here.select_related("level__calendar", "priority").iterator():
        with transaction.atomic():
            locked = (
                Complaint.objects.select_for_update(of=("self",))
                .select_related("level__calendar", "priority")
                .get(pk=complaint.pk)
            )
            changed += complaint_deadlines_recompute(complaint=locked, actor=actor)
    return changed
