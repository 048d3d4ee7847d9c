"""The KPI summary rows (KpiDay) against the complaints they count: every change that moves a KPI
marks its day stale (PostgreSQL triggers), the next read recounts it, a rebuild from scratch gives the
same figures, scope holds on the summary, and the read does not grow with the complaints."""

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from complaints.choices import EventKind, Outcome
from complaints.models import Complaint, ComplaintEvent, Escalation, KpiDay, KpiSettings, KpiStale
from complaints.selectors.kpi import KpiFilters, kpi_summary, region_comparison
from complaints.services.kpi_summary import kpi_rebuild_all, kpi_refresh
from flows.flows import ComplaintFlow
from tests.complaints import kpi_fixture

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="summary rows are PostgreSQL's"),
]


def figures(user: Any) -> tuple[Any, ...]:
    s = kpi_summary(user=user, filters=KpiFilters(period=kpi_fixture.WEEK))
    return (
        s.volume,
        s.valid,
        (s.fcr.part, s.fcr.whole),
        [(r.part, r.whole) for r in s.escalation],
        [(r.part_code, r.part, r.whole) for r in s.deadlines],
        (s.satisfaction.part, s.satisfaction.whole),
        (s.recovery.part, s.recovery.whole),
        s.repeat.part,
        s.compensation,
        s.action_cost,
        [(r.key, r.count) for r in s.categories],
        [(t["total"], t["valid"], t["escalated"]) for t in s.trend],
    )


def test_the_fixture_is_counted_from_summary_rows_and_marks_are_consumed(week: Any, boss: Any) -> None:
    assert KpiStale.objects.exists()  # the fixture's writes left their marks
    first = figures(boss)
    assert KpiDay.objects.filter(day__gte=kpi_fixture.WEEK.start, day__lt=kpi_fixture.WEEK.end).exists()
    assert not KpiStale.objects.filter(received_at__gte=kpi_fixture.MONDAY.replace(hour=0)).exists()
    # Counting again reads the same rows; a rebuild from scratch gives the same figures.
    KpiDay.objects.all().delete()
    out = io.StringIO()
    call_command("kpi_rebuild", stdout=out)
    assert "days recounted" in out.getvalue()
    assert figures(boss) == first
    KpiDay.objects.all().delete()
    assert kpi_rebuild_all() >= 1
    assert figures(boss) == first
    assert first[0] == 7 and first[2] == (2, 4)


def test_a_change_after_a_read_shows_in_the_next_read(week: Any, boss: Any) -> None:
    before = figures(boss)
    c1 = week["C1"]
    # C1 reopened: no longer first-contact; C4 turns out valid after all (resolved at first contact).
    ComplaintEvent.objects.create(complaint=c1, kind=EventKind.REOPENED, note="again")
    Complaint.objects.filter(pk=week["C4"].pk).update(outcome=Outcome.RESOLVED)
    after = figures(boss)
    assert before[2] == (2, 4) and after[2] == (2, 5)
    assert (before[1], after[1]) == (5, 6)


def test_an_escalation_deleted_or_added_moves_the_rates(week: Any, boss: Any) -> None:
    before = figures(boss)[3]
    Escalation.objects.filter(complaint=week["C2"]).delete()
    after = figures(boss)[3]
    assert before[0] == (2, 5) and after[0] == (1, 5)


def test_the_settings_thresholds_recount_every_day(week: Any, boss: Any) -> None:
    assert figures(boss)[5] == (2, 3)
    KpiSettings.objects.update(satisfied_from=2)
    assert figures(boss)[5] == (3, 3)


def test_scope_holds_on_the_summary_and_a_case_held_outside_it_counts(
    week: Any, agent_b: Any, boss: Any, org: dict[str, Any]
) -> None:
    s = kpi_summary(user=agent_b, filters=KpiFilters(period=kpi_fixture.WEEK))
    assert s.volume == 2  # store B only, although the summary holds store A's rows too
    # A store-A complaint the store-B agent owns (e.g. handed over) is theirs to see, and counted.
    Complaint.objects.filter(pk=week["C1"].pk).update(owner=agent_b)
    s = kpi_summary(user=agent_b, filters=KpiFilters(period=kpi_fixture.WEEK))
    assert (s.volume, s.fcr.part, s.fcr.whole) == (3, 2, 2)
    regions = region_comparison(user=agent_b, filters=KpiFilters(period=kpi_fixture.WEEK, department=org["east"]))
    assert {r["department"].code: r["volume"] for r in regions} == {"store-a": 1, "store-b": 2}


def test_refresh_is_idempotent_and_bounded_by_the_period(week: Any, boss: Any) -> None:
    start, end = kpi_fixture.WEEK.bounds(kpi_fixture.MONDAY.tzinfo)
    assert kpi_refresh(bounds=(start, end)) >= 1
    assert KpiStale.objects.exists()  # C7, the week before, is left for beat
    rows = KpiDay.objects.count()
    assert kpi_refresh(bounds=(start, end)) == 0
    assert KpiDay.objects.count() == rows
    from complaints.tasks import kpi_refresh as beat_task

    assert beat_task() >= 1 and not KpiStale.objects.exists()  # beat recounts the rest


def test_queries_do_not_grow_with_the_complaints(
    week: Any, boss: Any, django_assert_max_num_queries: Any, org: dict[str, Any]
) -> None:
    from tests.complaints.kpi_fixture import MONDAY

    filters = KpiFilters(period=kpi_fixture.WEEK)
    kpi_summary(user=boss, filters=filters)  # the fixture's marks consumed
    for i in range(30):
        Complaint.objects.create(
            flow_class=ComplaintFlow,
            reference=f"X{i}",
            customer_name="x",
            customer_words="x",
            channel="phone",
            demand="apology",
            department=org["store_a"],
            received_at=MONDAY,
            outcome=Outcome.RESOLVED,
        )
    # 41 with the day's recount (the new complaints' marks): the day's rows, breakdowns (resolution-time
    # buckets, causes, responsibility) and its month's rows rewritten, JIT off; the read itself is the summary
    # rows and labels, nothing over the cohort.
    with django_assert_max_num_queries(41):
        s = kpi_summary(user=boss, filters=filters)
    assert s.volume == 37


def test_a_scoped_users_queries_do_not_grow_with_the_complaints_they_see_outside_their_departments(
    week: Any, agent_b: Any, django_assert_max_num_queries: Any, django_assert_num_queries: Any
) -> None:
    filters = KpiFilters(period=kpi_fixture.WEEK)
    kpi_summary(user=agent_b, filters=filters)  # the fixture's marks consumed
    Complaint.objects.filter(pk=week["C2"].pk).update(owner=agent_b)  # with a cause and shares: labels read
    with django_assert_max_num_queries(40) as one:
        assert kpi_summary(user=agent_b, filters=filters).volume == 3
    # Every store-A complaint of the week held by the store-B agent: still one read per visibility
    # branch, then the complaints found counted in the same number of grouped queries.
    Complaint.objects.filter(department=week["C1"].department).update(owner=agent_b)
    with django_assert_num_queries(len(one.captured_queries)):
        assert kpi_summary(user=agent_b, filters=filters).volume == 7


def pareto_and_appeals(user: Any) -> tuple[Any, ...]:
    s = kpi_summary(user=user, filters=KpiFilters(period=kpi_fixture.WEEK))
    return (
        [(r.key, r.count) for r in s.causes],
        [(r.key, r.count) for r in s.responsibility],
        s.appeals,
        (s.suggestions.part, s.suggestions.whole),
    )


def test_causes_shares_appeals_and_suggestions_changed_after_a_read_show_in_the_next(
    week: Any, boss: Any, org: dict[str, Any]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from complaints.choices import CauseVerdict
    from complaints.models import Appeal, Cause, Responsibility
    from flows.flows import AppealFlow

    causes, shares, appeals, suggestions = pareto_and_appeals(boss)
    assert causes == [("cause:man", 2), ("cause:method", 1)] and appeals == 0 and suggestions == (0, 0)
    c2 = week["C2"]
    Cause.objects.filter(analysis__complaint=c2, verdict=CauseVerdict.RULED_OUT).update(verdict=CauseVerdict.CONFIRMED)
    Responsibility.objects.filter(analysis__complaint=c2, party="Supplier X").update(share=Decimal("20"))
    Appeal.objects.create(
        flow_class=AppealFlow, case=c2, department=org["hq"], grounds="x", due_at=timezone.now() + timedelta(days=2)
    )
    ComplaintEvent.objects.create(complaint=week["C8"], kind=EventKind.SUGGESTION, new={"all_accepted": True})
    causes, shares, appeals, suggestions = pareto_and_appeals(boss)
    assert causes == [("cause:man", 2), ("cause:machine", 1), ("cause:method", 1)]
    assert dict(shares) == {"dept:" + str(org["store_a"].pk): 0.6, "party:Supplier X": 0.2}
    assert (appeals, suggestions) == (1, (1, 1))
    Cause.objects.filter(analysis__complaint=c2).delete()
    assert pareto_and_appeals(boss)[0] == [("cause:man", 1), ("cause:method", 1)]


def test_whole_months_are_read_from_month_rows_with_the_day_rows_figures(week: Any, boss: Any) -> None:
    from datetime import date

    from complaints.models import KpiDayBreakdown
    from complaints.rules.kpi import Period

    def full(period: Period, **kw: Any) -> tuple[Any, ...]:
        s = kpi_summary(user=boss, filters=KpiFilters(period=period, **kw))
        return (
            s.volume,
            (s.fcr.part, s.fcr.whole),
            [(r.part, r.whole) for r in s.escalation],
            [(r.part_code, r.part, r.whole) for r in s.deadlines],
            [(c.level, c.priority, c.count, c.median_hours, c.p90_hours) for c in s.resolution_times],
            [(r.key, r.count) for r in s.causes],
            [(r.key, r.count) for r in s.responsibility],
            s.compensation,
            [(t["total"], t["valid"]) for t in s.trend],
        )

    november = Period(date(2026, 11, 1), date(2026, 12, 1), "2026-11")
    by_month = full(november)
    assert KpiDay.objects.filter(monthly=True, day=november.start).exists()
    assert KpiDayBreakdown.objects.filter(monthly=True, day=november.start, kind="hours").exists()
    assert by_month[0] == 8  # the week and C7, the week before
    # November whole from its month rows, the days around it from day rows: the same figures.
    assert full(Period(date(2026, 10, 20), date(2026, 12, 10), "x")) == by_month
    # A channel filter reads the breakdowns' day rows (the month rows keep no channel): the same too.
    assert full(november, channel="phone")[4:7] == by_month[4:7]


def test_the_visibility_branches_find_what_the_visibility_rule_finds(week: Any, agent_b: Any) -> None:
    """The KPIs find a scoped user's complaints outside their departments branch by branch
    (selectors.common.visibility_branches); the lists use the correlated rule. Both agree."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from complaints.selectors.common import visibility, visibility_branches

    queue = next(p for p in agent_b.get_all_permissions() if p.startswith("complaints.queue__"))
    Complaint.objects.filter(pk=week["C1"].pk).update(receiver=agent_b)
    task = {"flow_task": ComplaintFlow.first_response, "flow_task_type": "HUMAN"}
    Task.objects.create(process_id=week["C2"].pk, status=STATUS.DONE, owner=agent_b, **task)
    Task.objects.create(process_id=week["C3"].pk, status=STATUS.NEW, owner_permission=queue, **task)
    Task.objects.create(process_id=week["C4"].pk, status=STATUS.NEW, owner_permission="complaints.other", **task)
    departments, others = visibility(agent_b)
    outside = Complaint.objects.exclude(department_id__in=departments)
    expected = set(outside.filter(others).values_list("pk", flat=True))
    found: set[int] = set()
    for branch in visibility_branches(agent_b):
        found |= set(outside.filter(branch).values_list("pk", flat=True))
    assert found == expected == {week[ref].pk for ref in ("C1", "C2", "C3")}


def year_figures(user: Any) -> tuple[Any, ...]:
    from datetime import date

    from complaints.rules.kpi import Period

    # A year ending mid-December: 2026-01 … 2026-11 whole (November, the fixture's month, from its month
    # rows), the days of December 2025 and 2026 one by one.
    year = Period(date(2025, 12, 15), date(2026, 12, 15), "year")
    s = kpi_summary(user=user, filters=KpiFilters(period=year))
    return (
        figures_of(s),
        [(c.level, c.priority, c.count, c.median_hours, c.p90_hours) for c in s.resolution_times],
        [(r.key, r.count) for r in s.causes],
        [(r.key, r.count) for r in s.responsibility],
        (s.suggestions.part, s.suggestions.whole, s.appeals),
    )


def figures_of(s: Any) -> tuple[Any, ...]:
    return (
        s.volume,
        s.valid,
        s.invalid,
        s.duplicate,
        (s.fcr.part, s.fcr.whole),
        [(r.part, r.whole) for r in s.escalation],
        [(r.part_code, r.part, r.whole) for r in s.deadlines],
        (s.satisfaction.part, s.satisfaction.whole),
        (s.recovery.part, s.recovery.whole),
        s.repeat.part,
        s.compensation,
        s.action_cost,
        [(r.key, r.count) for r in s.categories],
        [(t["total"], t["valid"], t["escalated"]) for t in s.trend],
        s.step_times,
    )


def summary_tables() -> dict[str, list[tuple[Any, ...]]]:
    """Every summary row (day and month rows) without its id, sorted: what a rebuild must reproduce."""
    from complaints.models import KpiDayBreakdown, KpiDayLevel

    out = {}
    for model in (KpiDay, KpiDayLevel, KpiDayBreakdown):
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        out[model.__name__] = sorted(model.objects.values_list(*names), key=repr)
    return out


def test_a_change_then_a_year_view_gives_the_figures_and_month_rows_of_a_full_rebuild(
    week: Any, boss: Any, org: dict[str, Any]
) -> None:
    """The read right after a change recounts the changed days and adds their differences to the
    month rows (no month re-summed on the request): figures and rows as kpi_rebuild's."""
    from complaints.choices import CauseVerdict
    from complaints.models import Cause, CustomStepRun, KpiDayBreakdown, KpiDayLevel

    kpi_fixture.step_runs(week)
    before = year_figures(boss)  # the fixture's marks consumed: November's month rows exist
    assert before[0][0] == 8 and KpiDay.objects.filter(monthly=True).exists()
    c1, c2, c3, c4 = (week[ref] for ref in ("C1", "C2", "C3", "C4"))
    levels = week["levels"]
    Complaint.objects.filter(pk=c1.pk).update(satisfaction=1)  # one figure of one row
    Complaint.objects.filter(pk=c2.pk).update(level=levels[3])  # its rows move to another key
    Complaint.objects.filter(pk=c3.pk).update(category=week["roadside"], channel="web")
    Complaint.objects.filter(pk=c4.pk).update(received_at=c4.received_at + timedelta(days=3))  # another day
    Cause.objects.filter(analysis__complaint=c2, verdict=CauseVerdict.RULED_OUT).update(verdict=CauseVerdict.CONFIRMED)
    Escalation.objects.filter(complaint=week["C6"]).order_by("pk").first().delete()
    Complaint.objects.filter(pk=week["C5"].pk).delete()  # a month row key loses its last complaint
    CustomStepRun.objects.filter(case=c3).update(outcome="done", done_at=c3.received_at + timedelta(hours=30))
    CustomStepRun.objects.filter(case=week["C8"]).delete()
    Complaint.objects.create(  # a new key on a new day of the month
        flow_class=ComplaintFlow,
        reference="N1",
        customer_name="x",
        customer_words="x",
        channel="app",
        demand="apology",
        department=org["store_b"],
        received_at=kpi_fixture.MONDAY - timedelta(days=14),
        outcome=Outcome.RESOLVED,
        closed_at=kpi_fixture.MONDAY - timedelta(days=13),
        level=levels[1],
        priority=c1.priority,
    )
    after = year_figures(boss)
    assert after != before
    assert not KpiStale.objects.exists()
    rows_after_change = summary_tables()
    for model in (KpiDay, KpiDayLevel, KpiDayBreakdown):
        model.objects.all().delete()
    call_command("kpi_rebuild", stdout=io.StringIO())
    assert summary_tables() == rows_after_change
    assert year_figures(boss) == after


def test_the_year_view_after_a_change_does_not_grow_with_the_complaints(
    week: Any, boss: Any, org: dict[str, Any], django_assert_max_num_queries: Any, django_assert_num_queries: Any
) -> None:
    """A change, then the year view: the changed day recounted and its differences added to the month
    rows in the same number of queries whether the day and month hold 8 complaints or 200."""
    year_figures(boss)  # the fixture's marks consumed
    Complaint.objects.filter(pk=week["C1"].pk).update(satisfaction=2)  # no longer satisfied
    with django_assert_max_num_queries(45) as few:
        year_figures(boss)
    for i in range(200):
        Complaint.objects.create(
            flow_class=ComplaintFlow,
            reference=f"X{i}",
            customer_name="x",
            customer_words="x",
            channel=("phone", "web", "app")[i % 3],
            demand="apology",
            department=org["store_a" if i % 2 else "store_b"],
            category=week["roadside"] if i % 5 else org["category"],
            received_at=kpi_fixture.MONDAY + timedelta(hours=i % 30),
            outcome=Outcome.RESOLVED,
            closed_at=kpi_fixture.MONDAY + timedelta(hours=i % 30 + i % 7 + 1),
            level=week["levels"][1 + i % 3],
            priority=week["C1"].priority,
        )
    assert year_figures(boss)[0][0] == 208
    Complaint.objects.filter(pk=week["C1"].pk).update(satisfaction=5)  # satisfied again: a figure moves
    with django_assert_num_queries(len(few.captured_queries)):
        year_figures(boss)


def test_migration_0038_makes_every_month_row_the_sum_of_its_day_rows(week: Any, boss: Any) -> None:
    """Adding differences needs month rows that are their day rows' sums: 0038 re-sums them all once."""
    import importlib

    from django.apps import apps

    from complaints.models import KpiDayBreakdown, KpiDayLevel

    year_figures(boss)
    expected = summary_tables()
    for model in (KpiDay, KpiDayLevel, KpiDayBreakdown):
        model.objects.filter(monthly=True).delete()
    migration = importlib.import_module("complaints.migrations.0038_kpi5")
    with connection.schema_editor() as editor:
        migration.months_resum(apps, editor)
    assert KpiDay.objects.filter(monthly=True).exists()
    assert summary_tables() == expected


def test_migration_0038_marks_the_days_of_complaints_with_step_runs(week: Any, boss: Any) -> None:
    """Step times joined the summary in 0038: it marks the days of the runs already there, so the
    next refresh counts them (without a kpi_rebuild)."""
    import importlib

    from complaints.models import KpiDayBreakdown

    kpi_fixture.step_runs(week)
    year_figures(boss)
    KpiDayBreakdown.objects.filter(kind__startswith="step_").delete()  # as before 0038: not summarised
    KpiStale.objects.all().delete()
    migration = importlib.import_module("complaints.migrations.0038_kpi5")
    with connection.cursor() as cursor:
        cursor.execute(migration.MARK_RUNS)
    marked = {m.received_at.date() for m in KpiStale.objects.all()}
    assert {kpi_fixture.MONDAY.date(), (kpi_fixture.MONDAY - timedelta(days=7)).date()} <= marked
    assert kpi_refresh(resum=True) >= 2
    counted = KpiDayBreakdown.objects.filter(monthly=False, kind="step_runs").values_list("value", flat=True)
    assert sum(counted) == 4  # C1, C2, C8 and C7 (the week before)
