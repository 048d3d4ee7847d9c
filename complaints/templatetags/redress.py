"""Labels in the reader's language for codes stored in snapshots and events."""

from typing import Any

from django import template
from django.utils import timezone

from complaints.choices import (
    Demand,
    Emotion,
    EscalationReason,
    EscalationTrigger,
    EventKind,
    OutreachState,
    SendBackReason,
)
from complaints.rules import timeline as timeline_rules
from complaints.rules.names import person_name
from complaints.rules.text import without_bidi_controls

register = template.Library()

LABELS = {
    "emotion": dict(Emotion.choices),
    "demand": dict(Demand.choices),
    "event": dict(EventKind.choices),
    "reason": dict(EscalationReason.choices) | dict(SendBackReason.choices),
    "trigger": dict(EscalationTrigger.choices),
    "outreach": dict(OutreachState.choices),
}


@register.filter
def label(code: str, kind: str) -> str:
    """{{ code|label:"emotion" }}: the code's label now, or the code itself when unknown."""
    return str(LABELS.get(kind, {}).get(code, code or ""))


@register.simple_tag
def clock_reading(clock: Any) -> dict[str, str]:
    """{% clock_reading clock as reading %}: reading.state (ok, warn, breached, paused) and
    reading.text ("3h 05m left") at the moment the page is drawn."""
    state, text = timeline_rules.clock_reading(
        due=clock.due_at,
        warn=clock.warn_at,
        paused=clock.state == "paused",
        remaining_seconds=clock.remaining.total_seconds() if clock.remaining is not None else None,
        now=timezone.now(),
    )
    return {"state": state, "text": text}


@register.simple_tag
def countdown_labels() -> dict[str, str]:
    """The countdown phrases in the reader's language, for static/redress/countdown.js."""
    return timeline_rules.countdown_labels()


@register.filter
def inert(value: Any) -> str:
    """A stored name or text without direction-override characters (they could make it read
    backwards, e.g. a file name ending in “exe” shown as “gnp”); intake strips them, this
    neutralises those stored before. Usage: {{ complaint.customer_name|inert }}."""
    return without_bidi_controls(str(value)) if value is not None else ""


@register.filter
def person(user: Any) -> str:
    """A user's name as people read it (Chinese names family name first: 王芳), else their login."""
    return person_name(user)
