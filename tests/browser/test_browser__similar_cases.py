"""The intake page in a real browser suggests the closed case most like the complaint being typed."""

import pytest

from tests.browser.conftest import login
from tests.conftest import START_URL
from tests.web.test_cases__library import closed_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_typing_the_model_and_words_brings_the_similar_closed_case(browser, live_server, org, agent, quality_engineer):
    from playwright.sync_api import expect

    case = closed_case(
        agent,
        quality_engineer,
        org,
        cause="BMS firmware cut the contactor on a voltage spike.",
        product_model="EV-S7",
        customer_words="The car lost all power on the highway.",
    )
    page = login(browser, live_server, agent.username)
    page.goto(live_server.url + START_URL)
    panel = page.locator("#rd-similar")
    expect(panel).to_contain_text("Choose a category")
    page.fill("vf-field-input[name=product_model] input", "ev-s7")
    page.fill("vf-field-textarea[name=customer_words] textarea", "Lost power while driving")
    expect(panel.locator(f"[data-case='{case.reference}']")).to_be_visible()
    expect(panel).to_contain_text("BMS firmware cut the contactor")
