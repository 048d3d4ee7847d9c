"""Issue 24 in the browser, both languages: a stage profile's scope picked on the condition builder
and read as a sentence; a case's process chart lists the custom steps it ran in their points; the
8D report prints them in their D-section."""

import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from complaints.models import Category, StageProfile
from tests.browser.conftest import login
from tests.flows.test_flows__custom_steps_report import case_with_steps  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def shots(tmp_path: Path) -> Path:
    """Where screenshots go: $RD_SHOTS to keep them, else the test's temporary folder."""
    return Path(os.environ.get("RD_SHOTS") or tmp_path)


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("en", "Category is or is below Vehicle / Battery"), ("zh-hans", "类别 属于 Vehicle / Battery")],
)
def test_a_stage_profiles_scope_is_picked_on_the_condition_builder(
    browser: Any, live_server: Any, org: Any, tmp_path: Path, language: str, sentence: str
) -> None:
    from playwright.sync_api import expect

    vehicle = Category.objects.create(code="t-vehicle", name="Vehicle")
    battery = Category.objects.create(code="t-battery", name="Battery", parent=vehicle)
    get_user_model().objects.create_superuser(username="profile_admin", password="x", email="a@example.com")
    page = login(browser, live_server, "profile_admin", language=language)
    page.goto(live_server.url + "/admin/complaints/stageprofile/add/")
    page.fill("input[name=name]", "Battery")
    row = page.locator(".form-row.field-when_0_field")
    row.locator("select[name=when_0_field]").select_option("category")
    offered = row.locator("select[name=when_0_operator] option").evaluate_all("os => os.map(o => o.value)")
    assert offered == ["", "eq"]
    row.locator("select.rd-cond-choice").select_option("t-battery")
    expect(row).to_contain_text(sentence)
    assert row.locator("input[name=when_0_value]").get_attribute("type") == "hidden"
    page.screenshot(path=str(shots(tmp_path) / f"stage-profile-builder-{language}.png"), full_page=True)
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/complaints/stageprofile/")
    profile = StageProfile.objects.get(name="Battery")
    assert profile.category == battery and profile.priority is None
    page.goto(f"{live_server.url}/admin/complaints/stageprofile/{profile.pk}/change/")
    expect(page.locator("select[name=when_0_field]")).to_have_value("category")
    expect(page.locator(".form-row.field-when_0_field select.rd-cond-choice")).to_have_value("t-battery")
    expect(page.locator(".field-applies_to")).to_contain_text(sentence)


@pytest.mark.parametrize(("language", "step"), [("en", "Legal review"), ("zh-hans", "法务审核")])
def test_the_case_chart_and_the_8d_report_show_the_steps_it_ran(
    browser: Any,
    live_server: Any,
    case_with_steps: Any,  # noqa: F811
    quality_engineer: Any,
    tmp_path: Path,
    language: str,
    step: str,
) -> None:
    c = case_with_steps
    page = login(browser, live_server, quality_engineer.username, language=language)
    page.goto(f"{live_server.url}/workflow/flows/complaint/{c.pk}/?part=rd-part-files")
    chart = page.locator("img.rd-chart")
    chart.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    chart.locator("xpath=../..").screenshot(path=str(shots(tmp_path) / f"complaint-chart-{language}.png"))
    # The chart itself, close up on the point: its steps, marked by outcome.
    page.goto(f"{live_server.url}/workflow/flows/complaint/{c.pk}/chart/")
    point = page.locator("#steps_after_verification")
    assert step in (point.text_content() or "")
    page.set_viewport_size({"width": 2400, "height": 1400})
    point.screenshot(path=str(shots(tmp_path) / f"chart-point-{language}.png"))
    page.goto(f"{live_server.url}/workflow/flows/complaint/{c.pk}/8d/")
    d3 = page.locator("#d3")
    assert step in d3.inner_text()
    d3.screenshot(path=str(shots(tmp_path) / f"8d-d3-{language}.png"))
