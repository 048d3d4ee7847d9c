"""The complaint page's parts in a real browser: the header, then one part at a time (customer &
facts, work, timeline, files) chosen from the tab bar or from the address, in both languages, on
a desktop and at a phone's width. A form returns to the part it was opened from.

Screenshots (and the page heights, printed) go to the test's temporary directory, or to
docs/screenshots/ with REDRESS_SCREENSHOTS=1 (see test_browser__complaint_page.py)."""

import pytest

from complaints.services.notes import note_add
from complaints.services.stages import contact_log
from tests.browser.conftest import login
from tests.browser.test_browser__complaint_page import screenshots  # noqa: F401 (fixture)
from tests.web.page_helpers import new_complaint, page_url

pytestmark = pytest.mark.django_db(transaction=True)

PARTS = ["rd-part-facts", "rd-part-work", "rd-part-timeline", "rd-part-files"]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 800}}


def shown_parts(page):
    return [part for part in PARTS if page.locator(f"#{part}").is_visible()]


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_one_part_at_a_time(browser, live_server, org, agent, language, size, screenshots):  # noqa: F811
    from playwright.sync_api import expect

    complaint = new_complaint(org, agent)
    for n in range(30):  # a long history: the older entries fold away
        note_add(complaint=complaint, author=agent, text=f"Called the customer, attempt {n}.")
    contact_log(complaint=complaint, actor=agent, channel="phone", summary="Apologised; photos requested.")

    page = login(browser, live_server, agent.username, language=language, viewport=SIZES[size])
    page.goto(live_server.url + page_url(complaint))
    page.wait_for_load_state("networkidle")
    expect(page.locator("#rd-header")).to_contain_text(complaint.reference)
    assert shown_parts(page) == ["rd-part-facts"]
    expect(page.locator("#rd-contacts")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    heights = {}
    for part in PARTS:
        page.locator(f"[data-tab={part}]").click()
        assert shown_parts(page) == [part]
        expect(page.locator(f"[data-tab={part}]")).to_have_attribute("aria-current", "true")
        heights[part] = page.evaluate("document.documentElement.scrollHeight")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshots / f"complaint-parts-{part[8:]}-{language}-{size}.png"), full_page=True)
    print(f"page heights ({language}, {size}):", heights)
    # the timeline shows the newest entries, the rest behind one click
    page.locator("[data-tab=rd-part-timeline]").click()
    older = page.locator(".rd-timeline__older")
    expect(older).to_have_count(1)
    assert older.locator(".rd-timeline__item").first.is_visible() is False

    # a form returns to the card it was opened from (and its part)
    from tests.web.page_helpers import as_user

    response = as_user(agent).post(
        page_url(complaint, "contact"), {"channel": "phone", "summary": "Called back, visit agreed."}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?part=rd-part-facts#rd-contacts")
