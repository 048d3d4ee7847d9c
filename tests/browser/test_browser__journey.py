"""A morning's work in a real browser, in English and Chinese: the agent files a complaint and gives
the first response from the inbox; the quality engineer finds a breached case at the top of the
inbox, claims the new verification from the queue, works it, and watches the timeline grow.

With REDRESS_SCREENSHOTS=1 the main pages are saved under docs/screenshots/ for the README."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.models import Clock, Complaint
from complaints.services.urgency import urgency_refresh
from flows import driver
from tests.browser.conftest import choose, login
from tests.conftest import FLOW, FMT, START_URL, intake_data, open_task

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def save(page, name: str, language: str) -> None:
    """Saves a screenshot for the README when asked to (REDRESS_SCREENSHOTS=1)."""
    if not os.environ.get("REDRESS_SCREENSHOTS"):
        return
    suffix = "" if language == "en" else "-zh"
    page.screenshot(path=str(SCREENSHOTS / f"{name}{suffix}.png"), full_page=True)


def verification_in_inbox(org, agent, quality_engineer, *, name: str, phone: str, due: timedelta) -> Complaint:
    """A complaint whose verification the quality engineer holds, its governing clock due in `due`."""
    complaint = driver.start_complaint(user=agent, data=intake_data(org, customer_name=name, customer_phone=phone))
    driver.complete_step(
        complaint=complaint,
        node=FLOW.first_response,
        user=agent,
        data={"channel": "phone", "summary": "Called back", "promise": "Visit", "promised_by": "2099-01-01 10:00"},
    )
    task = open_task(complaint, FLOW.verification)
    Task.objects.filter(pk=task.pk).update(owner=quality_engineer, status=STATUS.ASSIGNED)
    Clock.objects.filter(complaint=complaint, state=Clock.State.RUNNING).update(due_at=timezone.now() + due)
    urgency_refresh(complaint_ids=[complaint.pk])  # rows written past the services: the lists' stored deadlines
    return Complaint.objects.get(pk=complaint.pk)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_mornings_work_file_claim_work_and_see_the_breached_case_first(
    browser, live_server, org, agent, quality_engineer, language
):
    from playwright.sync_api import expect

    calm = verification_in_inbox(
        org, agent, quality_engineer, name="Calm Case", phone="13600000001", due=timedelta(days=2)
    )
    late = verification_in_inbox(
        org, agent, quality_engineer, name="Late Case", phone="13600000002", due=timedelta(hours=-2)
    )

    # The agent files a complaint.
    page = login(browser, live_server, agent.username, language=language)
    page.goto(live_server.url + START_URL)
    choose(page, "category", org["category"].pk)
    page.fill("vf-field-input[name=customer_name] input", "Zhou Wei")
    page.fill("vf-field-input[name=customer_phone] input", "13700137004")
    page.fill("vf-field-textarea[name=customer_words] textarea", "The fridge door arrived scratched.")
    choose(page, "demand", "replacement")
    choose(page, "channel", "phone")
    page.fill("[name=promised_response_at] input", (timezone.localtime() + timedelta(hours=3)).strftime(FMT))
    page.locator("button.mdc-button--raised").click()
    expect(page).not_to_have_url(re.compile(r"/start/"), timeout=30000)
    complaint = Complaint.objects.get(customer_name="Zhou Wei")

    # Its first response waits in the agent's inbox, with its countdown; the agent gives it.
    page.goto(live_server.url + "/workflow/inbox/")
    row = page.locator("tr", has=page.locator(f"text={complaint.reference}"))
    expect(row.locator(".rd-clock")).to_be_visible()
    row.locator(".rd-col-step a").click()
    expect(page).to_have_url(re.compile(r"/first_response/\d+/execute/"))
    save(page, "task", language)
    choose(page, "channel", "phone")
    page.fill("vf-field-textarea[name=summary] textarea", "Apologised; a technician will come.")
    page.fill("vf-field-input[name=promise] input", "Technician visit")
    page.fill("[name=promised_by] input", (timezone.localtime() + timedelta(days=1)).strftime(FMT))
    page.locator("button.mdc-button--raised").first.click()
    expect(page).not_to_have_url(re.compile(r"/execute/"), timeout=30000)
    assert open_task(complaint, FLOW.verification).status == STATUS.NEW
    page.context.close()

    # The quality engineer: the breached case comes first in the inbox, and the menu counts it.
    page = login(browser, live_server, quality_engineer.username, language=language)
    page.goto(live_server.url + "/workflow/inbox/")
    first_row = page.locator(".rd-worklist tbody tr").first
    expect(first_row.locator(".rd-ref")).to_have_text(late.reference)
    expect(first_row.locator(".rd-clock")).to_have_class(re.compile(r"rd-clock--breached"))
    expect(page.locator(".rd-worklist tbody tr").nth(1).locator(".rd-ref")).to_have_text(calm.reference)
    expect(page.locator("[data-count=breached]")).to_have_text("1")
    expect(first_row).to_have_class(re.compile(r"rd-row--breached"))  # the page's countdown script runs
    save(page, "inbox", language)
    page.set_viewport_size({"width": 390, "height": 800})  # a phone: the columns that matter stay
    page.reload()
    expect(first_row.locator(".rd-col-step a")).to_be_visible()
    expect(first_row.locator(".rd-clock")).to_be_visible()
    expect(first_row.locator(".rd-col-customer")).to_be_hidden()
    save(page, "inbox-phone", language)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The new verification waits in the queue; claim it and work it.
    page.goto(live_server.url + "/workflow/queue/")
    row = page.locator("tr", has=page.locator(f"text={complaint.reference}"))
    expect(row).to_be_visible()
    save(page, "queue", language)
    page.goto(live_server.url + f"/workflow/flows/complaint/{complaint.pk}/")
    events_before = page.locator(".rd-timeline__item").count()
    page.goto(live_server.url + "/workflow/queue/")
    row.locator(".rd-col-step a").click()
    page.locator("button[name=_continue]").click()
    expect(page).to_have_url(re.compile(r"/verification/\d+/execute/"))
    task = open_task(complaint, FLOW.verification)
    assert task.owner == quality_engineer and task.status == STATUS.ASSIGNED
    page.locator("vf-field-radio-select[name=outcome] input[value=valid]").check()
    page.fill("vf-field-textarea[name=explanation] textarea", "Scratch confirmed on the photos.")
    page.locator("button.mdc-button--raised").first.click()
    expect(page).not_to_have_url(re.compile(r"/execute/"), timeout=30000)

    # The timeline grew: the claim and the verdict are on it.
    page.goto(live_server.url + f"/workflow/flows/complaint/{complaint.pk}/")
    page.locator("[data-tab=rd-part-timeline]").click()  # the page's Timeline tab (issue 20)
    claimed, verified = ("Task claimed", "Verified") if language == "en" else ("任务已认领", "已核实")
    expect(page.locator(".rd-timeline__item", has_text=claimed)).to_have_count(1)
    expect(page.locator(".rd-timeline__item", has_text=verified).first).to_be_visible()
    assert page.locator(".rd-timeline__item").count() >= events_before + 2
    save(page, "journey-complaint", language)
    complaint.refresh_from_db()
    assert complaint.stage != "verification"
