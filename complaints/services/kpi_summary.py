"""Keeps the KPI summary rows (KpiDay, KpiDayLevel) in step with the complaints.

PostgreSQL triggers (migrations 0024_kpi2 and 0036_kpi4) write a KpiStale mark with the receipt time
of every complaint whose KPI inputs change (the complaint row, its escalations, clocks, reopenings,
compensation, corrective actions, triage suggestions, appeals, causes and responsibility shares;
every complaint when the KPI settings' thresholds change).
`kpi_refresh` consumes the marks and rebuilds the summary of each local day they fall on, counting
that day's complaints with complaints.selectors.kpi.day_rows (the dashboard's own conditions), then
the month rows (`monthly`, the sums of a month's day rows) of the months those days are in: a few
stale days write only the day rows whose figures changed and add the differences to their month
rows (a month row stays the sum of its day rows: migration 0038_kpi5 made it so for the rows before
it); a full rebuild, or more than CHUNK_DAYS stale days, re-sums the months. The
dashboard refreshes the stale days of the period it shows before reading, so a number is never
older than the request; beat refreshes the rest every few minutes (KPI_REFRESH_SECONDS) so that the
dashboard rarely has anything to do. One refresh at a time (an advisory lock), so two readers never
write a day twice.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q
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


def kpi_refresh(*, bounds: tuple[datetime, datetime] | None = None, resum: bool = False) -> int:
    """Rebuilds the summary of every local day with a stale mark (only those whose marks fall within
    `bounds`, a half-open span of aware datetimes, if given), and their month rows: by adding each
    changed row's difference, or with `resum` (or when more than CHUNK_DAYS days are stale) by adding
    up the month's day rows again. Returns the number of days rebuilt.
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
        _rebuild(days, resum=resum or len(days) > CHUNK_DAYS)
    return len(days)


def kpi_rebuild_all() -> int:
    """Marks every registered complaint's day stale and rebuilds them all (after the migration, or
    to check the summary against the complaints). Returns the number of days rebuilt."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(STALE_ALL)
    days = kpi_refresh(resum=True)
    if not connection.in_atomic_block:  # VACUUM cannot run inside a transaction (a test's, say)
        # Every mark was just deleted and every summary row rewritten: without a vacuum the next
        # reads wade through the dead rows (the dashboard's "anything stale?" probe took 0.7 s at
        # 100,000 complaints where autovacuum was off or had not come round yet).
        with connection.cursor() as cursor:
            for model in (KpiStale, KpiDay, KpiDayLevel, KpiDayBreakdown):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return days


# Per summary model: the fields that tell its rows apart besides the dimensions, and the fields its
# month rows keep (the others are blanked: category None, channel "").
EXTRA_KEYS: dict[type[Model], tuple[str, ...]] = {
    KpiDay: (),
    KpiDayLevel: ("of_level_id",),
    KpiDayBreakdown: ("kind", "key"),
}
MONTH_KEEPS: dict[type[Model], tuple[str, ...]] = {
    KpiDay: DIMENSIONS[1:],
    KpiDayLevel: (*DIMENSIONS[1:], "of_level_id"),
    KpiDayBreakdown: ("department_id", "priority_id", "level_id", "kind", "key"),
}
BLANK = {"category_id": None, "channel": ""}  # dimensions a month row may leave out

Rows = dict[tuple[Any, ...], dict[str, Any]]  # a summary row's key fields (in order) -> its summed values


def _key_fields(model: type[Model]) -> tuple[str, ...]:
    return (*DIMENSIONS, *EXTRA_KEYS[model])


def _summed(model: type[Model]) -> list[str]:
    """The columns a month row adds up: every one but the key fields."""
    keys = {"id", "monthly", *_key_fields(model)}
    return [f.attname for f in model._meta.concrete_fields if f.attname not in keys]


def _rebuild(days: list[date], *, resum: bool) -> None:
    """Recounts the day rows of `days`. With `resum`, rewrites them all and re-sums their months (a
    full rebuild, or many days); else writes only the rows whose figures changed and adds the change
    to their month rows (a month row is the sum of its day rows before and after: one change at
    1,000,000 complaints then touches a few rows instead of re-summing the month's ~100,000)."""
    months: dict[type[Model], Rows] = {model: {} for model in EXTRA_KEYS}
    for i in range(0, len(days), CHUNK_DAYS):
        chunk = days[i : i + CHUNK_DAYS]
        counted = _counted(chunk)
        for model, rows in counted.items():
            if resum:
                model._default_manager.filter(monthly=False, day__in=chunk).delete()
                model._default_manager.bulk_create(_objects(model, rows, monthly=False), batch_size=2000)
            else:
                _write_changes(model, chunk, rows, months[model])
    if resum:
        _rebuild_months(sorted({day.replace(day=1) for day in days}))
    else:
        for model, change in months.items():
            _add_to_months(model, change)


def _counted(days: list[date]) -> dict[type[Model], Rows]:
    """The summary rows of `days` counted from their complaints (selectors.kpi.day_rows), per model."""
    from complaints.selectors.kpi import day_rows

    tz = timezone.get_current_timezone()
    qs = Complaint.objects.filter(reference__isnull=False, received_at__isnull=False)
    within = Q()
    for first, last in _ranges(days):
        within |= Q(
            received_at__gte=datetime.combine(first, time.min, tz),
            received_at__lt=datetime.combine(last + timedelta(days=1), time.min, tz),
        )
    out: dict[type[Model], Rows] = {model: {} for model in EXTRA_KEYS}
    for key, r in day_rows(qs.filter(within)).items():
        if key[1] is None:  # a registered complaint always has a department; nothing to file it under
            continue
        levels = r.pop("levels")
        breakdowns = r.pop("breakdowns")
        out[KpiDay][key] = r
        for level, (handled, escalated) in levels.items():
            out[KpiDayLevel][(*key, level)] = {"handled": handled, "escalated": escalated}
        for (kind, part), value in breakdowns.items():
            out[KpiDayBreakdown][(*key, str(kind), part)] = {"value": value}
    return out


def _objects(model: type[Model], rows: Rows, *, monthly: bool) -> list[Model]:
    fields = _key_fields(model)
    return [model(**dict(zip(fields, key, strict=True)), monthly=monthly, **values) for key, values in rows.items()]


def _write_changes(model: type[Model], days: list[date], counted: Rows, months: Rows) -> None:
    """Replaces the day rows of `days` whose figures differ from `counted` (two statements, none when
    nothing changed) and adds each difference to `months` under its month row's key."""
    fields, summed = _key_fields(model), _summed(model)
    stored: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {
        tuple(r[1 : len(fields) + 1]): (r[0], dict(zip(summed, r[len(fields) + 1 :], strict=True)))
        for r in model._default_manager.filter(monthly=False, day__in=days).values_list("id", *fields, *summed)
    }
    gone: list[int] = []
    added: Rows = {}
    for key in stored.keys() | counted.keys():
        pk, old = stored.get(key, (None, {}))
        new = counted.get(key, {})
        difference = {c: new.get(c, 0) - old.get(c, 0) for c in summed}
        if not any(difference.values()):
            continue
        if pk is not None:
            gone.append(pk)
        if key in counted:
            added[key] = new
        month = months.setdefault(_month_key(model, key), dict.fromkeys(summed, 0))
        for c in summed:
            month[c] += difference[c]
    if gone:
        model._default_manager.filter(pk__in=gone).delete()
    if added:
        model._default_manager.bulk_create(_objects(model, added, monthly=False), batch_size=2000)


def _month_key(model: type[Model], key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The key of the month row a day row adds up into (its month's first day, the dimensions the
    model's month rows leave out blanked)."""
    kept = MONTH_KEEPS[model]
    fields = _key_fields(model)
    return (
        key[0].replace(day=1),
        *(value if name in kept else BLANK[name] for name, value in zip(fields[1:], key[1:], strict=True)),
    )


def _add_to_months(model: type[Model], change: Rows) -> None:
    """Adds the day rows' differences to their month rows (three statements at most): a month row
    whose every figure falls to 0 has no day row left (each day row counts at least one complaint,
    handled or escalated complaint or positive share) and goes; a new key gets its row."""
    change = {key: d for key, d in change.items() if any(d.values())}
    if not change:
        return
    fields, summed = _key_fields(model), _summed(model)
    months = sorted({key[0] for key in change})
    departments = sorted({key[1] for key in change})
    stored = {
        tuple(r[1 : len(fields) + 1]): (r[0], dict(zip(summed, r[len(fields) + 1 :], strict=True)))
        for r in model._default_manager.filter(monthly=True, day__in=months, department_id__in=departments).values_list(
            "id", *fields, *summed
        )
    }
    gone: list[int] = []
    added: Rows = {}
    for key, difference in change.items():
        pk, old = stored.get(key, (None, {}))
        new = {c: old.get(c, 0) + difference[c] for c in summed}
        if pk is not None:
            gone.append(pk)
        if any(new.values()):
            added[key] = new
    if gone:
        model._default_manager.filter(pk__in=gone).delete()
    if added:
        model._default_manager.bulk_create(_objects(model, added, monthly=True), batch_size=2000)


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
            model._default_manager.filter(monthly=True, day=month).delete()
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
