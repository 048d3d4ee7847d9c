"""The OpenAPI schema: post-processing (every operation documents its error answers as problem
details) and its view (SchemaView)."""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView

from api.serializers import ProblemSerializer

ERRORS = {
    "400": "The request is invalid; `errors` points at each field.",
    "401": "No valid token or session.",
    "403": "The caller may not do this (a service refused, or the action is for handlers only).",
    "404": "No such object, or it is outside the caller's scope.",
    "409": "Someone else holds the complaint's lock; try again.",
    "412": "If-Match names a state the complaint is no longer in.",
    "422": "The Idempotency-Key was used for a different request.",
    "429": "Too many requests for this token; see Retry-After.",
    "503": "The configuration lacks what triage needs.",
}
PROBLEM_MEDIA = "application/problem+json"


def problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "Problem",
        {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "code": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "pointer": {"type": "string"},
                            "detail": {"type": "string"},
                            "code": {"type": "string"},
                        },
                        "required": ["pointer", "detail"],
                    },
                },
            },
            "required": ["type", "title", "status"],
        },
    )
    problem = {"content": {PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in ERRORS.items():
                operation["responses"].setdefault(code, {"description": description, **problem})
    return result


__all__ = ["ProblemSerializer", "problem_responses"]


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated and written once per language and format in each process: it
    depends on the code alone (SERVE_PUBLIC: not on the caller; no choice comes from the database),
    and generating it took 170 ms per request and writing it as YAML 200 more. A version or language
    the site does not offer is answered as before, uncached (the cache stays a handful of entries
    whatever a caller sends)."""

    rendered: dict[tuple[str, str], tuple[bytes, str, str]] = {}

    def _get_schema_response(self, request: Any) -> Any:
        language = translation.get_language()
        version = self.api_version or request.version or self._get_version_parameter(request)
        if version or language not in dict(settings.LANGUAGES):
            return super()._get_schema_response(request)
        key = (language, request.accepted_media_type)
        if key not in self.rendered:
            response = super()._get_schema_response(request)
            renderer = request.accepted_renderer
            content = renderer.render(response.data, request.accepted_media_type, {"request": request, "view": self})
            content_type = request.accepted_media_type
            if renderer.charset:
                content_type = f"{content_type}; charset={renderer.charset}"
            self.rendered[key] = (
                content if isinstance(content, bytes) else content.encode(),
                content_type,
                response["Content-Disposition"],
            )
        content, content_type, disposition = self.rendered[key]
        return HttpResponse(content, content_type=content_type, headers={"Content-Disposition": disposition})
