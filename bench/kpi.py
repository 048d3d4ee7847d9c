"""Benchmark: the dashboard's KPIs at size (one month and one year, as a superuser and as a
regional lead), DB time and whole-request time, and EXPLAIN of the slowest query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_kpi \\
        .venv/bin/python bench/kpi.py --runs 5 [--explain bench/plans]

Run on a database filled by `seed_demo` and `bench_data` (e.g. --complaints 100000 --open 10000).
Each case requests /dashboard/ through Django's test client (middleware, view, templates; no
network) after one warm-up; per request the time in the database (every query) and the whole
request are recorded and p50/max printed with the query count and the machine's 1-minute load
average before and after the case (os.getloadavg: on a shared machine the figures depend on it).
With `--explain DIR` the slowest query of each case is written as `EXPLAIN (ANALYZE, BUFFERS)`.
Results go to bench/RESULTS.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.models import Complaint  # noqa: E402


class QueryTimer:
    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0
        self.slowest: tuple[float, str, Any] = (0.0, "", None)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.total += took
            self.count += 1
            if took > self.slowest[0]:
                self.slowest = (took, sql, params)


def change(run: int) -> None:
    """One complaint received today and one received 200 days ago get another satisfaction score."""
    now = timezone.now()
    for days in (0, 200):
        day = Complaint.objects.filter(
            received_at__gte=now - timedelta(days=days + 1), received_at__lt=now - timedelta(days=days)
        )
        Complaint.objects.filter(pk__in=day.values("pk")[:1]).update(satisfaction=run % 5 + 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", default="")
    parser.add_argument(
        "--after-change",
        action="store_true",
        help="before each request change one complaint received today and one 200 days ago (a satisfaction "
        "score): the request then recounts two days and their months first, as between two beat refreshes",
    )
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    today = timezone.localdate()
    month = f"start={today.replace(day=1) - timedelta(days=30):%Y-%m-01}&end={today:%Y-%m-%d}"
    year = f"start={today.replace(year=today.year - 1):%Y-%m-%d}&end={today:%Y-%m-%d}"
    users = get_user_model().objects
    cases = [
        ("admin", "superuser, last month and this", month),
        ("admin", "superuser, one year", year),
        ("regional_lead", "regional lead, last month and this", month),
        ("regional_lead", "regional lead, one year", year),
    ]
    # The regional lead sees the dashboard once the admin allows the role (as a real set-up would).
    from complaints.models import KpiSettings, Role

    KpiSettings.objects.get().dashboard_roles.add(Role.objects.get(code="regional_lead"))
    print(f"{Complaint.objects.count():,} complaints")
    print("| case | queries | DB p50 | DB max | HTTP p50 | HTTP max | load before → after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for username, label, query in cases:
        client = Client()
        client.force_login(users.get(username=username))
        url = f"/dashboard/?{query}"
        load_before = os.getloadavg()[0]
        client.get(url)
        db, http, count, slowest = [], [], 0, (0.0, "", None)
        for run in range(args.runs):
            if args.after_change:
                change(run)
            timer = QueryTimer()
            started = time.perf_counter()
            with connection.execute_wrapper(timer):
                response = client.get(url)
            http.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            db.append(timer.total)
            count = timer.count
            slowest = max(slowest, timer.slowest, key=lambda s: s[0])

        def ms(values: list[float]) -> str:
            return f"{statistics.median(values) * 1000:,.0f} ms"

        print(
            f"| {label} | {count} | {ms(db)} | {max(db) * 1000:,.0f} ms | {ms(http)} | {max(http) * 1000:,.0f} ms "
            f"| {load_before:.1f} → {os.getloadavg()[0]:.1f} |"
        )
        if args.explain:
            out = Path(args.explain)
            out.mkdir(parents=True, exist_ok=True)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1], slowest[2])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            name = f"kpi-{username}-{'year' if query == year else 'month'}{'-changed' if args.after_change else ''}.txt"
            (out / name).write_text(f"-- {label}: slowest query {slowest[0] * 1000:.0f} ms\n{slowest[1]}\n\n{plan}\n")


if __name__ == "__main__":
    main()
