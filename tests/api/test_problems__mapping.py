"""Exceptions from services and viewflow become problem details with the right status."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIRequestFactory
from viewflow.workflow.exceptions import FlowLockFailed

from api.problems import problem_exception_handler
from complaints.selectors.common import ConfigurationMissing


class SomethingRefused(Exception):
    """Any service refusal, e.g. the shared `Refused` another branch adds: matched by name."""


def answer(exc: Exception) -> Any:
    request = APIRequestFactory().post("/api/complaints/1/escalate/")
    return problem_exception_handler(exc, {"request": request, "view": None})


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (FlowLockFailed("locked"), 409),
        (SomethingRefused("Only a handler may do this."), 403),
        (PermissionDenied(), 403),
        (ConfigurationMissing("No levels."), 503),
    ],
)
def test_exception_becomes_problem_with_status(exc: Exception, status: int) -> None:
    response = answer(exc)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert response.data["status"] == status and response.data["title"]
    assert response.data["instance"] == "/api/complaints/1/escalate/"


def test_refusal_keeps_the_services_message() -> None:
    assert answer(SomethingRefused("Only a handler may do this.")).data["detail"] == "Only a handler may do this."


def test_unknown_errors_stay_500() -> None:
    assert answer(ZeroDivisionError()) is None
