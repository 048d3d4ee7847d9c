"""The rows a transition appends, written together at its end (issues 17 and 23).

viewflow writes each node a walk through the flow passes three times: an INSERT of its task, an
INSERT of its "previous" link, an UPDATE when the node completes; a registration passes five nodes
before its first human task, a step's form two to six. And each timeline event is an INSERT of its
own (six in a registration). Inside one transition (`one_transition`) the flows' nodes
(`flows/nodes.py`), `event_record` and the customer's tracking link (services.customer) hold these
rows instead: a task gets its id at once (drawn from the table's sequence, eight at a time), an
event or a link when it is written (`event_record(..., at_once=True)` for a caller that needs its
id now); later saves of a held task change only the
object, and everything held is written when the transition ends, in its final state, in one
statement (an INSERT per table and the complaints' UPDATEs, each a part of one WITH). Nothing can
read a held row before it is written: any statement that names a held table, from any code, first
writes what is held (a wrapper on the connection while something is
held), so the flow's joins, the lists' rows, the timeline and every selector see what they would
have seen. A savepoint writes what is held before it begins, and its rollback drops what was held
inside it, so code that catches an error inside a transition keeps exactly the rows it kept before.

A complaint's `save(update_fields=...)` inside a transition is held the same way (a registration
saves the new complaint three times after its INSERT: triage, the promise, the stage): the values are
taken when it is called, merged per complaint, and written (one UPDATE per complaint, a part of
the same statement) before any statement that names the complaints' table, before a savepoint, or
at the end.

A stop (a clock's: its open rows closed by one conditional UPDATE that nothing reads back) is held
too (`hold_stop`): the stops held of a table are one UPDATE, a part of the same statement, written
before any statement that names that table, as the other held rows are, so whatever reads the
clocks (a clock service, the lists' rows) sees them stopped; their filters are tested as they stood
at the stop (nothing wrote the table in between), and a row two of them select takes the first's
values, as the first UPDATE would have left it out of the next one's filter.

Ids stay in creation order within a case: a task's are drawn inside the transaction, under the
case's lock, and a sequence only grows (the custom steps' "latest pass" reads the highest id);
events get theirs in the order they were held. PostgreSQL only (its foreign keys are checked at
commit); elsewhere, and outside a transition, rows are saved one by one as before."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import reduce
from operator import or_
from types import MethodType
from typing import Any

from django.db import connection
from django.db.models import Case, F, Model, Q, Value, When, sql
from django.db.models.constants import OnConflict
from django.db.models.signals import post_save
from viewflow.workflow.models import Process, Task

from complaints.models import ComplaintEvent, CustomerContact, CustomerLink, Escalation

# Written in this order; the ids of a customer's link and of the events come back from the statement.
# An escalation's and a contact's row are held only with an id drawn under the case's lock
# (services.escalation).
HELD_MODELS: tuple[type[Model], ...] = (Task, Escalation, CustomerContact, CustomerLink, ComplaintEvent)
TASK_LINK: Any = Task.previous.through  # a task's "previous" row
TASKS_TABLE = Task._meta.db_table
IDS_AT_ONCE = 8  # ids drawn per model and query; the unused ones are left as a gap in the sequence
# The key of `created_notes` under which a new process keeps the task ids drawn for its walk before
# its row existed (a registration's, with its reference number: services.intake); its start takes them.
DRAWN_TASK_IDS = "task_ids"
_SEQUENCES: dict[type[Model], str] = {}


def _unwritten(*args: Any, **kwargs: Any) -> None:
    """A held row's save(): its object is written, as it then stands, with the others."""


class HeldRows:
    """The rows appended and not yet written in this transition, the tasks' links, spare ids."""

    def __init__(self) -> None:
        self.rows: dict[type[Model], list[Any]] = {model: [] for model in HELD_MODELS}
        self.links: list[tuple[int, int]] = []
        self.ids: dict[type[Model], list[int]] = {model: [] for model in HELD_MODELS}
        self.writing = False
        # created_here: (model, pk) → what services note of the row until the transition ends
        self.created: dict[tuple[type[Model], Any], dict[str, Any]] = {}
        # (a complaint's or a written task's model, its pk) → its columns' values, to UPDATE; the tasks
        # whose saves were held, to announce when written.
        self.updates: dict[tuple[type[Model], Any], dict[str, Any]] = {}
        self.saved: dict[Any, Any] = {}
        self.stops: dict[type[Model], list[tuple[Q, dict[str, Any]]]] = {}  # hold_stop: per table, in order

    def holding(self) -> bool:
        return any(self.rows.values()) or bool(self.updates) or bool(self.links) or bool(self.stops)

    def _watch(self) -> None:
        """Something is held now: statements are watched until it is written."""
        if not self.holding():
            connection.execute_wrappers.append(self._before_statement)

    def hold_update(self, instance: Any, fields: Iterable[str], *, parent: bool = False) -> bool:
        """Keeps a complaint's (or a written task's: `saves_held`) save of these fields, with their
        values now, to be written in one UPDATE with its other held saves. False (not held: save it
        now) for a field of a parent's table (a complaint's process row, viewflow's), unless `parent`
        and every field is of that one parent's table (a process finishing: flows.nodes.End)."""
        concrete = [instance._meta.get_field(name) for name in fields]
        if not concrete:
            return True  # nothing to save, as Django's save(update_fields=[]) saves nothing
        tables = {field.model for field in concrete}
        model = next(iter(tables))
        if len(tables) > 1 or any(not field.concrete for field in concrete):
            return False
        if model is not type(instance) and not (parent and model in instance._meta.parents):
            return False
        self._watch()
        values = self.updates.setdefault((model, instance.pk), {})
        for field in concrete:
            values[field.attname] = field.pre_save(instance, False)
        return True

    def hold_values(self, model: type[Model], pk: Any, values: dict[str, Any]) -> None:
        """Keeps `UPDATE model SET values WHERE pk = pk` with the row's other held saves (one UPDATE
        per row: two of one statement would leave one of them undone). A value may be an expression,
        evaluated when written, on the statement's snapshot (services.open_work)."""
        self._watch()
        self.updates.setdefault((model, pk), {}).update(values)

    def finishing(self) -> list[Any]:
        """The processes whose finishing this transition holds (flows.nodes.End), by id: as
        they stand in the database, and to the parts of the statement that writes them, unfinished."""
        return [
            pk
            for (model, pk), values in self.updates.items()
            if issubclass(model, Process) and values.get("finished") is not None
        ]

    def hold_stop(self, model: type[Model], where: Q, values: dict[str, Any]) -> None:
        """Keeps `UPDATE model SET values WHERE where` (a stop: `where` selects open rows only and
        `values` closes them, so a row stopped is out of every later stop's filter) until written:
        one UPDATE per table with its other held stops, each row taking the values of the first
        stop that selects it (`_stops_sql`). Nothing may need how many rows it changed."""
        held = self.stops.get(model, [])
        if any(where == earlier for earlier, _values in held):
            return  # the same rows again (a walk's second step entering a stage): the first stop took them
        self._watch()
        self.stops.setdefault(model, []).append((where, dict(values)))

    def hold_link(self, task: Any, *, previous: Any) -> None:
        """Keeps the link from a written task to `previous` (a join reached again) until written."""
        self._watch()
        self.links.append((task.pk, previous.pk))

    def holds(self, model: type[Model]) -> bool:
        return bool(self.rows[model])

    def unwritten_tasks(self) -> dict[Any, Any]:
        """The tasks held new and the written tasks whose saves are held, by id: what a read of the
        tasks would not see as they stand (for a read that accounts for them itself: `unwatched`)."""
        return {**{task.pk: task for task in self.rows[Task]}, **self.saved}

    @contextmanager
    def unwatched(self) -> Iterator[None]:
        """Statements inside it do not write what is held first: for a read that takes the held rows
        into account itself (`unwritten_tasks`)."""
        writing, self.writing = self.writing, True
        try:
            yield
        finally:
            self.writing = writing

    def hold(self, row: Any, *, previous: Any = None) -> None:
        """Gives the new row its id and keeps it (a task also its link to `previous`) until written."""
        model = type(row)
        if model is Task:  # its id is needed at once: links, split tokens, the custom steps' pass
            drawn = _DRAWN_WITH_LOCK.get()
            process_pk = _process_pk(row)
            if drawn is not None and drawn[1] and (drawn[0] == process_pk or self._new_process(process_pk)):
                # Drawn under this case's lock (ids_drawn_with_lock), or a task of a process this
                # transition created (a side process: no other transaction sees it before this one
                # commits, and its later tasks are drawn after that).
                row.pk = drawn[1].pop(0)
            else:
                if not self.ids[model]:
                    self._draw(model)
                row.pk = self.ids[model].pop(0)
            if row.flow_task and not row.flow_task_type:
                row.flow_task_type = row.flow_task.task_type  # as Task.save() does
        row.__dict__["save"] = _unwritten  # the object is the row until it is written
        self._watch()
        self.rows[model].append(row)
        if previous is not None:
            self.links.append((row.pk, previous.pk))

    def _new_process(self, process_pk: Any) -> bool:
        """Whether the process (by its id, the process table's) was inserted by this transition."""
        return any(issubclass(model, Process) and pk == process_pk for model, pk in self.created)

    def write(self) -> None:
        """Writes what is held in one statement: each complaint's UPDATE, each table's INSERT, the
        tasks' links, as the parts of one WITH (`_one_statement`); a written task's later saves are
        UPDATEs."""
        if not self.holding():
            return
        rows, links, updates, saved, stops = self.rows, self.links, self.updates, self.saved, self.stops
        self.rows, self.links, self.updates, self.saved = {model: [] for model in HELD_MODELS}, [], {}, {}
        self.stops = {}
        connection.execute_wrappers.remove(self._before_statement)
        parts: list[tuple[str, tuple[Any, ...]]] = []
        for (model, pk), values in updates.items():
            update: Any = model._default_manager.filter(pk=pk).query.chain(sql.UpdateQuery)
            update.add_update_values(values)
            parts.append(update.get_compiler("default").as_sql())
        parts += [_stops_sql(model, held_stops) for model, held_stops in stops.items()]
        returning: list[list[Any]] = []  # per part that returns ids, its rows (links', events')
        returns: list[int] = []  # which parts those are
        for model, held in rows.items():
            for row in held:
                row.__dict__.pop("save")
                row._prepare_related_fields_for_save(operation_name="bulk_create")
            if held:
                opts = model._meta
                ids_given = held[0].pk is not None
                fields = [f for f in opts.concrete_fields if ids_given or not f.primary_key]
                parts.append(insert_sql(model, held, fields, returning=None if ids_given else opts.pk))
                if not ids_given:
                    returns.append(len(parts) - 1)
                    returning.append(held)
            if model is Task and links:
                link_rows = [TASK_LINK(from_task_id=new, to_task_id=old) for new, old in links]
                fields = [f for f in TASK_LINK._meta.concrete_fields if not f.primary_key]
                parts.append(insert_sql(TASK_LINK, link_rows, fields, on_conflict=OnConflict.IGNORE))
        self.writing = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(*_one_statement(parts, returns=returns))
                ids: list[list[Any]] = [[] for _part in returns]
                for row in cursor.fetchall() if returns else []:
                    part, pk = row if len(parts) > 1 else (0, row[0])  # one part: its own INSERT's ids
                    ids[part].append(pk)
        finally:
            self.writing = False
        for part_rows, part_ids in zip(returning, ids, strict=True):
            for row, pk in zip(part_rows, part_ids, strict=True):
                row.pk = pk
        for model, held in rows.items():  # as save() would have announced them (the lists' rows follow tasks)
            for row in held:
                row._state.adding, row._state.db = False, "default"
                if model is Task and _HELD.get() is self:
                    saves_held(row)  # a later save in this transition (a node completing) is held too
                post_save.send(sender=model, instance=row, created=True, update_fields=None, raw=False, using="default")
        for task in saved.values():
            post_save.send(sender=Task, instance=task, created=False, update_fields=None, raw=False, using="default")

    def drop(self) -> None:
        """What is held is not to be written: the transaction, or the savepoint it was held in, rolls back."""
        if self.holding():
            connection.execute_wrappers.remove(self._before_statement)
        for held in self.rows.values():
            for row in held:
                row.__dict__.pop("save", None)
        self.rows, self.links, self.updates, self.saved = {model: [] for model in HELD_MODELS}, [], {}, {}
        self.stops = {}

    def _before_statement(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.writing:
            if sql.startswith("ROLLBACK TO SAVEPOINT"):
                # Held since the savepoint began (it wrote what was held before it): undone with it.
                self.drop()
            elif (
                sql.startswith("SAVEPOINT")
                or any(model._meta.db_table in sql for model, held in self.rows.items() if held)
                or any(model._meta.db_table in sql for model, _pk in self.updates)
                or any(model._meta.db_table in sql for model in self.stops)
                or (self.links and TASKS_TABLE in sql)  # (the links' table's name begins with it)
            ):
                self.write()
        return execute(sql, params, many, context)

    def _draw(self, model: type[Model]) -> None:
        # Per table, when its first row is held: a task's id is drawn inside the walk, under the
        # case's lock (an id drawn before the lock could come after a later transition's).
        self.writing = True  # these statements name the table but read no row
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence_of(model), IDS_AT_ONCE])
                self.ids[model] = [row[0] for row in cursor.fetchall()]
        finally:
            self.writing = False


def _process_pk(task: Any) -> Any:
    """The task's process id; for a task built before its new process was saved (a start task),
    the process object's (its link's id column is filled when the task is written)."""
    if task.process_id is None and "process" in task._state.fields_cache:
        return task._state.fields_cache["process"].pk
    return task.process_id


def sequence_of(model: type[Model]) -> str:
    """The name of the sequence that gives the table's ids (read once per process)."""
    if model not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            _SEQUENCES[model] = cursor.fetchone()[0]
    return _SEQUENCES[model]


# Task ids drawn by the statement that took a case's lock: (the case's process id, the ids left).
_DRAWN_WITH_LOCK: ContextVar[tuple[Any, list[int]] | None] = ContextVar("redress_ids_with_lock", default=None)


@contextmanager
def ids_drawn_with_lock(process_pk: Any, ids: list[int]) -> Iterator[None]:
    """While the case's lock is held: the tasks its transition holds take these ids (drawn in the
    lock's own statement, so already under the lock) before drawing more. Dropped with the lock:
    ids drawn under an earlier lock would come before a later transition's."""
    token = _DRAWN_WITH_LOCK.set((process_pk, list(ids)))
    try:
        yield
    finally:
        _DRAWN_WITH_LOCK.reset(token)


_READ_LOCKED = "_redress_read_under_lock"


def read_under_lock(instance: Any) -> None:
    """Notes that this process row (a step page's) was read after its flow's lock was taken in this
    transaction (`ids_drawn_with_lock`), so a service may take it as it stands (`is_read_under_lock`)."""
    drawn = _DRAWN_WITH_LOCK.get()
    if drawn is not None and drawn[0] == instance.pk:
        instance.__dict__[_READ_LOCKED] = True


def is_read_under_lock(instance: Any) -> bool:
    """Whether the row was read under its flow's lock, which this transaction still holds: reading
    it again `FOR UPDATE` would lock nothing more and read the same values."""
    drawn = _DRAWN_WITH_LOCK.get()
    return bool(instance.__dict__.get(_READ_LOCKED)) and drawn is not None and drawn[0] == instance.pk


def saves_held(task: Any) -> Any:
    """Inside a transition that holds rows, the saves of this written task (a step's page's task, a
    join reached again) are held like a complaint's: its columns as they stand at each save, written
    in one UPDATE with the transition's other rows, announced then (post_save). Elsewhere it saves
    as before. Returns the task."""
    task.__dict__["save"] = MethodType(_save_or_hold, task)
    return task


def _save_or_hold(task: Any, *args: Any, **kwargs: Any) -> None:
    held = _HELD.get()
    if held is None or args or kwargs or task.pk is None or task._state.adding:
        type(task).save(task, *args, **kwargs)
        return
    if task.flow_task and not task.flow_task_type:
        task.flow_task_type = task.flow_task.task_type  # as Task.save() does
    if not held.hold_update(task, [field.name for field in task._meta.concrete_fields if not field.primary_key]):
        type(task).save(task)
        return
    held.saved[task.pk] = task


def _stops_sql(model: type[Model], stops: list[tuple[Q, dict[str, Any]]]) -> tuple[str, tuple[Any, ...]]:
    """The held stops of a table as one UPDATE of the rows any of them selects, each column set to
    the value of the first stop that selects the row (a CASE, where the stops' values differ; a
    stop that does not set the column keeps the row's)."""
    values: dict[str, Any] = {}
    for name in dict.fromkeys(name for _where, stop in stops for name in stop):
        field: Any = model._meta.get_field(name)
        given = [stop.get(name, F(name)) for _where, stop in stops]
        if all(name in stop and stop[name] == given[0] for _where, stop in stops):
            values[name] = given[0]
            continue
        whens = [
            When(where, then=value if isinstance(value, F) else Value(value, output_field=field))
            for (where, _stop), value in zip(stops, given, strict=True)
        ]
        values[name] = Case(*whens, default=F(name), output_field=field)
    rows = model._default_manager.filter(reduce(or_, (where for where, _stop in stops)))
    update: Any = rows.query.chain(sql.UpdateQuery)
    update.add_update_values(values)
    text, params = update.get_compiler("default").as_sql()
    return text, tuple(params)


def insert_sql(
    model: type[Model], rows: list[Any], fields: list[Any], *, returning: Any = None, on_conflict: Any = None
) -> tuple[str, tuple[Any, ...]]:
    """One INSERT of these rows as Django's bulk_create would write it (one batch)."""
    query = sql.InsertQuery(model, on_conflict=on_conflict)
    query.insert_values(fields, rows)
    compiler = query.get_compiler("default")
    compiler.returning_fields = [returning] if returning is not None else None
    [statement] = compiler.as_sql()
    return statement[0], tuple(statement[1])


def _one_statement(parts: list[tuple[str, tuple[Any, ...]]], *, returns: list[int]) -> tuple[str, tuple[Any, ...]]:
    """The parts as one statement: each a data-modifying WITH of its own, which PostgreSQL runs
    to completion whether read or not, all on one snapshot (none reads another's rows; the foreign
    keys are checked at commit). The parts numbered in `returns` return their rows' ids, each id in
    a row (n, id): n says which of them, each part's ids in the order of its rows. A single part is
    sent as it is (its INSERT returns its ids alone)."""
    if len(parts) == 1:
        return parts[0]
    names = [f"held_{n}" for n in range(len(parts))]
    withs = ", ".join(f"{name} AS ({text})" for name, (text, _) in zip(names, parts, strict=True))
    # Django's compiled SQL and our own names; the values are parameters.
    tail = " UNION ALL ".join(f"SELECT {n}, * FROM {names[part]}" for n, part in enumerate(returns))  # noqa: S608
    params = tuple(param for _, part_params in parts for param in part_params)
    return f"WITH {withs} {tail or 'SELECT 1 WHERE false'}", params


_HELD: ContextVar[HeldRows | None] = ContextVar("redress_held_rows", default=None)


def held_rows() -> HeldRows | None:
    """This transition's held rows, or None where rows are saved one by one."""
    return _HELD.get()


def created_here(instance: Model) -> None:
    """Notes that this transition inserted the row (the registration: its complaint). Until the
    transition commits no other transaction sees the row, so nobody else can lock or change it."""
    held = _HELD.get()
    if held is not None:
        held.created.setdefault((type(instance), instance.pk), {})


def is_created_here(instance: Model) -> bool:
    """Whether this transition inserted the row (`created_here`); False where rows are not held."""
    held = _HELD.get()
    return held is not None and (type(instance), instance.pk) in held.created


def created_notes(model: type[Model], pk: Any) -> dict[str, Any] | None:
    """For a row of `model` this transition inserted (`created_here`): what services note of it while
    the transition lasts, as facts no other transaction can change before it commits (which kinds of
    clocks a new complaint has: services.clocks). None for any other row, or where rows are not held."""
    held = _HELD.get()
    return None if held is None else held.created.get((model, pk))


@contextmanager
def rows_held() -> Iterator[None]:
    """Holds the rows appended inside it and writes them when it ends (the module's docstring)."""
    if _HELD.get() is not None or connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    held = HeldRows()
    token = _HELD.set(held)
    try:
        yield
    except BaseException:
        held.drop()
        raise
    else:
        held.write()
    finally:
        _HELD.reset(token)
