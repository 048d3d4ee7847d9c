"""Notification timing: quiet hours per recipient, and the next beat of a repeating reminder."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def quiet_until(*, now: datetime, start: time, end: time, time_zone: str) -> datetime | None:
    """Rule: inside the recipient's quiet hours (wall time in their zone; an interval may cross
    midnight), a message waits until the quiet hours end; outside them it goes now (None).

    Example: quiet 22:00–07:00 in Asia/Shanghai, now 23:30 local → 07:00 local the next morning;
    now 12:00 local → None; quiet 13:00–14:00, now 13:59 → 14:00 the same day.
    Why: people asked to be left alone at night still get the warning, first thing in the morning.
    """
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= wall < end
        end_day = local.date()
    else:  # crosses midnight: 22:00–07:00
        inside = wall >= start or wall < end
        end_day = local.date() + timedelta(days=1) if wall >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end).replace(tzinfo=zone).astimezone(UTC)


def next_reminder(*, due: datetime, interval: timedelta, now: datetime) -> datetime:
    """Rule: a repeating reminder re-arms one interval after its due time; a sweep that comes late
    (a worker was down for hours) sends one reminder and re-arms at the first beat after now.

    Example: due 10:00, interval 1 h, now 10:00:30 → 11:00; now 13:20 → 14:00.
    Why: one reminder per interval, never a burst of missed ones.
    """
    if interval <= timedelta(0):
        raise ValueError("a reminder interval must be positive")
    if due > now:
        return due + interval
    missed = (now - due) // interval
    return due + (missed + 1) * interval
