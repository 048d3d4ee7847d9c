"""The customer confirms the resolution and answers the follow-up survey through their link; each
answer completes the process step the agent's task would (the agent's task stays for phone cases)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from viewflow.workflow import PROCESS, STATUS

from complaints.choices import EventKind, NotificationEvent, Outcome, Stage
from complaints.models import Complaint, Notification, PortalSettings
from complaints.services.customer import customer_link_issue
from complaints.services.timers import workflow_timers_fire
from tests.conftest import FLOW, open_task
from tests.flows.test_flows__journey import (
    contain_and_analyse,
    first_response,
    permanent_and_verified,
    register,
    verify,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(org: dict[str, Any]) -> PortalSettings:
    return PortalSettings.objects.create(
        receiving_department=org["store_a"],
        filings_per_address=3,
        filings_per_phone=2,
        filing_window_minutes=60,
        link_valid_days=30,
    )


def at_confirmation(org: dict[str, Any], agent: Any, quality: Any) -> Complaint:
    c = register(agent, org, customer_email="zhou@example.com")
    first_response(agent, c)
    verify(quality, c)
    contain_and_analyse(agent, quality, c)
    permanent_and_verified(quality, c)
    c.refresh_from_db()
    assert c.stage == Stage.CUSTOMER_CONFIRMATION
    return c


def test_not_yet_by_link_sends_the_case_back_to_containment_with_the_reason(
    client, org, portal, agent, quality_engineer
):
    c = at_confirmation(org, agent, quality_engineer)
    assert Notification.objects.filter(complaint=c, event=NotificationEvent.CUSTOMER_CONFIRM, recipient=None).exists()
    token = customer_link_issue(complaint=c)
    page = client.get(reverse("portal:track", args=[token]) + "?lang=en").content.decode()
    assert "No corner guards." in page  # the explanation: the cause and what was done
    refused = client.post(reverse("portal:confirm", args=[token]), {"resolved": "no", "reason": ""})
    assert refused.status_code == 400
    c.refresh_from_db()
    assert c.stage == Stage.CUSTOMER_CONFIRMATION and c.rework_round == 0
    response = client.post(reverse("portal:confirm", args=[token]), {"resolved": "no", "reason": "Still scratched."})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.rework_round == 1 and c.stage == Stage.CONTAINMENT and c.outcome == Outcome.OPEN
    assert c.events.filter(kind=EventKind.CONFIRMATION, note="Still scratched.").exists()
    assert open_task(c, FLOW.containment).status == STATUS.NEW


def test_resolved_by_link_closes_and_the_survey_completes_the_follow_up(client, org, portal, agent, quality_engineer):
    c = at_confirmation(org, agent, quality_engineer)
    token = customer_link_issue(complaint=c)
    assert client.post(reverse("portal:confirm", args=[token]), {"resolved": "yes"}).status_code == 302
    c.refresh_from_db()
    assert c.stage == Stage.CLOSED and c.outcome == Outcome.RESOLVED
    assert Notification.objects.filter(complaint=c, event=NotificationEvent.CUSTOMER_CLOSED, recipient=None).exists()
    # Answering again changes nothing.
    again = client.post(reverse("portal:confirm", args=[token]), {"resolved": "no", "reason": "x"})
    assert again.status_code == 400
    # Before the admin's time the survey is not offered; then it is sent and answered by link.
    refused = client.post(reverse("portal:survey", args=[token]), {"satisfaction": "4"})
    assert refused.status_code == 400
    wait = open_task(c, FLOW.follow_up_wait)
    with time_machine.travel(wait.scheduled + timedelta(minutes=1)):
        assert workflow_timers_fire() == 1
        assert Notification.objects.filter(complaint=c, event=NotificationEvent.CUSTOMER_SURVEY).exists()
        survey_token = customer_link_issue(complaint=c)
        assert "satisfaction" in client.get(reverse("portal:track", args=[survey_token])).content.decode()
        response = client.post(
            reverse("portal:survey", args=[survey_token]),
            {"satisfaction": "4", "satisfaction_before": "1", "comment": "Fair in the end."},
        )
        assert response.status_code == 302
    c.refresh_from_db()
    assert c.satisfaction == 4 and c.satisfaction_before == 1 and c.followed_up_at is not None
    assert c.status == PROCESS.DONE


def test_hostile_reason_comment_and_file_name_from_the_link_stay_inert(client, org, portal, agent, quality_engineer):
    """Issue 21's XSS line for the fields the other XSS tests do not fill: the confirmation's reason,
    the survey's comment and a file's name, on the customer's page and the staff's complaint page."""
    from django.test import Client

    from tests.security.test_hardening__xss import assert_inert
    from tests.web.page_helpers import page_url
    from tests.web.test_complaint_page__attachments import png

    reason = "<script>alert('r')</script><img src=x onerror=alert(2)>"
    comment = "<svg onload=alert(3)> {{ 7*7 }}"
    c = at_confirmation(org, agent, quality_engineer)
    token = customer_link_issue(complaint=c)
    upload = png(name="<img src=x onerror=alert(9)>.png")
    assert client.post(reverse("portal:track", args=[token]), {"text": "photo", "uploads": upload}).status_code == 302
    assert client.post(reverse("portal:confirm", args=[token]), {"resolved": "no", "reason": reason}).status_code == 302
    staff = Client()
    staff.force_login(agent)
    for where, html in {
        "tracking page": client.get(reverse("portal:track", args=[token])).content.decode(),
        "complaint page": staff.get(page_url(c)).content.decode(),
    }.items():
        assert_inert(html, where)
    assert "&lt;script&gt;alert(" in staff.get(page_url(c)).content.decode()  # the reason, shown as written
    # Through another round to the survey, whose comment is shown on the complaint page.
    from tests.flows.test_flows__journey import do

    do(agent, c, FLOW.containment, {"description": "Door replaced again.", "cost": "80"})  # straight back
    token = customer_link_issue(complaint=c)
    assert client.post(reverse("portal:confirm", args=[token]), {"resolved": "yes"}).status_code == 302
    wait = open_task(c, FLOW.follow_up_wait)
    with time_machine.travel(wait.scheduled + timedelta(minutes=1)):
        workflow_timers_fire()
        survey_token = customer_link_issue(complaint=c)
        answer = {"satisfaction": "2", "comment": comment}
        assert client.post(reverse("portal:survey", args=[survey_token]), answer).status_code == 302
    c.refresh_from_db()
    assert c.satisfaction_comment == comment
    for where, html in {
        "tracking page": client.get(reverse("portal:track", args=[survey_token])).content.decode(),
        "complaint page": staff.get(page_url(c)).content.decode(),
    }.items():
        assert_inert(html, where)
