"""Staff see what the customer was sent and did, and can send a new link or a message; payloads in
the customer's fields stay inert on the staff page."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from complaints.choices import EventKind, NotificationEvent
from complaints.models import Complaint, ComplaintEvent, CustomerLink, Notification, PortalSettings
from tests.flows.test_flows__journey import register

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def portal(org: dict[str, Any]) -> PortalSettings:
    return PortalSettings.objects.create(
        receiving_department=org["store_a"],
        filings_per_address=3,
        filings_per_phone=2,
        filing_window_minutes=60,
        link_valid_days=30,
    )


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail(c: Complaint) -> str:
    return f"/workflow/flows/complaint/{c.pk}/"


def test_the_agent_sends_a_new_link_revoking_the_old_and_a_message(org, portal, agent):
    c = register(agent, org, customer_email="zhou@example.com", customer_name=XSS)
    assert CustomerLink.objects.filter(complaint=c).count() == 1  # sent with the registration message
    client = as_user(agent)
    response = client.post(
        reverse("workflow:flows:complaint:customer_link", args=[c.pk]), {"message": "Here it is.", "revoke_old": "on"}
    )
    assert response.status_code == 302
    assert CustomerLink.objects.filter(complaint=c, revoked_at__isnull=True).count() == 1
    assert CustomerLink.objects.filter(complaint=c, revoked_at__isnull=False).count() == 1
    response = client.post(reverse("workflow:flows:complaint:customer_message", args=[c.pk]), {"text": XSS})
    assert response.status_code == 302
    sent = Notification.objects.filter(complaint=c, event=NotificationEvent.CUSTOMER_MESSAGE)
    assert sent.count() == 2 and all(row.recipient is None for row in sent)
    page = client.get(detail(c)).content.decode()
    assert "The customer&#x27;s side" in page or "The customer's side" in page
    assert "zhou@example.com" in page
    assert "<script>alert" not in page


def test_someone_outside_the_case_cannot_send_the_customer_anything(org, portal, agent, agent_b):
    c = register(agent, org, customer_email="zhou@example.com")
    client = as_user(agent_b)
    assert (
        client.post(reverse("workflow:flows:complaint:customer_message", args=[c.pk]), {"text": "hi"}).status_code
        == 404
    )
    assert client.post(reverse("workflow:flows:complaint:customer_link", args=[c.pk]), {}).status_code == 404
    assert not Notification.objects.filter(complaint=c, event=NotificationEvent.CUSTOMER_MESSAGE).exists()
    assert not ComplaintEvent.objects.filter(complaint=c, kind=EventKind.LINK_REVOKED).exists()
