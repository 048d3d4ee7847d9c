"""WeCom, DingTalk and Feishu group robots as notification channels: each receives its own JSON
(a real HTTP server on 127.0.0.1 stands in for the chat app), DingTalk and Feishu signed with the
robot's secret, in the recipient's language, the customer's name masked; a robot's refusal (HTTP
200 with an error code) is a failure that is retried."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from complaints.choices import ChannelKind
from complaints.models import Clock, Notification, NotificationChannel, NotificationPreference, UserPreference
from complaints.rules.robots import robot_error, robot_request
from complaints.services.clocks import clocks_sweep
from flows import driver
from tests.conftest import intake_data

pytestmark = pytest.mark.django_db
AT = datetime(2026, 9, 18, 8, 0, tzinfo=UTC)


class ChatApp(BaseHTTPRequestHandler):
    """Answers like the chat apps: HTTP 200 and a JSON code; `answer` is what it says."""

    answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
    received: list[tuple[str, dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, json.loads(body)))
        data = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def chat_app() -> Any:
    ChatApp.answer, ChatApp.received = {"errcode": 0, "errmsg": "ok"}, []
    server = HTTPServer(("127.0.0.1", 0), ChatApp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_wecom_text_message_mentions_the_mobile_and_is_not_signed() -> None:
    url, payload = robot_request(
        kind="wecom",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",
        secret="",
        subject="C-1: 警告",
        body="https://redress.example/c/1",
        address="13800000000",
        at=AT,
    )
    assert url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
    assert payload == {
        "msgtype": "text",
        "text": {"content": "C-1: 警告\nhttps://redress.example/c/1", "mentioned_mobile_list": ["13800000000"]},
    }


def test_dingtalk_signs_the_url_with_timestamp_and_hmac_of_timestamp_and_secret() -> None:
    url, payload = robot_request(
        kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=T",
        secret="SEC123",
        subject="C-1: warning",
        body="",
        address="13800000000",
        at=AT,
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    stamp = int(AT.timestamp() * 1000)
    assert query["access_token"] == ["T"] and query["timestamp"] == [str(stamp)]
    expected = base64.b64encode(hmac.new(b"SEC123", f"{stamp}\nSEC123".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert payload == {
        "msgtype": "text",
        "text": {"content": "C-1: warning\n@13800000000"},
        "at": {"atMobiles": ["13800000000"], "isAtAll": False},
    }


def test_feishu_signs_the_body_with_the_timestamp_in_seconds() -> None:
    url, payload = robot_request(
        kind="feishu",
        url="https://open.feishu.cn/open-apis/bot/v2/hook/H",
        secret="fs",
        subject="C-1",
        body="body",
        address="ou_abc",
        at=AT,
    )
    stamp = int(AT.timestamp())
    expected = base64.b64encode(hmac.new(f"{stamp}\nfs".encode(), b"", hashlib.sha256).digest()).decode()
    assert url == "https://open.feishu.cn/open-apis/bot/v2/hook/H"
    assert payload == {
        "timestamp": str(stamp),
        "sign": expected,
        "msg_type": "text",
        "content": {"text": '<at user_id="ou_abc"></at> C-1\nbody'},
    }
    _, unsigned = robot_request(kind="feishu", url=url, secret="", subject="s", body="", address="bob", at=AT)
    assert unsigned == {"msg_type": "text", "content": {"text": "s"}}


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"errcode": 0, "errmsg": "ok"}, ""),
        ({"errcode": 310000, "errmsg": "sign not match"}, "310000: sign not match"),
        ({"code": 0, "msg": "success"}, ""),
        ({"code": 19021, "msg": "sign match fail"}, "19021: sign match fail"),
        ({"StatusCode": 0}, ""),
        (None, "the robot's answer is not JSON"),
    ],
)
def test_the_robots_refusal_is_read_from_its_answer(answer: Any, problem: str) -> None:
    assert robot_error(answer) == problem


def test_a_robot_channel_needs_an_https_url_and_a_timeout_and_wecom_no_secret() -> None:
    with pytest.raises(ValidationError) as refused:
        NotificationChannel(code="wx", name="WeCom", kind=ChannelKind.WECOM, secret="x").full_clean()
    assert {"url", "secret", "timeout_seconds"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        NotificationChannel(
            code="dd",
            name="DingTalk",
            kind=ChannelKind.DINGTALK,
            url="http://oapi.dingtalk.com/robot/send",
            timeout_seconds=5,
        ).full_clean()
    assert "url" in refused.value.message_dict
    NotificationChannel(
        code="fs",
        name="Feishu",
        kind=ChannelKind.FEISHU,
        url="https://open.feishu.cn/open-apis/bot/v2/hook/H",
        secret="s",
        timeout_seconds=5,
    ).full_clean()


def warn_through(
    org: Any, agent: Any, channel: NotificationChannel, address: str = "", *, on_commit: Any
) -> Notification:
    preference = NotificationPreference.objects.create(user=agent, gateway_address=address)
    preference.channels.add(channel)
    complaint = driver.start_complaint(user=agent, data=intake_data(org, customer_name="王小明"))
    clock = complaint.clocks.get(kind="response", state="running")
    complaint.clocks.exclude(pk=clock.pk).update(state=Clock.State.STOPPED)
    with time_machine.travel(clock.warn_at + timedelta(seconds=1)), on_commit(execute=True):
        clocks_sweep()
    return Notification.objects.get(complaint=complaint, event="deadline_warning", channel=channel)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_dingtalk_robot_gets_the_warning_signed_in_the_recipients_language(
    org: Any, agent: Any, chat_app: Any, language: str, django_capture_on_commit_callbacks: Any
) -> None:
    UserPreference.objects.update_or_create(user=agent, defaults={"language": language})
    channel = NotificationChannel.objects.create(  # a local stand-in: http, so no full_clean
        code="dd",
        name="DingTalk",
        kind=ChannelKind.DINGTALK,
        url=f"http://127.0.0.1:{chat_app.server_port}/robot/send?access_token=T",
        secret="SEC",
        timeout_seconds=5,
    )
    row = warn_through(org, agent, channel, "13800000000", on_commit=django_capture_on_commit_callbacks)
    assert row.sent_at is not None and row.error == "" and row.address == "13800000000"
    [(path, payload)] = ChatApp.received
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    stamp = query["timestamp"][0]
    assert query["sign"] == [
        base64.b64encode(hmac.new(b"SEC", f"{stamp}\nSEC".encode(), hashlib.sha256).digest()).decode()
    ]
    assert payload["msgtype"] == "text" and payload["at"] == {"atMobiles": ["13800000000"], "isAtAll": False}
    content = payload["text"]["content"]
    assert content.startswith(row.subject) and content.endswith("@13800000000")
    expected = "即将超时：" if language == "zh-hans" else "Deadline approaching: "
    assert row.subject.startswith(expected)  # the preset's template in the recipient's language
    assert "王小明" not in content  # a group chat keeps what it gets: the customer's name is masked


def test_a_wecom_robot_refusal_is_recorded_and_retried(
    org: Any, agent: Any, chat_app: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ChatApp.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    channel = NotificationChannel.objects.create(
        code="wx",
        name="WeCom",
        kind=ChannelKind.WECOM,
        url=f"http://127.0.0.1:{chat_app.server_port}/cgi-bin/webhook/send?key=K",
        timeout_seconds=5,
    )
    row = warn_through(org, agent, channel, on_commit=django_capture_on_commit_callbacks)
    assert row.sent_at is None and row.attempts >= 1 and "93000: invalid webhook url" in row.error
    assert row.address == agent.username  # no gateway address: the row names the person, no mention
    path, payload = ChatApp.received[0]
    assert path == "/cgi-bin/webhook/send?key=K"
    assert payload["msgtype"] == "text" and "mentioned_mobile_list" not in payload["text"]


def test_a_feishu_robot_gets_its_own_format(
    org: Any, agent: Any, chat_app: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ChatApp.answer = {"code": 0, "msg": "success"}
    channel = NotificationChannel.objects.create(
        code="fs",
        name="Feishu",
        kind=ChannelKind.FEISHU,
        url=f"http://127.0.0.1:{chat_app.server_port}/open-apis/bot/v2/hook/H",
        secret="fs",
        timeout_seconds=5,
    )
    row = warn_through(org, agent, channel, "ou_123", on_commit=django_capture_on_commit_callbacks)
    assert row.sent_at is not None
    [(_, payload)] = ChatApp.received
    assert payload["msg_type"] == "text" and set(payload) == {"timestamp", "sign", "msg_type", "content"}
    assert payload["content"]["text"].startswith('<at user_id="ou_123"></at> ' + row.subject)
