"""Category intake forms in the admin: draft → preview → publish; published versions are read-only
and "Edit" starts the next draft, so complaints keep the exact questions they were filed with."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from modeltranslation.utils import get_translation_fields
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.choices import FormStatus
from complaints.forms import AnswersForm, IntakeForm
from complaints.models.intake_forms import REQUIRABLE_STANDARD_FIELDS
from complaints.rules.intake_forms import FILE_KINDS, DefinitionInvalid, check_field
from complaints.selectors.customer import customer_form
from complaints.selectors.intake_forms import display_value, effective_form, form_problems, step_form
from complaints.services.intake_forms import FIELD_COLUMNS, PublishRefused, form_draft, form_publish


def _standard_choices() -> list[tuple[str, str]]:
    return [(name, str(models.Complaint._meta.get_field(name).verbose_name)) for name in REQUIRABLE_STANDARD_FIELDS]


class FormVersionForm(forms.ModelForm):
    required_standard_fields = forms.MultipleChoiceField(
        label=gettext_lazy("standard fields required for this category"),
        choices=_standard_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Optional standard fields that become required, e.g. batch and delivery date."),
    )

    class Meta:
        model = models.FormVersion
        fields = ["category", "note", "required_standard_fields"]

    def clean_category(self) -> models.Category:
        category = self.cleaned_data["category"]
        if self.instance.pk is None:
            draft = models.FormVersion.objects.filter(category=category, status=FormStatus.DRAFT).first()
            if draft is not None:
                raise ValidationError(
                    _("This category already has a draft (version %(number)s): edit that one."),
                    params={"number": draft.number},
                )
        return category


class FormFieldForm(forms.ModelForm):
    class Meta:
        model = models.FormField
        fields = list(FIELD_COLUMNS)
        widgets = {"choices": forms.Textarea(attrs={"rows": 4, "cols": 60})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("DELETE"):
            return data
        row = models.FormField(**{k: v for k, v in data.items() if k not in ("id", "version", "DELETE")})
        try:
            problems = check_field(row.definition())
        except DefinitionInvalid as error:
            problems = [str(error)]
        if problems:
            raise ValidationError(problems)
        return data


class FormFieldInline(admin.StackedInline):
    model = models.FormField
    form = FormFieldForm
    extra = 0
    ordering = ["position", "pk"]
    fieldsets = [
        (None, {"fields": [("position", "key", "kind"), ("label_zh_hans", "label_en"), ("required", "staff_only")]}),
        (
            gettext_lazy("Help, default and choices"),
            {"fields": [("help_zh_hans", "help_en"), "default", "choices"]},
        ),
        (
            gettext_lazy("Limits and pattern"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("min_value", "max_value"),
                    ("min_length", "max_length"),
                    "pattern",
                    ("pattern_message_zh_hans", "pattern_message_en"),
                ],
            },
        ),
        (
            gettext_lazy("Condition"),
            {"classes": ["collapse"], "fields": [("condition_field", "condition_values"), "condition_effect"]},
        ),
        (gettext_lazy("Files"), {"classes": ["collapse"], "fields": [("file_extensions", "max_files")]}),
    ]

    def _editable(self, obj: Any) -> bool:
        return obj is not None and obj.status == FormStatus.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(models.FormVersion)
class FormVersionAdmin(SimpleHistoryAdmin):
    form = FormVersionForm
    list_display = ["owner", "number", "status", "question_count", "complaint_count", "published_at", "note"]
    list_filter = ["status", "category", "custom_step"]
    search_fields = [
        *(f"category__{name}" for name in get_translation_fields("name")),
        "category__code",
        "note",
        "fields__key",
    ]
    change_form_template = "admin/complaints/formversion/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.FormVersion]:
        return (
            super()
            .get_queryset(request)
            .select_related("category", "category__parent", "custom_step", "published_by")
            .annotate(question_total=Count("fields", distinct=True), complaint_total=Count("complaints", distinct=True))
        )

    @admin.display(description=gettext_lazy("form of"), ordering="category__code")
    def owner(self, obj: Any) -> Any:
        return obj.category or obj.custom_step

    @admin.display(description=gettext_lazy("questions"), ordering="question_total")
    def question_count(self, obj: Any) -> int:
        return obj.question_total

    @admin.display(description=gettext_lazy("complaints filed with it"), ordering="complaint_total")
    def complaint_count(self, obj: Any) -> int:
        return obj.complaint_total

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[type[Any]]:
        return [FormFieldInline] if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["number", "status", "published_at", "published_by", "created_by"]
        if obj is None:
            return fixed
        if obj.custom_step_id is not None:
            return [*fixed, "custom_step"] + ([] if obj.status == FormStatus.DRAFT else ["note"])
        if obj.status != FormStatus.DRAFT:
            return [*fixed, "category", "note", "required_standard_fields", "standard_fields_required"]
        return [*fixed, "category"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["category", "note", "required_standard_fields"]
        if obj.custom_step_id is not None:  # a custom step's form asks no standard intake fields
            return ["custom_step", "number", "status", "note", "published_at", "published_by"]
        standard = "required_standard_fields" if obj.status == FormStatus.DRAFT else "standard_fields_required"
        return ["category", "number", "status", "note", standard, "published_at", "published_by"]

    @admin.display(description=gettext_lazy("standard fields required for this category"))
    def standard_fields_required(self, obj: Any) -> str:
        labels = dict(_standard_choices())
        return ", ".join(labels.get(name, name) for name in obj.required_standard_fields) or "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (obj is None or obj.status == FormStatus.DRAFT) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new version starts as a copy of the one in use, so the admin edits rather than retypes.
        draft = form_draft(category=obj.category, actor=request.user)
        draft.note = obj.note
        draft.required_standard_fields = obj.required_standard_fields or draft.required_standard_fields
        draft.save(update_fields=["note", "required_standard_fields"])
        obj.pk, obj.number, obj.status, obj._state.adding = draft.pk, draft.number, draft.status, False
        obj.created_at, obj.created_by = draft.created_at, draft.created_by

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:complaints_formversion_change", args=[obj.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        version = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if version is not None:
            extra["form_version"] = version
            if version.status == FormStatus.DRAFT:
                extra["problems"] = _problem_lines(form_problems(version))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="complaints_formversion_preview"),
            path("<int:pk>/publish/", view(self.publish_view), name="complaints_formversion_publish"),
            path("<int:pk>/edit/", view(self.edit_view), name="complaints_formversion_edit"),
            *super().get_urls(),
        ]

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = get_object_or_404(models.FormVersion, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, version):
            raise PermissionDenied
        try:
            form_publish(version=version, actor=request.user)
        except PublishRefused as refusal:
            for line in _problem_lines(refusal.problems):
                messages.error(request, line)
        else:
            told = (
                _("%(version)s is published: the next task of this step asks these questions.")
                if version.custom_step_id is not None
                else _("%(version)s is published: the next complaint of this category gets these questions.")
            )
            messages.success(request, told % {"version": version})
        return redirect("admin:complaints_formversion_change", version.pk)

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Opens the category's draft, starting one from this version's questions if there is none."""
        version = get_object_or_404(models.FormVersion, pk=pk)
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        draft = form_draft(category=version.category, step=version.custom_step, actor=request.user)
        messages.info(
            request, _("You are editing the draft %(version)s; publish it to put it in use.") % {"version": draft}
        )
        return redirect("admin:complaints_formversion_change", draft.pk)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The version as the agent (staff intake) or a customer-facing page will show it. Submitting
        checks the answers exactly as intake would and shows what would be stored; nothing is saved."""
        version = get_object_or_404(models.FormVersion.objects.select_related("category"), pk=pk)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        look = "customer" if request.GET.get("look") == "customer" else "agent"
        if version.custom_step_id is not None:  # a step's task asks its own questions only
            look, answer_form = "customer", step_form(version)
        else:
            answer_form = effective_form(version.category, draft=version)
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        form: Any
        if look == "agent":
            form = IntakeForm(
                data, files, user=request.user, initial={"category": version.category}, answer_form=answer_form
            )
            # The admin may belong to no department: any department will do for a preview.
            form.fields["department"].queryset = models.Department.objects.filter(active=True)
        else:  # the customer's public form leaves the staff-only questions out
            answer_form = customer_form(answer_form)
            form = AnswersForm(data, files, answer_form=answer_form)
        stored: list[tuple[str, str]] = []
        if data is not None and form.is_valid():
            language = get_language() or "en"
            by_key = answer_form.by_key()
            for key, value in form.answers.items():
                defn = by_key[key]
                shown = (
                    ", ".join(f.name for f in value)
                    if defn.kind in FILE_KINDS
                    else display_value(defn, value, language)
                )
                stored.append((defn.label(language), shown))
        template = f"admin/complaints/formversion/preview_{look}.html"
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "title": _("Preview: %(version)s") % {"version": version},
                "version": version,
                "form": form,
                "look": look,
                "submitted": data is not None,
                "stored": stored,
                "problems": _problem_lines(answer_form.problems) + _problem_lines(form_problems(version))
                if version.status == FormStatus.DRAFT
                else [],
            },
        )


def _problem_lines(problems: dict[str, list[str]]) -> list[str]:
    return [f"{key}: {message}" if key else message for key, messages_ in problems.items() for message in messages_]


def category_form_links(category: models.Category) -> str:
    """For the category page: the versions of its form, and the way to edit it."""
    versions = sorted(category.form_versions.all(), key=lambda v: -v.number)
    if not versions:
        return format_html(
            '<a href="{}?category={}">{}</a>',
            reverse("admin:complaints_formversion_add"),
            category.pk,
            _("Add an intake form"),
        )
    return format_html_join(
        mark_safe("<br>"),
        '<a href="{}">{}</a> · {}',
        (
            (reverse("admin:complaints_formversion_change", args=[v.pk]), f"v{v.number}", v.get_status_display())
            for v in versions
        ),
    )
