"""The strings viewflow's scripts show (window.gettext) come in the reader's language: the page loads
Django's JavaScript catalog (/jsi18n/, also for the login page), which carries Redress's djangojs
catalog (the bulk bar) and Django admin's (the date picker's month names)."""

import json
import re
from importlib.util import find_spec
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

VIEWFLOW_JS = Path(find_spec("viewflow").submodule_search_locations[0]) / "static/viewflow/js/viewflow.min.js"


def catalog(language: str) -> tuple[dict[str, object], dict[str, object]]:
    response = Client().get("/jsi18n/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    strings = json.loads(re.search(r"const newcatalog = (\{.*?\});", body, re.S).group(1))
    formats = json.loads(re.search(r"django.formats = (\{.*?\});", body, re.S).group(1))
    return strings, formats


def shown(strings: dict[str, object], msgid: str) -> object:
    """What Django's gettext() in the browser gives for msgid: the entry, or a plural entry's first
    form, or the msgid itself."""
    value = strings.get(msgid, msgid)
    return value[0] if isinstance(value, list) else value


def test_every_string_viewflows_script_shows_is_chinese_in_zh_hans():
    asked = set(re.findall(r'\bgt\("((?:[^"\\]|\\.)*)"\)', VIEWFLOW_JS.read_text(encoding="utf-8")))
    assert {"%(sel)s selected", "%(sel)s of %(cnt)s selected", "January"} <= asked
    strings, formats = catalog("zh-hans")
    missing = sorted(msgid for msgid in asked if shown(strings, msgid) == msgid)
    assert not missing, f"viewflow's script shows these in English: translate them in djangojs.po: {missing}"
    assert shown(strings, "%(sel)s selected") == "已选 %(sel)s 项"  # ours
    assert shown(strings, "%(sel)s of %(cnt)s selected") == "选中了 %(cnt)s 个中的 %(sel)s 个"  # Django admin's
    assert shown(strings, "January") == "一月"
    assert formats["FIRST_DAY_OF_WEEK"] == 1  # the date picker's weeks start on Monday in China


def test_the_english_catalog_answers_too():
    strings, formats = catalog("en")
    assert shown(strings, "%(sel)s selected") == "%(sel)s selected"
    assert "FIRST_DAY_OF_WEEK" in formats


def test_every_page_loads_the_catalog_before_viewflows_script_even_signed_out():
    html = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    catalog_at, script_at = html.find('src="/jsi18n/"'), html.find("viewflow/js/viewflow.min.js")
    assert 0 <= catalog_at < script_at
