"""Pure rules: no database."""

from datetime import UTC, datetime, timedelta

import pytest

from complaints.rules.reference import format_reference
from complaints.rules.routing import queue_permission
from complaints.rules.triage import PriorityRow, triage

P0 = PriorityRow(id=1, rank=0, first_response_minutes=10, resolution_hours=24)
P2 = PriorityRow(id=3, rank=2, first_response_minutes=30, resolution_hours=72)
AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("risk", "priority", "top", "first", "resolution"),
    [
        (True, 1, True, timedelta(minutes=10), timedelta(hours=24)),
        (False, 3, False, timedelta(minutes=30), timedelta(hours=72)),
    ],
)
def test_triage_sets_priority_level_and_deadlines(risk, priority, top, first, resolution):
    result = triage(risk_flagged=risk, received_at=AT, default_priority=P2, risk_priority=P0)
    assert result.priority_id == priority and result.top_level is top
    assert result.first_response_due == AT + first and result.resolution_due == AT + resolution
    assert ("risk_flagged" in result.signals) is risk


@pytest.mark.parametrize(
    ("number", "expected"), [(1, "C-2026-000001"), (123, "C-2026-000123"), (999999, "C-2026-999999")]
)
def test_reference_format(number, expected):
    assert format_reference(prefix="C", year=2026, number=number) == expected


def test_queue_permission_names_department_and_role():
    assert queue_permission(department_code="store-a", role_code="agent") == "complaints.queue__store-a__agent"
