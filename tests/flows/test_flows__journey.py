"""One complaint driven through every stage by each persona posting the real pages."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from viewflow.workflow import PROCESS, STATUS

from complaints.choices import ActionStatus, EventKind, Outcome, Stage
from complaints.models import Complaint
from complaints.services.timers import workflow_timers_fire
from tests.conftest import FLOW, FMT, START_URL, intake_data, open_task, task_url
from tests.quality_steps import describe_and_confirm, plan_and_do_permanent, post_page, verify_open


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def later(hours: int = 2) -> str:
    return (timezone.localtime() + timedelta(hours=hours)).strftime(FMT)


def register(agent: Any, org: dict[str, Any], **overrides: Any) -> Complaint:
    response = as_user(agent).post(START_URL, intake_data(org, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Complaint.objects.latest("pk")


def do(user: Any, complaint: Complaint, node: Any, data: dict[str, Any]) -> None:
    """Claims the step's task from the queue if needed, then completes it through its page."""
    client = as_user(user)
    task = open_task(complaint, node)
    if task.status == STATUS.NEW:
        assert client.post(task_url(task, "assign")).status_code == 302
    response = client.post(task_url(task, "execute"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == user


def first_response(agent: Any, c: Complaint) -> None:
    do(
        agent,
        c,
        FLOW.first_response,
        {"channel": "phone", "summary": "Apologised.", "promise": "Call back", "promised_by": later()},
    )


def verify(quality: Any, c: Complaint, **data: Any) -> None:
    do(quality, c, FLOW.verification, {"outcome": "valid", "explanation": "", "duplicate_reference": "", **data})


def contain_and_analyse(agent: Any, quality: Any, c: Complaint) -> None:
    do(agent, c, FLOW.containment, {"description": "Door replaced at home.", "cost": "120"})
    describe_and_confirm(quality, c)
    do(quality, c, FLOW.root_cause, {"description": "No corner guards."})


def permanent_and_verified(quality: Any, c: Complaint) -> None:
    plan_and_do_permanent(quality, c)
    do(quality, c, FLOW.permanent_actions, {"note": ""})
    verify_open(quality, c)
    do(quality, c, FLOW.effectiveness, {"note": "30 deliveries checked."})


def confirmed_by_the_customer(agent: Any, quality: Any, org: dict[str, Any]) -> Complaint:
    """A complaint worked through every step to the customer's confirmation: closed, its follow-up
    waiting."""
    c = register(agent, org)
    first_response(agent, c)
    verify(quality, c)
    contain_and_analyse(agent, quality, c)
    permanent_and_verified(quality, c)
    do(agent, c, FLOW.customer_confirmation, {"outcome": "confirmed", "channel": "phone", "note": ""})
    c.refresh_from_db()
    return c


def test_complaint_travels_every_stage_to_closed_and_followed_up(org, agent, quality_engineer):
    c = register(agent, org)
    assert c.reference.startswith(f"C-{timezone.localtime().year}-")
    assert c.stage == Stage.FIRST_RESPONSE and c.priority.code == "P2" and c.level.rank == 1
    assert c.department == org["store_a"] and c.owner == agent and c.receiver == agent
    # the receiver holds the first response already, in their inbox
    assert open_task(c, FLOW.first_response).owner == agent

    first_response(agent, c)
    c.refresh_from_db()
    assert c.stage == Stage.VERIFICATION and c.contacts.count() == 1

    verify(quality_engineer, c)
    c.refresh_from_db()
    assert c.stage == Stage.CONTAINMENT

    contain_and_analyse(agent, quality_engineer, c)
    c.refresh_from_db()
    assert c.stage == Stage.PERMANENT_ACTIONS and c.root_cause.cause_category == "method"
    assert c.root_cause.description == "No corner guards."

    permanent_and_verified(quality_engineer, c)
    c.refresh_from_db()
    assert c.stage == Stage.CUSTOMER_CONFIRMATION
    assert c.actions.get(kind="permanent").status == ActionStatus.EFFECTIVE

    do(agent, c, FLOW.customer_confirmation, {"outcome": "confirmed", "channel": "phone", "note": "Happy now."})
    c.refresh_from_db()
    assert c.stage == Stage.CLOSED and c.outcome == Outcome.RESOLVED and c.closed_at is not None
    wait = open_task(c, FLOW.follow_up_wait)
    assert wait.status == STATUS.SCHEDULED
    assert timedelta(hours=47, minutes=59) < wait.scheduled - c.closed_at <= timedelta(hours=48)

    follow_up_clock = c.clocks.get(kind="follow_up", state="running")
    assert follow_up_clock.due_at == c.closed_at + timedelta(hours=48)
    assert workflow_timers_fire() == 0  # not due yet
    with time_machine.travel(wait.scheduled + timedelta(minutes=1)):
        assert workflow_timers_fire() == 1
        assert workflow_timers_fire() == 0
    do(agent, c, FLOW.follow_up, {"satisfaction": "5", "comment": "Quick and polite."})
    c.refresh_from_db()
    assert c.satisfaction == 5 and c.followed_up_at is not None
    follow_up_clock.refresh_from_db()
    assert follow_up_clock.state == "stopped"
    assert c.status == PROCESS.DONE

    kinds = list(c.events.order_by("at", "pk").values_list("kind", flat=True))
    for kind in [
        EventKind.REGISTERED,
        EventKind.TRIAGED,
        EventKind.CUSTOMER_CONTACT,
        EventKind.VERIFIED,
        EventKind.ACTION_RECORDED,
        EventKind.ROOT_CAUSE,
        EventKind.EFFECTIVENESS,
        EventKind.CONFIRMATION,
        EventKind.CLOSED,
        EventKind.FOLLOWED_UP,
    ]:
        assert kind in kinds
    page = as_user(agent).get(f"/workflow/flows/complaint/{c.pk}/")
    assert page.status_code == 200 and c.reference in page.content.decode()


def test_invalid_complaint_is_explained_and_closed(org, agent, quality_engineer):
    c = register(agent, org)
    first_response(agent, c)
    verify(quality_engineer, c, outcome="invalid", explanation="Scratch was signed off at delivery.")
    c.refresh_from_db()
    assert c.outcome == Outcome.INVALID and c.stage == Stage.CLOSED
    assert c.outcome_note == "Scratch was signed off at delivery."
    assert c.status == PROCESS.DONE
    assert not c.task_set.filter(flow_task=FLOW.containment).exists()


def test_invalid_verdict_without_explanation_is_refused_and_changes_nothing(org, agent, quality_engineer):
    c = register(agent, org)
    first_response(agent, c)
    client = as_user(quality_engineer)
    task = open_task(c, FLOW.verification)
    client.post(task_url(task, "assign"))
    response = client.post(task_url(task, "execute"), {"outcome": "invalid", "explanation": ""})
    assert response.status_code == 200
    assert "Explain to the customer" in response.content.decode()
    c.refresh_from_db()
    task.refresh_from_db()
    assert c.outcome == Outcome.OPEN and task.status == STATUS.ASSIGNED


def test_duplicate_is_linked_to_the_original_and_closed(org, agent, quality_engineer):
    original = register(agent, org)
    c = register(agent, org)
    first_response(agent, c)
    verify(quality_engineer, c, outcome="duplicate", duplicate_reference=original.reference)
    c.refresh_from_db()
    assert c.outcome == Outcome.DUPLICATE and c.duplicate_of == original and c.stage == Stage.CLOSED


def test_duplicate_of_an_unknown_reference_is_refused(org, agent, quality_engineer):
    c = register(agent, org)
    first_response(agent, c)
    client = as_user(quality_engineer)
    task = open_task(c, FLOW.verification)
    client.post(task_url(task, "assign"))
    response = client.post(task_url(task, "execute"), {"outcome": "duplicate", "duplicate_reference": "C-1999-000001"})
    assert response.status_code == 200 and "No complaint with this reference" in response.content.decode()
    c.refresh_from_db()
    assert c.outcome == Outcome.OPEN and c.duplicate_of is None


def test_not_satisfied_customer_sends_the_case_back_to_containment(org, agent, quality_engineer):
    c = register(agent, org)
    first_response(agent, c)
    verify(quality_engineer, c)
    contain_and_analyse(agent, quality_engineer, c)
    permanent_and_verified(quality_engineer, c)
    do(
        agent,
        c,
        FLOW.customer_confirmation,
        {"outcome": "not_satisfied", "channel": "phone", "note": "Wants a new fridge."},
    )
    c.refresh_from_db()
    assert c.rework_round == 1 and c.stage == Stage.CONTAINMENT and c.outcome == Outcome.OPEN
    assert c.events.filter(kind=EventKind.CONFIRMATION, note="Wants a new fridge.").exists()

    do(agent, c, FLOW.containment, {"description": "Fridge replaced.", "cost": "3000"})
    c.refresh_from_db()
    assert c.stage == Stage.CUSTOMER_CONFIRMATION  # straight back to the customer, analysis is done
    do(agent, c, FLOW.customer_confirmation, {"outcome": "confirmed", "channel": "phone", "note": "OK."})
    c.refresh_from_db()
    assert c.stage == Stage.CLOSED and c.outcome == Outcome.RESOLVED


def test_not_effective_actions_go_back_to_permanent_actions(org, agent, quality_engineer):
    c = register(agent, org)
    first_response(agent, c)
    verify(quality_engineer, c)
    contain_and_analyse(agent, quality_engineer, c)
    plan_and_do_permanent(quality_engineer, c)
    do(quality_engineer, c, FLOW.permanent_actions, {"note": ""})
    action = c.actions.get(kind="permanent")
    post_page(
        quality_engineer,
        c,
        f"actions/{action.pk}/verify/",
        {"effective": "no", "evidence": "Two more scratches.", "reason": "Guards slip off."},
    )
    do(quality_engineer, c, FLOW.effectiveness, {"note": ""})
    c.refresh_from_db()
    assert c.stage == Stage.PERMANENT_ACTIONS
    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_EFFECTIVE and action.reopened_reason == "Guards slip off."
    post_page(quality_engineer, c, f"actions/{action.pk}/progress/", {"status": "done", "evidence": "Taped guards."})
    do(quality_engineer, c, FLOW.permanent_actions, {"note": ""})
    verify_open(quality_engineer, c)
    do(quality_engineer, c, FLOW.effectiveness, {"note": ""})
    c.refresh_from_db()
    assert c.stage == Stage.CUSTOMER_CONFIRMATION


def test_risk_flag_sets_top_priority_and_level(org, agent):
    c = register(agent, org, risk_flagged="on")
    assert c.priority.code == "P0" and c.level.rank == 3
    assert c.first_response_due - c.received_at == timedelta(minutes=c.priority.first_response_minutes)
    triaged = c.events.get(kind=EventKind.TRIAGED).new
    assert triaged["rule"].startswith("安全风险") and triaged["matching_rules"] == [triaged["rule"]]


@pytest.mark.parametrize("hours", [1, 72])
def test_follow_up_delay_is_read_from_process_settings(org, agent, quality_engineer, hours):
    from complaints.selectors.common import process_settings

    config = process_settings()
    config.follow_up_delay_hours = hours
    config.save()
    c = confirmed_by_the_customer(agent, quality_engineer, org)
    wait = open_task(c, FLOW.follow_up_wait)
    assert abs((wait.scheduled - c.closed_at) - timedelta(hours=hours)) < timedelta(seconds=5)
