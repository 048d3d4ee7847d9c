"""A list read newest first keeps to the user's scope in either of its forms (issue 17): for a user
who sees few complaints, their ids found from their side (a union of the indexes'); for one who
sees many, the scope tested on each row of the walk. Both find what complaints_visible_to finds."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from complaints.models import Complaint
from complaints.selectors import common
from complaints.selectors.common import complaints_visible_to, sees_few, visible_listed
from flows.flows import ComplaintFlow

pytestmark = pytest.mark.django_db


def listed(user: Any) -> tuple[set[int], str]:
    with CaptureQueriesContext(connection) as captured:
        found = set(visible_listed(Complaint.objects.all(), user).values_list("pk", flat=True))
    return found, captured[-1]["sql"]


def test_both_forms_find_what_the_visibility_rule_finds(week, agent, agent_b, quality_engineer, outsider, monkeypatch):
    queue = next(p for p in agent_b.get_all_permissions() if p.startswith("complaints.queue__"))
    Complaint.objects.filter(pk=week["C1"].pk).update(receiver=agent_b)
    task = {"flow_task": ComplaintFlow.first_response, "flow_task_type": "HUMAN"}
    Task.objects.create(process_id=week["C2"].pk, status=STATUS.DONE, owner=agent_b, **task)
    Task.objects.create(process_id=week["C3"].pk, status=STATUS.NEW, owner_permission=queue, **task)
    users = (agent, agent_b, quality_engineer, outsider)
    expected = {user.username: set(complaints_visible_to(user).values_list("pk", flat=True)) for user in users}
    assert expected[agent_b.username] and expected[agent.username] != expected[agent_b.username]
    for user in users:  # a handful of complaints: everyone sees few, found from their side
        assert sees_few(user)
        found, sql = listed(user)
        assert found == expected[user.username], user.username
        assert "UNION" in sql
    monkeypatch.setattr(common, "FEW_VISIBLE", 0)  # everyone sees "many": the scope on each row
    for user in users:
        found, sql = listed(user)
        assert found == expected[user.username], user.username
        assert "UNION" not in sql or not expected[user.username]


def test_a_superuser_lists_every_complaint_with_no_condition(week):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    every = set(Complaint.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        assert set(visible_listed(Complaint.objects.all(), root).values_list("pk", flat=True)) == every
    assert len(captured) == 1 and "WHERE" not in captured[0]["sql"]
