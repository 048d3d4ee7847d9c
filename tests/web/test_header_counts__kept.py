"""The menu badges and the bell's unread count are kept a short while per user (web.header_counts):
what the user does shows on their next page, a queue they lose is never counted again, and what
others do shows once the kept numbers expire."""

import re

import pytest
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.models import Membership
from complaints.services.urgency import urgency_rebuild
from tests.conftest import FLOW, make_user, open_task, task_url
from tests.web.test_viewsets__inbox import INBOX, client_for, register

pytestmark = pytest.mark.django_db


def badge(html: str, name: str) -> str:
    found = re.search(rf'data-count="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def test_the_users_own_claim_shows_on_their_next_page(org, agent):
    complaint = register(org, agent)
    Task.objects.filter(flow_task=FLOW.first_response).update(owner=None, status=STATUS.NEW)
    urgency_rebuild()
    client = client_for(agent)
    page = client.get(INBOX).content.decode()
    assert (badge(page, "inbox"), badge(page, "queue")) == ("0", "1")
    assert client.post(task_url(open_task(complaint, FLOW.first_response), "assign")).status_code == 302
    page = client.get(INBOX).content.decode()
    assert (badge(page, "inbox"), badge(page, "queue")) == ("1", "0")


def test_what_others_do_shows_when_the_kept_numbers_expire(org, agent, settings):
    client = client_for(agent)
    assert badge(client.get(INBOX).content.decode(), "inbox") == "0"
    register(org, agent)  # a first response lands in the agent's inbox, not through their request
    assert badge(client.get(INBOX).content.decode(), "inbox") == "0"  # kept
    settings.REDRESS_MENU_COUNTS_SECONDS = 0  # counted on every page
    assert badge(client.get(INBOX).content.decode(), "inbox") == "1"


def test_a_queue_the_user_no_longer_holds_is_not_counted_from_the_kept_numbers(org, agent):
    colleague = make_user("agent_a2", org["store_a"], "agent")
    kept = Membership.objects.get(user=colleague)
    Membership.objects.create(user=colleague, department=org["store_b"], role=kept.role)  # still staff
    register(org, agent)
    Task.objects.filter(flow_task=FLOW.first_response).update(owner=None, status=STATUS.NEW)
    urgency_rebuild()
    client = client_for(colleague)
    assert badge(client.get(INBOX).content.decode(), "queue") == "1"
    kept.delete()  # an admin's change (store A's queue taken away), not the user's own request
    assert badge(client.get(INBOX).content.decode(), "queue") == "0"


def test_each_user_sees_their_own_numbers(org, agent, agent_b):
    register(org, agent)
    assert badge(client_for(agent).get(INBOX).content.decode(), "inbox") == "1"
    assert badge(client_for(agent_b).get(INBOX).content.decode(), "inbox") == "0"
