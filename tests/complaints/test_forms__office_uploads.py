"""Zip-based office uploads are opened: a renamed zip, the wrong kind of document, macros and
ActiveX controls are refused with a message (issue 19); genuine documents pass."""

import io
import zipfile

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.forms.fields import AttachmentsField
from complaints.models import ProcessSettings
from complaints.rules.filetypes import office_archive_fault

DOCX_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'wordprocessingml.document.main+xml"/></Types>'
)


def archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, content in members.items():
            zipped.writestr(name, content)
    return buffer.getvalue()


DOCX = {"[Content_Types].xml": DOCX_TYPES, "word/document.xml": b"<w:document/>"}
XLSX = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
ODT = {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"}


def test_the_rule_reads_names_and_content_types() -> None:
    assert office_archive_fault("docx", list(DOCX), DOCX_TYPES, b"") == ""
    assert office_archive_fault("xlsx", list(DOCX), DOCX_TYPES, b"") == "content"
    assert office_archive_fault("docx", [*DOCX, "word/vbaProject.bin"], DOCX_TYPES, b"") == "active"
    macro_types = DOCX_TYPES.replace(b"document.main+xml", b"document.macroEnabled.main+xml")
    assert office_archive_fault("docx", list(DOCX), macro_types, b"") == "active"
    assert office_archive_fault("odt", list(ODT), b"", ODT["mimetype"]) == ""
    assert office_archive_fault("odt", [*ODT, "Basic/Standard/Module1.xml"], b"", ODT["mimetype"]) == "active"
    assert office_archive_fault("ods", list(ODT), b"", ODT["mimetype"]) == "content"
    assert office_archive_fault("zip", ["anything.exe"], b"", b"") == ""


def clean(name: str, content: bytes) -> list[str]:
    field = AttachmentsField(required=False)
    try:
        field.clean([SimpleUploadedFile(name, content, content_type="application/octet-stream")])
    except forms.ValidationError as error:
        return list(error.messages)
    return []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "members", "message"),
    [
        ("report.docx", DOCX, ""),
        ("sheet.xlsx", XLSX, ""),
        ("notes.odt", ODT, ""),
        ("report.docx", {**DOCX, "word/vbaProject.bin": b"\x00"}, "report.docx contains macros or active content"),
        ("report.docx", {**DOCX, "word/activeX/activeX1.xml": b"<ax/>"}, "contains macros or active content"),
        ("sheet.xlsx", {"payload.exe": b"MZ"}, "sheet.xlsx: its content is not a .xlsx file"),
        ("sheet.xlsx", DOCX, "its content is not a .xlsx file"),
    ],
)
def test_office_uploads_are_judged_by_what_is_inside(org: object, name: str, members: dict, message: str) -> None:
    ProcessSettings.objects.update(attachment_extensions="pdf,docx,xlsx,odt")
    messages = clean(name, archive(members))
    if message:
        assert any(message in text for text in messages), messages
    else:
        assert messages == []


@pytest.mark.django_db
def test_a_broken_zip_with_the_right_signature_is_refused(org: object) -> None:
    ProcessSettings.objects.update(attachment_extensions="docx")
    messages = clean("report.docx", b"PK\x03\x04" + b"\x00" * 64)
    assert any("its content is not a .docx file" in text for text in messages)
