"""A real Celery worker with beat, on Redis, fires the follow-up timer from the database."""

from datetime import timedelta

import pytest
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.models import Clock
from complaints.services.quality import action_verify
from flows import driver
from tests.celery_worker import broker_or_skip, start_worker, stop_worker, wait_for_more_sweeps, wait_until
from tests.conftest import FLOW, FMT, intake_data
from tests.quality_steps import records_by_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def closed_complaint(org, agent, quality):
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)
    c = driver.start_complaint(user=agent, data=intake_data(org))
    steps = [
        (FLOW.first_response, agent, {"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": later}),
        (FLOW.verification, quality, {"outcome": "valid"}),
        (FLOW.containment, agent, {"description": "Replaced."}),
    ]
    for node, user, data in steps:
        driver.complete_step(complaint=c, node=node, user=user, data=data)
    records_by_service(c, quality)
    driver.complete_step(complaint=c, node=FLOW.root_cause, user=quality, data={"description": "No guards."})
    driver.complete_step(complaint=c, node=FLOW.permanent_actions, user=quality, data={})
    for action in c.actions.filter(kind="permanent"):
        action_verify(action=action, actor=quality, effective=True, evidence="Checked.")
    driver.complete_step(complaint=c, node=FLOW.effectiveness, user=quality, data={})
    driver.complete_step(
        complaint=c, node=FLOW.customer_confirmation, user=agent, data={"outcome": "confirmed", "channel": "phone"}
    )
    return c


def test_worker_and_beat_on_redis_fire_the_due_follow_up(org, agent, quality_engineer):
    broker = broker_or_skip()

    complaint = closed_complaint(org, agent, quality_engineer)
    wait = Task.objects.get(process_id=complaint.pk, flow_task=FLOW.follow_up_wait)
    assert wait.status == STATUS.SCHEDULED
    Task.objects.filter(pk=wait.pk).update(scheduled=timezone.now() - timedelta(seconds=1))

    def follow_up() -> Task | None:
        return Task.objects.filter(process_id=complaint.pk, flow_task=FLOW.follow_up).first()

    worker = start_worker(broker)
    try:
        wait_until(lambda: follow_up() is not None or worker.poll() is not None)
    finally:
        output = stop_worker(worker)
    task = follow_up()
    assert task is not None, output[-3000:]
    wait.refresh_from_db()
    assert wait.status == STATUS.DONE
    # The follow-up belongs to the case owner by the presets' assignment rule (issue 20), in the
    # store's agent queue.
    assert task.status == STATUS.ASSIGNED and task.owner_id == complaint.owner_id
    assert task.owner_permission.endswith("store-a__agent")
    assert "complaints.tasks.sweep_clocks" in output


def test_worker_and_beat_on_redis_warn_then_escalate_exactly_once(org, agent):
    broker = broker_or_skip()

    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    clock = Clock.objects.get(complaint=complaint, kind="resolution", state="running")
    now = timezone.now()
    # A one-minute limit in effect: the warning is due now, the breach a few seconds later.
    Clock.objects.filter(pk=clock.pk).update(warn_at=now - timedelta(seconds=1), due_at=now + timedelta(seconds=4))

    worker = start_worker(broker)
    try:
        escalated = wait_until(lambda: complaint.escalations.exists() or worker.poll() is not None)
        if escalated and worker.poll() is None:
            # Several more sweeps, each a chance to warn or escalate again: nothing may fire twice.
            assert wait_for_more_sweeps(worker), worker.output()[-3000:]
    finally:
        output = stop_worker(worker)
    clock.refresh_from_db()
    complaint.refresh_from_db()
    assert clock.warned_at is not None and clock.breached_at is not None, output[-3000:]
    assert clock.warned_at <= clock.breached_at  # one sweep may do both when the worker starts late
    warnings = complaint.events.filter(kind="deadline_warning", new__clock="resolution")
    breaches = complaint.events.filter(kind="deadline_breached", new__clock="resolution")
    assert warnings.count() == 1 and breaches.count() == 1
    escalation = complaint.escalations.get()
    assert escalation.trigger == "deadline" and complaint.level.rank == 2
    assert "complaints.tasks.sweep_clocks" in output
