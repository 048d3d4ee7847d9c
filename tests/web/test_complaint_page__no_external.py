"""Pages make no request to another host: every script, style sheet, font, image and link target
is served by us."""

import re

import pytest
from viewflow.workflow.models import Task

from tests.conftest import FLOW, task_url
from tests.web.page_helpers import as_user, new_complaint, page_url

pytestmark = pytest.mark.django_db

# src=, href=, action= and CSS url() pointing at a scheme-qualified or protocol-relative address.
EXTERNAL = re.compile(r"""(?:src|href|action|srcset)\s*=\s*["']\s*(?:https?:)?//(?!testserver[/"'])([^/"']+)""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?(?:https?:)?//([^/"')]+)""", re.I)


def external(html):
    return EXTERNAL.findall(html) + CSS_URL.findall(html)


def test_complaint_page_forms_and_lists_refer_only_to_our_own_host(org, agent):
    complaint = new_complaint(org, agent)
    client = as_user(agent)
    task = Task.objects.get(process=complaint, flow_task=FLOW.first_response)
    urls = [
        page_url(complaint),
        page_url(complaint) + "?show=notes",
        page_url(complaint, "note"),
        page_url(complaint, "contact"),
        page_url(complaint, "attach"),
        "/workflow/inbox/",
        task_url(task, "detail"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert external(response.content.decode()) == [], url


def test_our_static_files_refer_only_to_our_own_host():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "static" / "redress"
    for path in root.iterdir():
        if path.suffix not in (".css", ".js"):
            continue  # fonts/ holds the PDF font and its licence, read by WeasyPrint only
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path.name


def test_the_detector_finds_external_references():
    assert external('<script src="https://cdn.example.com/x.js"></script>') == ["cdn.example.com"]
    assert external('<link href="//fonts.example.com/css">') == ["fonts.example.com"]
    assert external("<style>@font-face{src:url(https://fonts.example.com/a.woff2)}</style>") == ["fonts.example.com"]
    assert external('<a href="/workflow/">') == []
