"""Moving a complaint on the ladder: up (by hand or by a trigger), back down, or a recorded
attempt at the top. Every move reassigns the open steps, sets new deadlines, snapshots the
information package, tells the customer and records why."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from complaints.choices import (
    Channel,
    EscalationReason,
    EscalationTrigger,
    EventKind,
    NotificationEvent,
    SendBackReason,
)
from complaints.models import Complaint, CustomerContact, Escalation, EscalationLevel
from complaints.rules.clocks import is_closed
from complaints.rules.names import person_name
from complaints.selectors.common import route_queue, stage_route
from complaints.selectors.escalation import (
    information_package,
    is_handler,
    is_supervisor,
    ladder_top,
    level_above,
    level_below,
    level_queue,
    open_tasks,
    package_rows,
)
from complaints.selectors.notify import event_recipients, event_template
from complaints.selectors.regional import applied_lines
from complaints.selectors.routing import level_deadlines
from complaints.services.clocks import clocks_answered_with_sync, complaint_clocks_sync
from complaints.services.errors import Refused
from complaints.services.events import acting_user, event_record
from complaints.services.held_rows import held_rows
from complaints.services.notify import complaint_context, in_language, notify_event, render
from complaints.services.stages import contact_record
from complaints.services.transitions import transition
from complaints.services.urgency import urgency_deferred


class EscalationRefused(Refused):
    """The move cannot be made as asked; the message says why (translated)."""


class ClosedRefused(EscalationRefused):
    """A closed complaint is closed: only reopening it (with a reason) moves it again."""


def check_open(complaint: Complaint) -> None:
    """Refuses any escalation door on a closed complaint (the page offers only Reopen there)."""
    if is_closed(complaint):
        raise ClosedRefused(_("The complaint is closed. Reopen it (with the customer's reason) to act on it again."))


def _locked(complaint: Complaint) -> Complaint:
    """The case, locked. Where the transition holds its rows, the same statement draws the ids of the
    escalation and the customer's contact a move writes (under the lock, in order within the case),
    so both are held and written with the transition's other rows (held_rows)."""
    rows = Complaint.objects.select_for_update(of=("self",)).select_related(
        "level__role", "level__calendar", "priority", "department", "owner", "start_level"
    )
    if held_rows() is not None:
        rows = rows.annotate(**{name: _next_id(model) for name, model in DRAWN.items()})
    return rows.get(pk=complaint.pk)


DRAWN = {"_redress_escalation_id": Escalation, "_redress_contact_id": CustomerContact}  # drawn by _locked


def _next_id(model: Any) -> RawSQL:
    return RawSQL("nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])


def _written(row: Any, complaint: Complaint, name: str) -> Any:
    """Holds the new row with the id `_locked` drew for it (its INSERT written at the transition's
    end), else saves it now. Returns the row."""
    held, drawn = held_rows(), complaint.__dict__.pop(name, None)
    if held is not None and drawn is not None:
        row.pk = drawn
        held.hold(row)
    else:
        row.save(force_insert=True)
    return row


def _name(user: Any) -> str:
    return person_name(user)


def _move_tasks(*, complaint: Complaint, tasks: list[Task] | None = None) -> list[dict[str, Any]]:
    """Puts the open steps that follow escalation into the queue they now belong to (the level's
    while escalated, the step's own otherwise), unclaimed; inside a transition that holds rows the
    UPDATE is written with them (held_rows). `tasks`: the open tasks, read with the package (after
    the case's lock). Returns what moved."""
    moved = []
    held = held_rows()
    for task in open_tasks(complaint) if tasks is None else tasks:
        stage = task.flow_task.name
        route = stage_route(complaint=complaint, stage=stage)
        if route is not None and not route.follows_escalation:
            continue
        queue = route_queue(complaint=complaint, route=route)
        if task.owner_permission == queue and task.owner_id is None:
            continue
        moved.append({"task": task.pk, "step": str(task.flow_task), "from": _name(task.owner), "queue": queue})
        task.owner, task.owner_permission, task.status = None, queue, "NEW"
        if held is None or not held.hold_update(task, ["owner", "owner_permission", "status"]):
            Task.objects.filter(pk=task.pk).update(owner=None, owner_permission=queue, status="NEW")
    return moved


def customer_language(complaint: Complaint) -> str:
    """The language every message to this complaint's customer is written in: the one chosen at
    intake, the site's when none (or one no longer offered) is set."""
    offered = {code for code, _name in settings.LANGUAGES}
    return complaint.customer_language if complaint.customer_language in offered else settings.LANGUAGE_CODE


def _customer_message(*, complaint: Complaint, department: Any, due: Any) -> str:
    """Who handles the case now and by when, in the customer's language (its template in that
    language, else the site's, else any; a plain sentence without one)."""
    language = customer_language(complaint)
    template = event_template(event=NotificationEvent.CUSTOMER_UPDATE, language=language)
    context = complaint_context(
        complaint,
        department=department or complaint.department or "",
        due=timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else "",
    )
    with translation.override(language):
        text = in_language(context, language)
        if template is not None:
            return render(template.body, text)
        plain = _(
            "%(level)s (%(department)s) now handles your complaint %(reference)s; you will hear from us by %(due)s."
        )
        return plain % text


def _tell_customer(*, complaint: Complaint, actor: Any, message: str, due: Any, promise: bool = True) -> None:
    """Records the message to the customer (who handles the case now, and by when) as a contact
    with its promise (a clock of its own), both in the customer's language; the case owner stays
    the customer's contact. A send-back makes no new promise: the lower level answers within its
    own clocks, and a promise that escalated on its own would bounce the case back up."""
    if promise:
        complaint.promised_response_at = due or complaint.promised_response_at
    with translation.override(customer_language(complaint)):
        promised = _("Answer from %(level)s") % {"level": complaint.level} if promise and due else ""
    contact_record(
        complaint=complaint,
        actor=actor,
        channel=Channel.SMS,
        summary=message,
        promise=promised,
        promised_by=due if promise else None,
        message_event=NotificationEvent.CUSTOMER_UPDATE,
        message=message,
        contact_id=complaint.__dict__.pop("_redress_contact_id", None),
        clocks_follow=True,  # _move saves the promise and syncs the clocks, the promise's with the others
    )


@urgency_deferred()  # the case's clocks change several times here: its list rows are refreshed once
def _move(
    *,
    complaint: Complaint,
    target: EscalationLevel,
    direction: str,
    actor: Any,
    reason: str,
    trigger: str,
    note: str,
    suggested_direction: str,
    urgency: str,
    affected: int | None,
    clocks: list[str] | None = None,
) -> Escalation:
    now = timezone.now()
    source = complaint.level
    rows = package_rows(complaint, tasks=True)  # with the open tasks it moves (on PostgreSQL)
    package = information_package(
        complaint=complaint,
        to_level=target,
        suggested_direction=suggested_direction,
        urgency=urgency,
        affected=affected,
        rows=rows,
    )
    queue, department = level_queue(level=target, complaint=complaint)
    due = level_deadlines(
        level=target, priority=complaint.priority, start=now, first_response=False, department=complaint.department_id
    )
    if due.terms is not None:  # the receiver reads which numbers apply at the new level, and whose they are
        package["applied"] = applied_lines(due.terms)
    old = {
        "level": source,
        "response_due": complaint.response_due.isoformat() if complaint.response_due else None,
        "resolution_due": complaint.resolution_due.isoformat() if complaint.resolution_due else None,
    }
    complaint.level = target
    complaint.level_entered_at = now
    complaint.response_due = due.response_due
    complaint.resolution_due = due.resolution_due
    moved = _move_tasks(complaint=complaint, tasks=rows.open_tasks)
    promised = due.response_due or due.resolution_due
    message = _customer_message(complaint=complaint, department=department, due=promised)
    escalation = Escalation(
        complaint=complaint,
        direction=direction,
        from_level=source,
        to_level=target,
        reason=reason,
        trigger=trigger,
        note=note,
        suggested_direction=suggested_direction,
        urgency=urgency,
        handling_department=department,
        response_due=due.response_due,
        resolution_due=due.resolution_due,
        customer_message=message,
        package=package,
        actor=acting_user(actor),
    )
    _written(escalation, complaint, "_redress_escalation_id")
    # The contact answers the clocks it answers in the statement the sync reads the clocks with.
    with clocks_answered_with_sync():
        _tell_customer(
            complaint=complaint,
            actor=actor,
            message=message,
            due=promised,
            promise=direction == Escalation.Direction.UP,
        )
        complaint.save(
            update_fields=[
                "level",
                "level_entered_at",
                "response_due",
                "resolution_due",
                "promised_response_at",
            ]
        )
        complaint_clocks_sync(complaint=complaint)
    event_record(
        complaint=complaint,
        kind=EventKind.ESCALATED if direction == Escalation.Direction.UP else EventKind.SENT_BACK,
        actor=actor,
        old=old,
        new={
            "level": target,
            "reason": reason,
            "trigger": trigger,
            "department": department or "",
            "queue": queue if complaint.is_escalated else "",
            "tasks_moved": [m["step"] for m in moved],
            "response_due": due.response_due.isoformat() if due.response_due else None,
            "resolution_due": due.resolution_due.isoformat() if due.resolution_due else None,
            "escalation": escalation.pk,
            **_clock_facts(clocks),
        },
        note=note,
    )
    # The notify list, then the new level's role holders in the handling department: one query.
    receivers = event_recipients(
        event=NotificationEvent.ESCALATION, complaint=complaint, holding=[(department, target.role)]
    )
    notify_event(
        event=NotificationEvent.ESCALATION,
        complaint=complaint,
        occasion=f"escalation-{escalation.pk}",
        context={"reason": note or reason},
        recipients=receivers,
    )
    return escalation


def _clock_facts(clocks: list[str] | None) -> dict[str, Any]:
    """The clocks whose breach moved the case, kept as their kinds (the timeline names them in the
    reader's language)."""
    return {"clocks": list(clocks)} if clocks else {}


def _check_unchanged(*, complaint: Complaint, seen_level_id: int | None) -> None:
    """Two people acting at once: the second is told the complaint moved, and nothing changes."""
    if seen_level_id is not None and complaint.level_id != seen_level_id:
        raise EscalationRefused(
            _("Someone moved the complaint to %(level)s meanwhile. Nothing was changed; check the case first.")
            % {"level": complaint.level}
        )


def _check_reason(*, reason: str, note: str, allowed: Any) -> None:
    if reason not in allowed.values:
        raise EscalationRefused(_("Choose a reason from the list."))
    if reason == allowed.OTHER and not note.strip():
        raise EscalationRefused(_("Explain the reason when you choose “other”."))


@transition
def complaint_escalate(
    *,
    complaint: Complaint,
    actor: Any = None,
    reason: str,
    trigger: str = EscalationTrigger.MANUAL,
    note: str = "",
    suggested_direction: str = "",
    urgency: str = "",
    affected: int | None = None,
    to_level: EscalationLevel | None = None,
    seen_level_id: int | None = None,
    to_top: bool = False,
    clocks: list[str] | None = None,
) -> Escalation:
    """Moves the complaint up one level (or to `to_level`, for triggers that know where it
    belongs; `to_top`: to the top level). `clocks` names the clocks whose breach moved it (stored
    as kinds, told in the reader's language). A closed complaint is refused (ClosedRefused). By
    hand only a handler may escalate. At the top level nothing moves: the attempt is
    recorded and the executive alerted. `seen_level_id` is the level the person saw: if someone
    moved the complaint meanwhile, nothing happens and they are told. Returns the escalation record
    (direction "refused" at the top)."""
    with transaction.atomic(savepoint=False):
        complaint = _locked(complaint)
        check_open(complaint)
        _check_unchanged(complaint=complaint, seen_level_id=seen_level_id)
        if trigger == EscalationTrigger.MANUAL and (actor is None or not is_handler(user=actor, complaint=complaint)):
            raise EscalationRefused(_("Only someone handling this complaint can escalate it."))
        _check_reason(reason=reason, note=note, allowed=EscalationReason)
        if complaint.level is None:
            raise EscalationRefused(_("The complaint has not been triaged yet."))
        urgency = urgency or (complaint.priority.urgency if complaint.priority else "")
        target = to_level or (ladder_top() if to_top else level_above(complaint.level))
        if target is None or target.rank <= complaint.level.rank:
            if to_level is not None and target is not None and target.rank <= complaint.level.rank:
                raise EscalationRefused(_("The complaint is already at that level or above."))
            return _top_level_attempt(
                complaint=complaint, actor=actor, reason=reason, trigger=trigger, note=note, clocks=clocks
            )
        return _move(
            complaint=complaint,
            target=target,
            direction=Escalation.Direction.UP,
            actor=actor,
            reason=reason,
            trigger=trigger,
            note=note,
            suggested_direction=suggested_direction,
            urgency=urgency,
            affected=affected,
            clocks=clocks,
        )


def _top_level_attempt(
    *, complaint: Complaint, actor: Any, reason: str, trigger: str, note: str, clocks: list[str] | None = None
) -> Escalation:
    """The top level stays the top level: records the attempt and alerts the executive."""
    escalation = Escalation(
        complaint=complaint,
        direction=Escalation.Direction.REFUSED,
        from_level=complaint.level,
        to_level=complaint.level,
        reason=reason,
        trigger=trigger,
        note=note,
        actor=acting_user(actor),
    )
    _written(escalation, complaint, "_redress_escalation_id")
    event_record(
        complaint=complaint,
        kind=EventKind.TOP_LEVEL,
        actor=actor,
        new={
            "level": complaint.level,
            "reason": reason,
            "trigger": trigger,
            "escalation": escalation.pk,
            **_clock_facts(clocks),
        },
        note=note,
    )
    notify_event(
        event=NotificationEvent.TOP_LEVEL,
        complaint=complaint,
        occasion=f"top-{escalation.pk}",
        context={"reason": note or reason},
    )
    return escalation


@transition
def complaint_send_back(
    *, complaint: Complaint, actor: Any, reason: str, note: str = "", seen_level_id: int | None = None
) -> Escalation:
    """A supervisor sends the complaint one level down with a reason; its open steps go to the lower
    level's queue (or back to their own queues at the starting level) with that level's deadlines."""
    with transaction.atomic(savepoint=False):
        complaint = _locked(complaint)
        check_open(complaint)
        _check_unchanged(complaint=complaint, seen_level_id=seen_level_id)
        if not is_supervisor(user=actor, complaint=complaint):
            raise EscalationRefused(_("Only a supervisor at the complaint's level or above can send it back down."))
        _check_reason(reason=reason, note=note, allowed=SendBackReason)
        target = level_below(complaint.level) if complaint.level else None
        if target is None:
            raise EscalationRefused(_("The complaint is already at the first level."))
        return _move(
            complaint=complaint,
            target=target,
            direction=Escalation.Direction.DOWN,
            actor=actor,
            reason=reason,
            trigger=EscalationTrigger.MANUAL,
            note=note,
            suggested_direction="",
            urgency=complaint.priority.urgency if complaint.priority else "",
            affected=None,
        )
