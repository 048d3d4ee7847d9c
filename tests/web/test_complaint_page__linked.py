"""Linked complaints: the original and its duplicates both ways, and the same customer's other
complaints, each shown only to readers who may see it."""

import pytest

from complaints.models import Complaint
from tests.web.page_helpers import as_user, new_complaint, page

pytestmark = pytest.mark.django_db


def linked(html):
    return html.split('id="rd-linked"', 1)[1].split("</ul>", 1)[0] if 'id="rd-linked"' in html else ""


def test_duplicates_link_both_ways_and_the_same_customer_shows(org, agent):
    original = new_complaint(org, agent)
    duplicate = new_complaint(org, agent)
    other_customer = new_complaint(org, agent, customer_phone="13900139000", customer_name="Li Na")
    Complaint.objects.filter(pk=duplicate.pk).update(duplicate_of=original)
    client = as_user(agent)
    on_duplicate = linked(page(client, duplicate))
    assert "Duplicate of" in on_duplicate and original.reference in on_duplicate
    on_original = linked(page(client, original))
    assert "Its duplicate" in on_original and duplicate.reference in on_original
    assert other_customer.reference not in on_original
    on_other = page(client, other_customer)
    assert linked(on_other) == ""


def test_the_same_customers_complaints_elsewhere_stay_hidden(org, agent, agent_b, regional_lead):
    mine = new_complaint(org, agent)
    theirs = new_complaint(org, agent_b, department=str(org["store_b"].pk))
    assert theirs.customer_phone == mine.customer_phone
    assert theirs.reference not in linked(page(as_user(agent), mine))
    # the region sees both stores, so both complaints are linked for its lead
    seen_by_lead = linked(page(as_user(regional_lead), mine))
    assert "Same customer" in seen_by_lead and theirs.reference in seen_by_lead
