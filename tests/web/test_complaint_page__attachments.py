"""Attachments on the complaint page: images get a thumbnail and a preview, other files a link;
anyone who sees the complaint adds files within the admin's size and type limits."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints.models import Attachment, ProcessSettings
from tests.web.page_helpers import as_user, new_complaint, page, page_url

pytestmark = pytest.mark.django_db


def png(name="scratch.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def attach(user, complaint, *files):
    return as_user(user).post(page_url(complaint, "attach"), {"attachments": list(files)})


def test_an_image_gets_a_thumbnail_and_a_preview_a_document_a_link(org, agent):
    complaint = new_complaint(org, agent)
    response = attach(
        agent, complaint, png(), SimpleUploadedFile("invoice.pdf", b"%PDF-1.4", content_type="application/pdf")
    )
    assert response.status_code == 302
    image = Attachment.objects.get(complaint=complaint, name="scratch.png")
    full = page(as_user(agent), complaint)
    html = full.split('id="rd-attachments"', 1)[1]
    # the thumbnail opens a preview over the page (static/redress/preview.js); without
    # JavaScript the same link opens the original in a new tab
    assert (
        f'href="{image.get_absolute_url()}" target="_blank" rel="noopener" class="rd-attachment rd-attachment--image"'
        in html
    )
    assert f'data-preview="{image.get_absolute_url()}"' in html and f'<img src="{image.get_absolute_url()}"' in html
    assert "redress/preview.js" in full
    pdf = Attachment.objects.get(complaint=complaint, name="invoice.pdf")
    assert f'href="{pdf.get_absolute_url()}" target="_blank"' in html
    assert f'data-preview="{pdf.get_absolute_url()}"' not in html
    assert "Attached scratch.png." in page(as_user(agent), complaint)


def test_a_file_type_the_admin_does_not_allow_is_refused(org, agent):
    complaint = new_complaint(org, agent)
    response = attach(agent, complaint, SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream"))
    assert response.status_code == 200
    assert "exe" in response.content.decode()
    assert not Attachment.objects.filter(complaint=complaint, name="tool.exe").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),  # a program named .pdf
        ("report.docx", b"%PDF-1.4 a PDF named .docx"),
        ("notes.txt", b"\x7fELF\x02\x01\x01\x00"),
    ],
)
def test_a_file_whose_content_is_not_its_type_is_refused(org, agent, name, content):
    complaint = new_complaint(org, agent)
    response = attach(agent, complaint, SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert response.status_code == 200
    extension = name.rsplit(".", 1)[1]
    assert f"{name}: its content is not a .{extension} file, so it is not accepted." in response.content.decode()
    assert not Attachment.objects.filter(complaint=complaint).exists()


def test_a_type_the_admin_removed_is_refused_even_with_the_right_content(org, agent):
    ProcessSettings.objects.update(attachment_extensions="jpg,png")
    complaint = new_complaint(org, agent)
    response = attach(agent, complaint, SimpleUploadedFile("invoice.pdf", b"%PDF-1.4", content_type="application/pdf"))
    assert response.status_code == 200 and "not accepted" in response.content.decode()
    assert not Attachment.objects.filter(complaint=complaint).exists()


def test_a_file_above_the_admins_size_limit_is_refused(org, agent):
    ProcessSettings.objects.update(attachment_max_mb=1)
    complaint = new_complaint(org, agent)
    big = SimpleUploadedFile("big.pdf", b"0" * (1024 * 1024 + 1), content_type="application/pdf")
    response = attach(agent, complaint, big)
    assert response.status_code == 200
    assert not Attachment.objects.filter(complaint=complaint, name="big.pdf").exists()


def test_someone_outside_the_scope_cannot_attach(org, agent, agent_b):
    complaint = new_complaint(org, agent)
    assert attach(agent_b, complaint, png()).status_code == 404
    assert not Attachment.objects.filter(complaint=complaint).exists()
