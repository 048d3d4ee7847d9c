"""The pure KPI rules: rates, percentiles, Pareto shares, periods and time per level."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints.rules import kpi

UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(("part", "whole", "expected"), [(3, 4, 75.0), (0, 5, 0.0), (0, 0, None), (2, 3, 66.7)])
def test_rate(part: int, whole: int, expected: float | None) -> None:
    assert kpi.rate(part, whole) == expected


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [([1, 2, 3, 4], 50, 2.5), ([10], 90, 10.0), ([2, 4, 10], 90, 8.8), ([], 50, None), ([5, 1, 3], 50, 3.0)],
)
def test_percentile_interpolates_like_percentile_cont(values: list[float], p: float, expected: float | None) -> None:
    result = kpi.percentile(values, p)
    assert result == expected if expected is None else result == pytest.approx(expected)


def test_pareto_sorts_and_accumulates_and_drops_zeros() -> None:
    rows = kpi.pareto([("a", "A", 1), ("b", "B", 3), ("z", "Z", 0)])
    assert [(r.key, r.share, r.cumulative) for r in rows] == [("b", 75.0, 75.0), ("a", 25.0, 100.0)]


def test_periods() -> None:
    assert kpi.period_parse("2026-W48") == kpi.Period(date(2026, 11, 23), date(2026, 11, 30), "2026-W48")
    assert kpi.period_parse("2026-12") == kpi.Period(date(2026, 12, 1), date(2027, 1, 1), "2026-12")
    assert kpi.previous_period("weekly", date(2026, 12, 3)).name == "2026-W48"
    assert kpi.previous_period("monthly", date(2026, 1, 15)).name == "2025-12"
    for bad in ("2026-W54", "2026-13", "last week"):
        with pytest.raises(ValueError):
            kpi.period_parse(bad)


def test_level_durations_add_up_revisits() -> None:
    t0 = datetime(2026, 11, 23, 8, tzinfo=UTC)
    moves = [(t0 + timedelta(hours=2), 2), (t0 + timedelta(hours=3), 1)]
    hours = kpi.level_durations(start_level=1, received=t0, moves=moves, end=t0 + timedelta(hours=5))
    assert hours == {1: 4.0, 2: 1.0}


def test_every_kpi_has_a_definition() -> None:
    codes = {d.code for d in kpi.DEFINITIONS}
    assert {"volume", "fcr", "escalation", "resolution_time", "deadlines", "satisfaction", "recovery"} <= codes
    assert {"repeat", "cost", "batches", "appeals", "pareto_category", "pareto_cause", "responsibility"} <= codes
