"""Reads behind escalation: the ladder, the queue of a level, who may escalate or send back, and
the escalation information package."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, Func, IntegerField, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from viewflow.workflow.models import Task

from complaints.choices import DepartmentScope, EventKind, Signal
from complaints.models import (
    CompensationApproval,
    Complaint,
    CorrectiveAction,
    CustomerContact,
    Department,
    EscalationLevel,
)
from complaints.rules.names import person_name
from complaints.rules.routing import UNROUTED_QUEUE, queue_permission
from complaints.rules.signals import next_rank, previous_rank
from complaints.selectors.intake_forms import categories_by_id
from complaints.selectors.names import in_every_language
from complaints.selectors.once import config_row
from complaints.selectors.routing import (
    department_chain,
    departments_by_id,
    level_department,
    levels_by_id,
    priorities_by_id,
)
from complaints.selectors.triage import earlier_complaints, triage_signals

OPEN_TASK_STATUSES = ("NEW", "ASSIGNED", "STARTED")
HUMAN_TASK_TYPES = ("HUMAN",)
# Signals that mean the matter is already public or risky, for the package's impact lines.
PUBLIC_SIGNALS = ("media", "legal")
SAFETY_SIGNALS = ("safety",)


def ladder() -> list[EscalationLevel]:
    """The levels by rank, with their role, department and calendar (the configuration's copy)."""
    return sorted(levels_by_id().values(), key=lambda level: level.rank)


def level_above(level: EscalationLevel, levels: list[EscalationLevel] | None = None) -> EscalationLevel | None:
    levels = ladder() if levels is None else levels
    rank = next_rank(ranks=[lv.rank for lv in levels], current=level.rank)
    return next((lv for lv in levels if lv.rank == rank), None)


def ladder_top() -> EscalationLevel | None:
    """The highest level of the ladder."""
    return EscalationLevel.objects.select_related("role", "department", "calendar").order_by("-rank").first()


def level_below(level: EscalationLevel, levels: list[EscalationLevel] | None = None) -> EscalationLevel | None:
    levels = ladder() if levels is None else levels
    rank = previous_rank(ranks=[lv.rank for lv in levels], current=level.rank)
    return next((lv for lv in levels if lv.rank == rank), None)


def level_queue(*, level: EscalationLevel, complaint: Complaint) -> tuple[str, Department | None]:
    """Returns the queue (owner permission) of a level's handlers for this complaint and their
    department; a level with no department above the complaint waits for process managers."""
    department = level_department(level=level, department=config_row(complaint, "department", departments_by_id))
    if department is None:
        return UNROUTED_QUEUE, None
    return queue_permission(department_code=department.code, role_code=level.role.code), department


def held_ranks(*, user: Any, complaint: Complaint, levels: list[EscalationLevel] | None = None) -> set[int]:
    """Returns the ranks of the levels whose role the user holds where that level handles this
    complaint (the department chain; the memberships are read once per user object)."""
    if not user.is_authenticated:
        return set()
    levels = ladder() if levels is None else levels
    chain = department_chain(complaint.department)
    from complaints.selectors.common import membership_rows

    mine = {(row.department_id, row.role_id) for row in membership_rows(user)}
    held = set()
    for level in levels:
        if level.department_scope == DepartmentScope.FIXED:
            department = level.department
        elif level.department_scope == DepartmentScope.OWN:
            department = chain[0] if chain else None
        else:
            department = next((d for d in chain if d.kind == level.department_scope), None)
        if department is not None and (department.pk, level.role_id) in mine:
            held.add(level.rank)
    return held


def open_tasks(complaint: Complaint) -> list[Task]:
    """The complaint's unfinished human tasks."""
    return list(_open_task_rows(complaint.pk).select_related("owner"))


def _open_task_rows(process: Any) -> Any:
    return Task.objects.filter(process_id=process, status__in=OPEN_TASK_STATUSES, flow_task_type__in=HUMAN_TASK_TYPES)


_TASK = ("id", "flow_task", "flow_task_type", "status", "owner_id", "owner_permission", "process_id")
_OWNER = ("username", "first_name", "last_name")


def _open_tasks_json() -> ArraySubquery:
    """The case's open human tasks (package_rows' outer row is the case), with their owner's names."""
    values = {name: F(name) for name in _TASK} | {f"owner__{name}": F(f"owner__{name}") for name in _OWNER}
    return ArraySubquery(_open_task_rows(OuterRef("pk")).order_by("pk").values(json=JSONObject(**values)))


def _task(item: dict[str, Any]) -> Task:
    """A task read as JSON (package_rows), as the ORM would have read those columns and its owner's names."""
    node: Any = Task._meta.get_field("flow_task")
    values = [node.from_db_value(item[name], None, connection) if name == "flow_task" else item[name] for name in _TASK]
    task = Task.from_db("default", list(_TASK), values)
    if item["owner_id"] is not None:
        task.owner = get_user_model()(pk=item["owner_id"], **{name: item[f"owner__{name}"] for name in _OWNER})
    return task


# The task a step's form is being executed on (flows.task_pages), read under its case's lock.
_ACTING: ContextVar[Any] = ContextVar("redress_acting_task", default=None)


@contextmanager
def acting_on(task: Any) -> Iterator[None]:
    """Inside it, the task's owner is known to hold one of its case's open tasks while the task is
    open (is_handler does not ask the tasks again)."""
    token = _ACTING.set(task)
    try:
        yield
    finally:
        _ACTING.reset(token)


def acting_task() -> Any:
    """The task a step's form is being executed on in this request (`acting_on`), or None."""
    return _ACTING.get()


def _holds_acting_task(user: Any, complaint: Complaint) -> bool:
    task = _ACTING.get()
    return (
        task is not None
        and task.owner_id == user.pk
        and task.process_id == complaint.pk
        and task.status in OPEN_TASK_STATUSES
    )


def is_handler(
    *, user: Any, complaint: Complaint, held: set[int] | None = None, tasks: Iterable[Any] | None = None
) -> bool:
    """Rule: a handler is the case owner, whoever holds one of its open tasks, or a holder of the
    current level's role where that level is handled. Handlers may escalate. `held` is
    held_ranks() when the caller has it already; `tasks`, the complaint's tasks when the caller
    has read them (the complaint page), judged instead of asked for."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.pk == complaint.owner_id:
        return True
    if _holds_acting_task(user, complaint):
        return True
    if tasks is not None:
        holds = any(
            t.process_id == complaint.pk and t.owner_id == user.pk and t.status in OPEN_TASK_STATUSES for t in tasks
        )
    else:
        holds = Task.objects.filter(process_id=complaint.pk, owner=user, status__in=OPEN_TASK_STATUSES).exists()
    if holds:
        return True
    if complaint.level is None:
        return False
    held = held_ranks(user=user, complaint=complaint) if held is None else held
    return complaint.level.rank in held


def is_supervisor(*, user: Any, complaint: Complaint, held: set[int] | None = None) -> bool:
    """Rule: a supervisor of an escalated complaint holds the role of its current level (or a
    higher one) where that level is handled. Supervisors may send a complaint back down."""
    if not user.is_authenticated or complaint.level is None:
        return False
    if user.is_superuser:
        return True
    held = held_ranks(user=user, complaint=complaint) if held is None else held
    return any(rank >= complaint.level.rank for rank in held)


def signal_names() -> dict[str, str]:
    """Code → name of every signal (the admin's keyword lists and the built-in ones)."""
    names = {code: str(label) for code, label in Signal.choices}
    names.update((signal.code, signal.name) for signal in triage_signals())
    return names


def information_package(
    *,
    complaint: Complaint,
    to_level: EscalationLevel | None,
    suggested_direction: str = "",
    urgency: str = "",
    affected: int | None = None,
    rows: "PackageRows | None" = None,
) -> dict[str, Any]:
    """Builds the escalation information package (升级信息包) as a JSON-ready snapshot: level and
    priority, customer, the problem in the customer's and the handler's words, impact, actions
    taken, emotion, suggested direction, urgency and the full timeline. Stored with the escalation
    so the receiver sees the case as it stood when it was handed up; choices are stored as codes
    and shown in the reader's language."""
    names = signal_names()
    signals = list(complaint.signals or [])
    said_and_done = rows or package_rows(complaint)  # (`rows`: the caller read them, package_rows)

    def stamp(value: Any) -> str | None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else None

    contacts = [
        {
            "at": stamp(c["at"]),
            "channel": _label(CustomerContact, "channel", c["channel"]),
            "summary": c["summary"],
            "promise": c["promise"],
            "promised_by": stamp(c["promised_by"]),
        }
        for c in said_and_done.contacts
    ]
    actions = [
        {
            "kind": _label(CorrectiveAction, "kind", a["kind"]),
            "description": a["description"],
            "status": _label(CorrectiveAction, "status", a["status"]),
            "cost": a["cost"],
        }
        for a in said_and_done.actions
    ]
    approvals = [
        {
            "amount": a["amount"],
            "purpose": a["purpose"],
            "decision": _label(CompensationApproval, "decision", a["decision"]),
        }
        for a in said_and_done.approvals
    ]
    timeline = [
        {
            "at": stamp(e["at"]),
            "kind": e["kind"],
            "by": person_name(_person(e)),
            "note": e["note"],
        }
        for e in said_and_done.events
        if e["kind"] != EventKind.NOTIFIED
    ]
    # Configuration rows: the configuration's copy inside a transition (no query of their own).
    priority = config_row(complaint, "priority", priorities_by_id)
    level = config_row(complaint, "level", levels_by_id)
    category = config_row(complaint, "category", categories_by_id)
    return in_every_language(
        {
            "reference": complaint.reference,
            "level": to_level or level or "",
            "from_level": level or "",
            "priority": priority or "",
            "priority_colour": priority.colour if priority else "",
            "priority_code": priority.code if priority else "",
            "customer": {
                "name": complaint.customer_name,
                "phone": complaint.customer_phone,
                "contact_person": complaint.contact_person,
                "earlier_complaints": max(0, said_and_done.earlier_complaints),
            },
            "category": category or "",
            "product": ", ".join(
                v
                for v in (
                    complaint.product_model,
                    complaint.batch_number,
                    complaint.plate_or_vin,
                    complaint.order_number,
                )
                if v
            ),
            "customer_words": complaint.customer_words,
            "handler_understanding": complaint.handler_understanding,
            "demand": complaint.demand,
            "demand_detail": complaint.demand_detail,
            "requested_amount": str(complaint.requested_amount) if complaint.requested_amount is not None else None,
            "impact": {
                "safety": bool(complaint.risk_flagged) or any(s in SAFETY_SIGNALS for s in signals),
                "public": any(s in PUBLIC_SIGNALS for s in signals),
                "affected": affected if affected is not None else 1,
                "signals": [names.get(code, code) for code in signals],
            },
            "actions_taken": {"contacts": contacts, "actions": actions, "approvals": approvals},
            "emotion": complaint.emotion,
            "suggested_direction": suggested_direction,
            "urgency": urgency,
            "owner": person_name(complaint.owner),
            "received_at": stamp(complaint.received_at),
            "promised_response_at": stamp(complaint.promised_response_at),
            "timeline": timeline,
        }
    )


@dataclass(frozen=True)
class PackageRows:
    """What was said and done on a case, as the information package snapshots it: its contacts,
    corrective actions, compensation approvals and timeline events (in their order, as plain values),
    and the customer's earlier complaints about the same issue."""

    contacts: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    approvals: list[dict[str, Any]]
    events: list[dict[str, Any]]
    earlier_complaints: int
    open_tasks: list[Task] | None = None  # the case's open human tasks, where read with the rest (`tasks`)


_CONTACT = ("at", "channel", "summary", "promise", "promised_by")
_ACTION = ("kind", "description", "status", "cost")
_APPROVAL = ("amount", "purpose", "decision")
_EVENT = ("at", "kind", "note", "actor__username", "actor__first_name", "actor__last_name")


def package_rows(complaint: Complaint, *, tasks: bool = False) -> PackageRows:
    """The case's rows the package snapshots: on PostgreSQL one query (each table's rows as one
    JSON array of the case's row, the repeat count as a subquery), elsewhere one query per table.
    `tasks`: on PostgreSQL the case's open human tasks come in the same query (`open_tasks`; an
    escalation moves them), as they stand when it runs (after the case's lock)."""
    contacts = complaint.contacts.order_by("at", "pk")
    actions = complaint.actions.order_by("created_at", "pk")
    approvals = complaint.approvals.order_by("pk")
    events = complaint.events.order_by("at", "pk")
    earlier = (
        earlier_complaints(complaint=complaint, at=complaint.received_at).order_by()
        if complaint.customer_phone and complaint.received_at is not None
        else None
    )
    if connection.vendor != "postgresql":
        return PackageRows(
            contacts=list(contacts.values(*_CONTACT)),
            actions=[{**a, "cost": _decimal(a["cost"])} for a in actions.values(*_ACTION)],
            approvals=[{**a, "amount": _decimal(a["amount"])} for a in approvals.values(*_APPROVAL)],
            events=list(events.values(*_EVENT)),
            earlier_complaints=earlier.count() if earlier is not None else 0,
        )
    row = (
        Complaint.objects.filter(pk=complaint.pk)
        .values(
            said=_rows_json(contacts, _CONTACT),
            done=_rows_json(actions, _ACTION, text=("cost",)),
            asked=_rows_json(approvals, _APPROVAL, text=("amount",)),
            timeline=_rows_json(events, _EVENT),
            earlier=(
                Subquery(earlier.values(n=Func(F("pk"), function="COUNT")), output_field=IntegerField())
                if earlier is not None
                else Value(0)
            ),
            **({"tasks": _open_tasks_json()} if tasks else {}),
        )
        .get()
    )
    stamps = {"at", "promised_by"}
    return PackageRows(
        contacts=[_parsed(item, stamps) for item in row["said"]],
        actions=list(row["done"]),
        approvals=list(row["asked"]),
        events=[_parsed(item, stamps) for item in row["timeline"]],
        earlier_complaints=int(row["earlier"] or 0),
        open_tasks=[_task(item) for item in row["tasks"]] if tasks else None,
    )


def _rows_json(rows: Any, fields: tuple[str, ...], *, text: tuple[str, ...] = ()) -> ArraySubquery:
    """The rows' fields as a JSON array in the rows' order (decimals as their text, as str() writes
    them)."""
    values = {name: Cast(name, TextField()) if name in text else F(name) for name in fields}
    return ArraySubquery(rows.values(json=JSONObject(**values)))


def _parsed(item: dict[str, Any], stamps: set[str]) -> dict[str, Any]:
    """A JSON row's times as aware datetimes again."""
    return {key: datetime.fromisoformat(value) if key in stamps and value else value for key, value in item.items()}


def _decimal(value: Any) -> str | None:
    return str(value) if value is not None else None


def _label(model: Any, field: str, code: str) -> str:
    """A choice's name in the active language, as get_<field>_display() gives it."""
    return str(dict(model._meta.get_field(field).flatchoices).get(code, code))


def _person(event: dict[str, Any]) -> Any:
    """The event's actor as a user object for person_name (None: nobody)."""
    if event["actor__username"] is None:
        return None
    return get_user_model()(
        username=event["actor__username"], first_name=event["actor__first_name"], last_name=event["actor__last_name"]
    )


def latest_escalation(complaint: Complaint) -> Any:
    return complaint.escalations.exclude(direction="refused").select_related("from_level", "to_level", "actor").first()
