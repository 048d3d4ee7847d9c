"""Review packs: the PDF's text holds the figures, the command and beat make each pack once, and
beat e-mails it once to the admin's recipients."""

from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from complaints.models import KpiSettings, ReviewPack
from complaints.rules.kpi import period_parse
from complaints.services.review import review_pack_make, review_packs_due
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
TZ = ZoneInfo(settings.TIME_ZONE)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_weekly_pdf_holds_the_figures_and_the_dont_do_list(week: Any) -> None:
    pack, made = review_pack_make(period=period_parse("2026-W48"), language="en")
    assert made and pack.kind == ReviewPack.Kind.WEEKLY
    text = pdf_text(bytes(pack.pdf))
    assert "Weekly review 2026-W48" in text
    assert "50.0 %" in text  # first-contact resolution, 2 of 4
    assert "66.7 %" in text  # follow-up satisfaction, 2 of 3
    assert "1200.00" in text and "800.50" in text
    assert "man cause" in text and "Retrain" in text  # the don't-do row and its permanent action


def test_the_command_writes_each_format_and_makes_the_pack_once(week: Any, tmp_path: Any) -> None:
    from openpyxl import load_workbook

    for fmt in ("pdf", "xlsx", "html"):
        call_command("review_pack", period="2026-W48", format=fmt, output=str(tmp_path / f"p.{fmt}"), language="en")
    assert ReviewPack.objects.count() == 1
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
    book = load_workbook(tmp_path / "p.xlsx")
    assert "Don't do" in book.sheetnames
    assert "Weekly review 2026-W48" in (tmp_path / "p.html").read_text()


def test_the_command_refuses_a_bad_period(week: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("review_pack", period="2026-W60", format="pdf", output="-")


def test_beat_sends_the_weekly_pack_once_on_its_day_and_time(week: Any, org: dict[str, Any]) -> None:
    reader = make_user("director", org["hq"], "executive")
    reader.email = "director@example.com"
    reader.save()
    KpiSettings.objects.get().recipients.add(reader)
    before = datetime(2026, 11, 30, 7, 59, tzinfo=TZ)  # Monday after week 48, before 08:00
    made = review_packs_due(now=before)
    assert not ReviewPack.objects.filter(period="2026-W48").exists()
    on_time = datetime(2026, 11, 30, 8, 5, tzinfo=TZ)
    made = review_packs_due(now=on_time)
    assert ReviewPack.objects.filter(period="2026-W48", kind="weekly").count() == 1
    weekly = [m for m in mail.outbox if "2026-W48" in m.subject]
    assert len(weekly) == 1 and weekly[0].to == ["director@example.com"]
    assert {a[0] for a in weekly[0].attachments} == {"review-2026-W48.pdf", "review-2026-W48.xlsx"}
    sent = len(mail.outbox)
    assert review_packs_due(now=on_time) == [] and len(mail.outbox) == sent  # a second run does nothing
    assert made  # packs were made on time


def test_the_pack_day_and_time_are_the_admins(week: Any) -> None:
    KpiSettings.objects.update(weekly_weekday=2)  # Wednesday
    review_packs_due(now=datetime(2026, 11, 30, 9, 0, tzinfo=TZ))
    assert not ReviewPack.objects.filter(period="2026-W48").exists()
    review_packs_due(now=datetime(2026, 12, 2, 9, 0, tzinfo=TZ))
    assert ReviewPack.objects.filter(period="2026-W48").exists()
