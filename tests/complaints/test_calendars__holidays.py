"""A year's public holidays and adjusted working days (调休) filled into a business calendar from
chinesecalendar (mainland China) or holidays (elsewhere), by the admin action and the command; the
days stay editable and filling again keeps what the admin changed."""

from datetime import date, time
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from complaints.choices import CalendarDayKind
from complaints.models import BusinessCalendar, CalendarDay, WorkingHours
from complaints.rules.public_holidays import public_days
from complaints.services.calendars import CalendarRefused, holidays_fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar() -> BusinessCalendar:
    cal = BusinessCalendar.objects.create(code="cn", name="Mainland office", time_zone="Asia/Shanghai")
    for weekday in range(5):  # Monday–Friday with a lunch break
        WorkingHours.objects.create(calendar=cal, weekday=weekday, start=time(9), end=time(12))
        WorkingHours.objects.create(calendar=cal, weekday=weekday, start=time(13), end=time(18))
    return cal


def test_china_2026_has_national_day_and_the_sunday_worked_before_it() -> None:
    days = {d.date: d for d in public_days(year=2026, country="CN", chinese=True)}
    assert days[date(2026, 10, 1)].working is False and days[date(2026, 10, 1)].name == "国庆节"
    sunday = days[date(2026, 9, 20)]
    assert sunday.date.weekday() == 6 and sunday.working is True and sunday.name == "国庆节"
    assert {d.year for d in days} == {2026}


def test_fill_2026_adds_holidays_and_the_adjusted_working_sunday_with_the_usual_hours(
    calendar: BusinessCalendar,
) -> None:
    with translation.override("zh-hans"):
        result = holidays_fill(calendar=calendar, year=2026, country="CN")
    national = CalendarDay.objects.get(calendar=calendar, date=date(2026, 10, 1))
    assert national.kind == CalendarDayKind.HOLIDAY and national.name == "国庆节" and national.start is None
    sunday = CalendarDay.objects.get(calendar=calendar, date=date(2026, 9, 20))
    assert sunday.kind == CalendarDayKind.WORKING_DAY and (sunday.start, sunday.end) == (time(9), time(18))
    expected = public_days(year=2026, country="CN", chinese=True)
    assert result.holidays == sum(not d.working for d in expected)
    assert result.working_days == sum(d.working for d in expected) == 6
    assert result.kept == 0
    assert calendar.days.count() == len(expected)


def test_filling_again_keeps_the_admins_edits_and_writes_nothing(calendar: BusinessCalendar) -> None:
    holidays_fill(calendar=calendar, year=2026, country="CN")
    edited = CalendarDay.objects.get(calendar=calendar, date=date(2026, 9, 20))
    edited.start, edited.end, edited.name = time(10), time(16), "Short Sunday"
    edited.save()
    CalendarDay.objects.filter(calendar=calendar, date=date(2026, 10, 7)).delete()
    rows = CalendarDay.history.count()

    result = holidays_fill(calendar=calendar, year=2026, country="CN")

    assert (result.holidays, result.working_days) == (1, 0)  # only the deleted 10-07 comes back
    edited.refresh_from_db()
    assert (edited.start, edited.end, edited.name) == (time(10), time(16), "Short Sunday")
    assert CalendarDay.history.count() == rows + 1


def test_other_countries_come_from_the_holidays_package(calendar: BusinessCalendar) -> None:
    with translation.override("en"):
        result = holidays_fill(calendar=calendar, year=2026, country="DE")
    unity = CalendarDay.objects.get(calendar=calendar, date=date(2026, 10, 3))
    assert unity.kind == CalendarDayKind.HOLIDAY and "Unity" in unity.name
    assert result.working_days == 0 and result.holidays == calendar.days.count()


def test_refusals_change_nothing(calendar: BusinessCalendar, agent: Any) -> None:
    with pytest.raises(CalendarRefused):
        holidays_fill(calendar=calendar, year=2026, country="CN", actor=agent)  # not a calendar admin
    with pytest.raises(CalendarRefused):
        holidays_fill(calendar=calendar, year=2026, country="XX")
    with pytest.raises(CalendarRefused):
        holidays_fill(calendar=calendar, year=1850, country="CN")
    calendar.hours.all().delete()
    with pytest.raises(CalendarRefused, match="adjusted working day"):
        holidays_fill(calendar=calendar, year=2026, country="CN")
    assert not calendar.days.exists()


def test_the_command_fills_a_calendar(calendar: BusinessCalendar) -> None:
    out = StringIO()
    call_command("calendar_holidays", "cn", "2026", stdout=out)
    assert "6 adjusted working day(s)" in out.getvalue()
    assert CalendarDay.objects.get(calendar=calendar, date=date(2026, 10, 1)).name == "国庆节"
    with pytest.raises(CommandError):
        call_command("calendar_holidays", "nope", "2026")


def test_the_admin_action_asks_for_year_and_country_then_fills(
    client: Client, django_user_model: Any, calendar: BusinessCalendar
) -> None:
    admin_user = django_user_model.objects.create_superuser(username="root", password="x", email="r@example.com")
    client.force_login(admin_user)
    url = reverse("admin:complaints_businesscalendar_changelist")
    asked = client.post(url, {"action": "fill_holidays", "_selected_action": [calendar.pk]})
    assert asked.status_code == 200 and 'name="year"' in asked.content.decode()
    assert not calendar.days.exists()

    done = client.post(
        url,
        {"action": "fill_holidays", "_selected_action": [calendar.pk], "fill": "1", "year": "2026", "country": "CN"},
        follow=True,
    )
    assert done.status_code == 200
    assert CalendarDay.objects.filter(calendar=calendar, date=date(2026, 9, 20), kind="working_day").exists()
    page = done.content.decode()
    assert "6" in page and calendar.name in page
