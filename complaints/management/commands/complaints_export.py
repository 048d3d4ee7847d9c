"""Export complaints as CSV with their form answers: manage.py complaints_export [filters] > file.csv"""

import csv
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from complaints.models import Category, Complaint
from complaints.selectors.intake_forms import FilterInvalid, category_subtree_ids, complaints_with_answers
from complaints.services.privacy import complaints_export_table


class Command(BaseCommand):
    help = (
        "Writes complaints as CSV (UTF-8) to standard output: the standard fields, then one column per "
        "question of the category forms. Filters: --category CODE (with its subcategories), "
        "--answer key=value / key>value / key<value (repeatable), --language zh-hans|en. "
        "--user USERNAME exports on that person's behalf: their complaints only, with personal data "
        "if they hold the export permission (logged in the access log); without it, masked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--category", help="category code; its subcategories are included")
        parser.add_argument("--answer", action="append", default=[], help="key=value, key>value or key<value")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])
        parser.add_argument("--user", help="username the export is made for (scope, permission, access log)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {options['user']!r}.")
        with translation.override(options["language"]):
            queryset = Complaint.objects.exclude(reference__isnull=True)
            if options["category"]:
                category = Category.objects.filter(code=options["category"]).first()
                if category is None:
                    raise CommandError(f"No category with the code {options['category']!r}.")
                queryset = queryset.filter(category__in=category_subtree_ids(category))
            try:
                queryset, plain = complaints_with_answers(queryset, text=" ".join(options["answer"]))
            except FilterInvalid as error:
                raise CommandError(str(error)) from None
            if plain:
                raise CommandError(f"{' '.join(plain)!r}: write key=value, key>value or key<value.")
            headers, rows = complaints_export_table(user=user, queryset=queryset, language=options["language"])
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(headers)
            writer.writerows(rows)
