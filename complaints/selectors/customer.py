"""What the customer may read about their own complaint, and nothing more: reference, status in
plain words, who handles it now (level and department, never a person or a phone number), every
promise with its time and whether it was kept, and the customer-visible history."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import AppealDecision, EventKind, Outcome, Stage
from complaints.models import (
    Appeal,
    Clock,
    Complaint,
    ComplaintEvent,
    CorrectiveAction,
    PortalSettings,
    RootCauseAnalysis,
)
from complaints.selectors.appeal import appeal_refusal
from complaints.selectors.intake_forms import EffectiveForm

# Events the customer sees on their page; every other kind (notes, tasks, analysis, notifications)
# stays inside.
CUSTOMER_EVENTS = (
    EventKind.REGISTERED,
    EventKind.ESCALATED,
    EventKind.WAITING,
    EventKind.RESUMED,
    EventKind.CUSTOMER_ADDED,
    EventKind.CONFIRMATION,
    EventKind.CLOSED,
    EventKind.REOPENED,
    EventKind.FOLLOWED_UP,
    EventKind.APPEAL_OPENED,
    EventKind.APPEAL_DECIDED,
)


def portal_settings() -> PortalSettings | None:
    """The customer portal's settings row, or None while the admin has not opened online filing."""
    from complaints.selectors.once import read_once

    rows = PortalSettings.objects.select_related("receiving_department", "customer_channel").order_by("pk")
    return read_once("portal", rows.first, shared=True)  # type: ignore[no-any-return]


def customer_form(form: EffectiveForm) -> EffectiveForm:
    """The category's questions a customer is asked: the staff-only ones left out."""
    return replace(form, fields=[defn for defn in form.fields if not defn.staff_only])


def status_words(complaint: Complaint) -> str:
    """Where the complaint stands, as the customer would say it."""
    if complaint.stage == Stage.CLOSED or (complaint.outcome != Outcome.OPEN and complaint.closed_at):
        if complaint.outcome in (Outcome.INVALID, Outcome.DUPLICATE):
            return _("Closed: we explained why we could not take it further.")
        return _("Closed: resolved.")
    if complaint.waiting_since is not None:
        return _("Waiting for you: we need something from you to continue.")
    words = {
        Stage.INTAKE: _("Received: we are registering it."),
        Stage.FIRST_RESPONSE: _("Received: we will contact you by the time promised below."),
        Stage.VERIFICATION: _("We are checking the facts."),
        Stage.CONTAINMENT: _("We are working on a solution for you."),
        Stage.PERMANENT_ACTIONS: _("Solved for you; we are making sure it does not happen again."),
        Stage.EFFECTIVENESS: _("We are checking that our changes work."),
        Stage.CUSTOMER_CONFIRMATION: _("Waiting for your confirmation that it is resolved."),
    }
    return str(words.get(Stage(complaint.stage), _("We are working on it.")))


@dataclass
class Promise:
    due_at: datetime
    kept: bool | None  # None: still ahead
    at: datetime | None  # when it was kept (or the time passed)


@dataclass
class HistoryLine:
    at: datetime
    text: str


@dataclass
class CustomerView:
    complaint: Complaint
    status: str
    level: str
    department: str
    promises: list[Promise] = field(default_factory=list)
    history: list[HistoryLine] = field(default_factory=list)
    confirm_open: bool = False
    survey_open: bool = False
    cause: str = ""
    actions: list[str] = field(default_factory=list)
    appeal: Appeal | None = None
    appeal_possible: bool = False


def _promise(clock: Clock) -> Promise:
    if clock.breached_at is not None:
        return Promise(clock.due_at, False, clock.breached_at)
    done = clock.answered_at or clock.stopped_at
    if done is not None:
        return Promise(clock.due_at, done <= clock.due_at, done)
    return Promise(clock.due_at, None, None)


def _sentence(event: ComplaintEvent) -> str:
    new: dict[str, Any] = event.new or {}
    kind = event.kind
    if kind == EventKind.REGISTERED:
        return _("We registered your complaint as %(reference)s.") % {"reference": new.get("reference") or ""}
    if kind == EventKind.ESCALATED:
        return _("Your complaint was passed up to %(level)s.") % {"level": new.get("level") or ""}
    if kind == EventKind.WAITING:
        return _("We asked you for: %(what)s") % {"what": event.note}
    if kind == EventKind.RESUMED:
        return _("We received what you sent and continue.")
    if kind == EventKind.CUSTOMER_ADDED:
        return _("You added: %(text)s") % {"text": event.note}
    if kind == EventKind.CONFIRMATION:
        if new.get("outcome") == "confirmed":
            return _("You confirmed the complaint is resolved.")
        return _("Not resolved yet: we are working on it again.")
    if kind == EventKind.CLOSED:
        return _("Your complaint was closed.")
    if kind == EventKind.REOPENED:
        return _("Your complaint was reopened.")
    if kind == EventKind.APPEAL_OPENED:
        return _("You appealed to the independent customer-experience office: %(grounds)s") % {"grounds": event.note}
    if kind == EventKind.APPEAL_DECIDED:
        decision = dict(AppealDecision.choices).get(new.get("decision") or "", "")
        return _("The customer-experience office decided on your appeal: %(decision)s. %(text)s") % {
            "decision": decision,
            "text": event.note,
        }
    return _("Thank you for your feedback.")


def customer_view(*, complaint: Complaint) -> CustomerView:
    """Everything the customer's page shows."""
    complaint = Complaint.objects.select_related("level", "department").get(pk=complaint.pk)
    promises = [
        _promise(clock)
        for clock in Clock.objects.filter(complaint=complaint, kind=Clock.Kind.PROMISE).order_by("started_at", "pk")
    ]
    events = ComplaintEvent.objects.filter(complaint=complaint, kind__in=CUSTOMER_EVENTS).order_by("at", "pk")
    confirm_open = complaint.stage == Stage.CUSTOMER_CONFIRMATION
    survey_open = (
        complaint.stage == Stage.CLOSED
        and complaint.followed_up_at is None
        and ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.LINK_SENT, new__why="survey").exists()
    )
    cause, actions = "", []
    if confirm_open:  # the explanation: the root cause in one sentence and what was done
        cause = (
            RootCauseAnalysis.objects.filter(complaint=complaint).values_list("description", flat=True).first() or ""
        )
        actions = list(
            CorrectiveAction.objects.filter(complaint=complaint)
            .order_by("kind", "pk")
            .values_list("description", flat=True)
        )
    appeal = Appeal.objects.filter(case=complaint).first()
    refusal = (
        appeal_refusal(complaint=complaint, portal=portal_settings(), now=timezone.now(), appealed=False)
        if appeal is None
        else ""
    )
    return CustomerView(
        complaint=complaint,
        status=status_words(complaint),
        level=str(complaint.level or ""),
        department=str(complaint.department or ""),
        promises=promises,
        history=[HistoryLine(event.at, _sentence(event)) for event in events],
        confirm_open=confirm_open,
        survey_open=survey_open,
        cause=cause,
        actions=actions,
        appeal=appeal,
        appeal_possible=refusal is None,
    )
