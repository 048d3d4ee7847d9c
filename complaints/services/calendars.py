"""Writes of business calendars beyond the admin's forms: filling a year's public holidays and
adjusted working days (调休) from the maintained packages, to be edited afterwards like any day."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from complaints.choices import CalendarDayKind
from complaints.models import BusinessCalendar, CalendarDay
from complaints.rules.public_holidays import UnknownCountry, public_days
from complaints.services.errors import Refused, is_system

FIRST_YEAR, LAST_YEAR = 2000, 2100


class CalendarRefused(Refused):
    pass


@dataclass(frozen=True)
class HolidayFill:
    holidays: int  # holidays added
    working_days: int  # adjusted working days added
    kept: int  # dates the calendar already had: left as the admin set them


def holidays_fill(*, calendar: BusinessCalendar, year: int, country: str, actor: Any = None) -> HolidayFill:
    """Adds the year's public holidays and adjusted working days of `country` to the calendar. A date
    the calendar already has is left as it is, so filling again never undoes an edit. An adjusted
    working day gets the calendar's usual hours (the first working weekday's, opening to closing)."""
    if not is_system(actor) and not actor.has_perm("complaints.change_businesscalendar"):
        raise CalendarRefused(_("You may not change business calendars."))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarRefused(
            _("Give a year between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    try:
        days = public_days(year=year, country=country, chinese=(translation.get_language() or "").startswith("zh"))
    except UnknownCountry:
        raise CalendarRefused(
            _("No public holidays are known for %(country)s in %(year)d.") % {"country": country, "year": year}
        ) from None
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        existing = set(calendar.days.filter(date__year=year).values_list("date", flat=True))
        hours = sorted(calendar.hours.all(), key=lambda h: (h.weekday, h.start))
        usual = [h for h in hours if h.weekday == hours[0].weekday] if hours else []
        added = {True: 0, False: 0}
        new = []
        for day in days:
            if day.date in existing:
                continue
            if day.working and not usual:
                raise CalendarRefused(
                    _("The calendar has no working hours to give the adjusted working day %(date)s.")
                    % {"date": day.date.isoformat()}
                )
            new.append(
                CalendarDay(
                    calendar=calendar,
                    date=day.date,
                    name=day.name[:100],
                    kind=CalendarDayKind.WORKING_DAY if day.working else CalendarDayKind.HOLIDAY,
                    start=min(h.start for h in usual) if day.working else None,
                    end=max(h.end for h in usual) if day.working else None,
                )
            )
            added[day.working] += 1
        for row in new:  # one by one, so each day has its history row like an admin edit
            row.full_clean()
            row.save()
    return HolidayFill(holidays=added[False], working_days=added[True], kept=len(days) - len(new))
