"""Issue 20: one ordinary complaint from intake to its corrective action, clicked through in a real
browser by the staff who work it (the agent registers it and gives the first response; triage
runs on registration; quality records the analysis in place on the complaint page, completes the
root-cause step, then plans a permanent action and reports it done in place). The later steps
(permanent actions, effectiveness with the verification in place, the customer's confirmation
that closes the case) are not clicked through yet.

Verification and containment are recorded through the services (they are covered by
test_browser__journey.py); every other step is clicks, counted, with each page load timed.
The figures go to the test's temporary directory, or with REDRESS_SCREENSHOTS=1 to
docs/figures/staff-journey.json and docs/screenshots/journey-*.png (docs/staff-journey.md)."""

import json
import os
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from complaints.choices import ActionStatus, Stage
from complaints.models import Complaint
from flows import driver
from tests.browser.conftest import choose, login
from tests.conftest import FLOW, FMT, START_URL
from tests.quality_steps import FIVE_W_TWO_H

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs"
TASK_PAGE = re.compile(r"/(assign|execute)/")


class Journey:
    """Counts the clicks and page loads of a journey and times each load (until the network is
    idle: the page's scripts and any Turbo frame have answered)."""

    def __init__(self, out: Path, shots: Path) -> None:
        self.out, self.shots = out, shots
        self.clicks = 0
        self.loads: list[dict[str, Any]] = []
        self.page: Any = None

    def use(self, page: Any) -> None:
        self.page = page

    def click(self, locator: Any, label: str | None = None, *, loads: bool = True, until: Any = None) -> None:
        """One click; with `label`, the page load it causes is timed under that name (`until`: the
        address it lands on, a pattern or a test: Turbo may start its visit after the click)."""
        self.clicks += 1
        started = time.monotonic()
        locator.click()
        if until is not None:
            self.page.wait_for_url(until, timeout=60_000)
        if loads:
            self.page.wait_for_load_state("networkidle")
            self.loads.append({"step": label or "", "seconds": round(time.monotonic() - started, 3)})

    def visit(self, url: str, label: str) -> None:
        """A page opened from the address bar or a bookmark (counted as a load, not a click)."""
        started = time.monotonic()
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        self.loads.append({"step": label, "seconds": round(time.monotonic() - started, 3)})

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"journey-{name}.png"), full_page=True)

    def figures(self) -> dict[str, Any]:
        seconds = [load["seconds"] for load in self.loads]
        return {
            "clicks": self.clicks,
            "page_loads": len(self.loads),
            "total_seconds": round(sum(seconds), 2),
            "slowest": max(self.loads, key=lambda load: load["seconds"]) if self.loads else None,
            "loads": self.loads,
        }


@pytest.fixture
def journey(tmp_path: Path) -> Journey:
    if os.environ.get("REDRESS_SCREENSHOTS"):
        (DOCS / "figures").mkdir(exist_ok=True)
        return Journey(DOCS / "figures" / "staff-journey.json", DOCS / "screenshots")
    return Journey(tmp_path / "staff-journey.json", tmp_path)


def fill(page: Any, name: str, text: str) -> None:
    control = page.locator(f"vf-field-textarea[name={name}] textarea, vf-field-input[name={name}] input").first
    control.fill(text)


def open_step(journey: Journey, title: str) -> None:
    """From the complaint page's Work tab, open a step by its title; claim it if it waits in a queue."""
    page = journey.page
    journey.click(page.locator("[data-tab=rd-part-work]"), loads=False)
    journey.click(page.locator("#rd-steps a", has_text=title).last, f"open step: {title}", until=TASK_PAGE)
    if "/assign/" in page.url:
        journey.click(page.locator("button[name=_continue]"), f"claim: {title}", until=re.compile(r"/execute/"))
    assert "/execute/" in page.url, page.url


def submit(journey: Journey, label: str) -> None:
    """The step's main button; the step is done when the page leaves its form."""
    journey.click(
        journey.page.locator("button.mdc-button--raised").first, label, until=lambda url: "/execute/" not in url
    )


def in_place(journey: Journey, link_text: str, label: str) -> Any:
    """Opens one of the quality card's forms in its frame; returns the frame's locator."""
    page = journey.page
    frame = page.locator("turbo-frame#rd-quality-frame")
    journey.click(frame.locator("a", has_text=link_text).first, label)
    return frame


def test_a_complaint_from_intake_to_its_corrective_action_through_the_pages(
    browser, live_server, org, agent, quality_engineer, journey
):
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a loaded test machine answers slowly
    # --- The agent: intake (the category picked from the tree), triage, first response.
    page = login(browser, live_server, agent.username)
    journey.use(page)
    journey.visit(live_server.url + "/workflow/inbox/", "inbox")
    journey.click(page.locator(".rd-start-fab a").first, "intake page", until=re.compile(r"/start/"))
    assert START_URL in page.url
    choose(page, "category", org["category"].pk)
    journey.clicks += 1  # picking the category in the tree
    fill(page, "customer_name", "Zhou Wei")
    fill(page, "customer_phone", "13700137004")
    fill(page, "customer_words", "The fridge door arrived scratched.")
    choose(page, "demand", "replacement")
    choose(page, "channel", "phone")
    journey.clicks += 2
    page.fill("[name=promised_response_at] input", (timezone.localtime() + timedelta(hours=3)).strftime(FMT))
    journey.shot("intake")
    journey.click(
        page.locator("button[name=_continue]"), "register and open my next task", until=re.compile(r"/first_response/")
    )
    complaint = Complaint.objects.get(customer_name="Zhou Wei")
    assert complaint.priority is not None and complaint.level is not None  # triage ran
    expect(page).to_have_url(re.compile(r"/first_response/\d+/"))
    choose(page, "channel", "phone")
    journey.clicks += 1
    fill(page, "summary", "Apologised; a technician will come.")
    fill(page, "promise", "Technician visit")
    page.fill("[name=promised_by] input", (timezone.localtime() + timedelta(days=1)).strftime(FMT))
    submit(journey, "first response")
    complaint.refresh_from_db()
    assert complaint.stage == Stage.VERIFICATION
    page.context.close()

    driver.complete_step(complaint=complaint, node=FLOW.verification, user=quality_engineer, data={"outcome": "valid"})
    driver.complete_step(
        complaint=complaint, node=FLOW.containment, user=agent, data={"description": "Door replaced.", "cost": "0"}
    )

    # --- Quality: the analysis in place on the complaint page, then the root-cause step.
    page = login(browser, live_server, quality_engineer.username)
    journey.use(page)
    journey.visit(live_server.url + f"/workflow/flows/complaint/{complaint.pk}/?part=rd-part-work", "complaint page")
    url_before = page.url
    frame = in_place(journey, "5W2H", "5W2H form (in place)")
    for name, text in FIVE_W_TWO_H.items():
        frame.locator(f"vf-field-textarea[name={name}] textarea").fill(text)
    journey.click(frame.locator("button[type=submit]"), "save 5W2H (in place)")
    expect(frame.locator(".rd-5w2h")).to_contain_text(FIVE_W_TWO_H["what"])
    expect(frame).to_contain_text("Problem description saved.")
    assert page.url == url_before  # the user never left the Work tab
    frame = in_place(journey, "Add a cause", "cause form (in place)")
    choose(page, "category", complaint_category_pk("method"))
    frame.locator("vf-field-radio-select[name=verdict] input[value=confirmed]").check()
    journey.clicks += 2
    frame.locator("vf-field-input[name=text] input").fill("No corner guards in the packing SOP.")
    frame.locator("vf-field-textarea[name=evidence] textarea").fill("Packing records of 20 Nov.")
    journey.click(frame.locator("button[type=submit]"), "save cause (in place)")
    expect(frame.locator(".rd-causes")).to_contain_text("No corner guards")
    journey.shot("analysis-in-place")
    open_step(journey, "Root-cause analysis")
    fill(page, "description", "Packing let the door hit the frame.")
    submit(journey, "root-cause step")
    complaint.refresh_from_db()
    assert complaint.stage == Stage.PERMANENT_ACTIONS

    # --- Quality: a permanent action, its progress and its verification, in place; the steps.
    journey.visit(live_server.url + f"/workflow/flows/complaint/{complaint.pk}/?part=rd-part-work", "complaint page")
    frame = in_place(journey, "Plan a permanent action", "action form (in place)")
    choose(page, "area", "process")
    frame.locator("vf-field-textarea[name=description] textarea").fill("Corner guards in the SOP.")
    frame.locator("vf-field-select-multiple[name=causes] .mdc-select__anchor").click()
    frame.locator("vf-field-select-multiple[name=causes] li", has_text="No corner guards").click()
    page.keyboard.press("Escape")
    journey.clicks += 3
    journey.click(frame.locator("button[type=submit]"), "save action (in place)")
    expect(frame.locator(".rd-action-list")).to_contain_text("Corner guards in the SOP.")
    # The permanent action's own row: containment's action is listed first.
    row = page.locator("turbo-frame#rd-quality-frame tr", has_text="Corner guards in the SOP.")
    journey.click(row.locator("a", has_text="Progress"), "progress form (in place)")
    frame = page.locator("turbo-frame#rd-quality-frame")
    frame.locator("vf-field-radio-select[name=status] input[value=done]").check()
    journey.clicks += 1
    frame.locator("vf-field-textarea[name=evidence] textarea").fill("SOP v3 issued.")
    journey.click(frame.locator("button[type=submit]"), "save progress (in place)")
    expect(frame).to_contain_text("The action is now")
    journey.shot("actions-in-place")
    action = complaint.actions.get(kind="permanent")
    assert action.status == ActionStatus.DONE and action.evidence == "SOP v3 issued."
    # Not clicked through yet (see docs/staff-journey.md): the permanent-actions and effectiveness
    # steps, the verification in place, and the customer's confirmation that closes the case.

    figures = journey.figures()
    journey.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print("staff journey:", json.dumps({k: v for k, v in figures.items() if k != "loads"}))
    assert figures["page_loads"] == len(journey.loads) and figures["clicks"] > 0


def complaint_category_pk(code: str) -> int:
    from complaints.models import CauseCategory

    return CauseCategory.objects.get(code=code).pk
