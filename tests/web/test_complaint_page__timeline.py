"""The timeline: everything that happened, newest first, told as sentences, filterable by kind
(plain links, so it works without JavaScript), at a constant query cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.choices import EventKind
from complaints.services.events import event_record
from complaints.services.notes import note_add
from complaints.services.notify import notify_event
from complaints.services.stages import contact_log
from tests.web.page_helpers import as_user, new_complaint, page, page_url

pytestmark = pytest.mark.django_db


def timeline(html: str) -> str:
    return html.split('id="rd-timeline"', 1)[1].split('id="rd-contacts"', 1)[0]


def kinds(html: str) -> list[str]:
    import re

    return re.findall(r'data-kind="([a-z_0-9]+)"', timeline(html))


def test_newest_first_with_task_life_and_intake(org, agent):
    complaint = new_complaint(org, agent)
    note_add(complaint=complaint, author=agent, text="First note")
    note_add(complaint=complaint, author=agent, text="Second note")
    shown = kinds(page(as_user(agent), complaint))
    assert shown[:2] == ["note", "note"]
    html = timeline(page(as_user(agent), complaint))
    assert html.index("Second note") < html.index("First note")
    assert {"registered", "triaged", "task_created"} <= set(shown)
    assert shown[-1] == "registered"
    assert "Task “First response” created" in html


def test_each_kind_reads_as_a_sentence(org, agent, quality_engineer, django_capture_on_commit_callbacks):
    complaint = new_complaint(org, agent)
    contact_log(
        complaint=complaint,
        actor=agent,
        channel="phone",
        summary="Customer wants a new door.",
        promise="Send a technician",
        promised_by=complaint.received_at + __import__("datetime").timedelta(days=3),
    )
    agent.email = "agent@example.com"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify_event(event="escalation", complaint=complaint, occasion="test", recipients=[agent])
    event_record(
        complaint=complaint,
        kind=EventKind.ESCALATED,
        actor=agent,
        old={"level": "L1 Store"},
        new={"level": "L2 Region", "reason": "customer_asked", "trigger": "manual"},
        note="Wants the region.",
    )
    event_record(
        complaint=complaint, kind="capa_verified", new={"status": "effective", "action": 7}, old={"status": "done"}
    )
    html = timeline(page(as_user(agent), complaint))
    assert "Contact with the customer by Phone / hotline. Promised: Send a technician, by" in html
    assert "Customer wants a new door." in html
    assert "sent to agent@example.com at" in html
    assert "Escalated from L1 Store to L2 Region because: The customer asked for a higher level (By hand)." in html
    # a kind this page does not know yet: its title is its code, its values are listed old → new
    assert "status:</span> done → effective" in html
    assert 'data-group="quality" data-kind="capa_verified"' in html


def test_filter_chips_are_links_that_narrow_the_timeline(org, agent):
    complaint = new_complaint(org, agent)
    note_add(complaint=complaint, author=agent, text="Only me")
    client = as_user(agent)
    everything = page(client, complaint)
    assert 'href="?show=notes#rd-timeline"' in everything  # a chip shows only its kind
    notes_only = page(client, complaint, "?show=notes")
    assert set(kinds(notes_only)) == {"note"}
    assert 'href="?show=notes&amp;show=tasks#rd-timeline"' in notes_only or "show=tasks" in notes_only
    two = page(client, complaint, "?show=notes&show=tasks")
    assert set(kinds(two)) == {"note", "task_created", "auto_assigned"}  # the first response went to its owner
    # an unknown group in a stale link shows everything rather than failing
    assert "registered" in kinds(page(client, complaint, "?show=bogus"))


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_events(complaint, agent, count):
    for number in range(count):
        event_record(complaint=complaint, kind=EventKind.NOTE, actor=agent, new={"note": number}, note=f"n{number}")
        contact_log(complaint=complaint, actor=agent, channel="sms", summary=f"Message {number}")


def test_page_costs_the_same_with_5_and_50_events(org, agent):
    complaint = new_complaint(org, agent)
    client = as_user(agent)
    client.get(page_url(complaint))  # the session keeps the last page viewed: written on the first visit only
    add_events(complaint, agent, 5)
    few = queries(client, page_url(complaint))
    add_events(complaint, agent, 45)
    assert complaint.events.count() > 100
    many = queries(client, page_url(complaint))
    assert many == few, (few, many)
    # the page's budget (tests/flows/test_queries.py): +2 the customer card's appeal, +1 custom steps
    assert few <= 48
