"""The Celery application. The beat schedule lives here, in code; admins tune thresholds, not schedules."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("redress")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # The one deadline sweep: clock rows (warnings, breaches that escalate, collaboration chains,
    # P0 progress reminders, corrective actions, the follow-up), viewflow's due timers (the free
    # viewflow package ships no Celery task for them) and notifications still to send.
    "sweep-clocks": {
        "task": "complaints.tasks.sweep_clocks",
        "schedule": float(os.environ.get("REDRESS_TIMER_SWEEP_SECONDS", "30")),
    },
    # Outbound webhooks (api/outbound.py): new complaint events to subscriptions, due deliveries out.
    "outbound-events": {
        "task": "api.tasks.outbound_sweep",
        "schedule": float(os.environ.get("REDRESS_OUTBOUND_SWEEP_SECONDS", "10")),
    },
    # Retention (complaints.services.privacy): once a day, personal data past the admin's period is
    # anonymised. The admin sets the period; the operator picks the quiet hour.
    "privacy-retention": {
        "task": "complaints.tasks.privacy_retention",
        "schedule": crontab(hour=os.environ.get("REDRESS_RETENTION_HOUR", "3"), minute="17"),
    },
    # Review packs (complaints.services.review): due ones are made and sent once; the day and time
    # are the admin's (KPI settings), this only says how often to look.
    "review-packs": {
        "task": "complaints.tasks.review_packs",
        "schedule": float(os.environ.get("REDRESS_REVIEW_PACK_SECONDS", "300")),
    },
    # Triage model (complaints.services.learning): trained again when the newest model is older than
    # the admin's interval (triage settings); this only says how often to look.
    "triage-train": {
        "task": "complaints.tasks.triage_train",
        "schedule": float(os.environ.get("REDRESS_TRIAGE_TRAIN_SECONDS", "3600")),
    },
    # KPI summary rows (complaints.services.kpi_summary): the days whose complaints changed are
    # recounted, so that the dashboard seldom has a stale day of its own to recount.
    "kpi-refresh": {
        "task": "complaints.tasks.kpi_refresh",
        "schedule": float(os.environ.get("REDRESS_KPI_REFRESH_SECONDS", "120")),
    },
    # Files kept for intake forms that came back with an error (complaints.services.pending): the
    # admin sets how long they are kept; this removes the older ones every hour.
    "pending-uploads": {
        "task": "complaints.tasks.pending_uploads_sweep",
        "schedule": crontab(minute="41"),
    },
    # Exports (complaints.services.exports): files older than the admin's number of days
    # (KPI settings) are deleted, queued ones whose message was lost are sent again (every ten minutes).
    "exports-sweep": {
        "task": "complaints.tasks.exports_sweep",
        "schedule": crontab(minute="*/10"),
    },
}
