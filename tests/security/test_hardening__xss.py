"""An XSS corpus through every text input of a complaint (intake, contact log, analysis, actions)
rendered wherever it shows: the complaint page, the lists, the admin and its preview, the 8D
report and PDF, the e-mails and the export. Markup stays text, no script or handler survives,
template syntax is not evaluated, direction overrides are gone."""

import re
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.choices import ActionKind
from complaints.models import Complaint, Notification
from complaints.selectors.export import complaint_table
from complaints.services import quality
from complaints.services.stages import contact_log
from flows import driver
from tests.conftest import FLOW, FMT, intake_data
from tests.web.page_helpers import page_url

# One payload per input; each is allowed by its field (lengths), so the complaint registers.
PAYLOADS = {
    "customer_name": "<script>alert('n')</script>Zhou\u202egnp.exe😀",
    "contact_person": "<img src=x onerror=alert(1)>",
    "product_model": "<svg onload=alert(2)>",
    "order_number": "javascript:alert(3)",
    "occurred_place": "{{ 7*7 }}{% now 'Y' %}",
    "customer_words": '"><script>alert(4)</script><a href="javascript:alert(5)">x</a>\r\nBcc: spy@example.com',
    "handler_understanding": "<iframe src=javascript:alert(6)></iframe>",
    "demand_detail": "' onmouseover='alert(7)' x='",
}
# What must never appear in a page as live markup.
LIVE = [
    "<script>alert",
    "<img src=x",
    "<svg onload",
    "<iframe src=javascript",
    'href="javascript:alert',
    "onmouseover='alert",
    "\u202e",
]


def assert_inert(html: str, where: str) -> None:
    for live in LIVE:
        assert live not in html, f"{where}: {live!r} is live"
    # Template syntax is shown as written, never evaluated.
    assert "7*7" not in html or "{{ 7*7 }}" in html, where


@pytest.fixture
def hostile(org: dict[str, Any], agent: Any, quality_engineer: Any) -> Complaint:
    complaint = driver.start_complaint(user=agent, data=intake_data(org, **PAYLOADS))
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)
    first = {"channel": "phone", "summary": PAYLOADS["customer_words"], "promise": "<b>x</b>", "promised_by": later}
    driver.complete_step(complaint=complaint, node=FLOW.first_response, user=agent, data=first)
    driver.complete_step(complaint=complaint, node=FLOW.verification, user=quality_engineer, data={"outcome": "valid"})
    complaint.refresh_from_db()
    contact_log(complaint=complaint, actor=agent, channel="phone", summary=PAYLOADS["contact_person"])
    quality.action_plan(
        complaint=complaint, actor=quality_engineer, kind=ActionKind.TEMPORARY, description=PAYLOADS["product_model"]
    )
    return complaint


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_payloads_are_stored_as_text_without_direction_overrides(hostile):
    assert hostile.customer_name == "<script>alert('n')</script>Zhougnp.exe😀"
    assert hostile.contact_person == PAYLOADS["contact_person"]


def test_the_complaint_page_lists_and_8d_show_the_payloads_as_text(hostile, agent, regional_lead):
    client = client_of(agent)
    pages = {
        "complaint page": page_url(hostile),
        "8D report": reverse("workflow:flows:complaint:eight_d", args=[hostile.pk]),
        "inbox": "/workflow/inbox/",
        "archive": "/workflow/archive/",
        "process list": "/workflow/flows/complaint/flows/",
        "cases": "/workflow/cases/?q=Zhou",
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_inert(response.content.decode(), where)
    text = client.get(page_url(hostile)).content.decode()
    assert "&lt;script&gt;alert(" in text and "&lt;svg onload=alert(2)&gt;" in text
    assert_inert(client_of(regional_lead).get("/workflow/queue/").content.decode(), "queue")


def test_the_admin_shows_the_payloads_as_text(hostile):
    admin = get_user_model().objects.create_superuser(username="xss_admin", password="x", email="x@example.com")
    client = client_of(admin)
    for url in (
        reverse("admin:complaints_complaint_changelist"),
        reverse("admin:complaints_complaint_change", args=[hostile.pk]),
        reverse("admin:complaints_notification_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)


def test_the_8d_pdf_carries_the_payloads_as_plain_text(hostile, agent):
    from pypdf import PdfReader

    response = client_of(agent).get(reverse("workflow:flows:complaint:eight_d_pdf", args=[hostile.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    assert "<svgonload=alert(2)>" in text  # shown, as written, never interpreted


def test_mails_and_exports_keep_the_payloads_inert(hostile):
    mail.outbox.clear()
    from complaints.services.notify import notification_send

    row = Notification.objects.create(
        key="xss",
        event="p0",
        complaint=hostile,
        address="a@example.com",
        subject=f"P0 {hostile.customer_name} {PAYLOADS['customer_words']}",
        body=hostile.customer_words,
    )
    notification_send(notification_id=row.pk)
    sent = mail.outbox[-1]
    assert "\n" not in sent.subject and "\r" not in sent.subject and not sent.bcc
    assert sent.content_subtype == "plain"  # the body is text, never HTML
    headers, rows = complaint_table(Complaint.objects.filter(pk=hostile.pk), language="en")
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in [*headers, *next(rows)])
