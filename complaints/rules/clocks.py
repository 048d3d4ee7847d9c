"""What a clock kind does when no level rule says otherwise (pure: no database)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from complaints.choices import EventKind, Outcome, Stage
from complaints.models.clock import BreachAction, Clock

ANSWERING_EVENTS = frozenset(
    {
        EventKind.CUSTOMER_CONTACT,
        EventKind.VERIFIED,
        EventKind.ACTION_RECORDED,
        EventKind.ROOT_CAUSE,
        EventKind.EFFECTIVENESS,
        EventKind.CONFIRMATION,
        EventKind.CLOSED,
        EventKind.COMPENSATION,
        EventKind.APPROVAL_REQUESTED,
        EventKind.COLLABORATION_REQUESTED,
        EventKind.WAITING,
        EventKind.PROBLEM_DESCRIBED,
        EventKind.CAUSE_RECORDED,
        EventKind.RESPONSIBILITY,
        EventKind.ACTION_UPDATED,
    }
)
"""What a person records that counts as the level's response or decision (by a person: the
system's own entries answer nothing)."""


@dataclass(frozen=True)
class ClockBehaviour:
    """What stops a clock and what its breach does (ClockRule, or a default below)."""

    answered_by_response: bool
    warns: bool
    breach: str


DEFAULTS: dict[str, ClockBehaviour] = {
    # The first contact is owed to the customer: a miss is told to the breach list, not escalated.
    Clock.Kind.FIRST_RESPONSE: ClockBehaviour(answered_by_response=True, warns=True, breach=BreachAction.NOTIFY),
    # The level takes the case up: any response or decision there answers it.
    Clock.Kind.RESPONSE: ClockBehaviour(answered_by_response=True, warns=True, breach=BreachAction.NOTIFY),
    # Resolving is what the level owes: its breach moves the case up.
    Clock.Kind.RESOLUTION: ClockBehaviour(answered_by_response=False, warns=True, breach=BreachAction.ESCALATE),
    Clock.Kind.TASK: ClockBehaviour(answered_by_response=False, warns=True, breach=BreachAction.ESCALATE),
    # An admin-defined step is a step like the others: its breach moves the case up.
    Clock.Kind.CUSTOM_STEP: ClockBehaviour(answered_by_response=False, warns=True, breach=BreachAction.ESCALATE),
    # The committed time passed unmet (no contact with the customer since): an escalation trigger
    # (DOMAIN.md). The next contact answers it; a new promise replaces it.
    Clock.Kind.PROMISE: ClockBehaviour(answered_by_response=True, warns=True, breach=BreachAction.ESCALATE),
}
"""Other kinds (collaboration, corrective action, follow-up, P0 reminder) keep their own fixed
behaviour, described in docs/deadlines.md."""

OTHER = ClockBehaviour(answered_by_response=False, warns=True, breach=BreachAction.NOTIFY)


def behaviour(kind: str, rule: ClockBehaviour | None) -> ClockBehaviour:
    """The level's rule for the kind if it has one, else the default."""
    return rule or DEFAULTS.get(kind, OTHER)


def is_closed(complaint: Any) -> bool:
    """Rule: a complaint is closed once it reached the closed stage or has an outcome other than
    open; only reopening moves it again."""
    return bool(complaint.stage == Stage.CLOSED or complaint.outcome != Outcome.OPEN)


def urgent_first_response_due(
    *,
    received: datetime,
    due: datetime | None,
    signals: Iterable[str],
    categories: Iterable[int],
    urgent_signals: str,
    urgent_categories: Iterable[int],
    minutes: int,
) -> datetime | None:
    """Rule: a complaint with an urgent signal or in an urgent category (or below one) is first
    answered within the urgent limit in calendar time from receipt, or by its own target if that
    comes sooner; any other complaint keeps its target.

    Example: filed 02:00 with "vulnerable" urgent and 10 minutes: due 02:10, not 09:30 next day.
    """
    wanted = {code.strip() for code in urgent_signals.split(",") if code.strip()}
    if not (wanted & set(signals)) and not (set(urgent_categories) & set(categories)):
        return due
    urgent = received + timedelta(minutes=minutes)
    return urgent if due is None or urgent < due else due
