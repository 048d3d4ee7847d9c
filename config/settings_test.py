"""The settings the test suite and the type checker use: development mode said explicitly (the
plain settings default to production). Tests of production behaviour run `manage.py` in a
subprocess with DJANGO_DEBUG=false (tests/config/)."""

import os

os.environ["DJANGO_DEBUG"] = "true"

# Parallel runs (pytest-xdist, `make test`): pytest-django gives each worker its own test database
# (test_<name>_gw0, _gw1…); the Redis broker gets its own database per worker too, counting down
# from the one configured (15, 14, …), so a real Celery worker started by one test process never
# takes another process's tasks. Set in the environment, so the workers' subprocesses inherit it.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_broker = os.environ.get("CELERY_BROKER_URL", "")
if _xdist_worker.startswith("gw") and _broker.startswith("redis://"):
    _base, _, _db = _broker.rpartition("/")
    _number = int(_db or 0) - int(_xdist_worker[2:])
    os.environ["CELERY_BROKER_URL"] = f"{_base}/{_number % 16}"

from config.settings import *  # noqa: E402, F403

# pytest-django's live server serves static files only when it finds this exact name in
# INSTALLED_APPS (the browser tests need them); the ignore patterns of our AppConfig matter only
# to collectstatic, which the production tests run with the plain settings.
INSTALLED_APPS = [
    "django.contrib.staticfiles" if app == "config.apps.RedressStaticFilesConfig" else app
    for app in INSTALLED_APPS  # noqa: F405
]
