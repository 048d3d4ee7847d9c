"""Regions within bounds: which value of a varying number applies to a complaint, and why."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

LEVEL_SETTINGS = frozenset({"response_time", "resolution_time", "authority", "warning_percent", "calendar"})
PRIORITY_SETTINGS = frozenset({"response_time", "resolution_time"})
NUMBER_SETTINGS = frozenset({"response_time", "resolution_time", "authority", "warning_percent", "follow_up"})


@dataclass(frozen=True)
class Applied:
    """A value and where it came from: `department_id` None means HQ's own value."""

    value: Any
    department_id: int | None = None
    note: str = ""  # why a regional value was passed over ("outside the bounds", "overrides not allowed")


def within_bounds(*, value: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    """Rule: a value is within bounds when it is at least the minimum and at most the maximum (each optional).

    Example: within_bounds(value=Decimal(30), minimum=Decimal(24), maximum=Decimal(72)) is True.
    Why: HQ lets a region shorten or stretch a number, but not past what HQ accepts.
    """
    return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)


def resolve_setting(
    *,
    hq_value: Any,
    chain: Sequence[int],
    overrides: Mapping[int, Any],
    may_override: bool,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> Applied:
    """Rule: the nearest department of the chain (the complaint's own first, then each one above)
    with a value applies, if HQ lets regions override this number and the value is within HQ's
    bounds; otherwise HQ's value applies.

    Example: chain [store-a, east, hq], overrides {east: 36}, bounds 24–72 → 36 from east;
             with bounds 40–72 (tightened after east set 36) → HQ's value, noted "outside".
    Why: a region adjusts within bounds; a value HQ later bounds out, or overrides HQ switches off,
    must stop applying at once without deleting what the region typed.
    """
    for department_id in chain:
        if department_id not in overrides:
            continue
        value = overrides[department_id]
        if not may_override:
            return Applied(hq_value, None, "not_allowed")
        if isinstance(value, Decimal) and not within_bounds(value=value, minimum=minimum, maximum=maximum):
            return Applied(hq_value, None, "outside_bounds")
        return Applied(value, department_id)
    return Applied(hq_value, None)
