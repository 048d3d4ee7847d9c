"""A person's request: everything held about a phone number, as JSON. manage.py privacy_export --phone N"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from complaints.services.privacy import person_export


class Command(BaseCommand):
    help = (
        "Prints, as JSON, everything held about one phone number: complaints (with contacts, form answers "
        "and survey answers), messages sent to the customer, batch deliveries and outreach rows. Logged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, help="the person's phone number")

    def handle(self, *args: Any, **options: Any) -> None:
        data = person_export(phone=options["phone"])
        self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
