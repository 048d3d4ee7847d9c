"""Admin: routing rules with their conditions, stage profiles and step routing."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.admin.config import live_forms
from complaints.choices import MatchMode
from complaints.selectors.routing import routing_field_specs


class ConditionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if self.instance.is_default and live_forms(self):
            raise ValidationError(_("The default rule has no conditions: it applies when no other rule matches."))


class ConditionInline(admin.TabularInline):
    model = models.RoutingCondition
    formset = ConditionFormSet
    extra = 1

    def field_specs(self) -> dict[str, Any]:
        """The fields the conditions of this inline may test."""
        return routing_field_specs()

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        specs = self.field_specs()
        formset.form.base_fields["field"].help_text = _("One of: %(fields)s.") % {
            "fields": ", ".join(f"{name} ({spec.label})" for name, spec in specs.items())
        }
        return formset


@admin.register(models.RoutingRule)
class RoutingRuleAdmin(SimpleHistoryAdmin):
    list_display = ["position", "name", "conditions_text", "sets", "active", "is_default"]
    list_display_links = ["name"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    ordering = ["is_default", "position", "pk"]
    inlines = [ConditionInline]
    fields = ["position", "name", "active", "match", "set_department", "set_priority", "set_level"]
    autocomplete_fields = ["set_department"]
    change_list_template = "admin/complaints/routingrule/change_list.html"  # adds the dry-run button

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.RoutingRule]:
        return (
            super()
            .get_queryset(request)
            .select_related("set_department", "set_priority", "set_level")
            .prefetch_related("conditions")
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (obj is None or not obj.is_default) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[models.RoutingRule]) -> None:
        super().delete_queryset(request, queryset.filter(is_default=False))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["active"] if obj is not None and obj.is_default else []

    @admin.display(description=_("when"))
    def conditions_text(self, obj: models.RoutingRule) -> str:
        if obj.is_default:
            return str(_("no other rule matches"))
        joiner = str(_(" and ")) if obj.match == MatchMode.ALL else str(_(" or "))
        return joiner.join(str(c) for c in obj.conditions.all()) or str(_("always"))

    @admin.display(description=_("sets"))
    def sets(self, obj: models.RoutingRule) -> str:
        parts = [str(x) for x in (obj.set_department, obj.set_priority, obj.set_level) if x is not None]
        return " · ".join(parts)


class ProfileRouteInline(admin.TabularInline):
    model = models.StageRoute
    extra = 0
    autocomplete_fields = ["department"]
    verbose_name_plural = _("who handles each step for this profile (steps not listed use the general step routing)")


@admin.register(models.StageProfile)
class StageProfileAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "category",
        "priority",
        "verification",
        "root_cause",
        "permanent_actions",
        "effectiveness",
        "customer_confirmation",
        "follow_up",
    ]
    list_select_related = ["category", "priority"]
    inlines = [ProfileRouteInline]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "category", "priority"],
                "description": _(
                    "Intake, triage, first response and resolution (containment) always run. The most "
                    "specific profile applies; it is chosen at triage, and its switches are read when the "
                    "complaint reaches each stage, so a change applies to open complaints from their next stage."
                ),
            },
        ),
        (
            _("Optional stages"),
            {
                "fields": [
                    "verification",
                    "root_cause",
                    "permanent_actions",
                    "effectiveness",
                    "customer_confirmation",
                    "follow_up",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (obj is None or not obj.is_default) and super().has_delete_permission(request, obj)


@admin.register(models.StageRoute)
class StageRouteAdmin(SimpleHistoryAdmin):
    list_display = ["stage", "role", "department", "profile", "follows_escalation", "assign_to", "assign_after"]
    list_filter = ["profile", "role"]
    list_select_related = ["role", "department", "profile"]
    autocomplete_fields = ["department"]
