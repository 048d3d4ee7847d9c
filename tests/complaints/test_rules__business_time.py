"""Pure rules: business time. No database.

Dates are real 2026 dates; the weekday is noted beside each one. Expected values are worked out by
hand in the tables, never with the function under test.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints.rules.business_time import (
    CalendarNeverOpen,
    Unit,
    WorkingCalendar,
    add_business_days,
    add_business_time,
    business_time_between,
    deadline,
    elapsed_fraction,
    working_intervals,
)

SH = ZoneInfo("Asia/Shanghai")  # UTC+8 all year
BER = ZoneInfo("Europe/Berlin")  # DST 2026: Sun 03-29 02:00 → 03:00, Sun 10-25 03:00 → 02:00

NINE_TO_SIX = ((time(9), time(18)),)
LUNCH_BREAK = ((time(9), time(12)), (time(13), time(18)))
ALL_DAY = ((time(0), time(0)),)  # an end of 00:00 is midnight at the end of the day
MON_FRI = dict.fromkeys(range(5), NINE_TO_SIX)

OFFICE = WorkingCalendar(time_zone="Asia/Shanghai", weekly=MON_FRI)
LUNCH = WorkingCalendar(time_zone="Asia/Shanghai", weekly=dict.fromkeys(range(5), LUNCH_BREAK))
NATIONAL_DAY = frozenset({date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)})  # Thu, Fri, Sat
HOLIDAY = WorkingCalendar(time_zone="Asia/Shanghai", weekly=MON_FRI, closed_dates=NATIONAL_DAY)
ADJUSTED = WorkingCalendar(  # 调休: Saturday 10-10 is worked to make up for the holiday
    time_zone="Asia/Shanghai",
    weekly=MON_FRI,
    closed_dates=NATIONAL_DAY,
    special_days={date(2026, 10, 10): NINE_TO_SIX},
)
SHORT_DAYS = WorkingCalendar(
    time_zone="Asia/Shanghai",
    weekly=MON_FRI,
    special_days={
        date(2026, 9, 21): ((time(13), time(18)),),  # Mon: opens late
        date(2026, 9, 22): LUNCH_BREAK,  # Tue: a lunch break that day only
        date(2026, 9, 25): ((time(9), time(12)),),  # Fri: closes at noon
    },
)
BERLIN = WorkingCalendar(time_zone="Europe/Berlin", weekly=MON_FRI)
BERLIN_DAILY = WorkingCalendar(time_zone="Europe/Berlin", weekly=dict.fromkeys(range(7), NINE_TO_SIX))
BERLIN_24_7 = WorkingCalendar(time_zone="Europe/Berlin", weekly=dict.fromkeys(range(7), ALL_DAY))
NEVER_OPEN = WorkingCalendar(time_zone="Asia/Shanghai", weekly={})


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def ber(*args: int) -> datetime:
    return datetime(*args, tzinfo=BER)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        pytest.param(OFFICE, date(2026, 9, 21), NINE_TO_SIX, id="monday"),
        pytest.param(OFFICE, date(2026, 9, 19), (), id="saturday-closed"),
        pytest.param(HOLIDAY, date(2026, 10, 1), (), id="holiday-thursday-closed"),
        pytest.param(HOLIDAY, date(2026, 10, 5), NINE_TO_SIX, id="monday-after-holiday"),
        pytest.param(ADJUSTED, date(2026, 10, 10), NINE_TO_SIX, id="adjusted-saturday-open"),
        pytest.param(SHORT_DAYS, date(2026, 9, 25), ((time(9), time(12)),), id="short-friday"),
        pytest.param(
            WorkingCalendar(
                time_zone="Asia/Shanghai",
                weekly=MON_FRI,
                closed_dates=frozenset({date(2026, 10, 1)}),
                special_days={date(2026, 10, 1): ((time(10), time(12)),)},
            ),
            date(2026, 10, 1),
            ((time(10), time(12)),),
            id="special-day-overrides-holiday",
        ),
    ],
)
def test_working_intervals(calendar, day, expected):
    assert working_intervals(calendar=calendar, day=day) == expected


@pytest.mark.parametrize(
    ("calendar", "start", "delta", "expected"),
    [
        pytest.param(OFFICE, sh(2026, 9, 18, 17), timedelta(hours=2), sh(2026, 9, 21, 10), id="fri-17h+2h=mon-10h"),
        pytest.param(OFFICE, sh(2026, 9, 18, 20), timedelta(hours=4), sh(2026, 9, 21, 13), id="fri-after-close+4h"),
        pytest.param(OFFICE, sh(2026, 9, 19, 11), timedelta(hours=3), sh(2026, 9, 21, 12), id="saturday-start"),
        pytest.param(OFFICE, sh(2026, 9, 21, 7), timedelta(minutes=30), sh(2026, 9, 21, 9, 30), id="before-opening"),
        pytest.param(OFFICE, sh(2026, 9, 18, 17), timedelta(hours=1), sh(2026, 9, 18, 18), id="ends-at-closing"),
        pytest.param(OFFICE, sh(2026, 9, 18, 18), timedelta(hours=1), sh(2026, 9, 21, 10), id="starts-at-closing"),
        pytest.param(OFFICE, sh(2026, 9, 21, 10), timedelta(0), sh(2026, 9, 21, 10), id="zero-in-hours"),
        pytest.param(OFFICE, sh(2026, 9, 18, 20), timedelta(0), sh(2026, 9, 21, 9), id="zero-outside-hours"),
        # Mon 10–18 = 8 h, Tue 9 h (17 h), Wed 3 h more → Wed 12:00
        pytest.param(OFFICE, sh(2026, 9, 21, 10), timedelta(hours=20), sh(2026, 9, 23, 12), id="several-days"),
        pytest.param(
            OFFICE, sh(2026, 9, 21, 10), timedelta(minutes=90, seconds=30), sh(2026, 9, 21, 11, 30, 30), id="seconds"
        ),
        # Wed 09-30 17–18 = 1 h; Thu, Fri holiday; Sat, Sun; Mon 10-05 09–10 = 1 h
        pytest.param(HOLIDAY, sh(2026, 9, 30, 17), timedelta(hours=2), sh(2026, 10, 5, 10), id="holiday-skipped"),
        pytest.param(OFFICE, sh(2026, 9, 30, 17), timedelta(hours=2), sh(2026, 10, 1, 10), id="same-without-holiday"),
        # Fri 10-09 17–18 = 1 h; Sat 10-10 is an adjusted working day: 09–10
        pytest.param(ADJUSTED, sh(2026, 10, 9, 17), timedelta(hours=2), sh(2026, 10, 10, 10), id="adjusted-saturday"),
        pytest.param(HOLIDAY, sh(2026, 10, 9, 17), timedelta(hours=2), sh(2026, 10, 12, 10), id="plain-saturday"),
        # Lunch break 12–13: Mon 11–12 = 1 h, 13–14 = 1 h
        pytest.param(LUNCH, sh(2026, 9, 21, 11), timedelta(hours=2), sh(2026, 9, 21, 14), id="lunch-skipped"),
        pytest.param(LUNCH, sh(2026, 9, 21, 11), timedelta(hours=1), sh(2026, 9, 21, 12), id="ends-at-lunch"),
        pytest.param(
            LUNCH, sh(2026, 9, 21, 12, 30), timedelta(minutes=30), sh(2026, 9, 21, 13, 30), id="start-in-lunch"
        ),
        pytest.param(LUNCH, sh(2026, 9, 18, 17), timedelta(hours=2), sh(2026, 9, 21, 10), id="lunch-over-weekend"),
        # UTC Sun 09-20 23:30 is Mon 09-21 07:30 in Shanghai → opens 09:00 → 10:00
        pytest.param(OFFICE, utc(2026, 9, 20, 23, 30), timedelta(hours=1), sh(2026, 9, 21, 10), id="utc-sunday=mon"),
        # UTC Fri 09-18 16:30 is Sat 09-19 00:30 in Shanghai: Friday's hours are over
        pytest.param(OFFICE, utc(2026, 9, 18, 16, 30), timedelta(hours=1), sh(2026, 9, 21, 10), id="utc-friday=sat"),
        # UTC Fri 09-18 08:30 is Fri 16:30 in Shanghai: 1.5 h left on Friday
        pytest.param(OFFICE, utc(2026, 9, 18, 8, 30), timedelta(hours=2), sh(2026, 9, 21, 9, 30), id="utc-in-hours"),
        # Berlin: Fri 03-27 is CET (+01), Mon 03-30 is CEST (+02); hours stay 09–18 wall time
        pytest.param(BERLIN, ber(2026, 3, 27, 17), timedelta(hours=2), ber(2026, 3, 30, 10), id="berlin-dst-spring"),
        pytest.param(BERLIN, ber(2026, 10, 23, 17), timedelta(hours=2), ber(2026, 10, 26, 10), id="berlin-dst-autumn"),
        pytest.param(
            BERLIN_DAILY, ber(2026, 3, 29, 8), timedelta(hours=9), ber(2026, 3, 29, 18), id="berlin-open-on-dst-day"
        ),
        # Round the clock: Sun 03-29 01:00 CET = 00:00Z; + 2 elapsed hours = 02:00Z = 04:00 CEST
        pytest.param(BERLIN_24_7, ber(2026, 3, 29, 1), timedelta(hours=2), ber(2026, 3, 29, 4), id="berlin-24-7-dst"),
        # Round the clock: Sat 22:00 + 3 h crosses midnight into Sunday
        pytest.param(BERLIN_24_7, ber(2026, 3, 28, 22), timedelta(hours=3), ber(2026, 3, 29, 1), id="24-7-midnight"),
    ],
)
def test_add_business_time(calendar, start, delta, expected):
    result = add_business_time(calendar=calendar, start=start, delta=delta)
    assert result == expected
    assert result.tzinfo == ZoneInfo(calendar.time_zone)
    assert result.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        pytest.param(OFFICE, sh(2026, 9, 18, 10), 1, sh(2026, 9, 21, 10), id="fri-10h+1=mon-10h"),
        pytest.param(OFFICE, sh(2026, 9, 18, 20), 1, sh(2026, 9, 22, 9), id="fri-20h+1=tue-09h"),
        pytest.param(OFFICE, sh(2026, 9, 18, 18), 1, sh(2026, 9, 22, 9), id="fri-at-closing+1=tue-09h"),
        pytest.param(OFFICE, sh(2026, 9, 19, 11), 1, sh(2026, 9, 22, 9), id="saturday+1=tue-09h"),
        pytest.param(OFFICE, sh(2026, 9, 21, 7), 1, sh(2026, 9, 22, 9), id="before-opening+1"),
        pytest.param(OFFICE, sh(2026, 9, 21, 10, 15), 5, sh(2026, 9, 28, 10, 15), id="mon+5=next-mon"),
        # Mon 09-28 + 5: Tue 29 (1), Wed 30 (2), Thu/Fri holiday, Mon 10-05 (3), Tue 06 (4), Wed 07 (5)
        pytest.param(HOLIDAY, sh(2026, 9, 28, 10), 5, sh(2026, 10, 7, 10), id="mon+5-over-holiday"),
        pytest.param(OFFICE, sh(2026, 9, 28, 10), 5, sh(2026, 10, 5, 10), id="mon+5-no-holiday"),
        # Thu 10-08 + 2: Fri 10-09 (1), adjusted Sat 10-10 (2)
        pytest.param(ADJUSTED, sh(2026, 10, 8, 10), 2, sh(2026, 10, 10, 10), id="adjusted-saturday-counts"),
        pytest.param(HOLIDAY, sh(2026, 10, 8, 10), 2, sh(2026, 10, 12, 10), id="plain-saturday-skipped"),
        # Holiday start: Thu 10-01 → effective Mon 10-05 09:00 → Tue 10-06 09:00
        pytest.param(HOLIDAY, sh(2026, 10, 1, 11), 1, sh(2026, 10, 6, 9), id="start-on-holiday"),
        # Target day closes at 12:00 (short Friday): 15:00 → 12:00
        pytest.param(SHORT_DAYS, sh(2026, 9, 24, 15), 1, sh(2026, 9, 25, 12), id="target-closes-early"),
        # Target day opens at 13:00: 10:00 → 13:00
        pytest.param(SHORT_DAYS, sh(2026, 9, 18, 10), 1, sh(2026, 9, 21, 13), id="target-opens-late"),
        # Target day has a lunch break 12–13: 12:30 → the preceding closing, 12:00
        pytest.param(SHORT_DAYS, sh(2026, 9, 21, 14, 30), 1, sh(2026, 9, 22, 14, 30), id="target-in-hours"),
        pytest.param(OFFICE, sh(2026, 9, 21, 12, 30), 1, sh(2026, 9, 22, 12, 30), id="no-break-no-clamp"),
        pytest.param(SHORT_DAYS, sh(2026, 9, 21, 12, 30), 1, sh(2026, 9, 22, 13), id="start-before-late-open"),
        pytest.param(
            WorkingCalendar(time_zone="Asia/Shanghai", weekly=MON_FRI, special_days={date(2026, 9, 22): LUNCH_BREAK}),
            sh(2026, 9, 21, 12, 30),
            1,
            sh(2026, 9, 22, 12),
            id="target-in-lunch-break",
        ),
        # UTC Fri 09-18 16:30 = Sat 00:30 Shanghai → effective Mon 09:00 → Tue 09:00
        pytest.param(OFFICE, utc(2026, 9, 18, 16, 30), 1, sh(2026, 9, 22, 9), id="utc-friday=sat"),
        # UTC Mon 09-21 02:00 = Mon 10:00 Shanghai
        pytest.param(OFFICE, utc(2026, 9, 21, 2), 1, sh(2026, 9, 22, 10), id="utc-in-hours"),
        # Berlin: Fri 03-27 10:00 CET + 1 = Mon 03-30 10:00 CEST (wall time kept, 71 elapsed hours)
        pytest.param(BERLIN, ber(2026, 3, 27, 10), 1, ber(2026, 3, 30, 10), id="berlin-dst-spring"),
        pytest.param(BERLIN, ber(2026, 10, 23, 10), 1, ber(2026, 10, 26, 10), id="berlin-dst-autumn"),
    ],
)
def test_add_business_days(calendar, start, days, expected):
    result = add_business_days(calendar=calendar, start=start, days=days)
    assert result == expected
    assert result.tzinfo == ZoneInfo(calendar.time_zone)
    assert result.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        pytest.param(OFFICE, sh(2026, 9, 21, 10), sh(2026, 9, 21, 11, 30), timedelta(minutes=90), id="same-interval"),
        pytest.param(OFFICE, sh(2026, 9, 18, 17), sh(2026, 9, 21, 10), timedelta(hours=2), id="over-weekend"),
        pytest.param(OFFICE, sh(2026, 9, 19, 10), sh(2026, 9, 20, 20), timedelta(0), id="weekend-only"),
        pytest.param(OFFICE, sh(2026, 9, 21, 10), sh(2026, 9, 21, 10), timedelta(0), id="empty"),
        pytest.param(OFFICE, sh(2026, 9, 21, 11), sh(2026, 9, 21, 10), timedelta(0), id="end-before-start"),
        # Wed 09-30 9 h + Mon 10-05 9 h + Tue 10-06 9 h; Thu, Fri holiday
        pytest.param(HOLIDAY, sh(2026, 9, 30, 9), sh(2026, 10, 6, 18), timedelta(hours=27), id="weekend-and-holiday"),
        pytest.param(OFFICE, sh(2026, 9, 30, 9), sh(2026, 10, 6, 18), timedelta(hours=45), id="no-holiday"),
        # Fri 10-09 17–18 (1 h) + adjusted Sat 10-10 09–18 (9 h) + Mon 10-12 09–10 (1 h)
        pytest.param(ADJUSTED, sh(2026, 10, 9, 17), sh(2026, 10, 12, 10), timedelta(hours=11), id="adjusted-saturday"),
        pytest.param(LUNCH, sh(2026, 9, 21, 11), sh(2026, 9, 21, 14), timedelta(hours=2), id="lunch-break"),
        # UTC 00:00–04:00 is Shanghai 08:00–12:00: 09:00–12:00 counts
        pytest.param(OFFICE, utc(2026, 9, 21, 0), utc(2026, 9, 21, 4), timedelta(hours=3), id="utc-bounds"),
        pytest.param(BERLIN, ber(2026, 3, 27, 17), ber(2026, 3, 30, 10), timedelta(hours=2), id="berlin-dst-weekend"),
        pytest.param(BERLIN_DAILY, ber(2026, 3, 29, 0), ber(2026, 3, 30, 0), timedelta(hours=9), id="berlin-dst-day"),
        # Round the clock: Sat 24 h + the DST Sunday's 23 h; the autumn Sunday has 25 h
        pytest.param(BERLIN_24_7, ber(2026, 3, 28), ber(2026, 3, 30), timedelta(hours=47), id="24-7-spring"),
        pytest.param(BERLIN_24_7, ber(2026, 10, 25), ber(2026, 10, 26), timedelta(hours=25), id="24-7-autumn"),
        pytest.param(NEVER_OPEN, sh(2026, 9, 21), sh(2026, 9, 28), timedelta(0), id="never-open-is-zero"),
    ],
)
def test_business_time_between(calendar, start, end, expected):
    assert business_time_between(calendar=calendar, start=start, end=end) == expected


@pytest.mark.parametrize(
    ("start", "delta"),
    [
        pytest.param(sh(2026, 9, 18, 17), timedelta(hours=2), id="over-weekend"),
        pytest.param(sh(2026, 9, 30, 17), timedelta(hours=30), id="over-holiday"),
        pytest.param(sh(2026, 10, 9, 10, 5), timedelta(hours=16, minutes=55), id="ends-at-saturday-closing"),
    ],
)
def test_between_measures_what_add_adds(start, delta):
    due = add_business_time(calendar=ADJUSTED, start=start, delta=delta)
    assert business_time_between(calendar=ADJUSTED, start=start, end=due) == delta


def test_a_new_holiday_pushes_deadlines_later():
    with_extra = WorkingCalendar(
        time_zone="Asia/Shanghai", weekly=MON_FRI, closed_dates=NATIONAL_DAY | {date(2026, 10, 5)}
    )
    start = sh(2026, 9, 28, 10)  # Monday
    assert deadline(start=start, amount=5, unit=Unit.DAYS, calendar=HOLIDAY) == sh(2026, 10, 7, 10)
    assert deadline(start=start, amount=5, unit=Unit.DAYS, calendar=with_extra) == sh(2026, 10, 8, 10)
    start = sh(2026, 9, 30, 17)  # Wednesday
    assert deadline(start=start, amount=2, unit=Unit.HOURS, calendar=HOLIDAY) == sh(2026, 10, 5, 10)
    assert deadline(start=start, amount=2, unit=Unit.HOURS, calendar=with_extra) == sh(2026, 10, 6, 10)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "calendar", "expected"),
    [
        pytest.param(sh(2026, 9, 18, 17), 30, Unit.MINUTES, None, sh(2026, 9, 18, 17, 30), id="calendar-minutes"),
        pytest.param(sh(2026, 9, 18, 17), 2, Unit.HOURS, None, sh(2026, 9, 18, 19), id="calendar-hours"),
        pytest.param(sh(2026, 9, 18, 17), 3, Unit.DAYS, None, sh(2026, 9, 21, 17), id="calendar-days"),
        pytest.param(sh(2026, 9, 18, 17), 2, "hours", None, sh(2026, 9, 18, 19), id="unit-as-string"),
        # A calendar day is 24 elapsed hours: Sat 12:00 CET + 24 h = Sun 13:00 CEST
        pytest.param(ber(2026, 3, 28, 12), 1, Unit.DAYS, None, ber(2026, 3, 29, 13), id="calendar-day-over-dst"),
        pytest.param(utc(2026, 9, 18, 23), 2, Unit.HOURS, None, utc(2026, 9, 19, 1), id="calendar-keeps-utc"),
        pytest.param(sh(2026, 9, 18, 17), 30, Unit.MINUTES, OFFICE, sh(2026, 9, 18, 17, 30), id="business-minutes"),
        pytest.param(sh(2026, 9, 18, 17), 90, Unit.MINUTES, OFFICE, sh(2026, 9, 21, 9, 30), id="business-minutes-wknd"),
        pytest.param(sh(2026, 9, 18, 17), 2, Unit.HOURS, OFFICE, sh(2026, 9, 21, 10), id="business-hours"),
        pytest.param(sh(2026, 9, 18, 17), 1, Unit.DAYS, OFFICE, sh(2026, 9, 21, 17), id="business-days"),
        pytest.param(sh(2026, 9, 28, 10), 5, Unit.DAYS, HOLIDAY, sh(2026, 10, 7, 10), id="business-days-holiday"),
        pytest.param(utc(2026, 9, 18, 9), 2, Unit.HOURS, OFFICE, sh(2026, 9, 21, 10), id="business-from-utc"),
    ],
)
def test_deadline(start, amount, unit, calendar, expected):
    result = deadline(start=start, amount=amount, unit=unit, calendar=calendar)
    assert result == expected
    assert result.tzinfo == (start.tzinfo if calendar is None else ZoneInfo(calendar.time_zone))
    assert result.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("start", "due", "now", "calendar", "expected"),
    [
        # 5 working hours Mon 09–14; at 13:00, 4 h are used
        pytest.param(sh(2026, 9, 21, 9), sh(2026, 9, 21, 14), sh(2026, 9, 21, 13), OFFICE, 0.8, id="80-percent"),
        # 2 working hours: Fri 17–18 and Mon 09–10; Mon 09:36 → 1 h 36 min used
        pytest.param(sh(2026, 9, 18, 17), sh(2026, 9, 21, 10), sh(2026, 9, 21, 9, 36), OFFICE, 0.8, id="80-over-wknd"),
        pytest.param(sh(2026, 9, 18, 17), sh(2026, 9, 21, 10), sh(2026, 9, 19, 12), OFFICE, 0.5, id="paused-weekend"),
        pytest.param(sh(2026, 9, 18, 17), sh(2026, 9, 21, 10), sh(2026, 9, 21, 11), OFFICE, 1.5, id="overdue"),
        pytest.param(sh(2026, 9, 18, 17), sh(2026, 9, 21, 10), sh(2026, 9, 21, 10), OFFICE, 1.0, id="at-due"),
        pytest.param(sh(2026, 9, 18, 17), sh(2026, 9, 21, 10), sh(2026, 9, 18, 16), OFFICE, 0.0, id="before-start"),
        pytest.param(sh(2026, 9, 18, 17), sh(2026, 9, 21, 10), sh(2026, 9, 18, 17), OFFICE, 0.0, id="at-start"),
        # 10 elapsed hours; 8 used at 17:00
        pytest.param(sh(2026, 9, 21, 9), sh(2026, 9, 21, 19), sh(2026, 9, 21, 17), None, 0.8, id="calendar-time"),
        pytest.param(utc(2026, 9, 21, 1), sh(2026, 9, 21, 19), sh(2026, 9, 21, 17), None, 0.8, id="mixed-zones"),
        pytest.param(sh(2026, 9, 21, 9), sh(2026, 9, 21, 19), sh(2026, 9, 22, 5), None, 2.0, id="calendar-overdue"),
        pytest.param(sh(2026, 9, 21, 9), sh(2026, 9, 21, 9), sh(2026, 9, 21, 9), OFFICE, 1.0, id="no-window-at-due"),
        pytest.param(sh(2026, 9, 21, 9), sh(2026, 9, 21, 8), sh(2026, 9, 21, 7), None, 0.0, id="due-before-start"),
        # A window with no working time in it (Sat 10–12)
        pytest.param(sh(2026, 9, 19, 10), sh(2026, 9, 19, 12), sh(2026, 9, 19, 11), OFFICE, 0.0, id="closed-window"),
        pytest.param(sh(2026, 9, 19, 10), sh(2026, 9, 19, 12), sh(2026, 9, 19, 12), OFFICE, 1.0, id="closed-at-due"),
    ],
)
def test_elapsed_fraction(start, due, now, calendar, expected):
    assert elapsed_fraction(start=start, due=due, now=now, calendar=calendar) == pytest.approx(expected)


NAIVE = datetime(2026, 9, 21, 10)  # noqa: DTZ001 — naive on purpose
AWARE = sh(2026, 9, 21, 10)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_business_time(calendar=OFFICE, start=NAIVE, delta=timedelta(hours=1)), id="add-time"),
        pytest.param(lambda: add_business_days(calendar=OFFICE, start=NAIVE, days=1), id="add-days"),
        pytest.param(lambda: business_time_between(calendar=OFFICE, start=AWARE, end=NAIVE), id="between-end"),
        pytest.param(lambda: deadline(start=NAIVE, amount=1, unit=Unit.HOURS, calendar=None), id="deadline-calendar"),
        pytest.param(lambda: deadline(start=NAIVE, amount=1, unit=Unit.HOURS, calendar=OFFICE), id="deadline-business"),
        pytest.param(lambda: elapsed_fraction(start=AWARE, due=AWARE, now=NAIVE, calendar=None), id="fraction-now"),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: deadline(start=AWARE, amount=0, unit=Unit.HOURS, calendar=OFFICE), id="amount-0"),
        pytest.param(lambda: deadline(start=AWARE, amount=-1, unit=Unit.MINUTES, calendar=None), id="amount-negative"),
        pytest.param(lambda: deadline(start=AWARE, amount=1, unit="weeks", calendar=None), id="unknown-unit"),
        pytest.param(lambda: add_business_days(calendar=OFFICE, start=AWARE, days=0), id="days-0"),
        pytest.param(
            lambda: add_business_time(calendar=OFFICE, start=AWARE, delta=timedelta(seconds=-1)), id="negative-delta"
        ),
    ],
)
def test_bad_amounts_are_rejected(call):
    with pytest.raises(ValueError):
        call()


FAR_SPECIAL_DAY = WorkingCalendar(  # the only working day is ~13 years out, beyond the horizon
    time_zone="Asia/Shanghai", weekly={}, special_days={date(2040, 1, 2): NINE_TO_SIX}
)
NEAR_SPECIAL_DAY = WorkingCalendar(  # the only working day is ~3 years out, within the horizon
    time_zone="Asia/Shanghai", weekly={}, special_days={date(2030, 1, 2): NINE_TO_SIX}
)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_business_time(calendar=NEVER_OPEN, start=AWARE, delta=timedelta(0)), id="add-time-0"),
        pytest.param(lambda: add_business_time(calendar=NEVER_OPEN, start=AWARE, delta=timedelta(1)), id="add-time"),
        pytest.param(lambda: add_business_days(calendar=NEVER_OPEN, start=AWARE, days=1), id="add-days"),
        pytest.param(lambda: deadline(start=AWARE, amount=1, unit=Unit.HOURS, calendar=NEVER_OPEN), id="deadline"),
        pytest.param(lambda: deadline(start=AWARE, amount=1, unit=Unit.DAYS, calendar=NEVER_OPEN), id="deadline-days"),
        pytest.param(lambda: add_business_time(calendar=FAR_SPECIAL_DAY, start=AWARE, delta=timedelta(1)), id="far"),
        # Open once, then never again: the second working day is never found
        pytest.param(lambda: add_business_days(calendar=NEAR_SPECIAL_DAY, start=AWARE, days=1), id="days-after-last"),
    ],
)
def test_never_open_calendar_raises(call):
    with pytest.raises(CalendarNeverOpen):
        call()
    assert issubclass(CalendarNeverOpen, ValueError)


def test_a_working_day_within_the_horizon_is_found():
    assert add_business_time(calendar=NEAR_SPECIAL_DAY, start=AWARE, delta=timedelta(hours=1)) == sh(2030, 1, 2, 10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"time_zone": "Mars/Olympus", "weekly": {}}, "time zone", id="unknown-zone"),
        pytest.param({"time_zone": "Asia/Shanghai", "weekly": {7: NINE_TO_SIX}}, "weekday", id="weekday-7"),
        pytest.param(
            {"time_zone": "Asia/Shanghai", "weekly": {0: ((time(18), time(9)),)}}, "start before", id="inverted"
        ),
        pytest.param(
            {"time_zone": "Asia/Shanghai", "weekly": {0: ((time(9), time(13)), (time(12), time(18)))}},
            "overlap",
            id="overlapping",
        ),
        pytest.param(
            {"time_zone": "Asia/Shanghai", "weekly": {}, "special_days": {date(2026, 10, 10): ((time(9), time(9)),)}},
            "start before",
            id="empty-special-interval",
        ),
    ],
)
def test_invalid_calendars_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(**kwargs)


def test_calendar_is_read_only_and_compares_by_value():
    weekly = dict(MON_FRI)
    calendar = WorkingCalendar(time_zone="Asia/Shanghai", weekly=weekly)
    weekly[5] = NINE_TO_SIX  # editing the caller's dict afterwards does not change the calendar
    assert working_intervals(calendar=calendar, day=date(2026, 9, 19)) == ()
    assert calendar == OFFICE
    with pytest.raises(TypeError):
        calendar.weekly[5] = NINE_TO_SIX  # type: ignore[index]
