"""A real Celery worker with embedded beat, started against the test database and Redis.

Tests wait on what the worker did, never for a fixed time: `wait_until` polls a condition up to a
generous deadline (an upper bound for a loaded machine, not a sleep), and `Worker.sweeps()` counts
the deadline sweeps the worker has finished, read from its log as it runs, so "several more sweeps:
nothing fires twice" waits for exactly that."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
# The worker's log line for a finished sweep (Celery's "Task <name>[<id>] succeeded in …: <result>").
SWEEP_DONE = "complaints.tasks.sweep_clocks["
SKIPPED = "another sweep is running"


class Worker(subprocess.Popen[str]):
    """The worker's process; a thread reads its output as it comes, so a test can see how many
    sweeps it has finished while it runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.stdout is not None
        for line in self.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(list(self.lines))

    def sweeps(self) -> int:
        """The deadline sweeps this worker has finished (ticks skipped while another sweep held the
        lock do not count: they looked at nothing)."""
        return sum(1 for line in list(self.lines) if SWEEP_DONE in line and "succeeded" in line and SKIPPED not in line)


def wait_until(condition: Callable[[], Any], seconds: float = 90) -> bool:
    """Polls `condition` until it holds (True) or `seconds` have passed (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


def wait_for_more_sweeps(worker: Worker, more: int = 3, seconds: float = 120) -> bool:
    """Waits until the worker has finished `more` sweeps beyond those finished now: each is a chance
    to fire something twice. The first may have been under way already, so ask for one more than
    the test needs. False when the worker stopped or the deadline passed first."""
    target = worker.sweeps() + more
    wait_until(lambda: worker.sweeps() >= target or worker.poll() is not None, seconds)
    return worker.sweeps() >= target


def broker_or_skip() -> str:
    """The Redis broker URL; outside CI a missing one skips, in CI it fails, a dead Redis errors."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        if os.environ.get("CI"):
            pytest.fail("CI runs the worker tests on Redis: set CELERY_BROKER_URL=redis://...")
        pytest.skip("needs CELERY_BROKER_URL pointing at Redis")
    redis.Redis.from_url(broker).ping()  # a missing Redis is an error, not a skip
    return broker


def start_worker(broker: str) -> Worker:
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
        "PYTHONUNBUFFERED": "1",  # each log line reaches the reader as it is written
    }
    return Worker(
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


def stop_worker(worker: Worker) -> str:
    """Stops the worker (if still running) and returns what it printed."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=30)
    finally:
        kill_worker(worker)  # the beat, should it outlive the worker (it holds the output open too)
        worker.reader.join(timeout=30)
    return worker.output()
