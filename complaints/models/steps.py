"""Custom steps: process steps an admin adds as data (a legal review for P0 before permanent actions,
a PR sign-off, a supplier's answer). Each has a form (a versioned form like the intake forms), who
does it, a time limit per priority (a clock like any other), the fixed point of the process where
it runs and a condition (routing conditions' shape) saying for which complaints.

A run of a step on one complaint is a process of its own flow (CustomStepRun), like a
collaboration request; the complaint's process waits at the point until every run is finished."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow.workflow.models import Process

from complaints.choices import AssignRule, MatchMode, RoutedStage, StepBack, StepPoint, StepRunStatus, TimeUnit
from complaints.models.help import AT_NEXT_STAGE
from complaints.models.routing import ConditionFields
from complaints.models.side import CaseArtifact
from complaints.rules.steps import BACK_TARGETS

# Who may get a custom step's task without claiming it (AssignRule's choices that need no load count).
STEP_ASSIGN_RULES = [
    (rule.value, rule.label) for rule in (AssignRule.QUEUE, AssignRule.CASE_OWNER, AssignRule.EARLIER_STEP)
]


class CustomStep(models.Model):
    """A step the admin adds to the complaint process at one of its fixed points."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Used in exports, the API and imports."))
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("active"), default=True, help_text=AT_NEXT_STAGE)
    point = models.CharField(
        _("runs at"),
        max_length=30,
        choices=StepPoint.choices,
        help_text=format_lazy(
            "{} {}",
            _(
                "The point of the process where the step runs. Several steps at one point run in parallel; the "
                "process continues when all are done."
            ),
            AT_NEXT_STAGE,
        ),
    )
    position = models.PositiveIntegerField(_("order"), default=0, help_text=_("Order of the steps at one point."))
    match = models.CharField(
        _("runs when"),
        max_length=5,
        choices=MatchMode.choices,
        default=MatchMode.ALL,
        help_text=_("With no condition the step runs for every complaint reaching its point."),
    )
    role = models.ForeignKey(
        "complaints.Role",
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The role that does the step: its task waits in this role's queue."),
    )
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the complaint's own department. Applies to tasks created after the change."),
    )
    assign_to = models.CharField(
        _("new task goes to"),
        max_length=20,
        choices=STEP_ASSIGN_RULES,
        default=AssignRule.QUEUE,
        help_text=_(
            "Who gets a new task of this step without claiming it. The person must hold the step's queue; "
            "otherwise the task waits in the queue."
        ),
    )
    assign_after = models.CharField(
        _("earlier step"),
        max_length=40,
        choices=RoutedStage.choices,
        blank=True,
        help_text=_("With “whoever did a named earlier step”: the step whose latest performer gets the task."),
    )
    gate = models.BooleanField(
        _("gate"),
        default=False,
        help_text=_(
            "A gate may be refused: the case then goes back to the stage named below and the other open "
            "steps of the point are cancelled."
        ),
    )
    refused_back_to = models.CharField(
        _("refused: back to"), max_length=30, choices=StepBack.choices, blank=True, help_text=AT_NEXT_STAGE
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("custom step")
        verbose_name_plural = _("custom steps")
        ordering = ["point", "position", "code"]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        from complaints.rules.intake_forms import pick_language

        return pick_language(language or get_language() or "en", self.name_zh_hans, self.name_en)

    def clean(self) -> None:
        if self.assign_to == AssignRule.EARLIER_STEP and not self.assign_after:
            raise ValidationError({"assign_after": _("Name the earlier step whose performer gets the task.")})
        if self.gate:
            allowed = BACK_TARGETS.get(self.point, ())
            if not allowed:
                raise ValidationError({"gate": _("No stage comes before this point: a step here cannot be a gate.")})
            if self.refused_back_to not in allowed:
                raise ValidationError(
                    {
                        "refused_back_to": _("Choose a stage before the step's point: %(stages)s.")
                        % {"stages": ", ".join(str(StepBack(s).label) for s in allowed)}
                    }
                )
        elif self.refused_back_to:
            raise ValidationError({"refused_back_to": _("Only a gate sends the case back.")})


class CustomStepCondition(ConditionFields):
    """One test of a custom step: the same fields as routing conditions, plus priority and level."""

    step = models.ForeignKey(CustomStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="conditions")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["step", "pk"]

    def field_specs(self) -> dict[str, Any]:
        from complaints.selectors.steps import step_field_specs

        return step_field_specs()


class CustomStepLimit(models.Model):
    """How long a custom step may take for one priority, counted in the complaint's level's time."""

    step = models.ForeignKey(CustomStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="limits")
    priority = models.ForeignKey(
        "complaints.Priority", verbose_name=_("priority"), on_delete=models.CASCADE, related_name="+"
    )
    amount = models.PositiveIntegerField(
        _("done within"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "The step's task is due this long after it is created, counted in the level's time, and warned "
            "at the level's percentage; what a breach does is the level's clock rule for custom steps. "
            "Applies to tasks created after the change."
        ),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=TimeUnit.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("custom step time limit")
        verbose_name_plural = _("custom step time limits")
        ordering = ["step", "priority__rank"]
        constraints = [
            models.UniqueConstraint(fields=["step", "priority"], name="custom_step_limit_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="custom_step_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.step} · {self.priority}"


class CustomStepRun(CaseArtifact, Process):
    """One custom step on one complaint: its task, the form version it asks, the answer."""

    case = models.ForeignKey(
        "complaints.Complaint", verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="step_runs"
    )
    step = models.ForeignKey(CustomStep, verbose_name=_("step"), on_delete=models.PROTECT, related_name="runs")
    point = models.CharField(_("runs at"), max_length=30, choices=StepPoint.choices)
    batch = models.PositiveBigIntegerField(
        _("batch"), default=0, help_text=_("The steps started together at one pass of the point.")
    )
    form_version = models.ForeignKey(
        "complaints.FormVersion",
        verbose_name=_("form"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The form version the task asks (a later version applies to later tasks)."),
    )
    queue = models.CharField(_("queue"), max_length=255, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=StepRunStatus.choices, default=StepRunStatus.OPEN, db_index=True
    )
    note = models.TextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("custom step run")
        verbose_name_plural = _("custom step runs")
        indexes = [models.Index(fields=["case", "point", "batch"], name="step_run_case_point")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.step}"
