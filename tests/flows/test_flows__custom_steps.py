"""Admin-defined custom steps in the running process: a step added through the admin runs on the
next matching complaint, the process waits at its point until every step there is done, a refused
gate sends the case back, each step has its clock, and processes that reached the point without
steps move straight on."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.choices import EventKind, FieldKind, StepRunStatus
from complaints.models import (
    Clock,
    ComplaintEvent,
    CustomStep,
    CustomStepLimit,
    CustomStepRun,
    Department,
    FormField,
    Priority,
    Role,
)
from complaints.services.clocks import clocks_sweep
from complaints.services.intake_forms import form_draft, form_publish
from complaints.services.steps import StepRefused, custom_step_record
from flows.flows import CustomStepFlow
from tests.complaints.test_admin__config import add_inline_row, admin_form_data
from tests.conftest import FLOW, open_task, task_url
from tests.flows.test_flows__journey import as_user, first_response, register, verify

PAGE_BUDGET = 42  # 36 measured on the demo data


@pytest.fixture
def superuser_client(db: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser(username="steps_admin", password="x"))
    return client


def make_step(code: str = "legal", **fields: Any) -> CustomStep:
    """A step for the quality department's engineers (the complaint's own department has none)."""
    values = {
        "department": Department.objects.get(code="quality"),
        "name_zh_hans": "法务审核",
        "name_en": "Legal review",
        "point": "after_verification",
        "role": Role.objects.get(code="quality_engineer"),
        **fields,
    }
    return CustomStep.objects.create(code=code, **values)


def with_form(step: CustomStep) -> None:
    """The step asks one required yes/no question (version 1, published)."""
    draft = form_draft(step=step)
    FormField.objects.create(
        version=draft, key=f"{step.code}_ok", kind=FieldKind.YES_NO, label_en="Legally fine?", required=True
    )
    form_publish(version=draft)


def run_task(run: CustomStepRun) -> Task:
    return Task.objects.get(process_id=run.pk, flow_task=CustomStepFlow.do, finished__isnull=True)


def do_step(user: Any, run: CustomStepRun, data: dict[str, Any]) -> Any:
    client = as_user(user)
    task = run_task(run)
    if task.status == STATUS.NEW:
        assert client.post(task_url(task, "assign")).status_code == 302
    return client.post(task_url(task, "execute"), data)


def at_verification(agent: Any, org: dict[str, Any]) -> Any:
    c = register(agent, org)
    first_response(agent, c)
    return c


def test_a_step_added_in_the_admin_runs_on_the_next_matching_complaint_and_blocks_until_done(
    org: dict[str, Any], agent: Any, quality_engineer: Any, superuser_client: Client
) -> None:
    add = superuser_client.get(reverse("admin:complaints_customstep_add"))
    assert add.status_code == 200
    data = admin_form_data(add)
    data.update(
        code="legal",
        name_zh_hans="法务审核",
        name_en="Legal review",
        point="after_verification",
        position="0",
        match="all",
        role=str(Role.objects.get(code="quality_engineer").pk),
        department=str(org["quality"].pk),
        assign_to="queue",
    )
    add_inline_row(data, "conditions", field="priority", operator="eq", value="P2")
    response = superuser_client.post(reverse("admin:complaints_customstep_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    step = CustomStep.objects.get(code="legal")
    assert [str(c) for c in step.conditions.all()] == ["priority equals P2"]
    with_form(step)

    c = at_verification(agent, org)
    verify(quality_engineer, c)
    run = CustomStepRun.objects.get(case=c)
    assert run.step == step and run.outcome == StepRunStatus.OPEN and run.point == "after_verification"
    assert run_task(run).owner_permission == "complaints.queue__quality__quality_engineer"
    # the process waits: no containment yet
    assert not Task.objects.filter(process_id=c.pk, flow_task=FLOW.containment).exists()
    assert Task.objects.get(process_id=c.pk, flow_task=FLOW.steps_after_verification_wait).status == STATUS.NEW

    # a required question left empty: refused on the page, nothing changes
    refused = do_step(quality_engineer, run, {"note": ""})
    assert refused.status_code == 200
    run.refresh_from_db()
    assert run.outcome == StepRunStatus.OPEN

    done = do_step(quality_engineer, run, {"answer_legal_ok": "yes", "note": "Contract checked."})
    assert done.status_code == 302, done.content.decode()[:3000]
    run.refresh_from_db()
    assert run.outcome == StepRunStatus.DONE and run.done_by == quality_engineer
    assert [(a.key, a.value) for a in run.answers.all()] == [("legal_ok", "yes")]
    assert open_task(c, FLOW.containment) is not None
    kinds = list(ComplaintEvent.objects.filter(complaint=c).values_list("kind", flat=True))
    assert EventKind.CUSTOM_STEP_STARTED in kinds and EventKind.CUSTOM_STEP_DONE in kinds


def test_a_step_whose_condition_does_not_hold_does_not_run(
    org: dict[str, Any], agent: Any, quality_engineer: Any
) -> None:
    step = make_step()
    step.conditions.create(field="priority", operator="eq", value="P0")
    c = at_verification(agent, org)
    verify(quality_engineer, c)
    assert not CustomStepRun.objects.filter(case=c).exists()
    assert open_task(c, FLOW.containment) is not None


def test_two_steps_at_one_point_run_in_parallel_and_the_process_waits_for_both(
    org: dict[str, Any], agent: Any, quality_engineer: Any
) -> None:
    make_step("legal")
    make_step("pr", name_en="PR sign-off", name_zh_hans="公关签字")
    c = at_verification(agent, org)
    verify(quality_engineer, c)
    legal, pr = CustomStepRun.objects.filter(case=c).order_by("step__code")
    assert legal.batch == pr.batch
    assert do_step(quality_engineer, legal, {"note": "ok"}).status_code == 302
    assert not Task.objects.filter(process_id=c.pk, flow_task=FLOW.containment).exists()
    assert do_step(quality_engineer, pr, {"note": "ok"}).status_code == 302
    assert open_task(c, FLOW.containment) is not None


def test_a_refused_gate_sends_the_case_back_and_cancels_the_other_steps(
    org: dict[str, Any], agent: Any, quality_engineer: Any
) -> None:
    make_step("legal", gate=True, refused_back_to="first_response")
    make_step("pr", name_en="PR sign-off")
    c = at_verification(agent, org)
    verify(quality_engineer, c)
    legal = CustomStepRun.objects.get(case=c, step__code="legal")
    pr = CustomStepRun.objects.get(case=c, step__code="pr")
    # refusing needs a reason
    assert do_step(quality_engineer, legal, {"refuse": "on", "note": ""}).status_code == 200
    response = do_step(quality_engineer, legal, {"refuse": "on", "note": "The letter promises too much."})
    assert response.status_code == 302, response.content.decode()[:3000]
    legal.refresh_from_db()
    pr.refresh_from_db()
    assert legal.outcome == StepRunStatus.REFUSED and pr.outcome == StepRunStatus.CANCELED
    assert not Task.objects.filter(process_id=pr.pk, status__in=(STATUS.NEW, STATUS.ASSIGNED)).exists()
    assert open_task(c, FLOW.first_response) is not None  # back
    # the second pass starts fresh runs of the steps
    first_response(agent, c)
    verify(quality_engineer, c)
    assert CustomStepRun.objects.filter(case=c, outcome=StepRunStatus.OPEN).count() == 2


def test_a_gate_must_name_a_stage_before_its_point() -> None:
    from django.core.exceptions import ValidationError

    step = CustomStep(code="x", name_en="X", point="after_verification", gate=True, refused_back_to="containment")
    with pytest.raises(ValidationError) as error:
        step.clean()
    assert "refused_back_to" in error.value.message_dict
    with pytest.raises(ValidationError):
        CustomStep(code="y", name_en="Y", point="after_triage", gate=True).clean()


def test_a_step_has_its_clock_warned_and_breached_by_the_sweep(
    org: dict[str, Any], agent: Any, quality_engineer: Any
) -> None:
    step = make_step()
    CustomStepLimit.objects.create(step=step, priority=Priority.objects.get(code="P2"), amount=2, unit="hours")
    c = at_verification(agent, org)
    verify(quality_engineer, c)
    run = CustomStepRun.objects.get(case=c)
    clock = Clock.objects.get(complaint=c, kind=Clock.Kind.CUSTOM_STEP, subject=run.pk)
    assert clock.state == Clock.State.RUNNING and clock.warn_at is not None and clock.warn_at < clock.due_at
    with time_machine.travel(clock.due_at + timedelta(minutes=1)):
        fired = clocks_sweep(now=timezone.now())
    assert fired["warned"] >= 1 and fired["breached"] >= 1
    clock.refresh_from_db()
    assert clock.warned_at is not None and clock.breached_at is not None
    breached = ComplaintEvent.objects.filter(complaint=c, kind=EventKind.DEADLINE_BREACHED, new__clock="custom_step")
    assert breached.exists()
    # done: the clock stops
    assert do_step(quality_engineer, run, {"note": "late but done"}).status_code == 302
    clock.refresh_from_db()
    assert clock.state == Clock.State.STOPPED


def test_a_changed_form_applies_to_new_tasks_only(org: dict[str, Any], agent: Any, quality_engineer: Any) -> None:
    step = make_step()
    with_form(step)
    c = at_verification(agent, org)
    verify(quality_engineer, c)
    run = CustomStepRun.objects.get(case=c)
    first = run.form_version
    draft = form_draft(step=step)
    FormField.objects.create(version=draft, key="legal_memo", kind=FieldKind.SHORT_TEXT, label_en="Memo", required=True)
    form_publish(version=draft)
    run.refresh_from_db()
    assert run.form_version == first  # the open task keeps the version it started with
    assert do_step(quality_engineer, run, {"answer_legal_ok": "no", "note": ""}).status_code == 302


def test_a_process_that_reached_the_point_before_custom_steps_existed_moves_on(
    org: dict[str, Any], agent: Any, quality_engineer: Any
) -> None:
    c = at_verification(agent, org)
    # The old shape: triage led straight to the first response. Rewire the stored tasks as an
    # old process has them (no custom-step nodes before the first response).
    old = Task.objects.filter(process_id=c.pk, flow_task__in=[FLOW.steps_after_triage, FLOW.steps_after_triage_check])
    first = Task.objects.get(process_id=c.pk, flow_task=FLOW.first_response)
    first.previous.set(Task.objects.filter(process_id=c.pk, flow_task=FLOW.triage))
    old.delete()
    make_step(active=False)  # an inactive step does not run
    verify(quality_engineer, c)
    assert open_task(c, FLOW.containment) is not None
    assert not CustomStepRun.objects.filter(case=c).exists()


def test_only_the_steps_queue_may_do_it_and_its_page_costs_a_bounded_number_of_queries(
    org: dict[str, Any], agent: Any, quality_engineer: Any, django_assert_max_num_queries: Any
) -> None:
    with_form(make_step())
    c = at_verification(agent, org)
    verify(quality_engineer, c)
    run = CustomStepRun.objects.get(case=c)
    # The store's agent does not hold the quality engineers' queue: refused by the page and the service.
    assert as_user(agent).post(task_url(run_task(run), "assign")).status_code == 403
    with pytest.raises(StepRefused):
        custom_step_record(run=run, actor=agent, answers={})
    run.refresh_from_db()
    assert run.outcome == StepRunStatus.OPEN
    client = as_user(quality_engineer)
    task = run_task(run)
    assert client.post(task_url(task, "assign")).status_code == 302
    # PAGE_BUDGET: the shell (session, menu counts, notifications), the task and its run, the
    # complaint and its information package, the form version's questions.
    with django_assert_max_num_queries(PAGE_BUDGET):
        page = client.get(task_url(task, "execute"))
    assert page.status_code == 200
    assert "Legally fine?" in page.content.decode()
