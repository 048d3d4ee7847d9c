"""The review pack's page records decisions (bad input answers on the page and changes nothing);
the owner sees theirs in the inbox and reports it done on its page; nobody else sees it."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import Clock, KpiSettings, ReviewDecision, ReviewPack, Role
from tests.complaints import kpi_fixture
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pack(org: dict[str, Any]) -> ReviewPack:
    kpi_fixture.ensure_settings()
    today = timezone.localdate()
    return ReviewPack.objects.create(
        kind="weekly", period="2026-W48", starts=today, ends=today, language="en", html="", pdf=b"", xlsx=b""
    )


@pytest.fixture
def director(org: dict[str, Any]) -> Any:
    """A recipient of the review packs, in a role that sees the dashboard: records decisions."""
    kpi_fixture.ensure_settings()
    user = make_user("director", org["hq"], "executive")
    KpiSettings.objects.get().recipients.add(user)
    KpiSettings.objects.get().dashboard_roles.add(Role.objects.get(code="executive"))
    return user


def _post(client: Client, pack: ReviewPack, **data: Any) -> Any:
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    values = {"description": "Publish the callback SOP.", "due_date": due, "complaints": "", "category": ""}
    return client.post(reverse("dashboard:decision_add", args=[pack.pk]), {**values, **data})


def test_a_recipient_records_a_decision_on_the_pack_page(pack, director, agent):
    client = client_for(director)
    page = client.get(reverse("dashboard:pack_page", args=[pack.pk]))
    assert page.status_code == 200 and "Record a decision" in page.content.decode()
    response = _post(client, pack, owner=agent.pk)
    assert response.status_code == 302
    decision = ReviewDecision.objects.get()
    assert decision.owner == agent and decision.created_by == director
    assert Clock.objects.filter(kind=Clock.Kind.DECISION, subject=decision.pk, state="running").exists()
    listed = client.get(reverse("dashboard:pack_page", args=[pack.pk])).content.decode()
    assert "Publish the callback SOP." in listed


def test_an_unknown_reference_answers_on_the_page_and_records_nothing(pack, director, agent):
    response = _post(client_for(director), pack, owner=agent.pk, complaints="NOPE-1, NOPE-2")
    assert response.status_code == 400
    assert "NOPE-1, NOPE-2" in response.content.decode()
    assert not ReviewDecision.objects.exists()


def test_a_past_due_date_is_refused_by_the_service_on_the_page(pack, director, agent):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = _post(client_for(director), pack, owner=agent.pk, due_date=past)
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()
    assert not ReviewDecision.objects.exists()


def test_who_does_not_read_packs_finds_no_pack_page(pack, agent):
    client = client_for(agent)
    # Outside the dashboard's roles the app answers 403; inside them, a non-recipient finds no pack.
    assert client.get(reverse("dashboard:pack_page", args=[pack.pk])).status_code == 403
    KpiSettings.objects.get().dashboard_roles.add(Role.objects.get(code="agent"))
    assert client.get(reverse("dashboard:pack_page", args=[pack.pk])).status_code == 404
    assert _post(client, pack, owner=agent.pk).status_code == 404
    assert not ReviewDecision.objects.exists()


def test_a_role_taken_off_the_dashboard_is_refused_from_the_next_request_on(pack, director):
    """The dashboard's roles come from the process's configuration copy (complaints.selectors.kpi.
    dashboard_role_ids): a change to them gives the configuration a new number, read on every request."""
    client = client_for(director)
    assert client.get(reverse("dashboard:pack_page", args=[pack.pk])).status_code == 200
    KpiSettings.objects.get().dashboard_roles.remove(Role.objects.get(code="executive"))
    assert client.get(reverse("dashboard:pack_page", args=[pack.pk])).status_code == 403
    KpiSettings.objects.get().dashboard_roles.add(Role.objects.get(code="executive"))
    assert client.get(reverse("dashboard:pack_page", args=[pack.pk])).status_code == 200


def test_the_owner_sees_it_in_the_inbox_and_reports_it_done(pack, director, agent, agent_b):
    _post(client_for(director), pack, owner=agent.pk)
    decision = ReviewDecision.objects.get()
    owner = client_for(agent)
    inbox = owner.get(reverse("workflow:inbox")).content.decode()
    assert "Review decisions you own" in inbox and "Publish the callback SOP." in inbox
    # Another user neither sees it nor can close it.
    other = client_for(agent_b)
    assert other.get(reverse("workflow:decisions:detail", args=[decision.pk])).status_code == 404
    assert other.post(reverse("workflow:decisions:done", args=[decision.pk]), {"evidence": "x"}).status_code == 404
    empty = owner.post(reverse("workflow:decisions:done", args=[decision.pk]), {"evidence": ""})
    assert empty.status_code == 400
    done = owner.post(reverse("workflow:decisions:done", args=[decision.pk]), {"evidence": "SOP v2 published."})
    assert done.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "done" and decision.evidence == "SOP v2 published."
    assert "Review decisions you own" not in owner.get(reverse("workflow:inbox")).content.decode()
    agent.first_name, agent.last_name = "芳", "王"
    agent.save()
    page = owner.get(reverse("workflow:decisions:detail", args=[decision.pk])).content.decode()
    assert "SOP v2 published." in page
    assert "王芳" in page and "芳 王" not in page  # the owner, and who reported it done


def test_the_pack_page_costs_the_same_for_one_decision_or_ten(pack, director, agent):
    client = client_for(director)
    _post(client, pack, owner=agent.pk)

    def queries() -> int:
        count = [0]

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            assert client.get(reverse("dashboard:pack_page", args=[pack.pk])).status_code == 200
        return count[0]

    one = queries()
    for _i in range(9):
        _post(client, pack, owner=agent.pk)
    assert queries() == one <= 30
