"""The complaint page's header: reference, customer, priority, level, stage, owner, and each open
clock with its time left (amber past the warning time, red when breached, paused while waiting)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Clock
from complaints.services.clocks import complaint_wait_for_customer
from tests.web.page_helpers import as_user, new_complaint, page

pytestmark = pytest.mark.django_db


def header(html: str) -> str:
    return html.split('id="rd-header"', 1)[1].split('id="rd-steps"', 1)[0]


def test_header_names_the_case_and_its_people(org, agent):
    complaint = new_complaint(org, agent)
    complaint.refresh_from_db()
    html = header(page(as_user(agent), complaint))
    assert complaint.reference in html
    assert "Zhou Wei" in html
    assert complaint.priority.code in html and str(complaint.level) in html
    assert complaint.get_stage_display() in html
    assert "agent_a" in html  # the case owner (full name = username in the tests)


def test_header_shows_each_open_clock_with_its_countdown(org, agent):
    complaint = new_complaint(org, agent)
    open_clocks = Clock.objects.filter(complaint=complaint, state__in=["running", "paused"])
    assert open_clocks.exists()
    html = header(page(as_user(agent), complaint))
    for clock in open_clocks:
        assert f'data-clock="{clock.kind}"' in html
        assert f'data-due="{clock.due_at.isoformat()}"' in html
    assert re.search(r"\d+[dhm].*left", html)
    assert 'id="rd-countdown-labels"' in html
    assert "redress/countdown.js" in page(as_user(agent), complaint)


def test_a_clock_past_its_warning_is_amber_and_a_missed_one_red(org, agent):
    complaint = new_complaint(org, agent)
    clocks = list(Clock.objects.filter(complaint=complaint, state="running").order_by("pk"))
    assert len(clocks) >= 2
    now = timezone.now()
    Clock.objects.filter(pk=clocks[0].pk).update(warn_at=now - timedelta(minutes=5), due_at=now + timedelta(hours=1))
    Clock.objects.filter(pk=clocks[1].pk).update(warn_at=now - timedelta(hours=2), due_at=now - timedelta(minutes=30))
    html = header(page(as_user(agent), complaint))
    assert f'rd-clock rd-clock--warn" data-clock="{clocks[0].kind}"' in html
    assert f'rd-clock rd-clock--breached" data-clock="{clocks[1].kind}"' in html
    assert "overdue by 30m" in html or "overdue by 29m" in html


def test_a_paused_clock_says_paused(org, agent):
    complaint = new_complaint(org, agent)
    complaint_wait_for_customer(complaint=complaint, actor=agent, reason="Photos of the scratch")
    paused = Clock.objects.get(complaint=complaint, state="paused")
    html = header(page(as_user(agent), complaint))
    assert f'rd-clock rd-clock--paused" data-clock="{paused.kind}"' in html
    assert 'data-paused="1"' in html
    assert "paused · " in html
