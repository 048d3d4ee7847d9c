"""Settings of bench/lifecycle.py: the product's settings plus the bare-viewflow app (its tables
made by `migrate --run-syncdb`, which the script runs). Never used by the product or the tests."""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bareflow"]  # noqa: F405
