"""Reads behind the intake page: what triage decided for a complaint just registered."""

from typing import Any

from django.db.models import QuerySet

from complaints.choices import NotificationEvent
from complaints.models import Complaint, Notification, PendingUpload
from complaints.rules.names import person_name


def triage_outcome(complaint: Complaint) -> dict[str, str]:
    """Returns what the agent is told after registering: priority, level and handling department,
    and who was alerted (a P0's alert list; "" when nobody). Triage alerts only at a priority that
    alerts (services.triage.p0_alert), so a complaint just registered at another has no alert to read."""
    alerts = complaint.priority is not None and complaint.priority.alert
    alerted = (
        Notification.objects.filter(complaint=complaint, event=NotificationEvent.P0_ALERT)
        .select_related("recipient")
        .order_by("pk")
        if alerts
        else Notification.objects.none()
    )
    names = list(dict.fromkeys(person_name(row.recipient) for row in alerted if row.recipient is not None))
    return {
        "reference": complaint.reference,
        "priority": str(complaint.priority or "—"),
        "level": str(complaint.level or "—"),
        "department": str(complaint.department or "—"),
        "alerted": ", ".join(names),
    }


def pending_uploads(*, owner: Any, draft: str) -> QuerySet[PendingUpload]:
    """The files kept for one of the owner's unsaved intake forms (services.pending), oldest first;
    nobody else's, whatever the draft token says."""
    if not draft or not getattr(owner, "is_authenticated", False):
        return PendingUpload.objects.none()
    return PendingUpload.objects.filter(owner=owner, draft=draft).order_by("created_at", "pk")
