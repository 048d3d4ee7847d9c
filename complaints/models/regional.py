"""Regions within bounds: HQ says which numbers a region may set and within which bounds; regional
admins set their values for their department subtree. Selectors resolve the value per complaint."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import VaryingSetting
from complaints.rules.regional import LEVEL_SETTINGS, NUMBER_SETTINGS, PRIORITY_SETTINGS, within_bounds

APPLIES = _(
    "Applies to deadlines, authority checks and follow-ups computed after the change; open complaints keep "
    "their deadlines unless you recompute them (action on escalation levels)."
)


class RegionalBound(models.Model):
    """HQ's word on one varying number: whether regions may set their own value, and the bounds."""

    setting = models.CharField(_("number"), max_length=20, choices=VaryingSetting.choices)
    level = models.ForeignKey(
        "complaints.EscalationLevel",
        verbose_name=_("level"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Required for the numbers of a level (times, authority, warning, calendar)."),
    )
    priority = models.ForeignKey(
        "complaints.Priority",
        verbose_name=_("priority"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Required for times to respond and resolve."),
    )
    may_override = models.BooleanField(
        _("regions may set their own value"),
        default=True,
        help_text=format_lazy("{} {}", _("Off: HQ's value applies everywhere, whatever a region has set."), APPLIES),
    )
    minimum = models.DecimalField(
        _("lowest allowed"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("In the number's own unit (the unit of HQ's time limit, CNY, percent, hours). Empty: no minimum."),
    )
    maximum = models.DecimalField(
        _("highest allowed"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: no maximum. A regional value outside the bounds is ignored (HQ's value applies)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("regional bound")
        verbose_name_plural = _("regional bounds (HQ)")
        ordering = ["setting", "level__rank", "priority__rank", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum__isnull=True)
                | models.Q(maximum__isnull=True)
                | models.Q(minimum__lte=models.F("maximum")),
                name="regional_bound_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        parts = [str(self.get_setting_display())]
        if self.level_id:
            parts.append(str(self.level))
        if self.priority is not None:
            parts.append(str(self.priority.code))
        return " · ".join(parts)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.setting in LEVEL_SETTINGS and self.level_id is None:
            errors["level"] = _("Choose the level this number belongs to.")
        if self.setting not in LEVEL_SETTINGS and self.level_id is not None:
            errors["level"] = _("This number is not a level's: leave the level empty.")
        if self.setting in PRIORITY_SETTINGS and self.priority_id is None:
            errors["priority"] = _("Choose the priority whose time limit this is.")
        if self.setting not in PRIORITY_SETTINGS and self.priority_id is not None:
            errors["priority"] = _("This number does not depend on the priority: leave the priority empty.")
        if self.setting not in NUMBER_SETTINGS and (self.minimum is not None or self.maximum is not None):
            errors["minimum"] = _("A calendar has no bounds: leave them empty.")
        for name in ("minimum", "maximum"):
            bound = getattr(self, name)
            if bound is not None and bound < 0:
                errors[name] = _("Must not be negative.")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            errors["maximum"] = _("The highest allowed value is below the lowest.")
        scope: dict[str, Any] = {"setting": self.setting, "level": self.level_id, "priority": self.priority_id}
        same = RegionalBound.objects.filter(**scope)
        if same.exclude(pk=self.pk).exists():
            errors["setting"] = _("HQ has already set the bounds of this number.")
        if errors:
            raise ValidationError(errors)


class RegionalValue(models.Model):
    """A department's own value of a number HQ lets regions set; it covers the department's subtree."""

    bound = models.ForeignKey(
        RegionalBound, verbose_name=_("number"), on_delete=models.CASCADE, related_name="regional_values"
    )
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="regional_values",
        help_text=_("The value applies to complaints of this department and the departments below it."),
    )
    value = models.DecimalField(
        _("value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=format_lazy("{} {}", _("In the number's own unit, within HQ's bounds."), APPLIES),
    )
    calendar = models.ForeignKey(
        "complaints.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for the business calendar of a level."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("regional value")
        verbose_name_plural = _("regional values")
        ordering = ["department__code", "bound__setting", "pk"]
        constraints = [models.UniqueConstraint(fields=["bound", "department"], name="regional_value_unique")]

    def __str__(self) -> str:
        shown = self.calendar if self.bound.setting == VaryingSetting.CALENDAR else self.value
        return f"{self.department} · {self.bound}: {shown}"

    def clean(self) -> None:
        if self.bound_id is None:
            return
        bound = self.bound
        errors: dict[str, Any] = {}
        if not bound.may_override:
            errors["bound"] = _("HQ does not let regions set this number.")
        if self.department_id is not None and self.department.parent_id is None:
            errors["department"] = _("HQ's own value is set on the level or in the process settings, not here.")
        if bound.setting == VaryingSetting.CALENDAR:
            if self.calendar_id is None:
                errors["calendar"] = _("Choose the calendar.")
            if self.value is not None:
                errors["value"] = _("A calendar has no number: leave the value empty.")
        else:
            if self.calendar_id is not None:
                errors["calendar"] = _("Only the business calendar of a level takes a calendar.")
            if self.value is None:
                errors["value"] = _("Enter the value.")
            elif not within_bounds(value=self.value, minimum=bound.minimum, maximum=bound.maximum):
                errors["value"] = _("%(value)s is outside HQ's bounds: %(minimum)s to %(maximum)s.") % {
                    "value": self.value,
                    "minimum": "—" if bound.minimum is None else bound.minimum,
                    "maximum": "—" if bound.maximum is None else bound.maximum,
                }
            elif bound.setting != VaryingSetting.AUTHORITY and self.value != self.value.to_integral_value():
                errors["value"] = _("Enter a whole number.")
            elif self.value <= 0 and bound.setting != VaryingSetting.AUTHORITY:
                errors["value"] = _("Must be greater than zero.")
            elif bound.setting == VaryingSetting.WARNING_PERCENT and not Decimal(1) <= self.value <= Decimal(99):
                errors["value"] = _("A warning percent is between 1 and 99.")
        if errors:
            raise ValidationError(errors)
