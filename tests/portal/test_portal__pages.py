"""The customer's pages: the public form (limits, honeypot, staff-only questions), the tracking link
(tampered, expired, revoked, two customers), adding information, and the messages the customer gets."""

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from complaints.choices import Channel, EventKind, FieldKind, FormStatus, NotificationEvent
from complaints.models import (
    Complaint,
    ComplaintEvent,
    CustomerLink,
    FormField,
    FormVersion,
    Notification,
    PortalSettings,
    PublicFiling,
)
from complaints.services.customer import customer_link_issue, customer_links_revoke, customer_message_send
from complaints.services.escalation import complaint_escalate

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def portal(org: dict[str, Any]) -> PortalSettings:
    return PortalSettings.objects.create(
        receiving_department=org["store_a"],
        filings_per_address=3,
        filings_per_phone=2,
        filing_window_minutes=60,
        link_valid_days=30,
    )


def form_data(org: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = {
        "customer_name": "Li Na",
        "customer_phone": "13800138000",
        "customer_email": "li.na@example.com",
        "customer_language": "en",
        "category": str(org["category"].pk),
        "customer_words": "The washing machine leaks.",
        "demand": "repair",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def file(client: Any, org: dict[str, Any], address: str = "10.0.0.1", **overrides: Any) -> Any:
    return client.post(reverse("portal:new"), form_data(org, **overrides), REMOTE_ADDR=address)


def token_of(response: Any) -> str:
    match = re.search(r"/customer/t/([^/]+)/", response["Location"])
    assert match, response
    return match.group(1)


def test_a_customer_files_online_and_lands_on_their_tracking_page(
    client, org, portal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = file(client, org)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.WEB
    assert complaint.reference and complaint.level is not None  # triage ran
    assert complaint.promised_response_at is not None  # a concrete time, never "soon"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert complaint.reference in page.content.decode()
    # The registration message went out by e-mail with the reference, a link and the time.
    sent = [m for m in mailoutbox if complaint.reference in m.subject]
    assert len(sent) == 1
    assert "/customer/t/" in sent[0].body
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.NOTIFIED).exists()


def test_the_page_offers_english_and_chinese(client, org, portal):
    assert "File a complaint" in client.get(reverse("portal:new") + "?lang=en").content.decode()
    assert "投诉" in client.get(reverse("portal:new") + "?lang=zh-hans").content.decode()


def test_the_form_says_when_online_filing_is_not_open_and_stores_nothing(client, org):
    response = file(client, org)
    assert response.status_code == 429
    assert Complaint.objects.filter(reference__isnull=False).count() == 0


def test_a_filled_honeypot_is_refused_and_stores_nothing(client, org, portal):
    response = file(client, org, website="http://spam.example")
    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert Complaint.objects.filter(reference__isnull=False).count() == 0


def test_one_phone_number_may_file_the_admins_number_within_the_window(client, org, portal):
    assert file(client, org, address="10.0.0.1").status_code == 302
    assert file(client, org, address="10.0.0.2").status_code == 302
    refused = file(client, org, address="10.0.0.3")
    assert refused.status_code == 429
    assert "this phone number" in refused.content.decode()
    assert PublicFiling.objects.count() == 2
    assert Complaint.objects.filter(reference__isnull=False).count() == 2
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert file(client, org, address="10.0.0.3").status_code == 302


def test_one_address_may_file_the_admins_number_within_the_window(client, org, portal):
    for phone in ("13800138001", "13800138002", "13800138003"):
        assert file(client, org, customer_phone=phone).status_code == 302
    refused = file(client, org, customer_phone="13800138004")
    assert refused.status_code == 429
    assert "network" in refused.content.decode()
    assert Complaint.objects.filter(reference__isnull=False).count() == 3


def test_a_staff_only_question_is_not_asked_of_the_customer(client, org, portal):
    version = FormVersion.objects.create(category=org["category"], number=1, status=FormStatus.PUBLISHED)
    FormField.objects.create(version=version, key="model_code", kind=FieldKind.SHORT_TEXT, label_en="Model code")
    FormField.objects.create(
        version=version, key="internal_grade", kind=FieldKind.SHORT_TEXT, label_en="Internal grade", staff_only=True
    )
    page = client.get(reverse("portal:new") + f"?category={org['category'].pk}&lang=en").content.decode()
    assert "Model code" in page
    assert "Internal grade" not in page


def test_tampered_unknown_expired_and_revoked_links_say_so_politely(client, org, portal, agent):
    token = token_of(file(client, org))
    assert client.get(reverse("portal:track", args=[token])).status_code == 200
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("portal:track", args=[tampered])).status_code == 404
    assert client.get(reverse("portal:track", args=["nothing"])).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        expired = client.get(reverse("portal:track", args=[token]) + "?lang=en")
        assert expired.status_code == 410
        assert "expired" in expired.content.decode()
    complaint = Complaint.objects.get()
    complaint.owner = agent
    complaint.save(update_fields=["owner"])
    assert customer_links_revoke(complaint=complaint, actor=agent) >= 1
    revoked = client.get(reverse("portal:track", args=[token]) + "?lang=en")
    assert revoked.status_code == 410
    assert "no longer in use" in revoked.content.decode()


def test_only_the_hash_of_a_link_is_stored(client, org, portal):
    token = token_of(file(client, org))
    assert not CustomerLink.objects.filter(token_hash__contains=token.split(":")[0]).exists()


def test_one_customers_link_never_shows_another_customers_complaint(client, org, portal):
    first = token_of(file(client, org, customer_name="Customer One", customer_phone="13800138011"))
    second = token_of(file(client, org, address="10.0.0.9", customer_name="Customer Two", customer_phone="13800138022"))
    one, two = Complaint.objects.order_by("pk")
    page = client.get(reverse("portal:track", args=[first])).content.decode()
    assert one.reference in page and two.reference not in page
    added = client.post(reverse("portal:track", args=[second]), {"text": "for complaint two"})
    assert added.status_code == 302
    assert ComplaintEvent.objects.filter(complaint=two, kind=EventKind.CUSTOMER_ADDED).count() == 1
    assert not ComplaintEvent.objects.filter(complaint=one, kind=EventKind.CUSTOMER_ADDED).exists()


def test_the_customer_adds_information_that_reaches_the_timeline_and_the_owner(client, org, portal, agent):
    token = token_of(file(client, org))
    complaint = Complaint.objects.get()
    complaint.owner = agent
    complaint.save(update_fields=["owner"])
    response = client.post(reverse("portal:track", args=[token]), {"text": "The leak got worse."})
    assert response.status_code == 302
    event = ComplaintEvent.objects.get(complaint=complaint, kind=EventKind.CUSTOMER_ADDED)
    assert event.note == "The leak got worse."
    assert Notification.objects.filter(complaint=complaint, event=NotificationEvent.CUSTOMER_ADDED, recipient=agent)


def test_the_tracking_page_shows_no_internal_notes_or_staff_contacts(client, org, portal, agent):
    token = token_of(file(client, org))
    complaint = Complaint.objects.get()
    ComplaintEvent.objects.create(complaint=complaint, kind=EventKind.NOTE, note="INTERNAL: customer is difficult")
    page = client.get(reverse("portal:track", args=[token])).content.decode()
    assert "INTERNAL" not in page
    assert "agent_a" not in page


def test_xss_in_every_public_field_is_inert_on_the_customer_page_and_in_messages(client, org, portal, mailoutbox):
    token = token_of(file(client, org, customer_name=XSS, customer_words=XSS, demand_detail=XSS, product_model="x"))
    client.post(reverse("portal:track", args=[token]), {"text": XSS})
    page = client.get(reverse("portal:track", args=[token])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert all("<script>" not in (m.alternatives or "") for m in mailoutbox)  # plain-text mail only


def test_an_escalation_and_a_free_message_reach_the_customer(
    client, org, portal, agent, mailoutbox, django_capture_on_commit_callbacks
):
    file(client, org)
    complaint = Complaint.objects.get()
    complaint.owner = agent
    complaint.save(update_fields=["owner"])
    complaint_escalate(complaint=complaint, actor=agent, reason="customer_asked")
    assert Notification.objects.filter(complaint=complaint, event=NotificationEvent.CUSTOMER_UPDATE, recipient=None)
    with django_capture_on_commit_callbacks(execute=True):
        customer_message_send(complaint=complaint, actor=agent, text="We ordered the part.")
    message = Notification.objects.get(complaint=complaint, event=NotificationEvent.CUSTOMER_MESSAGE)
    assert "We ordered the part." in message.body
    assert message.sent_at is not None
    assert message.address == "li.na@example.com"


def test_a_new_link_can_be_issued_and_works(org, portal, client):
    file(client, org)
    token = customer_link_issue(complaint=Complaint.objects.get())
    assert client.get(reverse("portal:track", args=[token])).status_code == 200
