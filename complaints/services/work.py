"""Side tasks (compensation approvals, collaboration requests) are processes of their own flows, so
their tasks sit in the normal inbox and queues. The flows app registers how each kind starts
(flows.apps), which lets services open one without importing the flows (the arrows point
flows → complaints only)."""

from collections.abc import Callable
from typing import Any

_starters: dict[str, Callable[..., Any]] = {}


class NoStarter(RuntimeError):
    """The flows app is not installed or has not registered this kind of side task."""


def starter_register(*, kind: str, start: Callable[..., Any]) -> None:
    _starters[kind] = start


def side_task_start(*, kind: str, fields: dict[str, Any]) -> Any:
    """Starts the side-task flow of `kind` with these process fields; returns the new process row."""
    if kind not in _starters:
        raise NoStarter(kind)
    return _starters[kind](fields=fields)


class NoOpenStep(RuntimeError):
    """The complaint has no open task of that step (already done, or not reached)."""


def complaint_step_complete(*, complaint: Any, step: str, perform: Callable[[], Any]) -> Any:
    """Completes the complaint's open task of `step` as the customer (no staff user): `perform`
    records the step through the same service the agent's task view calls, then the flow moves
    on. Raises NoOpenStep when no such task is open. Returns what `perform` returned."""
    return side_task_start(kind="step", fields={"complaint": complaint, "step": step, "perform": perform})


def complaint_process_start(*, first_step: Callable[[Any], Any]) -> Any:
    """Starts a complaint process as the system with `first_step(process)` registering it (the
    customer's public form); returns what `first_step` returned."""
    return side_task_start(kind="complaint", fields={"first_step": first_step})
