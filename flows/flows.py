"""The complaint process. Node and class names are stored in the database: treat them as a schema."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from complaints.choices import Outcome, RoutedStage, Stage
from complaints.models import ActionTask, CollaborationRequest, CompensationApproval, Complaint, Mention
from complaints.rules.mentions import mention_queue
from complaints.selectors import common as selectors
from complaints.selectors.escalation import level_queue
from complaints.services import assignment, clocks, customer, stages, triage, urgency
from complaints.services.collaboration import contact_queue
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


class ComplaintFlow(flow.Flow):
    """Customer complaint

    Intake → triage → first response → verification → containment ∥ root cause → permanent
    actions → effectiveness → customer confirmation → closed → follow-up. The optional stages
    (verification, root cause, permanent actions, effectiveness, confirmation, follow-up) run
    when the complaint's stage profile says so; the chart always shows them all.
    """

    process_class = Complaint
    process_title = _("Customer complaint")
    lock_impl = lock.select_for_update_lock
    process_summary_template = TASK_SUMMARY

    start = (
        flow.Start(views.IntakeView.as_view())
        .Annotation(title=_("Register complaint"))
        .Permission("complaints.register_complaint")
        .Next(this.triage)
    )
    triage = flow.Function(this.run_triage).Annotation(title=_("Triage")).Next(this.first_response)
    first_response = (
        nodes.View(views.FirstResponseView.as_view())
        .Annotation(title=_("First response"), summary_template=TASK_SUMMARY)
        .Permission(queue_for(RoutedStage.FIRST_RESPONSE))
        .Assign(owner_by_rule(RoutedStage.FIRST_RESPONSE))
        .onCreate(enter(Stage.FIRST_RESPONSE))
        .Next(this.needs_verification)
    )
    needs_verification = (
        flow.If(runs(RoutedStage.VERIFICATION))
        .Annotation(title=_("Verification in this profile?"))
        .Then(this.verification)
        .Else(this.analysis)
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
        flow.If(this.complaint_is_open)
        .Annotation(title=_("Valid?"))
        .Then(this.analysis)
        .Else(this.closed_without_action)
    )
    closed_without_action = flow.End().Annotation(title=_("Closed: invalid or duplicate"))
    analysis = (
        flow.Split()
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
        flow.If(this.reworking_for_customer)
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
    analysis_done = flow.Join().Annotation(title=_("Contained and analysed")).Next(this.needs_permanent_actions)
    needs_permanent_actions = (
        flow.If(runs(RoutedStage.PERMANENT_ACTIONS))
        .Annotation(title=_("Permanent actions in this profile?"))
        .Then(this.permanent_actions)
        .Else(this.needs_confirmation)
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
        flow.If(runs(RoutedStage.EFFECTIVENESS))
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
        flow.If(this.actions_effective)
        .Annotation(title=_("Effective?"))
        .Then(this.needs_confirmation)
        .Else(this.permanent_actions)
    )
    needs_confirmation = (
        flow.If(runs(RoutedStage.CUSTOMER_CONFIRMATION))
        .Annotation(title=_("Customer confirmation in this profile?"))
        .Then(this.customer_confirmation)
        .Else(this.close)
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
        flow.If(this.customer_confirmed)
        .Annotation(title=_("Customer satisfied?"))
        .Then(this.close)
        .Else(this.containment)
    )
    close = flow.Function(this.close_complaint).Annotation(title=_("Close")).Next(this.needs_follow_up)
    needs_follow_up = (
        flow.If(runs(RoutedStage.FOLLOW_UP))
        .Annotation(title=_("Follow-up in this profile?"))
        .Then(this.follow_up_wait)
        .Else(this.end)
    )
    follow_up_wait = flow.Timer(this.follow_up_delay).Annotation(title=_("Wait before follow-up")).Next(this.follow_up)
    follow_up = (
        nodes.View(views.FollowUpView.as_view())
        .Annotation(title=_("Follow-up"), summary_template=TASK_SUMMARY)
        .Permission(queue_for(RoutedStage.FOLLOW_UP))
        .onCreate(ask_customer("survey"))
        .Assign(owner_by_rule(RoutedStage.FOLLOW_UP))
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Done"))

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
    lock_impl = lock.select_for_update_lock
    process_summary_template = "{{ process.case.reference }} · ¥{{ process.amount }}"

    start = flow.StartHandle(this.open_request).Annotation(title=_("Approval requested")).Next(this.decide)
    decide = (
        nodes.View(views.ApprovalView.as_view())
        .Annotation(
            title=_("Decide on compensation"), summary_template="{{ process.case.reference }} · ¥{{ process.amount }}"
        )
        .Permission(approval_queue)
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Decided"))

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
    lock_impl = lock.select_for_update_lock
    process_summary_template = "{{ process.case.reference }} → {{ process.department.name }}"

    start = flow.StartHandle(this.open_request).Annotation(title=_("Request sent")).Next(this.answer)
    answer = (
        nodes.View(views.CollaborationAnswerView.as_view())
        .Annotation(
            title=_("Answer collaboration request"),
            summary_template="{{ process.case.reference }} → {{ process.department.name }}",
        )
        .Permission(collaboration_queue)
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Answered"))

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
    lock_impl = lock.select_for_update_lock
    process_summary_template = ACTION_SUMMARY

    start = flow.StartHandle(this.open_task).Annotation(title=_("Action assigned")).Next(this.report)
    report = (
        nodes.View(views.ActionDoneView.as_view())
        .Annotation(title=_("Carry out corrective action"), summary_template=ACTION_SUMMARY)
        .Permission(action_queue)
        .Assign(this.owner_if_in_queue)
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Reported done"))

    # Glue
    def open_task(self, activation: Any, fields: dict[str, Any]) -> Any:
        return fill_process(activation, fields)

    def owner_if_in_queue(self, activation: Any) -> Any:
        """A named owner who works in the department's queue gets the task in their inbox."""
        owner = activation.process.action.owner
        return owner if owner is not None and owner.has_perm(action_queue(activation)) else None


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
    lock_impl = lock.select_for_update_lock
    process_summary_template = "{{ process.case.reference }} · @{{ process.mentioned.username }}"

    start = flow.StartHandle(this.open_request).Annotation(title=_("Mentioned")).Next(this.read)
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
    end = flow.End().Annotation(title=_("Read"))

    # Glue
    def open_request(self, activation: Any, fields: dict[str, Any]) -> Any:
        return fill_process(activation, fields)
