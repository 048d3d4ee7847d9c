"""Deadlines as rows: one clock per deadline (of a complaint, a collaboration request, a corrective
action, the follow-up, the P0 progress reminder), with its warning time, swept by Celery."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Clock(models.Model):
    """A running deadline of a complaint or of something of it (`subject`: the collaboration
    request or corrective action it times). The sweep claims due clocks with a conditional update,
    so a warning or a breach fires once however many sweeps run; the broker holds nothing."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        RESPONSE = "response", _("Level response")
        RESOLUTION = "resolution", _("Resolution")
        COLLABORATION = "collaboration", _("Collaboration answer")
        ACTION = "action", _("Corrective action due date")
        FOLLOW_UP = "follow_up", _("Follow-up")
        PROGRESS = "progress", _("P0 progress update")
        TASK = "task", _("Step (task)")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused (waiting for the customer)")
        STOPPED = "stopped", _("Stopped")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=Kind.choices)
    subject = models.PositiveBigIntegerField(
        _("subject"),
        default=0,
        help_text=_("The collaboration request, corrective action or task this clock times (0: the complaint itself)."),
    )
    level = models.ForeignKey(
        "complaints.EscalationLevel", verbose_name=_("level"), null=True, blank=True, on_delete=models.SET_NULL
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    remaining = models.DurationField(
        _("time left when paused"), null=True, blank=True, help_text=_("In the level's time (business or calendar).")
    )

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at", "pk"]
        indexes = [
            # The sweep reads only what is due: partial indexes keep it proportional to the due clocks.
            models.Index(
                fields=["warn_at"],
                name="clock_warn_due",
                condition=models.Q(state="running", warned_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="clock_breach_due",
                condition=models.Q(state="running", breached_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind", "subject"],
                condition=models.Q(state__in=["running", "paused"]),
                name="clock_one_open_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"
