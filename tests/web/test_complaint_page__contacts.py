"""Logging a customer contact from the complaint page: what was said, what was promised and by
when; bad input is explained and stores nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import CustomerContact
from tests.conftest import FMT
from tests.web.page_helpers import as_user, new_complaint, page, page_url

pytestmark = pytest.mark.django_db


def later(hours):
    return (timezone.localtime() + timedelta(hours=hours)).strftime(FMT)


def log(user, complaint, **data):
    return as_user(user).post(page_url(complaint, "contact"), data)


def test_a_contact_with_a_promise_shows_in_the_card_and_the_timeline(org, agent):
    complaint = new_complaint(org, agent)
    before = CustomerContact.objects.filter(complaint=complaint).count()
    response = log(
        agent,
        complaint,
        channel="phone",
        summary="Explained the delay.",
        promise="Technician visit",
        promised_by=later(26),
    )
    assert response.status_code == 302
    contact = CustomerContact.objects.filter(complaint=complaint).latest("pk")
    assert CustomerContact.objects.filter(complaint=complaint).count() == before + 1
    assert (contact.channel, contact.summary, contact.promise, contact.by) == (
        "phone",
        "Explained the delay.",
        "Technician visit",
        agent,
    )
    html = page(as_user(agent), complaint)
    contacts = html.split('id="rd-contacts"', 1)[1]
    assert "Explained the delay." in contacts and "Technician visit" in contacts
    assert "Promised: Technician visit, by" in html.split('id="rd-timeline"', 1)[1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"channel": "phone", "summary": "   "}, "This field is required."),
        ({"channel": "phone", "summary": "Hi", "promise": "Refund"}, "Say by when it was promised."),
        ({"channel": "phone", "summary": "Hi", "promised_by": "LATER"}, "Write what was promised by that time."),
        ({"channel": "phone", "summary": "Hi", "promise": "Refund", "promised_by": "PAST"}, "already passed"),
        ({"channel": "regulator", "summary": "Hi"}, "Select a valid choice"),
    ],
)
def test_bad_contacts_are_explained_and_change_nothing(org, agent, data, message):
    complaint = new_complaint(org, agent)
    before = CustomerContact.objects.count()
    data = {k: later(5) if v == "LATER" else later(-2) if v == "PAST" else v for k, v in data.items()}
    response = log(agent, complaint, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CustomerContact.objects.count() == before


def test_someone_who_does_not_handle_the_case_cannot_log_contacts(org, agent, quality_engineer):
    complaint = new_complaint(org, agent)
    assert as_user(quality_engineer).get(page_url(complaint, "contact")).status_code == 404
