"""Benchmark: one clock sweep with many open clocks on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_bench \\
        .venv/bin/python bench/clock_sweep.py --open 1000000 --due 1000

Creates (or tops up) a database with `--open` running resolution clocks, each on its own
complaint (copied in SQL from one complaint filed through the normal intake), makes `--due` of them
due for their warning, and times one `clocks_sweep()`: the query that finds due clocks and the
whole sweep (claim, events, notification rows and their hand-over to the broker; a worker sends
them). `--send-in-process` sends them in the sweep's process as well (Celery eager), the way the
figures before issue 17 were taken. Then it times an idle sweep (nothing due). Not part of
`make test`; results go to bench/RESULTS.md.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.models import Clock, Complaint, ComplaintEvent, Notification  # noqa: E402
from complaints.services.clocks import clocks_sweep  # noqa: E402
from config.celery import app as celery_app  # noqa: E402


def template_complaint() -> Complaint:
    complaint = Complaint.objects.filter(reference__isnull=False).order_by("pk").first()
    if complaint is None:
        call_command("seed_demo", "--force", verbosity=0)
        complaint = Complaint.objects.filter(reference__isnull=False).order_by("pk").first()
    assert complaint is not None
    return complaint


def columns(table: str, skip: set[str]) -> list[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    return [c.name for c in description if c.name not in skip]


def top_up(target: int) -> None:
    """Adds complaints with one running resolution clock each until `target` clocks run."""
    have = Clock.objects.filter(state="running").count()
    missing = target - have
    if missing <= 0:
        return
    template = template_complaint()
    process_cols = columns("viewflow_process", {"id"})
    complaint_cols = columns("complaints_complaint", {"process_ptr_id", "reference"})
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Column names come from the database's own catalogue, not from input.
        cursor.execute(
            f"""
            WITH new AS (
                INSERT INTO viewflow_process ({", ".join(process_cols)})
                SELECT {", ".join("p." + c for c in process_cols)}
                FROM viewflow_process p, generate_series(1, %s)
                WHERE p.id = %s
                RETURNING id
            )
            INSERT INTO complaints_complaint (process_ptr_id, {", ".join(complaint_cols)})
            SELECT new.id, {", ".join("c." + col for col in complaint_cols)}
            FROM new, complaints_complaint c WHERE c.process_ptr_id = %s
            """,  # noqa: S608
            [missing, template.pk, template.pk],
        )
        cursor.execute(
            """
            INSERT INTO complaints_clock (complaint_id, kind, subject, state, started_at, due_at, warn_at)
            SELECT c.process_ptr_id, 'resolution', 0, 'running', now(),
                   now() + interval '30 days' + (c.process_ptr_id % 1000) * interval '1 minute',
                   now() + interval '20 days'
            FROM complaints_complaint c
            WHERE NOT EXISTS (
                SELECT 1 FROM complaints_clock k
                WHERE k.complaint_id = c.process_ptr_id AND k.kind = 'resolution' AND k.state IN ('running', 'paused')
            )
            """
        )
        cursor.execute("ANALYZE complaints_clock")
    print(f"created {missing} complaints and clocks in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--send-in-process", action="store_true", help="send the notifications in the sweep too")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL"
    celery_app.conf.task_always_eager = args.send_in_process
    call_command("migrate", verbosity=0)
    top_up(args.open)
    now = timezone.now()
    # Reset the previous run's warnings, then make `--due` clocks due for their warning.
    Clock.objects.filter(state="running", warned_at__isnull=False).update(
        warned_at=None, warn_at=now + timedelta(days=20)
    )
    due_ids = list(Clock.objects.filter(state="running").order_by("?").values_list("pk", flat=True)[: args.due])
    Clock.objects.filter(pk__in=due_ids).update(warn_at=now - timedelta(minutes=1))
    open_count = Clock.objects.filter(state="running").count()

    query = Clock.objects.filter(state="running", warned_at__isnull=True, warn_at__lte=now).order_by("warn_at")
    started = time.perf_counter()
    found = len(list(query.values_list("pk", flat=True)[: args.due]))
    find_ms = (time.perf_counter() - started) * 1000
    with connection.cursor() as cursor:
        sql, params = query.values_list("pk", flat=True)[: args.due].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    events_before = ComplaintEvent.objects.count()
    notifications_before = Notification.objects.count()
    started = time.perf_counter()
    result = clocks_sweep(now=now, batch=args.due)
    sweep_s = time.perf_counter() - started
    print(f"open clocks: {open_count}")
    print(f"due for warning: {found} (found in {find_ms:.1f} ms)")
    per_clock = sweep_s / max(1, result["warned"])
    print(f"sweep: {result} in {sweep_s:.2f} s ({per_clock * 1000:.1f} ms per due clock, {1 / per_clock:.0f} clocks/s)")
    print(f"events written: {ComplaintEvent.objects.count() - events_before}")
    print(f"notification rows: {Notification.objects.count() - notifications_before}")
    idle = []
    for _ in range(5):
        started = time.perf_counter()
        clocks_sweep(now=now)
        idle.append((time.perf_counter() - started) * 1000)
    print(f"idle sweep (nothing due): {min(idle):.1f} ms best of 5, {max(idle):.1f} ms worst")
    print("plan of the due-clock query:")
    print(plan)


if __name__ == "__main__":
    main()
