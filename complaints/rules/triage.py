"""Triage: priority, level and deadlines from the intake facts and the admin's values."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PriorityRow:
    id: int
    rank: int
    first_response_minutes: int
    resolution_hours: int


@dataclass(frozen=True)
class TriageResult:
    priority_id: int
    top_level: bool
    first_response_due: datetime
    resolution_due: datetime
    signals: tuple[str, ...]


def triage(
    *,
    risk_flagged: bool,
    received_at: datetime,
    default_priority: PriorityRow,
    risk_priority: PriorityRow,
) -> TriageResult:
    """Rule: a flagged safety, legal or public-opinion risk takes the risk priority and starts at the
    top level; anything else takes the default priority at the first level. Deadlines count from
    receipt by the priority's limits.

    Example: risk flagged, received 09:00, risk priority answers in 10 min → first response due 09:10.
    Why: DOMAIN.md — a P0 goes straight to the top; escalating early beats escalating late.
    """
    chosen = risk_priority if risk_flagged else default_priority
    return TriageResult(
        priority_id=chosen.id,
        top_level=risk_flagged,
        first_response_due=received_at + timedelta(minutes=chosen.first_response_minutes),
        resolution_due=received_at + timedelta(hours=chosen.resolution_hours),
        signals=("risk_flagged",) if risk_flagged else (),
    )
