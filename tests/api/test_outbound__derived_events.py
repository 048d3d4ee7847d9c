"""Outbound events read from a complaint event's details: a corrective action overdue and a batch
investigation opened (issue 23)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from api import outbound
from api.models import WebhookDelivery, WebhookSubscription
from complaints.choices import EventKind
from complaints.models import BatchInvestigation, ComplaintEvent
from tests.api.test_outbound__webhooks import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(monkeypatch: Any) -> Receiver:
    got = Receiver()
    monkeypatch.setattr(outbound, "http_post", got)
    return got


def test_the_admin_may_subscribe_to_them() -> None:
    codes = dict(outbound.event_choices())
    assert {"action_overdue", "batch_opened", "registered"} <= set(codes)


def test_an_action_clocks_breach_is_action_overdue_and_other_breaches_stay_deadline_breached(
    complaint_a: Any, receiver: Receiver
) -> None:
    WebhookSubscription.objects.create(
        name="QMS", url="https://qms.example/hooks", events=["action_overdue", "deadline_breached"]
    )
    ComplaintEvent.objects.filter(complaint=complaint_a).delete()
    due = timezone.now().isoformat()
    ComplaintEvent.objects.create(
        complaint=complaint_a, kind=EventKind.DEADLINE_BREACHED, new={"clock": "action", "due": due, "action": 7}
    )
    ComplaintEvent.objects.create(complaint=complaint_a, kind=EventKind.DEADLINE_BREACHED, new={"clock": "resolution"})
    assert outbound.outbound_fan_out() == 2
    assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == [
        "complaint.action_overdue",
        "complaint.deadline_breached",
    ]
    overdue = WebhookDelivery.objects.get(event_type="complaint.action_overdue")
    assert overdue.payload["type"] == "complaint.action_overdue"
    assert overdue.payload["data"]["event"]["new"]["action"] == 7


def test_a_batch_opening_is_told_once_with_the_whole_batch(org: Any, agent: Any) -> None:
    from tests.web.test_batch__investigations import file

    WebhookSubscription.objects.create(name="QMS", url="https://qms.example/hooks", events=["batch_opened"])
    members = file(agent, org, 3)
    investigation = BatchInvestigation.objects.get()
    outbound.outbound_fan_out(now=timezone.now() + timedelta(minutes=5))
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "complaint.batch_opened"
    opened = delivery.payload["data"]["event"]["new"]["batch_opened"]
    assert opened["id"] == investigation.pk
    assert sorted(opened["complaints"]) == sorted(c.reference for c in members)
