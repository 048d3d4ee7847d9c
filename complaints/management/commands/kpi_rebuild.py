"""Recount the KPI summary rows: manage.py kpi_rebuild [--stale-only]"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from complaints.services.kpi_summary import kpi_rebuild_all, kpi_refresh


class Command(BaseCommand):
    help = (
        "Recounts the KPI summary (KpiDay) of every day that received a complaint, e.g. after loading data "
        "without the triggers; --stale-only recounts only the days marked stale, as beat does (PostgreSQL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stale-only", action="store_true", help="Only the days marked stale.")

    def handle(self, *args: Any, stale_only: bool, **options: Any) -> None:
        started = time.monotonic()
        days = kpi_refresh() if stale_only else kpi_rebuild_all()
        self.stdout.write(self.style.SUCCESS(f"{days:,} days recounted in {time.monotonic() - started:.1f} s"))
