"""Configuration read once per human transition (issue 17).

A transition (a step's form, a claim, a card action) reaches the same configuration rows from many
places: triage reads its settings for the emotion reading, the same-incident window and the
signals; the deadlines read the process settings; and so on. Inside `reads_once()` (entered by
`complaints.services.transitions` around a transition's service or a step's page) each of those
rows is read on its first use and the same object is handed to every later reader; outside it
every call reads the database, as before. The rows cached are admin configuration that no
transition writes, so a transition sees one consistent copy of them; an admin's change takes
effect on the next transition, as it always did (each transition read the rows afresh).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

R = TypeVar("R")

_ROWS: ContextVar[dict[str, Any] | None] = ContextVar("redress_reads_once", default=None)


@contextmanager
def reads_once() -> Iterator[None]:
    """Configuration read through `read_once` is read at most once until the outermost block ends."""
    if _ROWS.get() is not None:
        yield
        return
    token = _ROWS.set({})
    try:
        yield
    finally:
        _ROWS.reset(token)


def read_once(key: str, load: Callable[[], R]) -> R:
    """`load()`, or inside `reads_once()` the value it gave the first time for `key`."""
    rows = _ROWS.get()
    if rows is None:
        return load()
    if key not in rows:
        rows[key] = load()
    return rows[key]  # type: ignore[no-any-return]


def forget(key: str) -> None:
    """Drops one cached value (a service that changes that configuration inside a transition)."""
    rows = _ROWS.get()
    if rows is not None:
        rows.pop(key, None)
