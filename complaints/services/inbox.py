"""The in-app copy of what the system sends people (see services.notify): written with the
messages, marked read by their reader only."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import InAppNotice, Notification
from complaints.services.errors import Refused


class NoticeRefused(Refused):
    """The notice cannot be changed as asked; the message says why (translated)."""


def message_key(row: Notification) -> str:
    """A message's key without its channel: the same message by e-mail and webhook is one notice."""
    suffix = f":{row.channel.code}" if row.channel is not None else ""
    return row.key[: -len(suffix)] if suffix and row.key.endswith(suffix) else row.key


def notices_add(*, rows: Iterable[Notification]) -> int:
    """Writes one in-app notice per message and recipient among the notification rows (already
    rendered in the recipient's language); a message noticed before is not added twice. Returns
    how many rows were offered (after merging channels)."""
    notices: dict[str, InAppNotice] = {}
    for row in rows:
        if row.recipient_id is None:
            continue
        key = message_key(row)
        notices.setdefault(
            key,
            InAppNotice(
                key=key,
                recipient_id=row.recipient_id,
                event=row.event,
                complaint_id=row.complaint_id,
                subject=row.subject,
                body=row.body,
            ),
        )
    InAppNotice.objects.bulk_create(notices.values(), ignore_conflicts=True)
    return len(notices)


def notice_mark_read(*, user: Any, notice_id: int, now: datetime | None = None) -> InAppNotice:
    """Marks one of the user's own notices read (reading it again changes nothing). Refuses a
    notice of anyone else as if it did not exist. Returns the notice."""
    notice = InAppNotice.objects.filter(pk=notice_id, recipient_id=user.pk).first()
    if notice is None:
        raise NoticeRefused(_("This notification is not yours or no longer exists."))
    if notice.read_at is None:
        notice.read_at = now or timezone.now()
        InAppNotice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def notices_mark_all_read(*, user: Any, now: datetime | None = None) -> int:
    """Marks every unread notice of the user read. Returns how many changed."""
    return InAppNotice.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=now or timezone.now())
