"""Keeps the KPI summary rows (KpiDay, KpiDayLevel) in step with the complaints.

PostgreSQL triggers (migrations 0024_kpi2 and 0036_kpi4) write a KpiStale mark with the receipt time
of every complaint whose KPI inputs change (the complaint row, its escalations, clocks, reopenings,
compensation, corrective actions, triage suggestions, appeals, causes and responsibility shares;
every complaint when the KPI settings' thresholds change).
`kpi_refresh` consumes the marks and rebuilds the summary of each local day they fall on, counting
that day's complaints with complaints.selectors.kpi.day_rows (the dashboard's own conditions), then
the month rows (`monthly`, the sums of a month's day rows) of the months those days are in. The
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

from complaints.models import Complaint, KpiDay, KpiDayBreakdown, KpiDayLevel, KpiStale
from complaints.rules.kpi import month_after

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
        # PostgreSQL's JIT spent 1.6 s of a one-day recount's 2.1 s emitting code at 1,000,000
        # complaints (bench/RESULTS.md): these grouped counts run once and read few rows.
        cursor.execute("SET LOCAL jit = off")
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
    days = kpi_refresh()
    if not connection.in_atomic_block:  # VACUUM cannot run inside a transaction (a test's, say)
        # Every mark was just deleted and every summary row rewritten: without a vacuum the next
        # reads wade through the dead rows (the dashboard's "anything stale?" probe took 0.7 s at
        # 100,000 complaints where autovacuum was off or had not come round yet).
        with connection.cursor() as cursor:
            for model in (KpiStale, KpiDay, KpiDayLevel, KpiDayBreakdown):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return days


def _rebuild(days: list[date]) -> None:
    from complaints.selectors.kpi import day_rows

    tz = timezone.get_current_timezone()
    for i in range(0, len(days), CHUNK_DAYS):
        chunk = days[i : i + CHUNK_DAYS]
        KpiDay.objects.filter(monthly=False, day__in=chunk).delete()
        KpiDayLevel.objects.filter(monthly=False, day__in=chunk).delete()
        ranges = _ranges(chunk)
        qs = Complaint.objects.filter(reference__isnull=False, received_at__isnull=False)
        within = Q()
        for first, last in ranges:
            within |= Q(
                received_at__gte=datetime.combine(first, time.min, tz),
                received_at__lt=datetime.combine(last + timedelta(days=1), time.min, tz),
            )
        KpiDayBreakdown.objects.filter(monthly=False, day__in=chunk).delete()
        rows = day_rows(qs.filter(within))
        days_rows, level_rows, breakdown_rows = [], [], []
        for key, r in rows.items():
            dims: dict[str, Any] = dict(zip(DIMENSIONS, key, strict=True))
            if key[1] is None:  # a registered complaint always has a department; nothing to file it under
                continue
            levels = r.pop("levels")
            breakdowns = r.pop("breakdowns")
            days_rows.append(KpiDay(**dims, **r))
            level_rows += [
                KpiDayLevel(**dims, of_level_id=level, handled=h, escalated=e) for level, (h, e) in levels.items()
            ]
            breakdown_rows += [
                KpiDayBreakdown(**dims, kind=kind, key=part, value=value) for (kind, part), value in breakdowns.items()
            ]
        KpiDay.objects.bulk_create(days_rows, batch_size=2000)
        KpiDayLevel.objects.bulk_create(level_rows, batch_size=2000)
        KpiDayBreakdown.objects.bulk_create(breakdown_rows, batch_size=2000)
    _rebuild_months(sorted({day.replace(day=1) for day in days}))


def _rebuild_months(months: list[date]) -> None:
    """Adds up the day rows of each given month (its first day) into that month's rows (`monthly`),
    in the database: per model one delete and one INSERT … SELECT per month. KpiDay and KpiDayLevel
    keep every dimension; KpiDayBreakdown keeps department, priority and level (see its model)."""
    for month in months:
        following = month_after(month)
        for model, kept in (
            (KpiDay, (*DIMENSIONS[1:],)),
            (KpiDayLevel, (*DIMENSIONS[1:], "of_level_id")),
            (KpiDayBreakdown, ("department_id", "priority_id", "level_id", "kind", "key")),
        ):
            model.objects.filter(monthly=True, day=month).delete()
            columns = [f.column for f in model._meta.concrete_fields]
            summed = [c for c in columns if c not in (*kept, "id", "day", "monthly", "category_id", "channel")]
            blank = {"category_id": "NULL", "channel": "''"}  # dimensions the monthly rows leave out
            dropped = [c for c in ("category_id", "channel") if c not in kept and c in columns]
            table = model._meta.db_table
            insert = ", ".join(["day", "monthly", *kept, *dropped, *summed])
            select = ", ".join(["%s", "TRUE", *kept, *(blank[c] for c in dropped), *(f"SUM({c})" for c in summed)])
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({insert}) SELECT {select} FROM {table} "  # noqa: S608 (names from the models)
                    f"WHERE NOT monthly AND day >= %s AND day < %s GROUP BY {', '.join(kept)}",
                    [month, month, following],
                )


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) pairs: one range condition each instead of one per day."""
    out: list[tuple[date, date]] = []
    for day in days:
        if out and out[-1][1] + timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out
