"""The KPI filters (period, department with those below, category with those below, priority,
level, channel): one form for the dashboard, its drill-downs, the managers' list and the API."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.choices import Channel
from complaints.forms.fields import ConfigChoiceField
from complaints.rules import kpi as rules
from complaints.selectors.intake_forms import categories_by_id, category_subtree_ids
from complaints.selectors.kpi import KpiFilters
from complaints.selectors.routing import departments_by_id, levels_by_id, priorities_by_id


class KpiFilterForm(forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("period", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    department = ConfigChoiceField(
        label=_("Department"),
        rows=departments_by_id,
        keep=lambda d: d.active,
        order=lambda d: d.code,
        required=False,
        empty_label=_("All"),
        help_text=_("With the departments below it."),
    )
    # Every category, the retired ones too: a period under review may hold them.
    category = ConfigChoiceField(
        label=_("Category"),
        rows=categories_by_id,
        order=lambda c: c.code,  # named "parent / child": each copy knows its parent's
        required=False,
        empty_label=_("All"),
    )
    priority = ConfigChoiceField(
        label=_("Priority"), rows=priorities_by_id, order=lambda p: (p.rank, p.pk), required=False, empty_label=_("All")
    )
    level = ConfigChoiceField(
        label=_("Level"), rows=levels_by_id, order=lambda lv: (lv.rank, lv.pk), required=False, empty_label=_("All")
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        if any(d and d.year >= date.max.year for d in (start, end)):
            raise forms.ValidationError(_("Choose a period before the year 9999."))
        return data

    def filters(self, *, whole_time: bool = False) -> KpiFilters:
        """The filters of a valid form. Without dates: the current month until today, or (with
        `whole_time`, for the list) no limit at all."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        today = timezone.localdate()
        period: rules.Period | None = None
        if not (whole_time and not data.get("start") and not data.get("end")):
            start: date = data.get("start") or rules.month_of(today).start
            end: date = data.get("end") or max(today, start)
            period = rules.Period(start, end + timedelta(days=1), f"{start:%Y-%m-%d}–{end:%Y-%m-%d}")
        category = data.get("category")
        return KpiFilters(
            period=period,
            department=data.get("department"),
            category_ids=frozenset(category_subtree_ids(category)) if category else None,
            priority_id=data["priority"].pk if data.get("priority") else None,
            level_id=data["level"].pk if data.get("level") else None,
            channel=data.get("channel") or "",
        )

    def described(self) -> list[str]:
        """The chosen filters of a valid form as "label: value", in the active language."""
        if not (self.is_bound and self.is_valid()):
            return []
        parts = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if isinstance(field, ConfigChoiceField):
                shown = field.label_of(value)
            elif isinstance(field, forms.ChoiceField):
                shown = str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
            else:
                shown = str(value)
            parts.append(f"{field.label}: {shown}")
        return parts
