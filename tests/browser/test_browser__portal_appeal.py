"""The customer's whole journey at phone width, in both languages: file on the public form, follow
the tracking page, add information, answer "Not yet" with a reason, confirm the second round,
appeal to the customer-experience office, then answer the follow-up survey when it is sent; each
step is what the customer sees, and what they typed stays text.

Screenshots go to the test's temporary directory, or to docs/screenshots/ with REDRESS_SCREENSHOTS=1:
    REDRESS_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_browser__portal_appeal.py
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from complaints.choices import EventKind, NotificationEvent, Outcome, Stage
from complaints.models import Appeal, Complaint, ComplaintEvent, Notification
from complaints.services.customer import customer_link_issue
from complaints.services.timers import workflow_timers_fire
from tests.conftest import FLOW
from tests.flows.test_flows__journey import (
    contain_and_analyse,
    do,
    first_response,
    permanent_and_verified,
    verify,
)
from tests.portal.appeal_setup import open_appeals

pytestmark = pytest.mark.django_db(transaction=True)

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

TEXTS = {
    "en": {
        "send": "Send my complaint",
        "thanks": "your complaint is registered",
        "added": "we received it",
        "resolved?": "Is your complaint resolved?",
        "answer": "Send my answer",
        "thank_answer": "Thank you for your answer.",
        "appeal": "Not satisfied? Appeal",
        "send_appeal": "Send my appeal",
        "appealed": "the customer-experience office received your appeal",
    },
    "zh-hans": {
        "send": "提交投诉",
        "thanks": "您的投诉已登记",
        "added": "我们已收到",
        "resolved?": "您的投诉解决了吗？",
        "answer": "提交我的回答",
        "thank_answer": "感谢您的回答。",
        "appeal": "不满意？提出申诉",
        "send_appeal": "提交申诉",
        "appealed": "客户体验办公室已收到您的申诉",
    },
}


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return DOCS_SCREENSHOTS if os.environ.get("REDRESS_SCREENSHOTS") else tmp_path


def no_wider_than_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_file_track_add_refuse_confirm_and_appeal_on_a_phone(
    browser: Any,
    live_server: Any,
    org: Any,
    agent: Any,
    quality_engineer: Any,
    language: str,
    screenshots: Path,
) -> None:
    open_appeals(org)
    words = TEXTS[language]
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale=language)
    page = context.new_page()
    page.goto(f"{live_server.url}/customer/new/?lang={language}")
    page.fill("#id_customer_name", "<b>Li</b> Na")
    page.fill("#id_customer_phone", "13800138000")
    page.fill("#id_customer_email", "li.na@example.com")
    page.select_option("#id_category", str(org["category"].pk))
    page.fill("#id_customer_words", "<script>window.hacked=1</script>The fridge door is scratched.")
    page.select_option("#id_demand", "repair")
    page.get_by_role("button", name=words["send"]).click()
    page.wait_for_url("**/customer/t/**")
    assert words["thanks"] in page.content()
    complaint = Complaint.objects.get()
    track = page.url.split("?")[0]
    page.screenshot(path=str(screenshots / f"portal-1-tracking-{language}.png"), full_page=True)
    no_wider_than_the_phone(page)

    page.fill("#id_text", "<img src=x onerror=window.hacked=2>A photo will follow.")
    page.locator("form[enctype='multipart/form-data'] input[type=submit]").click()
    page.wait_for_url("**added=1")
    assert words["added"] in page.content()
    assert page.evaluate("window.hacked") is None

    # The staff work the case up to the customer's confirmation.
    first_response(agent, complaint)
    verify(quality_engineer, complaint)
    contain_and_analyse(agent, quality_engineer, complaint)
    permanent_and_verified(quality_engineer, complaint)
    page.goto(track)
    assert words["resolved?"] in page.content()
    page.check("input[name=resolved][value=no]")
    page.fill("#id_reason", "Still scratched on the left.")
    page.screenshot(path=str(screenshots / f"portal-2-confirm-{language}.png"), full_page=True)
    page.get_by_role("button", name=words["answer"]).click()
    page.wait_for_url("**done=confirm")
    assert words["thank_answer"] in page.content()
    complaint.refresh_from_db()
    assert complaint.stage == Stage.CONTAINMENT and complaint.rework_round == 1

    # Another round; this time the customer confirms, and the case closes.
    do(agent, complaint, FLOW.containment, {"description": "Door replaced.", "cost": "300"})
    page.goto(track)
    page.check("input[name=resolved][value=yes]")
    page.get_by_role("button", name=words["answer"]).click()
    page.wait_for_url("**done=confirm")
    complaint.refresh_from_db()
    assert complaint.stage == Stage.CLOSED and complaint.outcome == Outcome.RESOLVED

    # Closed, within the window: the customer appeals.
    assert words["appeal"] in page.content()
    page.fill("#id_grounds", "<script>window.hacked=3</script>The new door is scratched too.")
    page.get_by_role("button", name=words["send_appeal"]).click()
    page.wait_for_url("**done=appeal")
    assert words["appealed"] in page.content()
    assert page.evaluate("window.hacked") is None
    page.screenshot(path=str(screenshots / f"portal-3-appealed-{language}.png"), full_page=True)
    no_wider_than_the_phone(page)
    appeal = Appeal.objects.get(case=complaint)
    assert appeal.filed_by is None and "The new door is scratched too." in appeal.grounds
    kinds = set(ComplaintEvent.objects.filter(complaint=complaint).values_list("kind", flat=True))
    assert {EventKind.CUSTOMER_ADDED, EventKind.CONFIRMATION, EventKind.CLOSED, EventKind.APPEAL_OPENED} <= kinds

    # At the admin's time after closing the survey is sent; the customer rates through the link.
    wait = complaint.task_set.get(flow_task=FLOW.follow_up_wait)
    with time_machine.travel(wait.scheduled + timedelta(minutes=1)):
        assert workflow_timers_fire() == 1
        assert Notification.objects.filter(complaint=complaint, event=NotificationEvent.CUSTOMER_SURVEY).exists()
        page.goto(f"{live_server.url}/customer/t/{customer_link_issue(complaint=complaint)}/")
        page.check("input[name=satisfaction][value='4']")
        page.fill("#id_comment", "<script>window.hacked=4</script>Fair in the end.")
        page.screenshot(path=str(screenshots / f"portal-4-survey-{language}.png"), full_page=True)
        page.locator("#survey input[type=submit]").click()
        page.wait_for_url("**done=survey")
        assert page.evaluate("window.hacked") is None
        no_wider_than_the_phone(page)
    complaint.refresh_from_db()
    assert complaint.satisfaction == 4 and complaint.followed_up_at is not None
    context.close()
