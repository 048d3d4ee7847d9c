"""A user's own settings."""

from collections.abc import Iterable
from datetime import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import NotificationChannel, NotificationPreference, UserPreference
from complaints.services.errors import Refused


class PreferenceRefused(Refused):
    """The preference cannot be set as asked; the message says why (translated)."""


def preference_set_language(*, user: Any, language: str) -> UserPreference:
    """Stores the language the user reads the site in (one of settings.LANGUAGES); returns the row."""
    if language not in dict(settings.LANGUAGES):
        raise PreferenceRefused(_("Choose one of the offered languages."))
    preference, _created = UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    return preference


def preference_set_notifications(
    *,
    user: Any,
    channels: Iterable[NotificationChannel],
    gateway_address: str,
    quiet_start: time | None,
    quiet_end: time | None,
    time_zone: str,
) -> NotificationPreference:
    """Stores how the user is reached: their channels (active ones only; none means e-mail), their
    address on gateways and their quiet hours. Refuses impossible values (one end of the quiet
    hours, an unknown time zone, an inactive channel) and changes nothing then. Returns the row."""
    chosen = list(channels)
    if any(not channel.active for channel in chosen):
        raise PreferenceRefused(_("Choose among the channels on offer."))
    preference = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
    preference.gateway_address = gateway_address.strip()
    preference.quiet_start, preference.quiet_end = quiet_start, quiet_end
    preference.time_zone = time_zone.strip()
    try:
        preference.full_clean(exclude=["user"])
    except ValidationError as error:
        raise PreferenceRefused(error.message_dict) from error
    with transaction.atomic():
        preference.save()
        preference.channels.set(chosen)
    return preference
