"""Routing rules (department, priority, starting level) and stage profiles (which steps run)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import MatchMode, Operator
from complaints.models.help import AT_NEXT_STAGE, NEXT_COMPLAINT
from complaints.rules.routing import ConditionInvalid, parse_condition_value


class RoutingRule(models.Model):
    """Ordered conditions that set a complaint's department, priority or starting level.

    The first active rule whose conditions hold wins; the default rule applies when none does
    and fills in whatever the winning rule leaves empty.
    """

    position = models.PositiveIntegerField(
        _("order"), help_text=_("Rules are tried from the lowest number up. The default rule always comes last.")
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Shown in the dry run and in the complaint's triage record.")
    )
    active = models.BooleanField(_("active"), default=True, help_text=NEXT_COMPLAINT)
    is_default = models.BooleanField(
        _("default rule"),
        default=False,
        editable=False,
        help_text=_("Applies when no other rule matches; it has no conditions and cannot be deleted."),
    )
    match = models.CharField(
        _("match when"), max_length=5, choices=MatchMode.choices, default=MatchMode.ALL, help_text=NEXT_COMPLAINT
    )
    set_department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("set department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the department that registered the complaint."),
    )
    set_priority = models.ForeignKey(
        "complaints.Priority",
        verbose_name=_("set priority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the default rule's priority. Applies to complaints triaged after the change."),
    )
    set_level = models.ForeignKey(
        "complaints.EscalationLevel",
        verbose_name=_("set starting level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the default rule's level. Applies to complaints triaged after the change."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["is_default", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_rule")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.is_default and (self.set_priority_id is None or self.set_level_id is None):
            raise ValidationError(_("The default rule must set a priority and a starting level."))
        if self.is_default and not self.active:
            raise ValidationError({"active": _("The default rule is always active.")})
        if not self.is_default and not (self.set_department_id or self.set_priority_id or self.set_level_id):
            raise ValidationError(_("A rule must set at least one of department, priority or starting level."))


class ConditionFields(models.Model):
    """One test over a complaint field: field, operator, value. Routing rules and custom steps hold
    conditions of this one shape, checked and evaluated by complaints.rules.routing."""

    field = models.CharField(
        _("field"),
        max_length=80,
        help_text=_("A complaint field or an admin-defined form field (see the routing preview for the list)."),
    )
    operator = models.CharField(_("operator"), max_length=15, choices=Operator.choices)
    value = models.CharField(
        _("value"),
        max_length=500,
        blank=True,
        help_text=_("Codes for choices, categories and departments; separate lists with commas. Takes effect at once."),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.field} {self.get_operator_display()} {self.value}".strip()  # type: ignore[attr-defined]

    def field_specs(self) -> dict[str, Any]:
        """The fields this kind of condition may test (routing_field_specs for routing rules)."""
        from complaints.selectors.routing import routing_field_specs

        return routing_field_specs()

    def clean(self) -> None:
        specs = self.field_specs()
        spec = specs.get(self.field)
        if spec is None:
            raise ValidationError(
                {
                    "field": _("There is no field “%(field)s”. Known fields: %(fields)s.")
                    % {
                        "field": self.field,
                        "fields": ", ".join(sorted(specs, key=lambda n: (n.startswith("form."), n))),
                    }
                }
            )
        try:
            parse_condition_value(spec=spec, operator=self.operator, raw=self.value)
        except ConditionInvalid as error:
            raise ValidationError({"value": str(error)}) from None


class RoutingCondition(ConditionFields):
    """One test of a routing rule."""

    rule = models.ForeignKey(RoutingRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="conditions")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["rule", "pk"]


STAGE_SWITCHES = (
    "verification",
    "root_cause",
    "permanent_actions",
    "effectiveness",
    "customer_confirmation",
    "follow_up",
)


class StageProfile(models.Model):
    """Which optional stages run for a category (and optionally a priority), and who handles them.

    Intake, triage, first response and resolution (containment) always run. The most specific
    profile wins: category + priority, then category, then a parent category, then priority
    alone, then the default profile (no category, no priority).
    """

    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        "complaints.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stage_profiles",
        help_text=_("Empty: any category. A profile also covers the category's subcategories."),
    )
    priority = models.ForeignKey(
        "complaints.Priority",
        verbose_name=_("priority"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stage_profiles",
        help_text=_("Empty: any priority."),
    )
    verification = models.BooleanField(_("verification"), default=True, help_text=AT_NEXT_STAGE)
    root_cause = models.BooleanField(_("root-cause analysis"), default=True, help_text=AT_NEXT_STAGE)
    permanent_actions = models.BooleanField(_("permanent corrective actions"), default=True, help_text=AT_NEXT_STAGE)
    effectiveness = models.BooleanField(_("effectiveness verification"), default=True, help_text=AT_NEXT_STAGE)
    customer_confirmation = models.BooleanField(_("customer confirmation"), default=True, help_text=AT_NEXT_STAGE)
    follow_up = models.BooleanField(_("follow-up"), default=True, help_text=AT_NEXT_STAGE)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage profile")
        verbose_name_plural = _("stage profiles")
        ordering = ["category__code", "priority__rank", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="stage_profile_unique"),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(priority__isnull=True, category__isnull=False),
                name="stage_profile_category_only",
            ),
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(category__isnull=True, priority__isnull=False),
                name="stage_profile_priority_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_default(self) -> bool:
        return self.category_id is None and self.priority_id is None

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.effectiveness and not self.permanent_actions:
            errors["effectiveness"] = _("Effectiveness verification needs permanent corrective actions.")
        same = StageProfile.objects.filter(
            models.Q(category_id=self.category_id) & models.Q(priority_id=self.priority_id)
        ).exclude(pk=self.pk)
        if same.exists():
            errors["category"] = _("Another profile already covers this category and priority.")
        if errors:
            raise ValidationError(errors)

    def runs(self, stage: str) -> bool:
        """Returns whether an optional stage runs under this profile (stages not listed always run)."""
        return bool(getattr(self, stage)) if stage in STAGE_SWITCHES else True
