"""GET /api/kpis/: the dashboard's KPIs over the API, with the dashboard's filters and scope, for the
roles the KPI settings allow, in the schema, in a fixed number of queries."""

from typing import Any

import pytest

from complaints.models import KpiSettings, Role
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

WEEK = {"start": "2026-11-23", "end": "2026-11-29"}


@pytest.fixture
def superuser(org: dict[str, Any]) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("boss", password="x")


def allow(role: str) -> None:
    KpiSettings.objects.get().dashboard_roles.add(Role.objects.get(code=role))


def test_the_figures_are_the_dashboards(week: Any, superuser: Any) -> None:
    response = client_for(superuser).get("/api/kpis/", WEEK)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["start"], body["end"]) == ("2026-11-23", "2026-11-29")
    assert (body["volume"], body["valid"], body["invalid"], body["duplicate"]) == (7, 5, 1, 1)
    assert (body["fcr"]["part"], body["fcr"]["whole"], body["fcr"]["percent"]) == (2, 4, 50.0)
    assert [(r["part"], r["whole"]) for r in body["escalation"]] == [(2, 5), (1, 2), (0, 1)]
    assert body["satisfaction"]["target"] == 85.0 and body["satisfaction"]["meets_target"] is False
    assert (body["compensation"], body["action_cost"]) == ("1200.00", "800.50")
    assert [(r["label"], r["count"]) for r in body["categories"]] == [("Appliance", 4), ("Towing", 1)]
    assert [(t["total"], t["valid"], t["escalated"]) for t in body["trend"]] == [(7, 5, 2)]
    assert {r["department_name"]: r["volume"] for r in body["regions"]} == {"East": 7}


def test_scope_and_filters_are_the_dashboards(week: Any, agent_b: Any, org: dict[str, Any]) -> None:
    allow("agent")
    client = client_for(agent_b)
    assert client.get("/api/kpis/", WEEK).json()["volume"] == 2  # store B only
    assert client.get("/api/kpis/", {**WEEK, "channel": "email"}).json()["volume"] == 0
    # Asking for a department outside one's scope filters, it does not widen: still nothing of store A.
    assert client.get("/api/kpis/", {**WEEK, "department": org["store_a"].pk}).json()["volume"] == 0


def test_roles_the_settings_do_not_name_are_refused(week: Any, agent_b: Any) -> None:
    response = client_for(agent_b).get("/api/kpis/", WEEK)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")


def test_bad_filters_are_a_problem_with_the_field(week: Any, superuser: Any) -> None:
    response = client_for(superuser).get("/api/kpis/", {"start": "2026-11-29", "end": "2026-11-01", "priority": "x"})
    assert response.status_code == 400
    body = response.json()
    assert "priority" in str(body)
    # The last representable day has no "day after": refused, not a 500.
    assert client_for(superuser).get("/api/kpis/", {"end": "9999-12-31"}).status_code == 400


def test_queries_do_not_depend_on_the_complaints(week: Any, superuser: Any, django_assert_max_num_queries: Any) -> None:
    client = client_for(superuser)
    client.get("/api/kpis/", WEEK)  # the fixture's stale days recounted
    with django_assert_max_num_queries(40):
        assert client.get("/api/kpis/", WEEK).status_code == 200


def test_the_endpoint_is_in_the_schema(superuser: Any) -> None:
    schema = client_for(superuser).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/kpis/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"start", "end", "department", "channel"}
