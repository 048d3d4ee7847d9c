"""Reads behind the profile page: what a user chose for themselves and where they work."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from complaints.models import Membership, NotificationChannel, NotificationPreference, UserPreference
from complaints.selectors.names import name_order


@dataclass(frozen=True)
class Profile:
    language: str
    notification: NotificationPreference | None
    memberships: list[Membership]


def profile_of(user: Any) -> Profile:
    """Returns the user's language, notification preference (None: never set) and their
    memberships (department and role, active departments only)."""
    language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""
    notification = NotificationPreference.objects.filter(user=user).prefetch_related("channels").first()
    memberships = list(
        Membership.objects.filter(user=user, department__active=True)
        .select_related("department", "role")
        .order_by(name_order(Membership, "department__name"), name_order(Membership, "role__name"))
    )
    return Profile(language=language, notification=notification, memberships=memberships)


def offered_channels() -> QuerySet[NotificationChannel]:
    """Returns the channels a user may choose (the active ones)."""
    return NotificationChannel.objects.filter(active=True).order_by("name")
