"""The production smoke's client (run by .ci/production-smoke): the user's steps go over HTTP to
gunicorn; the database is read only to pick ids and to count what happened.

    python .ci/smoke_driver.py shorten      admin limits of one minute, warning at 1 %
    python .ci/smoke_driver.py journey      log in, register a complaint, open every page
    python .ci/smoke_driver.py warned REF   wait until REF's warning fired, then check it is single
    python .ci/smoke_driver.py exported     as the admin, export the managers' list (CSV) through the
                                            worker, then download it
    python .ci/smoke_driver.py walk USER…   log in as each demo user and open every page their links
                                            reach (up to SMOKE_WALK_PAGES each): none may fail
"""

import csv
import html
import http.cookiejar
import io
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import django

BASE = os.environ["SMOKE_BASE"]
STATE = os.environ["SMOKE_STATE"]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, os.getcwd())
    django.setup()


class Browser:
    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(BASE + path, timeout=30) as r:
                return r.status, r.geturl(), r.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode(errors="replace")

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(BASE + path, data=body, headers={"Referer": BASE + path})  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as r:
                return r.status, r.geturl(), r.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode(errors="replace")


def fail(message: str) -> None:
    print(f"SMOKE FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def shorten() -> None:
    """A short admin limit: every level answers in one minute, warning at 1 % (under a second)."""
    from complaints.choices import TimeUnit
    from complaints.models import EscalationLevel, LevelLimit

    EscalationLevel.objects.update(warning_percent=1, business_time=False)
    LevelLimit.objects.update(
        response_amount=1, response_unit=TimeUnit.MINUTES, resolution_amount=1, resolution_unit=TimeUnit.MINUTES
    )
    print("smoke: every level limit is now one minute, warning at 1 %")


def journey() -> None:
    from django.utils import timezone

    from complaints.models import Category, Complaint, Department

    browser = Browser()
    status, _, page = browser.get("/accounts/login/")
    if status != 200 or 'name="password"' not in page:
        fail(f"login page answered {status}")
    status, url, page = browser.post("/accounts/login/", {"username": "agent", "password": "redress-demo"})
    if status != 200 or url.rstrip("/").endswith("/accounts/login"):
        fail(f"login did not succeed ({status} at {url})")
    agent_store = Department.objects.filter(memberships__user__username="agent").first()
    category = Category.objects.filter(form_versions__isnull=True).first() or Category.objects.first()
    before = Complaint.objects.count()
    status, _, page = browser.get("/workflow/flows/complaint/start/")
    if status != 200:
        fail(f"intake page answered {status}")
    data = {
        "customer_name": "Smoke Test 烟雾测试",
        "customer_phone": "13700137004",
        "category": str(category.pk),
        "customer_words": "生产环境冒烟测试：冰箱门有划痕。",
        "demand": "replacement",
        "requested_amount": "100",
        "emotion": "calm",
        "channel": "phone",
        "department": str(agent_store.pk) if agent_store else "",
        "promised_response_at": (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
    }
    status, url, page = browser.post("/workflow/flows/complaint/start/", data)
    if Complaint.objects.count() != before + 1:
        errors = re.findall(r'class="[^"]*(?:invalid|error)[^"]*"[^>]*>([^<]{0,200})', page)
        fail(f"the complaint was not registered ({status} at {url}): {errors[:5]}")
    complaint = Complaint.objects.latest("pk")
    pages = ["/", f"/workflow/flows/complaint/{complaint.pk}/", "/workflow/flows/complaint/start/"]
    for link in sorted(set(re.findall(r'href="(/workflow/[^"#?]*)"', page)))[:25]:
        pages.append(link)
    answered = {}
    for path in pages:
        code, _, _ = browser.get(path)
        answered[path] = code
    # The complaint page again and again: its reads are prepared statements on the workers' kept
    # connections, and PostgreSQL keeps one plan for each from its sixth run.
    detail = f"/workflow/flows/complaint/{complaint.pk}/"
    for run in range(14):
        code, _, body = browser.get(detail)
        if code != 200 or complaint.reference not in body:
            fail(f"the complaint page's run {run + 1} answered {code} without {complaint.reference}")
    bad = {path: code for path, code in answered.items() if code >= 500 or code in (0,)}
    if bad:
        fail(f"pages answered with server errors: {bad}")
    code, _, body = browser.get("/no-such-page/")
    if code != 404 or "Redress" not in body or "Traceback" in body or "URLconf" in body:
        fail(f"a missing page is not our 404 ({code})")
    with open(STATE, "w") as out:
        json.dump({"complaint": complaint.pk, "reference": complaint.reference, "pages": answered}, out)
    print(f"smoke: logged in over HTTP, registered {complaint.reference}, {len(answered)} pages answered, 404 is ours")


# Links a walk does not follow: leaving, switching language, files, and admin pages that act.
NOT_WALKED = re.compile(r"logout|/i18n/|/static/|/media/|/jsi18n|/delete/|/export|\.pdf$|/admin/r/")


def walk(users: list[str]) -> None:
    """Each user logs in with the demo password and opens the pages their links reach from the home
    page, breadth first (a path's first few query strings only: a list's pages and filters are one
    page each): a server error anywhere fails. Catches what a database the tests do not run on (the
    embedded SQLite of `make run`) refuses in a page's statement."""
    limit = int(os.environ.get("SMOKE_WALK_PAGES", "150"))
    failed: dict[str, int] = {}
    opened = 0
    for user in users:
        browser = Browser()
        browser.get("/accounts/login/")
        status, url, _ = browser.post("/accounts/login/", {"username": user, "password": "redress-demo"})
        if status != 200 or url.rstrip("/").endswith("/accounts/login"):
            fail(f"{user} could not log in ({status} at {url})")
        seen: set[str] = set()
        variants: dict[str, int] = {}
        todo = ["/"]
        while todo and len(seen) < limit:
            path = todo.pop(0)
            if path in seen:
                continue
            seen.add(path)
            code, final, body = browser.get(path)
            if code >= 500:
                failed[f"{user} {path}"] = code
                continue
            here = urllib.parse.urlsplit(final)
            if here.netloc != urllib.parse.urlsplit(BASE).netloc:
                continue
            for href in re.findall(r'href="([^"#]*)"', body):
                link = urllib.parse.urlsplit(urllib.parse.urljoin(final, html.unescape(href)))
                if link.netloc != here.netloc or NOT_WALKED.search(link.path):
                    continue
                target = link.path + (f"?{link.query}" if link.query else "")
                if link.query:
                    variants[link.path] = variants.get(link.path, 0) + 1
                    if variants[link.path] > 3:
                        continue
                if target not in seen:
                    todo.append(target)
        opened += len(seen)
    if failed:
        fail(f"pages answered with server errors: {failed}")
    print(f"smoke: {len(users)} users opened {opened} pages their links reach, none failed")


def warned(timeout: float) -> None:
    from complaints.choices import EventKind, NotificationEvent
    from complaints.models import Clock, Complaint, Notification

    with open(STATE) as file:
        state = json.load(file)
    complaint = Complaint.objects.get(pk=state["complaint"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if complaint.events.filter(kind=EventKind.DEADLINE_WARNING).exists():
            break
        time.sleep(1)
    else:
        fail(f"no deadline warning for {complaint.reference} within {timeout:.0f} s")
    # Let the surviving sweeps run over it again: nothing may double.
    time.sleep(float(os.environ.get("SMOKE_SETTLE_SECONDS", "6")))
    warnings = list(complaint.events.filter(kind=EventKind.DEADLINE_WARNING).values_list("new", flat=True))
    clocks = [str(w.get("clock")) for w in warnings]
    if len(clocks) != len(set(clocks)):
        fail(f"a clock warned more than once: {clocks}")
    warned_clocks = Clock.objects.filter(complaint=complaint, warned_at__isnull=False).count()
    if warned_clocks != len(warnings):
        fail(f"{warned_clocks} warned clocks but {len(warnings)} warning events")
    # Each warned clock is told to each recipient of the warning list exactly once; clocks of the
    # case that fell due in the same sweep share one message (its key names their clock ids).
    warned_ids = sorted(
        str(pk)
        for pk in Clock.objects.filter(complaint=complaint, warned_at__isnull=False).values_list("pk", flat=True)
    )
    told: dict[tuple[int | None, int | None], list[str]] = {}
    for recipient, channel, key in Notification.objects.filter(
        complaint=complaint, event=NotificationEvent.DEADLINE_WARNING
    ).values_list("recipient_id", "channel_id", "key"):
        occasion = key.split(":")[2]  # "clock-<id>-<id>…-<event>"
        ids = [part for part in occasion.split("-")[1:] if part.isdigit()]
        told.setdefault((recipient, channel), []).extend(ids)
    if not told:
        fail("the warning notification does not exist")
    doubled = {who: sorted(ids) for who, ids in told.items() if sorted(ids) != warned_ids}
    if doubled:
        fail(f"warned clocks {warned_ids} not told exactly once per recipient: {doubled}")
    notes = Notification.objects.filter(complaint=complaint, event=NotificationEvent.DEADLINE_WARNING).count()
    print(f"smoke: {len(warnings)} warning(s) for {complaint.reference}, {notes} notification(s), none doubled")


def exported(timeout: float) -> None:
    """A manager's export goes through the worker and comes back through gunicorn's download."""
    from complaints.models import ComplaintExport

    browser = Browser()
    browser.get("/accounts/login/")
    browser.post("/accounts/login/", {"username": "admin", "password": "redress-demo"})
    status, _, page = browser.get("/dashboard/complaints/")
    if status != 200 or 'id="rd-export"' not in page:
        fail(f"the managers' list answered {status} without its export buttons")
    status, url, page = browser.post("/dashboard/complaints/export/", {"query": "", "format": "csv"})
    if status != 200 or not url.endswith("/dashboard/exports/"):
        fail(f"asking for an export answered {status} at {url}")
    export = ComplaintExport.objects.filter(requested_by__username="admin").latest("pk")
    deadline = time.monotonic() + timeout
    while export.status != ComplaintExport.Status.DONE and time.monotonic() < deadline:
        if export.status == ComplaintExport.Status.FAILED:
            fail(f"the export failed: {export.error}")
        time.sleep(0.5)
        export.refresh_from_db()
    if export.status != ComplaintExport.Status.DONE:
        fail(f"the export was not made within {timeout:.0f} s ({export.status})")
    status, _, body = browser.get(f"/dashboard/exports/{export.pk}/download/")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    if status != 200 or len(lines) != (export.rows or 0) + 1 or not export.rows:
        fail(f"the download answered {status} with {len(lines)} rows for {export.rows} complaints")
    print(f"smoke: the managers' export made by a worker ({export.rows} complaints), downloaded over HTTP")


if __name__ == "__main__":
    command = sys.argv[1]
    if command != "walk":  # the walk is HTTP only
        setup()
    if command == "shorten":
        shorten()
    elif command == "journey":
        journey()
    elif command == "warned":
        warned(float(sys.argv[2]) if len(sys.argv) > 2 else 60)
    elif command == "exported":
        exported(float(sys.argv[2]) if len(sys.argv) > 2 else 60)
    elif command == "walk":
        walk(sys.argv[2:])
    else:
        fail(f"unknown command {command}")
