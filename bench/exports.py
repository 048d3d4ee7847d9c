"""Benchmark: a manager's export of the managers' list at size, made as the worker makes it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_scale_bench DJANGO_DEBUG=true \\
        .venv/bin/python bench/exports.py --user admin --days 30 --days 365 [--format csv|xlsx]

Run on a database filled by `seed_demo` and `bench_data`. For each period (the last N days of
received complaints) an export is asked for as the list's button asks (complaints.services.exports
.export_request) and made in this process as the worker makes it (export_run): printed are the
complaints written, the wall and CPU time, complaints per second, the file's size, the queries
(and their time) and the process's peak memory growth, which must stay flat however many
complaints (the rows are read and written a chunk at a time). `--records N` measures instead the admin's
action (complaints with their form answers) on the N newest complaints. The export rows and files
are deleted afterwards. Not part of `make test`; results go to bench/RESULTS.md.
"""

import argparse
import os
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from complaints.models import Complaint, ComplaintExport  # noqa: E402
from complaints.services import exports  # noqa: E402


class Queries:
    def __init__(self) -> None:
        self.count, self.seconds = 0, 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--days", type=int, action="append", help="export the last N days (repeatable)")
    parser.add_argument("--format", default="csv", choices=["csv", "xlsx"])
    parser.add_argument(
        "--records",
        type=int,
        action="append",
        help="instead, the admin's export of the N newest complaints (repeatable)",
    )
    args = parser.parse_args()
    user = get_user_model().objects.get(username=args.user)
    exports.export_enqueue = lambda **kw: None  # made below, in this process, as the worker would
    today = timezone.localdate()
    print(f"{'export':>10} {'complaints':>10} {'wall s':>8} {'CPU s':>7} {'per s':>7} {'MB file':>8}", end="")
    print(f" {'queries':>8} {'DB s':>6} {'peak MB':>8}")
    asked: list[tuple[str, Any]] = []
    with translation.override("zh-hans"):
        for count in args.records or []:
            newest = Complaint.objects.filter(pk__in=Complaint.objects.order_by("-pk").values("pk")[:count])
            asked.append((f"{count} rec", lambda q=newest: exports.records_export_request(user=user, queryset=q)))
        for days in args.days or ([] if args.records else [30]):
            start = today - timedelta(days=days - 1)
            query = QueryDict(f"start={start:%Y-%m-%d}&end={today:%Y-%m-%d}")
            asked.append((f"{days} d", lambda q=query: exports.export_request(user=user, params=q, fmt=args.format)))
    for label, ask in asked:
        with translation.override("zh-hans"):
            export, _new = ask()
        queries = Queries()
        wall, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(queries):
            made = exports.export_run(export_id=export.pk)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert made is not None and made.status == ComplaintExport.Status.DONE, made and made.error
        rows = made.rows or 0
        size = (made.size or 0) / 1e6
        print(f"{label:>10} {rows:>10} {wall:>8.1f} {cpu:>7.1f} {rows / wall:>7.0f} {size:>8.1f}", end="")
        print(f" {queries.count:>8} {queries.seconds:>6.1f} {peak_mb():>8.0f}")
        made.file.storage.delete(made.file.name)
        made.delete()


if __name__ == "__main__":
    main()
