"""Queue permissions name a department and a role; anything else names no queue."""

import pytest

from complaints.rules.routing import parse_queue_permission, queue_permission


@pytest.mark.parametrize(
    ("permission", "expected"),
    [
        ("complaints.queue__store-pudong__agent", ("store-pudong", "agent")),
        ("complaints.queue__quality__quality_engineer", ("quality", "quality_engineer")),
        ("complaints.queue__odd__dept__agent", ("odd__dept", "agent")),  # a slug may hold "__"
        ("complaints.manage_complaint", None),
        ("complaints.queue__nodepartment", None),
        ("complaints.queue____agent", None),
        ("", None),
    ],
)
def test_parse_queue_permission(permission, expected):
    assert parse_queue_permission(permission) == expected


def test_parse_undoes_queue_permission():
    assert parse_queue_permission(queue_permission(department_code="east", role_code="regional_lead")) == (
        "east",
        "regional_lead",
    )
