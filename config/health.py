"""Health endpoints for load balancers and orchestrators, cheap enough to poll every few seconds.

/healthz: the process answers (touches nothing). /readyz: the database answers, every migration
is applied, the broker answers and the PDF font is present; otherwise 503 naming each failing
part. Neither needs a login nor HTTPS (the probe comes from the load balancer).
"""

import time
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Once every migration is applied it stays so for this process's code (a release restarts it).
_migrations_applied = False


def _database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _migrations() -> str | None:
    global _migrations_applied
    if _migrations_applied:
        return None
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} migration(s) not applied"
    _migrations_applied = True
    return None


def _broker() -> str | None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return None


def _pdf_font() -> str | None:
    from config.fonts import pdf_font_problem

    return pdf_font_problem()


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _database,
    "migrations": _migrations,
    "broker": _broker,
    "pdf_font": _pdf_font,
}


@never_cache
@require_GET
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
@login_not_required
def readyz(request: HttpRequest) -> JsonResponse:
    started = time.monotonic()
    failing: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and "database" in failing:
            failing[name] = "database unreachable"
            continue
        try:
            problem = check()
        except Exception as error:  # a probe reports what is down, it never raises
            problem = f"{type(error).__name__}: {error}"[:300]
        if problem:
            failing[name] = problem
    body: dict[str, object] = {
        "status": "unavailable" if failing else "ok",
        "checks": {name: failing.get(name, "ok") for name in CHECKS},
        "ms": round((time.monotonic() - started) * 1000, 1),
    }
    if failing:
        body["failing"] = sorted(failing)
    return JsonResponse(body, status=503 if failing else 200)
