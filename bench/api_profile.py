"""Profile of complaint creation over the API inside one process (Django test client, no server):
CPU ms per creation, queries per creation and the cProfile top entries (issue 23's speed item).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_api .venv/bin/python bench/api_profile.py --n 50

On the demo database (seed_demo). Token for the demo `agent`; each creation sends an Idempotency-Key.
The first few creations warm up (imports, caches) and are not counted.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.signals import request_finished  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from api.models import ApiToken  # noqa: E402


def backend_cpu() -> float | None:
    """CPU seconds the PostgreSQL backend serving this connection has used (same machine only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--user", default="agent")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--out", default="")
    parser.add_argument("--plain", action="store_true", help="no profiler: CPU and queries only")
    parser.add_argument("--same-customer", action="store_true", help="every complaint from one phone number")
    parser.add_argument("--queries", action="store_true", help="print one creation's queries (after the warm-up)")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    user = get_user_model().objects.get(username=args.user)
    token = ApiToken(name="profile", owner=user)
    raw = token.set_token()
    token.save()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def create(n: int) -> None:
        body = {
            "customer_name": f"Profile {n}",
            # A number of its own per complaint, unless --same-customer (then each repeats all the earlier).
            "customer_phone": "13800138001" if args.same_customer else f"13{random.randrange(10**9):09d}",  # noqa: S311
            "description": "The fridge door arrived scratched.",
            "channel": "phone",
            "category": "enquiry",
        }
        response = client.post(
            "/api/complaints/",
            json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert response.status_code == 201, response.content[:500]

    for i in range(args.warmup):
        create(i)
    if args.queries:
        kept: list[dict[str, str]] = []
        keep = lambda **kwargs: kept.extend(connection.queries)  # noqa: E731
        request_finished.connect(keep, weak=False)
        connection.force_debug_cursor = True
        create(999)
        connection.force_debug_cursor = False
        request_finished.disconnect(keep)
        for n, query in enumerate(kept, 1):
            print(f"{n:3d} {float(query['time']) * 1000:6.2f} ms  {query['sql'][:220]}")
        token.delete()
        return
    # Django empties connection.queries when a request starts: count each request's as it finishes.
    counted: list[int] = []
    request_finished.connect(lambda **kwargs: counted.append(len(connection.queries)), weak=False)
    connection.force_debug_cursor = True
    profiler = cProfile.Profile()
    db0 = backend_cpu() if connection.vendor == "postgresql" else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if not args.plain:
        profiler.enable()
    for i in range(args.n):
        create(1000 + i)
    profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    db1 = backend_cpu() if db0 is not None else None
    queries = sum(counted)
    connection.force_debug_cursor = False
    token.delete()
    under = "" if args.plain else " (under the profiler)"
    print(
        f"creations {args.n}: CPU {cpu / args.n * 1000:.1f} ms each{under}, "
        f"wall {wall / args.n * 1000:.1f} ms, queries {queries / args.n:.1f} each"
        + (f", PostgreSQL backend CPU {(db1 - db0) / args.n * 1000:.1f} ms each" if db0 is not None and db1 else "")
    )
    if args.plain:
        return
    if args.out:
        profiler.dump_stats(args.out)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
