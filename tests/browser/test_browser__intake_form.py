"""The intake page in a real browser: picking a category brings its questions, conditional
questions show and hide as the agent answers, and what was hidden is not stored."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Category, Complaint
from tests.browser.conftest import choose, login
from tests.complaints.test_intake_forms__acceptance import publish_form
from tests.conftest import FMT, START_URL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_category_brings_its_questions_and_conditions_show_and_hide_them(
    browser, live_server, org, agent, language, tmp_path
):
    from playwright.sync_api import expect

    publish_form(org["category"])
    page = login(browser, live_server, agent.username, language=language)
    page.goto(live_server.url + START_URL)
    expect(page.locator("#rd-answers")).to_be_attached()
    assert page.locator("vf-field-select[name=answer_service_type]").count() == 0

    quality = Category.objects.get(code="product-quality")
    choose(page, "category", quality.pk)  # its form makes the batch number required: marked so
    expect(page.locator("vf-field-input[name=answer_quantity_defective]")).to_be_visible()
    batch_cell = page.locator(".mdc-layout-grid__cell", has=page.locator("vf-field-input[name=batch_number]")).last
    expect(batch_cell).to_have_class(re.compile(r"rd-required"))

    choose(page, "category", org["category"].pk)
    expect(page.locator("vf-field-select[name=answer_service_type]")).to_be_visible()
    expect(batch_cell).not_to_have_class(re.compile(r"rd-required"))
    label = "救援单号" if language == "zh-hans" else "Rescue order no."
    rescue = page.locator("vf-field-input[name=answer_rescue_order_no]")
    assert rescue.get_attribute("label") == label
    expect(rescue).to_be_hidden()

    choose(page, "answer_service_type", "roadside")
    expect(rescue).to_be_visible()
    page.fill("vf-field-input[name=answer_rescue_order_no] input", "R2026112201")
    choose(page, "answer_service_type", "in_store")
    expect(rescue).to_be_hidden()

    page.fill("vf-field-input[name=customer_name] input", "Zhou Wei")
    page.fill("vf-field-input[name=customer_phone] input", "13700137004")
    page.fill("vf-field-textarea[name=customer_words] textarea", "The fridge door arrived scratched.")
    page.fill("vf-field-input[name=answer_waited_min] input", "45")
    page.locator("vf-field-radio-select[name=answer_on_highway] input[value=no]").check()
    page.locator("vf-field-select-multiple[name=answer_symptoms] .mdc-select__anchor").click()
    page.locator("vf-field-select-multiple[name=answer_symptoms] li[data-value=leak]").click()
    page.locator("vf-field-select-multiple[name=answer_symptoms] li[data-value=noise]").click()
    page.keyboard.press("Escape")
    choose(page, "demand", "replacement")
    choose(page, "channel", "phone")
    promised = (timezone.localtime() + timedelta(hours=3)).strftime(FMT)
    page.fill("[name=promised_response_at] input", promised)
    page.locator("button.mdc-button--raised").click()
    # Registered: the browser leaves the start page (a refused form would stay on it, with errors).
    expect(page).not_to_have_url(re.compile(r"/start/"), timeout=30000)
    page.screenshot(path=str(tmp_path / "after-submit.png"), full_page=True)

    complaint = Complaint.objects.exclude(reference__isnull=True).get()
    answers = {a.key: a.value for a in complaint.answers.select_related("field")}
    assert answers == {"service_type": "in_store", "waited_min": 45, "on_highway": "no", "symptoms": ["noise", "leak"]}
