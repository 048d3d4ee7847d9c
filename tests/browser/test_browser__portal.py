"""The customer's journey at phone width, in both languages: file on the public form, land on the
tracking page, add information; a robot's honeypot is refused."""

from typing import Any

import pytest

from complaints.choices import EventKind
from complaints.models import Complaint, ComplaintEvent, PortalSettings

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "en": {"send": "Send my complaint", "thanks": "your complaint is registered", "added": "we received it"},
    "zh-hans": {"send": "提交投诉", "thanks": "您的投诉已登记", "added": "我们已收到"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_customer_files_follows_and_adds_information_on_a_phone(
    browser: Any, live_server: Any, org: Any, language: str
) -> None:
    PortalSettings.objects.create(
        receiving_department=org["store_a"],
        filings_per_address=5,
        filings_per_phone=5,
        filing_window_minutes=60,
        link_valid_days=30,
    )
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(f"{live_server.url}/customer/new/?lang={language}")
    page.fill("#id_customer_name", "<b>Li</b> Na")
    page.fill("#id_customer_phone", "13800138000")
    page.select_option("#id_category", str(org["category"].pk))
    page.fill("#id_customer_words", "<script>window.hacked=1</script>The machine leaks.")
    page.select_option("#id_demand", "repair")
    page.get_by_role("button", name=TEXTS[language]["send"]).click()
    page.wait_for_url("**/customer/t/**")
    assert TEXTS[language]["thanks"] in page.content()
    complaint = Complaint.objects.get()
    assert complaint.reference in page.content()
    assert page.evaluate("window.hacked") is None
    page.fill("#id_text", "A photo will follow.")
    page.locator("form input[type=submit]").click()
    page.wait_for_url("**added=1")
    assert TEXTS[language]["added"] in page.content()
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.CUSTOMER_ADDED).count() == 1
    context.close()
