"""Reads behind the inbox, queue, archive and breached lists: each task row's case, its governing
deadline and urgency (computed in SQL, so ordering and pagination hold and a page costs the same
however many rows there are), search, the menu counts, and who may take a task over."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, StrIndex, Upper
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from viewflow.workflow.status import STATUS

from complaints.models import (
    ActionTask,
    Clock,
    CollaborationRequest,
    CompensationApproval,
    Complaint,
    ComplaintEvent,
    Department,
    Membership,
    Mention,
    TaskUrgency,
)
from complaints.rules.routing import normalise_text, parse_queue_permission
from complaints.selectors.privacy import contact_policy, held_about_phone

# The complaint a task row belongs to: the process itself, or the case of a side process (an
# approval, a collaboration request, another department's corrective action, a mention).
SIDE_PROCESSES = ("compensationapproval", "collaborationrequest", "actiontask", "mention")
CASE_ID = Coalesce(F("process__complaint__pk"), *(F(f"process__{side}__case_id") for side in SIDE_PROCESSES))


def governing_clocks() -> Q:
    """The clocks that can govern a task row: the case's own deadlines (first response, level
    response, resolution), the task's own step limit, and the clock of the side process the task
    serves (a collaboration request's answer time, a corrective action's due date; see
    OWN_CLOCK_FIRST). Reminders and the follow-up are not deadlines of the work in the row."""
    return (
        Q(kind__in=[Clock.Kind.FIRST_RESPONSE, Clock.Kind.RESPONSE, Clock.Kind.RESOLUTION])
        | Q(kind=Clock.Kind.TASK, subject=OuterRef("pk"))
        | Q(kind=Clock.Kind.COLLABORATION, subject=OuterRef("process__collaborationrequest__pk"))
        | Q(kind=Clock.Kind.ACTION, subject=OuterRef("process__actiontask__action_id"))
    )


# The lists join only the task's owner and process rows (a list query of 38 joins
# took 200 ms to plan); each page's cases (with priority, level, category and owner) and side
# processes (with what their summaries show) come in a query each (attach_cases).
LIST_RELATED = ("owner", "process")
SIDE_RELATED: dict[str, tuple[str, ...]] = {
    "compensationapproval": (),
    "collaborationrequest": ("department",),
    "actiontask": ("action", "department"),
    "mention": ("note", "mentioned"),
    # Not on the worklists: on their flows' own task lists (web.process_pages).
    "customsteprun": ("step",),
    "appeal": (),
}


def attach_cases(rows: list[Any], reader: Any = None, *, last_activity: bool = False) -> list[Any]:
    """Gives each task row of a page its case and its side process (an approval, a collaboration
    request, a corrective action, a mention), so the columns and summaries read no more rows: one
    query for the cases and one per kind of side process on the page. With `reader` (the user the
    page is for), whether they revealed each case's contact details comes with the cases. Rows read
    without a `case_id` (the archive's plain page, with_case) get it here: the process itself for a
    complaint's task, the side process's case for the others. With `last_activity`, each row's
    `last_activity` (its case's latest event) comes with the cases too."""
    wanted: dict[Any, set[int]] = {}
    for row in rows:
        model = row.flow_task.flow_class.process_class if row.flow_task is not None else None
        if model is not None and model._meta.model_name in SIDE_RELATED:
            wanted.setdefault(model, set()).add(row.process_id)
    sides = own_rows(wanted)
    for row in rows:
        if "case_id" not in row.__dict__:
            side = sides.get(row.process_id)
            model = row.flow_task.flow_class.process_class if row.flow_task is not None else None
            row.case_id = side.case_id if side is not None else row.process_id if model is Complaint else None
    cases_read = Complaint.objects.select_related("owner")
    if last_activity:
        latest = ComplaintEvent.objects.filter(complaint_id=OuterRef("pk")).order_by("-at", "-pk")
        cases_read = cases_read.annotate(latest_event=Subquery(latest.values("at")[:1], output_field=DateTimeField()))
    policy = contact_policy(reader) if reader is not None else None
    if policy is not None and policy.authenticated and not policy.admin:
        cases_read = policy.reveal_rows(cases_read)
    cases = cases_read.in_bulk({row.case_id for row in rows if getattr(row, "case_id", None)})
    if policy is not None:
        policy.reveals_read(cases.values())
    attach_config(cases.values())
    for row in rows:
        case = cases.get(getattr(row, "case_id", None))
        row.redress_case = case
        if last_activity:
            row.last_activity = case.latest_event if case is not None else None
        cache = row.process._state.fields_cache
        side = sides.get(row.process_id)
        if side is not None:
            if case is not None:
                side.case = case
            cache[side._meta.model_name] = side
        elif case is not None and case.pk == row.process_id:
            cache["complaint"] = case
    return rows


def as_own_processes(processes: list[Any]) -> list[Any]:
    """viewflow's process rows as their flows' own (a complaint, an approval, a mention…), each with
    what its summary reads (`brief`: the case and SIDE_RELATED): one query per flow on the page,
    where viewflow's `coerced` reads each row again, and its summary more. Rows already of their
    flow's class, or of a flow the code no longer has, stay as they are; the order is kept."""
    wanted: dict[Any, list[int]] = {}
    for process in processes:
        model = process.flow_class.process_class if process.flow_class is not None else None
        if model is not None and not isinstance(process, model):
            wanted.setdefault(model, []).append(process.pk)
    own = own_rows(wanted, with_case=True)
    return [own.get(process.pk, process) for process in processes]


def own_rows(wanted: dict[Any, Any], *, with_case: bool = False) -> dict[int, Any]:
    """Processes by id, read as their own models (`wanted`: model → ids), one query per model, each
    with what its summary reads (SIDE_RELATED; with `with_case`, a side process's case too)."""
    found: dict[int, Any] = {}
    for model, ids in wanted.items():
        name = model._meta.model_name
        related = (*(("case",) if with_case and name in SIDE_RELATED else ()), *SIDE_RELATED.get(name, ()))
        found.update(model.objects.select_related(*related).in_bulk(ids))
    return found


def attach_config(complaints: Any) -> None:
    """Gives each complaint its priority, level, category and department from the process's
    configuration copy (complaints.selectors.once: shared objects, only to be read) instead of
    joining four tables for every row of a page; one missing from the copy is read when used, as usual."""
    from complaints.selectors.intake_forms import categories_by_id
    from complaints.selectors.routing import departments_by_id, levels_by_id, priorities_by_id

    copies = (
        ("priority", priorities_by_id()),
        ("level", levels_by_id()),
        ("category", categories_by_id()),
        ("department", departments_by_id()),
    )
    for field, by_id in copies:
        for complaint in complaints:
            found = by_id.get(getattr(complaint, f"{field}_id"))
            if found is not None:
                complaint._state.fields_cache[field] = found


class ClockState:
    """How a row's governing deadline stands (also the CSS modifier of its cell)."""

    BREACHED = "breached"
    WARNING = "warning"
    RUNNING = "running"
    PAUSED = "paused"
    NONE = "none"


# A collaboration request's or a corrective action's own clock governs its task before the case's:
# the asked department answers for its answer time or due date, not for the case's resolution. The
# case's clocks stand in only while the side process has no running clock of its own.
OWN_CLOCK_FIRST = Case(
    When(kind__in=[Clock.Kind.COLLABORATION, Clock.Kind.ACTION], then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)

# Row order: running clocks by due time (so breached ones, due in the past, come first), then
# paused clocks by the time they have left, then rows without a clock; newest first within.
RANK_RUNNING, RANK_PAUSED, RANK_NONE = 0, 1, 2


def with_deadlines(tasks: QuerySet[Any]) -> QuerySet[Any]:
    """Annotates task rows with their case (`case_id`), its governing clock and its last activity:
    `clock_due`/`clock_warn`/`clock_kind` of the running clock due soonest, else `paused_left`/
    `paused_kind` of the paused clock with the least time left, `clock_rank` for ordering and
    `last_activity` (the case's latest event). All subqueries: one query however many rows."""
    tasks = tasks.annotate(case_id=CASE_ID)
    clocks = Clock.objects.filter(governing_clocks(), complaint_id=OuterRef("case_id")).annotate(own=OWN_CLOCK_FIRST)
    running = clocks.filter(state=Clock.State.RUNNING).order_by("own", "due_at", "pk")
    paused = clocks.filter(state=Clock.State.PAUSED).order_by("own", "remaining", "pk")
    latest = ComplaintEvent.objects.filter(complaint_id=OuterRef("case_id")).order_by("-at", "-pk")
    tasks = tasks.annotate(
        clock_due=Subquery(running.values("due_at")[:1], output_field=DateTimeField()),
        clock_warn=Subquery(running.values("warn_at")[:1], output_field=DateTimeField()),
        clock_kind=Subquery(running.values("kind")[:1]),
        paused_left=Subquery(paused.values("remaining")[:1], output_field=DurationField()),
        paused_kind=Subquery(paused.values("kind")[:1]),
        last_activity=Subquery(latest.values("at")[:1], output_field=DateTimeField()),
    )
    return tasks.annotate(
        clock_rank=Case(
            When(clock_due__isnull=False, then=Value(RANK_RUNNING)),
            When(paused_kind__isnull=False, then=Value(RANK_PAUSED)),
            default=Value(RANK_NONE),
            output_field=IntegerField(),
        )
    )


def with_case(tasks: QuerySet[Any]) -> QuerySet[Any]:
    """Annotates task rows with their case (`case_id`) and its last activity only: with_deadlines
    without the clocks, for a list filtered or searched by the case but not by the deadline (the
    archive). Its page's clocks come afterwards, in one read (attach_deadlines)."""
    latest = ComplaintEvent.objects.filter(complaint_id=OuterRef("case_id")).order_by("-at", "-pk")
    return tasks.annotate(case_id=CASE_ID).annotate(
        last_activity=Subquery(latest.values("at")[:1], output_field=DateTimeField())
    )


# The kinds that may govern a row (governing_clocks): the case's own deadlines, and the clocks that
# govern only the row they name (the task's step, the side process it serves).
CASE_KINDS = (Clock.Kind.FIRST_RESPONSE, Clock.Kind.RESPONSE, Clock.Kind.RESOLUTION)
SUBJECT_KINDS = (Clock.Kind.TASK, Clock.Kind.COLLABORATION, Clock.Kind.ACTION)


def attach_deadlines(rows: list[Any]) -> list[Any]:
    """Gives a page of task rows (their cases and side processes attached by attach_cases) what
    with_deadlines annotates (`clock_due`, `clock_warn`, `clock_kind`, `paused_left`, `paused_kind`,
    `clock_rank`), from one read of their cases' open clocks: the choice governing_clocks and
    OWN_CLOCK_FIRST make in SQL (tests/web/test_viewsets__inbox.py compares the two)."""
    case_ids = {row.case_id for row in rows if getattr(row, "case_id", None)}
    by_case: dict[int | None, list[Clock]] = {}
    if case_ids:
        clocks = Clock.objects.filter(
            complaint_id__in=case_ids,
            state__in=[Clock.State.RUNNING, Clock.State.PAUSED],
            kind__in=[*CASE_KINDS, *SUBJECT_KINDS],
        ).only("complaint_id", "kind", "subject", "state", "due_at", "warn_at", "remaining")
        for clock in clocks:
            by_case.setdefault(clock.complaint_id, []).append(clock)
    for row in rows:
        subjects = row_subjects(row)
        governing = [
            clock
            for clock in by_case.get(getattr(row, "case_id", None), ())
            if clock.kind in CASE_KINDS or subjects.get(clock.kind) == clock.subject
        ]
        running = min(
            (c for c in governing if c.state == Clock.State.RUNNING),
            key=lambda c: (own_clock_last(c), c.due_at, c.pk),
            default=None,
        )
        paused = min(
            (c for c in governing if c.state == Clock.State.PAUSED),
            key=lambda c: (own_clock_last(c), c.remaining is None, c.remaining or timedelta(0), c.pk),
            default=None,
        )
        row.clock_due = running.due_at if running else None
        row.clock_warn = running.warn_at if running else None
        row.clock_kind = running.kind if running else None
        row.paused_left = paused.remaining if paused else None
        row.paused_kind = paused.kind if paused else None
        row.clock_rank = RANK_RUNNING if running else RANK_PAUSED if paused else RANK_NONE
    return rows


def own_clock_last(clock: Clock) -> int:
    """OWN_CLOCK_FIRST in Python: 0 for a side process's own clock, 1 for the others."""
    return 0 if clock.kind in (Clock.Kind.COLLABORATION, Clock.Kind.ACTION) else 1


def row_subjects(row: Any) -> dict[str, int]:
    """The subject a TASK, COLLABORATION or ACTION clock must name to govern this row: the task
    itself, the collaboration request it answers, the corrective action it carries out (read from
    the side process attach_cases attached; no query)."""
    subjects = {Clock.Kind.TASK.value: row.pk}
    cache = row.process._state.fields_cache
    if cache.get("collaborationrequest") is not None:
        subjects[Clock.Kind.COLLABORATION.value] = row.process_id
    if cache.get("actiontask") is not None:
        subjects[Clock.Kind.ACTION.value] = cache["actiontask"].action_id
    return subjects


# The task's number last: tasks alike in all else (a batch registered at once) keep their places from
# one page's read to the next.
URGENCY_ORDER = (
    "clock_rank",
    F("clock_due").asc(nulls_last=True),
    F("paused_left").asc(nulls_last=True),
    "-created",
    "-pk",
)


def by_urgency(tasks: QuerySet[Any]) -> QuerySet[Any]:
    """Most urgent first: breached (most overdue first), then least time left, then paused, then
    rows without a deadline."""
    return with_deadlines(tasks).order_by(*URGENCY_ORDER)


# The stored form (TaskUrgency, kept by complaints/services/urgency.py): the same annotations read
# from one indexed row per open task, so the lists sort and page by an index scan.
STORED_URGENCY_ORDER = (
    "urgency__rank",
    F("urgency__due").asc(nulls_last=True),
    F("urgency__paused_left").asc(nulls_last=True),
    "-urgency__created",
    "-urgency__task_id",
)


def with_stored_deadlines(tasks: QuerySet[Any]) -> QuerySet[Any]:
    """Annotates open task rows as with_deadlines does, from their TaskUrgency row (no clock
    subqueries; the last activity is read for the rows of the page only)."""
    latest = ComplaintEvent.objects.filter(complaint_id=OuterRef("urgency__case_id")).order_by("-at", "-pk")
    return tasks.annotate(
        case_id=F("urgency__case_id"),
        clock_due=F("urgency__due"),
        clock_warn=F("urgency__warn"),
        clock_kind=F("urgency__kind"),
        paused_left=F("urgency__paused_left"),
        paused_kind=Case(When(urgency__rank=RANK_PAUSED, then=F("urgency__paused_kind")), default=Value(None)),
        clock_rank=F("urgency__rank"),
        last_activity=Subquery(latest.values("at")[:1], output_field=DateTimeField()),
    )


def inbox_rows(tasks: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """The user's claimed tasks, most urgent first, read from the stored deadlines' index. `tasks`
    is viewflow's available-tasks queryset: the owner and status are matched on the stored row
    alone (repeating them on the task row makes PostgreSQL expect one row and sort them all)."""
    stored = tasks.filter(urgency__status=STATUS.ASSIGNED, urgency__owner=user)
    return with_stored_deadlines(stored).order_by(*STORED_URGENCY_ORDER)


def user_queues(user: Any) -> list[str]:
    """The queue permissions the user holds (every human task of the flows names one): department
    queues, and their own queue of released mentions."""
    return sorted(p for p in user.get_all_permissions() if p.startswith(("complaints.queue__", "complaints.mention__")))


def queue_rows(tasks: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """The tasks waiting in the user's queues (a role in a department, or no queue at all), most
    urgent first; `tasks` as for inbox_rows. Several queues are read one by one (queue_branches)."""
    stored = tasks.filter(urgency__status=STATUS.NEW)
    if user.is_superuser:
        # Every queue, from the index kept for this read alone (`urgency_queued_all`: its condition
        # names the owner, which a queued row never has, so that no one queue's read takes it).
        stored = stored.filter(urgency__owner__isnull=True)
    else:
        stored = stored.filter(urgency__owner_permission__in=user_queues(user))
    return with_stored_deadlines(stored).order_by(*STORED_URGENCY_ORDER)


# The stored deadlines' own order (STORED_URGENCY_ORDER read on TaskUrgency itself).
URGENCY_ROW_ORDER = (
    "rank",
    F("due").asc(nulls_last=True),
    F("paused_left").asc(nulls_last=True),
    "-created",
    "-task_id",
)


def queue_branches(rows: QuerySet[Any] | None, user: Any) -> list[QuerySet[Any]]:
    """The user's queue as one part per queue they hold, each read in urgency order from
    `urgency_queue` (a page is the first rows of each part, merged: complaints.selectors.pages.PeekPaginator);
    none for a superuser (one read of every queue). With `rows` (queue_rows as the list filtered
    it): those rows, queue by queue. Without: the queues' stored rows alone (one table each, so
    planning the merged read costs little more than one list query; the list's own conditions are
    applied to what they give)."""
    if user.is_superuser:
        return []
    if rows is None:
        stored = TaskUrgency.objects.filter(status=STATUS.NEW).order_by(*URGENCY_ROW_ORDER)
        return [stored.filter(owner_permission=queue) for queue in user_queues(user)]
    return [rows.filter(urgency__owner_permission=queue) for queue in user_queues(user)]


def breached_rows(tasks: QuerySet[Any], user: Any, now: datetime | None = None) -> QuerySet[Any]:
    """The user's claimed and queued tasks whose governing clock is past due, most overdue first."""
    now = now or timezone.now()
    mine = Q(urgency__status=STATUS.ASSIGNED, urgency__owner=user)
    queued = Q(urgency__status=STATUS.NEW)
    if not user.is_superuser:
        queued &= Q(urgency__owner_permission__in=user_queues(user))
    stored = tasks.filter(mine | queued, urgency__rank=RANK_RUNNING, urgency__due__lte=now)
    return with_stored_deadlines(stored).order_by(*STORED_URGENCY_ORDER)


def breached_branches(rows: QuerySet[Any] | None, user: Any, now: datetime) -> list[QuerySet[Any]]:
    """The breached list as the user's claimed part (read from `urgency_inbox`) and one part per
    queue (`urgency_queue`), instead of one walk over every user's overdue rows
    (`urgency_running_due`: 5,349 other rows passed for the demo quality engineer's first page);
    `rows` and `now` as breached_rows was given them (see queue_branches)."""
    if user.is_superuser:
        return []
    if rows is None:
        overdue = TaskUrgency.objects.filter(rank=RANK_RUNNING, due__lte=now).order_by(*URGENCY_ROW_ORDER)
        mine = overdue.filter(status=STATUS.ASSIGNED, owner=user)
        queued = overdue.filter(status=STATUS.NEW)
        return [mine, *(queued.filter(owner_permission=queue) for queue in user_queues(user))]
    claimed = rows.filter(urgency__status=STATUS.ASSIGNED, urgency__owner=user)
    waiting = rows.filter(urgency__status=STATUS.NEW)
    return [claimed, *(waiting.filter(urgency__owner_permission=queue) for queue in user_queues(user))]


def of_cases(tasks: QuerySet[Any], complaints: QuerySet[Complaint]) -> QuerySet[Any]:
    """The task rows (annotated with `case_id`) whose case is among `complaints`: a probe of each
    row's case by its key as the list's index walk reaches it, stopping with the page. (`case_id IN
    (the matching complaints)` made PostgreSQL collect every complaint of a priority or category
    first: 90 ms for a priority over 1,000,000 complaints.)"""
    return tasks.filter(Exists(complaints.filter(pk=OuterRef("case_id"))))


def clock_state(row: Any, now: datetime | None = None) -> str:
    """Returns the ClockState of an annotated row at `now`."""
    now = now or timezone.now()
    due = getattr(row, "clock_due", None)
    if due is not None:
        if due <= now:
            return ClockState.BREACHED
        warn = getattr(row, "clock_warn", None)
        return ClockState.WARNING if warn is not None and warn <= now else ClockState.RUNNING
    if getattr(row, "paused_kind", None):
        return ClockState.PAUSED
    return ClockState.NONE


def deadline_filter(tasks: QuerySet[Any], state: str, now: datetime | None = None) -> QuerySet[Any]:
    """Keeps rows (annotated by with_deadlines) whose governing clock is in `state`: breached,
    warning (past the warning time, not yet due), or paused."""
    now = now or timezone.now()
    if state == ClockState.BREACHED:
        return tasks.filter(clock_due__lte=now)
    if state == ClockState.WARNING:
        return tasks.filter(clock_due__gt=now, clock_warn__lte=now)
    if state == ClockState.PAUSED:
        return tasks.filter(clock_due__isnull=True, paused_kind__isnull=False)
    return tasks


def case_of(task: Any) -> Complaint | None:
    """The complaint a task row belongs to (attached by attach_cases; else read through its
    process's relations, a query unless they came with the row)."""
    if "redress_case" in task.__dict__:
        return task.redress_case
    process = task.process
    for accessor in ("complaint", *SIDE_PROCESSES):
        try:
            related = getattr(process, accessor)
        except ObjectDoesNotExist:  # not this kind of process
            continue
        return related if accessor == "complaint" else related.case
    return None


# Search ---------------------------------------------------------------------------------------

PHONE_CHARACTERS = re.compile(r"^[+\d\s()-]+$")
MIN_PHONE_DIGITS = 4  # shorter digit runs are references or order numbers, not phone fragments


def phone_digits(term: str) -> str | None:
    """The digits to look for in stored phone numbers (stored in E.164, +8613812345678), or None
    when the term does not look like (part of) a phone number. A leading 0 of a national trunk
    prefix or the 86 country code is dropped, so 021-6888 8888 finds +862168888888."""
    if not PHONE_CHARACTERS.match(term):
        return None
    digits = re.sub(r"\D", "", term)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    if term.strip().startswith("0") and not term.strip().startswith("00"):
        digits = digits[1:]
    return digits


def _word_patterns(word: str) -> list[tuple[str, str]]:
    """The (column, pattern) pairs a word is looked for in, any case: the reference, the customer's
    name as typed and folded (full-width letters, ß; once when they compare alike), the plate or VIN
    as stored (spaces and dots dropped) and the order number."""
    folded = normalise_text(word)
    plate = re.sub(r"[\s·.-]", "", folded).upper()
    names = [word, folded] if folded.upper() != word.upper() else [word]
    named = [("customer_name", name) for name in names]
    return [("reference", folded), *named, ("plate_or_vin", plate), ("order_number", folded)]


def _word_match(word: str) -> Q:
    return _any_contains(_word_patterns(word))


def _any_contains(patterns: list[tuple[str, str]], *, indexed: bool = True) -> Q:
    """A row holding any of the patterns in its column, any case (the phone's digits: as they are).
    `indexed`: as LIKE '%…%', which the trigram indexes serve; otherwise as a plain test of each
    row's values (STRPOS, the same answer) for rows another index has already narrowed, which
    PostgreSQL would otherwise also look up in five trigram indexes and then test again."""
    found = Q()
    for column, pattern in patterns:
        if indexed:
            found |= Q(**{f"{column}__{'contains' if column == 'customer_phone' else 'icontains'}": pattern})
        elif column == "customer_phone":
            found |= Q(GreaterThan(StrIndex(column, Value(pattern)), 0))
        else:
            found |= Q(GreaterThan(StrIndex(Upper(column), Upper(Value(pattern))), 0))
    return found


# Every run of DIGIT_GRAM ASCII digits in a complaint's searched values, as the PostgreSQL index
# complaint_digit_grams holds them (migration 0046: the same function, columns and order, gram length
# 4). Mechanics of the index, not a policy.
DIGIT_GRAM = 4
ROW_DIGIT_GRAMS = Func(
    *(F(column) for column in ("customer_phone", "reference", "order_number", "plate_or_vin", "customer_name")),
    function="redress_digit_grams",
    output_field=ArrayField(TextField()),
)
_DIGIT_RUN = re.compile(rf"[0-9]{{{DIGIT_GRAM},}}")


def digit_grams(*patterns: str) -> list[str]:
    """The digit grams every one of `patterns` contains: a row that contains any of the patterns
    holds them all (ROW_DIGIT_GRAMS). Empty when a pattern has no run of DIGIT_GRAM digits.

    Example: digit_grams("13812345678", "138 1234 5678") == ["1234", "5678"]"""
    held = [
        {run[i : i + DIGIT_GRAM] for run in _DIGIT_RUN.findall(pattern) for i in range(len(run) - DIGIT_GRAM + 1)}
        for pattern in patterns
    ]
    return sorted(set.intersection(*held)) if held else []


# A term shorter than this is matched whole only (exact_match): a trigram index takes nothing from a
# shorter pattern, so a fuzzy match of it reads every complaint (1 s at 1,000,000 for a
# two-character Chinese name, the commonest length). Mechanics of the index, not a policy.
FUZZY_MIN_LENGTH = 3


def exact_match(term: str) -> Q | None:
    """The complaints `term` names whole: a reference (any case), an order number (any case) or a
    phone number in any of its stored forms (held_about_phone), and for a term too short for the
    fuzzy match (FUZZY_MIN_LENGTH) a customer's whole name (any case); each read from a btree index
    (`reference` is unique, `complaint_order_exact`, `complaint_phone_received`,
    `complaint_name_exact`). None when the term cannot name one: several words that are not a
    phone number. (A longer name is left to the fuzzy match: a common name's thousands of rows
    would make every whole-term search's plan expensive enough for PostgreSQL's JIT.)"""
    term = term.strip()
    digits = phone_digits(term)
    if not term or (digits is None and len(term.split()) > 1):
        return None
    folded = normalise_text(term)
    exact = Q(reference=folded.upper()) | Q(order_number__iexact=folded)
    if len(term) < FUZZY_MIN_LENGTH:
        exact |= Q(customer_name__iexact=folded)
    return exact | held_about_phone(term) if digits else exact


def _fuzzy_search(term: str, *, open_work: bool = False) -> QuerySet[Complaint]:
    complaints = Complaint.objects.all()
    digits = phone_digits(term)
    if digits:
        term = term.strip()
        patterns = [("customer_phone", digits), *_word_patterns(term)]
        # Part of a phone number (a caller's last four digits): the trigram indexes read long
        # posting lists for a string of digits (6-15 ms at 1,000,000); a row holding any pattern
        # holds their common digit grams, one short posting list each (complaint_digit_grams).
        grams = digit_grams(*(pattern for _, pattern in patterns))
        if grams and connection.vendor == "postgresql":
            narrowed = complaints.alias(digit_grams=ROW_DIGIT_GRAMS).filter(digit_grams__contains=grams)
            if open_work:
                # A list of open work: the complaints with work open, from an index of those alone
                # (complaint_open_digit_grams, a tenth of the rows; services.open_work).
                narrowed = narrowed.filter(work_open=True)
            return narrowed.filter(_any_contains(patterns, indexed=False))
        return complaints.filter(_any_contains(patterns))
    for word in term.split():
        complaints = complaints.filter(_word_match(word))
    return complaints


# The most complaints an exact hit's ids are listed for in a page's query (search_matches): past it
# the hits stay a subquery. Mechanics of the statement's size, not a policy.
EXACT_IDS_MAX = 200


def search_matches(
    term: str, *, fuzzy_as_ids: bool = False, open_work: bool = False
) -> list[int] | QuerySet[Complaint]:
    """What `term` finds, as the ids of the complaints it names whole where it names a few, else a
    query of the complaints it matches. A whole reference, order number or phone number that some
    complaints carry exactly (exact_match) finds those alone, and a term of one or two characters
    only what it names whole (a customer's whole name too); otherwise a phone number however it is
    typed (spaces, dashes, +86, a trunk 0) anywhere in the stored numbers, or else every word in one
    of reference, customer name, plate number or VIN (spaces and dots ignored, any case) and order
    number. The exact hits are read first (btree indexes, well under a millisecond at 1,000,000
    complaints) and handed to the list's query as ids: the list's statement then carries no search
    subquery for PostgreSQL to plan in each of its queue branches (planning a whole-reference search
    of the queue took 4.8 ms of its 5.4); only a term that names nothing whole runs the fuzzy
    trigram match (30-95 ms at 1,000,000 for a whole reference, whose trigrams nearly every row
    shares), or for part of a number its four-digit runs (_fuzzy_search, digit_grams). With
    `fuzzy_as_ids` (the worklists, whose statement repeats the match in each queue branch) its hits
    are read first the same way; a list of one branch (the complaint list) keeps it as a subquery,
    one round trip fewer (a name's search: DB p95 5.4 ms the other way). Past EXACT_IDS_MAX hits the
    list keeps the match as a subquery. With `open_work` (a list that shows open work only: its rows'
    complaints have work open, Complaint.work_open) part of a number is looked for among the
    complaints with work open only, a tenth of them; what the list shows is the same."""
    term = term.strip()
    exact = exact_match(term)
    if exact is not None:
        hits = _as_few_ids(Complaint.objects.filter(exact))  # a short name thousands share: its query
        if not isinstance(hits, list) or hits or len(term) < FUZZY_MIN_LENGTH:  # (too short: whole values only)
            return hits
    fuzzy = _fuzzy_search(term, open_work=open_work)
    # As ids where they are few: the list's statement carries no trigram conditions for PostgreSQL
    # to plan in each of its queue branches.
    return _as_few_ids(fuzzy) if fuzzy_as_ids else fuzzy


def _as_few_ids(found: QuerySet[Complaint]) -> list[int] | QuerySet[Complaint]:
    """The ids of what `found` matches when they are EXACT_IDS_MAX or fewer (read now), else the
    query itself (for the list's statement)."""
    ids = list(found.order_by().values_list("pk", flat=True)[: EXACT_IDS_MAX + 1])
    return ids if len(ids) <= EXACT_IDS_MAX else found.order_by()


def complaint_search(term: str) -> QuerySet[Complaint]:
    """Complaints matching `term` (search_matches)."""
    found = search_matches(term)
    return Complaint.objects.filter(pk__in=found) if isinstance(found, list) else found


def _matching_pks(term: str, *, fuzzy_as_ids: bool = False, open_work: bool = False) -> list[int] | QuerySet[Any]:
    found = search_matches(term, fuzzy_as_ids=fuzzy_as_ids, open_work=open_work)
    return found if isinstance(found, list) else found.order_by().values("pk")  # no order: no process join


def task_search_matches(term: str, *, open_work: bool = False) -> list[int] | QuerySet[Any] | None:
    """What a task list's search for `term` finds (search_matches, its fuzzy hits read first as
    ids): the ids of a few complaints, a query of their pks, or None for no term. `open_work`: the
    tasks are open ones (search_matches)."""
    term = (term or "").strip()
    return _matching_pks(term, fuzzy_as_ids=True, open_work=open_work) if term else None


def tasks_search(
    tasks: QuerySet[Any], matching: list[int] | QuerySet[Any] | None, *, by_process: bool = False
) -> QuerySet[Any]:
    """Task rows (annotated with case_id) whose case is among what a search found (`matching`:
    task_search_matches; None: no search). With `by_process`, matched by their process instead
    (case_processes): for a list whose case_id is worked out per row from the side processes' joins
    (the archive), which PostgreSQL can only test row by row: a search of the archive walked every
    task the user ever finished (5 s for 930,000 at 1,000,000 complaints) where the matching cases'
    processes lead to their tasks by index."""
    if matching is None:
        return tasks
    if by_process:
        if isinstance(matching, list):  # ids: as a query, for the union; a query of pks: as it is
            ids = Complaint.objects.filter(pk__in=matching).order_by().values("pk")
            return tasks.filter(process_id__in=case_processes(ids))
        return tasks.filter(process_id__in=case_processes(matching))
    return tasks.filter(case_id__in=matching)


def complaints_search(complaints: QuerySet[Complaint], term: str, *, open_work: bool = False) -> QuerySet[Complaint]:
    """Complaint rows (the complaint list) matching the search term, as tasks_search matches a task's
    case; `open_work`: the rows are unfinished complaints (search_matches)."""
    term = (term or "").strip()
    if not term:
        return complaints
    return complaints.filter(pk__in=_matching_pks(term, open_work=open_work))


# The managers' complaint list (web.dashboard.lists) looks for words in these values (no contact
# details: they are masked for most readers).
WORDS_SEARCHED = (
    "reference",
    "customer_words",
    "handler_understanding",
    "product_model",
    "order_number",
    "batch_number",
)
# The same values joined by a line break, as PostgreSQL's trigram index complaint_words_trgm holds
# them upper-cased (migration 0051: the same function, columns and order). A word holds no line
# break (the search is split on whitespace), so a word in the joined value is a word in one of them.
# Mechanics of the index, not a policy.
ROW_WORDS = Func(*(F(column) for column in WORDS_SEARCHED), function="redress_searched_words", output_field=TextField())
# Each character and each pair of adjacent characters of the joined value, upper-cased, as the index
# complaint_words_grams holds them (migration 0053): a word too short for a trigram (FUZZY_MIN_LENGTH)
# is one key of it, under which are exactly the complaints holding the word.
ROW_WORDS_SHORT_GRAMS = Func(Upper(ROW_WORDS), function="redress_short_grams", output_field=ArrayField(TextField()))
# The most words of a search that are looked for; the others are dropped.
WORDS_MAX = 10
# A search with a short word is common when WORDS_COMMON of the list's latest WORDS_SAMPLE complaints
# match it: the list's walk in its order then fills a page after some 2,500 rows. Mechanics of the
# plan, not a policy.
WORDS_SAMPLE, WORDS_COMMON = 1000, 20


def complaints_words_search(complaints: QuerySet[Complaint], text: str) -> QuerySet[Complaint]:
    """The complaints holding every word of `text` (split on whitespace, the first WORDS_MAX) in
    one of WORDS_SEARCHED, any case (icontains; on SQLite each value tested as it is).

    On PostgreSQL a word is a condition on the six values joined (ROW_WORDS), which the trigram
    index complaint_words_trgm serves. A word of one or two characters (漏水: a common length in
    Chinese) has no trigram; it is one key of the index of the value's characters and pairs of
    adjacent characters (ROW_WORDS_SHORT_GRAMS, complaint_words_grams), whose complaints hold it. A
    search with such a word is tried first on the list's latest WORDS_SAMPLE complaints: when
    WORDS_COMMON of them match, the list walks in its order testing each row, which soon fills the
    page; else its hits are read first as ids where they are few (_as_few_ids, as search_matches
    does), and past EXACT_IDS_MAX the list walks as before. Every way finds the same complaints.
    (The staff lists' search, exact_match, takes so short a term as a whole value only; this list
    always found it anywhere in a value, and still does.)"""
    words = text.split()[:WORDS_MAX]
    if not words:
        return complaints
    if connection.vendor != "postgresql":
        for word in words:
            complaints = complaints.filter(_any_contains([(column, word) for column in WORDS_SEARCHED]))
        return complaints
    every_word = [Q(searched_words__icontains=word) for word in words]
    short = [word for word in words if len(word) < FUZZY_MIN_LENGTH]
    if not short:
        return complaints.alias(searched_words=ROW_WORDS).filter(*every_word)
    # Common words first: among the latest complaints of the list, before any index (constant
    # cost); reading the index first cost a common short word (漏水, a fifth of the complaints) its
    # key's whole posting list, 3-5 ms at 100,000 complaints, growing with them.
    # (As `pk IN` the latest: as `pk >=` the oldest of them, PostgreSQL took the range for a third
    # of the table and started parallel workers, 7 ms at 1,000,000 complaints for 0.3 ms of reading.)
    latest = complaints.order_by("-pk").values("pk")[:WORDS_SAMPLE]
    sampled = complaints.filter(pk__in=Subquery(latest)).alias(searched_words=ROW_WORDS).filter(*every_word)
    if len(sampled.order_by().values_list("pk", flat=True)[:WORDS_COMMON]) == WORDS_COMMON:
        return complaints.alias(searched_words=ROW_WORDS).filter(*every_word)
    found = complaints.alias(searched_words=ROW_WORDS, searched_grams=ROW_WORDS_SHORT_GRAMS)
    for word in words:
        if len(word) < FUZZY_MIN_LENGTH:
            # One key, exact: the complaints under it hold the word, and only they do. (Its
            # characters' keys, the index of migration 0051, left two characters common apart but
            # never side by side, 发机, every complaint holding both to test: 211 ms at 1,000,000.)
            found = found.filter(searched_grams__contains=_short_gram(word))
        else:
            found = found.filter(searched_words__icontains=word)
    hits = _as_few_ids(found)
    if isinstance(hits, list):
        return complaints.filter(pk__in=hits)
    # Many complaints hold the words: the list's own statement, the words tested on each row, so
    # that the planner may walk the list in its order. (With the characters' conditions, each
    # estimated apart, two words common together, 空调 漏水 in 20,000 of 100,000 complaints, looked
    # rare to it: it read all 20,000 then sorted them, 145 ms, where the walk fills a page in 1 ms.)
    return complaints.alias(searched_words=ROW_WORDS).filter(*every_word)


def _short_gram(word: str) -> Func:
    """A word of one or two characters upper-cased, as the one key ROW_WORDS_SHORT_GRAMS holds it by."""
    return Func(Upper(Value(word)), function="ARRAY", template="%(function)s[%(expressions)s]")


def case_processes(complaints: QuerySet[Any]) -> QuerySet[Any]:
    """The ids of the processes of the given complaints (a `values("pk")` query): the complaints
    themselves and their side processes (approvals, collaboration requests, corrective actions,
    mentions), the processes CASE_ID reads a task's case from."""
    models = (CompensationApproval, CollaborationRequest, ActionTask, Mention)  # SIDE_PROCESSES
    sides = [model.objects.filter(case_id__in=complaints).values("pk") for model in models]
    return complaints.union(*sides, all=True)


# The complaint's columns with an index of the column and the complaint's number (migration 0050): a
# complaint list filtered on one of them is read in number order (latest registered first) from
# that index (web.process_pages.ComplaintListView.order, api.views.NewestFirst), where the newest-first
# walk tested every complaint until a page of a rare value.
NUMBERED_COLUMNS = ("stage", "outcome", "priority", "level")


# Menu counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuCounts:
    inbox: int
    queue: int
    breached: int


MENU_COUNT_CAP = 1000  # a badge counts this far ("999+"): past it a count costs more than it tells


def menu_counts(*, user: Any, now: datetime | None = None) -> MenuCounts:
    """Counts the user's inbox, queue and the breached tasks among them (each up to
    MENU_COUNT_CAP), in one query of three index scans over the stored deadlines."""
    now = now or timezone.now()
    mine = Q(status=STATUS.ASSIGNED, owner=user)
    queued = Q(status=STATUS.NEW)
    if not user.is_superuser:
        queues = list(user_queues(user))
        # No queue at all (a department head who is not a member): a condition SQL can still write.
        queued &= Q(owner_permission__in=queues) if queues else Q(pk__isnull=True)
    parts = [
        TaskUrgency.objects.filter(mine),
        TaskUrgency.objects.filter(queued),
        TaskUrgency.objects.filter(mine | queued, rank=RANK_RUNNING, due__lte=now),
    ]
    sql: list[str] = []
    params: list[Any] = []
    for part in parts:
        query, part_params = part.order_by().values("pk")[:MENU_COUNT_CAP].query.sql_with_params()
        sql.append(f"(SELECT COUNT(*) FROM ({query}) AS capped)")  # noqa: S608 (Django-built SQL, bound params)
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(sql)}", params)
        inbox, queue, breached = cursor.fetchone()
    return MenuCounts(inbox=inbox, queue=queue, breached=breached)


# Who may take a task over -----------------------------------------------------------------------


def queue_holders(permission: str | None) -> QuerySet[Any]:
    """Returns the active users holding a queue (the role in the department that it names); none
    for a task outside the department queues."""
    users = get_user_model().objects.filter(is_active=True)
    parsed = parse_queue_permission(permission or "")
    if parsed is None:
        return users.none()
    department_code, role_code = parsed
    holders = Membership.objects.filter(
        department__code=department_code, department__active=True, role__code=role_code
    ).values("user_id")
    return users.filter(pk__in=holders).order_by("first_name", "last_name", "username")


def heads_queue(*, user: Any, permission: str | None) -> bool:
    """Returns whether the user heads the department whose queue this is."""
    parsed = parse_queue_permission(permission or "")
    if parsed is None or not user.is_authenticated:
        return False
    return Department.objects.filter(code=parsed[0], head=user).exists()
