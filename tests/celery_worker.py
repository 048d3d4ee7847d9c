"""A real Celery worker with embedded beat, started against the test database and Redis."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def broker_or_skip() -> str:
    """The Redis broker URL; outside CI a missing one skips, in CI it fails, a dead Redis errors."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        if os.environ.get("CI"):
            pytest.fail("CI runs the worker tests on Redis: set CELERY_BROKER_URL=redis://...")
        pytest.skip("needs CELERY_BROKER_URL pointing at Redis")
    redis.Redis.from_url(broker).ping()  # a missing Redis is an error, not a skip
    return broker


def start_worker(broker: str) -> subprocess.Popen[str]:
    """Starts `celery worker -B` on the test database, sweeping every second, in its own process
    group: the embedded beat is a child process, which a killed worker would leave running."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "REDRESS_TIMER_SWEEP_SECONDS": "1",
        # Small batches (each its own transaction), so a worker killed mid-sweep has committed some.
        "REDRESS_SWEEP_BATCH": "2",
        "REDRESS_VAR_DIR": str(Path(settings.MEDIA_ROOT).parent),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def kill_worker(worker: subprocess.Popen[str]) -> None:
    """Kills the worker and its beat at once (no chance to finish what they do)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)


def stop_worker(worker: subprocess.Popen[str]) -> str:
    """Stops the worker (if still running) and returns what it printed."""
    if worker.poll() is None:
        worker.terminate()
    output, _ = worker.communicate(timeout=30)
    kill_worker(worker)  # the beat, should it outlive the worker
    return output
