"""Who is told about what, and in which words."""

import string
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import DepartmentScope, NotificationEvent, RecipientKind
from complaints.models.help import NEXT_NOTIFICATION

PLACEHOLDERS = (
    "reference",
    "customer_name",
    "priority",
    "level",
    "department",
    "stage",
    "owner",
    "due",
    "reason",
    "url",
)


def template_placeholders(text: str) -> set[str]:
    """Returns the {placeholder} names used in a template; raises ValueError on broken braces."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class NotificationRecipient(models.Model):
    """One line of a notify list: who hears about an event (P0 alert, escalation, warning, breach)."""

    event = models.CharField(_("event"), max_length=20, choices=NotificationEvent.choices, help_text=NEXT_NOTIFICATION)
    kind = models.CharField(_("recipient"), max_length=20, choices=RecipientKind.choices, help_text=NEXT_NOTIFICATION)
    role = models.ForeignKey(
        "complaints.Role", verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department_scope = models.CharField(
        _("department"),
        max_length=10,
        choices=DepartmentScope.choices,
        blank=True,
        help_text=_("For roles and department heads: where, relative to the complaint's department."),
    )
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("fixed department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification recipient")
        verbose_name_plural = _("notification recipients")
        ordering = ["event", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.get_kind_display()}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        needs_department = self.kind in (RecipientKind.ROLE, RecipientKind.HEAD)
        if self.kind == RecipientKind.ROLE and self.role_id is None:
            errors["role"] = _("Choose the role.")
        if self.kind != RecipientKind.ROLE and self.role_id is not None:
            errors["role"] = _("Only role recipients have a role.")
        if self.kind == RecipientKind.USER and self.user_id is None:
            errors["user"] = _("Choose the user.")
        if self.kind != RecipientKind.USER and self.user_id is not None:
            errors["user"] = _("Only named-user recipients have a user.")
        if needs_department and not self.department_scope:
            errors["department_scope"] = _("Say in which department.")
        if not needs_department and self.department_scope:
            errors["department_scope"] = _("Only roles and department heads have a department.")
        if self.department_scope == DepartmentScope.FIXED and self.department_id is None:
            errors["department"] = _("Choose the fixed department.")
        if self.department_scope != DepartmentScope.FIXED and self.department_id is not None:
            errors["department"] = _("Leave empty unless the department is a fixed department.")
        if errors:
            raise ValidationError(errors)


class NotificationTemplate(models.Model):
    """The words of one event's message in one language, with {placeholders}."""

    event = models.CharField(_("event"), max_length=20, choices=NotificationEvent.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, help_text=NEXT_NOTIFICATION)
    body = models.TextField(
        _("message"), help_text=_("Placeholders in braces, e.g. {reference}. Takes effect for the next notification.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["event", "language"]
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="notification_template_unique")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} ({self.language})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        for field in ("subject", "body"):
            try:
                unknown = template_placeholders(getattr(self, field) or "") - set(PLACEHOLDERS)
            except ValueError:
                errors[field] = _("Unbalanced braces: write placeholders as {reference}.")
                continue
            if unknown:
                errors[field] = _("Unknown placeholder(s) %(unknown)s. Available: %(known)s.") % {
                    "unknown": ", ".join(f"{{{name}}}" for name in sorted(unknown)),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
        if errors:
            raise ValidationError(errors)
