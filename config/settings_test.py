"""The settings the test suite and the type checker use: development mode said explicitly (the
plain settings default to production). Tests of production behaviour run `manage.py` in a
subprocess with DJANGO_DEBUG=false (tests/config/)."""

import os

os.environ["DJANGO_DEBUG"] = "true"

from config.settings import *  # noqa: F403

# pytest-django's live server serves static files only when it finds this exact name in
# INSTALLED_APPS (the browser tests need them); the ignore patterns of our AppConfig matter only
# to collectstatic, which the production tests run with the plain settings.
INSTALLED_APPS = [
    "django.contrib.staticfiles" if app == "config.apps.RedressStaticFilesConfig" else app
    for app in INSTALLED_APPS  # noqa: F405
]
