"""UX item 7: what the system sends a person by e-mail (or a gateway) also appears in the
workspace's notification list: one entry per message, the reader's own only, in the language the
message was written for them, with an unread count in the header, a link to the case and mark as
read (one and all)."""

from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from complaints.choices import ChannelKind, NotificationEvent
from complaints.models import InAppNotice, Notification, NotificationChannel, NotificationPreference, UserPreference
from complaints.services.notify import notify_event
from tests.conftest import make_user
from tests.flows.test_flows__journey import as_user, register

LIST_URL = "/workflow/notifications/"


def tell(complaint: Any, person: Any, occasion: str = "t1", event: str = NotificationEvent.ESCALATION) -> None:
    notify_event(event=event, complaint=complaint, occasion=occasion, recipients=[person], context={"reason": "Why"})


@pytest.fixture
def case(org, agent) -> Any:
    return register(agent, org)


def test_a_message_by_e_mail_and_webhook_is_one_notice_for_its_recipient(org, agent, case):
    channel = NotificationChannel.objects.create(
        code="im", name="IM", kind=ChannelKind.WEBHOOK, url="http://127.0.0.1:9/", secret="s", timeout_seconds=1
    )
    email = NotificationChannel.objects.create(code="mail", name="Mail", kind=ChannelKind.EMAIL)
    preference = NotificationPreference.objects.create(user=agent, gateway_address="wx:agent")
    preference.channels.set([channel, email])
    before = InAppNotice.objects.filter(recipient=agent).count()
    tell(case, agent)
    assert Notification.objects.filter(recipient=agent, key__startswith=f"escalation:{case.pk}:t1:").count() == 2
    notices = InAppNotice.objects.filter(recipient=agent)
    assert notices.count() == before + 1
    notice = notices.latest("pk")
    assert notice.complaint == case and notice.read_at is None and case.reference in notice.subject
    tell(case, agent)  # the same occasion again: nothing new
    assert InAppNotice.objects.filter(recipient=agent).count() == before + 1


def test_the_list_shows_only_the_readers_notices_with_a_link_to_the_case(org, agent, agent_b, case):
    tell(case, agent)
    tell(case, agent_b, occasion="other")
    page = as_user(agent).get(LIST_URL).content.decode()
    assert case.reference in page and "Mark all as read" in page
    mine = InAppNotice.objects.filter(recipient=agent).latest("pk")
    theirs = InAppNotice.objects.get(recipient=agent_b)
    assert reverse("workflow:notifications:open", args=[mine.pk]) in page
    assert reverse("workflow:notifications:open", args=[theirs.pk]) not in page


def test_opening_a_notice_marks_it_read_and_goes_to_the_case(org, agent, case):
    tell(case, agent)
    notice = InAppNotice.objects.filter(recipient=agent).latest("pk")
    response = as_user(agent).post(reverse("workflow:notifications:open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:flows:complaint:process_detail", args=[case.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_someone_elses_notice_is_refused_and_left_unread(org, agent, agent_b, case):
    tell(case, agent)
    notice = InAppNotice.objects.filter(recipient=agent).latest("pk")
    client = as_user(agent_b)
    response = client.post(reverse("workflow:notifications:open", args=[notice.pk]))
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_one_and_all_as_read_drive_the_header_count(org, agent, case):
    for occasion in ("a", "b", "c"):
        tell(case, agent, occasion=occasion)
    client = as_user(agent)
    unread = InAppNotice.objects.filter(recipient=agent, read_at__isnull=True).count()
    assert unread >= 3
    page = client.get(LIST_URL).content.decode()
    assert f'<span class="rd-bell__count">{unread}</span>' in page
    first = InAppNotice.objects.filter(recipient=agent).latest("pk")
    client.post(reverse("workflow:notifications:open", args=[first.pk]), {"stay": "1", "next": LIST_URL})
    page = client.get(LIST_URL).content.decode()
    assert f'<span class="rd-bell__count">{unread - 1}</span>' in page
    client.post(reverse("workflow:notifications:read_all"))
    assert not InAppNotice.objects.filter(recipient=agent, read_at__isnull=True).exists()
    assert "rd-bell__count" not in client.get(LIST_URL).content.decode()


def test_the_header_bell_costs_one_query(org, agent, case, django_assert_num_queries):
    tell(case, agent)
    request = RequestFactory().get("/")
    request.user = agent
    template = Template("{% load web_notices %}{% notification_bell %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request}))
    assert 'class="rd-bell__count">' in html


def test_the_notice_reads_in_the_recipients_language(org, agent, case):
    reader = make_user("reader_zh", org["store_a"], "agent")
    UserPreference.objects.create(user=reader, language="zh-hans")
    tell(case, reader)
    notice = InAppNotice.objects.get(recipient=reader)
    assert "升级" in notice.subject  # the event's name in Chinese
    page = as_user(reader).get(LIST_URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert notice.subject in page


def test_the_list_is_for_logged_in_people_only(client):
    response = client.get(LIST_URL)
    assert response.status_code in (302, 403)
