"""Clocks: a complaint's deadlines kept as rows, warned and breached exactly once by the sweep.

`complaint_clocks_sync` mirrors the complaint's current deadlines (after triage, an escalation or
a recompute); `clocks_sweep` claims due clocks in bounded batches with a conditional update, sends
the warning, and on a breach escalates through the escalation service.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import EscalationReason, EscalationTrigger, EventKind, NotificationEvent, Outcome, Stage
from complaints.models import Clock, Complaint
from complaints.rules.business_time import add_business_time, business_time_between, warning_time
from complaints.selectors.routing import level_clock
from complaints.services.events import event_record
from complaints.services.notify import notify_event

DEADLINE_FIELDS = {
    Clock.Kind.FIRST_RESPONSE: "first_response_due",
    Clock.Kind.RESPONSE: "response_due",
    Clock.Kind.RESOLUTION: "resolution_due",
}


def complaint_clocks_sync(*, complaint: Complaint, now: datetime | None = None) -> None:
    """Makes the running clocks match the complaint's deadlines: a changed deadline stops the old
    clock and starts a new one (warned and breached afresh); a deadline that is gone stops its
    clock. The first-response clock only runs until the first response is recorded."""
    now = now or timezone.now()
    open_states = (Clock.State.RUNNING, Clock.State.PAUSED)
    running = {c.kind: c for c in Clock.objects.filter(complaint=complaint, state__in=open_states)}
    level = complaint.level
    calendar = level_clock(level) if level is not None else None
    percent = level.warning_percent if level is not None else None
    for kind, field in DEADLINE_FIELDS.items():
        due = getattr(complaint, field)
        if kind == Clock.Kind.FIRST_RESPONSE and complaint.stage not in (Stage.INTAKE, Stage.FIRST_RESPONSE):
            due = None
        current = running.get(kind)
        # The first-response promise belongs to the complaint, not to a level: it survives escalation.
        moved = kind != Clock.Kind.FIRST_RESPONSE and current is not None and current.level_id != complaint.level_id
        if current is not None and (due is None or current.due_at != due or moved):
            _stop(current, now)
            current = None
        if due is None or current is not None or complaint.outcome != Outcome.OPEN:
            continue
        start = complaint.level_entered_at or complaint.received_at or now
        if kind == Clock.Kind.FIRST_RESPONSE:
            start = complaint.received_at or start
        warn_at = (
            warning_time(start=start, due=due, percent=percent, calendar=calendar) if percent is not None else None
        )
        clock = Clock.objects.create(
            complaint=complaint, kind=kind, level=level, started_at=start, due_at=due, warn_at=warn_at
        )
        if kind == Clock.Kind.RESOLUTION and complaint.waiting_since is not None:
            _pause(clock, now)  # a new level's resolution clock waits too while the customer is asked


def _stop(clock: Clock, now: datetime) -> None:
    Clock.objects.filter(pk=clock.pk, state__in=(Clock.State.RUNNING, Clock.State.PAUSED)).update(
        state=Clock.State.STOPPED, stopped_at=now
    )


def _pause(clock: Clock, now: datetime) -> None:
    calendar = level_clock(clock.level) if clock.level is not None else None
    if calendar is not None:
        remaining = business_time_between(calendar=calendar, start=now, end=clock.due_at)
    else:
        remaining = clock.due_at - now
    Clock.objects.filter(pk=clock.pk, state=Clock.State.RUNNING).update(
        state=Clock.State.PAUSED, paused_at=now, remaining=max(remaining, timedelta(0))
    )


class WaitRefused(Exception):
    """The complaint cannot start or stop waiting as asked; the message says why (translated)."""


def complaint_wait_for_customer(
    *, complaint: Complaint, actor: Any, reason: str, now: datetime | None = None
) -> Complaint:
    """The case waits on the customer (documents, a visit, a decision): the resolution clock
    pauses with the time it had left, and nothing warns or breaches until the customer answers."""
    now = now or timezone.now()
    if not reason.strip():
        raise WaitRefused(_("Say what the customer has to provide or decide."))
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        if complaint.waiting_since is not None:
            raise WaitRefused(_("The complaint is already waiting for the customer."))
        if complaint.outcome != Outcome.OPEN:
            raise WaitRefused(_("Only an open complaint can wait for the customer."))
        complaint.waiting_since, complaint.waiting_reason = now, reason
        complaint.save(update_fields=["waiting_since", "waiting_reason"])
        resolution = Clock.objects.filter(complaint=complaint, kind=Clock.Kind.RESOLUTION, state=Clock.State.RUNNING)
        for clock in resolution.select_related("level__calendar"):
            _pause(clock, now)
        event_record(
            complaint=complaint, kind=EventKind.WAITING, actor=actor, new={"since": now.isoformat()}, note=reason
        )
    return complaint


def complaint_customer_answered(
    *, complaint: Complaint, actor: Any, note: str = "", now: datetime | None = None
) -> Complaint:
    """The customer answered: the resolution clock resumes with the time it had left (in the
    level's business or calendar time), so the resolution deadline moves by the waiting time; a
    warning not yet given moves with it."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        if complaint.waiting_since is None:
            raise WaitRefused(_("The complaint is not waiting for the customer."))
        waited_since, old_due = complaint.waiting_since, complaint.resolution_due
        complaint.waiting_since, complaint.waiting_reason = None, ""
        paused = Clock.objects.filter(complaint=complaint, kind=Clock.Kind.RESOLUTION, state=Clock.State.PAUSED)
        for clock in paused.select_related("level__calendar"):
            calendar = level_clock(clock.level) if clock.level is not None else None
            left = clock.remaining or timedelta(0)
            due = add_business_time(calendar=calendar, start=now, delta=left) if calendar is not None else now + left
            warn_at = clock.warn_at
            if clock.warned_at is None and warn_at is not None and clock.paused_at is not None:
                # The warning keeps its distance to the due time, measured in the level's time.
                if calendar is not None:
                    before_due = business_time_between(calendar=calendar, start=warn_at, end=clock.due_at)
                    warn_at = add_business_time(
                        calendar=calendar, start=now, delta=max(left - before_due, timedelta(0))
                    )
                else:
                    warn_at = due - (clock.due_at - warn_at)
            Clock.objects.filter(pk=clock.pk).update(
                state=Clock.State.RUNNING, due_at=due, warn_at=warn_at, paused_at=None, remaining=None
            )
            complaint.resolution_due = due
        complaint.save(update_fields=["waiting_since", "waiting_reason", "resolution_due"])
        event_record(
            complaint=complaint,
            kind=EventKind.RESUMED,
            actor=actor,
            old={"resolution_due": old_due.isoformat() if old_due else None},
            new={
                "resolution_due": complaint.resolution_due.isoformat() if complaint.resolution_due else None,
                "waited": str(now - waited_since).split(".")[0],
            },
            note=note,
        )
    return complaint


def complaint_clocks_stop(*, complaint: Complaint, kind: str | None = None, now: datetime | None = None) -> int:
    """Stops the complaint's running clocks (or one kind of them); returns how many."""
    clocks = Clock.objects.filter(complaint=complaint, state__in=(Clock.State.RUNNING, Clock.State.PAUSED))
    if kind is not None:
        clocks = clocks.filter(kind=kind)
    return clocks.update(state=Clock.State.STOPPED, stopped_at=now or timezone.now())


def clocks_sweep(*, now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Warns every clock past its warning time and breaches every clock past its due time, each
    once: a clock is claimed by `UPDATE … WHERE warned_at IS NULL` (or breached_at) and only the
    sweep whose update counted 1 acts. Bounded batches, oldest first. Returns what fired."""
    now = now or timezone.now()
    warned = breached = 0
    to_warn = list(
        Clock.objects.filter(state=Clock.State.RUNNING, warned_at__isnull=True, warn_at__lte=now)
        .order_by("warn_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in to_warn:
        warned += _warn(pk, now)
    to_breach = list(
        Clock.objects.filter(state=Clock.State.RUNNING, breached_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in to_breach:
        breached += _breach(pk, now)
    return {"warned": warned, "breached": breached}


def _claim(pk: int, field: str, now: datetime) -> Clock | None:
    claimed = Clock.objects.filter(pk=pk, state=Clock.State.RUNNING, **{f"{field}__isnull": True}).update(
        **{field: now}
    )
    if not claimed:
        return None
    return Clock.objects.select_related("complaint__level", "complaint__priority", "complaint__owner").get(pk=pk)


def _label(clock: Clock) -> str:
    return str(Clock.Kind(clock.kind).label)


def _warn(pk: int, now: datetime) -> int:
    return _fire(pk, now, claim="warned_at", kind=EventKind.DEADLINE_WARNING, event=NotificationEvent.DEADLINE_WARNING)


def _breach(pk: int, now: datetime) -> int:
    return _fire(pk, now, claim="breached_at", kind=EventKind.DEADLINE_BREACHED, event=NotificationEvent.BREACH)


def _fire(pk: int, now: datetime, *, claim: str, kind: str, event: str) -> int:
    """Claims one due clock for a warning or a breach and, if this call won the claim, records it,
    notifies the event's list and (for a breach) escalates; all in one transaction, so a worker
    killed half-way leaves the clock unclaimed for the next sweep. Returns 1 if it fired."""
    with transaction.atomic():
        clock = _claim(pk, claim, now)
        if clock is None:
            return 0
        complaint = clock.complaint
        due = timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")
        event_record(
            complaint=complaint,
            kind=kind,
            new={"clock": clock.kind, "due": clock.due_at.isoformat(), "level": str(clock.level or "")},
        )
        notify_event(
            event=event,
            complaint=complaint,
            occasion=f"clock-{clock.pk}-{event}",
            context={"reason": _label(clock), "due": due},
        )
        if claim == "breached_at":
            _escalate_on_breach(complaint=complaint, clock=clock)
    return 1


def _escalate_on_breach(*, complaint: Complaint, clock: Clock) -> Any:
    """A breached level clock moves the complaint up (at the top the attempt is recorded and the
    executive alerted); a missed first response is warned and recorded, the level's own clocks
    decide the escalation."""
    from complaints.services.escalation import EscalationRefused, complaint_escalate

    if clock.kind == Clock.Kind.FIRST_RESPONSE or complaint.outcome != Outcome.OPEN:
        return None
    try:
        return complaint_escalate(
            complaint=complaint,
            reason=EscalationReason.OVERDUE,
            trigger=EscalationTrigger.DEADLINE,
            note=_("%(clock)s was due %(due)s.")
            % {"clock": _label(clock), "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")},
            seen_level_id=clock.level_id,
        )
    except EscalationRefused:
        return None  # the complaint moved since this clock started: its new clocks decide
