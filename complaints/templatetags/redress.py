"""Labels in the reader's language for codes stored in snapshots and events."""

from django import template

from complaints.choices import (
    Demand,
    Emotion,
    EscalationReason,
    EscalationTrigger,
    EventKind,
    OutreachState,
    SendBackReason,
)

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
