"""Corrective actions over the API: the quality card's forms and services (plan, report
progress, done with evidence), with the card's permission checks, If-Match and problem details."""

from typing import Any

import pytest

from complaints.models import ComplaintEvent, CorrectiveAction
from tests.api.conftest import client_for
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def plan(client: Any, complaint: Any, **overrides: Any) -> Any:
    body = {
        "kind": "temporary",
        "area": "customer",
        "description": "Replace the fridge door.",
        "department": "store-a",
        "owner": "agent_a",
        "due_date": "2026-12-31",
        "cost": "120.50",
    }
    body.update(overrides)
    return client.post(f"/api/complaints/{complaint.pk}/actions/", body, format="json")


def test_a_handler_plans_an_action_reads_it_and_reports_it_done_with_evidence(api_agent: Any, complaint_a: Any) -> None:
    planned = plan(api_agent, complaint_a)

    assert planned.status_code == 201, planned.content
    row = planned.json()
    assert row["status"] == "planned" and row["department"] == "store-a" and row["owner"] == "agent_a"
    assert row["cost"] == "120.50" and row["due_date"] == "2026-12-31" and row["created_by"] == "agent_a"
    assert ComplaintEvent.objects.filter(complaint=complaint_a, kind="action_recorded").count() == 1
    listed = api_agent.get(f"/api/complaints/{complaint_a.pk}/actions/").json()
    assert [a["id"] for a in listed] == [row["id"]]

    progress = f"/api/complaints/{complaint_a.pk}/actions/{row['id']}/progress/"
    no_evidence = api_agent.post(progress, {"status": "done"}, format="json")
    assert no_evidence.status_code == 403 and no_evidence["Content-Type"] == "application/problem+json"
    moving = api_agent.post(progress, {"status": "in_progress", "seen_status": "planned"}, format="json")
    assert moving.status_code == 200 and moving.json()["status"] == "in_progress"
    stale = api_agent.post(progress, {"status": "done", "evidence": "x", "seen_status": "planned"}, format="json")
    assert stale.status_code == 412
    done = api_agent.post(progress, {"status": "done", "evidence": "Door replaced, photo in the file."}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done" and done.json()["evidence"].startswith("Door replaced")
    assert CorrectiveAction.objects.get().status == "done"


def test_bad_input_is_400_with_field_pointers_and_changes_nothing(api_agent: Any, complaint_a: Any) -> None:
    permanent = plan(api_agent, complaint_a, kind="permanent")
    assert permanent.status_code == 400
    assert "#/causes" in {e["pointer"] for e in permanent.json()["errors"]}
    unknown = plan(api_agent, complaint_a, department="nowhere", owner="nobody", cost="-1")
    assert {"#/department", "#/owner", "#/cost"} <= {e["pointer"] for e in unknown.json()["errors"]}
    assert not CorrectiveAction.objects.exists()


def test_if_match_guards_the_writes_and_an_action_of_another_complaint_is_404(
    api_agent: Any, complaint_a: Any, org: dict[str, Any]
) -> None:
    from flows.driver import start_complaint
    from tests.conftest import intake_data

    url = f"/api/complaints/{complaint_a.pk}/"
    etag = api_agent.get(url)["ETag"]
    assert api_agent.post(url + "wait/", {"reason": "receipt"}, format="json").status_code == 200
    body = {"kind": "temporary", "area": "customer", "description": "Replace the door."}
    stale = api_agent.post(url + "actions/", body, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and not CorrectiveAction.objects.exists()
    fresh = api_agent.post(url + "actions/", body, format="json", HTTP_IF_MATCH=api_agent.get(url)["ETag"])
    assert fresh.status_code == 201, fresh.content

    # Another store-A complaint the agent sees but does not handle: planning is refused, and the
    # first complaint's action is not reachable under its address.
    other = start_complaint(user=make_user("agent_a3", org["store_a"], "agent"), data=intake_data(org))
    assert plan(api_agent, other).status_code == 403
    elsewhere = f"/api/complaints/{other.pk}/actions/{fresh.json()['id']}/progress/"
    assert api_agent.post(elsewhere, {"status": "in_progress"}, format="json").status_code == 404
    assert client_for(make_user("agent_a4", org["store_a"], "agent")).get(f"{url}actions/").status_code == 200
