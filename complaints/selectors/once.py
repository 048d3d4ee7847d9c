"""Configuration read once per human transition (issue 17), and once per process while it does not change.

A transition (a step's form, a claim, a card action) reaches the same configuration rows from many
places: triage reads its settings for the emotion reading, the same-incident window and the
signals; the deadlines read the process settings; and so on. Inside `reads_once()` (entered by
`complaints.services.transitions` around a transition's service or a step's page) each of those
rows is read on its first use and the same object is handed to every later reader; outside it
every call reads the database, as before. The rows cached are admin configuration that no
transition writes, so a transition sees one consistent copy of them; an admin's change takes
effect on the next transition, as it always did.

A read marked `shared` is also kept by the process between transitions, under the configuration's
token: on PostgreSQL every statement that writes one of the configuration tables (migration
`0035_config_token`) gives the token a number never given before, inside its transaction. A
transition reads the token once (one query) and reuses what an earlier transition of this process
read under the same number: same number, same committed configuration. A shared read may only
touch the tables of `CONFIG_TABLES`, and the objects it returns are read-only: several transitions
hold them. A block that writes configuration and then reads it again calls `forget()`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import connection

R = TypeVar("R")

_ROWS: ContextVar[dict[str, Any] | None] = ContextVar("redress_reads_once", default=None)
_TOKEN = "\0config_token"  # noqa: S105 (the key under which a transition keeps the token)
# key → (token, value): what this process read under a token.
_SHARED: dict[str, tuple[int, Any]] = {}


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


def reading_once() -> bool:
    """Whether a `reads_once()` block is open (a transition): shared reads are then kept."""
    return _ROWS.get() is not None


def config_token() -> int | None:
    """The configuration's current number (None: not on PostgreSQL, or the row is missing)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM complaints_configtoken WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else None


def read_once(key: str, load: Callable[[], R], *, shared: bool = False) -> R:
    """`load()`, or inside `reads_once()` the value it gave the first time for `key` (for a `shared`
    read: the first time in this process under the configuration's current token)."""
    rows = _ROWS.get()
    if rows is None:
        return load()
    if key in rows:
        return rows[key]  # type: ignore[no-any-return]
    if shared:
        if _TOKEN not in rows:
            rows[_TOKEN] = config_token()
        number = rows[_TOKEN]
        if number is not None:
            kept = _SHARED.get(key)
            if kept is None or kept[0] != number:
                kept = (number, load())
                # Inside a transaction, kept for other transitions only if the number still holds
                # after the load: a change written by this very transaction (which may yet roll back)
                # would otherwise be kept under a number that does not describe it. (Only after a
                # change, once per key and process: one query.)
                if not connection.in_atomic_block or config_token() == number:
                    _SHARED[key] = kept
            rows[key] = kept[1]
            return rows[key]  # type: ignore[no-any-return]
    rows[key] = load()
    return rows[key]  # type: ignore[no-any-return]


def forget(key: str) -> None:
    """Drops one cached value (a service that changes that configuration inside a transition); the
    token is read again, so shared reads after it see the change."""
    rows = _ROWS.get()
    if rows is not None:
        rows.pop(key, None)
        rows.pop(_TOKEN, None)
