"""Admin: routing rules with their conditions, stage profiles and step routing."""

import threading
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.admin.conditions import ConditionInlineMixin
from complaints.admin.config import live_forms
from complaints.choices import MatchMode
from complaints.rules.routing import FieldSpec, FieldType, condition_sentence, rule_sentence
from complaints.selectors.routing import condition_text, routing_field_specs


class ConditionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if self.instance.is_default and live_forms(self):
            raise ValidationError(_("The default rule has no conditions: it applies when no other rule matches."))


class ConditionInline(ConditionInlineMixin, admin.TabularInline):
    model = models.RoutingCondition
    formset = ConditionFormSet
    extra = 1


_listing = threading.local()  # the field catalog of the rule list being drawn (one per page, not per row)


@admin.register(models.RoutingRule)
class RoutingRuleAdmin(SimpleHistoryAdmin):
    list_display = ["position", "name", "conditions_text", "sets", "active", "is_default"]
    list_display_links = ["name"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    ordering = ["is_default", "position", "pk"]
    inlines = [ConditionInline]
    fields = ["position", "name", "active", "match", "reads_as", "set_department", "set_priority", "set_level"]
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
        return ["reads_as", "active"] if obj is not None and obj.is_default else ["reads_as"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # The list is drawn after this returns (a TemplateResponse), on this thread: its rows read
        # the catalog built here instead of building one each.
        _listing.specs = routing_field_specs()
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("when"))
    def conditions_text(self, obj: models.RoutingRule) -> str:
        return self._sentence(obj, getattr(_listing, "specs", None) or routing_field_specs())

    @admin.display(description=_("applies when"))
    def reads_as(self, obj: models.RoutingRule | None) -> str:
        if obj is None or obj.pk is None:
            return str(_("Save the rule to read it as a sentence; each condition below reads as it is picked."))
        return self._sentence(obj, routing_field_specs())

    def _sentence(self, obj: models.RoutingRule, specs: Any) -> str:
        if obj.is_default:
            return str(_("no other rule matches"))
        sentences = [
            condition_text(field=c.field, operator=c.operator, value=c.value, specs=specs) for c in obj.conditions.all()
        ]
        return rule_sentence(sentences=sentences, match_all=obj.match == MatchMode.ALL)

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
        "applies_to",
        "verification",
        "root_cause",
        "permanent_actions",
        "effectiveness",
        "customer_confirmation",
        "follow_up",
    ]
    list_select_related = ["category", "priority"]
    inlines = [ProfileRouteInline]
    readonly_fields = ["applies_to"]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "category", "priority", "applies_to"],
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

    @admin.display(description=_("applies to"))
    def applies_to(self, obj: models.StageProfile | None) -> str:
        """The profile's scope as the same sentence conditions read as (the category covers its subcategories)."""
        if obj is None or obj.pk is None:
            return ""
        sentences = []
        if obj.category is not None:
            category = FieldSpec(
                "category",
                FieldType.PATH,
                str(models.Category._meta.verbose_name),
                (obj.category.code,),
                (obj.category.name,),
                tree=True,
            )
            sentences.append(condition_sentence(spec=category, operator="eq", raw=obj.category.code))
        if obj.priority is not None:
            priority = FieldSpec(
                "priority",
                FieldType.CHOICE,
                str(models.Priority._meta.verbose_name),
                (obj.priority.code,),
                (str(obj.priority),),
            )
            sentences.append(condition_sentence(spec=priority, operator="eq", raw=obj.priority.code))
        return rule_sentence(sentences=sentences, match_all=True) if sentences else str(_("every complaint"))


@admin.register(models.StageRoute)
class StageRouteAdmin(SimpleHistoryAdmin):
    list_display = ["stage", "role", "department", "profile", "follows_escalation", "assign_to", "assign_after"]
    list_filter = ["profile", "role"]
    list_select_related = ["role", "department", "profile"]
    autocomplete_fields = ["department"]
