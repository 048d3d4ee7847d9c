"""Conditions by picking (issue 24), in the browser: the admin picks a routing condition's field,
then an operator offered for its type, then values from the field's choices by their labels; the
condition reads as a sentence while it is picked, and what is saved is the codes."""

import pytest
from django.contrib.auth import get_user_model

from complaints.models import Category, EscalationLevel, RoutingRule
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_picks_a_condition_and_reads_it_as_a_sentence(browser, live_server, org, tmp_path):
    from playwright.sync_api import expect

    vehicle = Category.objects.create(code="t-vehicle", name="Vehicle")
    Category.objects.create(code="t-battery", name="Battery", parent=vehicle)
    get_user_model().objects.create_superuser(username="config_admin", password="x", email="a@example.com")
    page = login(browser, live_server, "config_admin")
    page.goto(live_server.url + "/admin/complaints/routingrule/add/")
    page.fill("input[name=position]", "33")
    page.fill("input[name=name]", "Battery or appliance")
    page.select_option("select[name=set_level]", str(EscalationLevel.objects.get(rank=2).pk))
    row = page.locator("#conditions-0")
    row.locator("select[name=conditions-0-field]").select_option("category")
    operator = row.locator("select[name=conditions-0-operator]")
    # Only the operators that fit a tree field are offered, worded as in a sentence.
    offered = operator.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert offered == ["", "eq", "ne", "in", "not_in", "empty", "set"]
    operator.select_option("in")
    choice = row.locator("select.rd-cond-choice")
    expect(choice).to_have_attribute("multiple", "")
    choice.select_option(label="Vehicle / Battery")
    choice.select_option(["t-battery", "appliance"])
    expect(row.locator("input[name=conditions-0-value]")).to_have_value("appliance,t-battery")
    expect(row).to_contain_text("Category is or is below one of Appliance, Vehicle / Battery")
    # The typed value input is not what the admin sees: it is hidden behind the picker.
    assert row.locator("input[name=conditions-0-value]").get_attribute("type") == "hidden"
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/complaints/routingrule/")
    rule = RoutingRule.objects.get(name="Battery or appliance")
    assert list(rule.conditions.values_list("field", "operator", "value")) == [
        ("category", "in", "appliance,t-battery")
    ]
    # Opened again, the condition is shown picked.
    page.goto(f"{live_server.url}/admin/complaints/routingrule/{rule.pk}/change/")
    again = page.locator("#conditions-0")
    expect(again.locator("select[name=conditions-0-field]")).to_have_value("category")
    expect(again.locator("select[name=conditions-0-operator]")).to_have_value("in")
    picked = again.locator("select.rd-cond-choice").evaluate(
        "select => Array.from(select.selectedOptions).map(o => o.value)"
    )
    assert sorted(picked) == ["appliance", "t-battery"]
    page.screenshot(path=str(tmp_path / "condition-builder.png"), full_page=True)
