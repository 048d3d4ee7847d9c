"""Reading configuration names stored per language (complaints/translation.py) where a query goes
through a model that is not itself translated (a complaint's department, a membership's role):
through a translated model's own manager, `name` is already the reader's language."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from modeltranslation.manager import rewrite_lookup_key
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order


def name_columns(path: str) -> list[str]:
    """The columns of a related name in every language: "department__name" →
    ["department__name_zh_hans", "department__name_en"] (for values() without an extra query)."""
    return [build_localized_fieldname(path, code) for code, _label in settings.LANGUAGES]


def name_in(row: Mapping[str, Any], path: str) -> str:
    """The name read through `name_columns(path)` in the reader's language, else the other one."""
    fallbacks = {"default": tuple(settings.MODELTRANSLATION_FALLBACK_LANGUAGES)}
    for language in resolution_order(get_language(), fallbacks):
        if value := row.get(build_localized_fieldname(path, language)):
            return str(value)
    return ""


def name_order(model: Any, path: str) -> str:
    """An order_by key for a related name in the reader's language: (Membership, "role__name") →
    "role__name_en" while English is active."""
    return rewrite_lookup_key(model, path)


def in_every_language(values: dict[str, Any]) -> dict[str, Any]:
    """JSON kept for later readers (an event, an information package): values given as rows (a
    level, a department…) become their text in the active language, with their text in every
    language under "i18n" ({"level": {"zh-hans": "L2 区域", "en": "L2 Region"}}); pages read it
    back in their reader's language (web.sentences.in_reader_language)."""
    rows = {key: value for key, value in values.items() if isinstance(value, models.Model)}
    if not rows:
        return values
    texts: dict[str, dict[str, str]] = {key: {} for key in rows}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            for key, row in rows.items():
                texts[key][code] = str(row)
    return {**values, **{key: str(row) for key, row in rows.items()}, "i18n": {**values.get("i18n", {}), **texts}}
