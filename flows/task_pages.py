"""The doors of a human step's pages (its form, claim, release, hand-over, detail), in place of
viewflow's `wrap_view` and `wrap_task_view` (viewflow/workflow/flow/utils.py), issue 17.

viewflow reads the task by its id, then its process, then the process's own row (the complaint, or
the side process), then the task's owner as a user object of its own; on a POST it opens a
savepoint inside the lock's transaction. Here the task is read in one query with its process and
the process's own row, the owner is the request's user when the task is theirs (the user object the
request has already checked, with its permissions read once), and the lock's transaction is the
page's: no savepoint inside it. A refusal from the page's service rolls that whole transaction back
and the page answers after it (`complaints.services.transitions.page_transaction`), so what the
refusal gives up is exactly what the page wrote, as with the savepoint before.

The checks are viewflow's, and one more: the task must belong to the URL's process (whose lock the
POST takes) and to the URL's step and flow; ComplaintScopeMiddleware has checked the same before the
view, and the user's visibility of the complaint. Then the step's own check (`permission`, or for
the form `can_execute` and viewflow's status transition)."""

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow.managers import _get_related_path
from viewflow.workflow.models import Process

from complaints.selectors.escalation import acting_on
from complaints.services.held_rows import read_under_lock, saves_held
from complaints.services.transitions import PageRefused, page_transaction


def task_of_url(node: Any, request: HttpRequest, *, process_pk: int, task_pk: int) -> Any:
    """The URL's task with its process and the process's own row, in one query; 404 unless it is a
    task of this node in the URL's process of this node's flow. The owner is the request's user
    object when the task is theirs."""
    flow_class = node.flow_class
    own = _get_related_path(flow_class.process_class, Process)
    related = ["process", f"process__{own}"] if own else ["process"]
    if own:  # the process row's own relations its page and service use (the flow's `page_related`)
        related += [f"process__{own}__{name}" for name in getattr(flow_class, "page_related", ())]
    task = (
        flow_class.task_class._default_manager.select_related(*related)
        .filter(pk=task_pk, process_id=process_pk, flow_task=node)
        .first()
    )
    if task is None or task.process.flow_class != flow_class:
        raise Http404("No task matches the given query.")
    user = request.user
    if task.owner_id is not None and user.is_authenticated and task.owner_id == user.pk:
        task.owner = user  # the same row: the request's object, its permissions already read
    read_under_lock(task.process.coerced)  # a POST's: read inside the flow's lock
    return saves_held(task)  # its saves inside the page's transition are written with its other rows


def _answer(node: Any, request: HttpRequest, process_pk: Any, call: Callable[[], HttpResponse]) -> HttpResponse:
    """GET: `call()`. POST: `call()` in the flow's lock and its transaction (the page's one
    transaction); a refusal rolls it back whole and is answered after."""
    try:
        if request.method != "POST":
            return call()
        try:
            with node.flow_class.lock(process_pk), page_transaction():
                return call()
        except PageRefused as refused:
            return refused.respond()
    except TransitionNotAllowed as e:
        raise PermissionDenied(",".join(e.args)) from e


def step_form_view(node: Any, origin_view: Any) -> Any:
    """viewflow's `wrap_view` (the step's form): the task, `can_execute`, the activation started."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        process_pk, task_pk = kwargs["process_pk"], kwargs["task_pk"]

        def call() -> HttpResponse:
            task = task_of_url(node, request, process_pk=process_pk, task_pk=task_pk)
            request.activation = node.activation_class(task)  # type: ignore[attr-defined]
            if not node.can_execute(request.user, task=task):
                raise PermissionDenied
            request.activation.start(request)  # type: ignore[attr-defined]
            with acting_on(task):  # its owner handles the case while it is open (is_handler)
                return origin_view(request, *args, **kwargs)  # type: ignore[no-any-return]

        return _answer(node, request, process_pk, call)

    update_wrapper(view, origin_view)
    return view


def task_view(node: Any, origin_view: Any, permission: Callable[..., bool] | None = None) -> Any:
    """viewflow's `wrap_task_view` (claim, release, hand-over, detail): the task, `permission`."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        process_pk, task_pk = kwargs["process_pk"], kwargs["task_pk"]

        def call() -> HttpResponse:
            task = task_of_url(node, request, process_pk=process_pk, task_pk=task_pk)
            request.activation = node.activation_class(task)  # type: ignore[attr-defined]
            if permission and not permission(request.user, task=task):
                raise PermissionDenied
            return origin_view(request, *args, **kwargs)  # type: ignore[no-any-return]

        return _answer(node, request, process_pk, call)

    update_wrapper(view, origin_view)
    return view
