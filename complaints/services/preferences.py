"""A user's own settings."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from complaints.models import UserPreference
from complaints.services.errors import Refused


class PreferenceRefused(Refused):
    """The preference cannot be set as asked; the message says why (translated)."""


def preference_set_language(*, user: Any, language: str) -> UserPreference:
    """Stores the language the user reads the site in (one of settings.LANGUAGES); returns the row."""
    if language not in dict(settings.LANGUAGES):
        raise PreferenceRefused(_("Choose one of the offered languages."))
    preference, _created = UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    return preference
