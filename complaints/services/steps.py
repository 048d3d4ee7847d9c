"""Writes of the custom steps: starting the matching steps at a point of the process, recording a
step's answer (done, or refused for a gate), and its clock."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow import PROCESS, STATUS
from viewflow.workflow.models import Process, Task

from complaints.choices import EventKind, StepRunStatus
from complaints.models import Clock, Complaint, CustomStep, CustomStepRun
from complaints.rules.business_time import Unit, deadline, warning_time
from complaints.rules.routing import UNROUTED_QUEUE, queue_permission
from complaints.selectors.escalation import acting_task
from complaints.selectors.once import config_row
from complaints.selectors.routing import level_clock, levels_by_id
from complaints.selectors.steps import (
    run_form,
    step_facts,
    step_form_version_id,
    step_limit,
    step_points,
    steps_for,
    tests_answers,
)
from complaints.services.assignment import holds_queue, owner_by_rule
from complaints.services.clocks import _replace
from complaints.services.errors import Refused, is_system
from complaints.services.events import event_record
from complaints.services.held_rows import held_rows, is_created_here, is_read_under_lock
from complaints.services.intake_forms import answers_store
from complaints.services.open_work import open_work_refresh
from complaints.services.transitions import transition
from complaints.services.work import side_task_start

WAITING = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


class StepRefused(Refused):
    """The custom step cannot be recorded (already done, or the actor may not do it)."""


def step_queue(*, step: CustomStep, complaint: Complaint) -> str:
    """Returns the queue a step's task waits in: its role in its fixed department, or in the
    complaint's department."""
    department = step.department or complaint.department
    if department is None:
        return UNROUTED_QUEUE
    return queue_permission(department_code=department.code, role_code=step.role.code)


def custom_steps_start(*, complaint: Complaint, point: str, batch: int) -> list[CustomStepRun]:
    """Starts every active custom step of `point` whose condition holds for the complaint, each as
    its own process with its task in the step's queue (or its owner's inbox), asking the step's
    form version in use. `batch` tells the passes of the point apart. Returns the runs started."""
    runs: list[CustomStepRun] = []
    if point not in step_points():
        return runs  # a point without steps: the facts are not even gathered
    # The complaint's answers are read only when a condition here tests one (`form.<key>`).
    facts = step_facts(complaint=complaint, answers=None if tests_answers(point) else {})
    for step in steps_for(facts=facts, point=point):
        run = side_task_start(
            kind="custom_step",
            fields={
                "case": complaint,
                "step": step,
                "point": point,
                "batch": batch,
                "form_version_id": step_form_version_id(step),
                "queue": step_queue(step=step, complaint=complaint),
            },
        )
        event_record(
            complaint=complaint,
            kind=EventKind.CUSTOM_STEP_STARTED,
            new={"step": step.code, "name": step.name_en, "name_zh": step.name_zh_hans, "point": point},
        )
        runs.append(run)
    return runs


def custom_step_owner(*, run: CustomStepRun) -> Any | None:
    """Returns who gets the run's task under the step's assignment rule (None: its queue)."""
    return owner_by_rule(
        complaint=run.case, rule=run.step.assign_to, after=run.step.assign_after, queue=run.queue, step=run.step.code
    )


def custom_step_clock_sync(*, run: CustomStepRun, now: datetime | None = None) -> Clock | None:
    """The run's clock: while the run is open and the step has a limit for the complaint's
    priority, due that long after the task was created in the level's time, warned at the level's
    percentage; a finished run has none. Returns the running clock, if any."""
    now = now or timezone.now()
    complaint = run.case
    level = config_row(complaint, "level", levels_by_id)
    priority_id = complaint.priority_id
    limit = (
        step_limit(step_id=run.step_id, priority_id=priority_id)
        if priority_id is not None and level is not None and run.outcome == StepRunStatus.OPEN
        else None
    )
    due = warn = None
    if limit is not None and level is not None:
        calendar = level_clock(level)
        start = run.created
        due = deadline(start=start, amount=limit.amount, unit=Unit(limit.unit), calendar=calendar)
        warn = warning_time(start=start, due=due, percent=level.warning_percent, calendar=calendar)
    if due is None and is_created_here(run):
        return None  # a run this transition started has no clock to stop
    return _replace(complaint=complaint, kind=Clock.Kind.CUSTOM_STEP, subject=run.pk, due=due, warn=warn, now=now)


def may_do(*, user: Any, run: CustomStepRun, task: Task | None) -> bool:
    """Rule: the task's holder, or (queued) anyone holding the step's queue, may record it."""
    if is_system(user):
        return True
    if task is not None and task.owner_id is not None:
        return bool(task.owner_id == user.pk)
    return holds_queue(user=user, queue=run.queue)


@transition
def custom_step_record(
    *,
    run: CustomStepRun,
    actor: Any,
    answers: Mapping[str, Any],
    refuse: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> CustomStepRun:
    """Records a custom step: its answers against the form version the task asked, done, or
    refused when the step is a gate (the other open runs of the same pass are cancelled: the case
    goes back). Checks the actor may do it; raises StepRefused otherwise or when the step is no
    longer open (someone else recorded it, or a gate sent the case back). Returns the run."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        if not is_read_under_lock(run):  # (a step page's run was read under its flow's lock already)
            run = CustomStepRun.objects.select_for_update().select_related("step", "case").get(pk=run.pk)
        acting = acting_task()  # the page's task, being executed
        if acting is not None and acting.process_id == run.pk and acting.status in WAITING:
            task = acting
        else:
            task = Task.objects.filter(process_id=run.pk, status__in=WAITING).first()
        if run.outcome != StepRunStatus.OPEN:
            raise StepRefused(_("This step is no longer open: it was recorded or cancelled meanwhile."))
        if not may_do(user=actor, run=run, task=task):
            raise StepRefused(_("You may not do this step: it is in another person's or department's queue."))
        if refuse and not run.step.gate:
            raise StepRefused(_("Only a gate can be refused."))
        if refuse and not note.strip():
            raise StepRefused(_("Say why the step is refused: the case goes back."))
        answers_store(complaint=run.case, form=run_form(run), answers=answers, actor=actor, run=run)
        run.outcome = StepRunStatus.REFUSED if refuse else StepRunStatus.DONE
        run.note, run.done_by, run.done_at = note, actor if not is_system(actor) else None, now
        recorded = ["outcome", "note", "done_by", "done_at"]
        held = held_rows()  # inside a transition: written with its other rows (the resume reads it as it stands)
        if held is None or not held.hold_update(run, recorded):
            run.save(update_fields=recorded)
        cancelled = _cancel_others(run=run, now=now) if refuse else 0
        custom_step_clock_sync(run=run, now=now)
        event_record(
            complaint=run.case,
            kind=EventKind.CUSTOM_STEP_DONE,
            actor=actor,
            new={
                "step": run.step.code,
                "name": run.step.name_en,
                "name_zh": run.step.name_zh_hans,
                "outcome": run.outcome,
                "back_to": run.step.refused_back_to if refuse else "",
                "cancelled": cancelled,
            },
            note=note,
        )
    return run


def _cancel_others(*, run: CustomStepRun, now: datetime) -> int:
    """A refused gate ends its pass: the other open runs are cancelled with their tasks and clocks."""
    others = list(
        CustomStepRun.objects.select_for_update()
        .filter(case_id=run.case_id, point=run.point, batch=run.batch, outcome=StepRunStatus.OPEN)
        .exclude(pk=run.pk)
    )
    for other in others:
        other.outcome = StepRunStatus.CANCELED
        other.save(update_fields=["outcome"])
        Task.objects.filter(process_id=other.pk, status__in=WAITING).update(status=STATUS.CANCELED, finished=now)
        Process.objects.filter(pk=other.pk).update(status=PROCESS.CANCELED, finished=now)
        custom_step_clock_sync(run=other, now=now)
    if others:
        open_work_refresh(run.case_id)
    return len(others)
