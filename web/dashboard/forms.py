"""The dashboard's filters (the form is complaints.forms.kpi's, shared with the API) and the
periods offered as one-click links."""

from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from complaints.forms.kpi import KpiFilterForm
from complaints.rules import kpi as rules

__all__ = ["KpiFilterForm", "quick_periods"]


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
