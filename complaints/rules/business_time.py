"""Business time: complaint deadlines counted in calendar time or in an organisation's working hours.

A working calendar gives the hours of each weekday in the organisation's local wall time, the
holidays, and the special days that carry their own hours (an adjusted working weekend day, 调休,
or a short day). Wall times are read in the calendar's time zone, so 09:00–18:00 stays 09:00–18:00
on a DST day; durations are measured in real elapsed time (instants compared in UTC).

An interval end of 00:00 means midnight at the end of that day (24:00), so a day can be open
around the clock. A wall time that does not exist (skipped by a DST change) or exists twice is
resolved as Python does by default (fold=0: the offset in force before the change).
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[time, time]

HORIZON_DAYS = 3700
"""How many days without any working time are searched before giving up (about ten years)."""

_DAY = timedelta(days=1)
_MIDNIGHT = time(0, 0)


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"


class CalendarNeverOpen(ValueError):
    """No working time exists within the search horizon."""


def _offset(moment: time, *, is_end: bool) -> timedelta:
    """A wall time as the distance from local midnight; an end of 00:00 is the next midnight."""
    if is_end and moment == _MIDNIGHT:
        return _DAY
    return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second, microseconds=moment.microsecond)


def overlapping_weekdays(spans: Iterable[tuple[int, time, time]]) -> list[int]:
    """Rule: working intervals of one weekday must not overlap (touching is fine).

    Example: [(0, 09:00, 12:00), (0, 11:00, 18:00), (1, 09:00, 12:00)] → [0]
    Why: an overlap would count the same hour twice; the admin and the import refuse it.
    """
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in spans:
        by_day.setdefault(weekday, []).append((start, end))
    return sorted(day for day, intervals in by_day.items() if any(b[0] < a[1] for a, b in pairwise(sorted(intervals))))


def _checked_intervals(intervals: tuple[Interval, ...], *, where: str) -> tuple[Interval, ...]:
    checked = tuple((start, end) for start, end in intervals)
    previous_end = timedelta(0)
    for start, end in checked:
        if not isinstance(start, time) or not isinstance(end, time) or start.tzinfo or end.tzinfo:
            raise ValueError(f"{where}: working intervals are pairs of naive datetime.time values")
        start_offset, end_offset = _offset(start, is_end=False), _offset(end, is_end=True)
        if start_offset >= end_offset:
            raise ValueError(f"{where}: interval {start}–{end} must start before it ends")
        if start_offset < previous_end:
            raise ValueError(f"{where}: intervals must be sorted and must not overlap")
        previous_end = end_offset
    return checked


@dataclass(frozen=True)
class WorkingCalendar:
    """An organisation's working time. Mappings are copied into read-only views on creation."""

    time_zone: str
    weekly: Mapping[int, tuple[Interval, ...]]
    closed_dates: frozenset[date] = frozenset()
    special_days: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error
        weekly = {}
        for weekday, intervals in self.weekly.items():
            if weekday not in range(7):
                raise ValueError(f"weekday {weekday!r} is not 0 (Monday) … 6 (Sunday)")
            weekly[weekday] = _checked_intervals(intervals, where=f"weekday {weekday}")
        special = {day: _checked_intervals(hours, where=str(day)) for day, hours in self.special_days.items()}
        object.__setattr__(self, "weekly", MappingProxyType(weekly))
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        object.__setattr__(self, "special_days", MappingProxyType(special))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _require_aware(**moments: datetime) -> None:
    for name, moment in moments.items():
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment!r}")


def _instant(local_wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time in `zone` as a UTC instant."""
    return local_wall.replace(tzinfo=zone).astimezone(UTC)


def _next_day(day: date) -> date | None:
    return None if day == date.max else day + _DAY


def working_intervals(*, calendar: WorkingCalendar, day: date) -> tuple[Interval, ...]:
    """Rule: a special day has its own hours (even on a weekend or a holiday); otherwise a closed
    date has none; otherwise the weekday's hours apply, and a weekday not listed is closed.

    Example: Mon–Fri 09:00–18:00 with Saturday 2026-10-10 as a special 09:00–18:00 day →
    that Saturday has ((09:00, 18:00),); Thursday 2026-10-01 listed as closed has ().
    Why: holidays and adjusted working days (调休) move the working week around public holidays.
    """
    if day in calendar.special_days:
        return calendar.special_days[day]
    if day in calendar.closed_dates:
        return ()
    return calendar.weekly.get(day.weekday(), ())


def _spans(
    calendar: WorkingCalendar, *, since: datetime, until: datetime | None = None
) -> Iterator[tuple[datetime, datetime]]:
    """The working spans from `since` on, as ordered, non-overlapping UTC instants, the first one
    clipped to start no earlier than `since`. Without `until` the spans go on until the caller
    stops, and CalendarNeverOpen is raised after HORIZON_DAYS days in a row without working time."""
    zone = calendar.zone
    since = since.astimezone(UTC)
    last_day = until.astimezone(zone).date() if until is not None else None
    day: date | None = since.astimezone(zone).date()
    latest = since
    empty_days = 0
    while day is not None and (last_day is None or day <= last_day):
        intervals = working_intervals(calendar=calendar, day=day)
        if intervals:
            empty_days = 0
        else:
            empty_days += 1
            if last_day is None and empty_days > HORIZON_DAYS:
                break
        midnight = datetime.combine(day, _MIDNIGHT)
        for start, end in intervals:
            opens = max(_instant(midnight + _offset(start, is_end=False), zone), latest)
            closes = _instant(midnight + _offset(end, is_end=True), zone)
            if closes > opens:
                yield opens, closes
                latest = closes
        day = _next_day(day)
    if last_day is None:
        raise CalendarNeverOpen(f"no working time within {HORIZON_DAYS} days after {since.isoformat()}")


def add_business_time(*, calendar: WorkingCalendar, start: datetime, delta: timedelta) -> datetime:
    """Rule: only working time counts. A start outside working hours counts from the next opening;
    the result is the moment `delta` of working time has elapsed. A delta that runs out exactly at
    a closing time ends at that closing time, not at the next opening. A zero delta gives the start
    itself when it is within hours, otherwise the next opening. A negative delta is an error.

    Example: Mon–Fri 09:00–18:00, Friday 17:00 + 2 h → Monday 10:00; Friday 17:00 + 1 h → Friday 18:00.
    Why: response and resolution limits are promised in working hours, not in nights and weekends.
    """
    _require_aware(start=start)
    if delta < timedelta(0):
        raise ValueError(f"delta must not be negative, got {delta}")
    remaining = delta
    for opens, closes in _spans(calendar, since=start):
        if remaining <= closes - opens:
            return (opens + remaining).astimezone(calendar.zone)
        remaining -= closes - opens
    raise AssertionError("unreachable: _spans either yields forever or raises")  # pragma: no cover


def add_business_days(*, calendar: WorkingCalendar, start: datetime, days: int) -> datetime:
    """Rule: a start outside working hours first moves to the next opening. N business days later is
    the same local time of day on the Nth working day after that (effective) day. On the target day
    the deadline is the latest working moment not after that time of day: the time itself when the
    day is open then, the preceding closing time when it falls after closing or in a break, and the
    day's first opening when it falls before it. `days` must be at least 1.

    Example: Mon–Fri 09:00–18:00, Friday 10:00 + 1 → Monday 10:00; Friday 20:00 + 1 → Tuesday 09:00.
    Why: "answer within 5 working days" means the same hour five working days on, whatever the
    weekends and holidays in between.
    """
    _require_aware(start=start)
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    zone = calendar.zone
    effective = add_business_time(calendar=calendar, start=start, delta=timedelta(0))
    day = effective.date()
    time_of_day = effective.replace(tzinfo=None) - datetime.combine(day, _MIDNIGHT)
    counted = empty_days = 0
    while True:
        following = _next_day(day)
        if following is None:
            raise CalendarNeverOpen(f"no working day after {day}")
        day = following
        intervals = working_intervals(calendar=calendar, day=day)
        if intervals:
            counted, empty_days = counted + 1, 0
            if counted == days:
                break
        else:
            empty_days += 1
            if empty_days > HORIZON_DAYS:
                raise CalendarNeverOpen(f"no working day within {HORIZON_DAYS} days after {day - empty_days * _DAY}")
    chosen = _offset(intervals[0][0], is_end=False)
    for start_time, end_time in intervals:
        opens, closes = _offset(start_time, is_end=False), _offset(end_time, is_end=True)
        if time_of_day < opens:
            break
        chosen = min(time_of_day, closes)
    return _instant(datetime.combine(day, _MIDNIGHT) + chosen, zone).astimezone(zone)


def business_time_between(*, calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """Rule: the working time that elapses between two instants; zero when `end` is not after `start`.

    Example: Mon–Fri 09:00–18:00, Friday 17:00 → Monday 10:00 is 2 h.
    Why: paused clocks and warning thresholds (share of a limit used) need the time actually worked.
    """
    _require_aware(start=start, end=end)
    end_utc = end.astimezone(UTC)
    total = timedelta(0)
    if end_utc <= start.astimezone(UTC):
        return total
    for opens, closes in _spans(calendar, since=start, until=end):
        if opens >= end_utc:
            break
        total += min(closes, end_utc) - opens
    return total


def deadline(*, start: datetime, amount: int, unit: Unit, calendar: WorkingCalendar | None) -> datetime:
    """Rule: without a calendar the limit runs in elapsed time (a day is 24 h) and the result keeps
    the start's time zone. With a calendar, minutes and hours are working time and days are business
    days, and the result is in the calendar's time zone. `amount` must be at least 1.

    Example: Friday 17:00 + 2 hours → Friday 19:00 without a calendar, Monday 10:00 with Mon–Fri 09–18.
    Why: each priority chooses whether its limits stop outside the organisation's working hours.
    """
    _require_aware(start=start)
    if amount < 1:
        raise ValueError(f"amount must be at least 1, got {amount}")
    unit = Unit(unit)
    if calendar is not None and unit is Unit.DAYS:
        return add_business_days(calendar=calendar, start=start, days=amount)
    delta = {Unit.MINUTES: timedelta(minutes=amount), Unit.HOURS: timedelta(hours=amount), Unit.DAYS: amount * _DAY}[
        unit
    ]
    if calendar is not None:
        return add_business_time(calendar=calendar, start=start, delta=delta)
    return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)


def elapsed_fraction(*, start: datetime, due: datetime, now: datetime, calendar: WorkingCalendar | None) -> float:
    """Rule: the share of the window from `start` to `due` used up at `now`, in working time when a
    calendar is given: 0.0 up to the start, 1.0 at the due time, above 1.0 once overdue. A window
    with no length (due not after start, or no working time in it) is 0.0 before due and 1.0 from it.

    Example: Mon–Fri 09:00–18:00, start Monday 09:00, due Monday 14:00 → at 13:00 the fraction is 0.8.
    Why: warnings fire at a share of the limit (e.g. 80 %) before the deadline is breached.
    """
    _require_aware(start=start, due=due, now=now)
    start, due, now = start.astimezone(UTC), due.astimezone(UTC), now.astimezone(UTC)
    if due <= start:
        return 1.0 if now >= due else 0.0
    if now <= start:
        return 0.0
    if calendar is None:
        return (now - start) / (due - start)
    total = business_time_between(calendar=calendar, start=start, end=due)
    if total <= timedelta(0):
        return 1.0 if now >= due else 0.0
    return business_time_between(calendar=calendar, start=start, end=now) / total


def warning_time(*, start: datetime, due: datetime, percent: int, calendar: WorkingCalendar | None) -> datetime:
    """Rule: a clock warns when `percent` of its limit has elapsed, counted in the same time as the
    limit (business time where the level says so).

    Example: start Mon 09:00, due Mon 19:00 in calendar time, percent 80 → Mon 17:00.
    Why: DOMAIN.md: warn at 80 % of the level's limit (the percentage is the level's, admin-owned).
    """
    _require_aware(start=start, due=due)
    if due <= start:
        return due
    if calendar is None:
        return start + (due - start) * percent / 100
    total = business_time_between(calendar=calendar, start=start, end=due)
    if total <= timedelta(0):
        return due
    return min(due, add_business_time(calendar=calendar, start=start, delta=total * percent / 100))
