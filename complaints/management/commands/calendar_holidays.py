"""python manage.py calendar_holidays cn-mainland 2026   |   ... de-office 2026 --country DE"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from complaints.models import BusinessCalendar
from complaints.rules.public_holidays import CHINA
from complaints.services.calendars import CalendarRefused, holidays_fill


class Command(BaseCommand):
    help = (
        "Fills a business calendar with a year's public holidays and adjusted working days (调休): "
        "mainland China from chinesecalendar, other countries from the holidays package. Dates the "
        "calendar already has are left as they are; edit the days afterwards in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("calendar", help="the calendar's code")
        parser.add_argument("year", type=int)
        parser.add_argument("--country", default=CHINA, help="ISO country code (default CN, mainland China)")
        parser.add_argument("--language", default="zh-hans", help="language of the day names (zh-hans or en)")

    def handle(self, *args: Any, **options: Any) -> None:
        calendar = BusinessCalendar.objects.filter(code=options["calendar"]).first()
        if calendar is None:
            raise CommandError(f"There is no calendar with the code {options['calendar']}.")
        with translation.override(options["language"]):
            try:
                result = holidays_fill(calendar=calendar, year=options["year"], country=options["country"])
            except CalendarRefused as refusal:
                raise CommandError(str(refusal.message)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{calendar.code} {options['year']}: {result.holidays} holiday(s) and {result.working_days} "
                f"adjusted working day(s) added; {result.kept} date(s) already set were kept."
            )
        )
