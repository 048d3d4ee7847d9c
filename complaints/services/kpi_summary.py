"""Keeps the KPI summary rows (KpiDay, KpiDayLevel) in step with the complaints.

PostgreSQL triggers (migration 0024_kpi2) write a KpiStale mark with the receipt time of every
complaint whose KPI inputs change (the complaint row, its escalations, clocks, reopenings,
compensation and corrective actions; every complaint when the KPI settings' thresholds change).
`kpi_refresh` consumes the marks and rebuilds the summary of each local day they fall on, counting
that day's complaints with complaints.selectors.kpi.day_rows (the dashboard's own conditions). The
dashboard refreshes the stale days of the period it shows before reading, so a number is never
older than the request; beat refreshes the rest every few minutes (KPI_REFRESH_SECONDS) so that the
dashboard rarely has anything to do. One refresh at a time (an advisory lock), so two readers never
write a day twice.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from complaints.models import Complaint, KpiDay, KpiDayLevel

LOCK = 0x4B5049  # "KPI": the advisory lock of the refresh
CHUNK_DAYS = 31  # days counted per grouped query when many are stale (a full rebuild)
DIMENSIONS = ("day", "department_id", "category_id", "priority_id", "level_id", "channel")
# Every hour (its first and last minute, for zones off the hour) that received a complaint.
STALE_ALL = """
    INSERT INTO complaints_kpistale (received_at)
    SELECT DISTINCT t FROM complaints_complaint c,
        LATERAL (VALUES (date_trunc('hour', c.received_at)),
                        (date_trunc('hour', c.received_at) + interval '59 minutes')) AS m(t)
    WHERE c.received_at IS NOT NULL
"""


def kpi_refresh(*, bounds: tuple[datetime, datetime] | None = None) -> int:
    """Rebuilds the summary of every local day with a stale mark (only those whose marks fall within
    `bounds`, a half-open span of aware datetimes, if given). Returns the number of days rebuilt.
    PostgreSQL only (SQLite has no triggers and no summary: the KPIs count the complaints there)."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        where, params = ("WHERE received_at >= %s AND received_at < %s", list(bounds)) if bounds else ("", [])
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM complaints_kpistale {where})", params)  # noqa: S608
        if not cursor.fetchone()[0]:
            return 0  # the common case: nothing changed since the last refresh, no lock taken
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        # The marks are deleted before the complaints are counted: a change committed after this
        # statement leaves its own mark for the next refresh; one committed before it is counted.
        tz = timezone.get_current_timezone_name()
        cursor.execute(
            f"DELETE FROM complaints_kpistale {where} RETURNING (received_at AT TIME ZONE %s)::date",  # noqa: S608
            [*params, tz],
        )
        days = sorted({row[0] for row in cursor.fetchall()})
        _rebuild(days)
    return len(days)


def kpi_rebuild_all() -> int:
    """Marks every registered complaint's day stale and rebuilds them all (after the migration, or
    to check the summary against the complaints). Returns the number of days rebuilt."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(STALE_ALL)
    return kpi_refresh()


def _rebuild(days: list[date]) -> None:
    from complaints.selectors.kpi import day_rows

    tz = timezone.get_current_timezone()
    for i in range(0, len(days), CHUNK_DAYS):
        chunk = days[i : i + CHUNK_DAYS]
        KpiDay.objects.filter(day__in=chunk).delete()
        KpiDayLevel.objects.filter(day__in=chunk).delete()
        ranges = _ranges(chunk)
        qs = Complaint.objects.filter(reference__isnull=False, received_at__isnull=False)
        within = Q()
        for first, last in ranges:
            within |= Q(
                received_at__gte=datetime.combine(first, time.min, tz),
                received_at__lt=datetime.combine(last + timedelta(days=1), time.min, tz),
            )
        rows = day_rows(qs.filter(within))
        days_rows, level_rows = [], []
        for key, r in rows.items():
            dims: dict[str, Any] = dict(zip(DIMENSIONS, key, strict=True))
            if key[1] is None:  # a registered complaint always has a department; nothing to file it under
                continue
            levels = r.pop("levels")
            days_rows.append(KpiDay(**dims, **r))
            level_rows += [
                KpiDayLevel(**dims, of_level_id=level, handled=h, escalated=e) for level, (h, e) in levels.items()
            ]
        KpiDay.objects.bulk_create(days_rows, batch_size=2000)
        KpiDayLevel.objects.bulk_create(level_rows, batch_size=2000)


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) pairs: one range condition each instead of one per day."""
    out: list[tuple[date, date]] = []
    for day in days:
        if out and out[-1][1] + timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out
