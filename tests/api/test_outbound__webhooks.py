"""Outbound events: fanned out once per event and subscription, signed per Standard Webhooks,
retried with backoff, logged, redeliverable, and a failing subscription is switched off."""

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from api import outbound
from api.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.tasks import outbound_sweep
from complaints.models import ComplaintEvent

pytestmark = pytest.mark.django_db


class Receiver:
    """Stands in for the other system: records what it got and answers with the codes given."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.got: list[dict[str, Any]] = []

    def __call__(self, *, url: str, body: bytes, headers: dict[str, str], timeout: int) -> int:
        self.got.append({"url": url, "body": body.decode(), "headers": headers})
        code = self.codes.pop(0) if self.codes else 200
        if code == 0:
            raise OSError("connection refused")
        return code


@pytest.fixture
def receiver(monkeypatch: Any) -> Receiver:
    got = Receiver()
    monkeypatch.setattr(outbound, "http_post", got)
    return got


@pytest.fixture
def subscription(db: Any) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name="CRM",
        url="https://crm.example/hooks",
        events=["registered", "escalated"],
        max_attempts=3,
        disable_after_failures=5,
    )


def test_registration_is_delivered_once_signed_per_standard_webhooks(
    subscription: WebhookSubscription, receiver: Receiver, complaint_a: Any
) -> None:
    outbound_sweep()
    outbound_sweep()  # reading the same events again creates nothing new

    assert len(receiver.got) == 1
    sent = receiver.got[0]
    payload = Webhook(subscription.secret).verify(sent["body"], sent["headers"])
    assert payload["type"] == "complaint.registered"
    assert payload["data"]["complaint"]["reference"] == complaint_a.reference
    assert "customer_phone" not in sent["body"] and complaint_a.customer_phone not in sent["body"]
    assert sent["headers"]["webhook-id"].startswith("msg_")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.last_status_code == 200
    assert WebhookAttempt.objects.get().status_code == 200


def test_a_tampered_or_replayed_delivery_fails_verification(
    subscription: WebhookSubscription, receiver: Receiver, complaint_a: Any
) -> None:
    outbound_sweep()
    sent = receiver.got[0]
    with pytest.raises(Exception):  # noqa: B017 (the library's WebhookVerificationError)
        Webhook(subscription.secret).verify(sent["body"].replace("registered", "closed"), sent["headers"])
    with time_machine.travel(timezone.now() + timedelta(hours=1)), pytest.raises(Exception):  # noqa: B017
        Webhook(subscription.secret).verify(sent["body"], sent["headers"])


def test_events_not_subscribed_are_not_sent(
    subscription: WebhookSubscription, receiver: Receiver, complaint_a: Any
) -> None:
    subscription.events = ["closed"]
    subscription.save()
    outbound_sweep()
    assert receiver.got == [] and not WebhookDelivery.objects.exists()


def test_failures_are_retried_with_growing_pauses_then_given_up(
    subscription: WebhookSubscription, receiver: Receiver, complaint_a: Any
) -> None:
    receiver.codes = [500, 0, 503]
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        outbound_sweep()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at == now + timedelta(minutes=1)

    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        outbound_sweep()  # not due yet
    assert len(receiver.got) == 1
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        outbound_sweep()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == now + timedelta(minutes=3)
    assert delivery.last_error == "connection refused"
    with time_machine.travel(now + timedelta(minutes=3), tick=False):
        outbound_sweep()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert [a.status_code for a in WebhookAttempt.objects.order_by("pk")] == [500, None, 503]
    # Every attempt carried the same message id, so the receiver can drop duplicates.
    assert len({got["headers"]["webhook-id"] for got in receiver.got}) == 1


def test_manual_redelivery_sends_the_same_message_again(
    subscription: WebhookSubscription, receiver: Receiver, complaint_a: Any
) -> None:
    outbound_sweep()
    delivery = WebhookDelivery.objects.get()
    outbound.delivery_redeliver(delivery=delivery)
    outbound_sweep()

    assert len(receiver.got) == 2
    assert receiver.got[0]["headers"]["webhook-id"] == receiver.got[1]["headers"]["webhook-id"]
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


def test_a_subscription_failing_too_often_in_a_row_is_switched_off(
    subscription: WebhookSubscription, receiver: Receiver, complaint_a: Any, org: dict[str, Any], agent: Any
) -> None:
    from flows.driver import start_complaint
    from tests.conftest import intake_data

    for _ in range(4):
        start_complaint(user=agent, data=intake_data(org))
    receiver.codes = [500] * 10
    outbound_sweep()

    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.failures_in_a_row == 5 and "5" in subscription.disabled_reason
    assert len(receiver.got) == 5  # the rest waits; an inactive subscription sends nothing
    outbound_sweep()
    assert len(receiver.got) == 5


def test_cursor_moves_only_over_settled_events(
    subscription: WebhookSubscription, receiver: Receiver, complaint_a: Any
) -> None:
    from api.models import OutboundCursor

    outbound_sweep()
    assert OutboundCursor.objects.get().last_event_id == 0  # the events are seconds old
    with time_machine.travel(timezone.now() + outbound.SETTLE + timedelta(seconds=1)):
        outbound_sweep()
    assert OutboundCursor.objects.get().last_event_id == ComplaintEvent.objects.latest("pk").pk
    assert len(receiver.got) == 1


def test_payload_is_json_with_type_and_timestamp(
    subscription: WebhookSubscription, receiver: Receiver, complaint_a: Any
) -> None:
    outbound_sweep()
    body = json.loads(receiver.got[0]["body"])
    assert set(body) == {"type", "timestamp", "data"}
