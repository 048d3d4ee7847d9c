"""Two guards around viewflow's views."""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from viewflow.workflow.exceptions import FlowLockFailed

from complaints.models import Complaint
from complaints.selectors import ConfigurationMissing, complaint_is_visible_to


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

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]) -> None:
        process_pk = view_kwargs.get("process_pk")
        match = request.resolver_match
        if process_pk is None or match is None or "workflow" not in match.namespaces:
            return None
        complaint_id = complaint_of_url(
            extra=getattr(match.url_name, "extra", {}), process_pk=process_pk, task_pk=view_kwargs.get("task_pk")
        )
        if complaint_id is None or not complaint_is_visible_to(complaint_id=complaint_id, user=request.user):
            raise Http404
        return None


def complaint_of_url(*, extra: dict[str, Any], process_pk: int, task_pk: int | None) -> int | None:
    """Returns the complaint a workflow URL's process (and task) belong to, or None when the URL's
    flow, process, step and task do not fit together."""
    flow_viewset = extra.get("flow_viewset")
    flow_class = getattr(flow_viewset, "_flow_class", None)
    if flow_class is None:
        return None
    model = flow_class.process_class
    column = "pk" if issubclass(model, Complaint) else "case_id"
    complaint_id = (
        model._default_manager.filter(pk=process_pk, flow_class=flow_class).values_list(column, flat=True).first()
    )
    if complaint_id is None or task_pk is None:
        return complaint_id
    node = extra.get("node")
    if node is None or node.flow_class is not flow_class:
        return None
    task = flow_class.task_class._default_manager.filter(pk=task_pk, process_id=process_pk, flow_task=node)
    return complaint_id if task.exists() else None
