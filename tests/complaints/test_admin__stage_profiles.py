"""Stage profiles on the condition builder (issue 24: "routing rules, stage profiles, custom steps and
urgent conditions share one condition builder"): the profile's scope is picked as "category is …"
and "priority is …", stored in its category and priority, read back as a sentence in the admin's
language and shown picked again; a pick that does not fit is refused with a message and changes
nothing."""

import html
import json
import re
from typing import Any

import pytest
from django.test import Client

from complaints.models import Category, Priority, StageProfile
from tests.complaints.test_admin__conditions import selected
from tests.complaints.test_admin__config import admin_form_data, admin_url, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client: Client, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser(username="profile_admin", password="x", email="a@example.com")
    client.force_login(user)
    return client


@pytest.fixture
def battery(org: dict[str, Any]) -> Category:
    vehicle = Category.objects.create(code="t-vehicle", name="Vehicle")
    return Category.objects.create(code="t-battery", name="Battery", parent=vehicle)


def new_profile_data(client: Client, rows: list[tuple[str, str, str]]) -> dict[str, Any]:
    data = admin_form_data(client.get(admin_url(StageProfile, "add")))
    data.update({"name": "Battery, high", "verification": "on", "customer_confirmation": "on"})
    data.pop("root_cause", None)  # switched off: an unticked box is not posted
    for n, (field, operator, value) in enumerate(rows):
        data.update({f"when_{n}_field": field, f"when_{n}_operator": operator, f"when_{n}_value": value})
    return data


def test_the_scope_is_picked_stored_read_as_a_sentence_and_picked_again(superuser_client, battery):
    # The builder offers the category tree and the priorities, with "is" only.
    page = superuser_client.get(admin_url(StageProfile, "add"))
    content = page.content.decode()
    catalog = json.loads(html.unescape(re.search(r'data-rd-catalog="([^"]*)"', content).group(1)))
    assert [entry["name"] for entry in catalog] == ["category", "priority"]
    assert {"code": "t-battery", "label": "Vehicle / Battery"} in catalog[0]["options"]
    assert all([o["code"] for o in entry["operators"]] == ["eq"] for entry in catalog)
    assert "redress/condition-builder.js" in content
    # No typed category or priority box any more.
    assert 'name="category"' not in content and 'name="priority"' not in content

    data = new_profile_data(superuser_client, [("category", "eq", "t-battery"), ("priority", "eq", "P1")])
    response = superuser_client.post(admin_url(StageProfile, "add"), data)
    assert response.status_code == 302, page_text(response)[:3000]
    profile = StageProfile.objects.get(name="Battery, high")
    assert (profile.category, profile.priority) == (battery, Priority.objects.get(code="P1"))
    assert profile.verification and not profile.root_cause

    for language, words in (
        ("en", "Category is or is below Vehicle / Battery and priority is P1"),
        ("zh-hans", "类别 属于 Vehicle / Battery 且"),
    ):
        superuser_client.cookies["django_language"] = language
        page = superuser_client.get(admin_url(StageProfile, "change", profile.pk), HTTP_ACCEPT_LANGUAGE=language)
        assert words in page_text(page), language
    content = page.content.decode()
    assert selected(content, "when_0_field") == ["category"] and selected(content, "when_0_operator") == ["eq"]
    assert 'name="when_0_value" value="t-battery"' in content
    assert selected(content, "when_1_field") == ["priority"] and 'name="when_1_value" value="P1"' in content

    # Saved again as shown: nothing changes (the round trip closes).
    superuser_client.cookies["django_language"] = "en"
    again = superuser_client.post(admin_url(StageProfile, "change", profile.pk), admin_form_data(page))
    assert again.status_code == 302, page_text(again)[:3000]
    profile.refresh_from_db()
    assert (profile.category, profile.priority.code) == (battery, "P1")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("department", "eq", "hq")], "A stage profile applies by category and priority; “department” cannot be"),
        ([("category", "in", "t-battery")], "A stage profile names one category: choose “is or is below”."),
        ([("category", "eq", "no-such-thing")], "no-such-thing"),
        ([("priority", "eq", "P1"), ("priority", "eq", "P2")], "is picked twice"),
    ],
    ids=["other-field", "list-operator", "unknown-category", "twice"],
)
def test_a_pick_that_does_not_fit_is_refused_with_a_message_and_changes_nothing(
    superuser_client, battery, rows, message
):
    before = StageProfile.objects.count()
    response = superuser_client.post(admin_url(StageProfile, "add"), new_profile_data(superuser_client, rows))
    assert response.status_code == 200
    assert message in page_text(response)
    assert StageProfile.objects.count() == before


def test_a_second_default_is_refused_above_the_rows(superuser_client, battery):
    response = superuser_client.post(admin_url(StageProfile, "add"), new_profile_data(superuser_client, []))
    assert response.status_code == 200
    assert "Another profile already covers this category and priority." in page_text(response)


def test_the_refusal_reads_in_chinese(superuser_client, battery):
    superuser_client.cookies["django_language"] = "zh-hans"
    data = new_profile_data(superuser_client, [("department", "eq", "hq")])
    response = superuser_client.post(admin_url(StageProfile, "add"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "阶段配置只能按" in page_text(response)


def test_the_custom_step_list_reads_each_condition_as_the_builders_sentence(superuser_client, battery):
    from complaints.models import CustomStep, Role

    step = CustomStep.objects.create(
        code="legal", name_en="Legal review", name_zh_hans="法务审核", point="after_triage", role=Role.objects.first()
    )
    step.conditions.create(field="category", operator="eq", value="t-battery")
    step.conditions.create(field="priority", operator="eq", value="P1")
    page = page_text(superuser_client.get(admin_url(CustomStep, "changelist")))
    assert "Category is or is below Vehicle / Battery and priority is P1" in page
