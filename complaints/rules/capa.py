"""Corrective actions and the analysis: which status moves are allowed, when a step is complete.

Pure functions over plain values (statuses, counts, shares); the services pass them in and turn
the returned codes into translated messages.
"""

import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal

from complaints.choices import ActionStatus

VERDICTS = frozenset({ActionStatus.EFFECTIVE, ActionStatus.NOT_EFFECTIVE})

# Where an action may go from each status. Verdicts are given only by verification; "not
# effective" reopens the action, which is reworked (in progress) and reported done again.
TRANSITIONS: dict[str, frozenset[str]] = {
    ActionStatus.PLANNED: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE}),
    ActionStatus.IN_PROGRESS: frozenset({ActionStatus.PLANNED, ActionStatus.DONE}),
    ActionStatus.DONE: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.EFFECTIVE, ActionStatus.NOT_EFFECTIVE}),
    ActionStatus.NOT_EFFECTIVE: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE}),
    ActionStatus.EFFECTIVE: frozenset(),
}


def move_allowed(old: str, new: str, *, verifying: bool = False) -> bool:
    """Rule: an action moves planned → in progress → done → effective / not effective; not
    effective goes back to in progress or done; effective is final. Only a verification gives a
    verdict, and a verification gives nothing but a verdict.

    Example: move_allowed("done", "effective", verifying=True) is True;
    move_allowed("in_progress", "effective", verifying=True) is False (not done yet);
    move_allowed("done", "effective") is False (an owner cannot verify their own work).
    Why: effectiveness is quality's judgement of finished work, and a verified action stays verified.
    """
    if (new in VERDICTS) != verifying:
        return False
    return new in TRANSITIONS.get(old, frozenset())


def is_open(status: str) -> bool:
    """Rule: an action is open until it is verified effective.

    Example: is_open("done") is True; is_open("effective") is False.
    Why: the customer is asked to confirm only when every permanent action worked.
    """
    return status != ActionStatus.EFFECTIVE


def shares_problem(shares: Iterable[Decimal]) -> str | None:
    """Rule: each responsibility share is above 0 and at most 100 %, and together at most 100 %.
    Returns None when valid, else "share" (one share out of range) or "total".

    Example: shares_problem([Decimal(60), Decimal(40)]) is None;
    shares_problem([Decimal(70), Decimal(40)]) == "total".
    Why: the shares feed the KPIs per department; more than the whole would count twice.
    """
    values = list(shares)
    if any(v <= 0 or v > 100 for v in values):
        return "share"
    if sum(values, Decimal(0)) > 100:
        return "total"
    return None


def analysis_gaps(*, answers: Sequence[str], confirmed_causes: int) -> list[str]:
    """Rule: the analysis is complete when all seven 5W2H answers are written and at least one
    cause is confirmed. Returns what is missing: "5w2h", "confirmed_cause".

    Example: analysis_gaps(answers=["a"] * 7, confirmed_causes=0) == ["confirmed_cause"].
    Why: the 8D report and the customer's explanation need the problem and its root cause.
    """
    gaps = []
    if not answers or any(not a.strip() for a in answers):
        gaps.append("5w2h")
    if confirmed_causes < 1:
        gaps.append("confirmed_cause")
    return gaps


def permanent_gaps(statuses: Sequence[str]) -> list[str]:
    """Rule: the permanent-actions step is complete when there is at least one permanent action
    and every one is done (or already verified effective). Returns "none" or "not_done".

    Example: permanent_gaps(["done", "effective"]) == []; permanent_gaps(["planned"]) == ["not_done"].
    Why: effectiveness can only be judged on implemented actions.
    """
    if not statuses:
        return ["none"]
    if any(s not in {ActionStatus.DONE, ActionStatus.EFFECTIVE} for s in statuses):
        return ["not_done"]
    return []


def effectiveness_gaps(statuses: Sequence[str]) -> list[str]:
    """Rule: the effectiveness step is complete when every permanent action has a verdict.
    Returns "none" or "unverified".

    Example: effectiveness_gaps(["effective", "not_effective"]) == [];
    effectiveness_gaps(["done"]) == ["unverified"].
    Why: a step that ends with an action still unjudged would send it to the customer unchecked.
    """
    if not statuses:
        return ["none"]
    if any(s not in VERDICTS for s in statuses):
        return ["unverified"]
    return []


def all_effective(statuses: Sequence[str]) -> bool:
    """Rule: at least one permanent action, and every one verified effective.

    Example: all_effective(["effective", "effective"]) is True; all_effective([]) is False;
    all_effective(["effective", "not_effective"]) is False.
    Why: the gate before customer confirmation.
    """
    return bool(statuses) and all(s == ActionStatus.EFFECTIVE for s in statuses)


def fingerprint(values: Iterable[object]) -> str:
    """Rule: a record's version for the edit-in-place forms is a digest of the values the form
    edits, in the form's order; a form remembers the version it was opened on, and a save whose
    version differs from the record's now is refused (someone else saved first).

    Example: fingerprint(["What", "Why"]) == fingerprint(["What", "Why"]);
    fingerprint(["What", "Why"]) != fingerprint(["What", "Why not"]).
    Why: two engineers editing the same 5W2H or cause at once: one wins, the other is told,
    instead of the second silently overwriting the first. A digest of the edited values (not a
    timestamp) lets an unrelated change (a new cause beside this one) pass.
    """
    text = "\x1f".join("" if value is None else str(value) for value in values)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
