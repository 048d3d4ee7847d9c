"""Reads behind the notification list: the reader's own notices only."""

from typing import Any

from django.db.models import QuerySet

from complaints.models import InAppNotice


def notices_of(user: Any) -> QuerySet[InAppNotice]:
    """Returns the user's notices, newest first, with their complaint (reference for the link)."""
    return InAppNotice.objects.filter(recipient_id=user.pk).select_related("complaint")


def unread_count(user: Any) -> int:
    """Returns how many of the user's notices are unread (one query; the header's badge)."""
    if not user.is_authenticated:
        return 0
    return InAppNotice.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
