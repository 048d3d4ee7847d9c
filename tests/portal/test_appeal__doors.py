"""The appeal's doors: the customer's tracking page (form, refusal on the page, the decision shown),
the staff card's "Appeal for the customer", the office's task, the API; another customer's link
and another store's agent get nothing; customer text stays inert on every page and in messages."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.choices import AppealDecision, EventKind, NotificationEvent
from complaints.models import Appeal, ComplaintEvent, Notification, NotificationChannel
from complaints.services.appeal import appeal_decide, appeal_open
from complaints.services.customer import customer_link_issue
from complaints.services.notify import webhook_payload
from flows.flows import AppealFlow
from tests.conftest import task_url
from tests.portal.appeal_setup import closed_complaint, officer, open_appeals

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>{reference.__class__}'


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def detail(pk: int) -> str:
    return f"/workflow/flows/complaint/{pk}/"


def test_the_customer_appeals_on_the_tracking_page_and_reads_the_decision(client, org, agent, quality_engineer):
    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer)
    token = customer_link_issue(complaint=c)
    page = client.get(reverse("portal:track", args=[token]) + "?lang=en").content.decode()
    assert "Not satisfied? Appeal" in page and reverse("portal:appeal", args=[token]) in page
    # Empty grounds: the form says so on the page, nothing is stored.
    refused = client.post(reverse("portal:appeal", args=[token]), {"grounds": ""})
    assert refused.status_code == 400 and not Appeal.objects.exists()
    response = client.post(reverse("portal:appeal", args=[token]), {"grounds": XSS})
    assert response.status_code == 302 and response["Location"].endswith("?done=appeal")
    appeal = Appeal.objects.get(case=c)
    assert appeal.grounds == XSS and appeal.filed_by is None
    page = client.get(response["Location"]).content.decode()
    assert "Your appeal" in page and "Not satisfied? Appeal" not in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    # A second appeal through the page: refused on the page, with the service's words.
    again = client.post(reverse("portal:appeal", args=[token]), {"grounds": "Again."})
    assert again.status_code == 400 and "already appealed" in again.content.decode()
    assert Appeal.objects.count() == 1
    appeal_decide(appeal=appeal, actor=cx, decision=AppealDecision.UPHELD, text="You are right.", remedy="A refund.")
    page = client.get(reverse("portal:track", args=[token])).content.decode()
    assert "You are right." in page and "A refund." in page and "Upheld" in page


def test_a_refusal_on_the_page_changes_nothing_when_appeals_are_closed(client, org, agent, quality_engineer):
    open_appeals(org, appeal_window_days=None)
    c = closed_complaint(org, agent, quality_engineer)
    token = customer_link_issue(complaint=c)
    assert (
        "Not satisfied? Appeal" not in client.get(reverse("portal:track", args=[token]) + "?lang=en").content.decode()
    )
    response = client.post(reverse("portal:appeal", args=[token]) + "?lang=en", {"grounds": "Please."})
    assert response.status_code == 400 and "Appeals are not open yet" in response.content.decode()
    assert not Appeal.objects.exists() and not ComplaintEvent.objects.filter(kind=EventKind.APPEAL_OPENED).exists()


def test_a_tampered_or_revoked_link_cannot_appeal(client, org, agent, quality_engineer):
    open_appeals(org)
    c = closed_complaint(org, agent, quality_engineer)
    token = customer_link_issue(complaint=c)
    assert client.post(reverse("portal:appeal", args=[token[:-2] + "xx"]), {"grounds": "Hi"}).status_code == 404
    c.customer_links.update(revoked_at="2020-01-01T00:00:00Z")
    assert client.post(reverse("portal:appeal", args=[token]), {"grounds": "Hi"}).status_code == 410
    assert not Appeal.objects.exists()


def test_one_customers_link_shows_nothing_of_anothers_appeal(client, org, agent, quality_engineer):
    open_appeals(org)
    mine = closed_complaint(org, agent, quality_engineer)
    theirs = closed_complaint(org, agent, quality_engineer, customer_phone="13900139000")
    appeal_open(complaint=theirs, actor=agent, grounds="Their private grounds.")
    page = client.get(reverse("portal:track", args=[customer_link_issue(complaint=mine)])).content.decode()
    assert "Their private grounds." not in page and theirs.reference not in page
    # Posting with my link appeals my complaint only, whatever else the form carries.
    response = client.post(
        reverse("portal:appeal", args=[customer_link_issue(complaint=mine)]),
        {"grounds": "Mine.", "complaint": theirs.pk, "case": theirs.pk},
    )
    assert response.status_code == 302
    assert Appeal.objects.get(grounds="Mine.").case_id == mine.pk
    assert Appeal.objects.filter(case=theirs).count() == 1


def test_the_agent_appeals_for_the_customer_from_the_card(org, agent, agent_b, quality_engineer):
    open_appeals(org)
    c = closed_complaint(org, agent, quality_engineer)
    url = reverse("workflow:flows:complaint:customer_appeal", args=[c.pk])
    page = as_user(agent).get(detail(c.pk)).content.decode()
    assert url in page
    # Another store's agent: 404, as if the complaint did not exist.
    assert as_user(agent_b).post(url, {"grounds": "Mine now."}).status_code == 404
    refused = as_user(agent).post(url, {"grounds": " "})
    assert refused.status_code == 200 and not Appeal.objects.exists()
    response = as_user(agent).post(url, {"grounds": XSS})
    assert response.status_code == 302
    appeal = Appeal.objects.get(case=c)
    assert appeal.filed_by == agent
    page = as_user(agent).get(detail(c.pk)).content.decode()
    assert url not in page  # appealed once: the button is gone
    assert "Appealed for the customer to Customer experience office" in page  # the staff timeline
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_the_office_decides_in_its_task_and_the_agent_cannot(org, agent, quality_engineer):
    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer)
    appeal = appeal_open(complaint=c, actor=agent, grounds="Review it.")
    task = Task.objects.get(process_id=appeal.pk, flow_task=AppealFlow.decide)
    assert as_user(agent).post(task_url(task, "assign")).status_code in (403, 404)
    office = as_user(cx)
    assert office.post(task_url(task, "assign")).status_code == 302
    refused = office.post(task_url(task, "execute"), {"decision": "upheld", "text": ""})
    assert refused.status_code == 200
    response = office.post(task_url(task, "execute"), {"decision": "rejected", "text": "Handled by the book."})
    assert response.status_code == 302
    task.refresh_from_db()
    appeal.refresh_from_db()
    assert task.status == STATUS.DONE and appeal.decision == AppealDecision.REJECTED and appeal.decided_by == cx


def test_customer_text_in_messages_is_inert(org, agent, quality_engineer):
    """The customer's words travel in the message body as text: no placeholder inside them is
    filled, and the text-message gateway's JSON carries them as a string."""
    channel = NotificationChannel.objects.create(
        code="sms", name="SMS", kind="webhook", url="https://sms.example/", secret="s" * 32
    )
    open_appeals(org, customer_channel=channel)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer, customer_phone="13800138000")
    appeal = appeal_open(complaint=c, actor=agent, grounds=XSS)
    appeal_decide(appeal=appeal, actor=cx, decision=AppealDecision.PARTLY, text=XSS, remedy=XSS)
    told = Notification.objects.filter(complaint=c, event=NotificationEvent.CUSTOMER_APPEAL_DECIDED)
    assert {row.address for row in told} == {"zhou@example.com", "+8613800138000"}
    for row in told:
        assert XSS in row.body and "<class" not in row.body
    sms = told.get(channel=channel)
    body = json.dumps(webhook_payload(sms, timezone.now()))
    assert json.loads(body)["body"] == sms.body  # a JSON string: the gateway gets text, nothing to run


def test_the_api_reads_and_files_the_appeal(org, agent, agent_b, quality_engineer):
    open_appeals(org)
    c = closed_complaint(org, agent, quality_engineer)
    url = f"/api/complaints/{c.pk}/appeal/"
    assert as_user(agent).get(url).status_code == 404
    assert post_json(as_user(agent_b), url, {"grounds": "Not mine."}).status_code == 404
    created = post_json(as_user(agent), url, {"grounds": "Please review."})
    assert created.status_code == 201, created.content
    assert created.json()["office"] == "cx" and created.json()["filed_by"] == agent.username
    again = post_json(as_user(agent), url, {"grounds": "Again."})
    assert again.status_code == 403 and "already appealed" in again.content.decode()
    assert as_user(agent).get(url).json()["grounds"] == "Please review."
