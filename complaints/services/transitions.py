"""One human transition (a step's form, a claim, a card action), issue 17: its configuration is
read once (`complaints.selectors.once`), the tasks its walk through the flow creates and its
timeline events are written together at its end (`complaints.services.held_rows`), and the
case's list rows (TaskUrgency) are refreshed once, at its end (`urgency_deferred`), inside its
write transaction.

Transactions: a transition is one unit. The outermost `one_transition()` opens the transaction (a
savepoint inside a caller's), so its refusal rolls back exactly what it wrote; transitions nested in
it join it, and a service's own `transaction.atomic(savepoint=False)` blocks join it too (a savepoint
costs two queries). A page that catches a refusal to show its form again opens that block itself
(`refusals_caught()`): the transition inside joins the page's block instead of adding a second
savepoint. A step's page under viewflow's lock gives up its whole transaction instead
(`page_transaction()`): no savepoint at all, the page answers the refusal after the rollback."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import connection, transaction
from django.http import HttpResponse

from complaints.selectors.once import reads_once
from complaints.services.held_rows import rows_held
from complaints.services.urgency import urgency_deferred

P = ParamSpec("P")
R = TypeVar("R")

_ACTIVE: ContextVar[bool] = ContextVar("redress_transition", default=False)
_CAUGHT: ContextVar[bool] = ContextVar("redress_refusals_caught", default=False)
_WHOLE: ContextVar[bool] = ContextVar("redress_page_transaction", default=False)


class PageRefused(Exception):
    """A refusal inside `page_transaction()`: it rolls the page's transaction back on its way out,
    and the page answers it after that with `respond()` (the form again, or a message)."""

    def __init__(self, respond: Callable[[], HttpResponse]) -> None:
        super().__init__()
        self.respond = respond


@contextmanager
def page_transaction() -> Iterator[None]:
    """A task page's POST inside viewflow's lock (flows/task_pages.py): the lock's transaction is
    the page's, and nothing written in it before the page's service must outlive a refusal. The
    page's `refusals_caught()` then opens no savepoint; a refusal comes out of the page as
    `PageRefused` and rolls the whole transaction back (the caller answers it after that)."""
    with transaction.atomic(savepoint=False):
        token = _WHOLE.set(True)
        try:
            yield
        finally:
            _WHOLE.reset(token)


def refusal_gives_up_page() -> bool:
    """Whether a refusal caught by the page's `refusals_caught()` is to leave as `PageRefused`."""
    return _WHOLE.get()


@contextmanager
def refusals_caught() -> Iterator[None]:
    """The block a page opens around its service call to catch the service's refusal (and show the
    form again with nothing changed): a transaction, or a savepoint inside the caller's, or inside
    `page_transaction()` the page's transaction itself (no savepoint: the refusal rolls all of it
    back). The transitions run directly inside it join it."""
    whole = _WHOLE.get() and connection.in_atomic_block
    with transaction.atomic(savepoint=not whole):
        token, inner = _CAUGHT.set(True), _WHOLE.set(False)  # blocks inside it are ordinary again
        try:
            yield
        finally:
            _WHOLE.reset(inner)
            _CAUGHT.reset(token)


@contextmanager
def one_transition(*, savepoint: bool = True) -> Iterator[None]:
    """Reads configuration once and refreshes list rows once, in one transaction: its own (a
    savepoint inside a caller's transaction), the block of `refusals_caught()` it runs in, or, with
    `savepoint=False`, the caller's (for a caller that lets every error through, such as a step
    page inside viewflow's lock). Inside another transition it simply joins that one."""
    if _ACTIVE.get():
        yield
        return
    with ExitStack() as stack:
        caught = _CAUGHT.get()
        stack.enter_context(transaction.atomic(savepoint=savepoint and not caught))
        stack.callback(_ACTIVE.reset, _ACTIVE.set(True))
        stack.enter_context(reads_once())
        stack.enter_context(urgency_deferred())
        stack.enter_context(rows_held())  # written before the list rows are refreshed
        yield


def transition(func: Callable[P, R]) -> Callable[P, R]:
    """Marks a service as one human transition (`one_transition`)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_transition():
            return func(*args, **kwargs)

    return wrapper
