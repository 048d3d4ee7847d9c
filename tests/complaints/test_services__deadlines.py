"""Recomputing open complaints' deadlines after a limit changes: an explicit admin action."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client

from complaints.choices import EventKind
from complaints.models import EscalationLevel, LevelLimit
from tests.flows.test_flows__journey import register

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_new_limits_leave_open_complaints_alone_until_the_admin_recomputes(
    org: dict[str, Any], agent: Any, django_user_model: Any
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        c = register(agent, org)
    assert c.resolution_due == datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    LevelLimit.objects.filter(level__rank=1, priority__code="P2").update(resolution_amount=4, resolution_unit="hours")
    c.refresh_from_db()
    assert c.resolution_due.day == 24  # a new limit does not move an open complaint by itself

    admin_user = django_user_model.objects.create_superuser("boss", "boss@example.com", "x")
    client = Client()
    client.force_login(admin_user)
    level = EscalationLevel.objects.get(rank=1)
    response = client.post(
        "/admin/complaints/escalationlevel/",
        {"action": "recompute_deadlines", "_selected_action": [str(level.pk)]},
        follow=True,
    )
    assert "1 open complaint" in response.content.decode()
    c.refresh_from_db()
    assert c.resolution_due == datetime(2026, 11, 23, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = c.events.get(kind=EventKind.DEADLINES_RECOMPUTED)
    assert event.actor == admin_user and event.old["resolution_due"].startswith("2026-11-24")

    # Running it again changes nothing and records nothing.
    client.post("/admin/complaints/escalationlevel/", {"action": "recompute_deadlines", "_selected_action": [level.pk]})
    assert c.events.filter(kind=EventKind.DEADLINES_RECOMPUTED).count() == 1
