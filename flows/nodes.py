"""Our nodes over viewflow's: the start node of a process its intake service has already saved, the
human-step View with claim, release and reassign going through complaints.services.assignment
(conditional update, timeline event) and reassign switched on, its pages through
flows.task_pages (one read of the task, no savepoint inside the lock), and the nodes a walk passes
(gateways, functions, the join, the timer, the end) written once with the walk's other tasks
(complaints.services.held_rows) and without a savepoint each where an error rolls back the
whole transition anyway."""

from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import path
from django.utils.timezone import now
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.context import context
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes import end, func, handle, if_gate, join, split, start, switch, timer, view
from viewflow.workflow.nodes.start import StartViewActivation
from viewflow.workflow.signals import flow_finished, flow_started, task_finished, task_started
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from complaints.services.assignment import may_manage
from complaints.services.held_rows import (
    DRAWN_TASK_IDS,
    created_here,
    created_notes,
    held_rows,
    ids_drawn_with_lock,
    is_created_here,
    saves_held,
)
from complaints.services.open_work import case_pk_of, open_work_refresh
from flows.task_pages import step_form_view, task_view
from web import assignment


def _join_token(token: Any) -> Any:
    """A join's token: the arriving token before its split (viewflow's JoinActivation.create)."""
    return token.get_base_split_token() if token.is_split_token() else token


def _savepoint() -> bool:
    """viewflow wraps each automatic node's work in a savepoint so that, when the error is kept on
    the task instead of raised (`propagate_exception=False`), the node's partial work rolls back.
    Raised errors (every caller here) roll back the whole transition: no savepoint needed."""
    return not context.propagate_exception


def new_task(flow_task: Any, prev_activation: Any, token: Any, data: Any, seed: Any) -> Any:
    """The next node's task, unsaved, as viewflow's `Activation.create` builds it."""
    task = flow_task.flow_class.task_class(process=prev_activation.process, flow_task=flow_task, token=token)
    task.data = data if data is not None else {}
    task.seed = seed
    return task


class HeldCreate:
    """An activation whose new task is held with the walk's others inside a transition
    (complaints.services.held_rows) rather than inserted and linked at once."""

    @classmethod
    def create(cls, flow_task: Any, prev_activation: Any, token: Any, data: Any = None, seed: Any = None) -> Any:
        held = held_rows()
        if held is None:
            return super().create(flow_task, prev_activation, token, data=data, seed=seed)  # type: ignore[misc]
        task = new_task(flow_task, prev_activation, token, data, seed)
        held.hold(task, previous=prev_activation.task)
        return cls(task)  # type: ignore[call-arg]


class FunctionActivation(HeldCreate, func.FunctionActivation):
    @Activation.status.super()
    def activate(self) -> None:
        with self.exception_guard(), transaction.atomic(savepoint=_savepoint()):
            self.task.started = now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            self.flow_task._func(self)


class IfActivation(HeldCreate, if_gate.IfActivation):
    @Activation.status.super()
    def activate(self) -> None:
        with self.exception_guard(), transaction.atomic(savepoint=_savepoint()):
            self._condition_result = self.flow_task._condition(self)


class SwitchActivation(HeldCreate, switch.SwitchActivation):
    @Activation.status.super()
    def activate(self) -> None:
        with self.exception_guard(), transaction.atomic(savepoint=_savepoint()):
            for node, cond in self.flow_task._branches:
                if not cond:
                    self.next_task = node
                elif cond(self):
                    self.next_task = node
                    break
            if not self.next_task:
                raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class SplitActivation(HeldCreate, split.SplitActivation):
    pass


class HandleActivation(HeldCreate, handle.HandleActivation):
    pass


class EndActivation(HeldCreate, end.EndActivation):
    @Activation.status.super()
    def activate(self) -> None:
        with self.exception_guard(), transaction.atomic(savepoint=_savepoint()):
            self.task.started = now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            finished = not self._others_open()
            if finished:
                self.process.status = STATUS.DONE
                self.process.finished = now()
                # Only what finishing changes: viewflow saves the whole process, a second UPDATE of
                # every column of its own table (a step run's, an approval's, the complaint's), with
                # the values this object held, which a service may have changed since in its own copy.
                # Inside a transition holding its rows, written with them (one statement).
                held = held_rows()
                if held is None or not held.hold_update(self.process, ["status", "finished"], parent=True):
                    self.process.save(update_fields=["status", "finished"])
                case_pk = case_pk_of(self.process)
                if case_pk is not None:
                    open_work_refresh(case_pk)  # the case's last open process may have finished
            task_finished.send(sender=self.flow_class, process=self.process, task=self.task)
            if finished:
                flow_finished.send(sender=self.flow_class, process=self.process, task=self.task)

    def _others_open(self) -> bool:
        """Whether a task of the process other than this one is unfinished. Inside a transition
        holding its rows, the tasks held new or with held saves are judged as they stand here and
        the read, of the others, need not write the held rows first (it names no other held table)."""
        open_tasks = self.flow_class.task_class._default_manager.filter(process=self.process, finished__isnull=True)
        held = held_rows()
        if held is None:
            return bool(open_tasks.exclude(pk=self.task.pk).exists())
        unwritten = held.unwritten_tasks()
        if any(
            task.pk != self.task.pk and task.process_id == self.process.pk and task.finished is None
            for task in unwritten.values()
        ):
            return True
        with held.unwatched():
            return bool(open_tasks.exclude(pk__in=[self.task.pk, *unwritten]).exists())


class TimerActivation(HeldCreate, timer.TimerActivation):
    """viewflow's database timer: its task is held with the walk's others, its due moment set
    without a savepoint of its own."""

    @Activation.status.super()
    def activate(self) -> None:
        with self.exception_guard(), transaction.atomic(savepoint=_savepoint()):
            delay = self.flow_task._delay
            if callable(delay):
                delay = delay(self)
            if isinstance(delay, timedelta):
                delay = now() + delay
            if not isinstance(delay, datetime):
                raise ValueError(f"Timer delay must be a timedelta or datetime, got {delay!r}")
            self.task.scheduled = delay
            self.task.save()


class JoinActivation(join.JoinActivation):
    """viewflow's Join, reached by a walk: the join task's process is the walk's (viewflow reads it
    and its complaint again), whether every branch is in is asked once per arrival (viewflow asks
    when it checks the completion may proceed, again when it completes, and reads the tokens a
    third time), and no savepoint where an error rolls back the whole transition.

    Inside a transition that holds its rows (complaints.services.held_rows) an arrival reads, in one
    query, the active join task, the tokens of the tasks it has joined already and whether a task of
    the arriving branch's split is still open; the first arrival's join task and every arrival's
    link are held with the walk's other rows. viewflow reads the join, writes the link, reads the
    tokens and asks for open tasks one after the other (and inserts a new join at once)."""

    def __init__(self, task: Any) -> None:
        super().__init__(task)
        self._prefixes: set[Any] | None = None
        self._done: bool | None = None

    @classmethod
    def create(cls, flow_task: Any, prev_activation: Any, token: Any, data: Any = None, seed: Any = None) -> Any:
        held = held_rows()
        if held is not None and flow_task._continue_on_condition is None:
            return cls._arrive(held, flow_task, prev_activation, token, data, seed)
        tasks = flow_task.flow_class.task_class._default_manager.filter(
            flow_task=flow_task, process=prev_activation.process, status__in=[STATUS.NEW, STATUS.STARTED]
        )
        found = list(tasks[:2])
        if len(found) > 1:
            raise FlowRuntimeError("More than one join instance for process found")
        if found:
            task = found[0]
            task.process = prev_activation.process  # the same row, already read
        else:
            task = new_task(flow_task, prev_activation, _join_token(token), data, seed)
            task.save()
        task.previous.add(prev_activation.task)
        return cls(task)

    @classmethod
    def _arrive(cls, held: Any, flow_task: Any, prev_activation: Any, token: Any, data: Any, seed: Any) -> Any:
        """The arrival inside a transition holding its rows (the class's docstring); the same
        answers as viewflow's `create`, `_join_token_prefixes` and `is_done`."""
        from django.contrib.postgres.expressions import ArraySubquery

        arriving, process = prev_activation.task, prev_activation.process
        join_token = _join_token(token)
        prefix = arriving.token.get_common_split_prefix(join_token, arriving.pk)
        task_class = flow_task.flow_class.task_class
        joined = (
            task_class.previous.through.objects.filter(from_task_id=OuterRef("pk"))
            .exclude(to_task__status__in=[STATUS.CANCELED, STATUS.REVIVED])
            .annotate(
                entry=Concat(F("to_task__token"), Value(" "), Cast("to_task_id", CharField()), output_field=CharField())
            )
            .values("entry")
        )
        closed = [STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED]
        open_in_split = task_class._default_manager.filter(process=process, token__startswith=prefix).exclude(
            status__in=closed
        )
        # The tasks held new or with held saves are judged as they stand here, the others by the
        # read, which then need not write the held rows first; unless the arriving task itself is
        # not written yet (the read's anchor row) or a join of this node is among them.
        unwritten = held.unwritten_tasks()
        accounts = arriving.pk not in {task.pk for task in held.rows[task_class]} and not any(
            task.flow_task == flow_task for task in unwritten.values()
        )
        held_open = False
        if accounts:
            open_in_split = open_in_split.exclude(pk__in=[arriving.pk, *unwritten])
            held_open = any(
                task.pk != arriving.pk and task.status not in closed and str(task.token).startswith(prefix)
                for task in unwritten.values()
            )
        rows_read = task_class._default_manager.filter(
            Q(pk=arriving.pk) | Q(flow_task=flow_task, process=process, status__in=[STATUS.NEW, STATUS.STARTED])
        ).annotate(joined=ArraySubquery(joined), split_open=Exists(open_in_split))
        with held.unwatched() if accounts else nullcontext():
            rows = list(rows_read)  # the arriving task is always one of them: it carries the split's answer
        found = [row for row in rows if row.pk != arriving.pk]
        if len(found) > 1:
            raise FlowRuntimeError("More than one join instance for process found")
        if found:
            task = saves_held(found[0])
            task.process = process  # the same row, already read
            held.hold_link(task, previous=arriving)
            entries = [entry.rsplit(" ", 1) for entry in task.joined]
            prefixes = {Token(text).get_common_split_prefix(task.token, int(pk)) for text, pk in entries}
        else:
            task = new_task(flow_task, prev_activation, join_token, data, seed)
            held.hold(task, previous=arriving)
            prefixes = set()
        activation = cls(task)
        activation._prefixes = {*prefixes, prefix}
        split_open = held_open or any(row.split_open for row in rows)
        activation._done = len(activation._prefixes) > 1 or not split_open  # viewflow's is_done
        return activation

    def _join_token_prefixes(self) -> Any:
        if self._prefixes is None:
            self._prefixes = super()._join_token_prefixes()
        return self._prefixes

    def is_done(self) -> bool:
        if self._done is None:
            self._done = bool(super().is_done())
        return self._done

    @Activation.status.super()
    def complete(self) -> None:
        with self.exception_guard(), transaction.atomic(savepoint=_savepoint()):
            join_prefixes = self._join_token_prefixes()
            if len(join_prefixes) > 1:
                raise FlowRuntimeError(f"Multiple tokens {join_prefixes} came to join {self.flow_task.name}")
            if join_prefixes and self.flow_task._continue_on_condition:
                active_tasks = self._active_join_tasks(next(iter(join_prefixes)))
                if active_tasks.exists() and self.flow_task._continue_on_condition(self, active_tasks):
                    self.cancel_active_tasks(active_tasks)
            super(join.JoinActivation, self).complete.original()  # viewflow's base completion
        self._prefixes = self._done = None


class ViewActivation(view.ViewActivation):
    """viewflow's human task activation; its new task is held with the walk's tasks when the walk
    holds some (alone, holding would add the query that draws its id)."""

    @classmethod
    def create(cls, flow_task: Any, prev_activation: Any, token: Any, data: Any = None, seed: Any = None) -> Any:
        held = held_rows()
        if held is None or not held.holds(flow_task.flow_class.task_class):
            return super().create(flow_task, prev_activation, token, data=data, seed=seed)
        task = new_task(flow_task, prev_activation, token, data, seed)
        activation = cls(task)
        owner_permission = flow_task.calc_owner_permission(activation)
        if owner_permission:
            task.owner_permission = owner_permission
            task.owner_permission_obj = flow_task.calc_owner_permission_obj(activation)
        owner = flow_task.calc_owner(activation)
        if owner:
            task.owner = owner
            task.status = STATUS.ASSIGNED
        held.hold(task, previous=prev_activation.task)
        if flow_task._on_create is not None:
            flow_task._on_create(activation)
        return activation


class Function(flow.Function):
    activation_class = FunctionActivation


class If(flow.If):
    activation_class = IfActivation


class Switch(flow.Switch):
    activation_class = SwitchActivation


class Split(flow.Split):
    activation_class = SplitActivation


class Handle(flow.Handle):
    activation_class = HandleActivation

    def run_locked(self, task: Any, **kwargs: Any) -> Any:
        """viewflow's `run(task)` for a caller that holds the lock of the task's process (its
        process class's row, `SELECT … FOR UPDATE`) in this transaction and read the task, with its
        process and the process's row, after taking it (CustomStepFlow.resume_case): viewflow's
        `run` takes that lock again in a savepoint of its own and reads the task, its process and
        the process's row again. Where errors are kept on the task instead of raised: viewflow's."""
        if _savepoint():
            return self.run(task, **kwargs)
        activation = self.activation_class(task)
        result = activation.run(this.resolve(self.flow_class.instance, self._func), **kwargs)
        activation.execute()
        return result


class End(flow.End):
    activation_class = EndActivation


class Join(flow.Join):
    activation_class = JoinActivation


class Timer(flow.Timer):
    activation_class = TimerActivation


class SavedStartActivation(StartViewActivation):
    """viewflow's start, for a process the intake service (complaint_register) saved before the flow
    runs. viewflow saves the process again before it finishes the start task; for a complaint that
    is a second write of every column of two tables, unchanged since the service's save a moment
    before. A process not saved yet is saved as viewflow does."""

    @Activation.status.transition(source=STATUS.STARTED)
    def execute(self) -> None:
        if self.process.pk is None:
            super().execute.original()  # type: ignore[attr-defined]
            return
        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        # Inside the intake's transaction (both doors open one): a savepoint would roll back nothing
        # that the whole registration's rollback does not. A complaint this transaction inserted is
        # seen by no other until it commits: nothing to lock (viewflow's lock is a savepoint and a
        # SELECT … FOR UPDATE); its lock scope still runs what waits for the lock's release.
        unseen = is_created_here(self.process)
        held = held_rows()
        notes = created_notes(type(self.process), self.process.pk) if unseen else None
        drawn = notes.pop(DRAWN_TASK_IDS, []) if notes is not None else []
        # The walk's tasks take the ids drawn with the reference number (services.intake), as a
        # step's walk takes those its lock drew (flows/lock.py).
        with ids_drawn_with_lock(self.process.pk, drawn) if drawn else nullcontext():
            if unseen and held is not None:
                # Its start task is written with the walk's other tasks, as a side process's is
                # (NewProcessStartActivation): no other transaction adds a task to the new process.
                held.hold(self.task)
            with (
                transaction.atomic(savepoint=False),
                lock.lock_scope(_not_locked, self.flow_class, self.process.pk)
                if unseen
                else self.flow_class.lock(self.process.pk),
            ):
                self.complete()
                flow_started.send(sender=self.flow_class, process=self.process, task=self.task)
                self.activate_next()


def _not_locked(flow_class: Any, process_pk: Any) -> Any:
    """A lock for a process no other transaction can see yet (SavedStartActivation)."""
    return nullcontext()


class Start(flow.Start):
    """viewflow's Start with SavedStartActivation."""

    activation_class = SavedStartActivation


class NewProcessStartActivation(start.StartHandleActivation):
    """viewflow's start from code (a side process a service opens: an approval, a collaboration
    request, a custom step…), inside the service's transition. viewflow opens a savepoint to save the
    new process and a second one with its lock (a SELECT … FOR UPDATE of that row) to finish the
    start task and create the first step: four statements and a lock on a row no other transaction
    can see until this one commits, and a savepoint that rolls back nothing the transition's
    rollback does not (every caller lets the error through). Outside a transition: viewflow's."""

    @Activation.status.transition(source=STATUS.NEW)
    def execute(self) -> None:
        if held_rows() is None or _savepoint():
            super().execute.original()  # type: ignore[attr-defined]
            return
        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        held = held_rows()
        with transaction.atomic(savepoint=False):
            self.process.save()
            created_here(self.process)
            if held is not None:
                # Written with the transition's other rows (and so is its first step's, held after
                # it): the process is new, no other transaction adds a task to it before this one
                # commits, so ids drawn here (or with the walk's) keep its tasks in order.
                held.hold(self.task)
            with lock.lock_scope(_not_locked, self.flow_class, self.process.pk):
                self.complete()
                flow_started.send(sender=self.flow_class, process=self.process, task=self.task)
                self.activate_next()


class StartHandle(flow.StartHandle):
    """viewflow's StartHandle with NewProcessStartActivation."""

    activation_class = NewProcessStartActivation


class View(flow.View):
    """viewflow's View; claim/release/reassign record who holds the task on the complaint's
    timeline. The task's owner, the head of its queue's department or a process manager may
    release or reassign it."""

    activation_class = ViewActivation
    assign_view_class = assignment.ClaimTaskView
    unassign_view_class = assignment.ReleaseTaskView
    reassign_view_class = assignment.ReassignTaskView

    def can_unassign(self, user: Any, task: Any) -> bool:
        if task.owner_id is None or user is None or user.is_anonymous:
            return False
        return may_manage(user=user, task=task)

    # The step's pages through flows.task_pages (one read of the task, its process and the
    # process's row; no savepoint of their own), the URLs and checks viewflow's.
    def _task_url(self, suffix: str, view: Any, name: str) -> Any:
        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/{suffix}", view, name=name)

    @property
    def view_path(self) -> Any:
        return self._task_url("execute/", step_form_view(self, self.view), "execute")

    @property
    def index_path(self) -> Any:
        return self.index_view and self._task_url("", task_view(self, self.index_view), "index")

    @property
    def detail_path(self) -> Any:
        return self.detail_view and self._task_url(
            "detail/", task_view(self, self.detail_view, permission=self.can_view), "detail"
        )

    @property
    def assign_path(self) -> Any:
        return self.assign_view and self._task_url(
            "assign/", task_view(self, self.assign_view, permission=self.can_assign), "assign"
        )

    @property
    def unassign_path(self) -> Any:
        return self.unassign_view and self._task_url(
            "unassign/", task_view(self, self.unassign_view, permission=self.can_unassign), "unassign"
        )

    @property
    def reassign_path(self) -> Any:
        return self.reassign_view and self._task_url(
            "reassign/", task_view(self, self.reassign_view, permission=self.can_unassign), "reassign"
        )
