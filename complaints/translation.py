"""Configuration names stored per language (django-modeltranslation): categories, levels,
priorities, departments, roles and the fishbone's cause categories.

Each registered field gets one column per language in settings.LANGUAGES (`name_zh_hans`,
`name_en`); reading `obj.name` gives the active language's value, or the other language's while it
is empty (settings.MODELTRANSLATION_FALLBACK_LANGUAGES), and queries on `name` through these models'
managers read the active language's column. Render a name for someone else under
`translation.override(their language)` (notifications do), and store it in an event as the object
itself (services.events keeps every language).
"""

from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from complaints.models import Category, CauseCategory, Department, EscalationLevel, Priority, Role


class NameOptions(TranslationOptions):
    fields = ("name",)
    # The admin and full_clean() require the site language's name; the other may stay empty.
    required_languages = (settings.MODELTRANSLATION_DEFAULT_LANGUAGE,)


for model in (Category, EscalationLevel, Priority, Department, Role, CauseCategory):
    register(model)(NameOptions)
    # The admin history (django-simple-history) copies every column, so it keeps both names too.
    register(model.history.model)(NameOptions)  # type: ignore[attr-defined]
