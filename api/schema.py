"""Schema post-processing: every operation documents its error answers as problem details."""

from typing import Any

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
