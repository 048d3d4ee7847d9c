"""The PDF font check: an error in production, a warning in development, nothing when present."""

from typing import Any

from config.checks import pdf_font_check
from config.fonts import pdf_font_problem


def test_the_shipped_font_is_found_and_has_chinese() -> None:
    assert pdf_font_problem() is None
    assert pdf_font_check() == []


def test_missing_font_is_an_error_in_production(settings: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("config.fonts.finders.find", lambda path, **kw: None)
    settings.DEBUG = False
    [message] = pdf_font_check()
    assert message.id == "redress.E001" and "NotoSansSC" in message.msg and message.is_serious()


def test_missing_font_is_a_warning_in_development(settings: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("config.fonts.finders.find", lambda path, **kw: None)
    settings.DEBUG = True
    [message] = pdf_font_check()
    assert message.id == "redress.W001" and not message.is_serious()


def test_a_file_that_is_no_font_is_reported(settings: Any, monkeypatch: Any, tmp_path: Any) -> None:
    fake = tmp_path / "font.otf"
    fake.write_bytes(b"not a font")
    monkeypatch.setattr("config.fonts.finders.find", lambda path, **kw: str(fake))
    settings.DEBUG = False
    [message] = pdf_font_check()
    assert message.id == "redress.E001" and "Chinese glyphs" in message.msg


def test_the_admin_home_names_a_missing_font(admin_client: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("config.fonts.finders.find", lambda path, **kw: None)
    body = admin_client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert 'id="system-problems"' in body and "PDF font missing" in body


def test_the_admin_home_is_quiet_when_nothing_is_missing(admin_client: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("config.templatetags.redress_system.shutil.which", lambda name: "/usr/bin/" + name)
    assert 'id="system-problems"' not in admin_client.get("/admin/").content.decode()
