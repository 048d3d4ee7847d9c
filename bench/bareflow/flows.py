"""Bare viewflow 2.4 with the shape of Redress's complaint process (flows/flows.py): the same eight
human steps, claimed where Redress's preset queues them (verification, containment) and assigned
where it assigns them (to the registering agent, or to whoever did the earlier step), the same
gateways on the path a complaint takes (every If, the custom-step Function + Switch at each point,
the containment ∥ root-cause Split and Join), the close Function and the follow-up Timer. Each step
is viewflow's own UpdateProcessView writing one field; the gateways' conditions read the process
row. select_for_update locking, as Redress has."""

from datetime import timedelta
from typing import Any

from viewflow import this
from viewflow.workflow import act, flow, lock
from viewflow.workflow.flow.views import CreateProcessView, UpdateProcessView

from bench.bareflow.models import BareComplaint


def always(activation: Any) -> bool:
    return True


def never(activation: Any) -> bool:
    return False


def step(*fields: str) -> Any:
    return flow.View(UpdateProcessView.as_view(fields=list(fields))).Permission(auto_create=True)


class BareFlow(flow.Flow):
    """Bare complaint"""

    process_class = BareComplaint
    lock_impl = lock.select_for_update_lock

    start = (
        flow.Start(CreateProcessView.as_view(fields=["customer_name", "description"]))
        .Permission(auto_create=True)
        .Next(this.triage)
    )
    triage = flow.Function(this.noop).Next(this.steps_after_triage)
    steps_after_triage = flow.Function(this.noop).Next(this.steps_after_triage_check)
    steps_after_triage_check = flow.Switch().Case(this.steps_after_triage_wait, never).Default(this.first_response)
    steps_after_triage_wait = flow.Handle().Next(this.steps_after_triage_check)
    first_response = step("response").Assign(this.start.owner).Next(this.needs_verification)
    needs_verification = flow.If(always).Then(this.verification).Else(this.steps_after_verification)
    verification = step("valid").Next(this.is_valid)  # queued: claimed
    is_valid = flow.If(act.process.valid).Then(this.steps_after_verification).Else(this.closed_without_action)
    steps_after_verification = flow.Function(this.noop).Next(this.steps_after_verification_check)
    steps_after_verification_check = (
        flow.Switch().Case(this.steps_after_verification_wait, never).Default(this.analysis)
    )
    steps_after_verification_wait = flow.Handle().Next(this.steps_after_verification_check)
    closed_without_action = flow.End()
    analysis = flow.Split().Next(this.containment).Next(this.root_cause, case=always)
    containment = step("containment").Next(this.is_rework)  # queued: claimed
    is_rework = flow.If(never).Then(this.customer_confirmation).Else(this.analysis_done)
    root_cause = step("cause").Assign(this.verification.owner).Next(this.analysis_done)
    analysis_done = flow.Join().Next(this.needs_permanent_actions)
    needs_permanent_actions = flow.If(always).Then(this.steps_before_permanent_actions).Else(this.needs_confirmation)
    steps_before_permanent_actions = flow.Function(this.noop).Next(this.steps_before_permanent_actions_check)
    steps_before_permanent_actions_check = (
        flow.Switch().Case(this.steps_before_permanent_actions_wait, never).Default(this.permanent_actions)
    )
    steps_before_permanent_actions_wait = flow.Handle().Next(this.steps_before_permanent_actions_check)
    permanent_actions = step("actions").Assign(this.root_cause.owner).Next(this.needs_effectiveness)
    needs_effectiveness = flow.If(always).Then(this.effectiveness).Else(this.needs_confirmation)
    effectiveness = step("effective").Assign(this.permanent_actions.owner).Next(this.is_effective)
    is_effective = flow.If(act.process.effective).Then(this.needs_confirmation).Else(this.permanent_actions)
    needs_confirmation = flow.If(always).Then(this.steps_before_confirmation).Else(this.steps_before_close)
    steps_before_confirmation = flow.Function(this.noop).Next(this.steps_before_confirmation_check)
    steps_before_confirmation_check = (
        flow.Switch().Case(this.steps_before_confirmation_wait, never).Default(this.customer_confirmation)
    )
    steps_before_confirmation_wait = flow.Handle().Next(this.steps_before_confirmation_check)
    customer_confirmation = step("confirmed").Assign(this.start.owner).Next(this.is_confirmed)
    is_confirmed = flow.If(act.process.confirmed).Then(this.steps_before_close).Else(this.containment)
    steps_before_close = flow.Function(this.noop).Next(this.steps_before_close_check)
    steps_before_close_check = flow.Switch().Case(this.steps_before_close_wait, never).Default(this.close)
    steps_before_close_wait = flow.Handle().Next(this.steps_before_close_check)
    close = flow.Function(this.noop).Next(this.needs_follow_up)
    needs_follow_up = flow.If(always).Then(this.follow_up_wait).Else(this.end)
    follow_up_wait = flow.Timer(timedelta(hours=48)).Next(this.follow_up)
    follow_up = step("satisfaction").Assign(this.start.owner).Next(this.end)
    end = flow.End()

    def noop(self, activation: Any) -> None:
        """A Function's body: Redress calls one service here (triage, custom steps, close)."""
