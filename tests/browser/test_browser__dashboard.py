"""The dashboard in a real browser: the charts draw from the page's JSON (no inline script, so the
Content-Security-Policy holds), a bar opens the complaints behind it, and the page fits a phone."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.browser.conftest import login
from tests.complaints import kpi_fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_charts_draw_and_a_bar_drills_down(browser: Any, live_server: Any, org: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    kpi_fixture.build(org)
    get_user_model().objects.create_superuser("boss", password="x")
    page = login(browser, live_server, "boss")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(live_server.url + "/dashboard/?start=2026-11-23&end=2026-11-29")
    # (wait_for_function evaluates a string in the page, which the Content-Security-Policy refuses.)
    drawn: list[str] = []
    for _attempt in range(50):
        drawn = page.evaluate(
            "window.Chart ? Object.values(window.Chart.instances).map((c) => c.canvas.id).sort() : []"
        )
        if len(drawn) == 4:
            break
        page.wait_for_timeout(100)
    assert drawn == ["rd-chart-categories", "rd-chart-causes", "rd-chart-responsibility", "rd-chart-trend"]
    assert problems == []
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_timeout(500)  # the charts follow the new width on their next resize
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(300)
    page.locator("#rd-chart-categories").scroll_into_view_if_needed()
    box = page.locator("#rd-chart-categories").bounding_box()
    assert box is not None
    # The first bar (the largest category) sits left in the chart area: click into it.
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.75)
    page.wait_for_url("**/dashboard/complaints/**")
    expect(page.locator("#rd-manager-rows")).to_contain_text("C1")
