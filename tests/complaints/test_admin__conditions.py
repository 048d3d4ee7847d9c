"""Conditions by picking (issue 24): the admin picks a condition's field, operator and value from
lists; what is picked is stored as codes and shown picked again; the rule reads as a sentence in
the admin's language; a value that does not fit is refused with a translated error."""

import html
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from complaints.models import Category, EscalationLevel, ProcessSettings, RoutingCondition, RoutingRule
from complaints.selectors.routing import condition_text, routing_field_specs
from tests.complaints.test_admin__config import admin_form_data, admin_url, inline_row, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client: Client, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser(username="config_admin", password="x", email="a@example.com")
    client.force_login(user)
    return client


@pytest.fixture
def battery(org: dict[str, Any]) -> Category:
    vehicle = Category.objects.create(code="t-vehicle", name="Vehicle")
    return Category.objects.create(code="t-battery", name="Battery", parent=vehicle)


def new_rule_data(client: Client, **condition: str) -> dict[str, Any]:
    page = client.get(admin_url(RoutingRule, "add"))
    data = admin_form_data(page)
    data.update(
        {
            "position": "33",
            "name": "Battery or appliance, angry",
            "match": "all",
            "set_level": str(EscalationLevel.objects.get(rank=2).pk),
        }
    )
    for name, value in condition.items():
        data[f"conditions-0-{name}"] = value
    return data


def selected(content: str, name: str) -> list[str]:
    """The values a rendered <select name=...> has selected."""
    found = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', content, re.S)
    assert found, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*selected', found.group(1))


def test_a_picked_condition_is_stored_as_codes_and_shown_picked_again(superuser_client, battery, org):
    data = new_rule_data(superuser_client, field="category", operator="in", value="t-battery,appliance")
    response = superuser_client.post(admin_url(RoutingRule, "add"), data)
    assert response.status_code == 302, page_text(response)[:3000]
    rule = RoutingRule.objects.get(name="Battery or appliance, angry")
    assert list(rule.conditions.values_list("field", "operator", "value")) == [
        ("category", "in", "t-battery,appliance")
    ]
    page = superuser_client.get(admin_url(RoutingRule, "change", rule.pk))
    content = page.content.decode()
    row = inline_row(page, "conditions", lambda condition: True)
    assert selected(content, f"{row}-field") == ["category"]
    assert selected(content, f"{row}-operator") == ["in"]
    assert f'name="{row}-value" value="t-battery,appliance"' in content
    # The picker's catalog offers the category tree by its labels, with the codes to store.
    catalog = json.loads(html.unescape(re.search(r'data-rd-catalog="([^"]*)"', content).group(1)))
    category = next(entry for entry in catalog if entry["name"] == "category")
    assert {"code": "t-battery", "label": "Vehicle / Battery"} in category["options"]
    assert [o["code"] for o in category["operators"]] == ["eq", "ne", "in", "not_in", "empty", "set"]
    assert "Category is or is below one of Vehicle / Battery, Appliance" in page_text(page)


def test_the_catalog_lists_signals_and_the_category_questions_with_their_labels(org):
    specs = routing_field_specs()
    assert specs["signals"].group == "signals"
    assert specs["signals"].label_of("over_authority") == "Demand above the level's authority"
    questions = [spec for spec in specs.values() if spec.group == "form"]
    assert questions, "the preset's category forms give questions to pick"
    fault = specs["form.fault_type"]
    assert fault.label.startswith("Form: ")
    assert fault.label_of("power_loss") != "power_loss"  # the option's label, not its code


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Category is or is below Vehicle / Battery and requested compensation (CNY) is greater than 3000"),
        ("zh-hans", "类别 属于 Vehicle / Battery 且 要求赔偿金额（元） 大于 3000"),
    ],
)
def test_a_rule_reads_as_a_sentence_in_the_admins_language(superuser_client, battery, language, expected):
    rule = RoutingRule.objects.create(position=5, name="Battery demand", set_level=EscalationLevel.objects.get(rank=2))
    rule.conditions.create(field="category", operator="eq", value="t-battery")
    rule.conditions.create(field="requested_amount", operator="gt", value="3000")
    superuser_client.cookies["django_language"] = language
    page = superuser_client.get(admin_url(RoutingRule, "changelist"), HTTP_ACCEPT_LANGUAGE=language)
    assert expected in page_text(page)


def test_signals_and_choices_read_by_their_labels(battery):
    with translation.override("en"):
        specs = routing_field_specs()
        said = condition_text(field="signals", operator="in", value="manager,repeat", specs=specs)
        assert said == "triage signals include one of Customer asked for a manager, Repeat complaint"
        assert (
            condition_text(field="emotion", operator="gte", value="angry", specs=specs) == "emotion is at least Angry"
        )
    with translation.override("zh-hans"):
        specs = routing_field_specs()
        said = condition_text(field="signals", operator="in", value="manager,repeat", specs=specs)
        assert said == "分诊信号 包含以下之一 客户要求经理处理、重复投诉"


def test_a_value_that_is_not_among_the_choices_is_refused_in_the_admins_language(superuser_client, battery):
    superuser_client.cookies["django_language"] = "zh-hans"
    data = new_rule_data(superuser_client, field="channel", operator="eq", value="carrier-pigeon")
    response = superuser_client.post(admin_url(RoutingRule, "add"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "“carrier-pigeon”不是" in page_text(response)
    assert not RoutingRule.objects.filter(name="Battery or appliance, angry").exists()
    assert not RoutingCondition.objects.filter(value="carrier-pigeon").exists()


def test_an_operator_that_does_not_fit_the_field_is_refused(superuser_client, battery):
    data = new_rule_data(superuser_client, field="risk_flagged", operator="gt", value="true")
    response = superuser_client.post(admin_url(RoutingRule, "add"), data)
    assert response.status_code == 200
    assert "does not apply to the field" in page_text(response)
    assert not RoutingRule.objects.filter(name="Battery or appliance, angry").exists()


def test_urgent_signals_are_picked_and_read_as_a_sentence(superuser_client, battery):
    row = ProcessSettings.objects.get()
    url = admin_url(ProcessSettings, "change", row.pk)
    data = admin_form_data(superuser_client.get(url))
    data["urgent_signals"] = ["manager", "repeat"]
    data["urgent_categories"] = [str(battery.pk)]
    response = superuser_client.post(url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    row.refresh_from_db()
    assert row.urgent_signals == "manager,repeat"
    page = page_text(superuser_client.get(url))
    assert (
        "Triage signals include one of Customer asked for a manager, Repeat complaint or "
        "category is or is below one of Vehicle / Battery"
    ) in page


def test_the_rule_list_reads_its_conditions_with_a_fixed_number_of_queries(
    superuser_client, battery, django_assert_max_num_queries
):
    for position in range(3):
        rule = RoutingRule.objects.create(
            position=50 + position, name=f"R{position}", set_level=EscalationLevel.objects.get(rank=2)
        )
        rule.conditions.create(field="category", operator="eq", value="t-battery")
    with django_assert_max_num_queries(25):
        response = superuser_client.get(reverse("admin:complaints_routingrule_changelist"))
    assert page_text(response).count("Category is or is below Vehicle / Battery") == 3
