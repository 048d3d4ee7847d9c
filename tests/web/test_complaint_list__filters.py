"""The complaint list's filters at size (issue 17): a filter by status reads that status's complaints
latest registered first from an index of the complaints' copy of their process's status (migrations
0054, 0055: `complaint_status_number`), instead of walking every complaint newest first for the
status (cancelled ones, rare: 0.6 s at 1,000,000); by status and stage, from one index of both
(`complaint_stage_status_number`: done at verification, none, tested the stage's every open
complaint for its process's status, 57 ms); a filter by
finished date lists them latest finished first from the finished processes' index, its dates a range
of the reader's local days (django-filter compared each row's extracted month and day: 0.6-0.9 s)."""

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process

from complaints.models import Complaint
from tests.flows.test_flows__journey import as_user
from tests.web.page_helpers import new_complaint

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LIST = "/workflow/flows/complaint/flows/"


def page_statement(client: Any, url: str) -> tuple[str, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    listing = [q["sql"] for q in captured.captured_queries if "LIMIT 26" in q["sql"]]
    assert len(listing) == 1, [q["sql"][:100] for q in captured.captured_queries]
    return listing[0], response.content.decode()


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:  # a tiny table: every plain scan made dearer than any index
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_list_by_status_reads_that_status_from_its_index(org, agent, monkeypatch):
    # As for someone who sees many complaints: the list walks them newest first, each row's scope
    # tested (complaints.selectors.common.visible_listed); here everyone sees few.
    monkeypatch.setattr("complaints.selectors.common.FEW_VISIBLE", 0)
    complaints = [new_complaint(org, agent) for _ in range(3)]
    cancelled = complaints[1]
    Process.objects.filter(pk=cancelled.pk).update(status=STATUS.CANCELED, finished=cancelled.created)
    client = as_user(agent)
    sql, page = page_statement(client, f"{LIST}?status={STATUS.CANCELED}")
    assert cancelled.reference in page
    assert not any(c.reference in page for c in complaints if c != cancelled)
    plan = plan_of(sql)
    assert "complaint_status_number" in plan, plan
    assert "viewflow_process.status" not in plan, plan


def test_the_list_by_status_and_stage_reads_both_from_one_index(org, agent, monkeypatch):
    monkeypatch.setattr("complaints.selectors.common.FEW_VISIBLE", 0)
    complaints = [new_complaint(org, agent) for _ in range(3)]
    done, cancelled = complaints[:2]
    # Finished by other paths than the flows' (viewflow's admin, a script): the copy follows.
    Process.objects.filter(pk=done.pk).update(status=STATUS.DONE, finished=done.created)
    Process.objects.filter(pk=cancelled.pk).update(status=STATUS.CANCELED, finished=cancelled.created)
    stage = Complaint.objects.get(pk=done.pk).stage
    client = as_user(agent)
    sql, page = page_statement(client, f"{LIST}?status={STATUS.DONE}&stage={stage}")
    assert done.reference in page
    assert not any(c.reference in page for c in complaints if c != done)
    plan = plan_of(sql)
    assert "complaint_stage_status_number" in plan or "complaint_done_number" in plan, plan
    assert "viewflow_process.status" not in plan, plan
    # Reopened: new again, and listed so.
    Process.objects.filter(pk=done.pk).update(status=STATUS.NEW, finished=None)
    _, page = page_statement(client, f"{LIST}?status={STATUS.DONE}&stage={stage}")
    assert done.reference not in page
    _, page = page_statement(client, f"{LIST}?status={STATUS.NEW}&stage={stage}")
    assert done.reference in page
    assert cancelled.reference not in page


@pytest.mark.parametrize(
    ("choice", "start", "end"),
    [
        # 07:30 in Shanghai on 1 March is still 28 February in UTC: "today" is the reader's day.
        ("today", "2026-03-01", "2026-03-02"),
        ("yesterday", "2026-02-28", "2026-03-01"),
        ("week", "2026-02-22", "2026-03-02"),
        ("month", "2026-03-01", "2026-04-01"),
        ("year", "2026-01-01", "2027-01-01"),
    ],
)
def test_each_date_choice_is_a_range_of_the_readers_local_days(choice, start, end):
    from datetime import datetime

    from web.worklist import LOCAL_DATE_RANGES

    with time_machine.travel("2026-02-28 23:30:00+00:00", tick=False):
        narrowed = LOCAL_DATE_RANGES[choice](Process.objects.all(), "finished")
    zone = timezone.get_current_timezone()
    bounds = {
        lookup.lhs.target.name + "__" + lookup.lookup_name: lookup.rhs for lookup in narrowed.query.where.children
    }
    assert bounds == {
        "finished__gte": datetime.fromisoformat(start).replace(tzinfo=zone),
        "finished__lt": datetime.fromisoformat(end).replace(tzinfo=zone),
    }
    assert "EXTRACT" not in str(narrowed.query).upper()


def test_december_runs_to_the_first_of_january():
    from web.worklist import _next_month

    assert str(_next_month(date(2026, 12, 31))) == "2027-01-01"
    assert str(_next_month(date(2026, 1, 31))) == "2026-02-01"


def test_the_list_by_finished_date_shows_those_finished_then_latest_first_from_their_index(org, agent, monkeypatch):
    monkeypatch.setattr("complaints.selectors.common.FEW_VISIBLE", 0)  # the walk, as for a busy reader
    complaints = [new_complaint(org, agent) for _ in range(4)]
    now = timezone.now()
    finished = {complaints[0].pk: now - timedelta(hours=5), complaints[2].pk: now - timedelta(hours=1)}
    for pk, when in finished.items():
        Process.objects.filter(pk=pk).update(status=STATUS.DONE, finished=when)
    Process.objects.filter(pk=complaints[3].pk).update(status=STATUS.DONE, finished=now - timedelta(days=400))
    sql, page = page_statement(as_user(agent), f"{LIST}?finished=week")
    shown = [c.reference for c in complaints if c.reference in page]
    assert shown == [complaints[0].reference, complaints[2].reference]  # (the page's order below)
    assert page.index(complaints[2].reference) < page.index(complaints[0].reference)  # latest finished first
    assert "EXTRACT" not in sql.upper()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "process_finished" in plan, plan


def test_the_list_filters_by_the_cases_stage_priority_level_and_department_with_the_ones_below(
    org, agent, agent_b, regional_lead
):
    from complaints.models import Complaint, EscalationLevel, Priority

    store_a = [new_complaint(org, agent) for _ in range(2)]
    store_b = new_complaint(org, agent_b, department=str(org["store_b"].pk))
    top_priority = Priority.objects.order_by("rank").first()
    top_level = EscalationLevel.objects.order_by("-rank").first()
    picked = store_a[1]
    Complaint.objects.filter(pk=picked.pk).update(stage="verification", priority=top_priority, level=top_level)
    low_priority = Priority.objects.order_by("-rank").first()
    Complaint.objects.exclude(pk=picked.pk).update(stage="first_response", priority=low_priority)
    client = as_user(regional_lead)

    def shown(query: str) -> set[str]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        page = response.content.decode()
        return {c.reference for c in [*store_a, store_b] if c.reference in page}

    everyone = {c.reference for c in [*store_a, store_b]}
    assert shown("") == everyone
    assert shown("stage=verification") == {picked.reference}
    assert shown("stage=intake") == set()
    assert shown(f"level={top_level.pk}") == {picked.reference}
    assert shown(f"priority={top_priority.pk}") == {picked.reference}
    assert shown(f"department={org['east'].pk}") == everyone  # East and the stores below it
    assert shown(f"department={org['store_b'].pk}") == {store_b.reference}
    assert shown(f"department={org['store_a'].pk}&stage=first_response") == {store_a[0].reference}


def test_a_filter_choice_outside_the_choices_is_refused_on_the_list(org, agent):
    client = as_user(agent)
    response = client.get(f"{LIST}?stage=nonsense&priority=999999")
    assert response.status_code == 200
    errors = response.context["view"].filterset.form.errors
    assert set(errors) == {"stage", "priority"}


def test_the_closed_stage_lists_finished_complaints_without_choosing_a_status(org, agent):
    open_one, closed_one = new_complaint(org, agent), new_complaint(org, agent)
    from complaints.models import Complaint

    Complaint.objects.filter(pk=closed_one.pk).update(stage="closed")
    Process.objects.filter(pk=closed_one.pk).update(status=STATUS.DONE, finished=timezone.now())
    client = as_user(agent)
    page = client.get(f"{LIST}?stage=closed").content.decode()
    assert closed_one.reference in page and open_one.reference not in page
    page = client.get(f"{LIST}?stage=").content.decode()  # the filter without a stage: unfinished ones
    assert open_one.reference in page and closed_one.reference not in page


@pytest.mark.parametrize(
    ("choice", "index"), [("stage", "complaint_stage_number"), ("level", "complaint_level_number")]
)
def test_the_list_by_stage_or_level_reads_its_index_latest_number_first(org, agent, monkeypatch, choice, index):
    # As for someone who sees many complaints (the scope tested on each row as the walk meets it).
    monkeypatch.setattr("complaints.selectors.common.FEW_VISIBLE", 0)
    from complaints.models import Complaint

    complaints = [new_complaint(org, agent) for _ in range(3)]
    level = Complaint.objects.get(pk=complaints[0].pk).level_id
    Complaint.objects.filter(pk__in=[complaints[0].pk, complaints[2].pk]).update(stage="verification")
    value = "verification" if choice == "stage" else level
    sql, page = page_statement(as_user(agent), f"{LIST}?{choice}={value}")
    shown = [c for c in complaints if c.reference in page]
    assert complaints[2] in shown and complaints[0] in shown
    assert page.index(complaints[2].reference) < page.index(complaints[0].reference)  # latest number first
    # The scope's task probes are made per row (common.probed_per_row), never hashed up front.
    assert sql.count('"complaints_complaint"."process_ptr_id" > 0') == 2, sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "hashed SubPlan" not in plan, plan


@pytest.mark.parametrize(
    ("query", "index"),
    [(f"status={STATUS.DONE}", "complaint_done_number"), ("stage=closed", "complaint_closed_number")],
)
def test_finished_complaints_are_read_from_an_index_of_theirs_alone(org, agent, query, index):
    """Most of a year's complaints and none of the latest: the walk of every complaint by number met
    the open ones first (0055)."""
    complaints = [new_complaint(org, agent) for _ in range(3)]
    finished = complaints[0]
    Process.objects.filter(pk=finished.pk).update(status=STATUS.DONE, finished=finished.created)
    Complaint.objects.filter(pk=finished.pk).update(stage="closed")
    sql, page = page_statement(as_user(agent), f"{LIST}?{query}")
    assert finished.reference in page
    assert not any(c.reference in page for c in complaints[1:])
    assert index in plan_of(sql), plan_of(sql)
