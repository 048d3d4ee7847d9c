"""The intake page refuses bad input with field errors and stores nothing."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from complaints.models import Attachment, Complaint, ComplaintEvent
from complaints.selectors.common import process_settings
from tests.conftest import FMT, START_URL, intake_data


def post(user, data):
    client = Client()
    client.force_login(user)
    return client.post(START_URL, data)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"customer_phone": ""}, "customer_phone", "A phone number is needed"),
        ({"customer_phone": "12345"}, "customer_phone", "Enter a valid phone number"),
        ({"customer_phone": "not a phone"}, "customer_phone", "Enter a valid phone number"),
        ({"requested_amount": "-5"}, "requested_amount", "greater than or equal to 0"),
        (
            {"promised_response_at": (timezone.localtime() - timedelta(hours=1)).strftime(FMT)},
            "promised_response_at",
            "already passed",
        ),
        ({"promised_response_at": ""}, "promised_response_at", "This field is required"),
        ({"customer_name": ""}, "customer_name", "This field is required"),
        ({"demand": "free-car"}, "demand", "Select a valid choice"),
        ({"customer_name": "x" * 101}, "customer_name", "at most 100 characters"),
    ],
)
def test_bad_intake_is_refused_with_a_field_error_and_nothing_stored(org, agent, overrides, field, message):
    response = post(agent, intake_data(org, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert Complaint.objects.count() == 0 and ComplaintEvent.objects.count() == 0


def test_an_agent_cannot_register_for_a_department_they_do_not_work_in(org, agent):
    response = post(agent, intake_data(org, department=str(org["store_b"].pk)))
    assert response.status_code == 200 and "department" in response.context["form"].errors
    assert Complaint.objects.count() == 0


def test_phone_is_stored_in_international_form(org, agent):
    assert post(agent, intake_data(org, customer_phone="138 0013 8000")).status_code == 302
    assert Complaint.objects.get().customer_phone == "+8613800138000"


def test_photo_is_stored_with_the_complaint(org, agent):
    data = intake_data(org)
    data["attachments"] = [SimpleUploadedFile("scratch.png", png_bytes(), content_type="image/png")]
    assert post(agent, data).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "scratch.png" and attachment.is_image and attachment.size > 0


BAD_UPLOADS = {
    "exe": (("setup.exe", b"MZ\x90\x00", "application/octet-stream"), "not accepted"),
    "script-as-photo": (("photo.jpg", b"<script>alert(1)</script>", "image/jpeg"), "not a readable image"),
    "too-big": (("big.pdf", b"%PDF" + b"0" * (2 * 1024 * 1024), "application/pdf"), "larger than 1 MB"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_bad_attachment_is_refused_and_nothing_stored(org, agent, case):
    (name, content, content_type), message = BAD_UPLOADS[case]
    config = process_settings()
    config.attachment_max_mb = 1
    config.save()
    data = intake_data(org)
    data["attachments"] = [SimpleUploadedFile(name, content, content_type=content_type)]
    response = post(agent, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["attachments"])
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0


def test_script_in_the_customers_words_is_stored_as_text_and_shown_escaped(org, agent):
    assert post(agent, intake_data(org, customer_words="<script>alert('x')</script>")).status_code == 302
    complaint = Complaint.objects.get()
    client = Client()
    client.force_login(agent)
    page = client.get(f"/workflow/flows/complaint/{complaint.pk}/").content.decode()
    assert "<script>alert('x')</script>" not in page and "&lt;script&gt;" in page


def test_references_count_up_within_a_year(org, agent):
    for _ in range(3):
        assert post(agent, intake_data(org)).status_code == 302
    numbers = sorted(Complaint.objects.values_list("reference", flat=True))
    year = timezone.localtime().year
    first = int(numbers[0].rsplit("-", 1)[1])  # numbers are not reset between tests (a sequence)
    assert numbers == [f"C-{year}-{n:06d}" for n in range(first, first + 3)]
