"""The settings the test suite and the type checker use: development mode said explicitly (the
plain settings default to production). Tests of production behaviour run `manage.py` in a
subprocess with DJANGO_DEBUG=false (tests/config/)."""

import os

os.environ["DJANGO_DEBUG"] = "true"

from config.settings import *  # noqa: F403
