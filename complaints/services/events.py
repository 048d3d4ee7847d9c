from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation

from complaints.models import Complaint, ComplaintEvent
from complaints.rules.clocks import ANSWERING_EVENTS


def acting_user(actor: Any) -> Any:
    """The user to record as having acted, or None for the system (triggers, sweeps, anonymous)."""
    return actor if actor is not None and actor.is_authenticated else None


def event_record(
    *,
    complaint: Complaint,
    kind: str,
    actor: Any = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    note: str = "",
) -> ComplaintEvent:
    """Appends one event to the complaint's history and returns it. A value given as a model row
    (a level, a department…) is stored as its text, and its text in every language under "i18n",
    so the timeline tells it in the reader's language (web.sentences)."""
    event = ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=acting_user(actor),
        old=stored(old or {}),
        new=stored(new or {}),
        note=note,
    )
    if kind in ANSWERING_EVENTS and event.actor is not None:
        from complaints.services.clocks import complaint_clocks_answered

        complaint_clocks_answered(complaint=complaint, now=event.at)
    return event


def stored(values: dict[str, Any]) -> dict[str, Any]:
    """An event's values as JSON: rows become their text in the active language, with their text in
    every language under "i18n" ({"level": {"zh-hans": "L2 区域", "en": "L2 Region"}})."""
    rows = {key: value for key, value in values.items() if isinstance(value, models.Model)}
    if not rows:
        return values
    texts: dict[str, dict[str, str]] = {key: {} for key in rows}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            for key, row in rows.items():
                texts[key][code] = str(row)
    return {**values, **{key: str(row) for key, row in rows.items()}, "i18n": {**values.get("i18n", {}), **texts}}
