"""Admin: custom steps (where and when they run, who does them, their time limits, their form)."""

import threading
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.admin.conditions import changelist_drawn_with
from complaints.admin.routing import ConditionInline
from complaints.choices import MatchMode
from complaints.rules.routing import rule_sentence
from complaints.selectors.routing import condition_text
from complaints.selectors.steps import step_field_specs
from complaints.services.intake_forms import form_draft

_steps = threading.local()  # the field catalog of the step list being drawn (one per page)


class StepConditionInline(ConditionInline):
    """The step's conditions: the routing conditions' fields, plus priority and level."""

    model = models.CustomStepCondition  # type: ignore[assignment]
    formset = BaseInlineFormSet  # type: ignore[assignment]
    extra = 0
    verbose_name_plural = gettext_lazy("runs for complaints where (no condition: every complaint reaching the point)")

    condition_specs = staticmethod(step_field_specs)


class StepLimitInline(admin.TabularInline):
    model = models.CustomStepLimit
    extra = 0
    verbose_name_plural = gettext_lazy(
        "time limits per priority (optional: the task is due this long after it is created, warned at the "
        "level's percentage; the level's clock rule for custom steps says what a breach does)"
    )


@admin.register(models.CustomStep)
class CustomStepAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "point", "position", "conditions_text", "role", "department", "gate", "active"]
    list_display_links = ["name"]
    list_editable = ["position", "active"]
    list_filter = ["point", "active", "gate"]
    search_fields = ["code", "name_zh_hans", "name_en"]
    inlines = [StepConditionInline, StepLimitInline]
    autocomplete_fields = ["department"]
    readonly_fields = ["form_links"]
    fieldsets = [
        (None, {"fields": ["code", "name_zh_hans", "name_en", "active"]}),
        (gettext_lazy("Where and when"), {"fields": ["point", "position", "match"]}),
        (gettext_lazy("Who"), {"fields": ["role", "department", "assign_to", "assign_after"]}),
        (gettext_lazy("Gate"), {"fields": ["gate", "refused_back_to"]}),
        (gettext_lazy("Form"), {"fields": ["form_links"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.CustomStep]:
        return super().get_queryset(request).select_related("role", "department").prefetch_related("conditions")

    @admin.display(description=gettext_lazy("name"))
    def name(self, obj: models.CustomStep) -> str:
        return obj.name()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # The rows read their conditions with one catalog built here (drawn now, then dropped).
        draw = super().changelist_view
        return changelist_drawn_with(_steps, step_field_specs(), lambda: draw(request, extra_context))

    @admin.display(description=gettext_lazy("when"))
    def conditions_text(self, obj: models.CustomStep) -> str:
        """The step's condition as the sentence the builder reads, like a routing rule's."""
        specs = getattr(_steps, "specs", None) or step_field_specs()
        sentences = [
            condition_text(field=c.field, operator=c.operator, value=c.value, specs=specs) for c in obj.conditions.all()
        ]
        if not sentences:
            return _("always")
        return capfirst(rule_sentence(sentences=sentences, match_all=obj.match == MatchMode.ALL))

    @admin.display(description=gettext_lazy("form"))
    def form_links(self, obj: models.CustomStep) -> str:
        """The versions of the step's form, and the way to edit it (a draft, published when ready)."""
        if obj.pk is None:
            return _("Save the step first, then add its form.")
        versions = sorted(obj.form_versions.all(), key=lambda v: -v.number)
        links = format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> · {}',
            (
                (reverse("admin:complaints_formversion_change", args=[v.pk]), f"v{v.number}", v.get_status_display())
                for v in versions
            ),
        )
        # A button of the step's own admin form, posting it (with its CSRF token) to the form door.
        start = format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>{}</button>',
            reverse("admin:complaints_customstep_form", args=[obj.pk]),
            _("Edit the form (opens its draft)"),
        )
        return format_html("{}<br>{}", links, start) if versions else start

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [path("<int:pk>/form/", view(self.form_view), name="complaints_customstep_form"), *super().get_urls()]

    def form_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Opens the step's draft form, starting one from the version in use if there is none (POST:
        it may write a draft; the step's own fields posted along are not saved here)."""
        step = get_object_or_404(models.CustomStep, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, step):
            raise PermissionDenied
        draft = form_draft(step=step, actor=request.user)
        messages.info(
            request, _("You are editing the draft %(version)s; publish it to put it in use.") % {"version": draft}
        )
        return redirect("admin:complaints_formversion_change", draft.pk)
