"""Quality records of a complaint: the root-cause analysis (5W2H, fishbone causes, responsibility),
corrective actions with their verifications, and the side process that gives another department a
task for its action."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords
from viewflow.workflow.models import Process

from complaints.choices import ActionArea, ActionKind, ActionStatus, CauseVerdict
from complaints.models.side import CaseArtifact

# The 5W2H of the problem, in the order the forms and the 8D report show them.
FIVE_W_TWO_H = ("what", "why", "who", "where", "when", "how", "how_much")


class CauseCategory(models.Model):
    """A bone of the fishbone (the 6M by default: man, machine, material, method, environment,
    measurement). Admin-edited; the root-cause Pareto counts causes per category."""

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Stable key for reports and the configuration export.")
    )
    # One column per language (name_zh_hans, name_en: complaints/translation.py).
    name = models.CharField(_("name"), max_length=60)
    order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Bones are drawn in this order, alternating top and bottom.")
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive categories take no new causes; causes already on them keep their bone."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cause category")
        verbose_name_plural = _("cause categories (fishbone)")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the current language (the other one while it is empty)."""
        return self.name


class RootCauseAnalysis(models.Model):
    """The analysis step's record: the problem in 5W2H, the root cause in one sentence, and the
    department that carries most of the responsibility (from the responsibility shares)."""

    complaint = models.OneToOneField("complaints.Complaint", on_delete=models.CASCADE, related_name="root_cause")
    what = models.TextField(pgettext_lazy("5W2H", "What happened"), blank=True)
    why = models.TextField(pgettext_lazy("5W2H", "Why it is a problem"), blank=True)
    who = models.TextField(pgettext_lazy("5W2H", "Who found it / who is affected"), blank=True)
    where = models.TextField(pgettext_lazy("5W2H", "Where"), blank=True)
    when = models.TextField(pgettext_lazy("5W2H", "When"), blank=True)
    how = models.TextField(pgettext_lazy("5W2H", "How it was found"), blank=True)
    how_much = models.TextField(pgettext_lazy("5W2H", "How much / how many"), blank=True)
    description = models.TextField(_("root cause in one sentence"), blank=True)
    cause_category = models.CharField(
        _("main cause category"),
        max_length=40,
        blank=True,
        help_text=_("Code of the category of the first confirmed cause, set when the analysis is completed."),
    )
    responsible_department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The department with the largest responsibility share."),
    )
    analysed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    analysed_at = models.DateTimeField(_("analysed at"), auto_now=True)

    class Meta:
        verbose_name = _("root-cause analysis")
        verbose_name_plural = _("root-cause analyses")

    def __str__(self) -> str:
        return self.description[:40] or self.what[:40]

    def five_w_two_h(self) -> list[tuple[str, str, str]]:
        """(field name, label, text) for each of the seven questions."""
        return [(name, five_w_two_h_label(name), getattr(self, name)) for name in FIVE_W_TWO_H]


def five_w_two_h_label(name: str) -> str:
    """The translated label of one 5W2H question."""
    field = RootCauseAnalysis._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.verbose_name)


class Cause(models.Model):
    """A candidate cause on one bone of the fishbone, with its evidence and verdict; an optional
    5-whys chain digs from the symptom to the cause."""

    analysis = models.ForeignKey(RootCauseAnalysis, on_delete=models.CASCADE, related_name="causes")
    category = models.ForeignKey(
        CauseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="causes"
    )
    text = models.CharField(_("cause"), max_length=300)
    evidence = models.TextField(_("evidence"), blank=True)
    files = models.ManyToManyField(
        "complaints.Attachment", verbose_name=_("evidence files"), blank=True, related_name="causes"
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=CauseVerdict.choices, default=CauseVerdict.OPEN)
    whys = models.JSONField(_("5 whys"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cause")
        verbose_name_plural = _("causes")
        ordering = ["category__order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def is_root(self) -> bool:
        return self.verdict == CauseVerdict.CONFIRMED


class Responsibility(models.Model):
    """A share of the responsibility for the complaint: a department or a named outside party
    (a supplier, a carrier). Shares feed the KPIs and total at most 100 %."""

    analysis = models.ForeignKey(RootCauseAnalysis, on_delete=models.CASCADE, related_name="responsibilities")
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    party = models.CharField(_("outside party"), max_length=100, blank=True)
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["-share", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(share__gt=0, share__lte=100), name="responsibility_share_0_100"),
            models.CheckConstraint(
                condition=models.Q(department__isnull=False) | ~models.Q(party=""),
                name="responsibility_has_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder}: {self.share} %"

    @property
    def holder(self) -> str:
        return str(self.department) if self.department_id else self.party

    def clean(self) -> None:
        if self.department_id is None and not self.party.strip():
            raise ValidationError(_("Name a department or an outside party."))


class CorrectiveAction(models.Model):
    """A temporary (containment) or permanent action: who does what by when, what it cost, the
    evidence that it was done, and the causes it addresses."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    area = models.CharField(_("what it changes"), max_length=20, choices=ActionArea.choices, blank=True)
    description = models.TextField(_("description"))
    causes = models.ManyToManyField(Cause, verbose_name=_("causes addressed"), blank=True, related_name="actions")
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    cost = models.DecimalField(
        _("cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    evidence = models.TextField(_("evidence of implementation"), blank=True)
    files = models.ManyToManyField(
        "complaints.Attachment", verbose_name=_("evidence files"), blank=True, related_name="actions"
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    reopened_reason = models.TextField(_("why it was reopened"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0), name="action_cost_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"


class ActionVerification(models.Model):
    """Quality's verdict on one action: the evidence, and for "not effective" why it was reopened."""

    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="verifications")
    effective = models.BooleanField(_("effective"))
    evidence = models.TextField(_("evidence"))
    reason = models.TextField(_("why not effective"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("action verification")
        verbose_name_plural = _("action verifications")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action_id}: {'effective' if self.effective else 'not effective'}"


class ActionTask(CaseArtifact, Process):
    """The process row of a corrective action assigned to another department: its task waits in
    that department's queue until the action is reported done."""

    case = models.ForeignKey(
        "complaints.Complaint", verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="action_tasks"
    )
    action = models.ForeignKey(
        CorrectiveAction, verbose_name=_("action"), on_delete=models.CASCADE, related_name="tasks"
    )
    department = models.ForeignKey(
        "complaints.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("corrective action task")
        verbose_name_plural = _("corrective action tasks")

    def __str__(self) -> str:
        return f"{self.case} → {self.department}"
