"""Keeps each open human task's governing deadline (TaskUrgency) current, so the inbox, queue and
breached lists sort and page by an index instead of computing every row's clocks per request.

`urgency_refresh` is the one writer: the clock services call it for the complaints whose clocks
they changed, a task's save (viewflow's transitions) and the claim/release/reassign services for
the task. What governs a row is decided once, by `with_deadlines` (complaints/selectors/worklist.py),
here as in a fallback read; breached and warning are read against the current time, so the sweep
changes nothing here."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.db.models.signals import post_save
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from complaints.models import TaskUrgency
from complaints.selectors.common import side_processes

OPEN = (STATUS.NEW, STATUS.ASSIGNED)
FIELDS = (
    "pk",
    "case_id",
    "owner_id",
    "owner_permission",
    "status",
    "created",
    "clock_rank",
    "clock_due",
    "clock_warn",
    "clock_kind",
    "paused_left",
    "paused_kind",
)


# Stand-ins for the ids while the read is compiled (no real id is negative); each call puts its ids
# where they stood in the parameters.
_MARK = -(10**15)


def _process_ids(complaint_ids: list[int]) -> list[int]:
    """The complaints' processes and their side processes (approvals, collaboration requests,
    corrective actions, mentions), in one query. (As a subquery of the read below, OR-ed with the
    tasks, it would keep PostgreSQL from the tasks' process index: every open task scanned.)"""
    return [*complaint_ids, *side_processes(complaint_ids).values_list("pk", flat=True)]


def _open_rows_query(process_ids: list[int], task_ids: list[int]) -> Any:
    """The open human tasks of these processes and these tasks, with their governing clock."""
    from complaints.selectors.worklist import with_deadlines  # the selector imports the models; no cycle

    if process_ids and task_ids:
        wanted = Q(process_id__in=process_ids) | Q(pk__in=task_ids)
    else:
        wanted = Q(process_id__in=process_ids) if process_ids else Q(pk__in=task_ids)
    tasks = Task.objects.filter(wanted, flow_task_type="HUMAN", status__in=OPEN)
    return with_deadlines(tasks).values(*FIELDS).order_by()


# Inside `urgency_deferred()`: the complaints and the tasks whose rows are refreshed once, when it ends.
_deferred: ContextVar[tuple[set[int], set[int]] | None] = ContextVar("urgency_deferred", default=None)


@contextmanager
def urgency_deferred() -> Iterator[None]:
    """One service that changes several clocks of a case (an escalation stops the answered ones,
    sets a promise and moves the level's), or one step's form (its service, then viewflow saving the
    finished task and creating the next ones), refreshes the rows once, at its end, instead of after
    each change: four queries instead of twelve or twenty. Nested uses refresh at the outermost end."""
    if _deferred.get() is not None:
        yield
        return
    token = _deferred.set((set(), set()))
    try:
        yield
        complaint_ids, task_ids = _deferred.get() or (set(), set())
    finally:
        _deferred.reset(token)
    if complaint_ids or task_ids:
        urgency_refresh(complaint_ids=sorted(complaint_ids), task_ids=sorted(task_ids))


# The open rows' read for `_refresh_at_once`, with the ids as arrays: compiled once per process.
_ARRAYS: dict[str, Any] = {}
_WANTED = (
    '("viewflow_task"."process_id" = ANY(ARRAY(SELECT unnest(%s::bigint[]) UNION ALL '
    'SELECT "viewflow_process"."id" FROM "viewflow_process" WHERE "viewflow_process"."artifact_content_type_id" = %s '
    'AND "viewflow_process"."artifact_object_id" = ANY(%s::bigint[]))) OR "viewflow_task"."id" = ANY(%s::bigint[]))'
)
_COLUMNS = (  # TaskUrgency's column ← the read's column
    ("task_id", '"pk"'),
    ("case_id", '"case_id"'),
    ("owner_id", '"owner_id"'),
    ("owner_permission", "COALESCE(\"owner_permission\", '')"),
    ("status", '"status"'),
    ("created", '"created"'),
    ("rank", '"clock_rank"'),
    ("due", '"clock_due"'),
    ("warn", '"clock_warn"'),
    ("kind", "COALESCE(\"clock_kind\", '')"),
    ("paused_left", '"paused_left"'),
    ("paused_kind", "COALESCE(\"paused_kind\", '')"),
)


def _refresh_at_once(complaint_ids: list[int], task_ids: list[int]) -> int:
    """`urgency_refresh` on PostgreSQL in one statement: the open rows read (the complaints' tasks,
    their side processes' tasks, the given tasks: each an `= ANY(array)` PostgreSQL answers from
    the task table's process and id indexes, the side processes from the artifact index), the rows
    no longer open deleted and the others written (INSERT … ON CONFLICT), from the same read."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.expressions import RawSQL

    from complaints.models import Complaint

    if "sql" not in _ARRAYS:
        marks = [[_MARK - i] for i in range(4)]  # stand-ins, found again by identity
        wanted = RawSQL(_WANTED, marks, output_field=models.BooleanField())  # noqa: S611 (constant SQL, ids as parameters)
        tasks = Task.objects.filter(wanted, flow_task_type="HUMAN", status__in=OPEN)
        from complaints.selectors.worklist import with_deadlines  # the selector imports the models; no cycle

        sql, compiled = with_deadlines(tasks).values(*FIELDS).order_by().query.sql_with_params()
        slots = [
            (at, next(i for i, mark in enumerate(marks) if mark is p))
            for at, p in enumerate(compiled)
            if any(mark is p for mark in marks)
        ]
        if sorted(index for _at, index in slots) != [0, 1, 2, 3]:
            raise AssertionError("the deadline rows' read did not compile as expected")
        table = TaskUrgency._meta.db_table
        names = ", ".join(f'"{column}"' for column, _source in _COLUMNS)
        chosen = ", ".join(source for _column, source in _COLUMNS)
        updates = ", ".join(f'"{column}" = EXCLUDED."{column}"' for column, _source in _COLUMNS[1:])
        _ARRAYS["sql"] = (
            f"WITH fresh AS MATERIALIZED ({sql}), "  # noqa: S608 (names from the model, values as parameters)
            f'gone AS (DELETE FROM "{table}" WHERE ("case_id" = ANY(%s::bigint[]) OR "task_id" = ANY(%s::bigint[])) '
            f'AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh."pk" = "{table}"."task_id" '
            'AND fresh."case_id" IS NOT NULL)) '
            f'INSERT INTO "{table}" ({names}) SELECT {chosen} FROM fresh WHERE "case_id" IS NOT NULL '
            f'ON CONFLICT ("task_id") DO UPDATE SET {updates}'
        )
        _ARRAYS["params"], _ARRAYS["slots"] = list(compiled), slots
    values = [complaint_ids, ContentType.objects.get_for_model(Complaint).pk, complaint_ids, task_ids]
    params = list(_ARRAYS["params"])
    for at, index in _ARRAYS["slots"]:
        params[at] = values[index]
    with connection.cursor() as cursor:
        cursor.execute(_ARRAYS["sql"], [*params, complaint_ids, task_ids])
        return int(cursor.rowcount)


def urgency_refresh(*, complaint_ids: Iterable[int] = (), task_ids: Iterable[int] = ()) -> int:
    """Rewrites the TaskUrgency rows of the open human tasks of these complaints (with their side
    processes) and of these tasks; a task no longer open loses its row. One statement on PostgreSQL
    (`_refresh_at_once`), three or four queries elsewhere, however many tasks; nothing yet inside
    `urgency_deferred()` (they are refreshed when it ends). Returns how many rows now stand."""
    complaint_ids, task_ids = [i for i in complaint_ids if i], [i for i in task_ids if i]
    pending = _deferred.get()
    if pending is not None:
        pending[0].update(complaint_ids)
        pending[1].update(task_ids)
        return 0
    if not complaint_ids and not task_ids:
        return 0
    if connection.vendor == "postgresql":
        return _refresh_at_once(sorted(set(complaint_ids)), sorted(set(task_ids)))
    if complaint_ids:
        stale_q = Q(case_id__in=complaint_ids) | Q(task_id__in=task_ids) if task_ids else Q(case_id__in=complaint_ids)
    else:
        stale_q = Q(task_id__in=task_ids)
    stale = TaskUrgency.objects.filter(stale_q)
    rows = [
        TaskUrgency(
            task_id=row["pk"],
            case_id=row["case_id"],
            owner_id=row["owner_id"],
            owner_permission=row["owner_permission"] or "",
            status=row["status"],
            created=row["created"],
            rank=row["clock_rank"],
            due=row["clock_due"],
            warn=row["clock_warn"],
            kind=row["clock_kind"] or "",
            paused_left=row["paused_left"],
            paused_kind=row["paused_kind"] or "",
        )
        # Through the queryset, whose converters make SQLite's stored instants aware (read raw, they
        # were naive and then taken as local time: every deadline of the embedded demo 8 hours early).
        for row in _open_rows_query(_process_ids(complaint_ids) if complaint_ids else [], task_ids)
        if row["case_id"] is not None
    ]
    stale.exclude(task_id__in=[row.task_id for row in rows]).delete()
    if rows:
        TaskUrgency.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["task"],
            update_fields=[f.name for f in TaskUrgency._meta.concrete_fields if f.name != "task"],
        )
    return len(rows)


def urgency_owner_set(*, task_id: int, owner_id: int | None, status: str) -> None:
    """A claim, release or reassignment moves the task, not its clock: one update."""
    TaskUrgency.objects.filter(task_id=task_id).update(owner_id=owner_id, status=status)


def urgency_rebuild(*, batch: int = 5000) -> int:
    """Writes every open human task's row from scratch (after a migration or a bulk load), a batch
    of tasks at a time. Returns how many rows."""
    TaskUrgency.objects.all().delete()
    open_tasks = Task.objects.filter(flow_task_type="HUMAN", status__in=OPEN).order_by("pk")
    written, last = 0, 0
    while True:
        ids = list(open_tasks.filter(pk__gt=last).values_list("pk", flat=True)[:batch])
        if not ids:
            return written
        written += urgency_refresh(task_ids=ids)
        last = ids[-1]


def _task_saved(sender: Any, instance: Task, **kwargs: Any) -> None:
    if instance.flow_task_type != "HUMAN":
        return
    if instance.status in OPEN or _deferred.get() is not None:
        urgency_refresh(task_ids=[instance.pk])  # inside `urgency_deferred()`: at its end
    else:
        TaskUrgency.objects.filter(task_id=instance.pk).delete()


def connect() -> None:
    """A task's row follows the task through viewflow's transitions (called from AppConfig.ready)."""
    post_save.connect(_task_saved, sender=Task, dispatch_uid="complaints.urgency.task_saved")
