"""Admin: routing rules with their conditions, stage profiles and step routing."""

import json
import threading
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.admin.conditions import ConditionInlineMixin, changelist_drawn_with, dress_condition_fields
from complaints.admin.config import live_forms
from complaints.choices import MatchMode, Operator
from complaints.models.routing import STAGE_SWITCHES
from complaints.rules.routing import (
    ConditionInvalid,
    operator_phrase,
    parse_condition_value,
    rule_sentence,
)
from complaints.selectors.routing import (
    condition_catalog,
    condition_text,
    routing_field_specs,
    stage_profile_field_specs,
)


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


# A stage profile's scope is at most two conditions: "category is …" and "priority is …".
SCOPE_ROWS = 2
SCOPE_OPERATORS = frozenset({"eq"})


_profiles = threading.local()  # the scope catalog of the profile list being drawn (one per page)


def scope_of(profile: models.StageProfile) -> list[tuple[str, str]]:
    """The profile's scope as builder conditions: ("category", code) and ("priority", code)."""
    scope = []
    if profile.category is not None:
        scope.append(("category", profile.category.code))
    if profile.priority is not None:
        scope.append(("priority", profile.priority.code))
    return scope


def scope_names(row: int) -> tuple[str, str, str]:
    return f"when_{row}_field", f"when_{row}_operator", f"when_{row}_value"


class StageProfileForm(forms.ModelForm):
    """A stage profile's scope picked with the condition builder, like routing rules and custom steps:
    "category is …" (it covers the subcategories) and "priority is …", stored in the profile's
    category and priority. Import files carry the codes (config_import); here they are picked."""

    # Declared for the admin's fieldsets; dressed as the builder's pickers in __init__.
    when_0_field = forms.CharField(label=_("field"), required=False)
    when_0_operator = forms.ChoiceField(
        label=_("operator"), required=False, choices=[("", "---------"), *Operator.choices]
    )
    when_0_value = forms.CharField(label=_("value"), required=False)
    when_1_field = forms.CharField(label=_("field"), required=False)
    when_1_operator = forms.ChoiceField(
        label=_("operator"), required=False, choices=[("", "---------"), *Operator.choices]
    )
    when_1_value = forms.CharField(label=_("value"), required=False)

    class Meta:
        model = models.StageProfile
        fields = ["name", *STAGE_SWITCHES]

    class Media:
        js = ("redress/condition-builder.js",)
        css = {"all": ("redress/condition-builder.css",)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.specs = stage_profile_field_specs()
        catalog_json = json.dumps(condition_catalog(self.specs, SCOPE_OPERATORS), ensure_ascii=False)
        stored = scope_of(self.instance)
        for row in range(SCOPE_ROWS):
            names = scope_names(row)
            picked = stored[row] if row < len(stored) else ("", "")
            for name, initial in zip(names, (picked[0], "eq" if picked[0] else "", picked[1]), strict=True):
                self.initial.setdefault(name, initial)
            dress_condition_fields(
                *(self.fields[name] for name in names), specs=self.specs, catalog_json=catalog_json, stored=picked[0]
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked: dict[str, str] = {}
        for row in range(SCOPE_ROWS):
            field_name, operator_name, value_name = scope_names(row)
            field = (data.get(field_name) or "").strip()
            operator = data.get(operator_name) or ""
            value = (data.get(value_name) or "").strip()
            if not field and not value:
                continue
            spec = self.specs.get(field)
            if spec is None:
                self.add_error(
                    field_name,
                    _("A stage profile applies by %(fields)s; “%(field)s” cannot be picked here.")
                    % {"fields": _(" and ").join(s.label for s in self.specs.values()), "field": field or "—"},
                )
                continue
            if field in picked:
                self.add_error(field_name, _("“%(field)s” is picked twice; pick it once.") % {"field": spec.label})
                continue
            if operator not in SCOPE_OPERATORS:
                self.add_error(
                    operator_name,
                    _("A stage profile names one %(field)s: choose “%(operator)s”.")
                    % {"field": spec.label, "operator": operator_phrase(spec=spec, operator="eq")},
                )
                continue
            try:
                parse_condition_value(spec=spec, operator=operator, raw=value)
            except ConditionInvalid as error:
                self.add_error(value_name, str(error))
                continue
            picked[field] = value
        if any(name.startswith("when_") for name in self.errors):
            return data
        self.instance.category = models.Category.objects.get(code=picked["category"]) if "category" in picked else None
        self.instance.priority = models.Priority.objects.get(code=picked["priority"]) if "priority" in picked else None
        return data

    def _update_errors(self, errors: ValidationError) -> None:
        # The model names its category and priority; here they are the picked scope, above the rows.
        if hasattr(errors, "error_dict"):
            moved: dict[str, list[Any]] = {}
            for name, messages in errors.error_dict.items():
                key = NON_FIELD_ERRORS if name in ("category", "priority") else name
                moved.setdefault(key, []).extend(messages)
            errors = ValidationError(moved)
        super()._update_errors(errors)  # type: ignore[misc]


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
    form = StageProfileForm
    readonly_fields = ["applies_to"]
    fieldsets = [
        (
            None,
            {
                "fields": ["name"],
                "description": _(
                    "Intake, triage, first response and resolution (containment) always run. The most "
                    "specific profile applies; it is chosen at triage, and its switches are read when the "
                    "complaint reaches each stage, so a change applies to open complaints from their next stage."
                ),
            },
        ),
        (
            _("Applies to complaints where"),
            {
                "fields": [scope_names(row) for row in range(SCOPE_ROWS)] + ["applies_to"],
                "description": _(
                    "Pick the category (it covers its subcategories), the priority, or both; nothing picked: "
                    "the default profile, for every complaint no other profile covers."
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

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # The rows read their scope with one catalog built here (drawn now, then dropped).
        draw = super().changelist_view
        return changelist_drawn_with(_profiles, stage_profile_field_specs(), lambda: draw(request, extra_context))

    @admin.display(description=_("applies to"))
    def applies_to(self, obj: models.StageProfile | None) -> str:
        """The profile's scope as the sentence the builder reads (the category covers its subcategories)."""
        if obj is None or obj.pk is None:
            return ""
        specs = getattr(_profiles, "specs", None) or stage_profile_field_specs()
        sentences = [condition_text(field=name, operator="eq", value=code, specs=specs) for name, code in scope_of(obj)]
        return capfirst(rule_sentence(sentences=sentences, match_all=True)) if sentences else str(_("every complaint"))


@admin.register(models.StageRoute)
class StageRouteAdmin(SimpleHistoryAdmin):
    list_display = ["stage", "role", "department", "profile", "follows_escalation", "assign_to", "assign_after"]
    list_filter = ["profile", "role"]
    list_select_related = ["role", "department", "profile"]
    autocomplete_fields = ["department"]
