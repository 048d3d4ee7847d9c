"""Faults: a worker killed with SIGKILL mid-sweep, and a flushed Redis, lose no clock and fire
none twice (clocks are rows; the broker only carries "sweep now")."""

from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from complaints.models import Clock, ComplaintEvent
from flows import driver
from tests.celery_worker import (
    broker_or_skip,
    kill_worker,
    start_worker,
    stop_worker,
    wait_for_more_sweeps,
    wait_until,
)
from tests.conftest import intake_data

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
COUNT = 40


def due_warnings(org, agent) -> list[int]:
    """COUNT complaints whose response clock is past its warning time (and far from its due time)."""
    ids = []
    for number in range(COUNT):
        complaint = driver.start_complaint(user=agent, data=intake_data(org, customer_phone=f"1390000{number:04d}"))
        ids.append(Clock.objects.get(complaint=complaint, kind="response", state="running").pk)
    Clock.objects.filter(pk__in=ids).update(warn_at=timezone.now() - timedelta(seconds=5))
    return ids


def warned(ids: list[int]) -> int:
    return Clock.objects.filter(pk__in=ids, warned_at__isnull=False).count()


def assert_each_warned_once(ids: list[int]) -> None:
    assert warned(ids) == len(ids)
    events = ComplaintEvent.objects.filter(kind="deadline_warning", new__clock="response")
    per_complaint: dict[int, int] = {}
    for complaint_id in events.values_list("complaint_id", flat=True):
        per_complaint[complaint_id] = per_complaint.get(complaint_id, 0) + 1
    assert len(per_complaint) == len(ids) and set(per_complaint.values()) == {1}


def test_a_worker_killed_mid_sweep_loses_nothing_and_fires_nothing_twice(org, agent):
    broker = broker_or_skip()
    ids = due_warnings(org, agent)
    worker = start_worker(broker)
    try:
        assert wait_until(lambda: warned(ids) > 0), stop_worker(worker)[-3000:]
        kill_worker(worker)  # no chance to finish the sweep
        worker.wait(timeout=30)
        assert warned(ids) < len(ids), "the sweep finished before the kill; raise COUNT or lower the batch"
    finally:
        kill_worker(worker)
    restarted = start_worker(broker)
    try:
        assert wait_until(lambda: warned(ids) == len(ids)), stop_worker(restarted)[-3000:]
        assert wait_for_more_sweeps(restarted), stop_worker(restarted)[-3000:]  # nothing fires twice
    finally:
        stop_worker(restarted)
    assert_each_warned_once(ids)


def test_flushing_redis_with_clocks_pending_loses_nothing(org, agent):
    broker = broker_or_skip()
    ids = due_warnings(org, agent)
    redis.Redis.from_url(broker).flushdb()  # whatever the broker held is gone
    worker = start_worker(broker)
    try:
        assert wait_until(lambda: warned(ids) > 0), stop_worker(worker)[-3000:]
        redis.Redis.from_url(broker).flushdb()  # and again while the worker runs
        assert wait_until(lambda: warned(ids) == len(ids)), stop_worker(worker)[-3000:]
        assert wait_for_more_sweeps(worker), stop_worker(worker)[-3000:]  # nothing fires twice
    finally:
        stop_worker(worker)
    assert_each_warned_once(ids)


def test_every_kind_of_clock_survives_a_flushed_redis_and_fires_once(org, agent):
    """A P0 reminder, a corrective action's due date and a collaboration request's answer time,
    all due while Redis is flushed: the worker fires each once (the reminder once per beat)."""
    from complaints.choices import ActionKind, ActionStatus
    from complaints.models import CollaborationRequest, CorrectiveAction, Department, Notification
    from complaints.services.clocks import action_clock_sync
    from complaints.services.collaboration import collaboration_request

    broker = broker_or_skip()
    agent.email = "agent@example.com"
    agent.save()
    complaint = driver.start_complaint(user=agent, data=intake_data(org, risk_flagged="on"))  # P0
    now = timezone.now()
    # The complaint's own clocks keep quiet; the three others are due now.
    Clock.objects.filter(complaint=complaint, kind__in=["first_response", "response", "resolution"]).update(
        state="stopped"
    )
    reminder = Clock.objects.get(complaint=complaint, kind="progress", state="running")
    Clock.objects.filter(pk=reminder.pk).update(due_at=now - timedelta(seconds=2))
    action = CorrectiveAction.objects.create(
        complaint=complaint,
        kind=ActionKind.PERMANENT,
        description="Replace the batch",
        owner=agent,
        department=complaint.department,
        due_date=timezone.localdate(),
        status=ActionStatus.PLANNED,
    )
    action_clock = action_clock_sync(action=action)
    Clock.objects.filter(pk=action_clock.pk).update(due_at=now - timedelta(seconds=1))
    technical = Department.objects.get(code="technical")
    request = collaboration_request(complaint=complaint, actor=agent, department=technical, question="Known?")
    Clock.objects.filter(kind="collaboration", subject=request.pk).update(due_at=now - timedelta(seconds=1))
    CollaborationRequest.objects.filter(pk=request.pk).update(response_due=now - timedelta(seconds=1))
    redis.Redis.from_url(broker).flushdb()

    def fired() -> bool:
        request.refresh_from_db()
        return (
            Clock.objects.filter(pk=action_clock.pk, breached_at__isnull=False).exists()
            and request.step != "contact"
            and Notification.objects.filter(complaint=complaint, event="progress").exists()
        )

    worker = start_worker(broker)
    try:
        assert wait_until(fired), stop_worker(worker)[-3000:]
        redis.Redis.from_url(broker).flushdb()
        # More sweeps after another flush: nothing fires twice.
        assert wait_for_more_sweeps(worker), stop_worker(worker)[-3000:]
    finally:
        stop_worker(worker)
    assert Notification.objects.filter(complaint=complaint, event="progress").count() == 1
    assert complaint.events.filter(kind="deadline_breached", new__clock="action").count() == 1
    assert complaint.events.filter(kind="collab_rerouted").count() == 1
    reminder.refresh_from_db()
    assert reminder.due_at > timezone.now()  # re-armed for the next beat
