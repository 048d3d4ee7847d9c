"""Benchmark: the list pages and the complaint page at size, DB time and whole-request time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_scale_bench \\
        .venv/bin/python bench/lists.py --user quality --runs 20 [--explain bench/plans]

Run on a database filled by `seed_demo` and `bench_data`. Each page is requested through Django's
test client (the whole middleware, view and template stack, in process: no network, no web
server) as the given demo user, after warm-up requests (`--warmup`, 6 by default: PostgreSQL
settles a prepared statement's plan on its sixth run, which a kept connection has long passed);
per request the time spent in the
database (every query, measured around the driver call) and the whole request are recorded, and
p50/p95 printed with the page's query count. With `--explain DIR`, the slowest query of each page
(the list's page query where there is one)
is written there as `EXPLAIN (ANALYZE, BUFFERS)`. PostgreSQL's settings are left as they are (JIT
on by default). Not part of `make test`; results go to bench/RESULTS.md.

Before → after on a shared machine: `--pair DIR` with another checkout in DIR (e.g. `git archive
<commit> | tar -x -C DIR`, given this script): a second process runs DIR's code (this script in
`--serve` mode) and the two ask for each page in turn, who goes first alternating, so that both see
the same load; the table gives each figure as before→after, with the process's CPU time per request.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from complaints.models import Category, Complaint, Department, EscalationLevel, Priority  # noqa: E402
from complaints.selectors.common import complaints_visible_to  # noqa: E402
from complaints.selectors.kpi import may_see_dashboard  # noqa: E402


class QueryTimer:
    """Sums the time of every query of a request; keeps the slowest one's SQL and parameters."""

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0
        self.slowest: tuple[float, str, Any] = (0.0, "", None)
        self.listing = False
        self.log: list[tuple[float, str, str]] = []  # (ms, where, sql) with --queries
        self.keep_log = False

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.total += took
            self.count += 1
            if self.keep_log:
                self.log.append((took * 1000, caller(), sql))
            # The page's list query (viewflow pages by 25, the managers' list by 50, reading one row
            # more: complaints.selectors.pages.PeekPaginator) is the plan kept; else the slowest one.
            listing = "LIMIT 26" in sql or "LIMIT 25" in sql or "LIMIT 51" in sql
            if listing > self.listing or (listing == self.listing and took > self.slowest[0]):
                self.slowest, self.listing = (took, sql, params), listing


def caller() -> str:
    """Where a query came from: the innermost frame of the project's own code, and the innermost
    frame outside Django's ORM (a template tag, a viewflow view, a form field) when that differs."""
    stack = traceback.extract_stack()[:-3]
    ours = outside = ""
    for frame in reversed(stack):
        name = f"{frame.filename.rsplit('site-packages/', 1)[-1]}:{frame.lineno} {frame.name}"
        if not outside and "/django/db/" not in frame.filename and "bench/lists.py" not in frame.filename:
            outside = name
        own = frame.filename.startswith(str(ROOT)) and "/.venv/" not in frame.filename  # (a venv in the checkout)
        if own and "bench/lists.py" not in frame.filename:
            ours = f"{Path(frame.filename).relative_to(ROOT)}:{frame.lineno} {frame.name}"
            break
    outside_is_ours = "/.venv/" not in outside and outside.startswith(str(ROOT))
    return ours if outside == ours or outside_is_ours else f"{ours} < {outside}"


def pages(user: Any) -> list[tuple[str, str]]:
    complaint = Complaint.objects.filter(stage="containment").order_by("-pk").first()
    # The newest complaint the user sees with an order number: its details are the searches' terms.
    some = (
        complaints_visible_to(user)
        .exclude(order_number="")
        .order_by("-pk")
        .values_list("customer_phone", "plate_or_vin", "reference", "order_number", "customer_name")
        .first()
    )
    category = Category.objects.filter(parent__isnull=True).order_by("pk").first()
    urgent = Priority.objects.order_by("rank", "pk").first()
    top = EscalationLevel.objects.order_by("-rank").first()
    store = Department.objects.filter(parent__isnull=False, children__isnull=True).order_by("code").first()
    region = Department.objects.filter(children__isnull=False, parent__isnull=False).order_by("code").first()
    phone, plate, reference, order, name = some or ("", "", "", "", "")
    listing = "/workflow/flows/complaint/flows/"
    found = [
        ("inbox", "/workflow/inbox/"),
        ("queue", "/workflow/queue/"),
        ("breached", "/workflow/breached/"),
        ("archive", "/workflow/archive/"),
        # A part of a phone number: no complaint carries it whole, so the fuzzy match (narrowed by
        # the digit grams on PostgreSQL). A caller's last four digits (尾号) match thousands.
        ("queue, search phone (last 8 digits)", f"/workflow/queue/?_search={phone[-8:]}"),
        ("queue, search phone (last 4 digits)", f"/workflow/queue/?_search={phone[-4:]}"),
        # Whole references, order and phone numbers: found by equality (worklist.exact_match).
        ("queue, search phone (whole)", f"/workflow/queue/?_search={phone.removeprefix('+86')}"),
        ("queue, search reference", f"/workflow/queue/?_search={reference}"),
        ("queue, search order number", f"/workflow/queue/?_search={order}"),
        ("archive, search reference", f"/workflow/archive/?_search={reference}"),
        ("archive, search phone (last 4 digits)", f"/workflow/archive/?_search={phone[-4:]}"),
        ("complaints", listing),
        # The web list's own filters (viewflow's status, created and finished; category; answers):
        # until the seventeenth session a "stage filter" line here passed a parameter the list does
        # not have, and measured the plain list.
        ("complaints, status filter (done)", f"{listing}?status=DONE"),
        ("complaints, status filter (cancelled)", f"{listing}?status=CANCELED"),
        ("complaints, created filter (this week)", f"{listing}?created=week"),
        ("complaints, finished filter (this month)", f"{listing}?finished=month"),
        ("complaints, category filter", f"{listing}?category={category.pk if category else ''}"),
        # The complaint's stage, priority, level and department (eighteenth session): a common stage,
        # the most urgent priority and the top level (rare among the open ones), a stage the status
        # rules out (none finished at verification in the generated data: every one is tested), a
        # store and a region (its stores with it).
        ("complaints, stage filter (verification)", f"{listing}?stage=verification"),
        ("complaints, stage filter (closed)", f"{listing}?stage=closed"),
        ("complaints, priority filter (most urgent)", f"{listing}?priority={urgent.pk if urgent else ''}"),
        ("complaints, level filter (top)", f"{listing}?level={top.pk if top else ''}"),
        ("complaints, done at verification", f"{listing}?status=DONE&stage=verification"),
        ("complaints, department filter (a store)", f"{listing}?department={store.pk if store else ''}"),
        ("complaints, department filter (a region)", f"{listing}?department={region.pk if region else ''}"),
        ("complaints, search phone (last 8 digits)", f"{listing}?_search={phone[-8:]}"),
        ("complaints, search phone (last 4 digits)", f"{listing}?_search={phone[-4:]}"),
        ("complaints, search phone (whole)", f"{listing}?_search={phone.removeprefix('+86')}"),
        ("complaints, search plate", f"{listing}?_search={quote(plate)}"),
        ("complaints, search name", f"{listing}?_search={quote(name)}"),
        ("complaints, search reference", f"{listing}?_search={reference}"),
        ("complaints, search order number", f"{listing}?_search={order}"),
        # The flow's own task list (every task of the complaints the user sees, newest first).
        ("complaint tasks", "/workflow/flows/complaint/tasks/"),
        # The API's lists (an integration's reads; the session stands in for its token).
        ("api complaints", "/api/complaints/"),
        ("api inbox", "/api/tasks/inbox/"),
        ("api queue", "/api/tasks/queue/"),
        # The task lists' largest page, and a page far down (paged by offset: each queue's index read
        # as far as the page's end).
        ("api queue, 200 a page", "/api/tasks/queue/?page_size=200"),
        ("api queue, page 20", "/api/tasks/queue/?page=20"),
    ]
    if user.is_staff:  # the admin's complaint list (`--user admin`; the demo quality engineer has no admin)
        found.append(("admin complaints", "/admin/complaints/complaint/"))
    if may_see_dashboard(user):  # the managers' list (`--user admin`, or a role the admin allows)
        managers = "/dashboard/complaints/"
        found += [
            ("managers' complaints", managers),
            ("managers' complaints, by due", f"{managers}?sort=due"),
            ("managers' complaints, by priority", f"{managers}?sort=priority"),
            ("managers' complaints, by level", f"{managers}?sort=level"),
            ("managers' complaints, by priority, page 5", f"{managers}?sort=priority&page=5"),
            # The free-text search (`q`: every word in one of six values; complaints_words_search).
            # bench_data's customer's words are five sentences, each in a fifth of the complaints.
            ("managers' complaints, search a rare word", f"{managers}?q=xylophone"),  # in none
            ("managers' complaints, search a common Chinese word", f"{managers}?q={quote('发动机')}"),
            ("managers' complaints, search a two-character word", f"{managers}?q={quote('漏水')}"),
            ("managers' complaints, search a rare two-character word", f"{managers}?q={quote('退款')}"),
            ("managers' complaints, search two words", f"{managers}?q={quote('空调安装 漏水')}"),
            ("managers' complaints, search two two-character words", f"{managers}?q={quote('空调 漏水')}"),
            # Two characters each in a fifth of the complaints, side by side in none.
            ("managers' complaints, search two characters never side by side", f"{managers}?q={quote('发机')}"),
            ("managers' complaints, search order number", f"{managers}?q={order}"),
            ("managers' complaints, search by due", f"{managers}?sort=due&q={quote('发动机')}"),
            ("managers' complaints, search by priority", f"{managers}?sort=priority&q={quote('漏水')}"),
        ]
    if complaint is not None:
        found.append(("complaint page", f"/workflow/flows/complaint/{complaint.pk}/"))
    return found


def measure(client: Client, url: str, *, keep_log: bool = False) -> tuple[dict[str, Any], QueryTimer]:
    """One request: its status, query count, DB time, whole time and the process's CPU time (ms)."""
    timer = QueryTimer()
    timer.keep_log = keep_log
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timer):
        response = client.get(url)
    took, cpu_took = time.perf_counter() - started, time.process_time() - cpu
    figures = {
        "status": response.status_code,
        "queries": timer.count,
        "db": timer.total * 1000,
        "http": took * 1000,
        "cpu": cpu_took * 1000,
    }
    return figures, timer


def serve(client: Client) -> None:
    """--serve: the other side of a paired run (--pair): measures each URL read from stdin and
    answers with one JSON line of figures."""
    for line in sys.stdin:
        figures, _timer = measure(client, line.strip())
        sys.stdout.write(json.dumps(figures) + "\n")
        sys.stdout.flush()


def paired_cell(runs: dict[str, list[dict[str, Any]]], key: str, share: float) -> str:
    """One figure of a paired table: the percentile `share` of `key`, before→after."""
    b, a = (percentile([f[key] for f in runs[side]], share) for side in ("before", "after"))
    return f"{b:.1f}→{a:.1f}"


def paired(args: Any, user: Any, client: Client) -> None:
    """--pair DIR: this checkout ("after") and the one in DIR ("before", run with its own code by
    its copy of this script in --serve mode) ask for the same page in turn, who goes first
    alternating, so both see the same load from whatever else runs on the machine."""
    worker = subprocess.Popen(  # noqa: S603 (our own script, our arguments)
        [sys.executable, str(Path(args.pair) / "bench" / "lists.py"), "--serve", "--user", args.user],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=args.pair,
    )
    assert worker.stdin is not None and worker.stdout is not None

    def before(url: str) -> dict[str, Any]:
        worker.stdin.write(url + "\n")  # type: ignore[union-attr]
        worker.stdin.flush()  # type: ignore[union-attr]
        return dict(json.loads(worker.stdout.readline()))  # type: ignore[union-attr]

    print(f"paired with {args.pair}; before → after; load average {os.getloadavg()}")
    header = ("page", "queries", "DB p50", "DB p95", "HTTP p50", "HTTP p95", "CPU p50")
    print(" | ".join(header))
    for name, url in pages(user):
        if args.only and args.only not in name:
            continue
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for run in range(args.runs + args.warmup):
            order = ("before", "after") if run % 2 else ("after", "before")
            for side in order:
                figures = before(url) if side == "before" else measure(client, url)[0]
                if run >= args.warmup:
                    runs[side].append(figures)
        cell = partial(paired_cell, runs)
        b, a = runs["before"][-1], runs["after"][-1]
        status = "" if b["status"] == a["status"] == 200 else f" (status {b['status']}→{a['status']})"
        print(
            f"{name}{status} | {b['queries']} → {a['queries']} | {cell('db', 0.5)} | {cell('db', 0.95)}"
            f" | {cell('http', 0.5)} | {cell('http', 0.95)} | {cell('cpu', 0.5)}",
            flush=True,
        )
    print(f"load average {os.getloadavg()}")
    worker.stdin.close()
    worker.wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="quality")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=6, help="Requests per page before measuring.")
    parser.add_argument("--only", default="", help="Measure only pages whose name contains this.")
    parser.add_argument("--explain", default="", help="Directory for the EXPLAIN (ANALYZE, BUFFERS) plans.")
    parser.add_argument("--queries", action="store_true", help="List each page's queries (last run) and their callers.")
    parser.add_argument("--pair", default="", help="Another checkout to run paired with (before → after).")
    parser.add_argument("--serve", action="store_true", help="Answer a --pair run: URLs on stdin, figures out.")
    args = parser.parse_args()

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = get_user_model().objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    if args.serve:
        serve(client)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM complaints_complaint")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM viewflow_process WHERE finished IS NULL")
        open_ = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    print(f"{total:,} complaints, {open_:,} open processes; user {args.user}; jit={jit}; {args.runs} runs per page")
    if args.pair:
        paired(args, user, client)
        return
    print(f"{'page':40} {'status':>6} {'queries':>7} {'DB p50':>8} {'DB p95':>8} {'HTTP p50':>9} {'HTTP p95':>9}")
    for name, url in pages(user):
        if args.only and args.only not in name:
            continue
        db_times, http_times, status, queries = [], [], 0, 0
        slowest: tuple[float, str, Any] = (0.0, "", None)
        for run in range(args.runs + args.warmup):
            figures, timer = measure(client, url, keep_log=args.queries and run == args.runs + args.warmup - 1)
            status, queries = figures["status"], figures["queries"]
            if run >= args.warmup:
                db_times.append(figures["db"])
                http_times.append(figures["http"])
                slowest = timer.slowest
        print(
            f"{name:40} {status:>6} {queries:>7} {percentile(db_times, 0.5):>6.1f}ms"
            f" {percentile(db_times, 0.95):>6.1f}ms {percentile(http_times, 0.5):>7.1f}ms"
            f" {percentile(http_times, 0.95):>7.1f}ms"
        )
        for took, where, sql in timer.log:
            print(f"    {took:6.2f}ms  {where:100} {sql[:100]}")
        if args.explain and slowest[1]:
            directory = Path(args.explain)
            directory.mkdir(parents=True, exist_ok=True)
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest[1]}", slowest[2])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            slug = "".join(c if c.isalnum() else "_" for c in name).strip("_")
            (directory / f"{slug}.txt").write_text(
                f"-- {name}: {url} (user {args.user}, {total:,} complaints)\n-- {slowest[1]}\n\n{plan}\n"
            )


if __name__ == "__main__":
    main()
