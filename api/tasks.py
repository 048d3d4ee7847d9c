"""Celery doors onto the outbound events (api/outbound.py); ids in, idempotent."""

from typing import Any

from celery import shared_task


@shared_task(name="api.tasks.outbound_sweep", ignore_result=True, acks_late=True)
def outbound_sweep() -> dict[str, Any]:
    """Fans new complaint events out to subscriptions and enqueues the deliveries that are due."""
    from api.outbound import deliveries_due, outbound_fan_out

    created = outbound_fan_out()
    due = deliveries_due()
    # The deliveries are committed (the fan-out ran in its own transaction): enqueue them now.
    for pk in due:
        deliver_webhook.delay(pk)
    return {"created": created, "enqueued": len(due)}


@shared_task(name="api.tasks.deliver_webhook", ignore_result=True, acks_late=True)
def deliver_webhook(delivery_id: int) -> bool:
    """One attempt at one delivery (its retries are scheduled in the row, picked up by the sweep)."""
    from api.outbound import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id)
