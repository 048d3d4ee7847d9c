"""Who gets a new task of a step: the admin's rule per step (complaints.StageRoute.assign_to),
decided over plain values. The service (complaints.services.assignment) feeds the candidates and
re-checks that the one chosen still holds the task's queue."""

from collections.abc import Mapping
from dataclasses import dataclass

from complaints.choices import AssignRule


@dataclass(frozen=True)
class Pick:
    """The person a rule names (`user_id`, None for nobody) and why: `reason` is the rule, or
    "nobody" when the rule found no one (no case owner, the earlier step never ran, an empty queue)."""

    user_id: int | None
    reason: str


def least_loaded(loads: Mapping[int, int]) -> int | None:
    """Rule: the queue member with the fewest open tasks; a tie goes to the longest-standing
    account (lowest id), so the choice is the same however often it is asked.

    Example: least_loaded({7: 3, 4: 1, 9: 1}) == 4; least_loaded({}) is None
    Why: spreading work evenly without anyone claiming; a stable tie-break keeps tests and
    replays predictable.
    """
    if not loads:
        return None
    return min(loads, key=lambda user_id: (loads[user_id], user_id))


def pick_owner(
    *, rule: str, case_owner_id: int | None, earlier_performer_id: int | None, loads: Mapping[int, int]
) -> Pick:
    """Rule: the candidate for a new task under the step's assignment rule.

    Example: pick_owner(rule="case_owner", case_owner_id=5, …) == Pick(5, "case_owner");
             pick_owner(rule="earlier_step", earlier_performer_id=None, …) == Pick(None, "nobody")
    Why: the claim ritual (queue → open → assign) is wasted on steps whose performer is known;
    the queue stays the answer whenever the rule names nobody.
    """
    if rule == AssignRule.CASE_OWNER:
        candidate = case_owner_id
    elif rule == AssignRule.EARLIER_STEP:
        candidate = earlier_performer_id
    elif rule == AssignRule.LEAST_LOADED:
        candidate = least_loaded(loads)
    else:
        return Pick(None, AssignRule.QUEUE)
    return Pick(candidate, rule if candidate is not None else "nobody")
