"""Deadlines as rows: one clock per deadline (of a complaint, a collaboration request, a corrective
action, the follow-up, the P0 progress reminder), with its warning time, swept by Celery."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

AT_ONCE_CLOCKS = _("Which of the complaint's clocks this rule is for.")


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
        PROMISE = "promise", _("Time promised to the customer")
        CUSTOM_STEP = "custom_step", _("Custom step")

        APPEAL = "appeal", _("Appeal decision (customer-experience office)")
        # The only kind without a complaint: a review's decision (subject: the ReviewDecision).
        DECISION = "decision", _("Review decision due date")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused (waiting for the customer)")
        STOPPED = "stopped", _("Stopped")

    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.CASCADE,
        related_name="clocks",
        null=True,
        blank=True,
        help_text=_("Empty only for the clocks of what no single complaint owns (a review's decision)."),
    )
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
    answered_at = models.DateTimeField(
        _("answered at"),
        null=True,
        blank=True,
        help_text=_("When the level's first response or decision stopped this clock (its rule says it may)."),
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
            ),
            # NULL complaints are distinct to the constraint above: a case-less clock has its own.
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=models.Q(state__in=["running", "paused"], complaint__isnull=True),
                name="clock_one_open_per_subject_without_case",
            ),
            models.CheckConstraint(
                condition=models.Q(complaint__isnull=False) | models.Q(kind="decision"),
                name="clock_complaint_unless_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


# Clock kinds of a complaint (the KPIs' "deadlines met" count these); a decision's clock has none.
CASE_LESS_KINDS = (Clock.Kind.DECISION,)
COMPLAINT_CLOCK_KINDS = tuple(kind for kind in Clock.Kind if kind not in CASE_LESS_KINDS)


class BreachAction(models.TextChoices):
    """What a clock's breach does (ClockRule.breach)."""

    WARN = "warn", _("Warn only: recorded, the case owner is told")
    NOTIFY = "notify", _("Notify the breach list")
    ESCALATE = "escalate", _("Escalate one level")
    TOP = "top", _("Escalate to the top level")


RULED_KINDS = (
    Clock.Kind.FIRST_RESPONSE,
    Clock.Kind.RESPONSE,
    Clock.Kind.RESOLUTION,
    Clock.Kind.TASK,
    Clock.Kind.PROMISE,
    Clock.Kind.CUSTOM_STEP,
)


class ClockRule(models.Model):
    """What stops one kind of a complaint's clock at one level and what its breach does. A level
    without a rule for a kind uses the built-in default (complaints/rules/clocks.py: DEFAULTS)."""

    level = models.ForeignKey(
        "complaints.EscalationLevel", verbose_name=_("level"), on_delete=models.CASCADE, related_name="clock_rules"
    )
    kind = models.CharField(
        _("clock"), max_length=20, choices=[(k.value, k.label) for k in RULED_KINDS], help_text=AT_ONCE_CLOCKS
    )
    answered_by_response = models.BooleanField(
        _("stopped by the level's response"),
        default=False,
        help_text=_(
            "The clock stops when the first response or any decision is recorded at this level (a contact "
            "with the customer, a verification, an action, a compensation proposal, a request to another "
            "department, waiting for the customer). Otherwise only leaving the level or closing stops it. "
            "Takes effect at once."
        ),
    )
    warns = models.BooleanField(
        _("warns"),
        default=True,
        help_text=_(
            "A warning goes out at the level's percentage of the limit. Applies to clocks started after the change."
        ),
    )
    breach = models.CharField(
        _("at breach"),
        max_length=10,
        choices=BreachAction.choices,
        help_text=_("What happens when the clock passes its due time. Takes effect at once."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("clock rule")
        verbose_name_plural = _("clock rules")
        ordering = ["level__rank", "kind"]
        constraints = [models.UniqueConstraint(fields=["level", "kind"], name="clock_rule_unique")]

    def __str__(self) -> str:
        return f"{self.level} · {self.get_kind_display()}"
