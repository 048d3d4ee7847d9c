"""One human transition (a step's form, a claim, a card action), issue 17: its configuration is
read once (`complaints.selectors.once`) and the case's list rows (TaskUrgency) are refreshed once,
at its end (`urgency_deferred`), inside its write transaction."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import transaction

from complaints.selectors.once import reads_once
from complaints.services.urgency import urgency_deferred

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def one_transition() -> Iterator[None]:
    """Reads configuration once and refreshes list rows once; opens a transaction when the caller
    has none (so the rows are written with the change), else joins the caller's."""
    with ExitStack() as stack:
        if not transaction.get_connection().in_atomic_block:
            stack.enter_context(transaction.atomic())
        stack.enter_context(reads_once())
        stack.enter_context(urgency_deferred())
        yield


def transition(func: Callable[P, R]) -> Callable[P, R]:
    """Marks a service as one human transition (`one_transition`)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_transition():
            return func(*args, **kwargs)

    return wrapper
