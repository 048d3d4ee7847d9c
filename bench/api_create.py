"""Complaint creation over the API (token auth) beside the staff intake form, against gunicorn.

    createdb -h 127.0.0.1 -U postgres redress_api
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_api .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_api .venv/bin/python manage.py seed_demo
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_api CELERY_BROKER_URL=redis://127.0.0.1:6379/6 \\
      .venv/bin/python bench/api_create.py --port 8601 --workers 4 --per-client 100 --clients 1 4

Starts gunicorn on the port with the given workers (stopped at the end), creates an API token for
the demo `agent` (store Pudong) and, for each client count, registers complaints with N concurrent
clients: first `POST /api/complaints/` with the token and an Idempotency-Key, then the same number
through the staff intake page (`POST /workflow/flows/complaint/start/`, logged in, with CSRF).
Each complaint is registered, triaged and gets its first-response task, as any intake does.
Prints complaints/s and p50/p95 latency per run. See bench/RESULTS.md.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
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
from django.utils import timezone  # noqa: E402

from api.models import ApiToken  # noqa: E402
from complaints.models import Category  # noqa: E402

# --same-customer: every complaint from one phone number (each a repeat of all the earlier ones).
SAME_CUSTOMER = "13800138001"
same_customer = False


def phone() -> str:
    """A mobile number of its own per complaint (a caller complains once), or the one number."""
    return SAME_CUSTOMER if same_customer else f"13{random.randrange(10**9):09d}"  # noqa: S311 (not a secret)


def sample(n: int) -> dict[str, Any]:
    return {
        "customer_name": f"Bench {n}",
        "customer_phone": phone(),
        "description": "The fridge door arrived scratched.",
        "channel": "phone",
        "category": "enquiry",
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process on this machine has used; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen[bytes]) -> dict[str, list[int]]:
    """gunicorn's master and workers, and the PostgreSQL backends connected to this database."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    workers = [int(p) for p in children.read_text().split()] if children.exists() else []
    backends: list[int] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            backends = [row[0] for row in cursor.fetchall()]
    return {"gunicorn": [server.pid, *workers], "postgresql": backends}


def run(clients: int, per_client: int, one: Any, server: subprocess.Popen[bytes] | None = None) -> dict[str, Any]:
    """Runs `one(conn, n)` per_client times in each of `clients` threads; returns the figures, with
    the CPU each side spent per complaint (this client, gunicorn, the database's backends)."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker(index: int, conn: http.client.HTTPConnection, state: Any) -> None:
        for i in range(per_client):
            started = time.perf_counter()
            error = one(conn, state, index * per_client + i)
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                if error:
                    failures.append(error)

    states = [one.prepare() for _ in range(clients)]
    threads = [threading.Thread(target=worker, args=(i, *states[i])) for i in range(clients)]
    before = server_pids(server) if server else {}
    spent = {side: {pid: cpu_seconds(pid) for pid in pids} for side, pids in before.items()}
    started, client0 = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, client_cpu = time.perf_counter() - started, time.process_time() - client0
    cpu = {"client": client_cpu}
    for side, pids in (server_pids(server) if server else {}).items():
        cpu[side] = sum(cpu_seconds(pid) - spent.get(side, {}).get(pid, 0.0) for pid in pids)
    count = max(len(latencies), 1)
    return {
        "clients": clients,
        "complaints": len(latencies),
        "failed": len(failures),
        "first_failure": failures[0] if failures else "",
        "per_second": round(len(latencies) / elapsed, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "cpu_ms_per_complaint": {side: round(seconds / count * 1000, 1) for side, seconds in cpu.items()},
    }


class ApiCreate:
    def __init__(self, port: int, token: str, *, keyed: bool = True) -> None:
        self.port, self.token, self.keyed = port, token, keyed

    def prepare(self) -> tuple[http.client.HTTPConnection, None]:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60), None

    def __call__(self, conn: http.client.HTTPConnection, state: Any, n: int) -> str:
        body = json.dumps(sample(n))
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        if self.keyed:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        conn.request("POST", "/api/complaints/", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return "" if response.status == 201 else f"{response.status} {payload[:300]!r}"


class WebCreate:
    """The staff intake page as a browser posts it (logged in, CSRF token, form-encoded)."""

    def __init__(self, port: int, username: str, password: str) -> None:
        self.port, self.username, self.password = port, username, password
        user = get_user_model().objects.get(username=username)
        from complaints.selectors.common import registering_departments

        self.department = registering_departments(user).get().pk  # the demo agent registers in one store
        self.category = Category.objects.get(code="enquiry").pk

    def prepare(self) -> tuple[http.client.HTTPConnection, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        cookies: dict[str, str] = {}
        self._get(conn, "/accounts/login/", cookies)
        form = {"username": self.username, "password": self.password, "csrfmiddlewaretoken": cookies["csrftoken"]}
        self._post(conn, "/accounts/login/", form, cookies)
        self._get(conn, "/workflow/flows/complaint/start/", cookies)
        return conn, cookies

    def _cookie_header(self, cookies: dict[str, str]) -> str:
        return "; ".join(f"{k}={v}" for k, v in cookies.items())

    def _remember(self, response: http.client.HTTPResponse, cookies: dict[str, str]) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            match = re.match(r"([^=]+)=([^;]*)", header)
            if match:
                cookies[match.group(1)] = match.group(2)

    def _get(self, conn: http.client.HTTPConnection, url: str, cookies: dict[str, str]) -> bytes:
        conn.request("GET", url, headers={"Cookie": self._cookie_header(cookies)})
        response = conn.getresponse()
        body = response.read()
        self._remember(response, cookies)
        return body

    def _post(self, conn: http.client.HTTPConnection, url: str, form: dict[str, Any], cookies: dict[str, str]) -> Any:
        headers = {
            "Cookie": self._cookie_header(cookies),
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}{url}",
            "X-CSRFToken": cookies.get("csrftoken", ""),
        }
        conn.request("POST", url, body=urllib.parse.urlencode(form), headers=headers)
        response = conn.getresponse()
        body = response.read()
        self._remember(response, cookies)
        return response.status, body

    def __call__(self, conn: http.client.HTTPConnection, cookies: dict[str, str], n: int) -> str:
        promised = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
        data = sample(n)
        form = {
            "customer_name": data["customer_name"],
            "customer_phone": data["customer_phone"],
            "customer_words": data["description"],
            "channel": data["channel"],
            "category": self.category,
            "department": self.department,
            "demand": "other",
            "emotion": "calm",
            "promised_response_at": promised,
            "csrfmiddlewaretoken": cookies["csrftoken"],
        }
        status, body = self._post(conn, "/workflow/flows/complaint/start/", form, cookies)
        return "" if status == 302 else f"{status} {body[:200]!r}"


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/schema/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8601)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--per-client", type=int, default=50)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--user", default="agent")
    parser.add_argument("--password", default="redress-demo")
    parser.add_argument("--doors", nargs="+", default=["api", "form"], choices=["api", "api-nokey", "form"])
    parser.add_argument(
        "--same-customer",
        action="store_true",
        help="every complaint from one phone number: triage counts (and escalates) all the earlier ones, "
        "so each registration costs more than the one before (the figures before 2026-12-04)",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="creations per worker before measuring (imports, models, connections)"
    )
    parser.add_argument(
        "--production",
        action="store_true",
        help="gunicorn with DJANGO_DEBUG=false (no query log), plain HTTP on 127.0.0.1, as deploy/ runs it "
        "(run collectstatic with DJANGO_DEBUG=false first: production pages need the static manifest)",
    )
    args = parser.parse_args()
    global same_customer
    same_customer = args.same_customer

    owner = get_user_model().objects.get(username=args.user)
    token = ApiToken(name="bench", owner=owner, rate_per_minute=1_000_000)
    raw = token.set_token()
    token.save()
    env = {**os.environ, "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60")}
    if args.production:
        env.update(
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            # No TLS proxy in front of the bench: plain HTTP, as the proxy's upstream sees it.
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SECURE_COOKIES="false",
        )
    gunicorn = Path(sys.executable).parent / "gunicorn"  # the virtualenv running this script
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [str(gunicorn), "config.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(args.port)
        if args.warmup:
            # Each worker imports the classifier and opens its connection on its first requests.
            run(args.workers, args.warmup, ApiCreate(args.port, raw))
        results = []
        for clients in args.clients:
            doors = {
                "api": ("api (token, Idempotency-Key)", lambda: ApiCreate(args.port, raw)),
                "api-nokey": ("api (token, no key)", lambda: ApiCreate(args.port, raw, keyed=False)),
                "form": ("staff form (session)", lambda: WebCreate(args.port, args.user, args.password)),
            }
            for label, make in (doors[door] for door in args.doors):
                one = make()
                figures = run(clients, args.per_client, one, server)
                results.append({"door": label, **figures})
                print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        token.delete()


if __name__ == "__main__":
    main()
