"""Redress's own start-up: system checks, log context for Celery tasks, timestamps read by psycopg's
C parser (config.database), and the folders the filesystem broker needs (created when Django starts,
never when the settings are imported)."""

from pathlib import Path

from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.utils.translation import gettext_lazy as _


class RedressConfig(AppConfig):
    name = "config"
    label = "redress_config"
    verbose_name = _("Redress")

    def ready(self) -> None:
        from django.conf import settings

        from config import checks, database, logs  # noqa: F401  (registers the checks and the task log signals)

        database.connect()  # timestamps read by psycopg's C parser
        default = settings.DATABASES["default"]
        if default["ENGINE"] == "django.db.backends.sqlite3" and str(default["NAME"]) != ":memory:":
            Path(default["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            for key in ("data_folder_in", "processed_folder", "control_folder"):
                if options.get(key):
                    Path(options[key]).mkdir(parents=True, exist_ok=True)


class RedressStaticFilesConfig(StaticFilesConfig):
    """collectstatic without what viewflow ships but Redress never serves: its Dash/Plotly bundles
    (22 MB), its social-login icon font (33 MB; Redress has no social logins), npm leftovers, and a
    second copy of the Roboto fonts whose CSS points at files that do not exist beside it (manifest
    storage refuses it)."""

    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "viewflow/js/contrib/dash/*",
        "viewflow/fonts/roboto/node_modules/*",
        "viewflow/fonts/simple-icons/*",
        "viewflow/js/node_modules/*",
    ]
