"""Custom steps as configuration: they travel in the configuration export/import (with their
conditions, limits and form), the routing dry run says which ones a sample would get, the admin
opens a step's form as a versioned draft, conditions are checked like routing conditions, and the
step's service refuses whoever does not hold its queue."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.choices import FieldKind, FormStatus
from complaints.models import (
    Complaint,
    CustomStep,
    CustomStepCondition,
    CustomStepLimit,
    Department,
    FormField,
    FormVersion,
    Priority,
    Role,
)
from complaints.rules.steps import RunState, next_move
from complaints.selectors.routing import routing_preview
from complaints.services.config_io import config_export, config_import
from complaints.services.intake_forms import form_draft, form_publish


def legal_step(**fields: Any) -> CustomStep:
    step = CustomStep.objects.create(
        code="legal",
        name_zh_hans="法务审核",
        name_en="Legal review",
        point="before_permanent_actions",
        role=Role.objects.get(code="quality_engineer"),
        department=Department.objects.get(code="quality"),
        gate=True,
        refused_back_to="containment",
        **fields,
    )
    step.conditions.create(field="priority", operator="eq", value="P0")
    CustomStepLimit.objects.create(step=step, priority=Priority.objects.get(code="P0"), amount=4, unit="hours")
    draft = form_draft(step=step)
    FormField.objects.create(version=draft, key="legal_ok", kind=FieldKind.YES_NO, label_en="Fine?", required=True)
    form_publish(version=draft)
    return step


@pytest.mark.parametrize(
    ("runs", "move"),
    [
        ([], "go_on"),
        ([RunState("done", False, ""), RunState("done", True, "")], "go_on"),
        ([RunState("done", False, ""), RunState("open", False, "")], "wait"),
        ([RunState("refused", True, "containment"), RunState("canceled", False, "")], "containment"),
    ],
)
def test_the_point_waits_goes_on_or_goes_back(runs: list[RunState], move: str) -> None:
    assert next_move(runs) == move


def test_custom_steps_round_trip_through_the_configuration_document(org: dict[str, Any]) -> None:
    legal_step()
    doc = config_export()
    [exported] = doc["custom_steps"]
    assert exported["code"] == "legal" and exported["gate"] is True
    assert exported["conditions"] == [{"field": "priority", "operator": "eq", "value": "P0"}]
    assert exported["limits"] == [{"priority": "P0", "amount": 4, "unit": "hours"}]
    assert [f["key"] for f in exported["form"]["fields"]] == ["legal_ok"]
    versions = FormVersion.objects.filter(custom_step__code="legal").count()

    config_import(document=doc)  # unchanged: nothing new
    assert FormVersion.objects.filter(custom_step__code="legal").count() == versions

    exported["name_en"] = "Legal sign-off"
    exported["form"]["fields"].append({"key": "legal_memo", "kind": "short_text", "label_en": "Memo"})
    config_import(document=doc)
    step = CustomStep.objects.get(code="legal")
    assert step.name_en == "Legal sign-off"
    published = FormVersion.objects.get(custom_step=step, status=FormStatus.PUBLISHED)
    assert published.number == 2 and [f.key for f in published.fields.all()] == ["legal_ok", "legal_memo"]

    doc["custom_steps"] = []
    config_import(document=doc)
    assert not CustomStep.objects.exists()  # never ran: removed


def test_a_bad_custom_step_in_a_document_is_refused_with_where(org: dict[str, Any]) -> None:
    from complaints.services.config_io import ConfigImportError

    doc = config_export()
    doc["custom_steps"] = [
        {"code": "pr", "point": "before_close", "role": "agent", "conditions": [{"field": "nope", "operator": "eq"}]}
    ]
    with pytest.raises(ConfigImportError) as error:
        config_import(document=doc)
    assert any("custom_steps[0]" in line for line in error.value.errors)
    assert not CustomStep.objects.exists()


def test_the_dry_run_says_which_custom_steps_a_sample_gets(org: dict[str, Any]) -> None:
    legal_step()
    sample = Complaint(category=org["category"], customer_words="fridge leaks", channel="phone", risk_flagged=True)
    result = routing_preview(complaint=sample, department=org["store_a"], at=timezone.now())
    assert result["priority"]["code"] == "P0"
    assert result["custom_steps"] == [
        {
            "code": "legal",
            "name": "Legal review",
            "point": "before_permanent_actions",
            "point_name": "Before permanent actions",
        }
    ]
    calm = Complaint(category=org["category"], customer_words="fridge leaks", channel="phone")
    assert routing_preview(complaint=calm, department=org["store_a"], at=timezone.now())["custom_steps"] == []


def test_a_condition_on_an_unknown_field_or_a_wrong_value_is_refused(org: dict[str, Any]) -> None:
    step = legal_step()
    with pytest.raises(ValidationError) as error:
        CustomStepCondition(step=step, field="nope", operator="eq", value="x").full_clean()
    assert "field" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        CustomStepCondition(step=step, field="priority", operator="eq", value="P9").full_clean()
    assert "value" in error.value.message_dict
    CustomStepCondition(step=step, field="level", operator="gte", value="2").full_clean()


def test_the_admin_opens_the_steps_form_as_a_draft_and_publishes_it(org: dict[str, Any]) -> None:
    step = legal_step()
    client = Client()
    client.force_login(get_user_model().objects.create_superuser(username="cfg", password="x"))
    page = client.get(reverse("admin:complaints_customstep_change", args=[step.pk]))
    assert page.status_code == 200 and "v1" in page.content.decode()
    assert client.get(reverse("admin:complaints_customstep_form", args=[step.pk])).status_code == 403
    assert not FormVersion.objects.filter(custom_step=step, status=FormStatus.DRAFT).exists()
    opened = client.post(reverse("admin:complaints_customstep_form", args=[step.pk]))
    draft = FormVersion.objects.get(custom_step=step, status=FormStatus.DRAFT)
    assert opened.status_code == 302 and opened["Location"].endswith(f"/{draft.pk}/change/")
    assert [f.key for f in draft.fields.all()] == ["legal_ok"]  # a copy of the version in use
    assert client.get(opened["Location"]).status_code == 200
    preview = client.get(reverse("admin:complaints_formversion_preview", args=[draft.pk]))
    assert preview.status_code == 200 and "Fine?" in preview.content.decode()
    published = client.post(reverse("admin:complaints_formversion_publish", args=[draft.pk]))
    assert published.status_code == 302
    draft.refresh_from_db()
    assert draft.status == FormStatus.PUBLISHED
