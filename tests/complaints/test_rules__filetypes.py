"""What a file is comes from its first bytes: each allowed type's signature, a mismatch refused."""

import io

import pytest
from PIL import Image

from complaints.models import ProcessSettings
from complaints.rules.filetypes import KNOWN_EXTENSIONS, content_matches


def picture(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format=kind)
    return buffer.getvalue()


GOOD = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    "png": picture("PNG"),
    "jpg": picture("JPEG"),
    "jpeg": picture("JPEG"),
    "gif": picture("GIF"),
    "webp": picture("WEBP"),
    "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    "doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32,
    "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32,
    "docx": b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml",
    "xlsx": b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml",
    "txt": "收据：空调维修 ¥300\r\n".encode() + b"line two\n",
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00",
    "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
    "amr": b"#!AMR\n\x3c\x48",
}


@pytest.mark.parametrize("extension", sorted(GOOD))
def test_a_file_whose_content_is_its_type_matches(extension: str) -> None:
    assert content_matches(extension, GOOD[extension])


@pytest.mark.parametrize(
    ("extension", "content"),
    [
        ("pdf", b"MZ\x90\x00\x03\x00"),  # a Windows program named .pdf
        ("jpg", picture("PNG")),  # a PNG named .jpg
        ("png", b"<html><script>alert(1)</script>"),
        ("docx", b"%PDF-1.4"),
        ("doc", b"PK\x03\x04"),
        ("txt", b"\x7fELF\x02\x01\x01\x00\x00"),  # a program named .txt
        ("txt", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("mp4", b"RIFF\x24\x00\x00\x00WAVEfmt "),
        ("pdf", b""),
        ("exe", b"MZ\x90\x00"),  # no known signature: never matches
    ],
)
def test_a_file_whose_content_is_another_type_does_not_match(extension: str, content: bytes) -> None:
    assert not content_matches(extension, content)


def test_chinese_text_saved_by_windows_notepad_is_text() -> None:
    assert content_matches("txt", "投诉记录：车辆异响".encode("gb18030"))
    assert content_matches("txt", "投诉记录".encode("utf-16"))


def test_text_cut_inside_a_character_still_matches() -> None:
    assert content_matches("txt", "空调".encode()[:-1])


def test_every_type_the_default_settings_allow_can_be_checked() -> None:
    default = ProcessSettings._meta.get_field("attachment_extensions").get_default()
    assert {e.strip() for e in default.split(",")} <= KNOWN_EXTENSIONS


@pytest.mark.django_db
def test_the_admin_cannot_allow_a_type_whose_content_cannot_be_checked(org: object) -> None:
    from django.core.exceptions import ValidationError

    settings_row = ProcessSettings.objects.get()
    settings_row.attachment_extensions = "pdf,exe"
    with pytest.raises(ValidationError) as refused:
        settings_row.full_clean()
    assert "exe" in str(refused.value.message_dict["attachment_extensions"])
