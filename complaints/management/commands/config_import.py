"""python manage.py config_import config.json [--dry-run]   |   python manage.py config_import --preset three_tier"""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.services.config_io import (
    ConfigChanged,
    ConfigImportError,
    ImportPreview,
    config_import,
    config_preview,
    parse_document,
    preset_document,
    presets,
)

SIGNS = {"added": "+", "changed": "~", "removed": "-"}


class Command(BaseCommand):
    help = (
        "Imports a configuration document (a file, - for stdin, or a shipped preset). Everything is "
        "validated first; if any part is invalid, every problem is printed and nothing changes. The "
        "changes (added +, changed ~ with old → new, removed -) are printed first; --dry-run stops "
        "there, and at a terminal the command asks before applying them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="JSON file made by config_export, or - for stdin")
        parser.add_argument("--preset", choices=sorted(presets()), help="import a shipped preset instead")
        parser.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="apply without asking at a terminal"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["file"]) == bool(options["preset"]):
            raise CommandError("Give either a file or --preset.")
        try:
            if options["preset"]:
                document = preset_document(options["preset"])
            else:
                source = options["file"]
                try:
                    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError) as error:
                    raise CommandError(f"Cannot read {source}: {error}") from None
                document = parse_document(text)
            preview = config_preview(document=document)
            self.print_preview(preview)
            if options["dry_run"] or not preview.changes:
                return
            asks = options["interactive"] and sys.stdin.isatty() and options["file"] != "-"
            if asks and input("Apply these changes? [y/N] ").strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing was imported.")
            counts = config_import(document=document, expected=preview.fingerprint)
        except ConfigImportError as error:
            for line in error.errors:
                self.stderr.write(line)
            raise CommandError(f"Nothing was imported: {len(error.errors)} problem(s).") from None
        except ConfigChanged as refusal:
            raise CommandError(str(refusal.message)) from None
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Configuration imported ({summary})."))

    def print_preview(self, preview: ImportPreview) -> None:
        if not preview.changes:
            self.stdout.write("The document matches the current configuration: nothing to change.")
            return
        for change in preview.changes:
            self.stdout.write(f"{SIGNS[change.action]} {change.section}: {change.item}")
            for name, old, new in change.fields:
                self.stdout.write(f"    {name}: {new}" if change.action == "added" else f"    {name}: {old} → {new}")
        self.stdout.write(f"{len(preview.changes)} change(s).")
