"""Two guards around viewflow's views."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from viewflow.workflow import STATUS
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task

from complaints.models import Complaint
from complaints.rules.names import person_name
from complaints.selectors.common import (
    SEEN_COMPLAINT,
    ConfigurationMissing,
    complaint_is_visible,
    tasks_of_members,
)
from complaints.selectors.together import read_prepared


class FlowLockFailedMiddleware:
    """Someone else holds the complaint's lock: answer 409 with a message instead of a 500. The
    configuration lacks what triage needs: answer 503 saying what to set up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, FlowLockFailed):
            response = TemplateResponse(request, "409.html", status=409)
        elif isinstance(exception, ConfigurationMissing):
            response = TemplateResponse(request, "503.html", {"problem": str(exception)}, status=503)
        else:
            return None
        response.render()
        return response


class ComplaintScopeMiddleware:
    """Every workflow URL naming a process (a complaint, or an approval, collaboration request,
    action or mention of one) answers 404, exactly as if it did not exist, unless:

    - the process belongs to the flow the URL names,
    - a task in the URL belongs to that very process and to the step the URL names (a task is
      executed, claimed or shown only through its own step's pages, and the flow lock viewflow
      takes on the URL's process is then the lock of the task's process),
    - and the user may see the complaint the process belongs to.

    viewflow's task views look the task up by its id alone; this is the one place that ties the
    URL's parts together, for every flow and every node, present and future."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        process_pk = view_kwargs.get("process_pk")
        match = request.resolver_match
        if process_pk is None or match is None or "workflow" not in match.namespaces:
            return None
        found = complaint_of_url(
            extra=getattr(match.url_name, "extra", {}),
            process_pk=process_pk,
            task_pk=view_kwargs.get("task_pk"),
            user=request.user,
        )
        if found is None:
            raise Http404
        complaint_id, row = found
        visible = complaint_is_visible(user=request.user, complaint_id=complaint_id, **row)
        if not visible:
            # A queue colleague who lost the race no longer sees the case: say so, show nothing.
            lost = race_lost(request, process_pk=process_pk, task_pk=view_kwargs.get("task_pk"))
            if lost is None:
                raise Http404
            return lost
        if row is not None:
            setattr(request, SEEN_COMPLAINT, complaint_id)  # the complaint page reads it without the scope
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The loser of a race for a task (a colleague claimed it or finished it first) is taken back
        to their queue with a message saying so, instead of a bare refusal."""
        match = request.resolver_match
        if not isinstance(exception, PermissionDenied) or match is None or "workflow" not in match.namespaces:
            return None
        if str(match.url_name).endswith(("reassign", "unassign")):
            return None  # handing over someone else's task is not a race lost: a plain refusal
        return race_lost(request, process_pk=match.kwargs.get("process_pk"), task_pk=match.kwargs.get("task_pk"))


def race_lost(request: HttpRequest, *, process_pk: Any, task_pk: Any) -> HttpResponse | None:
    """Back to the queue with a message when a colleague claimed or finished the task first; None
    when the user was not in the race (does not hold the task's queue) or the task is still free."""
    if task_pk is None or process_pk is None:
        return None
    task = Task.objects.filter(pk=task_pk, process_id=process_pk).select_related("owner").first()
    if task is None or not task.owner_permission or not request.user.has_perm(task.owner_permission):
        return None
    if task.status in (STATUS.DONE, STATUS.CANCELED):
        message = _("Someone else has already finished this step; nothing was changed.")
    elif task.owner is not None and task.owner_id != request.user.pk:
        message = _("%(name)s took this task first; nothing was changed.") % {"name": person_name(task.owner)}
    else:
        return None
    messages.warning(request, message, fail_silently=True)
    return HttpResponseRedirect(reverse("workflow:queue"))


ROW = ("department_id", "owner_id", "receiver_id")  # what complaint_is_visible needs of the complaint


def complaint_of_url(
    *, extra: dict[str, Any], process_pk: int, task_pk: int | None, user: Any = None
) -> tuple[int, dict[str, Any]] | None:
    """Returns the complaint a workflow URL's process (and task) belong to, with the columns of its
    row that visibility needs (read with the process: the complaint itself, or a side process's
    case); None when the URL's flow, process, step and task do not fit together. For a `user` who
    is not a superuser, whether the URL's task is theirs or in a queue their memberships give them
    comes with the row (`task_mine`: one of the conditions visibility asks of the tasks, answered
    for this task without asking again)."""
    flow_viewset = extra.get("flow_viewset")
    flow_class = getattr(flow_viewset, "_flow_class", None)
    if flow_class is None:
        return None
    model = flow_class.process_class
    own = issubclass(model, Complaint)
    # A side process's case row is read with it (its case's columns, through the `case` link).
    case_columns = ROW if own else tuple(f"case__{name}" for name in ROW)
    columns = ("pk" if own else "case_id", *case_columns)
    processes = model._default_manager.filter(pk=process_pk, flow_class=flow_class)
    asks_mine = task_pk is not None and user is not None and user.is_authenticated and not user.is_superuser
    if task_pk is not None:  # the task's fit read with the process's row: one query
        node = extra.get("node")
        if node is None or node.flow_class is not flow_class:
            return None
        task = flow_class.task_class._default_manager.filter(pk=task_pk, process_id=process_pk, flow_task=node)
        processes = processes.annotate(task_fits=Exists(task))
        columns = (*columns, "task_fits")
        if asks_mine:
            processes = processes.annotate(task_mine=Exists(task.filter(tasks_of_members(user))))
            columns = (*columns, "task_mine")
    found = next(iter(read_prepared(processes.values_list(*columns)[:1])), None)  # every request alike: prepared
    if found is None or found[0] is None:
        return None
    values = dict(zip(columns, found, strict=True))
    if task_pk is not None and not values["task_fits"]:
        return None
    row = {name: values[column] for name, column in zip(ROW, case_columns, strict=True)}
    if asks_mine:
        # The URL's task is the user's or in one of their queues: a task of the complaint, or of
        # one of its side processes (whose artifact is the complaint), is one visibility accepts.
        row["task_mine"] = values["task_mine"]
    return found[0], row
