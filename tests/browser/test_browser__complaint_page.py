"""The complaint page in a real browser, in both languages: the header with its live clocks,
filtering the timeline, and a note that mentions a colleague (picked from the list) landing in
their inbox. Also checked at a phone's width: nothing wider than the screen.

Screenshots go to the test's temporary directory, or to docs/screenshots/ (the documentation's
pictures) when REDRESS_SCREENSHOTS=1 is set:
    REDRESS_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_browser__complaint_page.py
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from complaints.models import Mention
from complaints.services.attachments import attachment_add
from complaints.services.stages import contact_log
from tests.browser.conftest import login
from tests.conftest import make_user
from tests.web.page_helpers import new_complaint, page_url
from tests.web.test_complaint_page__attachments import png

pytestmark = pytest.mark.django_db(transaction=True)

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def screenshots(tmp_path):
    """Where this run's screenshots go (see the module docstring)."""
    return DOCS_SCREENSHOTS if os.environ.get("REDRESS_SCREENSHOTS") else tmp_path


WORDS = {
    "en": {"timeline": "Timeline", "notes": "Notes", "note_for": "Internal note, for manager_a:", "left": "left"},
    "zh-hans": {"timeline": "时间线", "notes": "备注", "note_for": "内部备注，提及 manager_a：", "left": "剩余"},
}


def top(page):
    """Scrolls back to the top (the filter link jumps to the timeline; the header is sticky)."""
    page.evaluate("window.scrollTo(0, 0); document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")


def logged_in(browser, live_server, user, language):
    """A browser page with the user's session (the login form is tested elsewhere)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    return context.new_page()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_header_timeline_filter_and_a_mention(browser, live_server, org, agent, language, screenshots):
    from playwright.sync_api import expect

    manager = make_user("manager_a", org["store_a"], "store_manager")
    complaint = new_complaint(org, agent)
    contact_log(complaint=complaint, actor=agent, channel="phone", summary="Apologised; photos requested.")
    words = WORDS[language]

    page = login(browser, live_server, agent.username, language=language)
    page.goto(live_server.url + page_url(complaint))
    header = page.locator("#rd-header")
    expect(header).to_contain_text(complaint.reference)
    expect(header).to_contain_text("Zhou Wei")
    countdown = page.locator(".rd-countdown").first
    expect(countdown).to_contain_text(words["left"])
    expect(page.locator("#rd-timeline .vf-card__title")).to_have_text(words["timeline"])
    assert page.locator("#rd-timeline [data-kind=customer_contact]").count() == 1

    # the note, with a colleague picked from the list
    page.locator("#rd-header a[href$='/note/']").click()
    page.wait_for_load_state("networkidle")
    page.fill("textarea[name=text]", "Customer wants a call back ")
    page.locator("[data-mention=manager_a]").click()
    assert page.locator("textarea[name=text]").input_value() == "Customer wants a call back @manager_a "
    page.locator("button[type=submit]").last.click()
    page.wait_for_url(f"**{page_url(complaint)}?part=rd-part-timeline**")  # back at the notes
    assert Mention.objects.filter(case=complaint, mentioned=manager).exists()

    # filter the timeline to notes only
    page.locator(".rd-filter[data-group=notes]").click()
    page.wait_for_url("**show=notes**")
    items = page.locator("#rd-timeline .rd-timeline__item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(words["note_for"])
    top(page)
    page.screenshot(path=str(screenshots / f"complaint-page-{language}.png"), full_page=True)

    # the colleague finds it in their inbox
    colleague = logged_in(browser, live_server, manager, language)
    colleague.goto(live_server.url + "/workflow/inbox/")
    expect(colleague.locator("body")).to_contain_text(complaint.reference)


def test_the_complaint_page_fits_a_phone(browser, live_server, org, agent, screenshots):
    complaint = new_complaint(org, agent)
    contact_log(
        complaint=complaint,
        actor=agent,
        channel="sms",
        summary="A long message " * 20,
        promise="Technician visit",
        promised_by=timezone.now() + timedelta(days=1),
    )
    page = login(browser, live_server, agent.username, language="zh-hans")
    page.set_viewport_size({"width": 375, "height": 800})
    for url in (page_url(complaint), page_url(complaint, "note"), page_url(complaint, "contact"), "/workflow/inbox/"):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (url, width)
    page.goto(live_server.url + page_url(complaint))
    page.screenshot(path=str(screenshots / "complaint-page-phone.png"), full_page=False)

    # an image attachment opens over the page and closes with Escape
    from playwright.sync_api import expect

    attachment_add(complaint=complaint, upload=png(), actor=agent)
    page.goto(live_server.url + page_url(complaint))
    page.locator("[data-tab=rd-part-files]").click()
    page.locator("a[data-preview]").click()
    overlay = page.locator(".rd-lightbox--open")
    expect(overlay).to_be_visible()
    expect(overlay.locator("img")).to_have_attribute("alt", "scratch.png")
    page.keyboard.press("Escape")
    expect(overlay).to_have_count(0)
