"""Notifications: one row per event and recipient (idempotent), sent by e-mail when the
transaction commits, with the time of sending recorded."""

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from complaints.choices import EventKind
from complaints.models import Complaint, Notification
from complaints.selectors.notify import event_recipients, event_template
from complaints.services.events import event_record


class SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(text: str, context: dict[str, Any]) -> str:
    """Fills {placeholders}; an unknown one stays as written rather than failing the sending."""
    try:
        return text.format_map(SafeDict(context))
    except (ValueError, IndexError):
        return text


def complaint_context(complaint: Complaint, **extra: Any) -> dict[str, Any]:
    """The placeholders every template may use (models.notify.PLACEHOLDERS)."""
    due = complaint.response_due or complaint.resolution_due
    context = {
        "reference": complaint.reference or "",
        "customer_name": complaint.customer_name,
        "priority": str(complaint.priority or ""),
        "level": str(complaint.level or ""),
        "department": str(complaint.department or ""),
        "stage": complaint.get_stage_display(),
        "owner": (complaint.owner.get_full_name() or complaint.owner.get_username()) if complaint.owner else "",
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else "",
        "reason": "",
        "url": settings.REDRESS_BASE_URL + reverse("workflow:flows:complaint:process_detail", args=[complaint.pk]),
    }
    context.update(extra)
    return context


def notify_event(
    *,
    event: str,
    complaint: Complaint,
    occasion: str,
    context: dict[str, Any] | None = None,
    within_minutes: int | None = None,
    recipients: list[Any] | None = None,
) -> list[Notification]:
    """Creates the event's notifications for its notify list (or the given recipients) and sends
    them when the transaction commits. `occasion` names this happening of the event (an escalation
    id, a triage): the same occasion never notifies the same person twice. Returns the new rows."""
    template = event_template(event=event)
    people = event_recipients(event=event, complaint=complaint) if recipients is None else recipients
    values = complaint_context(complaint, **(context or {}))
    subject = render(template.subject, values) if template else f"{complaint.reference} {event}"
    body = render(template.body, values) if template else values["url"]
    due_by = timezone.now() + timedelta(minutes=within_minutes) if within_minutes else None
    created: list[Notification] = []
    for person in people:
        row, new = Notification.objects.get_or_create(
            key=f"{event}:{complaint.pk}:{occasion}:{person.pk}",
            defaults={
                "event": event,
                "complaint": complaint,
                "recipient": person,
                "address": person.email or "",
                "subject": subject[:300],
                "body": body,
                "due_by": due_by,
            },
        )
        if new:
            created.append(row)
    for row in created:
        transaction.on_commit(partial(notification_send, notification_id=row.pk))
    return created


def notification_send(*, notification_id: int, now: datetime | None = None) -> bool:
    """Sends one notification by e-mail unless it already went out; records when it did (or the
    error). Claims the row with a conditional update, so two senders never both send. Returns
    whether this call sent it."""
    row = Notification.objects.filter(pk=notification_id).select_related("complaint").first()
    if row is None or row.sent_at is not None:
        return False
    if not row.address:
        Notification.objects.filter(pk=row.pk).update(error="no e-mail address")
        return False
    sent_at = now or timezone.now()
    claimed = Notification.objects.filter(pk=row.pk, sent_at__isnull=True).update(sent_at=sent_at, error="")
    if not claimed:
        return False
    try:
        send_mail(row.subject, row.body, None, [row.address])
    except Exception as error:
        Notification.objects.filter(pk=row.pk).update(sent_at=None, error=str(error)[:500])
        return False
    if row.complaint is not None:
        event_record(
            complaint=row.complaint,
            kind=EventKind.NOTIFIED,
            new={
                "event": row.event,
                "to": row.address,
                "sent_at": sent_at.isoformat(),
                "due_by": row.due_by.isoformat() if row.due_by else None,
            },
            note=row.subject,
        )
    return True
