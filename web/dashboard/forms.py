"""The dashboard's filters (the form is complaints.forms.kpi's, shared with the API) and the
periods offered as one-click links."""

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.forms.kpi import KpiFilterForm
from complaints.models import Category, Complaint
from complaints.rules import kpi as rules

__all__ = ["DecisionDoneForm", "DecisionForm", "KpiFilterForm", "quick_periods"]


def quick_periods(today: date) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of the periods offered as one-click links."""
    this_week = rules.week_of(today)
    last_week = rules.previous_period("weekly", today)
    this_month = rules.month_of(today)
    last_month = rules.previous_period("monthly", today)
    one = timedelta(days=1)
    return [
        (str(_("This week")), this_week.start, today),
        (str(_("Last week")), last_week.start, last_week.end - one),
        (str(_("This month")), this_month.start, today),
        (str(_("Last month")), last_month.start, last_month.end - one),
        (str(_("This year")), date(today.year, 1, 1), today),
    ]


class ComplaintReferencesField(forms.CharField):
    """Complaint references separated by commas or spaces; the view resolves them within what
    the reader may see (an unknown or hidden reference is an error, not a silent drop)."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return list(dict.fromkeys(part for part in re.split(r"[\s,，;；]+", text) if part))


class DecisionForm(forms.Form):
    """A decision of the review: what, who, by when, about which complaints or category."""

    description = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    complaints = ComplaintReferencesField(
        label=_("Complaints concerned"),
        required=False,
        help_text=_("References, separated by commas (optional)."),
    )
    category = forms.ModelChoiceField(label=_("Category concerned"), queryset=Category.objects.none(), required=False)

    def __init__(self, *args: Any, visible: QuerySet[Complaint] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visible = visible if visible is not None else Complaint.objects.none()
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["owner"].queryset = users  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.order_by("code")  # type: ignore[attr-defined]

    def clean_complaints(self) -> list[Complaint]:
        references = self.cleaned_data.get("complaints") or []
        found = {c.reference: c for c in self.visible.filter(reference__in=references)}
        unknown = [r for r in references if r not in found]
        if unknown:
            raise forms.ValidationError(
                _("No complaint you may see has the reference %(references)s.") % {"references": ", ".join(unknown)}
            )
        return [found[r] for r in references]


class DecisionDoneForm(forms.Form):
    evidence = forms.CharField(
        label=_("Evidence that it was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
