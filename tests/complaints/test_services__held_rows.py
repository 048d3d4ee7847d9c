"""The rows a transition appends, written together at its end (complaints/services/held_rows.py;
issues 17 and 23): what is held is seen by any statement that reads its table, a failed transition
writes nothing, and a walk through the flow leaves the tasks and links viewflow would have; a
clock's stop is held the same way."""

from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.choices import EventKind
from complaints.models import Clock, Complaint, ComplaintEvent, TaskUrgency
from complaints.services.clocks import _stop_where, complaint_task_clocks_sync
from complaints.services.events import event_record
from complaints.services.held_rows import held_rows
from complaints.services.transitions import one_transition
from tests.conftest import FLOW
from tests.flows.test_flows__escalation import register

pytestmark = pytest.mark.django_db


def test_a_held_event_is_written_before_anything_reads_its_table(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    with one_transition():
        event = event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="Held.")
        assert held_rows() is not None and held_rows().holds(ComplaintEvent)  # type: ignore[union-attr]
        assert event.pk is None and event.at is not None  # its time now, its id when written
        # Any read of the table writes what is held first: the timeline sees the event.
        assert ComplaintEvent.objects.filter(complaint=complaint, note="Held.").exists()
        assert event.pk is not None
        assert not held_rows().holds(ComplaintEvent)  # type: ignore[union-attr]
        second = event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="At the end.")
    assert ComplaintEvent.objects.get(pk=second.pk).at == second.at  # written at the end, its time kept
    assert second.pk > event.pk
    assert connection.execute_wrappers == []


def test_events_of_one_transition_are_one_insert(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    with CaptureQueriesContext(connection) as queries, one_transition():
        for n in range(3):
            event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note=f"Note {n}.")
    inserts = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "complaints_complaintevent"')
    ]
    assert len(inserts) == 1
    notes = list(complaint.events.filter(kind=EventKind.NOTE).order_by("pk").values_list("note", flat=True))
    assert notes[-3:] == ["Note 0.", "Note 1.", "Note 2."]  # ids in the order they were made


def test_a_failed_transition_writes_nothing_it_held(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    before = ComplaintEvent.objects.count()
    with pytest.raises(RuntimeError), one_transition():
        event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="Lost.")
        raise RuntimeError("refused")
    assert ComplaintEvent.objects.count() == before
    assert connection.execute_wrappers == []
    assert held_rows() is None


def test_an_event_whose_id_is_needed_is_written_at_once_after_those_held_before(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    with one_transition():
        first = event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="First.")
        now = event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="Now.", at_once=True)
        assert now.pk is not None and first.pk is not None and first.pk < now.pk


def test_outside_a_transition_an_event_is_written_at_once(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        event = event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="Now.")
    assert queries.captured_queries[0]["sql"].startswith('INSERT INTO "complaints_complaintevent"')
    assert ComplaintEvent.objects.filter(pk=event.pk).exists()


def test_a_registration_leaves_the_tasks_and_links_viewflow_would(org: Any, agent: Any) -> None:
    """The start walk (start, triage, the custom steps' point and its check, the first response) is
    held and written at the end: each task in its final state, linked to the one before, ids in the
    order of the walk."""
    complaint = register(agent, org)
    tasks = list(Task.objects.filter(process=complaint).order_by("pk"))
    assert [t.flow_task for t in tasks] == [
        FLOW.start,
        FLOW.triage,
        FLOW.steps_after_triage,
        FLOW.steps_after_triage_check,
        FLOW.first_response,
    ]
    for before, task in pairwise(tasks):
        assert list(task.previous.all()) == [before]
    assert all(t.status == STATUS.DONE and t.finished is not None for t in tasks[:-1])
    assert tasks[-1].status in (STATUS.NEW, STATUS.ASSIGNED) and tasks[-1].finished is None
    assert tasks[-1].flow_task_type == "HUMAN" and tasks[1].flow_task_type == "FUNCTION"
    assert TaskUrgency.objects.filter(task_id=tasks[-1].pk, case_id=complaint.pk).exists()  # its list row


def test_a_savepoint_rolled_back_drops_what_was_held_inside_it(org: Any, agent: Any) -> None:
    """Code that catches an error inside a transition keeps the rows held before its savepoint and
    loses those held inside it, as when each row was written at once."""
    complaint = register(agent, org)
    with one_transition():
        kept = event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="Kept.")
        with pytest.raises(RuntimeError), transaction.atomic():
            event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="Lost.")
            raise RuntimeError("refused")
        event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, note="After.")
    notes = list(complaint.events.filter(kind=EventKind.NOTE).order_by("pk").values_list("note", flat=True))
    assert notes == ["Kept.", "After."] and kept.pk is not None


def test_a_complaints_saves_in_one_transition_are_one_update_seen_by_any_read(org: Any, agent: Any) -> None:
    """A transition's saves of one complaint are written together, with the values they had when
    saved; any statement that names the complaints' table reads them written."""
    complaint = register(agent, org)
    with CaptureQueriesContext(connection) as queries, one_transition():
        complaint.product_model = "X-100"
        complaint.save(update_fields=["product_model"])
        complaint.batch_number = "B7"
        complaint.save(update_fields=["batch_number"])
        complaint.batch_number = "not saved"  # changed after its save: not written
        assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]  # held
        assert Complaint.objects.filter(pk=complaint.pk, product_model="X-100", batch_number="B7").exists()
        complaint.order_number = "O-1"
        complaint.save(update_fields=["order_number"])
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "complaints_complaint"')]
    assert len(updates) == 2  # one before the read, one at the end
    row = Complaint.objects.values("product_model", "batch_number", "order_number").get(pk=complaint.pk)
    assert row == {"product_model": "X-100", "batch_number": "B7", "order_number": "O-1"}
    assert connection.execute_wrappers == []


def test_a_held_save_rolled_back_with_its_savepoint_or_transition_is_not_written(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    with one_transition():
        complaint.product_model = "kept"
        complaint.save(update_fields=["product_model"])
        try:
            with transaction.atomic():  # the savepoint writes what was held before it
                complaint.batch_number = "undone"
                complaint.save(update_fields=["batch_number"])
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    row = Complaint.objects.values("product_model", "batch_number").get(pk=complaint.pk)
    assert row == {"product_model": "kept", "batch_number": ""}
    with pytest.raises(RuntimeError), one_transition():
        complaint.product_model = "lost"
        complaint.save(update_fields=["product_model"])
        raise RuntimeError("refused")
    assert Complaint.objects.get(pk=complaint.pk).product_model == "kept"
    assert connection.execute_wrappers == []


def test_a_save_of_the_process_table_or_of_every_field_is_not_held(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    with one_transition(), CaptureQueriesContext(connection) as queries:
        complaint.save(update_fields=["status"])  # viewflow's process table
        complaint.save()
    assert len([q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]) >= 3


def _step_clock(complaint: Any, subject: int) -> Clock:
    now = timezone.now()
    return Clock.objects.create(
        complaint=complaint, kind=Clock.Kind.TASK, subject=subject, started_at=now, due_at=now + timedelta(hours=4)
    )


def test_a_clocks_stop_is_held_and_seen_stopped_by_any_read_of_the_clocks(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    clock = _step_clock(complaint, subject=1)
    with one_transition(), CaptureQueriesContext(connection) as queries:
        # No step limit at the case's level: its step clocks stop, one UPDATE held with the rows.
        complaint_task_clocks_sync(complaint=complaint)
        assert not any(Clock._meta.db_table in q["sql"] for q in queries.captured_queries)
        assert Clock.objects.get(pk=clock.pk).state == Clock.State.STOPPED  # the read writes it first
    clock.refresh_from_db()
    assert clock.state == Clock.State.STOPPED and clock.stopped_at is not None


def test_a_transitions_stops_are_one_update_and_the_first_stop_of_a_clock_keeps_its_time(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    clocks = [_step_clock(complaint, subject=n) for n in (1, 2)]
    first, second = timezone.now() - timedelta(minutes=2), timezone.now() - timedelta(minutes=1)
    with CaptureQueriesContext(connection) as queries, one_transition():
        # The first stops one clock, the second both (a walk's steps entering their stages).
        _stop_where(Q(complaint=complaint, kind=Clock.Kind.TASK, subject=1), first)
        _stop_where(Q(complaint=complaint, kind=Clock.Kind.TASK), second)
        _stop_where(Q(complaint=complaint, kind=Clock.Kind.TASK), timezone.now())  # the same rows again: nothing
    updates = [q["sql"] for q in queries.captured_queries if f'UPDATE "{Clock._meta.db_table}"' in q["sql"]]
    assert len(updates) == 1
    assert [Clock.objects.get(pk=clock.pk).stopped_at for clock in clocks] == [first, second]


def test_a_held_stop_rolled_back_with_its_savepoint_is_not_written(org: Any, agent: Any) -> None:
    complaint = register(agent, org)
    kept, undone = _step_clock(complaint, subject=1), _step_clock(complaint, subject=2)
    with one_transition():
        _stop_where(Q(complaint=complaint, kind=Clock.Kind.TASK, subject=kept.subject), timezone.now())
        with pytest.raises(RuntimeError), transaction.atomic():  # writes what was held before it
            _stop_where(Q(complaint=complaint, kind=Clock.Kind.TASK, subject=undone.subject), timezone.now())
            raise RuntimeError("refused")
    states = {clock.subject: Clock.objects.get(pk=clock.pk).state for clock in (kept, undone)}
    assert states == {kept.subject: Clock.State.STOPPED, undone.subject: Clock.State.RUNNING}
