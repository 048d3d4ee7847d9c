"""python manage.py config_export > config.json"""

import json
from typing import Any

from django.core.management.base import BaseCommand

from complaints.services.config_io import config_export


class Command(BaseCommand):
    help = "Writes the whole configuration (levels, limits, calendars, routing, profiles…) as JSON to stdout."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(config_export(), ensure_ascii=False, indent=2))
