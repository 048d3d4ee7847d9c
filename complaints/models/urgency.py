"""Each open human task's governing deadline, kept as indexed columns so the lists sort and page by
urgency with an index scan however many tasks there are (see complaints/services/urgency.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskUrgency(models.Model):
    """One row per open human task (queued or claimed): whose it is, its case, and the governing
    clock the lists show and sort by (`urgency_refresh` writes it whenever a clock or the task
    changes). Breached and warning are read against the current time, so the sweep changes nothing
    here."""

    task = models.OneToOneField(
        "viewflow.Task", primary_key=True, on_delete=models.CASCADE, related_name="urgency", verbose_name=_("task")
    )
    case = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+", verbose_name=_("complaint")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner_permission = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=50)
    created = models.DateTimeField()
    rank = models.PositiveSmallIntegerField(help_text=_("0: a clock runs; 1: paused; 2: no deadline."))
    due = models.DateTimeField(null=True, blank=True)
    warn = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    paused_left = models.DurationField(null=True, blank=True)
    paused_kind = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("task deadline")
        verbose_name_plural = _("task deadlines")
        indexes = [
            # Inbox and queue: the user's rows in urgency order, read from the index, a page at a time
            # (the task's number last: rows alike in all else keep their places from page to page);
            # several queues are read one each and merged (selectors.worklist.queue_branches).
            models.Index(
                fields=["owner", "rank", "due", "paused_left", "-created", "-task"],
                name="urgency_inbox",
                condition=models.Q(status="ASSIGNED"),
            ),
            models.Index(
                fields=["owner_permission", "rank", "due", "paused_left", "-created", "-task"],
                name="urgency_queue",
                condition=models.Q(status="NEW"),
            ),
            # Whoever sees every queue (a superuser): all queued rows in urgency order. Its condition
            # names `owner IS NULL` (true of every queued row: viewflow gives a task an owner as it
            # assigns it), which only that read says (complaints.selectors.worklist.queue_rows), so
            # PostgreSQL takes it for nothing else: on `status = 'NEW'` alone it was smaller than
            # `urgency_queue` and taken for one queue's read too, walking past the other queues' rows
            # (3,164 of them for the demo quality engineer at 1,000,000 complaints: 2.5 ms, not 0.2).
            models.Index(
                fields=["rank", "due", "paused_left", "-created", "-task"],
                name="urgency_queued_all",
                condition=models.Q(status="NEW", owner__isnull=True),
            ),
            models.Index(fields=["due"], name="urgency_running_due", condition=models.Q(rank=0)),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.kind or '-'} {self.due or ''}"
