"""Clocks: every deadline kept as a row, warned and breached exactly once by the sweep.

`complaint_clocks_sync` mirrors the complaint's current deadlines (after triage, an escalation or
a recompute) and its P0 progress reminder; `collaboration_clock_sync`, `action_clock_sync` and
`complaint_follow_up_clock_start` do the same for a collaboration request's answer time, a
corrective action's due date and the follow-up. `clocks_sweep` claims due clocks in bounded
batches with a conditional update and acts by kind: warn, breach (a level clock escalates through
the escalation service), pass a collaboration request on, remind and re-arm.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from typing import Any

from django.db import OperationalError, connection, models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from complaints.choices import (
    ActionStatus,
    EscalationReason,
    EscalationTrigger,
    EventKind,
    NotificationEvent,
    Outcome,
    Stage,
)
from complaints.models import (
    BreachAction,
    Clock,
    CollaborationRequest,
    Complaint,
    ComplaintEvent,
    CorrectiveAction,
    CustomStepRun,
    EscalationLevel,
    StepLimit,
)
from complaints.rules.business_time import Unit, add_business_time, business_time_between, deadline, warning_time
from complaints.rules.clocks import DEFAULTS, OTHER
from complaints.rules.notify import next_reminder
from complaints.selectors.clocks import answered_by_response, clock_behaviour, level_behaviours
from complaints.selectors.common import process_settings, queue_holders
from complaints.selectors.notify import event_recipients
from complaints.selectors.once import config_row, read_once
from complaints.selectors.regional import follow_up_hours, warning_percent
from complaints.selectors.routing import level_clock, levels_by_id
from complaints.services.customer import customer_notify
from complaints.services.errors import Refused, require_handler
from complaints.services.events import event_record
from complaints.services.held_rows import created_notes, held_rows
from complaints.services.notify import Notice, notify_event, notify_many
from complaints.services.urgency import urgency_refresh

OPEN_STATES = (Clock.State.RUNNING, Clock.State.PAUSED)
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE for a transaction it rolled back to break a deadlock
COMPLAINT_KINDS = (Clock.Kind.FIRST_RESPONSE, Clock.Kind.RESPONSE, Clock.Kind.RESOLUTION, Clock.Kind.PROMISE)
ACTION_DONE = (ActionStatus.DONE, ActionStatus.EFFECTIVE, ActionStatus.NOT_EFFECTIVE)
OPEN_TASK = ("NEW", "ASSIGNED", "STARTED")
# Clocks that belong to the complaint rather than to its level: they survive an escalation.
CASE_KINDS = (Clock.Kind.FIRST_RESPONSE, Clock.Kind.PROMISE)

DEADLINE_FIELDS = {
    Clock.Kind.FIRST_RESPONSE: "first_response_due",
    Clock.Kind.RESPONSE: "response_due",
    Clock.Kind.RESOLUTION: "resolution_due",
    Clock.Kind.PROMISE: "promised_response_at",
}
ESCALATING = (BreachAction.ESCALATE, BreachAction.TOP)
LOOK = object()  # _replace: the open clock is not known yet, look for it


def complaint_clocks_sync(*, complaint: Complaint, now: datetime | None = None) -> int:
    """Makes the running clocks match the complaint's deadlines: a changed deadline stops the old
    clock and starts a new one (warned and breached afresh); a deadline that is gone stops its
    clock; a running clock not yet warned takes the level's current warning percentage. The
    first-response clock only runs until the first response is recorded; a clock that the level's
    response answered (ClockRule) stays stopped at that level; the promise to the customer
    follows the latest promise. The deadline clocks, the P0 progress reminder and the step clocks
    are read in one query, stopped in one UPDATE and started in one INSERT (an escalation moves them
    all). Returns how many clocks started, stopped or moved their warning (the reminder not counted)."""
    now = now or timezone.now()
    entered = complaint.level_entered_at or complaint.received_at or now
    # One read: the deadline clocks (open or answered), the running progress reminder and the open
    # step clocks (for complaint_task_clocks_sync below).
    rows: Any = Clock.objects.filter(complaint=complaint).filter(
        models.Q(kind__in=COMPLAINT_KINDS, state__in=OPEN_STATES)
        | models.Q(kind__in=COMPLAINT_KINDS, answered_at__isnull=False)
        | models.Q(kind=Clock.Kind.PROGRESS, state=Clock.State.RUNNING)
        | models.Q(kind=Clock.Kind.TASK, state__in=OPEN_STATES)
    )
    waiting = _ANSWER_WITH_SYNC.get()
    if waiting and complaint.pk in waiting:  # the response's answering, in the statement that reads
        level_id, at = waiting.pop(complaint.pk)
        rows = _answered_and_read(complaint=complaint, level_id=level_id, at=at, rows=rows)
    elif _kinds_of_new(complaint.pk) == set():
        rows = []  # registered by this transition, which has started none of its clocks yet: it has none
    running: dict[str, Clock] = {}
    answered: set[str] = set()
    kept: set[datetime] = set()  # promises already answered: the same promise does not run again
    progress: Clock | None = None
    step_clocks: list[Clock] = []
    for row in rows:
        if row.kind == Clock.Kind.TASK:
            step_clocks.append(row)
        elif row.kind == Clock.Kind.PROGRESS:
            progress = progress or row  # rows come by due time: the first is the one to keep
        elif row.state in OPEN_STATES:
            running[row.kind] = row
        elif row.kind == Clock.Kind.PROMISE:
            kept.add(row.due_at)
        elif row.kind in CASE_KINDS or (row.level_id == complaint.level_id and row.started_at >= entered):
            answered.add(row.kind)
    level = _level(complaint)
    calendar = level_clock(level, complaint.department_id) if level is not None else None
    percent = warning_percent(level=level, department=complaint.department_id) if level is not None else None
    behaviours = level_behaviours([complaint.level_id])
    changed = 0
    stopping: list[Clock] = []
    started: list[Clock] = []
    warnings: list[tuple[int, datetime | None]] = []  # running clocks not yet warned: their new warning time
    for kind, field in DEADLINE_FIELDS.items():
        due = getattr(complaint, field)
        if kind == Clock.Kind.FIRST_RESPONSE and complaint.stage not in (Stage.INTAKE, Stage.FIRST_RESPONSE):
            due = None
        if kind == Clock.Kind.PROMISE and kind not in running and (due in kept or (due is not None and due <= now)):
            due = None  # a promise answered (or long past, e.g. on reopening) is not timed again
        current = running.get(kind)
        # The first-response and promise clocks belong to the complaint, not to a level.
        moved = kind not in CASE_KINDS and current is not None and current.level_id != complaint.level_id
        if current is not None and (due is None or current.due_at != due or moved):
            stopping.append(current)
            current = None
        if due is None or complaint.outcome != Outcome.OPEN or kind in answered:
            continue
        rule = behaviours[(complaint.level_id, kind)]
        start = entered
        if kind == Clock.Kind.FIRST_RESPONSE:
            start = complaint.received_at or start
        if kind == Clock.Kind.PROMISE:
            start = min(now, due)
        if current is not None:
            start = current.started_at
        warn_at = (
            warning_time(start=start, due=due, percent=percent, calendar=calendar)
            if percent is not None and rule.warns
            else None
        )
        if current is not None:
            if current.state == Clock.State.RUNNING and current.warned_at is None and current.warn_at != warn_at:
                warnings.append((current.pk, warn_at))
            continue
        clock = Clock(complaint=complaint, kind=kind, level=level, started_at=start, due_at=due, warn_at=warn_at)
        if kind == Clock.Kind.RESOLUTION and complaint.waiting_since is not None:
            # A new level's resolution clock waits too while the customer is asked: it starts paused
            # with the time it has left (as `_pause` would leave it).
            clock.state, clock.paused_at, clock.remaining = Clock.State.PAUSED, now, _left(calendar, now, due)
        started.append(clock)
    changed += len(stopping) + len(started)
    progress_stop, progress_start = _progress_plan(complaint, now, current=progress, level=level)
    task_stops, task_starts = _task_clocks_plan(complaint=complaint, now=now, open_clocks=step_clocks, level=level)
    changed += len(task_stops) + len(task_starts)
    changed += _write_at_once(
        stops=[*stopping, *progress_stop, *task_stops],
        warnings=warnings,
        starts=[*started, *progress_start, *task_starts],
        now=now,
    )
    urgency_refresh(complaint_ids=[complaint.pk])  # the lists sort by the governing clock
    return changed


def _write_at_once(
    *, stops: list[Clock], warnings: list[tuple[int, datetime | None]], starts: list[Clock], now: datetime
) -> int:
    """Stops the clocks still open among `stops`, moves the warnings of the running clocks not yet
    warned, and starts `starts`: on PostgreSQL one statement (each a data-modifying WITH; the stop
    runs before the INSERT, one open clock per kind), elsewhere (and where there is only one
    statement to send) one UPDATE, one per warning and one INSERT. Nothing is sent for a part with
    nothing to do. Returns how many warnings moved."""
    _noted(starts)
    if connection.vendor != "postgresql" or bool(stops) + len(warnings) + bool(starts) < 2:
        _stop_all(stops, now)
        moved = sum(Clock.objects.filter(pk=pk, warned_at__isnull=True).update(warn_at=at) for pk, at in warnings)
        Clock.objects.bulk_create(starts)
        return moved
    table = connection.ops.quote_name(Clock._meta.db_table)
    parts: list[str] = []
    params: list[Any] = []
    if stops:
        parts.append(
            f"stopped AS (UPDATE {table} SET state = %s, stopped_at = %s"  # noqa: S608 (our names; values are parameters)
            " WHERE id = ANY(%s) AND state = ANY(%s) RETURNING id)"
        )
        params += [Clock.State.STOPPED, now, [clock.pk for clock in stops], list(OPEN_STATES)]
    if warnings:
        parts.append(
            f"warned AS (UPDATE {table} AS c SET warn_at = w.at"  # noqa: S608 (our names; values are parameters)
            " FROM unnest(CAST(%s AS bigint[]), CAST(%s AS timestamptz[])) AS w(id, at)"
            " WHERE c.id = w.id AND c.warned_at IS NULL RETURNING c.id)"
        )
        params += [[pk for pk, _at in warnings], [at for _pk, at in warnings]]
    if starts:
        columns, casts = _clock_columns()
        rows = ", ".join(f"({casts})" for _clock in starts)
        # After the stop (it is read first): one open clock per kind (clock_one_open_per_kind).
        after = " WHERE (SELECT count(*) FROM stopped) >= 0" if stops else ""
        parts.append(
            f"started AS (INSERT INTO {table} ({columns}) SELECT * FROM (VALUES {rows}) AS v{after} RETURNING id)"  # noqa: S608
        )
        for clock in starts:
            params += _clock_values(clock)
    if not parts:
        return 0
    counted = "(SELECT count(*) FROM warned)" if warnings else "0"
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {counted}", params)
        return int(cursor.fetchone()[0])


def _clock_fields() -> list[Any]:
    return [field for field in Clock._meta.concrete_fields if not field.primary_key]


def _clock_columns() -> tuple[str, str]:
    """A clock row's columns, and its values' placeholders cast to their types (an INSERT … SELECT
    of parameters, which PostgreSQL cannot type by the target columns as it does in VALUES)."""
    fields = _clock_fields()
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    return columns, ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in fields)


def _clock_values(clock: Clock) -> list[Any]:
    """A new clock's values for _clock_columns, as Django would save them."""
    return [field.get_db_prep_save(field.pre_save(clock, True), connection) for field in _clock_fields()]


# The key of held_rows.created_notes under which a new complaint keeps the kinds of its clocks.
CLOCK_KINDS = "clock_kinds"


def _kinds_of_new(complaint_id: Any) -> set[str] | None:
    """For a complaint this transition registered (held_rows.created_here): the kinds of the clocks it
    has, which are those this transition started (`_noted` as they start; no other transaction sees
    the complaint before this one commits), so the clocks it has none of need not be looked for.
    None for any other complaint, whose clocks are read."""
    notes = created_notes(Complaint, complaint_id)
    return None if notes is None else notes.setdefault(CLOCK_KINDS, set())


def _note_kind(complaint_id: Any, kind: str) -> None:
    """Notes a kind of clock about to be started for a complaint this transition registered
    (`_kinds_of_new`; noted before the INSERT: a kind noted and not written only costs a read)."""
    kinds = _kinds_of_new(complaint_id) if complaint_id is not None else None
    if kinds is not None:
        kinds.add(kind)


def _noted(clocks: Iterable[Clock]) -> None:
    for clock in clocks:
        _note_kind(clock.complaint_id, clock.kind)


# Complaint id → (its level's id, the time) of a response whose answering waits for the sync.
_ANSWER_WITH_SYNC: ContextVar[dict[int, tuple[int, datetime]] | None] = ContextVar("redress_answer", default=None)


@contextmanager
def clocks_answered_with_sync() -> Iterator[None]:
    """Inside it (a transition that syncs the case's clocks after a response: an escalation tells the
    customer, then moves the clocks), a response's answering of the level's clocks
    (complaint_clocks_answered, without `stops`) waits for complaint_clocks_sync, which stops and marks
    them in the statement that reads the clocks (PostgreSQL). What still waits when it ends is done then."""
    if connection.vendor != "postgresql" or _ANSWER_WITH_SYNC.get() is not None:
        yield
        return
    waiting: dict[int, tuple[int, datetime]] = {}
    token = _ANSWER_WITH_SYNC.set(waiting)
    try:
        yield
    finally:
        _ANSWER_WITH_SYNC.reset(token)
    for pk, (level_id, at) in waiting.items():
        _answer(complaint_pk=pk, level_id=level_id, now=at)


def _answering(level_id: int) -> models.Q:
    """The open clocks a response at this level answers: the level's own and the promise (made at
    any level), where their rule says a response answers them."""
    return (models.Q(level_id=level_id) | models.Q(kind=Clock.Kind.PROMISE)) & answered_by_response()


def _answer(*, complaint_pk: int, level_id: int, now: datetime) -> int:
    clocks = Clock.objects.filter(complaint_id=complaint_pk, state__in=OPEN_STATES).filter(_answering(level_id))
    stopped = clocks.update(state=Clock.State.STOPPED, stopped_at=now, answered_at=now)
    if stopped:
        urgency_refresh(complaint_ids=[complaint_pk])  # the lists sort by the governing clock
    return stopped


def _answered_and_read(*, complaint: Complaint, level_id: int, at: datetime, rows: Any) -> Any:
    """complaint_clocks_sync's read, after the response's answering, as one statement: the UPDATE
    stopping and marking the answered clocks is a WITH whose rows come back as they now are (the
    deadline clocks among them: answered; a step clock or a reminder it stopped is no longer read),
    with the other rows the read finds (PostgreSQL)."""
    answering = Clock.objects.filter(complaint=complaint, state__in=OPEN_STATES).filter(_answering(level_id))
    answering_sql, answering_params = answering.values("id").query.sql_with_params()
    read_sql, read_params = rows.order_by().values("id").query.sql_with_params()
    table = connection.ops.quote_name(Clock._meta.db_table)
    statement = (
        f"WITH answered AS (UPDATE {table} SET state = %s, stopped_at = %s, answered_at = %s"  # noqa: S608 (Django's SQL, our names)
        f" WHERE id IN ({answering_sql}) RETURNING *)"
        " SELECT * FROM answered WHERE kind = ANY(%s)"
        f" UNION ALL SELECT * FROM {table} WHERE id IN ({read_sql}) AND id NOT IN (SELECT id FROM answered)"
        " ORDER BY due_at, id"
    )
    params = [Clock.State.STOPPED, at, at, *answering_params, list(COMPLAINT_KINDS), *read_params]
    return list(Clock.objects.raw(statement, params))


def _level(complaint: Complaint) -> EscalationLevel | None:
    """The complaint's level: the row it holds, else the configuration's copy (no query of its own
    when the levels were read under the current configuration)."""
    return config_row(complaint, "level", levels_by_id)


def _left(calendar: Any, now: datetime, due: datetime) -> timedelta:
    """The time a clock has left until `due`, in its level's business time (or calendar time)."""
    remaining = business_time_between(calendar=calendar, start=now, end=due) if calendar is not None else due - now
    return max(remaining, timedelta(0))


def complaint_clocks_answered(
    *, complaint: Complaint, now: datetime | None = None, answered: bool = True, stops: tuple[str, ...] = ()
) -> int:
    """The level responded or decided (a contact, a verification, an action, a proposal, a request
    to another department, a wait for the customer): stops the open clocks of the complaint's
    current level (and its promise to the customer) whose rule says a response answers them, and
    marks them answered so that a later resync leaves them stopped. `stops`: kinds stopped as well
    whatever their rule (not marked answered unless their rule says so); `answered=False`: only
    those. One query. Returns how many stopped."""
    if complaint.level_id is None and not stops:
        return 0
    now = now or timezone.now()
    # The promise belongs to the case (made at any level); the others to the current level.
    answering = _answering(complaint.level_id) if answered and complaint.level_id is not None else models.Q(pk=None)
    if not stops:
        waiting = _ANSWER_WITH_SYNC.get()
        if waiting is not None and answered and complaint.pk not in waiting:
            waiting[complaint.pk] = (complaint.level_id, now)  # done by the sync's read (or at the block's end)
            return 0
        return _answer(complaint_pk=complaint.pk, level_id=complaint.level_id, now=now) if answered else 0
    else:
        clocks = Clock.objects.filter(complaint=complaint, state__in=OPEN_STATES).filter(
            answering | models.Q(kind__in=stops)
        )
        stopped = clocks.update(
            state=Clock.State.STOPPED,
            stopped_at=now,
            answered_at=models.Case(models.When(answering, then=models.Value(now)), default=models.F("answered_at")),
        )
    if stopped:
        urgency_refresh(complaint_ids=[complaint.pk])  # the lists sort by the governing clock
    return stopped


def complaint_promise_set(*, complaint: Complaint, promised_by: datetime, now: datetime | None = None) -> Clock | None:
    """A new promise to the customer replaces the one before: the promise clock runs to it, warns
    the owner at the level's percentage and, passed unmet, is the "committed time passed" trigger."""
    if complaint.promised_response_at != promised_by:  # else the caller set it and saves it (escalation)
        complaint.promised_response_at = promised_by
        complaint.save(update_fields=["promised_response_at"])  # held with the transition's others
    now = now or timezone.now()
    level = _level(complaint)
    rule = clock_behaviour(level_id=complaint.level_id, kind=Clock.Kind.PROMISE)
    calendar = level_clock(level, complaint.department_id) if level is not None else None
    start = min(now, promised_by)
    warn = (
        warning_time(
            start=start,
            due=promised_by,
            percent=warning_percent(level=level, department=complaint.department_id),
            calendar=calendar,
        )
        if level is not None and rule.warns
        else None
    )
    if complaint.outcome != Outcome.OPEN or complaint.stage == Stage.CLOSED:
        return None
    return _replace(complaint=complaint, kind=Clock.Kind.PROMISE, subject=0, due=promised_by, warn=warn, now=now)


def _progress_plan(
    complaint: Complaint, now: datetime, *, current: Clock | None, level: EscalationLevel | None
) -> tuple[list[Clock], list[Clock]]:
    """A P0 complaint (its priority alerts the P0 list) reminds its owner to post a progress update
    every interval while it is open; another priority or closing stops the reminder. `current`: the
    running reminder (the caller read it with the other clocks). Returns the clocks to stop and to
    start (the caller writes them with the others)."""
    wanted = bool(complaint.priority and complaint.priority.alert) and complaint.outcome == Outcome.OPEN
    if current is not None and not wanted:
        return [current], []
    if current is None and wanted:
        interval = timedelta(minutes=process_settings().progress_reminder_minutes)
        clock = Clock(complaint=complaint, kind=Clock.Kind.PROGRESS, level=level, started_at=now, due_at=now + interval)
        return [], [clock]
    return [], []


def _replace(
    *,
    complaint: Complaint,
    kind: str,
    subject: int,
    due: datetime | None,
    warn: datetime | None,
    now: datetime,
    new: bool = False,
    current: Any = LOOK,
) -> Clock | None:
    """Keeps the open clock of (kind, subject) if its times are unchanged, else stops it and (with
    a due time) starts a new one. `new`: the subject was just created and has no clock to look
    for; `current`: the open clock, if the caller has just read it. Returns the running clock, if any."""
    if due is not None:
        _note_kind(complaint.pk, kind)
    if current is LOOK and due is None:  # the subject's clock ends: one UPDATE stops it, nothing read first
        if not new:
            _stop_where(models.Q(complaint=complaint, kind=kind, subject=subject), now)
        urgency_refresh(complaint_ids=[complaint.pk])
        return None
    if current is LOOK and not new and due is not None and connection.vendor == "postgresql":
        return _replace_at_once(complaint=complaint, kind=kind, subject=subject, due=due, warn=warn, now=now)
    if current is LOOK:
        current = (
            None
            if new
            else Clock.objects.filter(complaint=complaint, kind=kind, subject=subject, state__in=OPEN_STATES).first()
        )
    if current is not None and due is not None and current.due_at == due and current.warn_at == warn:
        return current
    if current is not None:
        _stop(current, now)
    clock = None
    if due is not None:
        clock = Clock.objects.create(
            complaint=complaint,
            kind=kind,
            subject=subject,
            level=_level(complaint),
            started_at=now,
            due_at=due,
            warn_at=warn,
        )
    urgency_refresh(complaint_ids=[complaint.pk])  # the lists sort by the governing clock
    return clock


def _replace_at_once(
    *, complaint: Complaint, kind: str, subject: int, due: datetime, warn: datetime | None, now: datetime
) -> Clock | None:
    """_replace with a due time, in one statement (PostgreSQL): the open clock of (kind, subject)
    is stopped unless its times are these, and a new one inserted unless such a clock stays open
    (both parts see the rows as they were before the statement). Returns the running clock."""
    clock = Clock(complaint=complaint, kind=kind, subject=subject, level=_level(complaint), started_at=now)
    clock.due_at, clock.warn_at = due, warn
    values = _clock_values(clock)
    columns, casts = _clock_columns()
    table = connection.ops.quote_name(Clock._meta.db_table)
    this = "complaint_id = %s AND kind = %s AND subject = %s AND state = ANY(%s)"
    keys = [complaint.pk, kind, subject, list(OPEN_STATES)]
    unchanged = "due_at = %s AND warn_at IS NOT DISTINCT FROM %s"
    statement = (
        f"WITH stopped AS (UPDATE {table} SET state = %s, stopped_at = %s WHERE {this} AND NOT ({unchanged})"  # noqa: S608 (our names)
        " RETURNING id)"
        f" INSERT INTO {table} ({columns}) SELECT {casts}"
        f" WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {this} AND {unchanged})"
        # Read first, so the old clock is stopped before the new one is inserted (one open clock
        # per kind and subject: clock_one_open_per_kind); PostgreSQL would otherwise run an unread
        # WITH after the main statement.
        " AND (SELECT count(*) FROM stopped) >= 0 RETURNING id"
    )
    params = [Clock.State.STOPPED, now, *keys, due, warn, *values, *keys, due, warn]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    urgency_refresh(complaint_ids=[complaint.pk])  # the lists sort by the governing clock
    if row is None:  # the open clock had these times: kept
        return Clock.objects.filter(complaint=complaint, kind=kind, subject=subject, state__in=OPEN_STATES).first()
    clock.pk = row[0]
    clock._state.adding, clock._state.db = False, "default"
    return clock


def complaint_task_clocks_sync(
    *, complaint: Complaint, now: datetime | None = None, open_clocks: list[Clock] | None = None
) -> int:
    """Brings the clocks of the complaint's tasks in line: every open task of a step for which the
    complaint's level sets a limit (for its priority) has one, due that long after the task was
    created (or, after an escalation, after the complaint reached its level) and warned at the
    level's percentage; finished tasks, steps without a limit and another level's clocks have none.
    One UPDATE when the level sets no step limit (none when `open_clocks`, the open step clocks the
    caller has just read, is given and empty; inside a transition that holds its rows, a part of
    their statement: `_stop_where`). Returns how many clocks started or stopped (a held stop: 0)."""
    now = now or timezone.now()
    level = _level(complaint)
    kinds = _kinds_of_new(complaint.pk)
    if open_clocks is None and kinds is not None and Clock.Kind.TASK not in kinds:
        open_clocks = []  # registered by this transition, which has started none of its step clocks
    if open_clocks is None and not _step_limits(complaint, level):
        return _stop_where(models.Q(complaint=complaint, kind=Clock.Kind.TASK), now)
    stops, starts = _task_clocks_plan(complaint=complaint, now=now, open_clocks=open_clocks, level=level)
    _stop_all(stops, now)
    _noted(starts)
    Clock.objects.bulk_create(starts)
    return len(stops) + len(starts)


def _step_limits(complaint: Complaint, level: EscalationLevel | None) -> dict[str, StepLimit]:
    """The step limits of the complaint's level for its priority, by step (the process's copy)."""
    priority_id = complaint.priority_id
    if level is None or priority_id is None:
        return {}
    return _every_step_limit().get((level.pk, priority_id), {})


def _every_step_limit() -> dict[tuple[int, int], dict[str, StepLimit]]:
    """Every level's step limits by (level id, priority id), then step: one read for the whole
    ladder (the configuration's copy), so an escalation to a level not yet asked about reads none."""

    def load() -> dict[tuple[int, int], dict[str, StepLimit]]:
        limits: dict[tuple[int, int], dict[str, StepLimit]] = {}
        for limit in StepLimit.objects.order_by():
            limits.setdefault((limit.level_id, limit.priority_id), {})[limit.step] = limit
        return limits

    return read_once("step_limits", load, shared=True)


def _task_clocks_plan(
    *, complaint: Complaint, now: datetime, open_clocks: list[Clock] | None, level: EscalationLevel | None
) -> tuple[list[Clock], list[Clock]]:
    """The step clocks to stop and to start (complaint_task_clocks_sync says which); `open_clocks`:
    the open step clocks, read here when not given. Reads the open tasks only where the level sets
    step limits."""
    limits = _step_limits(complaint, level)
    if open_clocks is None:
        open_clocks = list(Clock.objects.filter(complaint=complaint, kind=Clock.Kind.TASK, state__in=OPEN_STATES))
    if not limits or level is None:
        return list(open_clocks), []
    calendar = level_clock(level, complaint.department_id)
    percent = warning_percent(level=level, department=complaint.department_id)
    wanted: dict[int, tuple[datetime, datetime]] = {}
    for task in Task.objects.filter(process_id=complaint.pk, status__in=OPEN_TASK):
        limit = limits.get(task.flow_task.name if task.flow_task is not None else "")
        if limit is None:
            continue
        start = max(task.created, complaint.level_entered_at or task.created)
        due = deadline(start=start, amount=limit.amount, unit=Unit(limit.unit), calendar=calendar)
        wanted[task.pk] = (due, warning_time(start=start, due=due, percent=percent, calendar=calendar))
    stops = []
    for clock in open_clocks:
        if wanted.get(clock.subject) == (clock.due_at, clock.warn_at) and clock.level_id == level.pk:
            del wanted[clock.subject]  # unchanged: keeps its warning and breach state
        else:
            stops.append(clock)
    starts = [
        Clock(
            complaint=complaint,
            kind=Clock.Kind.TASK,
            subject=subject,
            level=level,
            started_at=now,
            due_at=due,
            warn_at=warn,
        )
        for subject, (due, warn) in wanted.items()
    ]
    return stops, starts


def collaboration_clock_sync(
    *, request: CollaborationRequest, now: datetime | None = None, new: bool = False
) -> Clock | None:
    """The answer clock of a collaboration request follows its answer time (each step of the chain
    has its own); an answered request has none. `new`: the request was just made (it has no clock
    yet to look for). Returns the running clock, if any."""
    due = None if request.answered_at is not None else request.response_due
    return _replace(
        complaint=request.case,
        kind=Clock.Kind.COLLABORATION,
        subject=request.pk,
        due=due,
        warn=None,
        now=now or timezone.now(),
        new=new,
    )


def appeal_clock_sync(*, appeal: Any, percent: int | None = None, now: datetime | None = None) -> Clock | None:
    """The office's clock of an appeal: running to its decision time while it is undecided, warning
    the office at the portal settings' percentage (`percent`, read when the appeal is made); a
    decided appeal has none. Returns the running clock, if any."""
    now = now or timezone.now()
    due = appeal.due_at if appeal.decided_at is None else None
    if due is None:
        return _replace(complaint=appeal.case, kind=Clock.Kind.APPEAL, subject=appeal.pk, due=None, warn=None, now=now)
    warn = warning_time(start=min(now, due), due=due, percent=percent, calendar=None) if percent else None
    current = Clock.objects.filter(
        complaint_id=appeal.case_id, kind=Clock.Kind.APPEAL, subject=appeal.pk, state__in=OPEN_STATES
    ).first()
    if percent is None and current is not None and current.due_at == due:
        return current  # unchanged: keeps its warning
    return _replace(
        complaint=appeal.case, kind=Clock.Kind.APPEAL, subject=appeal.pk, due=due, warn=warn, now=now, current=current
    )


def action_due_at(due_date: Any) -> datetime:
    """A corrective action is due at the end of its due date, in the server's time zone."""
    return datetime.combine(due_date + timedelta(days=1), time(0), tzinfo=timezone.get_current_timezone())


def action_clock_sync(*, action: CorrectiveAction, now: datetime | None = None, new: bool = False) -> Clock | None:
    """The due-date clock of a corrective action: running while the action is open and has a due
    date, warning its owner and department head the admin's hours before the end of that date.
    Call it wherever an action is written (`new`: just created, it has no clock to stop). Returns
    the running clock, if any."""
    open_action = action.due_date is not None and action.status not in ACTION_DONE
    due = action_due_at(action.due_date) if open_action else None
    warn = due - timedelta(hours=process_settings().action_warning_hours) if due is not None else None
    return _replace(
        complaint=action.complaint,
        kind=Clock.Kind.ACTION,
        subject=action.pk,
        due=due,
        warn=warn,
        now=now or timezone.now(),
        new=new,
    )


def decision_clock_sync(*, decision: Any, now: datetime | None = None) -> Clock | None:
    """The due-date clock of a review decision, timed as a corrective action's (due at the end of
    its due date, warning the admin's hours before): running while the decision is open, stopped
    when it is done. It belongs to no complaint. Returns the running clock, if any."""
    now = now or timezone.now()
    due = action_due_at(decision.due_date) if decision.status == "open" else None
    warn = due - timedelta(hours=process_settings().action_warning_hours) if due is not None else None
    current = Clock.objects.filter(
        complaint__isnull=True, kind=Clock.Kind.DECISION, subject=decision.pk, state__in=OPEN_STATES
    ).first()
    if current is not None and due is not None and current.due_at == due and current.warn_at == warn:
        return current
    if current is not None:
        _stop(current, now)
    if due is None:
        return None
    return Clock.objects.create(
        complaint=None, kind=Clock.Kind.DECISION, subject=decision.pk, started_at=now, due_at=due, warn_at=warn
    )


def complaint_follow_up_clock_start(*, complaint: Complaint, now: datetime | None = None) -> Clock | None:
    """After closing, the follow-up (satisfaction check) is due the admin's hours later; recording
    it stops the clock. Returns the new clock (None when the complaint is already followed up)."""
    if complaint.followed_up_at is not None or complaint.closed_at is None:
        return None
    due = complaint.closed_at + timedelta(
        hours=follow_up_hours(settings_row=process_settings(), department=complaint.department_id).value
    )
    return _replace(
        complaint=complaint, kind=Clock.Kind.FOLLOW_UP, subject=0, due=due, warn=None, now=now or timezone.now()
    )


def open_clocks_recompute(*, now: datetime | None = None) -> int:
    """Applies today's process settings to open clocks: a corrective action not yet warned gets
    the new warning time, a P0 reminder its next beat counted from the start of its current
    interval (at once if that is past). The level limits have their own action (recompute
    deadlines of open complaints). Returns how many clocks changed."""
    now = now or timezone.now()
    changed = 0
    settings_row = process_settings()
    before = timedelta(hours=settings_row.action_warning_hours)
    actions = Clock.objects.filter(
        kind__in=(Clock.Kind.ACTION, Clock.Kind.DECISION), state=Clock.State.RUNNING, warned_at__isnull=True
    )
    for clock in actions.exclude(warn_at=models.F("due_at") - before):
        changed += Clock.objects.filter(pk=clock.pk, warn_at=clock.warn_at, warned_at__isnull=True).update(
            warn_at=clock.due_at - before
        )
    interval = timedelta(minutes=settings_row.progress_reminder_minutes)
    for clock in Clock.objects.filter(kind=Clock.Kind.PROGRESS, state=Clock.State.RUNNING):
        due = max(clock.started_at + interval, now)
        if due != clock.due_at:
            changed += Clock.objects.filter(pk=clock.pk, due_at=clock.due_at).update(due_at=due)
    return changed


def _stop_where(where: models.Q, now: datetime) -> int:
    """Stops the open clocks `where` selects, in one UPDATE that reads nothing first; inside a
    transition that holds its rows, held with them (written in their statement, before anything
    reads the clocks: complaints/services/held_rows.py). Returns how many stopped (held: 0)."""
    where &= models.Q(state__in=OPEN_STATES)
    held = held_rows()
    if held is not None:
        held.hold_stop(Clock, where, {"state": Clock.State.STOPPED, "stopped_at": now})
        return 0
    return Clock.objects.filter(where).update(state=Clock.State.STOPPED, stopped_at=now)


def _stop(clock: Clock, now: datetime) -> None:
    _stop_all([clock], now)


def _stop_all(clocks: list[Clock], now: datetime) -> int:
    """Stops the clocks still open among `clocks`, in one UPDATE (none for no clocks)."""
    if not clocks:
        return 0
    return Clock.objects.filter(pk__in=[clock.pk for clock in clocks], state__in=OPEN_STATES).update(
        state=Clock.State.STOPPED, stopped_at=now
    )


def _pause(clock: Clock, now: datetime, department_id: int | None) -> None:
    calendar = level_clock(clock.level, department_id) if clock.level is not None else None
    if calendar is not None:
        remaining = business_time_between(calendar=calendar, start=now, end=clock.due_at)
    else:
        remaining = clock.due_at - now
    Clock.objects.filter(pk=clock.pk, state=Clock.State.RUNNING).update(
        state=Clock.State.PAUSED, paused_at=now, remaining=max(remaining, timedelta(0))
    )


class WaitRefused(Refused):
    """The complaint cannot start or stop waiting as asked; the message says why (translated)."""


def complaint_wait_for_customer(
    *, complaint: Complaint, actor: Any, reason: str, now: datetime | None = None
) -> Complaint:
    """The case waits on the customer (documents, a visit, a decision): the resolution clock
    pauses with the time it had left, and nothing warns or breaches until the customer answers."""
    require_handler(complaint=complaint, actor=actor, error=WaitRefused)
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
            _pause(clock, now, complaint.department_id)
        urgency_refresh(complaint_ids=[complaint.pk])  # the lists sort by the governing clock
        event_record(
            complaint=complaint, kind=EventKind.WAITING, actor=actor, new={"since": now.isoformat()}, note=reason
        )
        customer_notify(
            complaint=complaint,
            event=NotificationEvent.CUSTOMER_WAITING,
            occasion=f"waiting-{now.isoformat()}",
            context={"reason": reason},
        )
    return complaint


def complaint_customer_answered(
    *, complaint: Complaint, actor: Any, note: str = "", now: datetime | None = None
) -> Complaint:
    """The customer answered: the resolution clock resumes with the time it had left (in the
    level's business or calendar time), so the resolution deadline moves by the waiting time; a
    warning not yet given moves with it."""
    require_handler(complaint=complaint, actor=actor, error=WaitRefused)
    now = now or timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        if complaint.waiting_since is None:
            raise WaitRefused(_("The complaint is not waiting for the customer."))
        waited_since, old_due = complaint.waiting_since, complaint.resolution_due
        complaint.waiting_since, complaint.waiting_reason = None, ""
        paused = Clock.objects.filter(complaint=complaint, kind=Clock.Kind.RESOLUTION, state=Clock.State.PAUSED)
        for clock in paused.select_related("level__calendar"):
            calendar = level_clock(clock.level, complaint.department_id) if clock.level is not None else None
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
        urgency_refresh(complaint_ids=[complaint.pk])  # the lists sort by the governing clock
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
    """Stops the complaint's open clocks (or one kind of them); returns how many. Corrective
    actions keep their own clocks: their due dates outlive the case (action_clock_sync stops them)."""
    clocks = Clock.objects.filter(complaint=complaint, state__in=OPEN_STATES)
    clocks = clocks.filter(kind=kind) if kind is not None else clocks.exclude(kind=Clock.Kind.ACTION)
    stopped = clocks.update(state=Clock.State.STOPPED, stopped_at=now or timezone.now())
    urgency_refresh(complaint_ids=[complaint.pk])  # the lists sort by the governing clock
    return stopped


def clocks_sweep(*, now: datetime | None = None, batch: int = 500, max_batches: int | None = None) -> dict[str, int]:
    """Acts on every due clock once, oldest first, batch after batch until nothing is due (a
    morning after an outage drains in one tick): a clock past its warning time warns, one past its
    due time breaches (what that does is its level's rule: warn only, notify the breach list,
    escalate one level or to the top), a collaboration request passes to the next holder of its
    chain, a P0 reminder reminds and re-arms. Returns what fired.

    Two sweeps take different clocks, but clocks of one case may fall to both, and escalating it
    locks its row: when PostgreSQL breaks such a deadlock, the losing batch has rolled back whole
    and is taken again (its clocks are unclaimed), once per batch."""
    now = now or timezone.now()
    result = {"warned": 0, "breached": 0, "passed_on": 0, "reminded": 0}
    rounds = 0
    while True:
        try:
            fired, full = _sweep_batch(now=now, batch=batch)
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
            fired, full = _sweep_batch(now=now, batch=batch)
        for key, value in fired.items():
            result[key] += value
        rounds += 1
        if not full or (max_batches is not None and rounds >= max_batches):
            return result


def _sweep_batch(*, now: datetime, batch: int) -> tuple[dict[str, int], bool]:
    """One batch in one transaction: the due clocks are locked (`FOR UPDATE SKIP LOCKED`, so two
    sweeps take different rows) and claimed (`warned_at`/`breached_at` set); the clocks of one
    case due together make one event each and one message per recipient naming them all; events
    and notifications are bulk-written; recipients and rules are read once per batch. A worker
    killed before the commit leaves every clock of the batch unclaimed for the next sweep.
    Returns what fired and whether the batch was full (more may be due)."""
    result = {"warned": 0, "breached": 0, "passed_on": 0, "reminded": 0}
    with transaction.atomic():
        lockable = Clock.objects.select_for_update(skip_locked=True, of=("self",))
        warn_ids = list(
            lockable.filter(state=Clock.State.RUNNING, warned_at__isnull=True, warn_at__lte=now)
            .order_by("warn_at")
            .values_list("pk", flat=True)[:batch]
        )
        breach_rows = list(
            lockable.filter(state=Clock.State.RUNNING, breached_at__isnull=True, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", "kind", "due_at")[:batch]
        )
        full = len(warn_ids) == batch or len(breach_rows) == batch
        breach_ids = [
            pk for pk, kind, _due in breach_rows if kind not in (Clock.Kind.PROGRESS, Clock.Kind.COLLABORATION)
        ]
        if warn_ids:
            Clock.objects.filter(pk__in=warn_ids).update(warned_at=now)
        if breach_ids:
            Clock.objects.filter(pk__in=breach_ids).update(breached_at=now)
        fired = list(
            Clock.objects.filter(pk__in=warn_ids + breach_ids).select_related(
                "complaint__level", "complaint__priority", "complaint__owner", "complaint__department"
            )
        )
        warned = [c for c in fired if c.pk in set(warn_ids)]
        breached = [c for c in fired if c.pk in set(breach_ids)]
        if any(c.complaint_id is None for c in fired):
            from complaints.services.decisions import decisions_fire  # a review's decisions: no case

            told = decisions_fire(
                warned=[c for c in warned if c.complaint_id is None],
                breached=[c for c in breached if c.complaint_id is None],
                now=now,
            )
            result["warned"], result["breached"] = told
            warned = [c for c in warned if c.complaint_id is not None]
            breached = [c for c in breached if c.complaint_id is not None]
        fired_warned, fired_breached = _fire_many(warned=warned, breached=breached, now=now)
        result["warned"] += fired_warned
        result["breached"] += fired_breached
    for pk, kind, due in breach_rows:
        if kind == Clock.Kind.PROGRESS:
            result["reminded"] += _remind(pk, due, now)
        elif kind == Clock.Kind.COLLABORATION:
            result["passed_on"] += _pass_on(pk, now)
    return result, full


def _claim(pk: int, field: str, now: datetime) -> Clock | None:
    claimed = Clock.objects.filter(pk=pk, state=Clock.State.RUNNING, **{f"{field}__isnull": True}).update(
        **{field: now}
    )
    if not claimed:
        return None
    return Clock.objects.select_related("complaint__level", "complaint__priority", "complaint__owner").get(pk=pk)


def _label(clock: Clock) -> str:
    return str(Clock.Kind(clock.kind).label)


def _fire_many(*, warned: list[Clock], breached: list[Clock], now: datetime) -> tuple[int, int]:
    """Records and tells the claimed clocks' warnings and breaches, grouped per case and event,
    then escalates each case whose breached clocks' rules say so, once. Returns (warned, breached)."""
    behaviours = level_behaviours({c.level_id for c in warned + breached})
    actions = {
        action.pk: action
        for action in CorrectiveAction.objects.select_related("owner", "department__head").filter(
            pk__in=[c.subject for c in warned + breached if c.kind == Clock.Kind.ACTION]
        )
    }
    tasks = {
        t.pk: t
        for t in Task.objects.select_related("owner").filter(
            pk__in=[c.subject for c in warned + breached if c.kind == Clock.Kind.TASK]
        )
    }
    # A custom step's clock times its run (a process of its own): the run's open task says who is told.
    step_tasks = {
        t.process_id: t
        for t in Task.objects.select_related("owner").filter(
            process_id__in=[c.subject for c in warned + breached if c.kind == Clock.Kind.CUSTOM_STEP],
            status__in=OPEN_TASK,
        )
    }
    step_runs = CustomStepRun.objects.select_related("step").in_bulk(list(step_tasks))

    appeal_offices = dict(
        Task.objects.filter(process_id__in=[c.subject for c in warned + breached if c.kind == Clock.Kind.APPEAL])
        .exclude(owner_permission__isnull=True)
        .exclude(owner_permission="")
        .values_list("process_id", "owner_permission")
    )
    groups: dict[tuple[int, str], dict[str, Any]] = {}
    events: list[ComplaintEvent] = []
    counts = [0, 0]
    escalate: dict[int, tuple[Complaint, list[Clock], bool]] = {}
    for breach, clocks in ((False, warned), (True, breached)):
        for clock in clocks:
            complaint = clock.complaint
            if complaint is None:  # a review decision's: decisions_fire tells it
                continue
            rule = behaviours.get((clock.level_id, clock.kind), OTHER)
            new: dict[str, Any] = {
                "clock": clock.kind,
                "due": clock.due_at.isoformat(),
                "level": str(clock.level or ""),
            }
            reason: Any = Clock.Kind(clock.kind).label
            recipients: list[Any] | None = None
            if clock.kind == Clock.Kind.TASK:
                task = tasks.get(clock.subject)
                if task is None or task.status not in OPEN_TASK:
                    _stop(clock, now)  # the step was done before its time: nothing to warn about
                    continue
                new.update(task=task.pk, step=task.flow_task.name)
                reason = format_lazy("{}: {}", reason, task.flow_task.task_title)
                recipients = [task.owner] if task.owner_id else queue_holders(task.owner_permission or "")
            if clock.kind == Clock.Kind.CUSTOM_STEP:
                step_task = step_tasks.get(clock.subject)
                if step_task is None:
                    _stop(clock, now)  # the step was done (or cancelled) before its time
                    continue
                new.update(task=step_task.pk, run=clock.subject)
                run = step_runs.get(clock.subject)
                reason = format_lazy("{}: {}", reason, run.step.name() if run is not None else "")
                holders = step_task.owner_permission or ""
                recipients = [step_task.owner] if step_task.owner_id else queue_holders(holders)
            if clock.kind == Clock.Kind.ACTION:
                action = actions.get(clock.subject)
                if action is not None:
                    new["action"] = action.pk
                    reason = format_lazy("{}: {}", reason, action.description[:80])
                    head = action.department.head if action.department is not None else None
                    recipients = [u for u in {action.owner, head} if u is not None and u.is_active]
            if clock.kind == Clock.Kind.APPEAL:
                office = appeal_offices.get(clock.subject)
                new["appeal"] = clock.subject
                people = queue_holders(office) if office else []
                # The office hears of its own clock; a breach goes to the breach list as well.
                recipients = (
                    people
                    if not breach
                    else [*event_recipients(event=NotificationEvent.BREACH, complaint=complaint), *people]
                )
            if clock.kind == Clock.Kind.PROMISE and not breach:
                recipients = [complaint.owner] if complaint.owner_id else []  # the owner made the promise
            if breach and clock.kind in DEFAULTS:
                new["action"] = rule.breach
                if rule.breach == BreachAction.WARN:
                    recipients = [complaint.owner] if complaint.owner_id else []
            event: str = NotificationEvent.BREACH if breach else NotificationEvent.DEADLINE_WARNING
            if clock.kind == Clock.Kind.FOLLOW_UP:
                event = NotificationEvent.FOLLOW_UP
            kind = EventKind.DEADLINE_BREACHED if breach else EventKind.DEADLINE_WARNING
            events.append(ComplaintEvent(complaint=complaint, kind=kind, new=new, old={}))
            group = groups.setdefault(
                (complaint.pk, event),
                {"complaint": complaint, "reasons": [], "due": [], "ids": [], "recipients": [], "list": False},
            )
            group["reasons"].append(reason)
            group["due"].append(timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"))
            group["ids"].append(str(clock.pk))
            if recipients is None:
                group["list"] = True
            else:
                group["recipients"] += recipients
            counts[breach] += 1
            if breach and clock.kind in DEFAULTS and rule.breach in ESCALATING and complaint.outcome == Outcome.OPEN:
                top = rule.breach == BreachAction.TOP
                _c, pending, was_top = escalate.get(complaint.pk, (complaint, [], False))
                escalate[complaint.pk] = (complaint, [*pending, clock], was_top or top)
    ComplaintEvent.objects.bulk_create(events)
    notices = []
    for (_pk, event), group in groups.items():
        complaint = group["complaint"]
        recipients = None
        if not group["list"] or group["recipients"]:
            listed = event_recipients(event=event, complaint=complaint) if group["list"] else []
            recipients = listed + [r for r in group["recipients"] if r not in listed]
        notices.append(
            Notice(
                event,
                complaint,
                occasion="clock-" + "-".join(group["ids"]) + f"-{event}",
                context={"reason": group["reasons"], "due": min(group["due"])},
                recipients=recipients,
            )
        )
    notify_many(notices)
    for complaint, clocks, top in escalate.values():
        _escalate_on_breach(complaint=complaint, clocks=clocks, top=top)
    return counts[0], counts[1]


def _remind(pk: int, due: datetime, now: datetime) -> int:
    """Reminds a P0 complaint's owner (the progress list) to post a progress update and re-arms the
    clock for the next interval, claimed by `UPDATE … WHERE due_at = <the due time read>`: two
    sweeps reading the same beat remind once. A closed or no longer P0 complaint stops it."""
    with transaction.atomic():
        clock = Clock.objects.select_related("complaint__priority", "complaint__owner").filter(pk=pk).first()
        if clock is None or clock.complaint is None:  # a reminder is always a complaint's
            return 0
        complaint = clock.complaint
        if not (complaint.priority and complaint.priority.alert) or complaint.outcome != Outcome.OPEN:
            _stop(clock, now)
            return 0
        interval = timedelta(minutes=process_settings().progress_reminder_minutes)
        claimed = Clock.objects.filter(pk=pk, state=Clock.State.RUNNING, due_at=due).update(
            started_at=due, due_at=next_reminder(due=due, interval=interval, now=now)
        )
        if not claimed:
            return 0
        notify_event(
            event=NotificationEvent.PROGRESS,
            complaint=complaint,
            occasion=f"clock-{pk}-{due.isoformat()}",
            context={"reason": _label(clock), "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
        )
    return 1


def _pass_on(pk: int, now: datetime) -> int:
    """A collaboration request's answer time ran out: the clock is claimed (breached_at) and the
    request passes to the next holder of its chain, whose own answer clock starts. Returns 1 if
    the request moved."""
    from complaints.services.collaboration import collaboration_pass_on

    with transaction.atomic():
        clock = _claim(pk, "breached_at", now)
        if clock is None:
            return 0
        request = (
            CollaborationRequest.objects.select_related(
                "case__priority", "case__department", "department__head", "requested_by"
            )
            .filter(pk=clock.subject)
            .first()
        )
        step = collaboration_pass_on(request=request, now=now) if request is not None else None
        if step is None:
            _stop(clock, now)
    return 1 if step else 0


def _escalate_on_breach(*, complaint: Complaint, clocks: list[Clock], top: bool = False) -> Any:
    """The case's breached clocks whose rule escalates move it up once (to the top level when a
    rule says so; at the top the attempt is recorded and the executive alerted). A passed promise
    is the "committed time passed" trigger; the clocks are stored by kind and told in the reader's
    language."""
    from complaints.services.escalation import EscalationRefused, complaint_escalate

    if complaint.outcome != Outcome.OPEN:
        return None
    promise = all(clock.kind == Clock.Kind.PROMISE for clock in clocks)
    level_ids = {clock.level_id for clock in clocks if clock.kind not in CASE_KINDS}
    try:
        with transaction.atomic():
            return complaint_escalate(
                complaint=complaint,
                reason=EscalationReason.COMMITTED_TIME if promise else EscalationReason.OVERDUE,
                trigger=EscalationTrigger.DEADLINE,
                seen_level_id=level_ids.pop() if len(level_ids) == 1 else None,
                to_top=top,
                clocks=[clock.kind for clock in clocks],
            )
    except EscalationRefused:
        return None  # the complaint moved or closed since these clocks started: its new clocks decide
