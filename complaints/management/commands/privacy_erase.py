"""A person's request to be forgotten: manage.py privacy_erase --phone N [--yes]"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.models import Complaint
from complaints.selectors.privacy import held_about_phone
from complaints.services.privacy import PrivacyRefused, erase_blockers, person_erase


class Command(BaseCommand):
    help = (
        "Anonymises everything held about one phone number (complaints, contacts, attachments, messages, "
        "deliveries, outreach rows) after confirmation. Refuses while a complaint of that number is open or "
        "on legal hold, and names them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, help="the person's phone number")
        parser.add_argument("--yes", action="store_true", help="confirm without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        phone = options["phone"]
        blockers = erase_blockers(phone=phone)
        if blockers:
            refs = ", ".join(c.reference or str(c.pk) for c in blockers)
            raise CommandError(f"Not erased: open or on legal hold: {refs}")
        held = Complaint.objects.filter(held_about_phone(phone), anonymised_at__isnull=True).count()
        if not options["yes"]:
            answer = input(f"Anonymise {held} complaint(s) and every other record of this number? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                self.stdout.write("Nothing changed.")
                return
        try:
            done = person_erase(phone=phone)
        except PrivacyRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(f"Anonymised: {', '.join(done) or 'no complaints'}.")
