"""Notifications per channel: e-mail and a signed webhook (a real HTTP server on 127.0.0.1), sent
once per event, recipient and channel; a failure is retried and recorded; quiet hours hold
warnings but never P0 messages; the sweep sends what is left."""

import json
import threading
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from standardwebhooks.webhooks import Webhook

from complaints.choices import ChannelKind
from complaints.models import Clock, Notification, NotificationChannel, NotificationPreference, ProcessSettings
from complaints.rules.notify import next_reminder, quiet_until
from complaints.services.clocks import clocks_sweep
from complaints.services.notify import notification_send, notifications_resend
from complaints.tasks import sweep_clocks
from flows import driver
from tests.conftest import intake_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("now", "start", "end", "zone", "expected"),
    [
        # 15:30 UTC = 23:30 in Shanghai: quiet until 07:00 Shanghai the next morning (23:00 UTC)
        (
            datetime(2026, 9, 18, 15, 30, tzinfo=UTC),
            time(22),
            time(7),
            "Asia/Shanghai",
            datetime(2026, 9, 18, 23, 0, tzinfo=UTC),
        ),
        # 20:00 UTC = 04:00 Shanghai the next day: same night, until 07:00 that day
        (
            datetime(2026, 9, 18, 20, 0, tzinfo=UTC),
            time(22),
            time(7),
            "Asia/Shanghai",
            datetime(2026, 9, 18, 23, 0, tzinfo=UTC),
        ),
        # noon in Shanghai: not quiet
        (datetime(2026, 9, 18, 4, 0, tzinfo=UTC), time(22), time(7), "Asia/Shanghai", None),
        # 07:00 sharp is the end: not quiet any more
        (datetime(2026, 9, 18, 23, 0, tzinfo=UTC), time(22), time(7), "Asia/Shanghai", None),
        # a lunch-time quiet hour on the same day
        (
            datetime(2026, 9, 18, 5, 59, tzinfo=UTC),
            time(13),
            time(14),
            "Asia/Shanghai",
            datetime(2026, 9, 18, 6, 0, tzinfo=UTC),
        ),
        # Berlin on the night the clocks go back (Sun 2026-10-25): 07:00 CET is 06:00 UTC
        (
            datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
            time(22),
            time(7),
            "Europe/Berlin",
            datetime(2026, 10, 25, 6, 0, tzinfo=UTC),
        ),
    ],
    ids=["late-evening", "after-midnight", "daytime", "at-the-end", "same-day", "berlin-dst-night"],
)
def test_quiet_until(now, start, end, zone, expected):
    result = quiet_until(now=now, start=start, end=end, time_zone=zone)
    assert result == expected


@pytest.mark.parametrize(
    ("now_minutes", "expected_minutes"),
    [(0, 60), (1, 60), (59, 60), (60, 120), (200, 240)],
    ids=["on-time", "a-minute-late", "nearly-next", "exactly-next", "hours-late"],
)
def test_next_reminder_keeps_the_beat(now_minutes, expected_minutes):
    due = datetime(2026, 9, 18, 10, tzinfo=UTC)
    interval = timedelta(hours=1)
    now = due + timedelta(minutes=now_minutes)
    assert next_reminder(due=due, interval=interval, now=now) == due + timedelta(minutes=expected_minutes)


class Gateway(BaseHTTPRequestHandler):
    """A gateway that fails the first `fail` requests with 500, then answers 204."""

    fail = 0
    received: list[tuple[bytes, dict[str, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((body, {k.lower(): v for k, v in self.headers.items()}))
        if type(self).fail > 0:
            type(self).fail -= 1
            self.send_response(500)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def gateway() -> Any:
    Gateway.fail, Gateway.received = 0, []
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def only_response_clock(complaint: Any) -> Clock:
    """Keeps only the level's response clock running, so one warning is in play."""
    clock = complaint.clocks.get(kind="response", state="running")
    complaint.clocks.exclude(pk=clock.pk).update(state=Clock.State.STOPPED)
    return clock


def sms_channel(server: HTTPServer) -> NotificationChannel:
    channel = NotificationChannel(
        code="sms",
        name="SMS gateway",
        kind=ChannelKind.WEBHOOK,
        url=f"http://127.0.0.1:{server.server_port}/hook",
        secret="s3cret",
        timeout_seconds=5,
    )
    channel.full_clean()
    channel.save()
    return channel


def test_a_webhook_channel_needs_url_secret_and_timeout():
    with pytest.raises(ValidationError) as refused:
        NotificationChannel(code="im", name="IM", kind=ChannelKind.WEBHOOK).full_clean()
    assert {"url", "secret", "timeout_seconds"} <= set(refused.value.message_dict)
    assert NotificationChannel.objects.count() == 0


def test_a_webhook_is_signed_retried_after_a_failure_and_sent_once(
    org, agent, gateway, django_capture_on_commit_callbacks
):
    agent.email = "agent@example.com"
    agent.save()
    preference = NotificationPreference.objects.create(user=agent, gateway_address="+8613800000000")
    channel = sms_channel(gateway)
    preference.channels.add(channel)
    Gateway.fail = 1
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    response = only_response_clock(complaint)
    # The warning's webhook fails once inside the sending task, which retries it at once (eager).
    with time_machine.travel(response.warn_at + timedelta(seconds=1)), django_capture_on_commit_callbacks(execute=True):
        clocks_sweep()
    row = Notification.objects.get(complaint=complaint, event="deadline_warning", channel=channel)
    assert row.sent_at is not None and row.attempts == 2 and row.error == ""
    assert row.address == "+8613800000000"
    assert len(Gateway.received) == 2
    body, headers = Gateway.received[-1]
    # Standard Webhooks: the retry carries the first attempt's id (receivers drop duplicates), its
    # own timestamp, and the signature of "id.timestamp.body" under the channel's secret.
    assert headers["webhook-id"] == Gateway.received[0][1]["webhook-id"] == row.key
    stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    assert abs(stamp - row.sent_at) < timedelta(seconds=1)
    assert headers["webhook-signature"] == Webhook(b"s3cret").sign(
        msg_id=headers["webhook-id"], timestamp=stamp, data=body.decode()
    )
    assert "x-redress-signature" not in headers
    payload = json.loads(body)
    assert payload["to"] == "+8613800000000" and payload["reference"] == complaint.reference
    assert payload["event"] == "deadline_warning" and payload["recipient"]["username"] == agent.username
    # Never twice once sent: neither the task nor the sweep sends it again.
    assert notification_send(notification_id=row.pk) is False
    sweep_clocks()
    assert len(Gateway.received) == 2
    # The recipient chose only the gateway: no e-mail row for them.
    assert not Notification.objects.filter(complaint=complaint, event="deadline_warning", channel=None).exists()


def test_a_failing_webhook_is_tried_up_to_the_admins_attempts_then_left(org, agent, gateway):
    limit = ProcessSettings.objects.get().notification_max_attempts
    preference = NotificationPreference.objects.create(user=agent, gateway_address="wx:agent")
    channel = sms_channel(gateway)
    preference.channels.add(channel)
    Gateway.fail = limit + 5
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    response = only_response_clock(complaint)
    with time_machine.travel(response.warn_at + timedelta(seconds=1)):
        clocks_sweep()
        sweep_clocks()  # the sweep's re-sends stop at the limit too
    row = Notification.objects.get(complaint=complaint, event="deadline_warning", channel=channel)
    assert row.sent_at is None and row.attempts == limit and "500" in row.error
    assert len(Gateway.received) == limit
    assert notifications_resend() == 0


def test_quiet_hours_hold_a_warning_until_they_end_and_the_sweep_sends_it(org, agent, settings):
    agent.email = "agent@example.com"
    agent.save()
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    response = only_response_clock(complaint)
    warn = response.warn_at + timedelta(seconds=1)
    # Quiet hours around the warning time, in the recipient's zone.
    NotificationPreference.objects.create(
        user=agent,
        quiet_start=(warn - timedelta(hours=1)).astimezone(UTC).time().replace(microsecond=0),
        quiet_end=(warn + timedelta(hours=1)).astimezone(UTC).time().replace(microsecond=0),
        time_zone="UTC",
    )
    mail.outbox.clear()
    with time_machine.travel(warn):
        assert clocks_sweep()["warned"] >= 1
    row = Notification.objects.get(complaint=complaint, event="deadline_warning", recipient=agent)
    assert row.sent_at is None and row.deliver_after is not None
    assert abs(row.deliver_after - (warn + timedelta(hours=1))) < timedelta(seconds=2)
    assert not any(complaint.reference in m.subject for m in mail.outbox)
    with time_machine.travel(warn + timedelta(minutes=30)):
        sweep_clocks()
    assert Notification.objects.get(pk=row.pk).sent_at is None  # still quiet
    with time_machine.travel(row.deliver_after + timedelta(seconds=1)):
        assert sweep_clocks()["sent"] >= 1
    row.refresh_from_db()
    assert row.sent_at is not None and row.sent_at >= row.deliver_after
    assert sum(complaint.reference in m.subject for m in mail.outbox) >= 1


def test_quiet_hours_never_hold_a_p0_warning(org, agent, django_capture_on_commit_callbacks):
    agent.email = "agent@example.com"
    agent.save()
    NotificationPreference.objects.create(user=agent, quiet_start=time(0), quiet_end=time(23, 59), time_zone="UTC")
    complaint = driver.start_complaint(user=agent, data=intake_data(org, risk_flagged="on"))
    response = only_response_clock(complaint)
    with time_machine.travel(response.warn_at + timedelta(seconds=1)), django_capture_on_commit_callbacks(execute=True):
        clocks_sweep()
    row = Notification.objects.get(complaint=complaint, event="deadline_warning", recipient=agent)
    assert row.deliver_after is None and row.sent_at is not None
    assert complaint.priority.alert  # P0


def test_a_preference_needs_both_ends_of_its_quiet_hours(agent):
    with pytest.raises(ValidationError):
        NotificationPreference(user=agent, quiet_start=time(22)).full_clean()
    with pytest.raises(ValidationError):
        NotificationPreference(user=agent, quiet_start=time(22), quiet_end=time(7), time_zone="Mars/Base").full_clean()
