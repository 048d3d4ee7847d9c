"""python manage.py config_import config.json   |   python manage.py config_import --preset three_tier"""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.services.config_io import ConfigImportError, config_import, config_import_text, preset_document, presets


class Command(BaseCommand):
    help = (
        "Imports a configuration document (a file, - for stdin, or a shipped preset). Everything is "
        "validated first; if any part is invalid, every problem is printed and nothing changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="JSON file made by config_export, or - for stdin")
        parser.add_argument("--preset", choices=sorted(presets()), help="import a shipped preset instead")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["file"]) == bool(options["preset"]):
            raise CommandError("Give either a file or --preset.")
        try:
            if options["preset"]:
                counts = config_import(document=preset_document(options["preset"]))
            else:
                source = options["file"]
                try:
                    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError) as error:
                    raise CommandError(f"Cannot read {source}: {error}") from None
                counts = config_import_text(text=text)
        except ConfigImportError as error:
            for line in error.errors:
                self.stderr.write(line)
            raise CommandError(f"Nothing was imported: {len(error.errors)} problem(s).") from None
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Configuration imported ({summary})."))
