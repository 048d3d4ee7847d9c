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
hold them. A block that writes configuration and then reads it again calls `forget()`. A shared
read loaded inside a transaction is kept for others when its block ends, if the token still holds
then: one query for all the reads a transition loaded (a cold process, or after an admin's change),
none when everything came from the process's copy.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import connection, transaction

R = TypeVar("R")

_ROWS: ContextVar[dict[str, Any] | None] = ContextVar("redress_reads_once", default=None)
_TOKEN = "\0config_token"  # noqa: S105 (the key under which a transition keeps the token)
_PENDING = "\0pending"  # shared reads loaded inside a transaction, until they settle
# key → (token, value): what this process read under a token.
_SHARED: dict[str, tuple[int, Any]] = {}


@contextmanager
def reads_once() -> Iterator[None]:
    """Configuration read through `read_once` is read at most once until the outermost block ends.
    Each block that ends normally settles the shared reads loaded inside a transaction (`_settle`)."""
    if _ROWS.get() is not None:
        yield
        _settle()
        return
    token = _ROWS.set({})
    try:
        yield
        _settle()
    finally:
        _ROWS.reset(token)


def reading_once() -> bool:
    """Whether a `reads_once()` block is open (a transition): shared reads are then kept."""
    return _ROWS.get() is not None


def config_row(instance: Any, field: str, rows: Callable[[], dict[int, Any]]) -> Any:
    """The configuration row `instance.<field>` points to: the one the instance already holds, else
    inside a transition the configuration's copy (`rows()`: the process's rows by id; read-only),
    else the instance's own (lazy) read."""
    descriptor = getattr(type(instance), field)
    pk = getattr(instance, descriptor.field.attname)
    if pk is None or descriptor.is_cached(instance) or not reading_once():
        return getattr(instance, field)
    return rows().get(pk) or getattr(instance, field)


TOKEN_SQL = "SELECT token FROM complaints_configtoken WHERE id = 1"  # noqa: S105 (a number, no secret)

# The number a statement the request ran anyway brought along (its session's read), until the
# request's first shared read takes it or the request ends.
_READ_AHEAD: ContextVar[int | None] = ContextVar("redress_config_token_ahead", default=None)


def config_token() -> int | None:
    """The configuration's current number (None: not on PostgreSQL, or the row is missing)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL)
        row = cursor.fetchone()
    return int(row[0]) if row else None


def token_read_ahead(number: Any) -> None:
    """Keeps the configuration's number read by another statement of this request (the session's:
    config.models.SessionManager selects TOKEN_SQL beside the row), for the request's first shared
    read instead of a query of its own; None forgets it (config.middleware.ReadsOnceMiddleware,
    at the end of every request). A number read a moment earlier is as good as one read now: a
    shared read keeps what it loads under the number it was given, and numbers are never given
    twice, so a change committed in between is read again by the next request, never kept under
    the newer number; a transaction's own reads are kept only if the number still holds when it
    ends (_settle reads it then, afresh)."""
    _READ_AHEAD.set(int(number) if number is not None else None)


def _first_token() -> int | None:
    number = _READ_AHEAD.get()
    if number is None:
        return config_token()
    _READ_AHEAD.set(None)
    return number


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
            rows[_TOKEN] = _first_token()
        number = rows[_TOKEN]
        if number is not None:
            kept = _SHARED.get(key)
            if kept is None or kept[0] != number:
                kept = (number, load())
                if connection.in_atomic_block:
                    rows.setdefault(_PENDING, {})[key] = (kept, _mark())  # kept when it settles
                else:
                    _SHARED[key] = kept
            rows[key] = kept[1]
            return rows[key]  # type: ignore[no-any-return]
    rows[key] = load()
    return rows[key]  # type: ignore[no-any-return]


def _mark() -> Callable[[], None]:
    """A mark of the transaction and savepoints open now: a no-op commit hook, which Django drops
    when the transaction or one of those savepoints rolls back, and runs (doing nothing) at commit."""

    def mark() -> None:
        return None

    transaction.on_commit(mark)
    return mark


def _open(mark: Callable[[], None]) -> bool:
    """Whether the transaction and savepoints that were open at `mark` are still open (and none of
    them rolled back)."""
    return connection.in_atomic_block and any(hook[1] is mark for hook in connection.run_on_commit)


def _settle() -> None:
    """Keeps for other transitions the shared reads this transaction loaded, if the configuration's
    number still holds (one query for all of them, only after a cold read): a change written by this
    very transaction (which may yet roll back) would otherwise be kept under a number that does not
    describe it. A read is settled only from inside the transaction and the savepoints it was loaded
    in: if one of them ended meanwhile (rolled back, perhaps, with a change the read saw), the read is
    dropped, and read again by a later transition."""
    rows = _ROWS.get()
    pending = rows.pop(_PENDING, None) if rows is not None else None
    if not pending:
        return
    alive = {key: kept for key, (kept, mark) in pending.items() if _open(mark)}
    if not alive:
        return
    number = config_token()
    _SHARED.update({key: kept for key, kept in alive.items() if kept[0] == number})


def forget(key: str) -> None:
    """Drops one cached value (a service that changes that configuration inside a transition); the
    token is read again, so shared reads after it see the change."""
    rows = _ROWS.get()
    if rows is not None:
        rows.pop(key, None)
        rows.pop(_TOKEN, None)
