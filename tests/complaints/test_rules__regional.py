"""Regions within bounds, the pure rule: the nearest department with a value wins, within HQ's
bounds and only where HQ lets regions override; otherwise HQ's value, saying why."""

from decimal import Decimal

import pytest

from complaints.rules.regional import Applied, resolve_setting, within_bounds

STORE, EAST, HQ = 3, 2, 1
CHAIN = [STORE, EAST, HQ]  # the complaint's department first, then each one above it


@pytest.mark.parametrize(
    ("overrides", "may_override", "minimum", "maximum", "expected"),
    [
        ({}, True, None, None, Applied(Decimal(24))),
        ({EAST: Decimal(36)}, True, Decimal(12), Decimal(48), Applied(Decimal(36), EAST)),
        ({EAST: Decimal(36), STORE: Decimal(30)}, True, None, None, Applied(Decimal(30), STORE)),
        ({EAST: Decimal(36)}, False, None, None, Applied(Decimal(24), None, "not_allowed")),
        ({EAST: Decimal(36)}, True, Decimal(40), Decimal(48), Applied(Decimal(24), None, "outside_bounds")),
        ({EAST: Decimal(60)}, True, None, Decimal(48), Applied(Decimal(24), None, "outside_bounds")),
        ({99: Decimal(36)}, True, None, None, Applied(Decimal(24))),  # another region's value
    ],
    ids=["no-value", "region", "nearest-wins", "overrides-off", "below-min", "above-max", "other-region"],
)
def test_the_nearest_value_within_bounds_applies_else_hq(overrides, may_override, minimum, maximum, expected):
    got = resolve_setting(
        hq_value=Decimal(24),
        chain=CHAIN,
        overrides=overrides,
        may_override=may_override,
        minimum=minimum,
        maximum=maximum,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("value", "minimum", "maximum", "inside"),
    [(12, 12, 48, True), (48, 12, 48, True), (11, 12, 48, False), (49, 12, 48, False), (5, None, None, True)],
)
def test_bounds_include_both_ends(value, minimum, maximum, inside):
    def d(x):
        return None if x is None else Decimal(x)

    assert within_bounds(value=Decimal(value), minimum=d(minimum), maximum=d(maximum)) is inside
