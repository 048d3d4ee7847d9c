"""Issue 21's XSS line: hostile text in every public field (the customer's form, adding
information, confirmation, survey) stays inert on the customer's page, the staff pages (complaint
page and its customer card, inbox, admin) and in the messages: plain-text e-mails (the customer's
and the owner's) and the text message through the signed webhook gateway, a JSON string."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from complaints.models import Complaint, Notification, PortalSettings
from tests.complaints.test_services__notify_channels import Gateway, gateway, sms_channel
from tests.security.test_hardening__xss import PAYLOADS, assert_inert, client_of
from tests.web.page_helpers import page_url

pytestmark = pytest.mark.django_db
gateway = gateway  # the local gateway fixture (a test HTTP server that records what it receives)

# The customer's form fields, each with a payload its field accepts.
PUBLIC = {
    "customer_name": PAYLOADS["customer_name"],
    "product_model": PAYLOADS["product_model"],
    "order_number": PAYLOADS["order_number"],
    "batch_number": "<svg onload=alert(8)>",
    "plate_or_vin": "<img src=x>",
    "occurred_place": PAYLOADS["occurred_place"],
    "customer_words": PAYLOADS["customer_words"],
    "demand_detail": PAYLOADS["demand_detail"],
}
ADDED = "<iframe src=javascript:alert(6)></iframe> and {{ 7*7 }}"


@pytest.fixture
def filed(client, org, agent, gateway, mailoutbox, django_capture_on_commit_callbacks) -> tuple[Complaint, str]:
    PortalSettings.objects.create(
        receiving_department=org["store_a"],
        filings_per_address=3,
        filings_per_phone=3,
        filing_window_minutes=60,
        link_valid_days=30,
        customer_channel=sms_channel(gateway),
    )
    data = {
        "customer_phone": "13800138000",
        "customer_email": "li.na@example.com",
        "customer_language": "en",
        "category": str(org["category"].pk),
        "demand": "repair",
        "website": "",
        **PUBLIC,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:new"), data, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302, response.content.decode()[:2000]
    token = re.search(r"/customer/t/([^/]+)/", response["Location"]).group(1)  # type: ignore[union-attr]
    complaint = Complaint.objects.get()
    complaint.owner = agent
    complaint.save(update_fields=["owner"])
    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("portal:track", args=[token]), {"text": ADDED}).status_code == 302
    return complaint, token


def test_the_public_fields_are_stored_as_written(filed):
    complaint, _token = filed
    assert complaint.product_model == PUBLIC["product_model"] and complaint.customer_words == PUBLIC["customer_words"]


def test_the_customers_page_shows_the_payloads_as_text(client, filed):
    _complaint, token = filed
    html = client.get(reverse("portal:track", args=[token])).content.decode()
    assert_inert(html, "tracking page")
    assert "&lt;iframe src=javascript:alert(6)&gt;" in html  # the added information, shown as written


def test_the_staff_pages_show_the_public_payloads_as_text(filed, agent):
    complaint, _token = filed
    admin = get_user_model().objects.create_superuser(username="xss_root", password="x", email="r@example.com")
    for user, urls in {
        agent: [page_url(complaint), "/workflow/inbox/", "/workflow/cases/?q=Zhou"],
        admin: [
            page_url(complaint),
            reverse("admin:complaints_complaint_changelist"),
            reverse("admin:complaints_complaint_change", args=[complaint.pk]),
            reverse("admin:complaints_notification_changelist"),
            *(
                reverse("admin:complaints_notification_change", args=[row.pk])
                for row in Notification.objects.filter(complaint=complaint)
            ),
        ],
    }.items():
        client = client_of(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert_inert(response.content.decode(), url)
    card = client_of(agent).get(page_url(complaint)).content.decode()
    assert "&lt;iframe src=javascript:alert(6)&gt;" in card  # what the customer added, on the staff page


def test_the_messages_carry_the_payloads_as_plain_text_and_the_gateway_as_a_json_string(filed, mailoutbox):
    complaint, _token = filed
    assert mailoutbox, "the registration and the owner's notice went out by e-mail"
    for message in mailoutbox:
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", None)
        assert "\n" not in message.subject and "\r" not in message.subject and not message.bcc
    owners = [m for m in mailoutbox if "agent@example.com" in m.to]
    assert owners and any("7*7" not in m.body or "{{ 7*7 }}" in m.body for m in owners)
    # The customer's registration text message went through the signed gateway.
    assert Gateway.received
    for body, headers in Gateway.received:
        stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
        assert headers["webhook-signature"] == Webhook(b"s3cret").sign(
            msg_id=headers["webhook-id"], timestamp=stamp, data=body.decode()
        )
        payload = json.loads(body)
        assert isinstance(payload["body"], str) and payload["reference"] == complaint.reference
        assert "{{" not in payload["body"] or "{{ 7*7 }}" in payload["body"]  # no template evaluated
    texts = " ".join(json.loads(body)["body"] for body, _headers in Gateway.received)
    assert PUBLIC["customer_name"].replace("\u202e", "") in texts or complaint.reference in texts
