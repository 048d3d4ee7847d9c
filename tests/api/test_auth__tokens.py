"""Tokens: stored hashed, shown once, expiring, revocable, narrowed, throttled per token."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, token_digest
from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_command_prints_a_token_that_works_and_only_its_hash_is_stored(agent: Any) -> None:
    out = StringIO()
    call_command("api_token", "agent_a", "--name", "CRM", stdout=out)
    raw = out.getvalue().strip()

    token = ApiToken.objects.get(name="CRM")
    assert token.owner == agent
    assert token.digest == token_digest(raw) and raw not in (token.digest, token.hint)
    assert raw.startswith(token.hint)
    assert bearer(raw).get("/api/complaints/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "change",
    [
        {"active": False},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ],
)
def test_revoked_or_expired_token_gets_401_problem(agent: Any, change: dict[str, Any]) -> None:
    raw = token_for(agent)
    ApiToken.objects.filter(owner=agent).update(**change)

    response = bearer(raw).get("/api/complaints/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_owner_takes_the_token_down(agent: Any) -> None:
    raw = token_for(agent)
    agent.is_active = False
    agent.save()
    assert bearer(raw).get("/api/complaints/").status_code == 401


def test_anonymous_api_call_is_401_not_a_login_redirect(db: Any) -> None:
    response = APIClient().get("/api/complaints/")
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_throttle_counts_per_token_at_the_rate_set_in_the_admin(agent: Any, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}}
    slow = bearer(token_for(agent, rate_per_minute=2))
    other = bearer(token_for(agent, rate_per_minute=2))

    codes = [slow.get("/api/tasks/inbox/").status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    refused = slow.get("/api/tasks/inbox/")
    assert refused["Content-Type"] == "application/problem+json" and "Retry-After" in refused
    assert other.get("/api/tasks/inbox/").status_code == 200  # another token has its own count


def test_session_of_a_logged_in_user_works_too(client: Any, agent: Any) -> None:
    client.force_login(agent)
    assert client.get("/api/complaints/").status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(client: Any, db: Any) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.1")
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "//cdn" not in docs and "https://" not in docs.split("<body")[0]


def test_a_token_narrowed_to_roles_acts_with_those_roles_only(org: Any, complaint_a: Any) -> None:
    """A store-A agent who is also a quality engineer: the full token sees store A's complaint, its
    queue and registers there; narrowed to the quality-engineer role it does none of that."""
    from viewflow.workflow.models import Task

    from complaints.models import Membership, Role
    from complaints.services.urgency import urgency_rebuild
    from tests.api.conftest import sample
    from tests.conftest import make_user

    user = make_user("agent_a2", org["store_a"], "agent")
    quality = Role.objects.get(code="quality_engineer")
    Membership.objects.create(user=user, department=org["quality"], role=quality)
    Task.objects.filter(process=complaint_a, finished__isnull=True).update(owner=None, status="NEW")  # queued
    urgency_rebuild()  # the lists read the stored deadlines: written behind the services' back, refreshed as they do
    full = bearer(token_for(user))
    narrowed_raw = token_for(user)
    ApiToken.objects.get(digest=token_digest(narrowed_raw)).roles.set([quality])
    narrowed = bearer(narrowed_raw)

    assert full.get(f"/api/complaints/{complaint_a.pk}/").status_code == 200
    assert complaint_a.pk in {row["complaint"] for row in full.get("/api/tasks/queue/").json()["results"]}
    assert narrowed.get(f"/api/complaints/{complaint_a.pk}/").status_code == 404
    assert narrowed.get("/api/complaints/").json()["results"] == []
    assert narrowed.get("/api/tasks/queue/").json()["results"] == []
    refused = narrowed.post("/api/complaints/", sample(), format="json")
    assert refused.status_code == 403, refused.content
    assert full.post("/api/complaints/", sample(), format="json").status_code == 201


def test_roles_a_token_is_narrowed_to_must_be_its_owners(agent: Any, org: Any) -> None:
    from django.core.management.base import CommandError

    from api.admin import ApiTokenForm
    from complaints.models import Role

    with pytest.raises(CommandError):
        call_command("api_token", "agent_a", "--name", "CRM", "--role", "quality_engineer", stdout=StringIO())
    out = StringIO()
    call_command("api_token", "agent_a", "--name", "CRM", "--role", "agent", stdout=out)
    assert list(ApiToken.objects.get(name="CRM").roles.values_list("code", flat=True)) == ["agent"]

    quality = Role.objects.get(code="quality_engineer")
    form = ApiTokenForm(data={"name": "x", "owner": agent.pk, "roles": [quality.pk], "rate_per_minute": 60})
    assert not form.is_valid() and "roles" in form.errors
