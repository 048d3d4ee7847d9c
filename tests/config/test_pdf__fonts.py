"""The 8D PDF with Chinese demo text: the Chinese extracts, set in the font Redress ships, even on
a machine with no fonts at all."""

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from pypdf import PdfReader

from config.fonts import pdf_font_face_css
from tests.web.page_helpers import new_complaint

ROOT = Path(__file__).resolve().parents[2]
WORDS = "高速上突然断电，仪表盘全黑，差点追尾"


def pdf_text(content: bytes) -> str:
    return "".join("".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(content)).pages)


def pdf_fonts(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.fixture
def chinese_complaint(org: dict[str, Any], agent: Any) -> Any:
    return new_complaint(org, agent, customer_name="王小明", customer_words=WORDS)


@pytest.mark.django_db
def test_the_8d_pdf_in_chinese_extracts_its_chinese_text(chinese_complaint: Any, agent: Any) -> None:
    from django.contrib.auth.models import Permission

    # A PDF is an export: the customer's name is printed in full only for holders of the export
    # permission (docs/privacy.md); without it, masked.
    client = Client()
    client.force_login(agent)
    masked = pdf_text(client.get(f"/workflow/flows/complaint/{chinese_complaint.pk}/8d.pdf?lang=zh-hans").content)
    assert "王**" in masked and "王小明" not in masked
    agent.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    response = client.get(f"/workflow/flows/complaint/{chinese_complaint.pk}/8d.pdf?lang=zh-hans")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert WORDS.replace("，", "") in text.replace("，", "")
    assert "王小明" in text and "根本原因" in text
    assert any("Redress-Noto-Sans-SC" in name for name in pdf_fonts(response.content))


@pytest.mark.django_db
def test_the_8d_pdf_needs_no_system_font(chinese_complaint: Any, tmp_path: Path) -> None:
    """WeasyPrint in a process whose fontconfig knows no font directory at all: the Chinese still
    comes out, because the PDF brings its own font."""
    from complaints.selectors.quality import eight_d
    from web.fishbone import drawing_of

    report = eight_d(chinese_complaint)
    html = render_to_string(
        "web/eight_d_print.html",
        {
            "complaint": chinese_complaint,
            "report": report,
            "drawing": drawing_of(chinese_complaint, report.analysis),
            "lang": "zh-hans",
            "title": "8D",
            "font_face": pdf_font_face_css(),
        },
    )
    (tmp_path / "fonts.conf").write_text(
        f'<?xml version="1.0"?><fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>'
    )
    (tmp_path / "report.html").write_text(html, encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf"), "DJANGO_DEBUG": "true"}
    script = (
        "import sys, django; django.setup(); from config.fonts import pdf_write; "
        "sys.stdout.buffer.write(pdf_write(open(sys.argv[1], encoding='utf-8').read()))"
    )
    command = [sys.executable, "-c", script, str(tmp_path / "report.html")]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=180)  # noqa: S603
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert "王小明" in pdf_text(result.stdout)
    assert WORDS.replace("，", "") in pdf_text(result.stdout).replace("，", "")
