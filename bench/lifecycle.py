"""One complaint's whole life through the staff web forms, beside bare viewflow 2.4 with the same
shape of process, in the same process and on the same PostgreSQL database (issue 17).

    createdb -h 127.0.0.1 -U postgres redress_life_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_life_bench DJANGO_DEBUG=true
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/lifecycle.py --n 30 --rounds 5 --profile 5

Redress: the demo's `agent` registers a complaint on the intake page and the demo's `agent` and
`quality` work it to the end by posting the pages a person posts: each step's form (claiming it from
the queue first where the preset queues it), the quality records on the complaint page the steps
require (5W2H, a confirmed cause, a permanent action planned, done and verified), the follow-up
timer fired as the sweep fires it (its due time moved to now), the follow-up's form.

Bare viewflow (bench/bareflow, installed by bench/settings_lifecycle.py only): the same eight human
steps, claims, gateways, Split/Join and Timer (bench/bareflow/flows.py), each step viewflow's own
CreateProcessView/UpdateProcessView, `select_for_update_lock`, mounted as viewflow's cookbook mounts
a flow, requests through a stock Django middleware stack (startproject's plus viewflow's two),
Django's ModelBackend and Django's default session saving; Redress's post_save hook on viewflow's
Task (the list rows) is switched off while it runs.

Both run through Django's test client in this process (no server, no network): the figures are the
requests' own. Time is summed over the requests only (finding the next task's URL is not counted).
The two alternate in rounds so that a change of load on the machine hits both. Queries are counted
on one extra lifecycle of each (CaptureQueriesContext around each request) and classified.
"""

import argparse
import cProfile
import os
import pstats
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_lifecycle")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.signals import post_save  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from viewflow.workflow import STATUS  # noqa: E402
from viewflow.workflow.models import Task  # noqa: E402

from bench.bareflow.flows import BareFlow  # noqa: E402
from bench.bareflow.models import BareComplaint  # noqa: E402
from complaints.choices import ActionKind, ActionStatus, CauseVerdict  # noqa: E402
from complaints.models import Category, CauseCategory, Complaint, Department  # noqa: E402
from flows.flows import ComplaintFlow  # noqa: E402

FMT = "%Y-%m-%d %H:%M"
START_URL = "/workflow/flows/complaint/start/"
PAGE = "/workflow/flows/complaint/{pk}/{path}"
FIVE_W_TWO_H = {
    "what": "Fridge door scratched on delivery.",
    "why": "The customer received a damaged new product.",
    "who": "Delivery crew B; found by the customer.",
    "where": "Customer's kitchen, Pudong.",
    "when": "At delivery.",
    "how": "Customer unpacked and saw a 20 cm scratch.",
    "how_much": "1 unit.",
}
# A stock Django project (startproject's middleware) with viewflow's two, as its cookbook sets up.
BARE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
]
BARE_SETTINGS = {
    "MIDDLEWARE": BARE_MIDDLEWARE,
    "AUTHENTICATION_BACKENDS": ["django.contrib.auth.backends.ModelBackend"],
    "ROOT_URLCONF": "bench.bareflow.urls",
    "SESSION_SAVE_EVERY_REQUEST": False,
}

# What each captured query is, by the first table it names (SAVEPOINTs, BEGIN/COMMIT by keyword).
BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("session/auth", ("django_session", "auth_", "axes_", "django_content_type")),
    ("memberships (our permissions, scope)", ("complaints_membership",)),
    ("viewflow tasks/links, lock", ("viewflow_",)),
    ("events", ("complaints_complaintevent",)),
    ("process row", ("complaints_complaint", "bareflow_barecomplaint")),
    ("list rows", ("complaints_taskurgency",)),
    ("notifications, customer links", ("complaints_notification", "complaints_customerlink", "complaints_inapp")),
    ("clocks", ("complaints_clock",)),
]
# Admin-owned configuration the services read (settings rows, routing, levels, calendars, forms).
CONFIGURATION = {
    f"complaints_{name}"
    for name in [
        *("processsettings", "triagesettings", "portalsettings", "privacypolicy", "kpisettings", "category"),
        *("department", "role", "priority", "escalationlevel", "levellimit", "regionalbound", "regionalvalue"),
        *("stageroute", "stageprofile", "steplimit", "customstep", "customstepcondition", "customsteplimit"),
        *("routingrule", "routingcondition", "triagesignal", "triagemodel", "emotionphrase", "workinghours"),
        *("calendarday", "businesscalendar", "formversion", "formfield", "clockrule", "causecategory"),
        *("categoryretention", "processsettings_urgent_categories", "privacypolicy_full_roles"),
        *("privacypolicy_reveal_roles", "userpreference"),
    ]
}
SERVICES = "case records (services)"
TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"(\w+)"', re.IGNORECASE)


def first_table(sql: str) -> str:
    found = TABLE.search(sql)
    return found.group(1) if found else ""


def bucket(sql: str) -> str:
    head = sql.lstrip().upper()
    if head.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
        return "savepoints"
    if head.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
        return "BEGIN/COMMIT"
    table = first_table(sql)
    if table in CONFIGURATION:
        return "configuration reads"
    for name, prefixes in BUCKETS:
        if table.startswith(prefixes):
            return name
    # Other complaints_ tables are the services' case records; a query without a table is a
    # constraint check or the reference sequence.
    return SERVICES if table.startswith("complaints_") or not table else f"other ({table})"


KINDS = [
    "session/auth",
    "memberships (our permissions, scope)",
    "BEGIN/COMMIT",
    "savepoints",
    "viewflow tasks/links, lock",
    "process row",
    "configuration reads",
    SERVICES,
    "events",
    "clocks",
    "notifications, customer links",
    "list rows",
]


OURS = tuple(f"{ROOT}/{package}/" for package in ("complaints", "flows", "web", "api", "portal", "config"))


def origin(sql: str) -> str:
    """Who issued the query being run: Django for the session, the user and Django's permission
    tables (whoever touched `request.user` first); else the innermost frame in our code or in
    viewflow (our middleware's `__call__` and request log only pass the request on)."""
    if first_table(sql).startswith(("django_session", "auth_", "axes_", "django_content_type")):
        return "Django (session, user, permissions)"
    frame = sys._getframe(2)
    while frame is not None:
        filename, function = frame.f_code.co_filename, frame.f_code.co_name
        if "/viewflow/" in filename:
            return "viewflow"
        passing_on = filename.endswith(("middleware.py", "logs.py")) and function == "__call__"
        if filename.startswith(OURS) and not passing_on:
            return filename[len(str(ROOT)) + 1 :]
        frame = frame.f_back  # type: ignore[assignment]
    return "Django (other)"


class Run:
    """Per step: requests, seconds, CPU seconds; and, when capturing, the queries of each request
    and, per query, who issued it and how long the database took."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.queries: dict[str, list[str]] = defaultdict(list)
        self.origins: dict[str, list[tuple[str, float]]] = defaultdict(list)
        self.capture = False
        self.order: list[str] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        if name not in self.order:
            self.order.append(name)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if self.capture:

            def traced(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    self.origins[name].append((origin(sql), time.perf_counter() - started))

            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(traced):
                yield
            self.queries[name].extend(q["sql"] for q in captured.captured_queries)
        else:
            yield
        self.seconds[name] += time.perf_counter() - wall0
        self.cpu[name] += time.process_time() - cpu0
        self.calls[name] += 1


def post(run: Run, name: str, client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    with run.step(name):
        response = client.post(url, data or {})
    if response.status_code != 302:
        raise SystemExit(f"{name}: {url} answered {response.status_code}\n{response.content.decode()[:3000]}")
    return response


def open_task(process_id: int, node: Any) -> Task:
    return Task.objects.get(process_id=process_id, flow_task=node, finished__isnull=True)


def do(run: Run, name: str, client: Client, process_id: int, node: Any, data: dict[str, Any]) -> None:
    """A step: claimed from the queue if it waits there, then its form posted."""
    task = open_task(process_id, node)
    if task.status == STATUS.NEW:
        post(run, f"claim {name}", client, task.reverse("assign"))
    post(run, name, client, task.reverse("execute"), data)


def fire_timer(run: Run, process_id: int, node: Any) -> None:
    """The follow-up wait made due, then fired as a sweep fires one timer (its flow's lock, start,
    execute: the body of complaints.services.timers.workflow_timers_fire and of viewflow's
    fire_due_timers)."""
    task = open_task(process_id, node)
    Task.objects.filter(pk=task.pk).update(scheduled=timezone.now() - timedelta(seconds=1))
    task.refresh_from_db()
    with run.step("follow-up timer (sweep)"), task.activation() as activation:
        activation.start()
        activation.execute()


def later(hours: int = 2) -> str:
    return (timezone.localtime() + timedelta(hours=hours)).strftime(FMT)


class Redress:
    name = "Redress"

    def __init__(self) -> None:
        users = get_user_model().objects
        self.agent, self.quality = users.get(username="agent"), users.get(username="quality")
        self.store = Department.objects.get(code="store-pudong")
        # A category without an intake form (as the tests' "appliance"): the full stage profile,
        # the default routing rule (P2, level 1).
        self.category, _ = Category.objects.get_or_create(
            code="bench-appliance", defaults={"name_en": "Appliance (bench)", "name_zh_hans": "家电（测试）"}
        )
        self.method = CauseCategory.objects.get(code="method")
        self.phones = random.Random()  # noqa: S311 (distinct phone numbers: no repeat signal)
        self.clients: dict[str, Client] = {}

    @contextmanager
    def context(self) -> Iterator[None]:
        yield

    def client(self, user: Any) -> Client:
        if user.username not in self.clients:
            client = Client()
            client.force_login(user)
            client.get("/")  # the session is in use, as for anyone working
            self.clients[user.username] = client
        return self.clients[user.username]

    def lifecycle(self, run: Run) -> int:
        agent, quality = self.client(self.agent), self.client(self.quality)
        data = {
            "customer_name": "Zhou Wei",
            "customer_phone": f"13{self.phones.randrange(10**9):09d}",
            "contact_person": "",
            "category": str(self.category.pk),
            "customer_words": "The new fridge arrived with a long scratch on the door.",
            "demand": "replacement",
            "requested_amount": "300",
            "emotion": "agitated",
            "channel": "phone",
            "department": str(self.store.pk),
            "promised_response_at": later(3),
        }
        post(run, "intake", agent, START_URL, data)
        pk = Complaint.objects.filter(receiver=self.agent).latest("pk").pk
        flow = ComplaintFlow
        response = {"channel": "phone", "summary": "Sorry.", "promise": "Call back", "promised_by": later()}
        do(run, "first response", agent, pk, flow.first_response, response)
        verdict = {"outcome": "valid", "explanation": "", "duplicate_reference": ""}
        do(run, "verification", quality, pk, flow.verification, verdict)
        do(run, "containment", agent, pk, flow.containment, {"description": "Door replaced at home.", "cost": "120"})
        post(run, "5W2H (page)", quality, PAGE.format(pk=pk, path="problem/"), FIVE_W_TWO_H)
        cause = {
            "category": str(self.method.pk),
            "text": "No corner guards in the packing SOP.",
            "verdict": CauseVerdict.CONFIRMED,
            "evidence": "Checked on the delivery records.",
        }
        post(run, "cause (page)", quality, PAGE.format(pk=pk, path="causes/add/"), cause)
        do(run, "root cause", quality, pk, flow.root_cause, {"description": "No corner guards."})
        complaint = Complaint.objects.get(pk=pk)
        causes = [str(c.pk) for c in complaint.root_cause.causes.filter(verdict=CauseVerdict.CONFIRMED)]
        action = {
            "kind": ActionKind.PERMANENT,
            "area": "process",
            "description": "SOP requires corner guards.",
            "causes": causes,
            "due_date": "",
            "cost": "",
        }
        post(run, "action planned (page)", quality, PAGE.format(pk=pk, path="actions/add/"), action)
        planned = complaint.actions.filter(kind=ActionKind.PERMANENT).latest("pk")
        progress = {"status": ActionStatus.DONE, "evidence": "SOP v3 issued.", "seen_status": planned.status}
        post(run, "action done (page)", quality, PAGE.format(pk=pk, path=f"actions/{planned.pk}/progress/"), progress)
        do(run, "permanent actions", quality, pk, flow.permanent_actions, {"note": ""})
        verified = {"effective": "yes", "evidence": "30 checked."}
        post(run, "action verified (page)", quality, PAGE.format(pk=pk, path=f"actions/{planned.pk}/verify/"), verified)
        do(run, "effectiveness", quality, pk, flow.effectiveness, {"note": "30 deliveries checked."})
        confirmation = {"outcome": "confirmed", "channel": "phone", "note": "Happy now."}
        do(run, "customer confirmation", agent, pk, flow.customer_confirmation, confirmation)
        fire_timer(run, pk, flow.follow_up_wait)
        do(run, "follow-up", agent, pk, flow.follow_up, {"satisfaction": "5", "comment": "Quick and polite."})
        if not Complaint.objects.filter(pk=pk, finished__isnull=False).exists():
            raise SystemExit(f"Redress complaint {pk} did not finish")
        return pk


class Bare:
    name = "bare viewflow"

    def __init__(self) -> None:
        call_command("migrate", run_syncdb=True, verbosity=0)  # the bare tables and the flow's permissions
        perms = Permission.objects.filter(content_type__app_label="bareflow")
        agent_steps = ["start", "first_response", "containment", "customer_confirmation", "follow_up"]
        quality_steps = ["verification", "root_cause", "permanent_actions", "effectiveness"]
        self.users = {}
        for username, steps in [("bare_agent", agent_steps), ("bare_quality", quality_steps)]:
            user, _ = get_user_model().objects.get_or_create(username=username)
            codenames = ["view_barecomplaint", *[f"can_{step}_barecomplaint" for step in steps]]
            user.user_permissions.set(perms.filter(codename__in=codenames))
            self.users[username] = user
        self.clients: dict[str, Client] = {}

    @contextmanager
    def context(self) -> Iterator[None]:
        from complaints.services import urgency

        post_save.disconnect(sender=Task, dispatch_uid="complaints.urgency.task_saved")
        try:
            with override_settings(**BARE_SETTINGS):
                yield
        finally:
            urgency.connect()

    def client(self, username: str) -> Client:
        if username not in self.clients:
            client = Client()  # made inside context(): its handler loads the bare middleware
            client.force_login(self.users[username])
            client.get("/")
            self.clients[username] = client
        return self.clients[username]

    def lifecycle(self, run: Run) -> int:
        agent, quality = self.client("bare_agent"), self.client("bare_quality")
        data = {"customer_name": "Zhou Wei", "description": "The new fridge arrived with a long scratch on the door."}
        post(run, "intake", agent, BareFlow.start.reverse("execute"), data)
        pk = BareComplaint.objects.latest("pk").pk
        flow = BareFlow
        do(run, "first response", agent, pk, flow.first_response, {"response": "Sorry, we will call back."})
        do(run, "verification", quality, pk, flow.verification, {"valid": "on"})
        do(run, "containment", agent, pk, flow.containment, {"containment": "Door replaced at home."})
        do(run, "root cause", quality, pk, flow.root_cause, {"cause": "No corner guards."})
        do(run, "permanent actions", quality, pk, flow.permanent_actions, {"actions": "SOP requires corner guards."})
        do(run, "effectiveness", quality, pk, flow.effectiveness, {"effective": "on"})
        do(run, "customer confirmation", agent, pk, flow.customer_confirmation, {"confirmed": "on"})
        fire_timer(run, pk, flow.follow_up_wait)
        do(run, "follow-up", agent, pk, flow.follow_up, {"satisfaction": "5"})
        if not BareComplaint.objects.filter(pk=pk, finished__isnull=False).exists():
            raise SystemExit(f"bare process {pk} did not finish")
        return pk


def each(flavour: Any, run: Run, count: int) -> int:
    """Runs `count` lifecycles; returns the last one's process id."""
    pk = 0
    with flavour.context():
        for _ in range(count):
            pk = flavour.lifecycle(run)
    return pk


# Where the Python time goes, by the file each function is in (own time, cProfile's tottime).
AREAS = [
    ("database driver (waiting for PostgreSQL)", ("/psycopg/", "/psycopg_pool/")),
    ("Django ORM (building queries, rows to objects)", ("/django/db/",)),
    ("Django templates", ("/django/template/", "/django/templatetags/")),
    ("Django forms", ("/django/forms/",)),
    ("Django other (request, middleware, auth, sessions, urls)", ("/django/",)),
    ("viewflow", ("/viewflow/",)),
    ("Redress: complaints (services, selectors, rules, forms)", (f"{ROOT}/complaints/",)),
    ("Redress: flows, web", (f"{ROOT}/flows/", f"{ROOT}/web/")),
    ("Redress: config (logging, middleware)", (f"{ROOT}/config/",)),
]


def area_of(filename: str) -> str:
    for name, parts in AREAS:
        if any(part in filename for part in parts):
            return name
    if "/site-packages/" in filename:
        return "library: " + filename.split("/site-packages/")[1].split("/")[0].removesuffix(".py")
    if filename == "~" or filename.startswith("<") or "/lib/python3" in filename:
        return "Python itself (builtins, standard library, called by the above)"
    return f"other ({filename})"


def profiled(flavour: Any, count: int, out: str = "") -> dict[str, float]:
    """Own time per lifecycle by area, in ms under the profiler (which slows Python, not the
    database); with `out`, the profile is kept in `<out>-<flavour>.prof` for pstats."""
    profiler = cProfile.Profile()
    with flavour.context():
        profiler.enable()
        for _ in range(count):
            flavour.lifecycle(Run())
        profiler.disable()
    if out:
        profiler.dump_stats(f"{out}-{flavour.name.split()[0].lower()}.prof")
    areas: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), row in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        own = row[2]
        areas[area_of(filename)] += own * 1000 / count
    return areas


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append(
                "| " + " | ".join(("-" * (w - 1) + ":") if i else "-" * w for i, w in enumerate(widths)) + " |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="lifecycles of each, timed")
    parser.add_argument("--rounds", type=int, default=4, help="the two alternate this many times")
    parser.add_argument("--warmup", type=int, default=2, help="lifecycles of each before timing")
    parser.add_argument("--tables", action="store_true", help="also print each step's queries by table")
    parser.add_argument("--profile", type=int, default=0, help="then this many of each under cProfile, by area")
    parser.add_argument("--profile-out", default="", help="keep the profiles as <this>-redress.prof, <this>-bare.prof")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    flavours: list[Any] = [Redress(), Bare()]

    for flavour in flavours:
        each(flavour, Run(), args.warmup)
    counted, walked = {}, {}
    for flavour in flavours:
        run = Run()
        run.capture = True
        pk = each(flavour, run, 1)
        counted[flavour.name] = run
        tasks = Task.objects.filter(process_id=pk)
        walked[flavour.name] = (tasks.count(), tasks.filter(flow_task_type="HUMAN").count())
    timed = {flavour.name: Run() for flavour in flavours}
    per_round = [args.n // args.rounds + (1 if r < args.n % args.rounds else 0) for r in range(args.rounds)]
    for count in per_round:
        for flavour in flavours:
            each(flavour, timed[flavour.name], count)

    print(f"{args.n} lifecycles of each after {args.warmup} warm-up, alternating in {args.rounds} rounds")
    rates = {}
    for name, run in timed.items():
        seconds, cpu = sum(run.seconds.values()), sum(run.cpu.values())
        queries = sum(len(q) for q in counted[name].queries.values())
        rates[name] = args.n / seconds
        print(
            f"{name:>14}: {rates[name]:6.2f} lifecycles/s, {seconds / args.n * 1000:7.1f} ms per lifecycle "
            f"(CPU of this process {cpu / args.n * 1000:6.1f} ms), {queries} queries per lifecycle"
        )
    print(f"ratio (Redress / bare viewflow): {rates['Redress'] / rates['bare viewflow']:.3f}x")
    same = len(set(walked.values())) == 1
    print(
        (
            "the same walk: "
            if same
            else "WARNING, the walks differ (bench/bareflow/flows.py no longer mirrors the flow): "
        )
        + ", ".join(f"{name} {rows} task rows ({human} human)" for name, (rows, human) in walked.items())
        + " per lifecycle"
    )

    redress, bare = counted["Redress"], counted["bare viewflow"]
    steps = redress.order + [s for s in bare.order if s not in redress.order]
    rows = [["step", "Redress queries", "bare queries", "Redress ms", "bare ms"]]
    for s in steps:
        r, b = timed["Redress"], timed["bare viewflow"]
        rows.append(
            [
                s,
                str(len(redress.queries.get(s, []))) if s in redress.queries else "-",
                str(len(bare.queries.get(s, []))) if s in bare.queries else "-",
                f"{r.seconds[s] / r.calls[s] * 1000:.1f}" if r.calls[s] else "-",
                f"{b.seconds[s] / b.calls[s] * 1000:.1f}" if b.calls[s] else "-",
            ]
        )
    rows.append(
        [
            "whole lifecycle",
            str(sum(len(q) for q in redress.queries.values())),
            str(sum(len(q) for q in bare.queries.values())),
            f"{sum(timed['Redress'].seconds.values()) / args.n * 1000:.1f}",
            f"{sum(timed['bare viewflow'].seconds.values()) / args.n * 1000:.1f}",
        ]
    )
    print()
    print(table(rows))

    names = KINDS
    for label, run in (("Redress", redress), ("bare viewflow", bare)):
        kinds: dict[str, Counter[str]] = {s: Counter(bucket(q) for q in run.queries[s]) for s in run.order}
        seen = names + sorted({k for c in kinds.values() for k in c} - set(names))
        columns = [k for k in seen if any(c[k] for c in kinds.values())]
        rows = [[f"{label}: queries by kind", *columns]]
        for s in run.order:
            rows.append([s, *[str(kinds[s][k]) for k in columns]])
        rows.append(["whole lifecycle", *[str(sum(c[k] for c in kinds.values())) for k in columns]])
        print()
        print(table(rows))
        if args.tables:
            for s in run.order:
                print(f"\n{label}, {s}:")
                for name, n in Counter(first_table(q) or q[:40] for q in run.queries[s]).most_common():
                    print(f"  {n:3d}  {name}")

    for label, run in (("Redress", redress), ("bare viewflow", bare)):
        issued: Counter[str] = Counter()
        waited: dict[str, float] = defaultdict(float)
        for step in run.order:
            for who, seconds in run.origins[step]:
                issued[who] += 1
                waited[who] += seconds
        rows = [[f"{label}: who issued the queries (one lifecycle)", "queries", "database ms"]]
        for who, n in issued.most_common():
            rows.append([who, str(n), f"{waited[who] * 1000:.0f}"])
        rows.append(["total (BEGIN/COMMIT not included)", str(issued.total()), f"{sum(waited.values()) * 1000:.0f}"])
        print()
        print(table(rows))

    if args.profile:
        areas = {flavour.name: profiled(flavour, args.profile, args.profile_out) for flavour in flavours}
        ours, theirs_ = areas["Redress"], areas["bare viewflow"]
        found = sorted(set(ours) | set(theirs_), key=lambda area: -(ours.get(area, 0.0) + theirs_.get(area, 0.0)))
        rows = [["own time per lifecycle under cProfile (ms)", "Redress", "bare viewflow", "difference"]]
        for area in found:
            mine, theirs = ours.get(area, 0.0), theirs_.get(area, 0.0)
            if mine >= 1 or theirs >= 1:
                rows.append([area, f"{mine:.0f}", f"{theirs:.0f}", f"{mine - theirs:+.0f}"])
        mine, theirs = sum(ours.values()), sum(theirs_.values())
        rows.append(["total", f"{mine:.0f}", f"{theirs:.0f}", f"{mine - theirs:+.0f}"])
        print()
        print(f"{args.profile} lifecycles of each under cProfile, after the timed ones:")
        print(table(rows))


if __name__ == "__main__":
    main()
