"""Celery tasks: thin doors that take ids (or nothing) and call into the process."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection

# One sweep at a time across every worker, however many beats send ticks (a second beat started
# by mistake, or a tick sent while the last sweep still runs): PostgreSQL advisory lock key.
SWEEP_LOCK_KEY = 0x52445253  # "RDRS"
RETENTION_LOCK_KEY = 0x52445250  # "RDRP": the daily retention run, one at a time


@contextmanager
def _sweep_lock(key: int = SWEEP_LOCK_KEY) -> Iterator[bool]:
    """True when this sweep may run; released at the end, or by PostgreSQL when a killed worker's
    connection closes. Every clock is also claimed once, so even without the lock nothing doubles;
    the lock keeps concurrent ticks from doing the same work twice."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@shared_task(name="complaints.tasks.sweep_clocks", ignore_result=True, acks_late=True)
def sweep_clocks() -> dict[str, Any]:
    """The one deadline sweep: due clocks (warnings, breaches, collaboration chains, P0 reminders),
    viewflow's due timers (the follow-up wait), and notifications still to send (held by quiet
    hours, or failed and not yet out of attempts). Each is claimed once; bounded batches. Returns
    what fired."""
    from complaints.services.clocks import clocks_sweep
    from complaints.services.notify import notifications_resend
    from complaints.services.timers import workflow_timers_fire

    with _sweep_lock() as acquired:
        if not acquired:
            return {"skipped": "another sweep is running"}
        result = clocks_sweep(batch=settings.REDRESS_SWEEP_BATCH)
        result["timers"] = workflow_timers_fire()
        result["sent"] = notifications_resend()
        return result


@shared_task(name="complaints.tasks.privacy_retention", ignore_result=True, acks_late=True)
def privacy_retention() -> dict[str, Any]:
    """The daily retention run: anonymises the personal data of complaints closed longer than the
    admin's retention period, in bounded batches until none is due. Idempotent: an anonymised
    complaint is never due again. Returns the count."""
    from complaints.services.privacy import retention_apply

    with _sweep_lock(RETENTION_LOCK_KEY) as acquired:
        if not acquired:
            return {"skipped": "another retention run is going"}
        total = 0
        while True:
            result = retention_apply(batch=settings.REDRESS_SWEEP_BATCH)
            total += result["anonymised"]
            if not result["anonymised"]:
                return {"anonymised": total}


@shared_task(
    name="complaints.tasks.send_notification",
    ignore_result=True,
    acks_late=True,
    bind=True,
    max_retries=None,
)
def send_notification(self: Any, notification_id: int) -> bool:
    """Sends one notification (e-mail or webhook) unless it already went out; an outward failure
    is retried with exponential backoff while the admin's attempts last (the sweep picks up what a
    lost message leaves). Returns whether this call sent it."""
    from complaints.services.notify import NotificationFailed, notification_send

    try:
        return notification_send(notification_id=notification_id)
    except NotificationFailed as failure:
        if not failure.retry:
            return False
        raise self.retry(countdown=2 ** min(self.request.retries, 8), exc=failure) from failure


@shared_task(name="complaints.tasks.send_notifications", ignore_result=True, acks_late=True)
def send_notifications(notification_ids: list[int]) -> int:
    """Sends a batch of notifications (the sweep's, handed over in one message instead of one per
    row); a failed one with attempts left is retried on its own by `send_notification`. Returns how
    many went out."""
    from complaints.services.notify import NotificationFailed, notification_send

    sent = 0
    for notification_id in notification_ids:
        try:
            sent += notification_send(notification_id=notification_id)
        except NotificationFailed as failure:
            if failure.retry:
                send_notification.apply_async((notification_id,), countdown=1)
    return sent


@shared_task(name="complaints.tasks.review_packs", ignore_result=True, acks_late=True)
def review_packs() -> list[int]:
    """Makes and e-mails the weekly and monthly review packs that are due (each once: the pack row
    is unique per period and its sending is claimed). Returns the ids of the packs made."""
    from complaints.services.review import review_packs_due

    return review_packs_due()


@shared_task(name="complaints.tasks.triage_train", ignore_result=True, acks_late=True)
def triage_train() -> int | None:
    """Trains a new triage model when the newest is older than the admin's interval (and there is
    enough data); running it twice trains once. Returns the new model's version, if any."""
    from complaints.services.learning import triage_train_due

    model = triage_train_due()
    return model.version if model is not None else None


@shared_task(name="complaints.tasks.kpi_refresh", ignore_result=True, acks_late=True)
def kpi_refresh() -> int:
    """Recounts the KPI summary of every day with a stale mark (see complaints.services.kpi_summary)."""
    from complaints.services.kpi_summary import kpi_refresh as refresh

    return refresh()


@shared_task(name="complaints.tasks.pending_uploads_sweep", ignore_result=True, acks_late=True)
def pending_uploads_sweep() -> int:
    """Removes the files kept for unsaved intake forms longer than the admin's time (a missing
    configuration: nothing to do yet). Idempotent. Returns how many were removed."""
    from complaints.selectors.routing import ConfigurationMissing
    from complaints.services.pending import pending_sweep

    try:
        return pending_sweep()
    except ConfigurationMissing:
        return 0


@shared_task(name="complaints.tasks.complaints_export", ignore_result=True, acks_late=True)
def complaints_export(export_id: int) -> int | None:
    """Makes the file of an export (the managers' list, or an admin's selection of complaints:
    complaints.services.exports); a message delivered twice makes it once. Returns its number of
    complaints, if this run made it."""
    from complaints.services.exports import export_run

    export = export_run(export_id=export_id)
    return export.rows if export is not None else None


@shared_task(name="complaints.tasks.exports_sweep", ignore_result=True, acks_late=True)
def exports_sweep() -> int:
    """Deletes exports older than the admin's number of days and sends again the queued ones whose
    message was lost (a missing configuration: nothing to do yet). Returns how many
    were deleted."""
    from complaints.selectors.routing import ConfigurationMissing
    from complaints.services.exports import exports_sweep as sweep

    try:
        return sweep()
    except ConfigurationMissing:
        return 0
