"""Reads behind the inbox, queue, archive and breached lists: each task row's case, its governing
deadline and urgency (computed in SQL, so ordering and pagination hold and a page costs the same
however many rows there are), search, the menu counts, and who may take a task over."""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from complaints.models import Clock, Complaint, ComplaintEvent, Department, Membership
from complaints.rules.routing import normalise_text, parse_queue_permission

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


# What a row shows of its case, fetched with the task (one query per page).
ROW_RELATED = (
    "owner",
    "process__complaint__priority",
    "process__complaint__level",
    "process__complaint__category",
    "process__complaint__owner",
    "process__compensationapproval__case__priority",
    "process__compensationapproval__case__level",
    "process__compensationapproval__case__category",
    "process__compensationapproval__case__owner",
    "process__collaborationrequest__case__priority",
    "process__collaborationrequest__case__level",
    "process__collaborationrequest__case__category",
    "process__collaborationrequest__case__owner",
    "process__collaborationrequest__department",
    "process__actiontask__case__priority",
    "process__actiontask__case__level",
    "process__actiontask__case__category",
    "process__actiontask__case__owner",
    "process__mention__case__priority",
    "process__mention__case__level",
    "process__mention__case__category",
    "process__mention__case__owner",
)


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


URGENCY_ORDER = (
    "clock_rank",
    F("clock_due").asc(nulls_last=True),
    F("paused_left").asc(nulls_last=True),
    "-created",
)


def by_urgency(tasks: QuerySet[Any]) -> QuerySet[Any]:
    """Most urgent first: breached (most overdue first), then least time left, then paused, then
    rows without a deadline."""
    return with_deadlines(tasks).order_by(*URGENCY_ORDER)


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
    """The complaint a task row belongs to (from what ROW_RELATED fetched; no query)."""
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


def _word_match(word: str) -> Q:
    folded = normalise_text(word)
    plate = re.sub(r"[\s·.-]", "", folded).upper()
    return (
        Q(reference__icontains=folded)
        | Q(customer_name__icontains=word)
        | Q(customer_name__icontains=folded)
        | Q(plate_or_vin__icontains=plate)
        | Q(order_number__icontains=folded)
    )


def complaint_search(term: str) -> QuerySet[Complaint]:
    """Complaints matching `term`: a phone number however it is typed (spaces, dashes, +86, a
    trunk 0), or else every word in one of reference, customer name, plate number or VIN (spaces
    and dots ignored, any case) and order number."""
    complaints = Complaint.objects.all()
    digits = phone_digits(term)
    if digits:
        return complaints.filter(Q(customer_phone__contains=digits) | _word_match(term.strip()))
    for word in term.split():
        complaints = complaints.filter(_word_match(word))
    return complaints


def tasks_search(tasks: QuerySet[Any], term: str) -> QuerySet[Any]:
    """Task rows (annotated with case_id) whose case matches the search term."""
    term = (term or "").strip()
    if not term:
        return tasks
    return tasks.filter(case_id__in=complaint_search(term).values("pk"))


# Menu counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuCounts:
    inbox: int
    queue: int
    breached: int


def menu_counts(*, inbox: QuerySet[Any], queue: QuerySet[Any], now: datetime | None = None) -> MenuCounts:
    """Counts the user's inbox, queue and the breached tasks among them, in one query."""
    now = now or timezone.now()
    both = Task.objects.filter(Q(pk__in=inbox.values("pk")) | Q(pk__in=queue.values("pk")))
    breached_clock = Clock.objects.filter(
        complaint_id=OuterRef("case_id"), state=Clock.State.RUNNING, due_at__lte=now
    ).values("pk")[:1]
    counts = (
        both.annotate(case_id=CASE_ID)
        .annotate(breached_clock=Subquery(breached_clock))
        .aggregate(
            inbox=Count("pk", filter=Q(status=STATUS.ASSIGNED)),
            queue=Count("pk", filter=Q(status=STATUS.NEW)),
            breached=Count("pk", filter=Q(breached_clock__isnull=False)),
        )
    )
    return MenuCounts(inbox=counts["inbox"], queue=counts["queue"], breached=counts["breached"])


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
