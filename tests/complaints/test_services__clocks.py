"""Complaint clocks as rows: created from the deadlines, warned at the level's threshold and
breached once each, however many sweeps run; a breach escalates through the escalation service."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from complaints.choices import EventKind
from complaints.models import Clock, Complaint, Notification
from complaints.rules.business_time import business_time_between, warning_time
from complaints.selectors.routing import level_clock
from complaints.services.clocks import (
    WaitRefused,
    clocks_sweep,
    complaint_customer_answered,
    complaint_wait_for_customer,
)
from complaints.tasks import sweep_clocks
from flows import driver
from tests.conftest import FLOW, intake_data

pytestmark = pytest.mark.django_db


def filed(org: dict[str, Any], agent: Any, **overrides: Any) -> Complaint:
    return driver.start_complaint(user=agent, data=intake_data(org, **overrides))


def running(complaint: Complaint) -> dict[str, Clock]:
    return {c.kind: c for c in complaint.clocks.filter(state=Clock.State.RUNNING)}


def test_triage_starts_a_clock_for_each_deadline_with_its_warning_time(org, agent):
    complaint = filed(org, agent)
    clocks = running(complaint)
    assert set(clocks) == {"first_response", "response", "resolution", "promise"}
    resolution = clocks["resolution"]
    assert resolution.due_at == complaint.resolution_due and resolution.level == complaint.level
    assert resolution.started_at < resolution.warn_at < resolution.due_at


def test_the_warning_comes_at_the_levels_percentage_in_calendar_time():
    start = timezone.now().replace(microsecond=0)
    assert warning_time(start=start, due=start + timedelta(hours=10), percent=80, calendar=None) == start + timedelta(
        hours=8
    )


def test_a_warning_fires_once_however_many_sweeps_run(org, agent, django_capture_on_commit_callbacks):
    agent.email = "agent@example.com"
    agent.save()
    complaint = filed(org, agent, risk_flagged="on")  # HQ, calendar time
    response = running(complaint)["response"]
    with time_machine.travel(response.warn_at + timedelta(seconds=1)):
        with django_capture_on_commit_callbacks(execute=True):
            first = clocks_sweep()
        second = clocks_sweep()
    assert first["warned"] >= 1 and set(second.values()) == {0}
    response.refresh_from_db()
    assert response.warned_at is not None and response.breached_at is None
    # The clocks due together make one message per recipient, naming them all.
    warnings = Notification.objects.filter(complaint=complaint, event="deadline_warning", recipient=agent)
    assert warnings.count() == 1
    assert complaint.events.filter(kind=EventKind.DEADLINE_WARNING).count() == first["warned"]
    assert any(complaint.reference in m.subject for m in mail.outbox)


def later(days: int) -> str:
    """A promise to the customer far enough ahead not to pass before the level's clocks."""
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


def test_a_resolution_breach_escalates_once_and_the_new_level_gets_new_clocks(org, agent):
    complaint = filed(org, agent, promised_response_at=later(40))
    assert complaint.level.rank == 1
    resolution = running(complaint)["resolution"]
    moment = resolution.due_at + timedelta(seconds=1)
    with time_machine.travel(moment):
        result = clocks_sweep()
        again = clocks_sweep()
    assert result["breached"] >= 1 and again["breached"] == 0
    complaint.refresh_from_db()
    assert complaint.level.rank == 2
    escalation = complaint.escalations.get()
    assert escalation.trigger == "deadline" and escalation.reason == "overdue"
    new = running(complaint)
    assert new["resolution"].level == complaint.level and new["resolution"].due_at == complaint.resolution_due
    assert complaint.clocks.filter(state=Clock.State.STOPPED, kind="resolution").count() == 1


def test_a_breached_first_response_is_recorded_but_does_not_escalate(org, agent):
    # Filed on a working morning: in the evening the customer's promise (calendar time) falls due
    # before the first response (business time, next morning), and its breach escalates by right.
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        complaint = filed(org, agent)
    first = running(complaint)["first_response"]
    others = [c for kind, c in running(complaint).items() if kind != "first_response"]
    assert all(c.due_at > first.due_at + timedelta(seconds=1) for c in others)
    with time_machine.travel(first.due_at + timedelta(seconds=1)):
        clocks_sweep()
    first.refresh_from_db()
    complaint.refresh_from_db()
    assert first.breached_at is not None
    assert complaint.events.filter(kind=EventKind.DEADLINE_BREACHED).count() >= 1
    # Only the first-response clock was due: the level's own clocks decide escalation.
    assert complaint.level.rank == 1


def test_recording_the_first_response_stops_its_clock_and_closing_stops_all(org, agent, quality_engineer):
    complaint = filed(org, agent)
    later = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    driver.complete_step(
        complaint=complaint,
        node=FLOW.first_response,
        user=agent,
        data={"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": later},
    )
    assert "first_response" not in running(complaint)
    driver.complete_step(
        complaint=complaint,
        node=FLOW.verification,
        user=quality_engineer,
        data={"outcome": "invalid", "explanation": "Not our product."},
    )
    # Closing stops the case's clocks; only the follow-up (the admin's hours after closing) runs.
    complaint.refresh_from_db()
    assert set(running(complaint)) == {"follow_up"}
    assert running(complaint)["follow_up"].due_at == complaint.closed_at + timedelta(hours=48)


def test_the_beat_task_sweeps(org, agent):
    complaint = filed(org, agent)
    due = max(c.due_at for c in running(complaint).values())
    with time_machine.travel(due + timedelta(seconds=1)):
        result = sweep_clocks()
    assert result["breached"] >= 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_once(org, agent):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    complaint = filed(org, agent, promised_response_at=later(40))
    due = running(complaint)["resolution"].due_at + timedelta(seconds=1)

    def sweep() -> dict[str, int]:
        try:
            return clocks_sweep(now=due)
        finally:
            connection.close()

    with time_machine.travel(due), ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: sweep(), range(2)))
    complaint.refresh_from_db()
    assert complaint.level.rank == 2 and complaint.escalations.count() == 1
    resolution_clock = complaint.clocks.get(kind="resolution", level__rank=1)
    assert resolution_clock.breached_at is not None
    assert sum(r["breached"] for r in results) == complaint.clocks.filter(breached_at__isnull=False).count()


@pytest.mark.postgres
def test_a_batch_postgresql_rolled_back_to_break_a_deadlock_is_taken_again(org, agent, monkeypatch):
    """Two sweeps escalating one case can deadlock on its row; the losing batch is retried once,
    with its clocks unclaimed, and any other database error still surfaces."""
    from django.db import OperationalError, connection, transaction

    import complaints.services.clocks as clocks_module

    complaint = filed(org, agent, promised_response_at=later(40))
    due = running(complaint)["resolution"].due_at + timedelta(seconds=1)
    real_batch = clocks_module._sweep_batch
    calls = []

    def deadlocking_once(**kwargs: Any) -> Any:
        calls.append(kwargs)
        if len(calls) == 1:  # a real 40P01 from PostgreSQL, its (sub)transaction rolled back
            with connection.cursor() as cur, transaction.atomic():
                cur.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'deadlock_detected'; END $$")
        return real_batch(**kwargs)

    monkeypatch.setattr(clocks_module, "_sweep_batch", deadlocking_once)
    with time_machine.travel(due):
        result = clocks_sweep(now=due)
    assert len(calls) == 2 and result["breached"] >= 1
    complaint.refresh_from_db()
    assert complaint.level.rank == 2 and complaint.escalations.count() == 1

    def failing(**kwargs: Any) -> Any:
        with connection.cursor() as cur, transaction.atomic():
            cur.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'lock_not_available'; END $$")

    monkeypatch.setattr(clocks_module, "_sweep_batch", failing)
    with pytest.raises(OperationalError):
        clocks_sweep(now=due)


def test_waiting_for_the_customer_pauses_the_resolution_clock_and_resumes_with_the_time_left(org, agent):
    complaint = filed(org, agent, risk_flagged="on")  # HQ: calendar time
    clock = running(complaint)["resolution"]
    start = timezone.now()
    left = clock.due_at - start
    complaint_wait_for_customer(complaint=complaint, actor=agent, reason="Invoice and photos", now=start)
    clock.refresh_from_db()
    assert clock.state == Clock.State.PAUSED and abs(clock.remaining - left) < timedelta(seconds=1)
    # Long past the old due time: a paused clock neither warns nor breaches.
    clocks_sweep(now=clock.due_at + timedelta(days=3))  # other clocks of the complaint may breach
    clock.refresh_from_db()
    assert clock.breached_at is None and clock.warned_at is None
    answered_at = start + timedelta(days=2)
    complaint_customer_answered(complaint=complaint, actor=agent, note="Sent the invoice", now=answered_at)
    clock.refresh_from_db()
    complaint.refresh_from_db()
    assert clock.state == Clock.State.RUNNING
    assert abs(clock.due_at - (answered_at + left)) < timedelta(seconds=1)
    assert complaint.resolution_due == clock.due_at and complaint.waiting_since is None
    assert clock.warn_at < clock.due_at
    kinds = list(complaint.events.filter(kind__in=["waiting", "resumed"]).values_list("kind", flat=True))
    assert sorted(kinds) == ["resumed", "waiting"]


def test_business_time_left_is_kept_across_a_pause(org, agent):
    complaint = filed(org, agent)  # the store level counts office hours
    clock = running(complaint)["resolution"]
    calendar = level_clock(complaint.level)
    paused_at = clock.started_at + timedelta(minutes=1)
    complaint_wait_for_customer(complaint=complaint, actor=agent, reason="Photos", now=paused_at)
    clock.refresh_from_db()
    paused_due = clock.due_at
    assert clock.remaining == business_time_between(calendar=calendar, start=paused_at, end=paused_due)
    answered_at = paused_at + timedelta(days=7)
    complaint_customer_answered(complaint=complaint, actor=agent, now=answered_at)
    clock.refresh_from_db()
    before = business_time_between(calendar=calendar, start=paused_at, end=paused_due)
    assert business_time_between(calendar=calendar, start=answered_at, end=clock.due_at) == before


def test_waiting_needs_a_reason_and_cannot_start_twice(org, agent):
    complaint = filed(org, agent)
    with pytest.raises(WaitRefused):
        complaint_wait_for_customer(complaint=complaint, actor=agent, reason=" ")
    complaint_wait_for_customer(complaint=complaint, actor=agent, reason="Photos")
    with pytest.raises(WaitRefused):
        complaint_wait_for_customer(complaint=complaint, actor=agent, reason="Again")
    complaint_customer_answered(complaint=complaint, actor=agent)
    with pytest.raises(WaitRefused):
        complaint_customer_answered(complaint=complaint, actor=agent)


def test_the_pages_pause_and_resume_the_clock(org, agent):
    from django.test import Client
    from django.urls import reverse

    complaint = filed(org, agent)
    client = Client()
    client.force_login(agent)
    wait = reverse("workflow:flows:complaint:wait", args=[complaint.pk])
    assert client.post(wait, {"reason": ""}).status_code == 200  # a reason is needed
    assert client.post(wait, {"reason": "Waiting for the delivery note"}).status_code == 302
    page = client.get(reverse("workflow:flows:complaint:process_detail", args=[complaint.pk])).content.decode()
    assert "Waiting for the delivery note" in page and "the resolution clock is paused" in page
    answered = reverse("workflow:flows:complaint:answered", args=[complaint.pk])
    assert client.post(answered, {"note": "Received"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.waiting_since is None and running(complaint)["resolution"].state == Clock.State.RUNNING
