"""python manage.py route_preview < complaint.json  (see docs/route-preview.md)"""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints.forms import RoutePreviewForm
from complaints.selectors.routing import ConfigurationMissing, routing_preview


class Command(BaseCommand):
    help = (
        "Reads a sample complaint as JSON on stdin and prints, as JSON, what triage would give it "
        "(department, priority, level, deadlines, matching rules). Nothing is saved."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = json.loads(sys.stdin.read())
        except json.JSONDecodeError as error:
            raise CommandError(f"stdin is not valid JSON: {error}") from None
        form = RoutePreviewForm.from_json(data)
        if form.errors:
            self.stderr.write(json.dumps({"errors": form.errors.get_json_data()}, ensure_ascii=False, indent=2))
            raise CommandError("The sample complaint is invalid; nothing was previewed.")
        sample = form.save(commit=False)
        at = form.cleaned_data.get("received_at") or timezone.now()
        try:
            result = routing_preview(
                complaint=sample,
                department=form.cleaned_data.get("department"),
                at=at,
                answers=form.cleaned_data.get("answers") or {},
            )
        except ConfigurationMissing as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
