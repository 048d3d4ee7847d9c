"""The complaint process. Node and class names are stored in the database: treat them as a schema."""

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Subquery
from django.db.models.functions import JSONObject
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import STATUS, flow
from viewflow.workflow.models import Task

from complaints.choices import Outcome, RoutedStage, Stage, StepPoint
from complaints.models import (
    ActionTask,
    Appeal,
    CollaborationRequest,
    CompensationApproval,
    Complaint,
    CustomStepRun,
    Mention,
)
from complaints.rules.mentions import mention_queue
from complaints.rules.steps import WAIT, RunState, next_move
from complaints.selectors import common as selectors
from complaints.selectors.escalation import level_queue
from complaints.selectors.steps import point_next_move
from complaints.services import appeal, assignment, clocks, customer, stages, triage, urgency
from complaints.services import steps as custom_steps
from complaints.services.collaboration import contact_queue
from complaints.services.held_rows import held_rows, saves_held
from flows import lock as flow_lock
from flows import nodes, views

# How a task or complaint reads in inbox, queue and archive rows.
# Rendered where the reader is not known (viewflow's task and process briefs): the name stays masked.
TASK_SUMMARY = "{% load redress %}{{ process.reference }} · {{ process.customer_name|masked_name }}"
# A note's words keep, the phone numbers and e-mail addresses in them masked.
MENTION_SUMMARY = (
    "{% load redress %}{{ process.case.reference }} · {{ process.note.text|masked_text|truncatechars:60 }}"
)


def queue_for(step: str) -> Callable[[Any], str]:
    """Owner permission of a step: the queue of the role and department the admin routed it to."""

    def permission(activation: Any) -> str:
        return selectors.stage_queue(complaint=activation.process, stage=step)

    return permission


def owner_by_rule(step: str) -> Callable[[Any], Any]:
    """Assign hook: who gets the new task under the admin's rule for the step (None: its queue)."""

    def owner(activation: Any) -> Any:
        return assignment.task_owner_by_rule(
            complaint=activation.process,
            stage=step,
            queue=activation.task.owner_permission or "",
            step=str(activation.flow_task.task_title),
        )

    return owner


def runs(stage: str) -> Callable[[Any], bool]:
    """Gate condition: the complaint's stage profile runs this optional stage."""

    def condition(activation: Any) -> bool:
        return selectors.stage_runs(complaint=activation.process, stage=stage)

    return condition


def enter(stage: str) -> Callable[[Any], None]:
    """onCreate hook: a new task moves the complaint to its stage and starts its step clock."""

    def on_create(activation: Any) -> None:
        stages.complaint_enter_stage(complaint=activation.process, stage=stage)
        clocks.complaint_task_clocks_sync(complaint=activation.process)
        urgency.urgency_refresh(complaint_ids=[activation.process.pk])  # its step clock may govern its row

    return on_create


def ask_customer(why: str) -> Callable[[Any], None]:
    """onCreate hook: the customer gets a link to answer this step themselves (survey)."""

    def on_create(activation: Any) -> None:
        customer.customer_ask(complaint=activation.process, why=why)

    return on_create


# Custom steps: at each point the flow starts the admin's matching steps (custom_steps_start), then
# a Switch waits (a Handle the last finished step resumes), goes back where a refused gate says,
# or goes on. Each point is three nodes: steps_<point>, steps_<point>_check, steps_<point>_wait.
# A pass that started no step, kept on the process instance for the point's Switch, which follows
# in the same walk of the flow: nothing ran, so nothing need be read back (a later resume reads).
NOTHING_STARTED = "_custom_steps_nothing_started"
# The move of a point's latest pass as the pass that started its runs knows it (start_steps), or as
# its resume has read it (waiting_at_point), kept the same way for the point's Switch that follows.
MOVE_KNOWN = "_custom_steps_move_known"


def start_steps(point: str) -> Callable[[Any], None]:
    """Function body: starts the point's matching custom steps; this task's id marks the pass."""

    def run(activation: Any) -> None:
        runs = custom_steps.custom_steps_start(complaint=activation.process, point=point, batch=activation.task.pk)
        passes = activation.process.__dict__.setdefault(NOTHING_STARTED, {})
        if runs:
            passes.pop(point, None)
            # This pass is the point's latest and its runs are these, as they stand: its Switch,
            # next in this walk, need not read them back.
            activation.process.__dict__.setdefault(MOVE_KNOWN, {})[point] = next_move(
                RunState(outcome=run.outcome, gate=run.step.gate, back_to=run.step.refused_back_to) for run in runs
            )
        else:
            passes[point] = activation.task.pk

    return run


def point_pass(complaint_id: int, point: str) -> int:
    """The id of the latest pass of the point (its start task): the runs started there carry it."""
    node = getattr(ComplaintFlow, f"steps_{point}")
    return Task.objects.filter(process_id=complaint_id, flow_task=node).order_by("-pk").values_list("pk", flat=True)[0]


def at_point(point: str, move: str) -> Callable[[Any], bool]:
    """Switch case: the latest pass of the point says `move` (wait, go on, or a stage to go back to)."""

    def condition(activation: Any) -> bool:
        # The Switch asks each case in turn with the same activation: work the move out once.
        if getattr(activation, "custom_step_move", None) is None:
            known = activation.process.__dict__.get(MOVE_KNOWN, {}).pop(point, None)
            if known is not None:
                activation.custom_step_move = known  # from the pass's start or its resume (MOVE_KNOWN)
            elif activation.process.__dict__.get(NOTHING_STARTED, {}).pop(point, None) is not None:
                activation.custom_step_move = next_move([])  # this pass started no step
            else:
                complaint_id = activation.process.pk
                batch = point_pass(complaint_id, point)
                activation.custom_step_move = point_next_move(complaint_id=complaint_id, point=point, batch=batch)
        return bool(activation.custom_step_move == move)

    return condition


class ComplaintFlow(flow.Flow):
    """Customer complaint

    Intake → triage → first response → verification → containment ∥ root cause → permanent
    actions → effectiveness → customer confirmation → closed → follow-up. The optional stages
    (verification, root cause, permanent actions, effectiveness, confirmation, follow-up) run
    when the complaint's stage profile says so; the chart always shows them all.
    """

    process_class = Complaint
    process_title = _("Customer complaint")
    lock_impl = flow_lock.select_for_update_lock
    process_summary_template = TASK_SUMMARY

    start = (
        nodes.Start(views.IntakeView.as_view())
        .Annotation(title=_("Register complaint"))
        .Permission("complaints.register_complaint")
        .Next(this.triage)
    )
    triage = nodes.Function(this.run_triage).Annotation(title=_("Triage")).Next(this.steps_after_triage)
    steps_after_triage = (
        nodes.Function(start_steps(StepPoint.AFTER_TRIAGE))
        .Annotation(title=_("Custom steps after triage"))
        .Next(this.steps_after_triage_check)
    )
    steps_after_triage_check = (
        nodes.Switch()
        .Annotation(title=_("Custom steps done?"))
        .Case(this.steps_after_triage_wait, at_point(StepPoint.AFTER_TRIAGE, WAIT))
        .Default(this.first_response)
    )
    steps_after_triage_wait = (
        nodes.Handle().Annotation(title=_("Wait for the custom steps")).Next(this.steps_after_triage_check)
    )
    first_response = (
        nodes.View(views.FirstResponseView.as_view())
        .Annotation(title=_("First response"), summary_template=TASK_SUMMARY)
        .Permission(queue_for(RoutedStage.FIRST_RESPONSE))
        .Assign(owner_by_rule(RoutedStage.FIRST_RESPONSE))
        .onCreate(enter(Stage.FIRST_RESPONSE))
        .Next(this.needs_verification)
    )
    needs_verification = (
        nodes.If(runs(RoutedStage.VERIFICATION))
        .Annotation(title=_("Verification in this profile?"))
        .Then(this.verification)
        .Else(this.steps_after_verification)
    )
    verification = (
        nodes.View(views.VerificationView.as_view())
        .Annotation(title=_("Verification"), summary_template=TASK_SUMMARY)
        .Permission(queue_for(RoutedStage.VERIFICATION))
        .Assign(owner_by_rule(RoutedStage.VERIFICATION))
        .onCreate(enter(Stage.VERIFICATION))
        .Next(this.is_valid)
    )
    is_valid = (
        nodes.If(this.complaint_is_open)
        .Annotation(title=_("Valid?"))
        .Then(this.steps_after_verification)
        .Else(this.closed_without_action)
    )
    steps_after_verification = (
        nodes.Function(start_steps(StepPoint.AFTER_VERIFICATION))
        .Annotation(title=_("Custom steps after verification"))
        .Next(this.steps_after_verification_check)
    )
    steps_after_verification_check = (
        nodes.Switch()
        .Annotation(title=_("Custom steps done?"))
        .Case(this.steps_after_verification_wait, at_point(StepPoint.AFTER_VERIFICATION, WAIT))
        .Case(this.first_response, at_point(StepPoint.AFTER_VERIFICATION, "first_response"))
        .Case(this.needs_verification, at_point(StepPoint.AFTER_VERIFICATION, "verification"))
        .Default(this.analysis)
    )
    steps_after_verification_wait = (
        nodes.Handle().Annotation(title=_("Wait for the custom steps")).Next(this.steps_after_verification_check)
    )
    closed_without_action = nodes.End().Annotation(title=_("Closed: invalid or duplicate"))
    analysis = (
        nodes.Split()
        .Annotation(title=_("Contain and analyse"))
        .Next(this.containment)
        .Next(this.root_cause, case=runs(RoutedStage.ROOT_CAUSE))
    )
    containment = (
        nodes.View(views.ContainmentView.as_view())
        .Annotation(title=_("Containment"), summary_template=TASK_SUMMARY)
        .Permission(queue_for(RoutedStage.CONTAINMENT))
        .Assign(owner_by_rule(RoutedStage.CONTAINMENT))
        .onCreate(enter(Stage.CONTAINMENT))
        .Next(this.is_rework)
    )
    is_rework = (
        nodes.If(this.reworking_for_customer)
        .Annotation(title=_("Rework after the customer's answer?"))
        .Then(this.customer_confirmation)
        .Else(this.analysis_done)
    )
    root_cause = (
        nodes.View(views.RootCauseView.as_view())
        .Annotation(title=_("Root-cause analysis"), summary_template=TASK_SUMMARY)
        .Permission(queue_for(RoutedStage.ROOT_CAUSE))
        .Assign(owner_by_rule(RoutedStage.ROOT_CAUSE))
        .onCreate(enter(Stage.CONTAINMENT))
        .Next(this.analysis_done)
    )
    analysis_done = nodes.Join().Annotation(title=_("Contained and analysed")).Next(this.needs_permanent_actions)
    needs_permanent_actions = (
        nodes.If(runs(RoutedStage.PERMANENT_ACTIONS))
        .Annotation(title=_("Permanent actions in this profile?"))
        .Then(this.steps_before_permanent_actions)
        .Else(this.needs_confirmation)
    )
    steps_before_permanent_actions = (
        nodes.Function(start_steps(StepPoint.BEFORE_PERMANENT_ACTIONS))
        .Annotation(title=_("Custom steps before permanent actions"))
        .Next(this.steps_before_permanent_actions_check)
    )
    steps_before_permanent_actions_check = (
        nodes.Switch()
        .Annotation(title=_("Custom steps done?"))
        .Case(this.steps_before_permanent_actions_wait, at_point(StepPoint.BEFORE_PERMANENT_ACTIONS, WAIT))
        .Case(this.first_response, at_point(StepPoint.BEFORE_PERMANENT_ACTIONS, "first_response"))
        .Case(this.needs_verification, at_point(StepPoint.BEFORE_PERMANENT_ACTIONS, "verification"))
        .Case(this.analysis, at_point(StepPoint.BEFORE_PERMANENT_ACTIONS, "containment"))
        .Default(this.permanent_actions)
    )
    steps_before_permanent_actions_wait = (
        nodes.Handle().Annotation(title=_("Wait for the custom steps")).Next(this.steps_before_permanent_actions_check)
    )
    permanent_actions = (
        nodes.View(views.PermanentActionView.as_view())
        .Annotation(
            title=_("Permanent corrective actions"),
            summary_template=TASK_SUMMARY,
        )
        .Permission(queue_for(RoutedStage.PERMANENT_ACTIONS))
        .Assign(owner_by_rule(RoutedStage.PERMANENT_ACTIONS))
        .onCreate(enter(Stage.PERMANENT_ACTIONS))
        .Next(this.needs_effectiveness)
    )
    needs_effectiveness = (
        nodes.If(runs(RoutedStage.EFFECTIVENESS))
        .Annotation(title=_("Effectiveness check in this profile?"))
        .Then(this.effectiveness)
        .Else(this.needs_confirmation)
    )
    effectiveness = (
        nodes.View(views.EffectivenessView.as_view())
        .Annotation(
            title=_("Effectiveness verification"),
            summary_template=TASK_SUMMARY,
        )
        .Permission(queue_for(RoutedStage.EFFECTIVENESS))
        .Assign(owner_by_rule(RoutedStage.EFFECTIVENESS))
        .onCreate(enter(Stage.EFFECTIVENESS))
        .Next(this.is_effective)
    )
    is_effective = (
        nodes.If(this.actions_effective)
        .Annotation(title=_("Effective?"))
        .Then(this.needs_confirmation)
        .Else(this.permanent_actions)
    )
    needs_confirmation = (
        nodes.If(runs(RoutedStage.CUSTOMER_CONFIRMATION))
        .Annotation(title=_("Customer confirmation in this profile?"))
        .Then(this.steps_before_confirmation)
        .Else(this.steps_before_close)
    )
    steps_before_confirmation = (
        nodes.Function(start_steps(StepPoint.BEFORE_CONFIRMATION))
        .Annotation(title=_("Custom steps before customer confirmation"))
        .Next(this.steps_before_confirmation_check)
    )
    steps_before_confirmation_check = (
        nodes.Switch()
        .Annotation(title=_("Custom steps done?"))
        .Case(this.steps_before_confirmation_wait, at_point(StepPoint.BEFORE_CONFIRMATION, WAIT))
        .Case(this.first_response, at_point(StepPoint.BEFORE_CONFIRMATION, "first_response"))
        .Case(this.needs_verification, at_point(StepPoint.BEFORE_CONFIRMATION, "verification"))
        .Case(this.analysis, at_point(StepPoint.BEFORE_CONFIRMATION, "containment"))
        .Case(this.needs_permanent_actions, at_point(StepPoint.BEFORE_CONFIRMATION, "permanent_actions"))
        .Default(this.customer_confirmation)
    )
    steps_before_confirmation_wait = (
        nodes.Handle().Annotation(title=_("Wait for the custom steps")).Next(this.steps_before_confirmation_check)
    )
    customer_confirmation = (
        nodes.View(views.ConfirmationView.as_view())
        .Annotation(title=_("Customer confirmation"), summary_template=TASK_SUMMARY)
        .Permission(queue_for(RoutedStage.CUSTOMER_CONFIRMATION))
        .Assign(owner_by_rule(RoutedStage.CUSTOMER_CONFIRMATION))
        .onCreate(enter(Stage.CUSTOMER_CONFIRMATION))
        .Next(this.is_confirmed)
    )
    is_confirmed = (
        nodes.If(this.customer_confirmed)
        .Annotation(title=_("Customer satisfied?"))
        .Then(this.steps_before_close)
        .Else(this.containment)
    )
    steps_before_close = (
        nodes.Function(start_steps(StepPoint.BEFORE_CLOSE))
        .Annotation(title=_("Custom steps before close"))
        .Next(this.steps_before_close_check)
    )
    steps_before_close_check = (
        nodes.Switch()
        .Annotation(title=_("Custom steps done?"))
        .Case(this.steps_before_close_wait, at_point(StepPoint.BEFORE_CLOSE, WAIT))
        .Case(this.first_response, at_point(StepPoint.BEFORE_CLOSE, "first_response"))
        .Case(this.needs_verification, at_point(StepPoint.BEFORE_CLOSE, "verification"))
        .Case(this.analysis, at_point(StepPoint.BEFORE_CLOSE, "containment"))
        .Case(this.needs_permanent_actions, at_point(StepPoint.BEFORE_CLOSE, "permanent_actions"))
        .Case(this.needs_confirmation, at_point(StepPoint.BEFORE_CLOSE, "customer_confirmation"))
        .Default(this.close)
    )
    steps_before_close_wait = (
        nodes.Handle().Annotation(title=_("Wait for the custom steps")).Next(this.steps_before_close_check)
    )
    close = nodes.Function(this.close_complaint).Annotation(title=_("Close")).Next(this.needs_follow_up)
    needs_follow_up = (
        nodes.If(runs(RoutedStage.FOLLOW_UP))
        .Annotation(title=_("Follow-up in this profile?"))
        .Then(this.follow_up_wait)
        .Else(this.end)
    )
    follow_up_wait = nodes.Timer(this.follow_up_delay).Annotation(title=_("Wait before follow-up")).Next(this.follow_up)
    follow_up = (
        nodes.View(views.FollowUpView.as_view())
        .Annotation(title=_("Follow-up"), summary_template=TASK_SUMMARY)
        .Permission(queue_for(RoutedStage.FOLLOW_UP))
        .onCreate(ask_customer("survey"))
        .Assign(owner_by_rule(RoutedStage.FOLLOW_UP))
        .Next(this.end)
    )
    end = nodes.End().Annotation(title=_("Done"))

    # Glue: one call each into complaints; no business logic below this line.
    def run_triage(self, activation: Any) -> None:
        triage.complaint_triage(complaint=activation.process)

    def complaint_is_open(self, activation: Any) -> bool:
        return activation.process.outcome == Outcome.OPEN

    def reworking_for_customer(self, activation: Any) -> bool:
        return activation.process.rework_round > 0

    def actions_effective(self, activation: Any) -> bool:
        return selectors.permanent_actions_effective(complaint=activation.process)

    def customer_confirmed(self, activation: Any) -> bool:
        return activation.process.outcome == Outcome.RESOLVED

    def close_complaint(self, activation: Any) -> None:
        stages.complaint_close(complaint=activation.process)

    def follow_up_delay(self, activation: Any) -> datetime:
        return selectors.follow_up_due(complaint=activation.process)


def approval_queue(activation: Any) -> str:
    """The queue of the approving level's handlers for the complaint."""
    process = activation.process
    return level_queue(level=process.level, complaint=process.case)[0]


def collaboration_queue(activation: Any) -> str:
    """The queue of the asked department's contacts."""
    return contact_queue(activation.process.department)


def action_queue(activation: Any) -> str:
    """The queue of the contacts of the department the action is assigned to."""
    return contact_queue(activation.process.department)


# An action task row: the action's due date first (rows are narrow), complaint, department.
ACTION_SUMMARY = (
    "{% if process.action.due_date %}{{ process.action.due_date|date:'Y-m-d' }} · {% endif %}"
    "{{ process.case.reference }} → {{ process.department.name }}"
)


def fill_process(activation: Any, fields: dict[str, Any]) -> Any:
    """StartHandle body shared by the side-task flows: the service's field values become the process."""
    for name, value in fields.items():
        setattr(activation.process, name, value)
    return activation.process


class ApprovalFlow(flow.Flow):
    """Compensation approval

    A compensation above the complaint's level authority waits for the lowest level whose
    authority covers it; the decision is checked again against that authority.
    """

    process_class = CompensationApproval
    process_title = _("Compensation approval")
    lock_impl = flow_lock.select_for_update_lock
    process_summary_template = "{{ process.case.reference }} · ¥{{ process.amount }}"

    start = nodes.StartHandle(this.open_request).Annotation(title=_("Approval requested")).Next(this.decide)
    decide = (
        nodes.View(views.ApprovalView.as_view())
        .Annotation(
            title=_("Decide on compensation"), summary_template="{{ process.case.reference }} · ¥{{ process.amount }}"
        )
        .Permission(approval_queue)
        .Next(this.end)
    )
    end = nodes.End().Annotation(title=_("Decided"))

    # Glue
    def open_request(self, activation: Any, fields: dict[str, Any]) -> Any:
        return fill_process(activation, fields)


class CollaborationFlow(flow.Flow):
    """Collaboration request

    A question to another department with the information package; unanswered it passes to the
    department head, then the requester's superior (P0: headquarters).
    """

    process_class = CollaborationRequest
    process_title = _("Collaboration request")
    lock_impl = flow_lock.select_for_update_lock
    process_summary_template = "{{ process.case.reference }} → {{ process.department.name }}"

    start = nodes.StartHandle(this.open_request).Annotation(title=_("Request sent")).Next(this.answer)
    answer = (
        nodes.View(views.CollaborationAnswerView.as_view())
        .Annotation(
            title=_("Answer collaboration request"),
            summary_template="{{ process.case.reference }} → {{ process.department.name }}",
        )
        .Permission(collaboration_queue)
        .Next(this.end)
    )
    end = nodes.End().Annotation(title=_("Answered"))

    # Glue
    def open_request(self, activation: Any, fields: dict[str, Any]) -> Any:
        return fill_process(activation, fields)


class ActionFlow(flow.Flow):
    """Corrective action for another department

    A corrective action assigned to another department waits in that department's queue (its
    contact role), or in its named owner's inbox, with its due date until the department reports
    it done; an action verified "not effective" opens a new task.
    """

    process_class = ActionTask
    process_title = _("Corrective action")
    lock_impl = flow_lock.select_for_update_lock
    process_summary_template = ACTION_SUMMARY

    start = nodes.StartHandle(this.open_task).Annotation(title=_("Action assigned")).Next(this.report)
    report = (
        nodes.View(views.ActionDoneView.as_view())
        .Annotation(title=_("Carry out corrective action"), summary_template=ACTION_SUMMARY)
        .Permission(action_queue)
        .Assign(this.owner_if_in_queue)
        .Next(this.end)
    )
    end = nodes.End().Annotation(title=_("Reported done"))

    # Glue
    def open_task(self, activation: Any, fields: dict[str, Any]) -> Any:
        return fill_process(activation, fields)

    def owner_if_in_queue(self, activation: Any) -> Any:
        """A named owner who works in the department's queue gets the task in their inbox."""
        owner = activation.process.action.owner
        return owner if owner is not None and owner.has_perm(action_queue(activation)) else None


def office_queue(activation: Any) -> str:
    """The queue of the customer-experience office's deciding role."""
    return appeal.appeal_queue(activation.process)


APPEAL_SUMMARY = "{{ process.due_at|date:'Y-m-d H:i' }} · {{ process.case.reference }}"


class AppealFlow(flow.Flow):
    """Appeal to the customer-experience office

    The customer (or an agent for them) appeals after the top level decided or after closing; the
    independent office decides outside the escalation ladder, on its own clock, and the customer
    is told the decision.
    """

    process_class = Appeal
    process_title = _("Appeal")
    lock_impl = flow_lock.select_for_update_lock
    process_summary_template = APPEAL_SUMMARY

    start = nodes.StartHandle(this.open_appeal).Annotation(title=_("Appealed")).Next(this.decide)
    decide = (
        nodes.View(views.AppealDecisionView.as_view())
        .Annotation(title=_("Decide on the appeal"), summary_template=APPEAL_SUMMARY)
        .Permission(office_queue)
        .Next(this.end)
    )
    end = nodes.End().Annotation(title=_("Appeal decided"))

    # Glue
    def open_appeal(self, activation: Any, fields: dict[str, Any]) -> Any:
        return fill_process(activation, fields)


def mentioned_colleague(activation: Any) -> Any:
    """The colleague the note names: the task goes straight to their inbox."""
    return activation.process.mentioned


def mentioned_colleagues_queue(activation: Any) -> str:
    """Released, the task waits in the mentioned colleague's own queue, not everybody's."""
    return mention_queue(activation.process.mentioned_id)


class MentionFlow(flow.Flow):
    """Mention in a note

    A colleague named with @ in an internal note reads it from their own inbox, with a link to
    the complaint; marking it read ends the process.
    """

    process_class = Mention
    process_title = _("Mention in a note")
    lock_impl = flow_lock.select_for_update_lock
    process_summary_template = "{{ process.case.reference }} · @{{ process.mentioned.username }}"

    start = nodes.StartHandle(this.open_request).Annotation(title=_("Mentioned")).Next(this.read)
    read = (
        nodes.View(views.MentionReadView.as_view())
        .Annotation(
            title=_("Read the note"),
            summary_template=MENTION_SUMMARY,
        )
        .Permission(mentioned_colleagues_queue)
        .Assign(mentioned_colleague)
        .Next(this.end)
    )
    end = nodes.End().Annotation(title=_("Read"))

    # Glue
    def open_request(self, activation: Any, fields: dict[str, Any]) -> Any:
        return fill_process(activation, fields)


def run_queue(activation: Any) -> str:
    """The queue of the custom step's role in its department (fixed, or the complaint's)."""
    return str(activation.process.queue)


def run_owner(activation: Any) -> Any:
    """Who gets the step's task under its assignment rule (None: its queue)."""
    return custom_steps.custom_step_owner(run=activation.process)


def run_clock(activation: Any) -> None:
    """onCreate hook: the step's clock starts with its task."""
    custom_steps.custom_step_clock_sync(run=activation.process)


RUN_SUMMARY = "{{ process.case.reference }} · {{ process.step }}"


class CustomStepFlow(flow.Flow):
    """Custom step

    A step the admin added at a point of the complaint process (a legal review, a PR sign-off, a
    supplier's answer): its form in its role's queue, with its clock; the last step of the point to
    finish (or a refused gate) lets the complaint's process move on.
    """

    process_class = CustomStepRun
    process_title = _("Custom step")
    lock_impl = flow_lock.select_for_update_lock
    process_summary_template = RUN_SUMMARY
    page_related = ("case", "step", "form_version")  # read with the task by its pages (flows.task_pages)

    start = nodes.StartHandle(this.open_run).Annotation(title=_("Custom step started")).Next(this.do)
    do = (
        nodes.View(views.CustomStepView.as_view())
        .Annotation(title=_("Do the custom step"), summary_template=RUN_SUMMARY)
        .Permission(run_queue)
        .Assign(run_owner)
        .onCreate(run_clock)
        .Next(this.resume)
    )
    resume = nodes.Function(this.resume_case).Annotation(title=_("Let the complaint move on")).Next(this.end)
    end = nodes.End().Annotation(title=_("Done"))

    # Glue
    def open_run(self, activation: Any, fields: dict[str, Any]) -> Any:
        return fill_process(activation, fields)

    def resume_case(self, activation: Any) -> None:
        """The complaint's process waiting at the point moves on once its pass needs no more waiting."""
        run = activation.process
        # Two steps of one point finishing at once: the complaint's row is the turnstile, so the
        # second one reads the first one's outcome and exactly one of them resumes the complaint.
        # It is the row viewflow's lock of the complaint's flow takes: the Handle below runs under it,
        # and the complaint's new tasks take the ids its statement draws.
        with flow_lock.process_locked(Complaint, run.case_id):
            node = getattr(ComplaintFlow, f"steps_{run.point}_wait")
            waiting, move = waiting_at_point(run, node)
            if waiting is not None and move != WAIT:
                node.run_locked(saves_held(waiting))


# Every flow of Redress: the complaint's own and its side flows (the API's task lists, the admin's
# flow filters). The workspace's menus list them with their icons (config/urls.py).
FLOWS = (ComplaintFlow, ApprovalFlow, CollaborationFlow, ActionFlow, MentionFlow, CustomStepFlow, AppealFlow)


def waiting_at_point(run: CustomStepRun, node: Any) -> tuple[Any, str]:
    """The complaint's task waiting at the run's point (with its process and complaint), if any, and
    the move of the run's pass. Inside a transition holding its rows (PostgreSQL) one query, which
    also says whether the run's pass is the point's latest: then the point's Switch, next in the
    same walk, takes the move from the complaint object (`at_point`) instead of reading it again.
    The read does not write the held rows first when none of them is the complaint's (the
    transition's are the run's own tasks and its recorded outcome, which is taken as held)."""
    tasks = Task.objects.filter(process_id=run.case_id, flow_task=node, status=STATUS.NEW).select_related(
        "process__complaint"
    )
    held = held_rows()
    if held is None:
        waiting = tasks.first()
        return waiting, WAIT if waiting is None else point_next_move(
            complaint_id=run.case_id, point=run.point, batch=run.batch
        )
    pass_node = getattr(ComplaintFlow, f"steps_{run.point}")
    latest = Task.objects.filter(process_id=run.case_id, flow_task=pass_node).order_by("-pk").values("pk")[:1]
    # The run's recorded outcome, where its save is held (custom_step_record): as held, not read.
    recorded = held.updates.get((CustomStepRun, run.pk), {}).get("outcome")
    rows = CustomStepRun.objects.filter(case_id=run.case_id, point=run.point, batch=run.batch)
    if recorded is not None:
        rows = rows.exclude(pk=run.pk)
    rows = rows.values(row=JSONObject(outcome="outcome", gate="step__gate", back_to="step__refused_back_to"))
    tasks = tasks.annotate(latest_pass=Subquery(latest), pass_runs=ArraySubquery(rows.order_by()))
    apart = all(key == (CustomStepRun, run.pk) or key[0] is Task for key in held.updates) and not any(
        task.process_id == run.case_id for task in held.unwritten_tasks().values()
    )
    with held.unwatched() if apart else nullcontext():
        waiting = tasks.first()
    if waiting is None:
        return None, WAIT
    states = [RunState(**row) for row in waiting.pass_runs]
    if recorded is not None:
        states.append(RunState(outcome=recorded, gate=run.step.gate, back_to=run.step.refused_back_to))
    move = next_move(states)
    if waiting.latest_pass == run.batch:
        waiting.process.complaint.__dict__.setdefault(MOVE_KNOWN, {})[run.point] = move
    return waiting, move
