"""Reads behind the intake page: what triage decided for a complaint just registered."""

from complaints.choices import NotificationEvent
from complaints.models import Complaint, Notification
from complaints.rules.names import person_name


def triage_outcome(complaint: Complaint) -> dict[str, str]:
    """Returns what the agent is told after registering: priority, level and handling department,
    and who was alerted (a P0's alert list; "" when nobody)."""
    alerted = (
        Notification.objects.filter(complaint=complaint, event=NotificationEvent.P0_ALERT)
        .select_related("recipient")
        .order_by("pk")
    )
    names = list(dict.fromkeys(person_name(row.recipient) for row in alerted if row.recipient is not None))
    return {
        "reference": complaint.reference,
        "priority": str(complaint.priority or "—"),
        "level": str(complaint.level or "—"),
        "department": str(complaint.department or "—"),
        "alerted": ", ".join(names),
    }
