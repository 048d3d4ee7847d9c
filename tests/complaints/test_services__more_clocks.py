"""The other clocks in the one sweep: the P0 progress reminder (repeating, once per interval), a
corrective action's due date, a collaboration request's answer time, the follow-up; and the admin's
"recompute open clocks"."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from complaints.choices import ActionKind, ActionStatus, EventKind
from complaints.models import Clock, Complaint, CorrectiveAction, Department, Notification, ProcessSettings
from complaints.services.clocks import action_clock_sync, action_due_at, clocks_sweep, open_clocks_recompute
from complaints.services.collaboration import collaboration_answer, collaboration_request
from flows import driver
from tests.conftest import intake_data, make_user

pytestmark = pytest.mark.django_db


def filed(org: dict[str, Any], agent: Any, **overrides: Any) -> Complaint:
    agent.email = agent.email or "agent@example.com"
    agent.save()
    return driver.start_complaint(user=agent, data=intake_data(org, **overrides))


def progress_clock(complaint: Complaint) -> Clock:
    return complaint.clocks.get(kind=Clock.Kind.PROGRESS, state=Clock.State.RUNNING)


def reminders(complaint: Complaint) -> Any:
    return Notification.objects.filter(complaint=complaint, event="progress")


def test_a_p0_complaint_reminds_its_owner_every_interval_while_open(org, agent):
    complaint = filed(org, agent, risk_flagged="on")  # P0
    clock = progress_clock(complaint)
    interval = timedelta(minutes=ProcessSettings.objects.get().progress_reminder_minutes)
    assert clock.due_at - clock.started_at == interval
    first_due = clock.due_at
    assert clocks_sweep(now=first_due - timedelta(seconds=1))["reminded"] == 0
    assert clocks_sweep(now=first_due + timedelta(seconds=1))["reminded"] == 1
    assert clocks_sweep(now=first_due + timedelta(seconds=2))["reminded"] == 0  # once per interval
    clock.refresh_from_db()
    assert clock.due_at == first_due + interval and clock.state == Clock.State.RUNNING
    assert list(reminders(complaint).values_list("recipient", flat=True)) == [agent.pk]
    # A sweep three and a half intervals late sends one reminder, not a burst, and keeps the beat.
    late = first_due + interval * 4 + interval / 2
    assert clocks_sweep(now=late)["reminded"] == 1
    clock.refresh_from_db()
    assert clock.due_at == first_due + interval * 5
    assert reminders(complaint).count() == 2


def test_a_complaint_that_is_not_p0_has_no_reminder_and_closing_stops_it(org, agent, quality_engineer):
    assert not filed(org, agent).clocks.filter(kind=Clock.Kind.PROGRESS).exists()
    complaint = filed(org, agent, risk_flagged="on", customer_phone="13700137005")
    clock = progress_clock(complaint)
    from complaints.services.stages import complaint_close

    complaint_close(complaint=complaint, actor=agent)
    clock.refresh_from_db()
    assert clock.state == Clock.State.STOPPED
    assert clocks_sweep(now=clock.due_at + timedelta(hours=5))["reminded"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_remind_once_per_interval(org, agent):
    complaint = filed(org, agent, risk_flagged="on")
    clock = progress_clock(complaint)
    interval = clock.due_at - clock.started_at

    def sweep(now: Any) -> dict[str, int]:
        try:
            return clocks_sweep(now=now)
        finally:
            connection.close()

    for beat in range(3):
        moment = clock.due_at + interval * beat + timedelta(seconds=1)
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(sweep, [moment, moment]))
        assert sum(r["reminded"] for r in results) == 1, results
    assert reminders(complaint).count() == 3
    assert len(set(reminders(complaint).values_list("key", flat=True))) == 3


def planned_action(complaint: Complaint, owner: Any, due: date, head: Any = None) -> CorrectiveAction:
    department = complaint.department
    if head is not None:
        Department.objects.filter(pk=department.pk).update(head=head)
        department.refresh_from_db()
    action = CorrectiveAction.objects.create(
        complaint=complaint,
        kind=ActionKind.PERMANENT,
        description="Retrain the delivery crew",
        department=department,
        owner=owner,
        due_date=due,
        status=ActionStatus.PLANNED,
    )
    action_clock_sync(action=action)
    return action


def test_a_corrective_action_warns_before_its_due_date_and_breach_is_recorded_once(org, agent):
    complaint = filed(org, agent)
    head = make_user("head_a")
    head.email = "head@example.com"
    head.save()
    due = timezone.localdate() + timedelta(days=3)
    action = planned_action(complaint, agent, due, head=head)
    clock = complaint.clocks.get(kind=Clock.Kind.ACTION, subject=action.pk)
    hours = ProcessSettings.objects.get().action_warning_hours
    assert clock.due_at == action_due_at(due) and clock.warn_at == clock.due_at - timedelta(hours=hours)
    # Only the action's clock is in play here (the complaint's own clocks would escalate it meanwhile).
    Clock.objects.filter(complaint=complaint).exclude(kind=Clock.Kind.ACTION).update(state=Clock.State.STOPPED)
    level = complaint.level_id
    assert clocks_sweep(now=clock.warn_at + timedelta(seconds=1))["warned"] == 1
    warned = Notification.objects.filter(
        complaint=complaint, event="deadline_warning", key__contains=f"clock-{clock.pk}-"
    )
    assert set(warned.values_list("recipient", flat=True)) == {agent.pk, head.pk}
    after = clock.due_at + timedelta(seconds=1)
    assert clocks_sweep(now=after)["breached"] == 1
    assert clocks_sweep(now=after)["breached"] == 0
    complaint.refresh_from_db()
    assert complaint.level_id == level  # an action's breach is recorded and told, not escalated
    breaches = complaint.events.filter(kind=EventKind.DEADLINE_BREACHED, new__clock="action")
    assert breaches.count() == 1 and breaches.get().new["action"] == action.pk


def test_an_action_done_or_without_due_date_stops_its_clock(org, agent):
    complaint = filed(org, agent)
    action = planned_action(complaint, agent, timezone.localdate() + timedelta(days=2))
    assert complaint.clocks.filter(kind=Clock.Kind.ACTION, state=Clock.State.RUNNING).count() == 1
    action.due_date = timezone.localdate() + timedelta(days=5)
    action_clock_sync(action=action)  # a new due date replaces the clock
    running = complaint.clocks.get(kind=Clock.Kind.ACTION, state=Clock.State.RUNNING)
    assert running.due_at == action_due_at(action.due_date)
    action.status = ActionStatus.DONE
    action_clock_sync(action=action)
    assert not complaint.clocks.filter(kind=Clock.Kind.ACTION, state=Clock.State.RUNNING).exists()
    assert complaint.clocks.filter(kind=Clock.Kind.ACTION).count() == 2


def test_recompute_open_clocks_applies_new_settings(org, agent):
    complaint = filed(org, agent, risk_flagged="on")
    action = planned_action(complaint, agent, timezone.localdate() + timedelta(days=4))
    clock = complaint.clocks.get(kind=Clock.Kind.ACTION, subject=action.pk)
    reminder = progress_clock(complaint)
    settings_row = ProcessSettings.objects.get()
    settings_row.action_warning_hours += 24
    settings_row.progress_reminder_minutes += 30
    settings_row.save()
    assert open_clocks_recompute() == 2
    clock.refresh_from_db()
    assert clock.warn_at == clock.due_at - timedelta(hours=settings_row.action_warning_hours)
    moved = Clock.objects.get(pk=reminder.pk)
    assert moved.due_at == reminder.started_at + timedelta(minutes=settings_row.progress_reminder_minutes)
    assert open_clocks_recompute() == 0  # nothing left to change


def test_a_collaboration_request_has_an_answer_clock_that_answering_stops(org, agent):
    complaint = filed(org, agent)
    technical = Department.objects.get(code="technical")
    request = collaboration_request(complaint=complaint, actor=agent, department=technical, question="Known?")
    clock = complaint.clocks.get(kind=Clock.Kind.COLLABORATION, subject=request.pk, state=Clock.State.RUNNING)
    assert clock.due_at == request.response_due
    engineer = make_user("tech_engineer", technical, "agent")  # a member of the asked department answers
    collaboration_answer(request=request, actor=engineer, answer="Yes, a known fault.")
    clock.refresh_from_db()
    assert clock.state == Clock.State.STOPPED
    assert clocks_sweep(now=request.response_due + timedelta(minutes=1))["passed_on"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_pass_a_collaboration_request_on_once(org, agent):
    complaint = filed(org, agent)
    technical = Department.objects.get(code="technical")
    Department.objects.filter(pk=technical.pk).update(head=make_user("tech_head_x"))
    request = collaboration_request(complaint=complaint, actor=agent, department=technical, question="Known?")
    moment = request.response_due + timedelta(seconds=1)

    def sweep(_: int) -> dict[str, int]:
        try:
            return clocks_sweep(now=moment)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(sweep, range(2)))
    assert sum(r["passed_on"] for r in results) == 1
    assert complaint.events.filter(kind=EventKind.COLLABORATION_REROUTED).count() == 1
    # The head's step has its own answer clock.
    request.refresh_from_db()
    head_clock = complaint.clocks.get(kind=Clock.Kind.COLLABORATION, subject=request.pk, state=Clock.State.RUNNING)
    assert head_clock.due_at == request.response_due > moment


def test_the_follow_up_clock_tells_the_owner_when_the_follow_up_is_due(org, agent):
    complaint = filed(org, agent)
    from complaints.services.stages import complaint_close

    with time_machine.travel(timezone.now()):
        complaint_close(complaint=complaint, actor=agent)
    clock = complaint.clocks.get(kind=Clock.Kind.FOLLOW_UP, state=Clock.State.RUNNING)
    assert clocks_sweep(now=clock.due_at + timedelta(seconds=1))["breached"] == 1
    sent = Notification.objects.filter(complaint=complaint, event="follow_up")
    assert list(sent.values_list("recipient", flat=True)) == [agent.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_fire_a_viewflow_timer_once(org, agent, quality_engineer):
    from viewflow.workflow.models import Task

    from complaints.services.timers import workflow_timers_fire
    from tests.complaints.test_tasks__worker import closed_complaint
    from tests.conftest import FLOW

    complaint = closed_complaint(org, agent, quality_engineer)
    wait = Task.objects.get(process_id=complaint.pk, flow_task=FLOW.follow_up_wait)
    Task.objects.filter(pk=wait.pk).update(scheduled=timezone.now() - timedelta(seconds=1))

    def fire(_: int) -> int:
        try:
            return workflow_timers_fire()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        fired = list(pool.map(fire, range(2)))
    assert sum(fired) == 1
    assert Task.objects.filter(process_id=complaint.pk, flow_task=FLOW.follow_up).count() == 1
    assert workflow_timers_fire(batch=1) == 0


def test_a_step_with_a_limit_at_the_level_times_its_task_warns_the_queue_and_escalates_once(
    org, agent, quality_engineer
):
    from viewflow.workflow.models import Task

    from complaints.models import StepLimit
    from complaints.rules.business_time import add_business_time
    from complaints.selectors.routing import level_clock
    from tests.conftest import FLOW, FMT

    complaint = filed(org, agent)  # P2 at the store level, which counts office hours
    level = complaint.level
    assert level.rank == 1 and complaint.priority.code == "P2"
    StepLimit.objects.create(level=level, priority=complaint.priority, step="containment", amount=1, unit="hours")
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)
    driver.complete_step(
        complaint=complaint,
        node=FLOW.first_response,
        user=agent,
        data={"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": later},
    )
    driver.complete_step(complaint=complaint, node=FLOW.verification, user=quality_engineer, data={"outcome": "valid"})
    task = Task.objects.get(process_id=complaint.pk, flow_task=FLOW.containment, finished__isnull=True)
    clock = complaint.clocks.get(kind=Clock.Kind.TASK, subject=task.pk, state=Clock.State.RUNNING)
    calendar = level_clock(level)
    assert clock.due_at == add_business_time(calendar=calendar, start=task.created, delta=timedelta(hours=1))
    assert clock.warn_at == add_business_time(calendar=calendar, start=task.created, delta=timedelta(minutes=48))
    # No limit for root-cause analysis at this level: that task has no clock.
    root_cause = Task.objects.get(process_id=complaint.pk, flow_task=FLOW.root_cause, finished__isnull=True)
    assert not complaint.clocks.filter(kind=Clock.Kind.TASK, subject=root_cause.pk).exists()
    # Only the task's clock is in play.
    complaint.clocks.exclude(pk=clock.pk).update(state=Clock.State.STOPPED)
    assert clocks_sweep(now=clock.warn_at + timedelta(seconds=1))["warned"] == 1
    warned = Notification.objects.filter(
        complaint=complaint, event="deadline_warning", key__contains=f"clock-{clock.pk}-"
    )
    assert set(warned.values_list("recipient", flat=True)) == {agent.pk}  # the task's holder or its queue
    assert clocks_sweep(now=clock.due_at + timedelta(seconds=1))["breached"] == 1
    complaint.clocks.exclude(kind=Clock.Kind.TASK).update(state=Clock.State.STOPPED)  # the new level's
    assert clocks_sweep(now=clock.due_at + timedelta(seconds=2))["breached"] == 0
    breaches = complaint.events.filter(kind=EventKind.DEADLINE_BREACHED, new__clock="task")
    assert breaches.count() == 1 and breaches.get().new["step"] == "containment"
    complaint.refresh_from_db()
    assert complaint.level.rank == 2 and complaint.escalations.count() == 1
    # The new level sets no limit for the step: the old level's clock stopped, none started.
    clock.refresh_from_db()
    assert clock.state == Clock.State.STOPPED
    assert not complaint.clocks.filter(kind=Clock.Kind.TASK, state=Clock.State.RUNNING).exists()


def test_a_task_done_in_time_stops_its_clock(org, agent, quality_engineer):
    from viewflow.workflow.models import Task

    from complaints.models import StepLimit
    from tests.conftest import FLOW, FMT

    complaint = filed(org, agent)
    StepLimit.objects.create(
        level=complaint.level, priority=complaint.priority, step="verification", amount=1, unit="days"
    )
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)
    driver.complete_step(
        complaint=complaint,
        node=FLOW.first_response,
        user=agent,
        data={"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": later},
    )
    task = Task.objects.get(process_id=complaint.pk, flow_task=FLOW.verification, finished__isnull=True)
    clock = complaint.clocks.get(kind=Clock.Kind.TASK, subject=task.pk, state=Clock.State.RUNNING)
    driver.complete_step(complaint=complaint, node=FLOW.verification, user=quality_engineer, data={"outcome": "valid"})
    clock.refresh_from_db()
    assert clock.state == Clock.State.STOPPED  # the next steps' tasks brought the clocks in line
    clocks_sweep(now=clock.due_at + timedelta(seconds=1))
    clock.refresh_from_db()
    assert clock.warned_at is None and clock.breached_at is None
    assert not complaint.events.filter(kind=EventKind.DEADLINE_BREACHED, new__clock="task").exists()


def test_actions_planned_and_moved_through_the_quality_service_keep_their_clock(org, agent):
    """The quality service's every action write ends in action_schedule, which keeps the clock."""
    from complaints.services import quality

    complaint = filed(org, agent)
    action = quality.action_plan(
        complaint=complaint,
        actor=agent,
        kind=ActionKind.TEMPORARY,
        description="Loaner car until the repair is done",
        owner=agent,
        due_date=timezone.localdate() + timedelta(days=3),
    )
    clock = complaint.clocks.get(kind=Clock.Kind.ACTION, subject=action.pk, state=Clock.State.RUNNING)
    assert clock.due_at == action_due_at(action.due_date)
    quality.action_move(action=action, actor=agent, status=ActionStatus.IN_PROGRESS, evidence="Loaner handed over")
    assert complaint.clocks.filter(kind=Clock.Kind.ACTION, subject=action.pk, state=Clock.State.RUNNING).exists()
    quality.action_move(action=action, actor=agent, status=ActionStatus.DONE, evidence="Car returned repaired")
    assert not complaint.clocks.filter(kind=Clock.Kind.ACTION, subject=action.pk, state=Clock.State.RUNNING).exists()
