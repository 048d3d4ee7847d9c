from typing import Any

from complaints.models import Complaint, ComplaintEvent


def event_record(
    *,
    complaint: Complaint,
    kind: str,
    actor: Any = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    note: str = "",
) -> ComplaintEvent:
    """Appends one event to the complaint's history and returns it."""
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        old=old or {},
        new=new or {},
        note=note,
    )
