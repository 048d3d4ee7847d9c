"""The Celery application. The beat schedule lives here, in code; admins tune thresholds, not schedules."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("redress")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Fires viewflow's due timers (the follow-up wait, later SLA boundaries). The free viewflow
    # package ships no Celery task for this, so complaints.tasks provides one.
    "fire-workflow-timers": {
        "task": "complaints.tasks.fire_workflow_timers",
        "schedule": float(os.environ.get("REDRESS_TIMER_SWEEP_SECONDS", "30")),
    },
    # Complaint clocks: warnings at the level's threshold, breaches escalate (each once).
    "sweep-clocks": {
        "task": "complaints.tasks.sweep_clocks",
        "schedule": float(os.environ.get("REDRESS_TIMER_SWEEP_SECONDS", "30")),
    },
    # Unanswered collaboration requests pass to the department head, then the requester's superior.
    "pass-on-collaboration-requests": {
        "task": "complaints.tasks.pass_on_collaboration_requests",
        "schedule": float(os.environ.get("REDRESS_TIMER_SWEEP_SECONDS", "30")),
    },
}
