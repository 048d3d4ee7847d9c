"""UX item 3: who gets a new task is the admin's rule per step (StageRoute.assign_to): its queue,
the case owner, whoever did a named earlier step, or the least-loaded queue member; the service
re-checks the person still holds the queue and otherwise leaves the task there, and the timeline
says who got it and why."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow import STATUS

from complaints.choices import AssignRule, EventKind, RoutedStage
from complaints.models import Membership, StageRoute
from complaints.rules.assignment import Pick, least_loaded, pick_owner
from complaints.selectors.common import stage_queue
from complaints.services.assignment import task_owner_by_rule
from tests.conftest import FLOW, make_user, open_task
from tests.flows.test_flows__journey import do, first_response, register, verify
from web.sentences import event_sentence


def route(stage: str, rule: str, after: str = "") -> StageRoute:
    r = StageRoute.objects.get(stage=stage, profile__isnull=True)
    r.assign_to, r.assign_after = rule, after
    r.full_clean()
    r.save()
    return r


def owner_for(complaint: Any, stage: str) -> Any:
    queue = stage_queue(complaint=complaint, stage=stage)
    return task_owner_by_rule(complaint=complaint, stage=stage, queue=queue, step="Step")


def last_assignment(complaint: Any) -> Any:
    return complaint.events.filter(kind=EventKind.AUTO_ASSIGNED).latest("pk")


# --- the pure rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loads", "expected"),
    [({}, None), ({7: 3, 4: 1, 9: 1}, 4), ({5: 0}, 5), ({2: 2, 3: 0}, 3)],
)
def test_least_loaded_takes_fewest_open_tasks_and_breaks_ties_by_id(loads, expected):
    assert least_loaded(loads) == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (AssignRule.QUEUE, Pick(None, AssignRule.QUEUE)),
        (AssignRule.CASE_OWNER, Pick(5, AssignRule.CASE_OWNER)),
        (AssignRule.EARLIER_STEP, Pick(6, AssignRule.EARLIER_STEP)),
        (AssignRule.LEAST_LOADED, Pick(8, AssignRule.LEAST_LOADED)),
    ],
)
def test_pick_owner_names_the_rules_candidate(rule, expected):
    assert pick_owner(rule=rule, case_owner_id=5, earlier_performer_id=6, loads={7: 2, 8: 1}) == expected


def test_pick_owner_says_nobody_when_the_rule_finds_no_one():
    assert pick_owner(rule=AssignRule.EARLIER_STEP, case_owner_id=5, earlier_performer_id=None, loads={}) == Pick(
        None, "nobody"
    )


# --- configuration ----------------------------------------------------------------------------


def test_earlier_step_rule_must_name_the_step(org):
    r = StageRoute.objects.get(stage=RoutedStage.ROOT_CAUSE, profile__isnull=True)
    r.assign_to, r.assign_after = AssignRule.EARLIER_STEP, ""
    with pytest.raises(ValidationError) as error:
        r.full_clean()
    assert "assign_after" in error.value.message_dict
    r.assign_to, r.assign_after = AssignRule.QUEUE, RoutedStage.VERIFICATION
    with pytest.raises(ValidationError):
        r.full_clean()


def test_presets_route_consecutive_quality_steps_to_the_previous_performer_and_confirmation_to_the_owner(org):
    rules = {r.stage: (r.assign_to, r.assign_after) for r in StageRoute.objects.filter(profile__isnull=True)}
    assert rules[RoutedStage.FIRST_RESPONSE] == (AssignRule.CASE_OWNER, "")
    assert rules[RoutedStage.VERIFICATION] == (AssignRule.QUEUE, "")
    assert rules[RoutedStage.ROOT_CAUSE] == (AssignRule.EARLIER_STEP, RoutedStage.VERIFICATION)
    assert rules[RoutedStage.PERMANENT_ACTIONS] == (AssignRule.EARLIER_STEP, RoutedStage.ROOT_CAUSE)
    assert rules[RoutedStage.EFFECTIVENESS] == (AssignRule.EARLIER_STEP, RoutedStage.PERMANENT_ACTIONS)
    assert rules[RoutedStage.CUSTOMER_CONFIRMATION] == (AssignRule.CASE_OWNER, "")


# --- each rule through the flow and the service ---------------------------------------------------


def test_queue_rule_leaves_the_task_unowned_and_writes_no_event(org, agent, quality_engineer):
    c = register(agent, org)
    first_response(agent, c)
    task = open_task(c, FLOW.verification)
    assert task.status == STATUS.NEW and task.owner is None
    assert not c.events.filter(kind=EventKind.AUTO_ASSIGNED, new__step=str(FLOW.verification.task_title)).exists()


def test_case_owner_rule_gives_the_first_response_to_the_receiver_with_the_reason(org, agent):
    c = register(agent, org)
    task = open_task(c, FLOW.first_response)
    assert task.owner == agent and task.status == STATUS.ASSIGNED
    event = last_assignment(c)
    assert event.new["rule"] == AssignRule.CASE_OWNER and event.new["owner"] == "agent_a"
    assert event_sentence(event.kind, event.new, event.old) == "“First response” went to agent_a: the case owner."


def test_earlier_step_rule_gives_root_cause_to_whoever_verified(org, agent, quality_engineer, quality_engineer_2):
    c = register(agent, org)
    first_response(agent, c)
    verify(quality_engineer_2, c)
    task = open_task(c, FLOW.root_cause)
    assert task.owner == quality_engineer_2 and task.status == STATUS.ASSIGNED
    event = last_assignment(c)
    assert event_sentence(event.kind, event.new, event.old) == (
        "“Root-cause analysis” went to quality_2: who did “Verification”."
    )
    # the containment step beside it stays in the store's queue (its rule is the queue)
    assert open_task(c, FLOW.containment).owner is None


def test_earlier_performer_who_left_the_queue_falls_back_to_the_queue(org, agent, quality_engineer):
    c = register(agent, org)
    first_response(agent, c)
    do(quality_engineer, c, FLOW.verification, {"outcome": "valid", "explanation": "", "duplicate_reference": ""})
    assert open_task(c, FLOW.root_cause).owner == quality_engineer
    # Later the engineer leaves the quality team: a new root-cause task would not go to them.
    Membership.objects.filter(user=quality_engineer).delete()
    assert owner_for(c, RoutedStage.ROOT_CAUSE) is None
    event = last_assignment(c)
    assert event.new["fallback"] == "not_in_queue" and event.old["candidate"] == "quality_1"
    sentence = event_sentence(event.kind, event.new, event.old)
    assert sentence == "“Step” waits in its queue: quality_1 no longer holds it."


def test_earlier_step_never_done_falls_back_to_the_queue_and_says_so(org, agent):
    route(RoutedStage.VERIFICATION, AssignRule.EARLIER_STEP, RoutedStage.ROOT_CAUSE)
    c = register(agent, org)
    first_response(agent, c)
    task = open_task(c, FLOW.verification)
    assert task.owner is None and task.status == STATUS.NEW
    event = last_assignment(c)
    assert event.new["fallback"] == "nobody"
    assert event_sentence(event.kind, event.new, event.old) == (
        "“Verification” waits in its queue: nobody has done “Root-cause analysis” yet."
    )


def test_case_owner_outside_the_queue_falls_back(org, agent, quality_engineer):
    route(RoutedStage.VERIFICATION, AssignRule.CASE_OWNER)
    c = register(agent, org)
    first_response(agent, c)
    assert open_task(c, FLOW.verification).owner is None  # the agent is no quality engineer
    assert last_assignment(c).new["fallback"] == "not_in_queue"


def test_no_case_owner_falls_back(org, agent):
    c = register(agent, org)
    c.owner = None
    c.save(update_fields=["owner"])
    assert owner_for(c, RoutedStage.CUSTOMER_CONFIRMATION) is None
    event = last_assignment(c)
    sentence = event_sentence(event.kind, event.new, event.old)
    assert sentence == "“Step” waits in its queue: the complaint has no case owner."


def test_least_loaded_rule_picks_the_queue_member_with_fewest_open_tasks(
    org, agent, quality_engineer, quality_engineer_2
):
    route(RoutedStage.VERIFICATION, AssignRule.LEAST_LOADED)
    first = register(agent, org)
    first_response(agent, first)
    # quality_1 is the lower id: the tie (0 each) goes to them, and now they hold one task.
    assert open_task(first, FLOW.verification).owner == quality_engineer
    second = register(agent, org)
    first_response(agent, second)
    assert open_task(second, FLOW.verification).owner == quality_engineer_2
    event = last_assignment(second)
    assert event.new["load"] == 0
    assert event_sentence(event.kind, event.new, event.old) == (
        "“Verification” went to quality_2: fewest open tasks in the queue (0)."
    )


def test_least_loaded_with_an_empty_queue_leaves_the_task_queued(org, agent):
    route(RoutedStage.VERIFICATION, AssignRule.LEAST_LOADED)
    c = register(agent, org)
    first_response(agent, c)
    assert open_task(c, FLOW.verification).owner is None
    assert last_assignment(c).new["fallback"] == "nobody"


def test_inactive_queue_member_is_never_chosen(org, agent, quality_engineer):
    route(RoutedStage.VERIFICATION, AssignRule.LEAST_LOADED)
    standby = make_user("quality_0")
    Membership.objects.create(user=standby, department=org["quality"], role=quality_engineer.memberships.first().role)
    standby.is_active = False
    standby.save()
    c = register(agent, org)
    first_response(agent, c)
    assert open_task(c, FLOW.verification).owner == quality_engineer
