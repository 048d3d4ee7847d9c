"""Outbound events: complaint events fanned out to webhook subscriptions and delivered signed per
Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).

The complaint events table is the outbox: every state change already writes its event in the
same transaction. The fan-out reads new events past a cursor and makes one delivery row per
event and subscription (unique, so reading an event twice is harmless); deliveries are sent by
Celery, retried with backoff, logged per attempt, and a subscription that keeps failing is
switched off.
"""

import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from standardwebhooks.webhooks import Webhook

from api.models import (
    DeliveryStatus,
    OutboundCursor,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from complaints.choices import EventKind
from complaints.models import ComplaintEvent
from complaints.selectors.privacy import mask_json

# The events other systems may subscribe to (codes of complaint events).
OUTBOUND_KINDS = [
    kind
    for kind in (
        "registered",
        "triaged",
        "escalated",
        "sent_back",
        "deadline_breached",
        "waiting",
        "resumed",
        "closed",
        "reopened",
        "followed_up",
        "appeal_opened",
        "appeal_decided",
    )
    if kind in EventKind.values
]
# Events read from a complaint event's details rather than its kind: a corrective action's due
# date breached (a `deadline_breached` of the action clock), and a batch investigation opened (the
# link of its first complaint, which names the whole batch).
DERIVED_KINDS = {
    "action_overdue": gettext_lazy("Corrective action overdue"),
    "batch_opened": gettext_lazy("Batch investigation opened"),
}


# An event is read again until it is this old: a transaction that wrote an event with a lower id
# may commit after one with a higher id. Registration transactions last well under a second.
SETTLE = timedelta(seconds=60)
# While one worker sends a delivery, others leave it alone this long.
LEASE = timedelta(minutes=5)
MAX_PAUSE = timedelta(hours=6)


def outbound_kind(event: ComplaintEvent) -> str | None:
    """The outbound event a complaint event is, or None when other systems do not hear of it."""
    new = event.new if isinstance(event.new, dict) else {}
    if event.kind == EventKind.DEADLINE_BREACHED and new.get("clock") == "action":
        return "action_overdue"
    if event.kind == EventKind.BATCH_LINKED and new.get("batch_opened"):
        return "batch_opened"
    return event.kind if event.kind in OUTBOUND_KINDS else None


def event_choices() -> list[tuple[str, str]]:
    labels = dict(EventKind.choices)
    return [(kind, str(labels[kind])) for kind in OUTBOUND_KINDS] + [
        (kind, str(label)) for kind, label in DERIVED_KINDS.items()
    ]


def event_type(kind: str) -> str:
    return f"complaint.{kind}"


def event_payload(event: ComplaintEvent) -> dict[str, Any]:
    """What a receiver gets: the event and the complaint's state; no customer contact details."""
    complaint = event.complaint
    return {
        "type": event_type(outbound_kind(event) or event.kind),
        "timestamp": event.at.isoformat(),
        "data": {
            # Webhook bodies carry references, never the customer's details (any inside an event masked).
            "event": {
                "id": event.pk,
                "kind": event.kind,
                "old": mask_json(event.old, complaint),
                "new": mask_json(event.new, complaint),
            },
            "complaint": {
                "id": complaint.pk,
                "reference": complaint.reference,
                "stage": complaint.stage,
                "outcome": complaint.outcome,
                "priority": complaint.priority.code if complaint.priority_id else None,
                "level": complaint.level.rank if complaint.level_id else None,
                "department": complaint.department.code if complaint.department_id else None,
                "url": f"/api/complaints/{complaint.pk}/",
            },
        },
    }


def outbound_fan_out(*, now: datetime | None = None, batch: int = 500) -> int:
    """Makes the deliveries for complaint events past the cursor (bounded); advances the cursor
    over the events old enough to have settled. Returns how many deliveries it created."""
    now = now or timezone.now()
    with transaction.atomic():
        OutboundCursor.objects.get_or_create(pk=1)
        cursor = OutboundCursor.objects.select_for_update().get(pk=1)
        events = list(
            ComplaintEvent.objects.filter(pk__gt=cursor.last_event_id)
            .order_by("pk")
            .select_related("complaint__priority", "complaint__level", "complaint__department")[:batch]
        )
        if not events:
            return 0
        subscriptions = list(WebhookSubscription.objects.filter(active=True))
        rows = [
            WebhookDelivery(
                subscription=subscription,
                event=event,
                event_type=event_type(kind),
                message_id=f"msg_{uuid.uuid4().hex}",
                payload=event_payload(event),
                next_attempt_at=now,
            )
            for event, kind in ((event, outbound_kind(event)) for event in events)
            if kind is not None
            for subscription in subscriptions
            if kind in subscription.events
        ]
        created = WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True) if rows else []
        settled = [event.pk for event in events if event.at <= now - SETTLE]
        if settled:
            cursor.last_event_id = max(settled)
            cursor.save(update_fields=["last_event_id"])
    return len(created)


def deliveries_due(*, now: datetime | None = None, batch: int = 200) -> list[int]:
    """Ids of deliveries whose next attempt is due, oldest first (bounded)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )


def pause_after(attempts: int) -> timedelta:
    """Rule: 1 minute after the first failed attempt, doubling each time, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_PAUSE)


def webhook_headers(*, secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers for one message."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def http_post(*, url: str, body: bytes, headers: dict[str, str], timeout: int) -> int:
    """POSTs and returns the response code (an HTTP error's code too); raises OSError when no
    answer came (refused, timeout, DNS)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (admin's URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> bool:
    """Sends one due delivery once: claims it (a lease, so a second worker skips it), POSTs it
    signed, logs the attempt, and on failure schedules the next one or gives up; a subscription
    with too many failures in a row is switched off. Returns whether it was delivered."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__active=True
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return False
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        **webhook_headers(secret=subscription.secret, message_id=delivery.message_id, at=now, body=body),
    }
    started = time.monotonic()
    code: int | None = None
    error = ""
    try:
        code = http_post(
            url=subscription.url, body=body.encode(), headers=headers, timeout=subscription.timeout_seconds
        )
        if not 200 <= code < 300:
            error = _("answered %(code)s") % {"code": code}
    except OSError as failure:
        error = str(failure)[:300] or type(failure).__name__
    took = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, status_code=code, error=error, duration_ms=took)
        delivery.attempts += 1
        delivery.last_status_code = code
        delivery.last_error = error
        if not error:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            WebhookSubscription.objects.filter(pk=subscription.pk).update(failures_in_a_row=0)
        else:
            if delivery.attempts >= subscription.max_attempts:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + pause_after(delivery.attempts)
            WebhookSubscription.objects.filter(pk=subscription.pk).update(failures_in_a_row=F("failures_in_a_row") + 1)
            WebhookSubscription.objects.filter(
                pk=subscription.pk, active=True, failures_in_a_row__gte=subscription.disable_after_failures
            ).update(
                active=False,
                disabled_reason=_("Switched off at %(at)s after %(count)s failed attempts in a row; last: %(error)s")
                % {
                    "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
                    "count": subscription.disable_after_failures,
                    "error": error[:150],
                },
            )
        delivery.save(
            update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at", "next_attempt_at"]
        )
    return not error


def delivery_redeliver(*, delivery: WebhookDelivery, now: datetime | None = None) -> WebhookDelivery:
    """Sends a delivery again (same message id) with a fresh set of attempts."""
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now or timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery
