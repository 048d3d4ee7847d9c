"""Category forms end to end: an admin-defined form, complaints filed through the real intake page,
typed answers, conditional questions both ways, malformed submissions refused with nothing stored,
versions that keep old complaints intact, routing on answers, filters and the export."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image

from complaints.choices import ConditionEffect, FieldKind, FormStatus
from complaints.models import (
    Answer,
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    FormField,
    FormVersion,
    Priority,
    RoutingCondition,
    RoutingRule,
)
from complaints.selectors.intake_forms import answer_rows, complaints_with_answer, effective_form
from complaints.services.config_io import config_export, config_import
from complaints.services.intake_forms import PublishRefused, form_draft, form_publish
from tests.conftest import START_URL, intake_data

QUESTIONS = [
    {
        "key": "service_type",
        "kind": FieldKind.CHOICE,
        "label_zh_hans": "服务方式",
        "label_en": "Service type",
        "required": True,
        "choices": "roadside | 道路救援 | Roadside assistance\nin_store | 到店维修 | In-store repair",
    },
    {
        "key": "rescue_order_no",
        "kind": FieldKind.SHORT_TEXT,
        "label_zh_hans": "救援单号",
        "label_en": "Rescue order no.",
        "required": True,
        "pattern": r"R[0-9]{10}",
        "pattern_message_zh_hans": "救援单号为 R 加 10 位数字",
        "pattern_message_en": "A rescue order number is R followed by 10 digits",
        "condition_field": "service_type",
        "condition_values": "roadside",
    },
    {"key": "waited_min", "kind": FieldKind.INTEGER, "label_en": "Waited (minutes)", "min_value": 0, "max_value": 1440},
    {"key": "extra_cost", "kind": FieldKind.DECIMAL, "label_en": "Extra cost", "min_value": 0},
    {"key": "visit_date", "kind": FieldKind.DATE, "label_en": "Visit date"},
    {"key": "visit_at", "kind": FieldKind.DATETIME, "label_en": "Visit time"},
    {
        "key": "symptoms",
        "kind": FieldKind.MULTI_CHOICE,
        "label_en": "Symptoms",
        "choices": "noise | 异响 | Noise\nsmell | 异味 | Smell\nleak | 漏液 | Leak",
    },
    {"key": "on_highway", "kind": FieldKind.YES_NO, "label_zh_hans": "高速上", "label_en": "On a highway"},
    {
        "key": "highway_photos",
        "kind": FieldKind.PHOTO,
        "label_en": "Highway photos",
        "max_files": 2,
        "condition_field": "on_highway",
        "condition_values": "yes",
        "condition_effect": ConditionEffect.REQUIRE,
    },
    {"key": "callback", "kind": FieldKind.PHONE, "label_en": "Call-back number"},
    {"key": "email", "kind": FieldKind.EMAIL, "label_en": "E-mail"},
    {"key": "vehicle", "kind": FieldKind.PLATE_OR_VIN, "label_en": "Vehicle"},
    {"key": "notes", "kind": FieldKind.LONG_TEXT, "label_en": "Notes", "max_length": 50},
    {"key": "report", "kind": FieldKind.FILE, "label_en": "Report", "file_extensions": "pdf"},
]


def publish_form(category, questions=QUESTIONS):
    draft = form_draft(category=category)
    draft.fields.all().delete()
    for position, question in enumerate(questions, start=1):
        FormField.objects.create(version=draft, position=position * 10, **question)
    return form_publish(version=draft)


@pytest.fixture
def form(org):
    """The appliance category (no form in the preset) gets the test form."""
    return publish_form(org["category"])


def png(name="photo.png", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def post(user, data, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client.post(START_URL, data)


def nothing_stored():
    return (
        Complaint.objects.exclude(reference__isnull=True).count() == 0
        and Answer.objects.count() == 0
        and Attachment.objects.count() == 0
        and ComplaintEvent.objects.count() == 0
    )


FULL = {
    "answer_service_type": "roadside",
    "answer_rescue_order_no": "R2026112201",
    "answer_waited_min": "150",
    "answer_extra_cost": "86.50",
    "answer_visit_date": "2026-11-20",
    "answer_visit_at": "2026-11-20 14:30",
    "answer_symptoms": ["noise", "leak"],
    "answer_on_highway": "no",
    "answer_callback": "021 6888 8888",
    "answer_email": "wei@example.com",
    "answer_vehicle": "沪a 12345",
    "answer_notes": "Towed twice.",
}


def test_a_complaint_filed_through_the_intake_page_stores_typed_answers(org, agent, form):
    photos = [png("a.png"), png("b.png")]
    response = post(agent, intake_data(org, **{**FULL, "answer_on_highway": "yes"}, answer_highway_photos=photos))
    assert response.status_code == 302, response.context["form"].errors
    complaint = Complaint.objects.get()
    values = {a.key: a.value for a in complaint.answers.select_related("field")}
    assert values["service_type"] == "roadside"
    assert values["rescue_order_no"] == "R2026112201"
    assert values["waited_min"] == 150 and isinstance(values["waited_min"], int)
    assert values["extra_cost"] == Decimal("86.50")
    assert values["visit_date"] == date(2026, 11, 20)
    assert isinstance(values["visit_at"], datetime) and values["visit_at"].tzinfo is not None
    assert values["symptoms"] == ["noise", "leak"]
    assert values["on_highway"] == "yes"
    assert values["callback"] == "+862168888888"
    assert values["email"] == "wei@example.com"
    assert values["vehicle"] == "沪A12345"
    assert values["highway_photos"] == 2
    photo_answer = complaint.answers.get(key="highway_photos")
    assert sorted(f.name for f in photo_answer.files.all()) == ["a.png", "b.png"]
    assert list(complaint.form_versions.all()) == [form]
    assert complaint.answers.get(key="waited_min").number == Decimal(150)  # filterable as a number


def test_a_hidden_conditional_question_is_not_required_and_its_value_is_not_stored(org, agent, form):
    data = intake_data(org, answer_service_type="in_store", answer_rescue_order_no="<script>not even checked</script>")
    response = post(agent, data)
    assert response.status_code == 302, response.context["form"].errors
    complaint = Complaint.objects.get()
    assert not complaint.answers.filter(key="rescue_order_no").exists()
    assert complaint.answers.get(key="service_type").value == "in_store"


def test_a_shown_conditional_question_is_required(org, agent, form):
    response = post(agent, intake_data(org, answer_service_type="roadside"))
    assert response.status_code == 200
    assert response.context["form"].errors["answer_rescue_order_no"] == ["This field is required."]
    assert nothing_stored()


def test_a_require_only_condition_keeps_the_question_visible_and_requires_it_when_it_holds(org, agent, form):
    response = post(agent, intake_data(org, answer_service_type="in_store", answer_on_highway="yes"))
    assert response.status_code == 200
    assert "answer_highway_photos" in response.context["form"].errors
    assert nothing_stored()
    response = post(agent, intake_data(org, answer_service_type="in_store", answer_on_highway="no"))
    assert response.status_code == 302
    assert Complaint.objects.get().answers.filter(key="on_highway").get().value == "no"


def test_an_unconditional_required_question_is_required(org, agent, form):
    response = post(agent, intake_data(org))
    assert response.status_code == 200
    assert response.context["form"].errors["answer_service_type"] == ["This field is required."]
    assert nothing_stored()


def big_jpeg():
    return SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"0" * (20 * 1024 * 1024), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"answer_waited_min": "ninety"}, "answer_waited_min", "Enter a whole number."),
        ({"answer_waited_min": "5000"}, "answer_waited_min", "less than or equal to 1440"),
        ({"answer_waited_min": "-1"}, "answer_waited_min", "greater than or equal to 0"),
        ({"answer_extra_cost": "12,5x"}, "answer_extra_cost", "Enter a number."),
        ({"answer_visit_date": "20/11/2026"}, "answer_visit_date", "Enter a valid date."),
        ({"answer_notes": "x" * 51}, "answer_notes", "at most 50 characters"),
        ({"answer_service_type": "helicopter"}, "answer_service_type", "Select a valid choice"),
        ({"answer_symptoms": ["noise", "fire"]}, "answer_symptoms", "Select a valid choice"),
        ({"answer_on_highway": "maybe"}, "answer_on_highway", "Select a valid choice"),
        ({"answer_notes": "<script>alert(1)</script>"}, "answer_notes", "HTML tags"),
        ({"answer_email": "wei@"}, "answer_email", "Enter a valid email address."),
        ({"answer_callback": "12345"}, "answer_callback", "Enter a valid phone number"),
        ({"answer_vehicle": "ABC"}, "answer_vehicle", "17-character VIN"),
        ({"answer_rescue_order_no": "R12"}, "answer_rescue_order_no", "R followed by 10 digits"),
    ],
)
def test_a_malformed_answer_is_refused_with_its_message_and_nothing_is_stored(
    org, agent, form, answers, field, message
):
    data = intake_data(org, **{**FULL, **answers})
    response = post(agent, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert nothing_stored()


@pytest.mark.parametrize(
    ("upload_field", "upload", "message"),
    [
        ("answer_highway_photos", big_jpeg, "larger than 10 MB"),
        (
            "answer_highway_photos",
            lambda: SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
            "files of type .exe are not accepted",
        ),
        (
            "answer_highway_photos",
            lambda: SimpleUploadedFile("fake.png", b"not a picture", content_type="image/png"),
            "not a readable image",
        ),
        ("answer_highway_photos", lambda: [png("1.png"), png("2.png"), png("3.png")], "at most 2 file"),
        ("answer_report", lambda: png("report.png"), "files of type .png are not accepted"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(org, agent, form, upload_field, upload, message):
    response = post(agent, intake_data(org, **FULL, **{upload_field: upload()}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[upload_field]), errors
    assert nothing_stored()


def test_a_category_form_can_require_standard_fields(org, agent):
    quality = Category.objects.get(code="product-quality")
    response = post(agent, intake_data(org, category=str(quality.pk)))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["batch_number"] == ["Required for complaints of this category."]
    assert errors["purchase_date"] == ["Required for complaints of this category."]
    assert nothing_stored()


def test_a_subcategory_asks_its_parents_questions_first(org):
    battery = Category.objects.get(code="power-battery")
    keys = [d.key for d in effective_form(battery).fields]
    assert keys[:2] == ["mileage_km", "service_type"]
    assert "fault_type" in keys and keys.index("fault_type") > keys.index("rescue_location")


def test_editing_a_published_form_leaves_filed_complaints_unchanged(org, agent, form):
    assert post(agent, intake_data(org, **FULL)).status_code == 302
    old = Complaint.objects.get()
    before = [(r.label, r.display) for r in answer_rows(old, language="en")]

    draft = form_draft(category=org["category"])
    assert draft.number == 2 and draft.fields.count() == len(QUESTIONS)
    draft.fields.filter(key="service_type").update(
        label_en="How we helped", choices="roadside | 道路救援 | On the road\nin_store | 到店维修 | At a dealer"
    )
    draft.fields.filter(key="notes").delete()
    form_publish(version=draft)

    form.refresh_from_db()
    assert form.status == FormStatus.RETIRED
    assert [(r.label, r.display) for r in answer_rows(old, language="en")] == before
    assert ("Service type", "Roadside assistance") in before and ("Notes", "Towed twice.") in before
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)
    page = client.get(f"/workflow/flows/complaint/{old.pk}/").content.decode()
    assert "Roadside assistance" in page and "How we helped" not in page

    data = {**FULL}
    data.pop("answer_notes")
    assert post(agent, intake_data(org, **data)).status_code == 302
    new = Complaint.objects.exclude(pk=old.pk).get()
    assert ("How we helped", "On the road") in [(r.label, r.display) for r in answer_rows(new, language="en")]
    assert list(new.form_versions.values_list("number", flat=True)) == [2]


def test_a_published_version_is_never_published_twice_and_only_drafts_change(org, form):
    with pytest.raises(PublishRefused):
        form_publish(version=form)
    assert form_draft(category=org["category"]) == form_draft(category=org["category"])  # one draft at a time


def test_the_detail_page_shows_answers_in_the_readers_language(org, agent, form):
    assert post(agent, intake_data(org, **FULL)).status_code == 302
    complaint = Complaint.objects.get()
    with translation.override("zh-hans"):
        rows = {r.key: (r.label, r.display) for r in answer_rows(complaint)}
    assert rows["service_type"] == ("服务方式", "道路救援")
    assert rows["on_highway"] == ("高速上", "否")
    assert rows["waited_min"] == ("Waited (minutes)", "150")  # no Chinese label: the English one
    client = Client()
    client.force_login(agent)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/workflow/flows/complaint/{complaint.pk}/").content.decode()
    assert "服务方式" in page and "道路救援" in page


def test_the_intake_page_asks_the_chosen_categorys_questions(org, agent, form):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)
    page = client.get(START_URL, {"category": org["category"].pk}).content.decode()
    assert 'id="rd-answers"' in page and "Rescue order no." in page and "intake-form.js" in page
    # the conditional question starts hidden until roadside is chosen
    form = client.get(START_URL, {"category": org["category"].pk}).context["form"]
    assert "answer_rescue_order_no" in form.hidden_answer_names()
    assert "Rescue order no." not in client.get(START_URL).content.decode()


def test_the_intake_page_costs_the_same_for_a_long_form(org, agent):
    def queries(category):
        client = Client()
        client.force_login(agent)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(START_URL, {"category": category.pk}).status_code == 200
        return len(captured)

    short = Category.objects.create(code="short", name="Short")
    long = Category.objects.create(code="long", name="Long")
    publish_form(short, QUESTIONS[:2])
    publish_form(long, QUESTIONS)
    queries(short), queries(long)  # warm: the process's configuration copy (each form version once)
    assert queries(long) == queries(short)


def test_routing_rules_can_test_form_answers(org, agent, form):
    p1 = Priority.objects.get(code="P1")
    rule = RoutingRule.objects.create(position=1, name="Waited too long", set_priority=p1)
    RoutingCondition.objects.create(rule=rule, field="form.waited_min", operator="gt", value="120")
    RoutingCondition.objects.create(rule=rule, field="form.symptoms", operator="eq", value="leak")
    assert post(agent, intake_data(org, **FULL)).status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.priority == p1
    triaged = complaint.events.get(kind="triaged")
    assert triaged.new["rule"] == "Waited too long"


def test_the_highway_power_loss_case_is_routed_by_its_answers(org, agent):
    battery = Category.objects.get(code="power-battery")
    data = intake_data(
        org,
        category=str(battery.pk),
        plate_or_vin="沪AD12345",
        answer_service_type="roadside",
        answer_rescue_order_no="R2026112201",
        answer_rescue_location="G60 K32",
        answer_fault_type="power_loss",
        answer_on_highway="yes",
    )
    assert post(agent, data).status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.priority.code == "P0" and complaint.level.rank == 3


def test_answers_can_be_filtered_on(org, agent, form):
    assert post(agent, intake_data(org, **FULL)).status_code == 302
    assert (
        post(agent, intake_data(org, **{**FULL, "answer_waited_min": "30", "answer_symptoms": ["smell"]})).status_code
        == 302
    )
    everything = Complaint.objects.all()
    assert complaints_with_answer(everything, key="waited_min", operator=">", value="60").count() == 1
    assert complaints_with_answer(everything, key="symptoms", operator="=", value="smell").count() == 1
    assert complaints_with_answer(everything, key="service_type", operator="=", value="roadside").count() == 2
    assert complaints_with_answer(everything, key="visit_date", operator="<", value="2026-11-21").count() == 2
    assert complaints_with_answer(everything, key="on_highway", operator="=", value="否").count() == 2


def test_answers_are_exported_with_the_complaint(org, agent, form):
    assert post(agent, intake_data(org, **FULL, answer_highway_photos=png("road.png"))).status_code == 302
    out = io.StringIO()
    call_command("complaints_export", "--language", "en", "--answer", "waited_min>100", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    assert row[header.index("Service type [service_type]")] == "Roadside assistance"
    assert row[header.index("Waited (minutes) [waited_min]")] == "150"
    assert row[header.index("Highway photos [highway_photos]")] == "road.png"
    assert row[header.index("intake forms")] == "appliance v1"


def test_forms_travel_in_the_configuration_document_and_reimporting_changes_nothing(org, form):
    document = config_export()
    entry = next(f for f in document["intake_forms"] if f["category"] == "appliance")
    assert [f["key"] for f in entry["fields"]] == [q["key"] for q in QUESTIONS]
    config_import(document=document)
    assert FormVersion.objects.filter(category=org["category"]).count() == 1

    entry["fields"][0]["label_en"] = "Service"
    config_import(document=document)
    versions = FormVersion.objects.filter(category=org["category"]).order_by("number")
    assert [(v.number, v.status) for v in versions] == [(1, "retired"), (2, "published")]


def test_the_staff_complaint_list_filters_on_answers_and_category(org, agent, form):
    assert post(agent, intake_data(org, **FULL)).status_code == 302
    assert post(agent, intake_data(org, **{**FULL, "answer_waited_min": "30"})).status_code == 302
    long_wait, short_wait = Complaint.objects.order_by("pk")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)
    url = "/workflow/flows/complaint/flows/"
    page = client.get(url, {"answer": "waited_min>60"}).content.decode()
    assert long_wait.reference in page and short_wait.reference not in page
    page = client.get(url, {"answer": "nosuchkey=1"}).content.decode()
    assert long_wait.reference not in page
    page = client.get(url, {"category": org["category"].pk}).content.decode()
    assert long_wait.reference in page and short_wait.reference in page


def test_custom_steps_can_test_form_answers_and_a_point_reads_them_only_then(org, agent, form):
    from complaints.models import CustomStep, Role
    from complaints.services.steps import custom_steps_start

    assert post(agent, intake_data(org, **FULL)).status_code == 302
    complaint = Complaint.objects.get()  # waited 150 minutes
    step = CustomStep.objects.create(
        code="waited",
        name_en="Waiting review",
        name_zh_hans="等待复核",
        point="after_verification",
        role=Role.objects.get(code="quality_engineer"),
        department=org["quality"],
    )
    step.conditions.create(field="form.waited_min", operator="gt", value="120")
    (run,) = custom_steps_start(complaint=complaint, point="after_verification", batch=1)
    assert run.step == step
    step.conditions.update(value="200")
    assert custom_steps_start(complaint=complaint, point="after_verification", batch=2) == []
    # A point whose conditions test no answer does not read them.
    step.conditions.update(field="priority", operator="eq", value=complaint.priority.code)
    with CaptureQueriesContext(connection) as captured:
        (run,) = custom_steps_start(complaint=complaint, point="after_verification", batch=3)
    assert not [q for q in captured if "complaints_answer" in q["sql"]]
