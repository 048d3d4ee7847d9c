"""Make (or fetch from the archive) the review pack of one period and write it out:
manage.py review_pack --period 2026-W48 --format pdf|xlsx|html [--output FILE] [--send]"""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.rules.kpi import period_parse
from complaints.services.review import review_pack_make, review_pack_send


class Command(BaseCommand):
    help = (
        "Makes the weekly (2026-W48) or monthly (2026-11) review pack like beat does (once: an existing "
        "pack is taken from the archive) and writes it as PDF, XLSX or HTML to --output (default "
        "review-<period>.<format>; '-' for standard output). --send e-mails it to the KPI settings' "
        "recipients if it was not sent yet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2026-W48 (ISO week) or 2026-11 (month)")
        parser.add_argument("--format", default="pdf", choices=["pdf", "xlsx", "html"])
        parser.add_argument("--output", default="", help="file to write ('-': standard output)")
        parser.add_argument("--language", default=None, choices=["zh-hans", "en"], help="for a new pack")
        parser.add_argument("--send", action="store_true", help="e-mail it to the recipients if not sent yet")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = period_parse(options["period"])
        except ValueError:
            raise CommandError(f"{options['period']!r}: write 2026-W48 (a week) or 2026-11 (a month).") from None
        pack, made = review_pack_make(period=period, language=options["language"])
        fmt = options["format"]
        body: bytes = pack.html.encode() if fmt == "html" else bytes(getattr(pack, fmt))
        output = options["output"] or f"review-{pack.period}.{fmt}"
        if output == "-":
            sys.stdout.buffer.write(body)
        else:
            Path(output).write_bytes(body)
            self.stderr.write(f"{'Made' if made else 'From the archive'}: {pack} → {output}")
        if options["send"]:
            sent = review_pack_send(pack=pack)
            self.stderr.write(f"Sent to {sent} recipient(s).")
