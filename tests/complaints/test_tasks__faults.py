"""Faults: a worker killed with SIGKILL mid-sweep, and a flushed Redis, lose no clock and fire
none twice (clocks are rows; the broker only carries "sweep now")."""

import signal
import time
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from complaints.models import Clock, ComplaintEvent
from flows import driver
from tests.celery_worker import broker_or_skip, start_worker, stop_worker
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


def wait_until(condition, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


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
        worker.send_signal(signal.SIGKILL)  # no chance to finish the sweep
        worker.wait(timeout=30)
        assert warned(ids) < len(ids), "the sweep finished before the kill; raise COUNT"
    finally:
        if worker.poll() is None:
            worker.kill()
    restarted = start_worker(broker)
    try:
        assert wait_until(lambda: warned(ids) == len(ids)), stop_worker(restarted)[-3000:]
        time.sleep(3)  # more sweeps: nothing fires twice
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
        time.sleep(3)
    finally:
        stop_worker(worker)
    assert_each_warned_once(ids)
