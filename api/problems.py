"""Errors as RFC 9457 problem details (`application/problem+json`), translated, with the path of
each field in error."""

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler
from viewflow.workflow.exceptions import FlowLockFailed

from complaints.selectors.common import ConfigurationMissing

PROBLEM_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"

    def __init__(self, detail: Any = None) -> None:
        super().__init__(detail or _("Someone else is changing this complaint right now; try again in a moment."))


class Unavailable(exceptions.APIException):
    status_code = 503
    default_code = "configuration_missing"


class Refused(exceptions.PermissionDenied):
    default_code = "refused"


def titles() -> dict[int, str]:
    return {
        400: _("The request is invalid"),
        401: _("Authentication needed"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        412: _("Precondition failed"),
        415: _("Unsupported media type"),
        422: _("The request cannot be processed"),
        429: _("Too many requests"),
        503: _("Service unavailable"),
    }


def _flatten(detail: Any, path: str) -> list[dict[str, str]]:
    """Field errors as a flat list of {pointer, detail, code}; the pointer is a JSON Pointer into
    the request body ("#/customer_phone"; "#/" for the request as a whole)."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            sub = "" if key in ("non_field_errors", "__all__") else f"{path}/{key}"
            out += _flatten(value, sub)
        return out
    if isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            return [_entry(item, path) for item in detail]
        return [entry for index, item in enumerate(detail) for entry in _flatten(item, f"{path}/{index}")]
    return [_entry(detail, path)]


def _entry(item: Any, path: str) -> dict[str, str]:
    return {"pointer": "#" + (path or "/"), "detail": str(item), "code": str(getattr(item, "code", "invalid"))}


def django_errors(error: DjangoValidationError) -> Any:
    """A Django ValidationError (a form's or a model's) as DRF error detail keyed by field."""
    if hasattr(error, "error_dict"):
        return {
            field: [str(message) for e in errors for message in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, FlowLockFailed):
        return Conflict()
    if isinstance(exc, ConfigurationMissing):
        return Unavailable(str(exc))
    if isinstance(exc, DjangoValidationError):
        return serializers.ValidationError(django_errors(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    # Every service refusal (`…Refused`, the shared `Refused` included) and Django's PermissionDenied.
    if isinstance(exc, DjangoPermissionDenied) or type(exc).__name__.endswith("Refused"):
        message = str(exc) or _("You may not do this.")
        return exc if isinstance(exc, exceptions.APIException) else Refused(message)
    return exc


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, answering with a problem document; anything it does not know stays a 500."""
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    detail = getattr(exc, "detail", None)
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": titles().get(status) or HTTPStatus(status).phrase,
        "status": status,
    }
    if isinstance(detail, (dict, list)):
        body["detail"] = _("Some fields are invalid; see errors.")
        body["errors"] = _flatten(detail, "")
    elif detail is not None:
        body["detail"] = str(detail)
    code = getattr(detail, "code", None) if detail is not None and not isinstance(detail, (dict, list)) else None
    if code:
        body["code"] = str(code)
    request = context.get("request")
    if request is not None:
        body["instance"] = request.get_full_path()
    headers = {k: v for k, v in response.items() if k.lower() in ("www-authenticate", "retry-after", "allow")}
    return Response(body, status=status, headers=headers, content_type=PROBLEM_TYPE)
