"""Each KPI against the hand-counted week of tests/complaints/kpi_fixture.py (reopened, duplicate,
invalid, escalated and outside-the-period complaints included), its drill-down, and its scope."""

from decimal import Decimal
from typing import Any

import pytest

from complaints.rules.kpi import Period
from complaints.selectors.kpi import KpiFilters, drill_down, kpi_summary, region_comparison
from tests.complaints import kpi_fixture

pytestmark = pytest.mark.django_db


def refs(qs: Any) -> list[str]:
    return sorted(qs.values_list("reference", flat=True))


def summary(user: Any, **kw: Any) -> Any:
    return kpi_summary(user=user, filters=KpiFilters(period=kpi_fixture.WEEK, **kw))


def test_volume_counts_invalid_and_duplicates_apart_and_leaves_out_other_weeks(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert (s.volume, s.valid, s.invalid, s.duplicate) == (7, 5, 1, 1)


def test_first_contact_resolution_leaves_out_escalated_and_reopened(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert (s.fcr.part, s.fcr.whole, s.fcr.percent) == (2, 4, 50.0)
    assert refs(drill_down(user=boss, filters=KpiFilters(period=kpi_fixture.WEEK), part="fcr")) == ["C1", "C8"]


def test_escalation_rate_per_level(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert [(r.part, r.whole, r.percent) for r in s.escalation] == [(2, 5, 40.0), (1, 2, 50.0), (0, 1, 0.0)]
    level1 = week["levels"][1].pk
    filters = KpiFilters(period=kpi_fixture.WEEK)
    assert refs(drill_down(user=boss, filters=filters, part=f"escalated:{level1}")) == ["C2", "C6"]


def test_resolution_time_median_and_p90_per_level_and_priority(week: Any, boss: Any) -> None:
    cells = {(c.level, c.priority): (c.count, c.median_hours, c.p90_hours) for c in summary(boss).resolution_times}
    level1, level2 = str(week["levels"][1]), str(week["levels"][2])
    # closed at level 1, P2: 2 h, 4 h, 10 h → median 4; p90 = 4 + (10 - 4) × 0.8 = 8.8. Read from the
    # histogram each duration counts as its bucket's middle (rules.kpi.bucket_hours: 4 h → 4.03 h,
    # 10 h → 10.19 h, 30 h → 29.81 h), within 2.5 %: median 4.0, p90 4.03 + 6.16 × 0.8 = 8.96 → 9.0.
    assert cells == {(level1, "P2"): (3, 4.0, 9.0), (level2, "P1"): (1, 29.8, 29.8)}


def test_deadlines_met_per_clock_kind_counts_finished_clocks_only(week: Any, boss: Any) -> None:
    rows = {r.part_code: (r.part, r.whole, r.percent) for r in summary(boss).deadlines}
    assert rows == {"met:first_response": (2, 2, 100.0), "met:resolution": (1, 2, 50.0)}
    filters = KpiFilters(period=kpi_fixture.WEEK)
    assert refs(drill_down(user=boss, filters=filters, part="missed:resolution")) == ["C2"]


def test_satisfaction_against_the_admin_target(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert (s.satisfaction.part, s.satisfaction.whole, s.satisfaction.percent) == (2, 3, 66.7)
    assert s.satisfaction.target == 85.0 and s.satisfaction.meets_target is False


def test_satisfaction_target_and_threshold_are_the_admins(week: Any, boss: Any) -> None:
    from complaints.models import KpiSettings

    KpiSettings.objects.update(satisfaction_target_percent=60, satisfied_from=2)
    s = summary(boss)
    assert (s.satisfaction.part, s.satisfaction.meets_target) == (3, True)


def test_satisfaction_recovery_of_angry_customers(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert (s.recovery.part, s.recovery.whole) == (1, 2)


def test_repeat_rate(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert (s.repeat.part, s.repeat.whole, s.repeat.percent) == (1, 5, 20.0)
    assert refs(drill_down(user=boss, filters=KpiFilters(period=kpi_fixture.WEEK), part="repeat")) == ["C3"]


def test_costs_count_agreed_and_approved_compensation_but_not_refused(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert s.compensation == Decimal("1200.00")
    assert s.action_cost == Decimal("800.50")


def test_open_batches_and_appeals(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert (s.open_batches, s.appeals) == (1, 0)


def test_custom_step_times_count_answered_runs_of_the_period(week: Any, boss: Any, agent_b: Any) -> None:
    kpi_fixture.step_runs(week)
    assert summary(boss).step_times == [
        {"code": "legal", "name": "Legal review", "count": 3, "refused": 1, "mean_hours": 4.0}
    ]
    # A store-B agent: C8's run only (C6's was canceled); none in the week before the fixture's.
    assert summary(agent_b).step_times == [
        {"code": "legal", "name": "Legal review", "count": 1, "refused": 0, "mean_hours": 6.0}
    ]


def test_paretos_of_categories_causes_and_responsibility(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert [(r.label, r.count, r.cumulative) for r in s.categories] == [("Appliance", 4, 80.0), ("Towing", 1, 100.0)]
    assert [(r.key, r.count, r.share) for r in s.causes] == [("cause:man", 2, 66.7), ("cause:method", 1, 33.3)]
    assert [(r.label, r.count) for r in s.responsibility] == [("Store A", 0.6), ("Supplier X", 0.4)]
    filters = KpiFilters(period=kpi_fixture.WEEK)
    assert refs(drill_down(user=boss, filters=filters, part="cause:man")) == ["C2", "C8"]
    assert refs(drill_down(user=boss, filters=filters, part="party:Supplier X")) == ["C2"]


def test_trend_by_week(week: Any, boss: Any) -> None:
    s = summary(boss)
    assert [(t["total"], t["valid"], t["escalated"]) for t in s.trend] == [(7, 5, 2)]
    filters = KpiFilters(period=kpi_fixture.WEEK)
    assert len(refs(drill_down(user=boss, filters=filters, part=s.trend[0]["part_code"]))) == 7


def test_every_part_of_the_summary_drills_down_to_as_many_complaints(week: Any, boss: Any) -> None:
    s = summary(boss)
    filters = KpiFilters(period=kpi_fixture.WEEK)
    ratios = [s.fcr, s.satisfaction, s.recovery, s.repeat, *s.escalation, *s.deadlines]
    for r in ratios:
        assert drill_down(user=boss, filters=filters, part=r.part_code).count() == r.part, r.part_code
        assert drill_down(user=boss, filters=filters, part=r.whole_code).count() == r.whole, r.whole_code
    for cell in s.resolution_times:
        assert drill_down(user=boss, filters=filters, part=cell.part_code).count() == cell.count


def test_a_store_agent_sees_only_their_store(week: Any, agent_b: Any) -> None:
    s = summary(agent_b)
    assert (s.volume, s.fcr.part, s.fcr.whole) == (2, 1, 1)
    assert s.open_batches == 0  # the batch holds only a store-A complaint
    assert refs(drill_down(user=agent_b, filters=KpiFilters(period=kpi_fixture.WEEK), part="volume")) == ["C6", "C8"]


def test_filters_department_with_subdepartments_category_priority_and_channel(
    week: Any, boss: Any, org: dict[str, Any]
) -> None:
    assert summary(boss, department=org["east"]).volume == 7
    assert summary(boss, department=org["store_b"]).volume == 2
    assert summary(boss, category_ids=frozenset({week["roadside"].pk})).volume == 1
    assert summary(boss, priority_id=week["C6"].priority_id).volume == 1
    assert summary(boss, channel="email").volume == 0


def test_regions_side_by_side(week: Any, boss: Any, org: dict[str, Any]) -> None:
    rows = {
        r["department"].code: r
        for r in region_comparison(user=boss, filters=KpiFilters(period=kpi_fixture.WEEK, department=org["east"]))
    }
    assert (rows["store-a"]["volume"], rows["store-a"]["fcr"]) == (5, 33.3)
    assert (rows["store-b"]["volume"], rows["store-b"]["fcr"]) == (2, 100.0)


def test_an_empty_period_says_no_data_not_zero(week: Any, boss: Any) -> None:
    from datetime import date

    s = kpi_summary(user=boss, filters=KpiFilters(period=Period(date(2020, 1, 1), date(2020, 1, 8), "x")))
    assert s.volume == 0 and s.fcr.percent is None and s.satisfaction.percent is None
