"""Category intake forms in the Django admin, as an administrator uses them: a new form starts as a
draft, questions are added through the inline and bad ones are refused, publishing puts the form
in use (and refuses a form with problems), a published version is read-only and "Edit" starts the
next draft, the preview checks answers without storing anything, and the answers complaints were
filed with can be searched and exported from the complaint list."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.choices import FormStatus
from complaints.models import Answer, Category, Complaint, FormField, FormVersion, Membership, Role
from complaints.services.intake_forms import form_draft, form_publish
from tests.complaints.test_admin__config import add_inline_row, admin_form_data, page_text
from tests.conftest import START_URL, intake_data
from tests.exports import admin_exported

PREFIX = "fields"

# What a new inline row holds when the admin leaves everything but the given fields as it is.
BLANK_QUESTION = {
    "position": "0",
    "key": "",
    "kind": "short_text",
    "label_zh_hans": "",
    "label_en": "",
    "help_zh_hans": "",
    "help_en": "",
    "default": "",
    "choices": "",
    "min_value": "",
    "max_value": "",
    "min_length": "",
    "max_length": "",
    "pattern": "",
    "pattern_message_zh_hans": "",
    "pattern_message_en": "",
    "condition_field": "",
    "condition_values": "",
    "condition_effect": "show",
    "file_extensions": "",
    "max_files": "1",
}

CHANNEL_QUESTION = {
    "position": "10",
    "key": "delivery_channel",
    "kind": "choice",
    "label_zh_hans": "配送方式",
    "label_en": "Delivery channel",
    "required": "on",
    "choices": "courier | 快递 | Courier\nstore | 门店自提 | Store pick-up",
}
TRACKING_QUESTION = {
    "position": "20",
    "key": "tracking_no",
    "kind": "short_text",
    "label_zh_hans": "运单号",
    "label_en": "Tracking number",
    "required": "on",
    "condition_field": "delivery_channel",
    "condition_values": "courier",
    "condition_effect": "show",
}


# Helpers ------------------------------------------------------------------------------------------


def change_url(version: FormVersion) -> str:
    return reverse("admin:complaints_formversion_change", args=[version.pk])


def publish_url(version: FormVersion) -> str:
    return reverse("admin:complaints_formversion_publish", args=[version.pk])


def edit_url(version: FormVersion) -> str:
    return reverse("admin:complaints_formversion_edit", args=[version.pk])


def preview_url(version: FormVersion, look: str = "") -> str:
    url = reverse("admin:complaints_formversion_preview", args=[version.pk])
    return f"{url}?look={look}" if look else url


def save_questions(client: Client, version: FormVersion, *questions: dict[str, str]) -> Any:
    """Opens the version's change page, appends the questions as new inline rows and saves."""
    page = client.get(change_url(version))
    assert page.status_code == 200
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    assert prefix == PREFIX
    data = admin_form_data(page)
    for question in questions:
        add_inline_row(data, prefix, **{**BLANK_QUESTION, **question})
    return client.post(change_url(version), data)


def stored_keys(version: FormVersion) -> list[str]:
    return list(version.fields.order_by("position", "pk").values_list("key", flat=True))


def appliance_draft(client: Client, org: dict[str, Any]) -> FormVersion:
    """The appliance category's first form, added through the admin, with no questions yet."""
    response = client.post(reverse("admin:complaints_formversion_add"), {"category": str(org["category"].pk)})
    assert response.status_code == 302, page_text(response)[:3000]
    return FormVersion.objects.get(category=org["category"])


def appliance_form(client: Client, org: dict[str, Any]) -> FormVersion:
    """The appliance draft with a choice question and a question shown for one of its choices."""
    draft = appliance_draft(client, org)
    response = save_questions(client, draft, CHANNEL_QUESTION, TRACKING_QUESTION)
    assert response.status_code == 302, page_text(response)[:3000]
    return draft


def error_messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def published(code: str) -> FormVersion:
    return FormVersion.objects.get(category__code=code, status=FormStatus.PUBLISHED)


# Fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def superuser(db: Any) -> Any:
    return get_user_model().objects.create_superuser(username="form_admin", password="x", email="f@example.com")


@pytest.fixture
def superuser_client(superuser: Any) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def filed(org: dict[str, Any], agent: Any) -> Complaint:
    """A power-battery complaint filed through the real intake page: sudden power loss, in-store."""
    client = Client()
    client.force_login(agent)
    data = intake_data(
        org,
        category=str(category("power-battery").pk),
        plate_or_vin="沪A12345",
        answer_service_type="in_store",
        answer_fault_type="power_loss",
        answer_on_highway="no",
    )
    response = client.post(START_URL, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return Complaint.objects.latest("pk")


# 1. Adding a form ---------------------------------------------------------------------------------


def test_adding_a_form_for_a_category_without_one_creates_draft_v1_and_opens_it(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    add = superuser_client.get(reverse("admin:complaints_formversion_add") + f"?category={org['category'].pk}")
    assert add.status_code == 200

    response = superuser_client.post(
        reverse("admin:complaints_formversion_add"), {"category": str(org["category"].pk), "note": "first questions"}
    )

    version = FormVersion.objects.get(category=org["category"])
    assert (version.number, version.status, version.note) == (1, FormStatus.DRAFT, "first questions")
    assert response.status_code == 302
    assert response["Location"] == change_url(version)
    page = superuser_client.get(response["Location"])
    assert page.status_code == 200
    text = page_text(page)
    assert "Draft: not in use yet." in text
    assert 'value="Publish this version"' in text
    assert f'action="{publish_url(version)}"' in text


def test_adding_a_second_form_while_a_draft_exists_is_refused(superuser_client: Client, org: dict[str, Any]) -> None:
    appliance_draft(superuser_client, org)
    response = superuser_client.post(reverse("admin:complaints_formversion_add"), {"category": str(org["category"].pk)})
    assert response.status_code == 200
    assert "This category already has a draft (version 1): edit that one." in page_text(response)
    assert FormVersion.objects.filter(category=org["category"]).count() == 1


def test_adding_a_form_for_a_category_in_use_starts_the_next_version_with_its_questions(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    vehicle = category("vehicle")
    response = superuser_client.post(reverse("admin:complaints_formversion_add"), {"category": str(vehicle.pk)})
    draft = FormVersion.objects.get(category=vehicle, status=FormStatus.DRAFT)
    assert response.status_code == 302 and response["Location"] == change_url(draft)
    assert draft.number == 2
    assert stored_keys(draft) == stored_keys(published("vehicle"))
    assert draft.required_standard_fields == ["plate_or_vin"]


# 2. Questions through the inline ------------------------------------------------------------------


def test_questions_added_through_the_inline_are_stored_with_their_choices_and_condition(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    draft = appliance_draft(superuser_client, org)
    response = save_questions(superuser_client, draft, CHANNEL_QUESTION, TRACKING_QUESTION)
    assert response.status_code == 302, page_text(response)[:3000]

    assert stored_keys(draft) == ["delivery_channel", "tracking_no"]
    channel = draft.fields.get(key="delivery_channel")
    assert channel.required and [c.value for c in channel.definition().choices] == ["courier", "store"]
    tracking = draft.fields.get(key="tracking_no").definition()
    assert (tracking.condition_field, tracking.condition_values, tracking.condition_effect) == (
        "delivery_channel",
        ("courier",),
        "show",
    )
    page = superuser_client.get(change_url(draft))
    assert "Delivery channel" in page_text(page)
    assert "To fix before publishing:" not in page_text(page)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"key": "size", "kind": "choice", "label_en": "Size"}, "A choice field needs at least one choice."),
        (
            {"key": "weight_kg", "kind": "decimal", "label_en": "Weight", "min_value": "50", "max_value": "5"},
            "The minimum is larger than the maximum.",
        ),
    ],
    ids=["choice-without-choices", "minimum-above-maximum"],
)
def test_a_bad_question_is_refused_with_an_error_and_nothing_is_stored(
    superuser_client: Client, org: dict[str, Any], bad: dict[str, str], message: str
) -> None:
    draft = appliance_draft(superuser_client, org)
    response = save_questions(superuser_client, draft, CHANNEL_QUESTION, {**bad, "position": "30"})
    assert response.status_code == 200
    assert message in page_text(response)
    assert stored_keys(draft) == []


def test_a_question_with_the_key_of_another_question_is_refused_and_nothing_is_stored(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    draft = appliance_form(superuser_client, org)
    duplicate = {"position": "30", "key": "tracking_no", "kind": "short_text", "label_en": "Second tracking"}
    response = save_questions(superuser_client, draft, {**BLANK_QUESTION, **duplicate})
    assert response.status_code == 200
    assert "Please correct the duplicate data for key." in page_text(response)
    assert "Second tracking" not in set(draft.fields.values_list("label_en", flat=True))
    assert stored_keys(draft) == ["delivery_channel", "tracking_no"]


def test_two_new_questions_with_one_key_are_refused_and_nothing_is_stored(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    draft = appliance_draft(superuser_client, org)
    twin = {**CHANNEL_QUESTION, "position": "30", "label_en": "Channel again"}
    response = save_questions(superuser_client, draft, CHANNEL_QUESTION, twin)
    assert response.status_code == 200
    assert "Please correct the duplicate data for key." in page_text(response)
    assert stored_keys(draft) == []


# 3. Publishing ------------------------------------------------------------------------------------


def test_publishing_a_draft_puts_it_in_use(superuser_client: Client, org: dict[str, Any], superuser: Any) -> None:
    draft = appliance_form(superuser_client, org)
    response = superuser_client.post(publish_url(draft), follow=True)
    assert response.status_code == 200
    assert "is published: the next complaint of this category gets these questions." in page_text(response)
    draft.refresh_from_db()
    assert draft.status == FormStatus.PUBLISHED
    assert draft.published_by == superuser and draft.published_at is not None


def test_publishing_a_draft_with_a_condition_on_a_later_question_is_refused_and_it_stays_draft(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    draft = appliance_draft(superuser_client, org)
    tracking_first = {**TRACKING_QUESTION, "position": "5"}
    saved = save_questions(superuser_client, draft, CHANNEL_QUESTION, tracking_first)
    assert saved.status_code == 302, page_text(saved)[:3000]
    page = superuser_client.get(change_url(draft))
    assert "To fix before publishing:" in page_text(page)

    response = superuser_client.post(publish_url(draft), follow=True)

    assert response.status_code == 200
    errors = error_messages(response)
    assert any(
        line.startswith("tracking_no: ") and "which is not a choice or yes/no field placed before this one" in line
        for line in errors
    ), errors
    draft.refresh_from_db()
    assert draft.status == FormStatus.DRAFT and draft.published_at is None


def test_publish_by_get_is_refused(superuser_client: Client, org: dict[str, Any]) -> None:
    draft = appliance_form(superuser_client, org)
    assert superuser_client.get(publish_url(draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == FormStatus.DRAFT


# 4. A published version is read-only; "Edit" starts the next draft -------------------------------


def test_published_version_page_has_no_editable_questions(superuser_client: Client, org: dict[str, Any]) -> None:
    version = published("power-battery")
    response = superuser_client.get(change_url(version))
    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
    text = page_text(response)
    assert "Published (in use)." in text
    assert 'value="Edit (starts a new draft version)"' in text
    assert 'value="Publish this version"' not in text
    assert "Sudden power loss" in text  # the questions are shown, read only
    assert f'name="{PREFIX}-0-key"' not in text
    assert f'name="{PREFIX}-0-label_en"' not in text
    assert 'name="note"' not in text


def test_saving_a_published_version_with_a_new_question_changes_nothing(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    version = published("power-battery")
    before = stored_keys(version)
    page = superuser_client.get(change_url(version))
    data = admin_form_data(page)
    add_inline_row(data, PREFIX, **{**BLANK_QUESTION, "position": "99", "key": "sneaked_in", "label_en": "Sneaked"})
    data["note"] = "changed behind the form"
    superuser_client.post(change_url(version), data)
    version.refresh_from_db()
    assert stored_keys(version) == before
    assert version.note != "changed behind the form"
    assert not FormField.objects.filter(key="sneaked_in").exists()


def test_edit_starts_the_next_draft_with_the_questions_and_publishing_it_retires_the_old(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    old = published("power-battery")
    response = superuser_client.post(edit_url(old))

    draft = FormVersion.objects.get(category=old.category, status=FormStatus.DRAFT)
    assert response.status_code == 302 and response["Location"] == change_url(draft)
    assert draft.number == old.number + 1
    assert stored_keys(draft) == stored_keys(old)
    assert set(draft.fields.values_list("pk", flat=True)).isdisjoint(old.fields.values_list("pk", flat=True))
    page = superuser_client.get(response["Location"])
    assert "You are editing the draft" in page_text(page)
    assert page.context["inline_admin_formsets"][0].has_change_permission

    again = superuser_client.post(edit_url(old))  # a second click reopens the same draft
    assert again.status_code == 302 and again["Location"] == change_url(draft)
    assert FormVersion.objects.filter(category=old.category).count() == 2

    published_response = superuser_client.post(publish_url(draft), follow=True)
    assert published_response.status_code == 200
    old.refresh_from_db()
    draft.refresh_from_db()
    assert (old.status, draft.status) == (FormStatus.RETIRED, FormStatus.PUBLISHED)


def test_get_on_edit_is_refused(superuser_client: Client, org: dict[str, Any]) -> None:
    version = published("power-battery")
    assert superuser_client.get(edit_url(version)).status_code == 403
    assert not FormVersion.objects.filter(category=version.category, status=FormStatus.DRAFT).exists()


# 5. Preview ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("look", ["", "agent", "customer"])
def test_preview_shows_the_questions(superuser_client: Client, org: dict[str, Any], look: str) -> None:
    draft = appliance_form(superuser_client, org)
    response = superuser_client.get(preview_url(draft, look))
    assert response.status_code == 200
    text = page_text(response)
    assert "Delivery channel" in text and "Tracking number" in text
    assert "Courier" in text
    assert "Refused" not in text and "Accepted" not in text


def test_customer_preview_uses_the_vendored_bootstrap_and_no_cdn(superuser_client: Client, org: dict[str, Any]) -> None:
    draft = appliance_form(superuser_client, org)
    response = superuser_client.get(preview_url(draft, "customer"))
    assert response.status_code == 200
    text = page_text(response)
    assert "vendor/bootstrap-5.3.8/css/bootstrap.min.css" in text
    assert "http://" not in text and "https://" not in text


def test_customer_preview_refuses_a_missing_required_answer_and_stores_nothing(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    draft = appliance_form(superuser_client, org)
    answers = Answer.objects.count()
    response = superuser_client.post(preview_url(draft, "customer"), {"answer_delivery_channel": "courier"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Refused: intake would show these errors and store nothing." in text
    assert "answer_tracking_no" in response.context["form"].errors
    assert Answer.objects.count() == answers and Complaint.objects.count() == 0


def test_customer_preview_accepts_valid_answers_and_stores_nothing(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    draft = appliance_form(superuser_client, org)
    answers = Answer.objects.count()
    response = superuser_client.post(
        preview_url(draft, "customer"), {"answer_delivery_channel": "courier", "answer_tracking_no": "SF123"}
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Accepted. Intake would store these answers (nothing was saved):" in text
    assert response.context["stored"] == [("Delivery channel", "Courier"), ("Tracking number", "SF123")]
    assert Answer.objects.count() == answers and Complaint.objects.count() == 0


def test_customer_preview_drops_the_answer_to_a_hidden_question(superuser_client: Client, org: dict[str, Any]) -> None:
    draft = appliance_form(superuser_client, org)
    response = superuser_client.post(
        preview_url(draft, "customer"), {"answer_delivery_channel": "store", "answer_tracking_no": "SF123"}
    )
    assert "Accepted." in page_text(response)
    assert response.context["stored"] == [("Delivery channel", "Store pick-up")]


def test_agent_preview_refuses_invalid_answers_and_stores_nothing(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    draft = appliance_form(superuser_client, org)
    answers = Answer.objects.count()
    response = superuser_client.post(preview_url(draft, "agent"), {"answer_delivery_channel": "by_drone"})
    assert response.status_code == 200
    assert "Refused: intake would show these errors and store nothing." in page_text(response)
    assert "answer_delivery_channel" in response.context["form"].errors
    assert Answer.objects.count() == answers and Complaint.objects.count() == 0


def test_agent_preview_accepts_a_valid_intake_and_stores_nothing(
    superuser_client: Client, org: dict[str, Any], superuser: Any
) -> None:
    Membership.objects.create(user=superuser, department=org["store_a"], role=Role.objects.get(code="agent"))
    draft = appliance_form(superuser_client, org)
    answers = Answer.objects.count()
    data = intake_data(org, answer_delivery_channel="courier", answer_tracking_no="SF123")
    response = superuser_client.post(preview_url(draft, "agent"), data)
    assert response.status_code == 200
    assert "Accepted. Intake would store these answers (nothing was saved):" in page_text(response)
    assert response.context["stored"] == [("Delivery channel", "Courier"), ("Tracking number", "SF123")]
    assert Answer.objects.count() == answers and Complaint.objects.count() == 0


def test_agent_preview_accepts_valid_answers_from_an_admin_without_a_department(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    draft = appliance_form(superuser_client, org)
    data = intake_data(org, answer_delivery_channel="courier", answer_tracking_no="SF123")
    response = superuser_client.post(preview_url(draft, "agent"), data)
    assert response.status_code == 200
    assert "Accepted. Intake would store these answers (nothing was saved):" in page_text(response)
    assert Complaint.objects.count() == 0


def test_preview_of_a_draft_lists_what_stops_publishing(superuser_client: Client, org: dict[str, Any]) -> None:
    draft = appliance_draft(superuser_client, org)
    save_questions(superuser_client, draft, CHANNEL_QUESTION, {**TRACKING_QUESTION, "position": "5"})
    response = superuser_client.get(preview_url(draft, "customer"))
    text = page_text(response)
    assert "To fix before publishing:" in text
    assert "tracking_no: The condition depends on “delivery_channel”" in text


# 6. The category pages link to the form versions ---------------------------------------------------


def test_category_list_and_page_link_to_the_form_versions(superuser_client: Client, org: dict[str, Any]) -> None:
    draft = appliance_form(superuser_client, org)

    changelist = superuser_client.get(reverse("admin:complaints_category_changelist"))
    assert changelist.status_code == 200
    text = page_text(changelist)
    assert f'<a href="{change_url(draft)}">v1</a>' in text
    assert f'<a href="{change_url(published("vehicle"))}">v1</a>' in text

    page = superuser_client.get(reverse("admin:complaints_category_change", args=[org["category"].pk]))
    assert page.status_code == 200
    assert f'<a href="{change_url(draft)}">v1</a> · Draft (not in use yet)' in page_text(page)


def test_category_without_a_form_links_to_adding_one(superuser_client: Client, org: dict[str, Any]) -> None:
    page = superuser_client.get(reverse("admin:complaints_category_change", args=[org["category"].pk]))
    assert page.status_code == 200
    add = reverse("admin:complaints_formversion_add")
    assert f'<a href="{add}?category={org["category"].pk}">Add an intake form</a>' in page_text(page)


def test_category_page_lists_every_version_newest_first(superuser_client: Client, org: dict[str, Any]) -> None:
    old = published("power-battery")
    form_publish(version=form_draft(category=old.category))
    page = superuser_client.get(reverse("admin:complaints_category_change", args=[old.category.pk]))
    text = page_text(page)
    assert text.index(">v2</a> · Published (in use)") < text.index(">v1</a> · Superseded")


# 7. Complaint list: search and export by answers ---------------------------------------------------


def test_complaint_search_by_answer_finds_matching_complaints_only(superuser_client: Client, filed: Complaint) -> None:
    url = reverse("admin:complaints_complaint_changelist")
    found = superuser_client.get(url, {"q": "fault_type=power_loss"})
    assert found.status_code == 200
    assert list(found.context["cl"].result_list) == [filed]
    assert filed.reference in page_text(found)

    missed = superuser_client.get(url, {"q": "fault_type=no_charge"})
    assert missed.status_code == 200
    assert list(missed.context["cl"].result_list) == []
    assert filed.reference not in page_text(missed)

    combined = superuser_client.get(url, {"q": "on_highway=no service_type=in_store"})
    assert list(combined.context["cl"].result_list) == [filed]


def test_complaint_search_by_an_unknown_key_shows_an_error(superuser_client: Client, filed: Complaint) -> None:
    response = superuser_client.get(reverse("admin:complaints_complaint_changelist"), {"q": "nosuchkey=1"})
    assert response.status_code == 200
    assert "No form has a question with the key “nosuchkey”." in page_text(response)
    assert list(response.context["cl"].result_list) == []


def test_complaint_search_comparing_a_choice_with_a_number_shows_an_error(
    superuser_client: Client, filed: Complaint
) -> None:
    response = superuser_client.get(reverse("admin:complaints_complaint_changelist"), {"q": "fault_type>3"})
    assert response.status_code == 200
    assert "Only numbers and dates can be compared with > or <." in page_text(response)


def test_export_csv_has_a_column_per_question_with_the_answer_labels(
    superuser_client: Client, filed: Complaint, django_capture_on_commit_callbacks: Any
) -> None:
    rows = admin_exported(superuser_client, [filed.pk], django_capture_on_commit_callbacks)
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    assert "Fault type [fault_type]" in header
    assert row[header.index("Fault type [fault_type]")] == "Sudden power loss"
    assert row[header.index("Service type [service_type]")] == "In-store repair"
    assert row[header.index("Happened on a highway [on_highway]")] == "No"
    forms = row[header.index("intake forms")]
    assert "power-battery v1" in forms and "vehicle v1" in forms
    assert header[-1] == "custom steps" and row[-1] == ""  # no custom step ran


# 8. History ---------------------------------------------------------------------------------------


def test_configuration_history_lists_form_changes(
    superuser_client: Client, org: dict[str, Any], superuser: Any
) -> None:
    draft = appliance_form(superuser_client, org)
    assert superuser_client.post(publish_url(draft)).status_code == 302

    response = superuser_client.get(reverse("admin:config_history"))
    assert response.status_code == 200
    rows = response.context["rows"]
    form_rows = [r for r in rows if r["record"].instance_type is FormVersion and r["record"].id == draft.pk]
    field_rows = [r for r in rows if r["record"].instance_type is FormField and r["record"].version_id == draft.pk]
    assert {r["action"] for r in form_rows} == {"added", "changed"}
    assert sorted(r["record"].key for r in field_rows) == ["delivery_channel", "tracking_no"]
    assert {r["record"].history_user for r in form_rows + field_rows} == {superuser}
    text = page_text(response)
    assert "intake form · added" in text and "form field · added" in text
    assert "Appliance, form v1" in text
    assert "tracking_no: Tracking number" in text


def test_form_version_history_page_lists_its_creation(superuser_client: Client, org: dict[str, Any]) -> None:
    draft = appliance_form(superuser_client, org)
    response = superuser_client.get(reverse("admin:complaints_formversion_history", args=[draft.pk]))
    assert response.status_code == 200
    assert "Created" in page_text(response)


def test_configuration_history_shows_that_a_form_was_published(superuser_client: Client, org: dict[str, Any]) -> None:
    draft = appliance_form(superuser_client, org)
    assert superuser_client.post(publish_url(draft)).status_code == 302

    rows = superuser_client.get(reverse("admin:config_history")).context["rows"]
    changes = [
        change
        for r in rows
        if r["record"].instance_type is FormVersion and r["record"].id == draft.pk
        for change in r["changes"]
    ]
    assert ("status", FormStatus.DRAFT, FormStatus.PUBLISHED) in changes


def test_history_records_that_publishing_retired_the_previous_version(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    old = published("power-battery")
    draft_page = superuser_client.post(edit_url(old))
    draft = FormVersion.objects.get(category=old.category, status=FormStatus.DRAFT)
    assert draft_page["Location"] == change_url(draft)
    assert superuser_client.post(publish_url(draft)).status_code == 302
    old.refresh_from_db()
    assert old.status == FormStatus.RETIRED

    assert old.history.latest().status == FormStatus.RETIRED
    rows = superuser_client.get(reverse("admin:config_history")).context["rows"]
    assert any(
        r["record"].instance_type is FormVersion and r["record"].id == old.pk and r["record"].status == "retired"
        for r in rows
    )


# Query count ------------------------------------------------------------------------------------


def _change_page_queries(client: Client, version: FormVersion) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(change_url(version))
    assert response.status_code == 200
    return len(queries)


def test_form_version_change_page_costs_no_query_per_question(superuser_client: Client, org: dict[str, Any]) -> None:
    draft = appliance_form(superuser_client, org)  # 2 questions
    two = _change_page_queries(superuser_client, draft)
    for index in range(6):
        FormField.objects.create(
            version=draft, position=100 + index, key=f"extra_{index}", kind="short_text", label_en=f"Extra {index}"
        )
    assert draft.fields.count() == 8
    eight = _change_page_queries(superuser_client, draft)
    assert eight <= two, f"{two} queries with 2 questions, {eight} with 8"


def test_published_version_change_page_costs_no_query_per_question(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    short = published("power-battery")  # 6 questions
    long = published("product-quality")  # 8 questions
    assert short.fields.count() < long.fields.count()
    assert _change_page_queries(superuser_client, long) <= _change_page_queries(superuser_client, short)


# 9. Exports by a worker ----------------------------------------------------------------------------


@pytest.fixture
def plain(org: dict[str, Any], agent: Any) -> Complaint:
    """A complaint of a category without a form, registered before `filed` when asked for first."""
    from flows import driver

    return driver.start_complaint(user=agent, data=intake_data(org))


def test_an_export_read_in_chunks_has_the_same_columns_and_rows(
    plain: Complaint, filed: Complaint, monkeypatch: Any
) -> None:
    assert plain.pk < filed.pk
    """The question columns come from every chunk (here only the second has answers); each more
    chunk costs the same few queries."""
    from complaints.selectors import export

    def table(chunk: int) -> tuple[int, list[str], list[list[str]]]:
        monkeypatch.setattr(export, "EXPORT_CHUNK", chunk)
        with CaptureQueriesContext(connection) as queries:
            headers, rows = export.complaint_table(Complaint.objects.all(), language="en")
            listed = list(rows)
        return len(queries.captured_queries), headers, listed

    whole_queries, *whole = table(1000)
    one_queries, *one_by_one = table(1)
    assert one_by_one == whole and "Fault type [fault_type]" in whole[0] and len(whole[1]) == 2
    assert 0 < one_queries - whole_queries <= 7


def test_an_export_logs_each_complaint_once_a_chunk_at_a_time(
    plain: Complaint, filed: Complaint, superuser: Any, monkeypatch: Any
) -> None:
    """Personal data exported: one access-log row per complaint, written a chunk at a time (a row
    object per complaint of a million, held at once, took 1.2 GB)."""
    from complaints.models import AccessLog
    from complaints.selectors import export
    from complaints.services.privacy import complaints_export_table

    monkeypatch.setattr(export, "EXPORT_CHUNK", 1)
    with CaptureQueriesContext(connection) as queries:
        complaints_export_table(user=superuser, queryset=Complaint.objects.all(), language="en")
    logged = AccessLog.objects.filter(user=superuser, kind=AccessLog.Kind.EXPORT)
    assert sorted(logged.values_list("complaint_id", flat=True)) == sorted([plain.pk, filed.pk])
    assert sum('INSERT INTO "complaints_accesslog"' in q["sql"] for q in queries.captured_queries) == 2


def test_a_stored_selection_is_read_as_one_array_on_postgresql(plain: Complaint, filed: Complaint) -> None:
    """The admin's export keeps its selection as ids; PostgreSQL reads them as one array parameter,
    not one parameter per complaint (a million of them: 850 MB to compile and send)."""
    from complaints.selectors.export import complaints_by_ids

    ids = [filed.pk, plain.pk, 10**9]  # one that is no complaint
    selected = complaints_by_ids(ids)
    assert sorted(selected.values_list("pk", flat=True)) == sorted([plain.pk, filed.pk])
    if connection.vendor == "postgresql":
        _sql, params = selected.query.sql_with_params()
        assert list(params) == [ids]


def test_an_admins_export_is_theirs_alone(
    superuser_client: Client,
    superuser: Any,
    filed: Complaint,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    from complaints.models import ComplaintExport, InAppNotice

    admin_exported(superuser_client, [filed.pk], django_capture_on_commit_callbacks)
    export = ComplaintExport.objects.get()
    assert export.ids == [filed.pk] and export.description == "1 complaint selected"
    listing = superuser_client.get(reverse("admin:complaints_complaintexport_changelist")).content.decode()
    assert "1 complaint selected" in listing and "Ready" in listing
    notice = InAppNotice.objects.get(recipient=superuser)
    assert notice.body.endswith(reverse("admin:complaints_complaintexport_changelist"))
    other = Client()
    other.force_login(get_user_model().objects.create_superuser("other-admin", password="x"))
    assert (
        "1 complaint selected" not in other.get(reverse("admin:complaints_complaintexport_changelist")).content.decode()
    )
    download = reverse("admin:complaints_complaintexport_download", args=[export.pk])
    assert other.get(download).status_code == 404
    # Asking again for the same selection while it waits gives the waiting one.
    from complaints.services import exports

    monkeypatch.setattr(exports, "export_enqueue", lambda **kw: None)  # the worker is busy
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            superuser_client.post(
                reverse("admin:complaints_complaint_changelist"),
                {"action": "export_csv", "_selected_action": [str(filed.pk)], "index": "0"},
            )
    assert ComplaintExport.objects.filter(status=ComplaintExport.Status.QUEUED).count() == 1


def test_an_export_whose_asker_lost_the_permission_fails(filed: Complaint, agent: Any) -> None:
    from django.contrib.auth.models import Permission

    from complaints.models import ComplaintExport
    from complaints.services.exports import ExportRefused, export_run, records_export_request

    with pytest.raises(ExportRefused):
        records_export_request(user=agent, queryset=Complaint.objects.all())
    agent.is_staff = True
    agent.save()
    agent.user_permissions.add(Permission.objects.get(codename="view_complaint"))
    agent = get_user_model().objects.get(pk=agent.pk)
    export, _new = records_export_request(user=agent, queryset=Complaint.objects.all())
    agent.is_staff = False
    agent.save()
    made = export_run(export_id=export.pk)
    assert made is not None and made.status == ComplaintExport.Status.FAILED and "no longer" in made.error
