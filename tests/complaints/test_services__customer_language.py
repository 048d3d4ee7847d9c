"""Messages to the customer are written in the customer's language (chosen at intake, the site's by
default), whatever language the staff who read about the case use."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, CustomerContact, Notification, UserPreference
from complaints.services.escalation import complaint_escalate
from flows import driver
from tests.conftest import intake_data

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%d %H:%M"


def filed(org: dict[str, Any], agent: Any, **overrides: Any) -> Complaint:
    overrides.setdefault("promised_response_at", (timezone.localtime() + timedelta(days=40)).strftime(FMT))
    return driver.start_complaint(user=agent, data=intake_data(org, **overrides))


def escalate(complaint: Complaint, agent: Any) -> tuple[str, CustomerContact, list[Notification]]:
    """Escalates by hand; returns the message to the customer, the contact row that records it and
    the staff notifications."""
    escalation = complaint_escalate(complaint=complaint, actor=agent, reason="customer_asked")
    contact = CustomerContact.objects.filter(complaint=complaint).latest("pk")
    return escalation.customer_message, contact, list(Notification.objects.filter(complaint=complaint))


def readers(language: str, *users: Any) -> None:
    for user in users:
        UserPreference.objects.create(user=user, language=language)


def test_an_english_customer_gets_the_english_message_while_chinese_staff_read_chinese(
    org, agent, regional_lead, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    readers("zh-hans", agent, regional_lead)
    complaint = filed(org, agent, customer_language="en")
    assert complaint.customer_language == "en"
    message, contact, notices = escalate(complaint, agent)
    assert message.startswith("Hello, your complaint") and complaint.reference in message
    assert contact.summary == message and contact.promise.startswith("Answer from")
    assert notices and all(n.subject.startswith("投诉") and "已升级" in n.body for n in notices)


def test_a_chinese_customer_gets_the_chinese_message_while_english_staff_read_english(
    org, agent, regional_lead, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    readers("en", agent, regional_lead)
    complaint = filed(org, agent, customer_language="zh-hans")
    message, contact, notices = escalate(complaint, agent)
    assert "Hello" not in message and "投诉" in message and complaint.reference in message
    assert contact.summary == message and not contact.promise.startswith("Answer from")
    assert notices and all("投诉" not in n.subject and complaint.reference in n.subject for n in notices)


def test_the_customer_reads_the_site_language_unless_intake_says_otherwise(org, agent, client, settings):
    settings.LANGUAGE_CODE = "en"
    complaint = filed(org, agent)
    assert complaint.customer_language == "en"
    client.force_login(agent)
    page = client.get(reverse("workflow:flows:complaint:process_detail", args=[complaint.pk])).content.decode()
    assert 'language">English</span>' in page
