"""What each human step of the process writes. The flow calls these; they never call the flow."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import (
    ActionKind,
    ActionStatus,
    Channel,
    ConfirmationOutcome,
    EventKind,
    NotificationEvent,
    Outcome,
    Stage,
    VerificationOutcome,
)
from complaints.models import Clock, Complaint, CorrectiveAction, CustomerContact
from complaints.rules import capa
from complaints.services.clocks import (
    action_clock_sync,
    complaint_clocks_stop,
    complaint_follow_up_clock_start,
    complaint_promise_set,
)
from complaints.services.customer import customer_ask, customer_notify
from complaints.services.errors import Refused, require_handler
from complaints.services.events import event_record
from complaints.services.held_rows import held_rows
from complaints.services.transitions import transition


class StepRefused(Refused):
    """The step cannot be recorded as asked; the message says why (translated)."""


class ActionsNotVerified(StepRefused):
    """The customer cannot confirm while a permanent action is open or not verified effective."""


def _require_handler(*, complaint: Complaint, actor: Any, open_case: bool = True) -> None:
    """Refuses unless the actor handles the complaint (owner, holder of one of its open tasks, or
    holder of its level's role where that level is handled) and, with `open_case`, the complaint is
    still open. The system (no actor) may always act."""
    if open_case and complaint.stage == Stage.CLOSED:
        raise StepRefused(_("The complaint is closed; this step can no longer be recorded."))
    require_handler(complaint=complaint, actor=actor, error=StepRefused)


def complaint_enter_stage(*, complaint: Complaint, stage: str) -> Complaint:
    """Moves the complaint to a stage; a no-op (no event) when it is already there."""
    if complaint.stage == stage:
        return complaint
    old = complaint.stage
    complaint.stage = stage
    complaint.save(update_fields=["stage"])
    event_record(complaint=complaint, kind=EventKind.STAGE_CHANGED, old={"stage": old}, new={"stage": stage})
    if stage == Stage.CUSTOMER_CONFIRMATION:
        customer_ask(complaint=complaint, why="confirm")
    return complaint


@transition
def contact_record(
    *,
    complaint: Complaint,
    actor: Any,
    channel: str,
    summary: str,
    promise: str = "",
    promised_by: datetime | None = None,
    message_event: str = NotificationEvent.CUSTOMER_PROMISE,
    message: str = "",
    clocks_follow: bool = False,
    stops: tuple[str, ...] = (),
    contact_id: int | None = None,
) -> CustomerContact:
    """Logs a contact with the customer: what was said and any commitment with its time (the
    contact answers the promise before it; a new promise replaces it and runs as its clock). A
    promise (or a `message` already worded, sent as `message_event`) is also written to the
    customer through their channels. `clocks_follow`: the caller has set the promise on the
    complaint and saves it, then syncs the complaint's clocks (an escalation), which starts the
    promise's clock with the others. `stops`: clock kinds the contact ends whatever their rule.
    `contact_id`: an id drawn for it under the case's lock (an escalation): inside a transition that
    holds its rows, the contact's INSERT is held and written with them (held_rows)."""
    contact = CustomerContact(
        complaint=complaint, channel=channel, summary=summary, promise=promise, promised_by=promised_by, by=actor
    )
    held = held_rows()
    if contact_id is not None and held is not None:
        contact.pk = contact_id
        held.hold(contact)
    else:
        contact.save(force_insert=True)
    event_record(
        complaint=complaint,
        kind=EventKind.CUSTOMER_CONTACT,
        actor=actor,
        new={"channel": channel, "promise": promise, "promised_by": promised_by.isoformat() if promised_by else None},
        note=summary,
        stops=stops,
    )
    if promised_by is not None and not clocks_follow:
        complaint_promise_set(complaint=complaint, promised_by=promised_by)
    if promised_by is not None or message:
        customer_notify(
            complaint=complaint,
            event=message_event,
            occasion=f"contact-{contact.pk}",
            context={
                "reason": promise,
                "due": timezone.localtime(promised_by).strftime("%Y-%m-%d %H:%M") if promised_by else "",
            },
            body=message,
        )
    return contact


@transition
def contact_log(
    *,
    complaint: Complaint,
    actor: Any,
    channel: str,
    summary: str,
    promise: str = "",
    promised_by: datetime | None = None,
    now: datetime | None = None,
) -> CustomerContact:
    """Logs a call or message with the customer from the complaint page (contact_record), after
    checking it: something said, a known channel, and a promise only with a time that is still
    ahead (and a time only with what was promised). Raises StepRefused and stores nothing otherwise."""
    _require_handler(complaint=complaint, actor=actor, open_case=False)
    summary, promise = (summary or "").strip(), (promise or "").strip()
    if channel not in Channel.values:
        raise StepRefused(_("Choose how you were in contact with the customer."))
    if not summary:
        raise StepRefused(_("Write what was said."))
    if promised_by is not None and not promise:
        raise StepRefused(_("Write what was promised by that time."))
    if promise and promised_by is None:
        raise StepRefused(_("Say by when it was promised."))
    if promised_by is not None and promised_by <= (now or timezone.now()):
        raise StepRefused(_("The promised time has already passed; give a time still ahead."))
    return contact_record(
        complaint=complaint, actor=actor, channel=channel, summary=summary, promise=promise, promised_by=promised_by
    )


@transition
def complaint_record_first_response(
    *, complaint: Complaint, actor: Any, channel: str, summary: str, promise: str, promised_by: datetime
) -> Complaint:
    """Records the first response to the customer and the new committed time."""
    _require_handler(complaint=complaint, actor=actor)
    contact_record(  # sets and saves the new committed time (complaint_promise_set)
        complaint=complaint,
        actor=actor,
        channel=channel,
        summary=summary,
        promise=promise,
        promised_by=promised_by,
        stops=(Clock.Kind.FIRST_RESPONSE,),  # the first response ends its clock, with the clocks it answers
    )
    return complaint


@transition
def complaint_verify(
    *,
    complaint: Complaint,
    actor: Any,
    outcome: str,
    explanation: str = "",
    duplicate_of: Complaint | None = None,
) -> Complaint:
    """Records the verification verdict. Invalid and duplicate complaints are closed here."""
    _require_handler(complaint=complaint, actor=actor)
    if outcome == VerificationOutcome.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == complaint.pk:
            raise StepRefused(_("Name the original complaint this one duplicates."))
        complaint.duplicate_of = duplicate_of
    elif outcome == VerificationOutcome.INVALID and not explanation.strip():
        raise StepRefused(_("Explain to the customer why the complaint is not valid."))
    event_record(
        complaint=complaint,
        kind=EventKind.VERIFIED,
        actor=actor,
        new={"outcome": outcome, "duplicate_of": duplicate_of.reference if duplicate_of else None},
        note=explanation,
    )
    if outcome == VerificationOutcome.VALID:
        complaint.save(update_fields=["duplicate_of"])
        return complaint
    complaint.outcome = Outcome.INVALID if outcome == VerificationOutcome.INVALID else Outcome.DUPLICATE
    complaint.outcome_note = explanation
    complaint.save(update_fields=["duplicate_of", "outcome", "outcome_note"])
    return complaint_close(complaint=complaint, actor=actor)


@transition
def capa_record_containment(
    *, complaint: Complaint, actor: Any, description: str, cost: Decimal | None = None
) -> CorrectiveAction:
    """Records a temporary (containment) action as done: it fixes today's customer."""
    _require_handler(complaint=complaint, actor=actor)
    action = CorrectiveAction.objects.create(
        complaint=complaint,
        kind=ActionKind.TEMPORARY,
        description=description,
        cost=cost,
        status=ActionStatus.DONE,
        owner=actor,
        department=complaint.department,
        created_by=actor,
    )
    action_clock_sync(action=action)
    event_record(
        complaint=complaint,
        kind=EventKind.ACTION_RECORDED,
        actor=actor,
        new={
            "kind": ActionKind.TEMPORARY.value,
            "status": action.status,
            "cost": str(cost) if cost is not None else None,
        },
        note=description,
    )
    return action


@transition
def complaint_record_confirmation(*, complaint: Complaint, actor: Any, outcome: str, note: str) -> Complaint:
    """Records what the customer said of the resolution. Not satisfied opens another round of
    containment, with the customer's reason."""
    _require_handler(complaint=complaint, actor=actor)
    if outcome == ConfirmationOutcome.NOT_SATISFIED and not note.strip():
        raise StepRefused(_("Record why the customer is not satisfied."))
    if outcome == ConfirmationOutcome.CONFIRMED:
        statuses = complaint.actions.filter(kind=ActionKind.PERMANENT).values_list("status", flat=True)
        if any(capa.is_open(status) for status in statuses):
            raise ActionsNotVerified(
                _("A permanent action is still open or not verified effective; quality verifies it first.")
            )
    old = {"rework_round": complaint.rework_round}
    if outcome == ConfirmationOutcome.CONFIRMED:
        complaint.outcome = Outcome.RESOLVED
        complaint.outcome_note = note
    else:
        complaint.rework_round += 1
    complaint.save(update_fields=["outcome", "outcome_note", "rework_round"])
    event_record(
        complaint=complaint,
        kind=EventKind.CONFIRMATION,
        actor=actor,
        old=old,
        new={"outcome": outcome, "rework_round": complaint.rework_round},
        note=note,
    )
    return complaint


def complaint_close(*, complaint: Complaint, actor: Any = None) -> Complaint:
    """Closes the complaint; a no-op when it is already closed. A complaint still open here (its
    stage profile skips customer confirmation) closes as resolved."""
    if complaint.stage == Stage.CLOSED:
        return complaint
    _require_handler(complaint=complaint, actor=actor)
    complaint.closed_at = timezone.now()
    if complaint.outcome == Outcome.OPEN:
        complaint.outcome = Outcome.RESOLVED
    complaint.save(update_fields=["closed_at", "outcome"])
    complaint_clocks_stop(complaint=complaint)
    complaint_follow_up_clock_start(complaint=complaint)
    complaint_enter_stage(complaint=complaint, stage=Stage.CLOSED)
    event_record(complaint=complaint, kind=EventKind.CLOSED, actor=actor, new={"outcome": complaint.outcome})
    customer_notify(
        complaint=complaint, event=NotificationEvent.CUSTOMER_CLOSED, occasion=f"closed-{complaint.closed_at}"
    )
    return complaint


@transition
def complaint_record_follow_up(
    *, complaint: Complaint, actor: Any, satisfaction: int, comment: str, satisfaction_before: int | None = None
) -> Complaint:
    """Records the follow-up satisfaction check (1–5) after closing (and, when the customer says
    so, how satisfied they were before the complaint was handled)."""
    _require_handler(complaint=complaint, actor=actor, open_case=False)
    if not 1 <= satisfaction <= 5 or (satisfaction_before is not None and not 1 <= satisfaction_before <= 5):
        raise StepRefused(_("Satisfaction is a score from 1 to 5."))
    complaint.satisfaction = satisfaction
    complaint.satisfaction_comment = comment
    complaint.satisfaction_before = satisfaction_before
    complaint.followed_up_at = timezone.now()
    complaint.save(update_fields=["satisfaction", "satisfaction_comment", "satisfaction_before", "followed_up_at"])
    complaint_clocks_stop(complaint=complaint, kind=Clock.Kind.FOLLOW_UP)
    event_record(
        complaint=complaint, kind=EventKind.FOLLOWED_UP, actor=actor, new={"satisfaction": satisfaction}, note=comment
    )
    return complaint
