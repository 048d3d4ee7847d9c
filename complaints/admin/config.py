"""Admin: priorities, calendars, escalation levels with their limits, categories, process settings."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import get_translation_fields
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.admin.intake_forms import category_form_links
from complaints.admin.regional import HqOnlyMixin
from complaints.choices import Weekday
from complaints.rules.business_time import overlapping_weekdays
from complaints.rules.public_holidays import CHINA, countries
from complaints.rules.routing import rule_sentence, split_list
from complaints.selectors.routing import condition_text, routing_field_specs
from complaints.services.calendars import FIRST_YEAR, LAST_YEAR, CalendarRefused, holidays_fill
from complaints.services.clocks import open_clocks_recompute
from complaints.services.deadlines import complaint_deadlines_recompute_for_level
from complaints.services.errors import Refused


def live_forms(formset: BaseInlineFormSet) -> list[Any]:
    """The inline forms that will be saved (valid, filled in, not marked for deletion)."""
    return [
        form
        for form in formset.forms
        if hasattr(form, "cleaned_data") and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


@admin.register(models.Priority)
class PriorityAdmin(TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "rank", "swatch", "first_response_minutes", "alert", "urgency"]
    ordering = ["rank"]

    @admin.display(description=_("colour"))
    def swatch(self, obj: models.Priority) -> str:
        return format_html(
            '<span style="display:inline-block;width:1.2em;height:1.2em;border-radius:3px;'
            'background:{};vertical-align:middle"></span> {}',
            obj.colour,
            obj.colour,
        )


class WorkingHoursFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        spans = [
            (int(form.cleaned_data["weekday"]), form.cleaned_data["start"], form.cleaned_data["end"])
            for form in live_forms(self)
            if form.cleaned_data.get("start") and form.cleaned_data.get("end")
        ]
        if not spans:
            raise ValidationError(_("A calendar needs working hours on at least one weekday."))
        if overlaps := overlapping_weekdays(spans):
            raise ValidationError(_("Working hours on %(day)s overlap.") % {"day": Weekday(overlaps[0]).label})


class WorkingHoursInline(admin.TabularInline):
    model = models.WorkingHours
    formset = WorkingHoursFormSet
    extra = 0
    verbose_name_plural = _("working hours per weekday (two rows for a day with a lunch break)")


class CalendarDayInline(admin.TabularInline):
    model = models.CalendarDay
    extra = 1


class HolidayFillForm(forms.Form):
    year = forms.IntegerField(
        label=_("year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, initial=lambda: timezone.localdate().year + 1
    )
    country = forms.ChoiceField(
        label=_("country"),
        initial=CHINA,
        help_text=_(
            "CN: mainland China's public holidays and adjusted working days (调休) from chinesecalendar; "
            "other countries: public holidays from the holidays package."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = [(code, code) for code in countries()]


@admin.register(models.BusinessCalendar)
class BusinessCalendarAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "time_zone", "week", "special_days"]
    search_fields = ["name", "code"]
    inlines = [WorkingHoursInline, CalendarDayInline]
    actions = ["fill_holidays"]

    @admin.action(description=_("Fill public holidays and adjusted working days for a year…"))
    def fill_holidays(self, request: HttpRequest, queryset: QuerySet[models.BusinessCalendar]) -> Any:
        """Asks for the year and the country, then adds the days to each selected calendar; dates a
        calendar already has are kept, so the days stay the admin's to edit."""
        form = HolidayFillForm(request.POST if "fill" in request.POST else None)
        if form.is_valid():
            year, country = form.cleaned_data["year"], form.cleaned_data["country"]
            for calendar in queryset:
                try:
                    result = holidays_fill(calendar=calendar, year=year, country=country, actor=request.user)
                except CalendarRefused as refusal:
                    self.message_user(request, f"{calendar}: {refusal.message}", messages.ERROR)
                    continue
                self.message_user(
                    request,
                    _(
                        "%(calendar)s %(year)d: %(holidays)d holidays and %(working)d adjusted working days "
                        "added; %(kept)d dates already set were kept."
                    )
                    % {
                        "calendar": calendar,
                        "year": year,
                        "holidays": result.holidays,
                        "working": result.working_days,
                        "kept": result.kept,
                    },
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "admin/complaints/calendar_holidays.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Fill public holidays"),
                "opts": self.model._meta,
                "form": form,
                "calendars": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.BusinessCalendar]:
        return super().get_queryset(request).prefetch_related("hours", "days")

    @admin.display(description=_("week"))
    def week(self, obj: models.BusinessCalendar) -> str:
        return "; ".join(str(h) for h in obj.hours.all())

    @admin.display(description=_("holidays and special days"))
    def special_days(self, obj: models.BusinessCalendar) -> int:
        return len(obj.days.all())


class LevelLimitFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        covered = {form.cleaned_data["priority"].pk for form in live_forms(self) if form.cleaned_data.get("priority")}
        missing = models.Priority.objects.exclude(pk__in=covered)
        if missing.exists():
            raise ValidationError(
                _("Give limits for every priority; missing: %(codes)s.") % {"codes": ", ".join(p.code for p in missing)}
            )


class LevelLimitInline(admin.TabularInline):
    model = models.LevelLimit
    formset = LevelLimitFormSet
    extra = 0
    verbose_name_plural = _(
        "time limits per priority (new limits apply to complaints reaching this level after the change; "
        "use the action “Recompute deadlines” for open ones)"
    )


class StepLimitInline(admin.TabularInline):
    model = models.StepLimit
    extra = 0
    verbose_name_plural = _(
        "time limits per step (optional: a task of the step is due this long after it is created; new limits "
        "apply to tasks created after the change; use the action “Recompute deadlines” for open ones)"
    )


class ClockRuleInline(admin.TabularInline):
    model = models.ClockRule
    extra = 0
    verbose_name_plural = _(
        "clock rules (what stops each clock at this level and what its breach does; a clock without a rule "
        "keeps the default described in docs/deadlines.md; takes effect at once)"
    )


@admin.register(models.EscalationLevel)
class EscalationLevelAdmin(HqOnlyMixin, TranslationAdmin, SimpleHistoryAdmin):
    list_display = [
        "rank",
        "name",
        "role",
        "department_scope",
        "department",
        "authority",
        "business_time",
        "calendar",
        "warning",
    ]
    list_select_related = ["role", "department", "calendar"]
    ordering = ["rank"]
    inlines = [LevelLimitInline, StepLimitInline, ClockRuleInline]
    actions = ["recompute_deadlines"]
    fieldsets = [
        (None, {"fields": ["rank", "name"]}),
        (_("Who handles complaints at this level"), {"fields": ["role", "department_scope", "department"]}),
        (_("Authority"), {"fields": ["authority_amount"]}),
        (_("Clock"), {"fields": ["business_time", "calendar", "warning_percent"]}),
    ]

    @admin.display(description=_("compensation authority"), ordering="authority_amount")
    def authority(self, obj: models.EscalationLevel) -> str:
        return str(_("unlimited")) if obj.authority_amount is None else f"{obj.authority_amount:,.2f}"

    @admin.display(description=_("warn at"), ordering="warning_percent")
    def warning(self, obj: models.EscalationLevel) -> str:
        return f"{obj.warning_percent} %"

    @admin.action(description=_("Recompute deadlines of open complaints at the selected levels"))
    def recompute_deadlines(self, request: HttpRequest, queryset: QuerySet[models.EscalationLevel]) -> None:
        try:
            count = sum(complaint_deadlines_recompute_for_level(level=level, actor=request.user) for level in queryset)
        except Refused as refusal:
            self.message_user(request, str(refusal.message), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "Deadlines recomputed for %(count)d open complaint.",
                "Deadlines recomputed for %(count)d open complaints.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(models.Category)
class CategoryAdmin(TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "code", "active", "delivery_identifier", "intake_form"]
    list_filter = ["active"]
    search_fields = [*get_translation_fields("name"), "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["intake_form"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.Category]:
        return super().get_queryset(request).select_related("parent").prefetch_related("form_versions")

    @admin.display(description=_("intake form"))
    def intake_form(self, obj: models.Category) -> str:
        if obj.pk is None:
            return "—"
        return category_form_links(obj)


@admin.register(models.TriageSignal)
class TriageSignalAdmin(SimpleHistoryAdmin):
    """Keyword lists per signal (safety, legal, media, vulnerable customer…)."""

    list_display = ["code", "name", "keyword_count", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "keywords"]
    fieldsets = [
        (
            None,
            {
                "fields": ["code", "name", "keywords", "active"],
                "description": _(
                    "Built-in signals need no list: manager (the customer asked for a manager), emotion "
                    "(at or above the threshold in the process settings), over_authority (demand above the "
                    "level's authority), repeat (repeat complaint) and many_affected (open complaints of the "
                    "same incident, triage settings)."
                ),
            },
        )
    ]

    @admin.display(description=_("keywords"))
    def keyword_count(self, obj: models.TriageSignal) -> int:
        return len(obj.keyword_list())


class ProcessSettingsForm(forms.ModelForm):
    """Urgent signals are picked from the signals that exist (stored as their codes, comma-separated)."""

    urgent_signals = forms.MultipleChoiceField(
        label=_("urgent signals"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=models.ProcessSettings._meta.get_field("urgent_signals").help_text,
    )

    class Meta:
        model = models.ProcessSettings
        fields = ["urgent_signals"]  # the admin adds the fieldsets' fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = routing_field_specs()["signals"]
        stored = split_list(self.instance.urgent_signals or "") if self.instance.pk else []
        codes = list(spec.options) + [code for code in stored if code not in spec.options]
        choices = [(code, f"{spec.label_of(code)} ({code})") for code in codes]
        self.fields["urgent_signals"].choices = choices  # type: ignore[attr-defined]
        self.initial["urgent_signals"] = stored

    def clean_urgent_signals(self) -> str:
        picked = list(self.cleaned_data.get("urgent_signals") or [])
        stored = self.instance.urgent_signals or ""
        if self.instance.pk and set(picked) == set(split_list(stored)):
            return stored  # unchanged: kept as written (an unchanged save changes nothing)
        return ",".join(picked)


@admin.register(models.ProcessSettings)
class ProcessSettingsAdmin(HqOnlyMixin, SimpleHistoryAdmin):
    form = ProcessSettingsForm
    list_display = ["__str__", "follow_up_delay_hours", "attachment_max_mb", "reference_prefix"]
    filter_horizontal = ["urgent_categories"]
    readonly_fields = ["urgent_reads_as"]
    fieldsets = [
        (None, {"fields": ["follow_up_delay_hours", "reference_prefix"]}),
        (
            _("Attachments"),
            {
                "fields": [
                    "attachment_max_mb",
                    "attachment_extensions",
                    "pending_upload_hours",
                    "pending_upload_max_files",
                ]
            },
        ),
        (
            _("Triage signals"),
            {
                "fields": ["emotion_threshold", "repeat_threshold", "repeat_window_days", "p0_alert_minutes"],
                "description": _(
                    "Keyword lists are edited under “Triage signals”; routing rules test every signal as "
                    "“signals equals” the signal's code."
                ),
            },
        ),
        (
            _("Collaboration requests"),
            {"fields": ["collaboration_role", "collaboration_response_minutes", "collaboration_superior_minutes"]},
        ),
        (_("Batch investigations"), {"fields": ["batch_threshold", "batch_window_days"]}),
        (
            _("Urgent first response"),
            {"fields": ["urgent_reads_as", "urgent_signals", "urgent_categories", "urgent_first_response_minutes"]},
        ),
        (
            _("Reminders and notifications"),
            {
                "fields": ["progress_reminder_minutes", "action_warning_hours", "notification_max_attempts"],
                "description": _(
                    "Level limits are recomputed with the action on escalation levels; these with the "
                    "“Recompute open clocks” action on this list. Collaboration answer times apply to new "
                    "requests only (a request's chain keeps the times it started with)."
                ),
            },
        ),
        (_("Login lock-out"), {"fields": ["login_failure_limit", "login_cooloff_minutes"]}),
    ]
    actions = ["recompute_open_clocks"]

    @admin.action(description=_("Recompute open clocks (corrective-action warnings, P0 progress reminders)"))
    def recompute_open_clocks(self, request: HttpRequest, queryset: QuerySet[models.ProcessSettings]) -> None:
        count = open_clocks_recompute()
        self.message_user(
            request,
            ngettext("%(count)d open clock recomputed.", "%(count)d open clocks recomputed.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.display(description=_("urgent when"))
    def urgent_reads_as(self, obj: models.ProcessSettings | None) -> str:
        """The urgent conditions as one sentence, in the admin's language."""
        if obj is None or obj.pk is None:
            return ""
        specs = routing_field_specs()
        sentences = []
        if split_list(obj.urgent_signals or ""):
            sentences.append(condition_text(field="signals", operator="in", value=obj.urgent_signals, specs=specs))
        categories = ",".join(obj.urgent_categories.values_list("code", flat=True))
        if categories:
            sentences.append(condition_text(field="category", operator="in", value=categories, specs=specs))
        return rule_sentence(sentences=sentences, match_all=False) if sentences else str(_("never"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.ProcessSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
