"""Reopening a closed complaint: the customer complained again about the same case."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import EventKind, Outcome, Stage
from complaints.models import Complaint
from complaints.rules.clocks import is_closed
from complaints.selectors.escalation import is_handler
from complaints.selectors.routing import level_deadlines
from complaints.services.clocks import complaint_clocks_stop, complaint_clocks_sync
from complaints.services.escalation import EscalationRefused
from complaints.services.events import event_record
from complaints.services.transitions import transition


class ReopenRefused(EscalationRefused):
    """The complaint cannot be reopened as asked; the message says why (translated)."""


@transition
def complaint_reopen(*, complaint: Complaint, actor: Any, reason: str, now: datetime | None = None) -> Complaint:
    """Reopens a closed complaint with the customer's reason: it goes back to containment (another
    rework round, as when the customer is not satisfied) at the level where it closed, with fresh
    level deadlines and clocks counted from now, and the reason on the timeline. The flow opens the
    containment task (flows.reopen). Raises ReopenRefused."""
    now = now or timezone.now()
    if not reason.strip():
        raise ReopenRefused(_("Say why the complaint is reopened (what the customer complained about again)."))
    with transaction.atomic(savepoint=False):
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("level__calendar", "priority", "owner", "department")
            .get(pk=complaint.pk)
        )
        if not is_closed(complaint):
            raise ReopenRefused(_("Only a closed complaint can be reopened."))
        if complaint.outcome in (Outcome.INVALID, Outcome.DUPLICATE):
            raise ReopenRefused(_("An invalid or duplicate complaint is not reopened; register a new one."))
        if not is_handler(user=actor, complaint=complaint):
            raise ReopenRefused(_("Only someone handling this complaint can reopen it."))
        old = {
            "outcome": complaint.outcome,
            "closed_at": complaint.closed_at.isoformat() if complaint.closed_at else None,
        }
        complaint.outcome, complaint.outcome_note, complaint.closed_at = Outcome.OPEN, "", None
        complaint.rework_round += 1
        complaint.stage = Stage.CONTAINMENT
        complaint.level_entered_at = now
        fields = ["outcome", "outcome_note", "closed_at", "rework_round", "stage", "level_entered_at"]
        if complaint.level is not None and complaint.priority is not None:
            due = level_deadlines(
                level=complaint.level,
                priority=complaint.priority,
                start=now,
                first_response=False,
                department=complaint.department_id,
            )
            complaint.response_due, complaint.resolution_due = due.response_due, due.resolution_due
            fields += ["response_due", "resolution_due"]
        complaint.save(update_fields=fields)
        complaint_clocks_stop(complaint=complaint, now=now)  # the follow-up is not due any more
        complaint_clocks_sync(complaint=complaint, now=now)
        event_record(
            complaint=complaint,
            kind=EventKind.REOPENED,
            actor=actor,
            old=old,
            new={
                "stage": Stage.CONTAINMENT.value,
                "level": complaint.level or "",
                "rework_round": complaint.rework_round,
                "resolution_due": complaint.resolution_due.isoformat() if complaint.resolution_due else None,
            },
            note=reason,
        )
    return complaint
