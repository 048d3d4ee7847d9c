"""Several reads in one round trip (complaints.selectors.together): the same results as each
queryset evaluated alone, in one query on PostgreSQL, each in turn where batching is off."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task

from complaints.models import Complaint, ComplaintEvent
from complaints.selectors import together
from complaints.selectors.together import read_together
from flows import driver
from tests.conftest import intake_data


def reads(complaint: Complaint) -> list[Any]:
    return [
        # select_related, and an order on a joined column (selected for the order, not returned)
        complaint.events.select_related("actor").order_by("actor__username", "-at", "pk"),
        # a slice, an annotation and a related object's field
        Complaint.objects.filter(pk=complaint.pk).annotate(n_events=Count("events"), dept=F("department__name"))[:1],
        # values and values_list
        Task.objects.filter(process_id=complaint.pk).order_by("pk").values("pk", "status"),
        Task.objects.filter(process_id=complaint.pk).order_by("pk").values_list("flow_task", flat=True),
        # nothing to ask: Django answers without the database
        ComplaintEvent.objects.filter(pk__in=[]),
        # prefetch_related still runs after the rows are read
        Complaint.objects.filter(pk=complaint.pk).prefetch_related("events"),
    ]


def answers(querysets: list[Any]) -> list[Any]:
    events, complaints, task_rows, flow_tasks, empty, prefetched = querysets
    return [
        [(e.pk, e.kind, e.actor.username if e.actor else None, e.at) for e in events],
        [(c.pk, c.n_events, c.dept, c.reference, c.created) for c in complaints],
        list(task_rows),
        list(flow_tasks),
        list(empty),
        [sorted(e.pk for e in c.events.all()) for c in prefetched],
    ]


@pytest.mark.django_db
def test_reads_together_give_what_each_read_gives_in_one_round_trip(org: dict[str, Any], agent: Any) -> None:
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    alone = answers([list(qs) for qs in reads(complaint)])
    assert alone[0] and alone[1][0][1] == len(alone[0]) and alone[2]  # the case has events and tasks

    batch = reads(complaint)
    with CaptureQueriesContext(connection) as captured:
        read_together(batch)
    # One round trip for the five reads that need the database; the prefetch is its own query (on
    # SQLite, the embedded default, each read is its own).
    if together.batches_statements(connection.alias):
        assert len(captured) == 2, [q["sql"][:80] for q in captured]
        assert captured[0]["sql"].count("SELECT") >= 5
    else:
        assert len(captured) == 6
    with CaptureQueriesContext(connection) as after:
        assert answers(batch) == alone
    assert len(after) == 0  # results, joined rows and prefetches are all in memory


@pytest.mark.django_db
def test_without_batching_each_queryset_is_read_in_turn(
    org: dict[str, Any], agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    alone = answers([list(qs) for qs in reads(complaint)])
    monkeypatch.setattr(together, "batches_statements", lambda alias: False)
    batch = reads(complaint)
    with CaptureQueriesContext(connection) as captured:
        read_together(batch)
    assert len(captured) == 6  # five reads and the prefetch
    assert answers(batch) == alone


@pytest.mark.django_db
def test_a_queryset_already_read_is_not_read_again(org: dict[str, Any], agent: Any) -> None:
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    events = complaint.events.all()
    list(events)
    tasks = Task.objects.filter(process_id=complaint.pk)
    with CaptureQueriesContext(connection) as captured:
        read_together([events, tasks])
    assert len(captured) == 1 and "viewflow_task" in captured[0]["sql"]
    assert [t.pk for t in tasks] == list(Task.objects.filter(process_id=complaint.pk).values_list("pk", flat=True))


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db
def test_reads_asked_to_be_prepared_are_and_no_other_statement_is(org: dict[str, Any], agent: Any) -> None:
    """The settings' default on PostgreSQL: `read_prepared` and `read_together(prepare=True)`
    prepare their statements on the connection (pipelined, one round trip); any other statement,
    however often it runs, keeps Django's client-side binding and is planned afresh (a generic plan
    for a list or a search can be far worse)."""
    assert together.prepares(connection.alias) and not together.binds_on_server(connection.alias)
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    for _ in range(3):
        assert list(ComplaintEvent.objects.filter(complaint_id=complaint.pk, kind="unprepared-probe")) == []
    assert not [s for s in prepared_statements() if "unprepared-probe" in s]

    one = Complaint.objects.filter(pk=complaint.pk, reference__startswith="C")
    with CaptureQueriesContext(connection) as captured:
        rows = together.read_prepared(one)
    assert [c.pk for c in rows] == [complaint.pk] and len(captured) == 1
    alone = answers([list(qs) for qs in reads(complaint)])
    batch = reads(complaint)
    with CaptureQueriesContext(connection) as captured:
        read_together(batch, prepare=True)
    assert len(captured) == 2 and captured[0]["sql"].count("SELECT") >= 5  # five reads, then the prefetch
    assert answers(batch) == alone
    prepared = prepared_statements()
    assert any('"reference"::text LIKE' in s for s in prepared), prepared
    assert sum('"viewflow_task"' in s for s in prepared) >= 2  # the batch's two reads of the tasks
    again = reads(complaint)
    read_together(again, prepare=True)
    assert answers(again) == alone


@pytest.mark.postgres
@pytest.mark.django_db
def test_without_prepared_statements_a_batch_asked_to_be_prepared_goes_as_one_query(
    org: dict[str, Any], agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATABASE_PREPARED_STATEMENTS=false (a pooler without them): the statements joined by `;` in
    one execute, nothing prepared."""
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    alone = answers([list(qs) for qs in reads(complaint)])
    monkeypatch.setattr(together, "prepares", lambda alias: False)
    batch = reads(complaint)
    before = set(prepared_statements())
    with CaptureQueriesContext(connection) as captured:
        read_together(batch, prepare=True)
    assert len(captured) == 2 and ";\n" in captured[0]["sql"]
    assert answers(batch) == alone
    assert set(prepared_statements()) == before


@pytest.mark.postgres
@pytest.mark.django_db
def test_with_server_side_binding_the_statements_are_pipelined(
    org: dict[str, Any], agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment that sets Django's `server_side_binding` (one statement per execute): the
    batch still goes in one round trip, in psycopg's pipeline mode."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    alone = answers([list(qs) for qs in reads(complaint)])
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "cursor_factory", ServerBindingCursor)
    monkeypatch.setattr(together, "binds_on_server", lambda alias: True)
    batch = reads(complaint)
    with CaptureQueriesContext(connection) as captured:
        read_together(batch)
    assert len(captured) == 2 and captured[0]["sql"].count("SELECT") >= 5
    assert answers(batch) == alone
