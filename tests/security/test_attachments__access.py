"""Attachments are served only to whoever may see their complaint, as downloads that a browser
never runs; images are re-encoded on upload and stored under names nobody can guess."""

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints.services.attachments import attachment_add
from tests.security.conftest import client_as


def jpeg_with_metadata() -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "GPS secret place"  # ImageDescription
    Image.new("RGB", (4, 4), "red").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue() + b"<script>alert(1)</script>"


def test_an_attachment_is_served_to_its_complaints_readers_only(world: dict[str, Any]) -> None:
    a, users = world["a"], world["users"]
    attachment = a.objects["attachment"]
    url = attachment.get_absolute_url()
    response = client_as(users["agent"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"receipt of Alpha Qian"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    for persona in (users["agent_b"], users["outsider"], users["staff_b"]):
        assert client_as(persona).get(url).status_code in (403, 404)
    assert client_as(None).get(url).status_code == 302
    # Under another complaint's address (one agent_b may see): still refused.
    other = f"/workflow/flows/complaint/{world['b'].complaint.pk}/attachments/{attachment.pk}/"
    assert client_as(users["agent_b"]).get(other).status_code == 404
    # No public path: the media URL serves nothing, and the stored name is not the uploaded one.
    assert client_as(users["agent"]).get("/media/" + attachment.file.name).status_code == 404
    assert "receipt" not in attachment.file.name


def test_svg_and_html_are_downloads_and_images_are_reencoded(world: dict[str, Any]) -> None:
    a, users = world["a"], world["users"]
    agent = users["agent"]
    svg = attachment_add(
        complaint=a.complaint,
        upload=SimpleUploadedFile("x.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml"),
        actor=agent,
    )
    response = client_as(agent).get(svg.get_absolute_url())
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    fake = attachment_add(
        complaint=a.complaint,
        upload=SimpleUploadedFile("fake.png", b"<html><script>alert(1)</script>", content_type="image/png"),
        actor=agent,
    )
    assert client_as(agent).get(fake.get_absolute_url())["Content-Disposition"].startswith("attachment;")
    photo = attachment_add(
        complaint=a.complaint,
        upload=SimpleUploadedFile("photo.jpg", jpeg_with_metadata(), content_type="image/jpeg"),
        actor=agent,
    )
    stored = photo.file.open("rb").read()
    assert b"GPS secret place" not in stored and b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).format == "JPEG"
    response = client_as(agent).get(photo.get_absolute_url())
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
