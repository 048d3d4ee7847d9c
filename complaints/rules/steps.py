"""Custom steps at the fixed points of the process: where a refused gate may send the case, and
what the process does next at a point (pure: no database)."""

from collections.abc import Iterable
from dataclasses import dataclass

# Each point, and the stages before it a refused gate may send the case back to (process order).
BACK_TARGETS: dict[str, tuple[str, ...]] = {
    "after_triage": (),
    "after_verification": ("first_response", "verification"),
    "before_permanent_actions": ("first_response", "verification", "containment"),
    "before_confirmation": ("first_response", "verification", "containment", "permanent_actions"),
    "before_close": ("first_response", "verification", "containment", "permanent_actions", "customer_confirmation"),
}

# Where a custom step's answers print in the 8D report: the D-section its point of the process feeds.
# after triage → D2 (the problem as described and triaged), after verification → D3 (what comes
# before containment), before permanent actions → D5 (the permanent actions it clears), before
# customer confirmation → D6 (the implemented, verified actions it signs off), before close → D8.
EIGHT_D_SECTION: dict[str, str] = {
    "after_triage": "d2",
    "after_verification": "d3",
    "before_permanent_actions": "d5",
    "before_confirmation": "d6",
    "before_close": "d8",
}

WAIT = "wait"
GO_ON = "go_on"


@dataclass(frozen=True)
class RunState:
    outcome: str  # StepRunStatus value
    gate: bool
    back_to: str


def next_move(runs: Iterable[RunState]) -> str:
    """Rule: the process waits at a point while a run of its latest batch is open; a refused gate
    sends it back to the stage its step names; otherwise it goes on.

    Example: [done, open] → "wait"; [refused gate back to containment, canceled] → "containment";
             [] or [done, done] → "go_on".
    Why: several steps at one point run in parallel and the process continues when all are done,
    or as soon as a gate says no (the other runs are cancelled then).
    """
    runs = list(runs)
    refused = next((r for r in runs if r.outcome == "refused" and r.gate and r.back_to), None)
    if refused is not None:
        return refused.back_to
    if any(r.outcome == "open" for r in runs):
        return WAIT
    return GO_ON
