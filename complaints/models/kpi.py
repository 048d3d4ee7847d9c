"""Management numbers: the admin's KPI settings (targets, who sees the dashboard, when the review
packs go out) and the archive of generated review packs."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from complaints.choices import Emotion, Weekday
from complaints.rules.names import person_name


class KpiSettings(models.Model):
    """One row: KPI targets, the dashboard's audience and the review packs' schedule and recipients.
    The first row is created by the migration with the defaults of DOMAIN.md; edit it in the admin."""

    satisfaction_target_percent = models.PositiveSmallIntegerField(
        _("follow-up satisfaction target (%)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "The dashboard and the review packs compare follow-up satisfaction with this. Takes effect at once."
        ),
    )
    satisfied_from = models.PositiveSmallIntegerField(
        _("satisfied from score"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("A follow-up score (1–5) at or above this counts as satisfied. Takes effect at once."),
    )
    recovery_emotion = models.CharField(
        _("satisfaction recovery from emotion"),
        max_length=20,
        choices=Emotion.choices,
        help_text=_(
            "Satisfaction recovery looks at customers at or above this emotion at intake and asks how many "
            "ended satisfied. Takes effect at once."
        ),
    )
    dashboard_roles = models.ManyToManyField(
        "complaints.Role",
        verbose_name=_("roles that see the dashboard"),
        blank=True,
        related_name="+",
        help_text=_(
            "Members holding one of these roles see the dashboard and the managers' list, scoped to the "
            "complaints they may see (superusers always). Takes effect at once."
        ),
    )
    weekly_weekday = models.PositiveSmallIntegerField(
        _("weekly review pack on"),
        choices=Weekday.choices,
        help_text=_("The weekly pack (last week's numbers) is made and sent on this day. Takes effect at once."),
    )
    pack_time = models.TimeField(
        _("review packs at"),
        help_text=_(
            "Local time at which the weekly pack (on its day) and the monthly pack (on the first of the month) "
            "are made and sent. Takes effect at once."
        ),
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("review pack recipients"),
        blank=True,
        related_name="+",
        help_text=_(
            "They receive each review pack by e-mail and may open the pack archive. Takes effect for the next pack."
        ),
    )
    export_keep_days = models.PositiveSmallIntegerField(
        _("keep exports for (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "An export file (the managers' list, or complaints exported from the admin) is deleted this many "
            "days after it was asked for; its asker can export again. Takes effect within ten minutes."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("KPI and review settings")
        verbose_name_plural = _("KPI and review settings")

    def __str__(self) -> str:
        return str(_("KPI and review settings"))


class ReviewPack(models.Model):
    """One generated review pack (weekly or monthly): its page, PDF and workbook as sent. The pair
    (kind, period) is unique, so beat makes each pack once however often it runs."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly review")
        MONTHLY = "monthly", _("Monthly analysis")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=10, help_text=_("e.g. 2026-W48 or 2026-11"))
    starts = models.DateField(_("from"))
    ends = models.DateField(_("until (excluded)"))
    language = models.CharField(_("language"), max_length=16)
    html = models.TextField(_("page"))
    pdf = models.BinaryField(_("PDF"))
    xlsx = models.BinaryField(_("workbook"))
    generated_at = models.DateTimeField(_("generated at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_to = models.TextField(_("sent to"), blank=True)

    class Meta:
        verbose_name = _("review pack")
        verbose_name_plural = _("review packs")
        ordering = ["-starts", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="review_pack_once_per_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"


class ReviewDecision(models.Model):
    """A decision taken in a review (an action item): who does what by when, optionally about some
    complaints or a category. Its due date is a clock (kind "decision") that warns and breaches
    like every other; its owner finds it in their inbox and reports it done with evidence; the
    next packs list it while it is open."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    pack = models.ForeignKey(
        ReviewPack, verbose_name=_("review pack"), on_delete=models.CASCADE, related_name="decisions"
    )
    description = models.TextField(_("decision"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="review_decisions"
    )
    due_date = models.DateField(_("due date"))
    complaints = models.ManyToManyField(
        "complaints.Complaint", verbose_name=_("complaints concerned"), blank=True, related_name="+"
    )
    category = models.ForeignKey(
        "complaints.Category",
        verbose_name=_("category concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    evidence = models.TextField(_("evidence that it was done"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["owner", "due_date"], name="decision_open_by_owner", condition=models.Q(status="open"))
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | ~models.Q(evidence=""), name="decision_done_with_evidence"
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def owner_name(self) -> str:
        """The owner as pages name people (rules.names.person_name: 王芳, not "芳 王")."""
        return person_name(self.owner)

    @property
    def done_by_name(self) -> str:
        return person_name(self.done_by)


class SavedFilter(models.Model):
    """A user's named filter of the managers' complaints list (the query string as they left it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user")]

    def __str__(self) -> str:
        return self.name


class ComplaintExport(models.Model):
    """One export asked for by a person, made by a Celery task (complaints.services.exports) and
    kept as a file for the admin's number of days (KPI settings), downloaded by them alone: the
    managers' list as its query selects it, or the complaints an admin selected, with their form
    answers."""

    class Kind(models.TextChoices):
        LIST = "list", _("Managers' list")
        RECORDS = "records", _("Complaints with their form answers")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("export", "Waiting")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked for by"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("export of"), max_length=10, choices=Kind.choices, default=Kind.LIST)
    query = models.CharField(_("filter"), max_length=1000, blank=True)
    ids = models.JSONField(_("complaints selected"), null=True, blank=True, help_text=_("Their ids (admin exports)."))
    description = models.CharField(
        _("filter as shown"), max_length=300, blank=True, help_text=_("In the asker's language.")
    )
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(_("complaints"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("asked for at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint export")
        verbose_name_plural = _("complaint exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_by_requester")]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else self.format


# --- summary rows (kept by complaints.services.kpi_summary) ----------------------------------


class KpiDimensions(models.Model):
    """The dimensions every summary row is kept by: one local day (or month, `monthly`) in one
    department, category, priority, current level and channel (complaints.services.kpi_summary)."""

    day = models.DateField()
    department = models.ForeignKey("complaints.Department", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("complaints.Category", null=True, on_delete=models.CASCADE, related_name="+")
    priority = models.ForeignKey("complaints.Priority", null=True, on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey("complaints.EscalationLevel", null=True, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20)
    # A month's row (day: its first day) adds up the day rows of that month (KpiDayBreakdown's keep
    # fewer dimensions, see there): a long period reads its whole months from these and only its
    # other days one by one.
    monthly = models.BooleanField(default=False)

    class Meta:
        abstract = True


class KpiDay(KpiDimensions):
    """The KPI parts of the complaints received on one local day (or month) in one department,
    category, priority, current level and channel (KpiDimensions): what the dashboard adds up instead of
    reading every complaint. Rebuilt for a day whenever a mark in KpiStale says something about one of its
    complaints changed (database triggers write the marks); never edited by hand."""

    volume = models.PositiveIntegerField(default=0)
    valid = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    duplicate = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    fcr = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    recovery_base = models.PositiveIntegerField(default=0)
    recovered = models.PositiveIntegerField(default=0)
    repeat = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    suggestion_taken = models.PositiveIntegerField(default=0)
    appeals = models.PositiveIntegerField(default=0)
    appeals_decided = models.PositiveIntegerField(default=0)
    appeals_upheld = models.PositiveIntegerField(default=0)
    compensation = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    action_cost = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # clocked_<kind> / missed_<kind> for every clock kind: added below the class.

    class Meta:
        verbose_name = _("KPI summary row")
        verbose_name_plural = _("KPI summary rows")
        indexes = [models.Index(fields=["monthly", "day", "department"], name="kpi_day_span")]

    def __str__(self) -> str:
        return f"{self.day} {self.department_id}"


KPI_DAY_PARTS = (
    "volume",
    "valid",
    "invalid",
    "duplicate",
    "resolved",
    "fcr",
    "scored",
    "satisfied",
    "recovery_base",
    "recovered",
    "repeat",
    "escalated",
    "suggested",
    "suggestion_taken",
    "appeals",
    "appeals_decided",
    "appeals_upheld",
)


def _clock_columns() -> None:
    from complaints.models.clock import COMPLAINT_CLOCK_KINDS

    for kind in COMPLAINT_CLOCK_KINDS:
        KpiDay.add_to_class(f"clocked_{kind.value}", models.PositiveIntegerField(default=0))
        KpiDay.add_to_class(f"missed_{kind.value}", models.PositiveIntegerField(default=0))


_clock_columns()


class KpiDayLevel(KpiDimensions):
    """Per level of the ladder, for the same day and dimensions as KpiDay: complaints handled at the
    level (started there or escalated up to it) and escalated up from it (valid ones)."""

    of_level = models.ForeignKey("complaints.EscalationLevel", on_delete=models.CASCADE, related_name="+")
    handled = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("KPI summary row per level")
        verbose_name_plural = _("KPI summary rows per level")
        indexes = [models.Index(fields=["monthly", "day", "department"], name="kpi_day_level_span")]

    def __str__(self) -> str:
        return f"{self.day} {self.department_id} {self.of_level_id}"


class KpiDayBreakdown(KpiDimensions):
    """What a sum of counts cannot hold, for the same day and dimensions as KpiDay: one number per
    kind and key. "hours": resolved complaints per resolution-time bucket (key: the bucket,
    complaints.rules.kpi.hours_bucket; the percentiles are read from these counts); "cause":
    complaints with a confirmed cause per cause category (key: its id); "responsible": the
    responsibility shares in % added up (key: "dept:<id>" or "party:<name>"); per custom step (key:
    its id) the runs finished (done or refused), those refused and their seconds from the task's
    creation to its answer added up (written only when not 0). Rebuilt with KpiDay."""

    class Kind(models.TextChoices):
        HOURS = "hours", _("resolution time bucket")
        CAUSE = "cause", _("confirmed cause category")
        RESPONSIBLE = "responsible", _("responsibility")
        STEP_RUNS = "step_runs", _("custom step runs finished")
        STEP_REFUSED = "step_refused", _("custom step runs refused")
        STEP_SECONDS = "step_seconds", _("custom step time (seconds)")

    # Its month rows (`monthly`) add up the day rows per department, priority and level only (category
    # None, channel ""): a day's histogram has nearly as many rows as the day has resolved complaints,
    # a month's far fewer. A period not filtered by category or channel reads its whole months from these.
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=120)
    value = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("KPI summary breakdown")
        verbose_name_plural = _("KPI summary breakdowns")
        indexes = [models.Index(fields=["monthly", "day", "department"], name="kpi_breakdown_span")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.key}"


class KpiStale(models.Model):
    """A mark "the summary of the day holding this moment is out of date", written by PostgreSQL
    triggers on every change that can move a KPI (complaints, escalations, clocks, reopenings,
    compensation, corrective actions, the KPI settings); consumed by the refresh."""

    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stale KPI day")
        verbose_name_plural = _("stale KPI days")
        indexes = [models.Index(fields=["received_at"], name="kpi_stale_received")]

    def __str__(self) -> str:
        return str(self.received_at)
