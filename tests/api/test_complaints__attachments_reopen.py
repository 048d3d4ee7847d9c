"""Attachments and reopen over the API, through the page's form and services (issue 23)."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints.choices import EventKind, Outcome, Stage
from complaints.models import Attachment
from complaints.services.stages import complaint_close
from tests.api.conftest import client_for
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_list_and_download_go_through_the_attachment_service(api_agent: Any, complaint_a: Any) -> None:
    url = f"/api/complaints/{complaint_a.pk}/attachments/"
    files = [
        SimpleUploadedFile("scratch.png", png(), content_type="image/png"),
        SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 receipt", content_type="application/pdf"),
    ]
    added = api_agent.post(url, {"attachments": files}, format="multipart")
    assert added.status_code == 201, added.content
    assert [row["name"] for row in added.json()] == ["scratch.png", "invoice.pdf"]
    assert complaint_a.events.filter(kind=EventKind.ATTACHMENT).count() == 2
    listed = api_agent.get(url).json()
    assert [row["name"] for row in listed] == ["scratch.png", "invoice.pdf"]
    pdf = api_agent.get(listed[1]["url"])
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content) == b"%PDF-1.4 receipt"
    assert pdf["Content-Type"] == "application/octet-stream" and pdf["X-Content-Type-Options"] == "nosniff"
    assert pdf["Content-Disposition"].startswith("attachment")


def test_a_file_whose_content_is_not_its_type_is_refused_with_a_pointer(api_agent: Any, complaint_a: Any) -> None:
    url = f"/api/complaints/{complaint_a.pk}/attachments/"
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00program", content_type="application/pdf")
    refused = api_agent.post(url, {"attachments": [fake]}, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "#/attachments"
    assert not Attachment.objects.exists()


def test_another_complaints_attachment_is_not_reachable_through_this_one(
    api_agent: Any, complaint_a: Any, org: dict[str, Any]
) -> None:
    from flows.driver import start_complaint
    from tests.conftest import intake_data

    other = start_complaint(user=api_agent_user(org), data=intake_data(org))
    stored = Attachment.objects.create(
        complaint=other, file=SimpleUploadedFile("b.pdf", b"%PDF-1.4"), name="b.pdf", size=8
    )
    assert api_agent.get(f"/api/complaints/{complaint_a.pk}/attachments/{stored.pk}/").status_code == 404


def api_agent_user(org: dict[str, Any]) -> Any:
    return make_user("agent_a2", org["store_a"], "agent")


def test_reopen_a_closed_complaint_with_the_customers_reason(api_agent: Any, complaint_a: Any, agent: Any) -> None:
    url = f"/api/complaints/{complaint_a.pk}/reopen/"
    still_open = api_agent.post(url, {"reason": "again"}, format="json")
    assert still_open.status_code == 403 and still_open["Content-Type"] == "application/problem+json"
    complaint_close(complaint=complaint_a, actor=agent)
    missing = api_agent.post(url, {"reason": ""}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["pointer"] == "#/reason"
    reopened = api_agent.post(url, {"reason": "The scratch came back."}, format="json")
    assert reopened.status_code == 200, reopened.content
    complaint_a.refresh_from_db()
    assert complaint_a.outcome == Outcome.OPEN and complaint_a.stage == Stage.CONTAINMENT
    assert complaint_a.events.get(kind=EventKind.REOPENED).note == "The scratch came back."


def test_a_colleague_who_is_not_handling_may_not_reopen(complaint_a: Any, agent: Any, org: dict[str, Any]) -> None:
    complaint_close(complaint=complaint_a, actor=agent)
    lead = client_for(make_user("lead_east", org["east"], "regional_lead"))
    refused = lead.post(f"/api/complaints/{complaint_a.pk}/reopen/", {"reason": "again"}, format="json")
    assert refused.status_code == 403
    complaint_a.refresh_from_db()
    assert complaint_a.outcome != Outcome.OPEN
