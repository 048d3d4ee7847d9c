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


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [(0.0, 0), (1 / 120, 0), (1 / 60, 1), (1.05 / 60, 2), (4.0, 113), (3.94, 113), (4.13, 113), (4.14, 114)],
)
def test_hours_bucket_edges_grow_by_five_percent(hours: float, bucket: int) -> None:
    assert kpi.hours_bucket(hours) == bucket
    assert kpi.bucket_hours(0) == 0.0


def test_every_duration_is_within_the_bound_of_its_bucket_value() -> None:
    bound = kpi.BUCKET_RATIO**0.5 - 1  # 2.47 %
    assert bound < 0.025
    for step in range(200_000):
        hours = step * 0.0123  # 0 to ~2,460 h, crossing every bucket edge on the way
        value = kpi.bucket_hours(kpi.hours_bucket(hours))
        assert abs(value - hours) <= bound * hours + kpi.BUCKET_FLOOR_HOURS, hours


def test_histogram_percentiles_are_within_the_stated_bound_of_the_exact_ones() -> None:
    """The bound of the resolution-time KPI's definition: within 2.5 % of the exact percentile, plus one
    minute, for skewed and spread samples of every size, at the median, p90 and the extremes."""
    import random

    chooser = random.Random(22)
    bound = kpi.BUCKET_RATIO**0.5 - 1
    samples = [[2, 4, 10], [30], [0.001, 0.5, 0.5, 7]]
    for size in (1, 2, 5, 37, 400):
        samples.append([chooser.lognormvariate(2.5, 1.5) for _ in range(size)])
        samples.append([chooser.uniform(0, 300) for _ in range(size)])
        samples.append([chooser.choice([0.0, 0.01, 1.0, 24.0, 72.0, 500.0]) for _ in range(size)])
    for values in samples:
        histogram: dict[int, int] = {}
        for v in values:
            histogram[kpi.hours_bucket(v)] = histogram.get(kpi.hours_bucket(v), 0) + 1
        for p in (0, 10, 50, 90, 100):
            exact = kpi.percentile(values, p)
            estimate = kpi.histogram_percentile(histogram, p)
            assert exact is not None and estimate is not None
            assert abs(estimate - exact) <= bound * exact + kpi.BUCKET_FLOOR_HOURS + 1e-9, (values, p)
    assert kpi.histogram_percentile({}, 50) is None


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
