"""Two guards around viewflow's views."""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from viewflow.workflow.exceptions import FlowLockFailed

from complaints.selectors import ConfigurationMissing, complaint_is_visible_to, complaint_of_process


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
    """Every workflow URL naming a complaint, or an approval or collaboration request of one (detail,
    chart, each task action), answers 404 to a user outside the complaint's scope, exactly as if it
    did not exist."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]) -> None:
        process_pk = view_kwargs.get("process_pk")
        match = request.resolver_match
        if process_pk is None or match is None or "workflow" not in match.namespaces:
            return None
        complaint_id = complaint_of_process(process_pk)
        if complaint_id is None or not complaint_is_visible_to(complaint_id=complaint_id, user=request.user):
            raise Http404
        return None
