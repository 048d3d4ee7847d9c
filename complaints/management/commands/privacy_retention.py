"""Anonymise personal data past the retention period: manage.py privacy_retention [--dry-run]"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from complaints.services.privacy import retention_apply


class Command(BaseCommand):
    help = (
        "Anonymises the personal data of complaints closed longer than the privacy policy's retention "
        "period (per category where set); open complaints and legal holds are never touched. "
        "--dry-run lists what would be anonymised and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list the due complaints, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = settings.REDRESS_SWEEP_BATCH
        if options["dry_run"]:
            result = retention_apply(batch=batch, dry_run=True)
            for reference in result["due"]:
                self.stdout.write(reference)
            self.stdout.write(f"{len(result['due'])} complaint(s) due (first {batch} listed); nothing changed.")
            return
        total = 0
        while True:
            result = retention_apply(batch=batch)
            total += result["anonymised"]
            if not result["anonymised"]:
                break
        self.stdout.write(f"{total} complaint(s) anonymised.")
