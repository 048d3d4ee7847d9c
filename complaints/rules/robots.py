"""Group robots of the Chinese work chats, as their webhooks expect them: WeCom (企业微信群机器人),
DingTalk (钉钉自定义机器人) and Feishu/Lark (飞书自定义机器人). Pure functions: the URL to post to
(DingTalk signs it), the JSON body (Feishu signs inside it) and how the robot says it failed.

- WeCom: POST {"msgtype": "text", "text": {"content", "mentioned_mobile_list"}}; the key is in the
  URL, no signing; answers {"errcode": 0, "errmsg": "ok"}.
- DingTalk: POST {"msgtype": "text", "text": {"content"}, "at": {"atMobiles", "isAtAll"}}; with a
  secret ("加签"), `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret, "timestamp\\nsecret"))
  are added to the URL; answers {"errcode": 0, "errmsg": "ok"}.
- Feishu: POST {"timestamp", "sign", "msg_type": "text", "content": {"text"}}; with a secret,
  `sign` = base64(HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing), timestamp in seconds;
  answers {"code": 0, "msg": "success"} (older versions {"StatusCode": 0}).
"""

import base64
import hashlib
import hmac
import re
import urllib.parse
from datetime import datetime
from typing import Any

WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"
ROBOTS = (WECOM, DINGTALK, FEISHU)
MOBILE = re.compile(r"\+?\d{6,15}")
MAX_CHARS = 4000  # WeCom's text limit is 2048 bytes of markdown / 4096 of text; keep under every robot's


def robot_text(subject: str, body: str) -> str:
    text = f"{subject}\n{body}".strip() if body else subject
    return text[:MAX_CHARS]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def robot_request(
    *, kind: str, url: str, secret: str, subject: str, body: str, address: str, at: datetime
) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body of one message; `address` is @-mentioned when it is a
    mobile number (WeCom, DingTalk) or a Feishu open_id (ou_…)."""
    text = robot_text(subject, body)
    mobile = address if MOBILE.fullmatch(address or "") else ""
    if kind == WECOM:
        content: dict[str, Any] = {"content": text}
        if mobile:
            content["mentioned_mobile_list"] = [mobile]
        return url, {"msgtype": "text", "text": content}
    if kind == DINGTALK:
        if secret:
            stamp = int(at.timestamp() * 1000)
            query = urllib.parse.urlencode({"timestamp": stamp, "sign": dingtalk_sign(secret, stamp)})
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        return url, {
            "msgtype": "text",
            "text": {"content": f"{text}\n@{mobile}" if mobile else text},
            "at": {"atMobiles": [mobile] if mobile else [], "isAtAll": False},
        }
    if kind == FEISHU:
        if address.startswith("ou_"):
            text = f'<at user_id="{address}"></at> {text}'
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            stamp = int(at.timestamp())
            payload = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **payload}
        return url, payload
    raise ValueError(f"not a group robot: {kind}")


def robot_error(answer: Any) -> str:
    """The robot's refusal in its answer (they answer HTTP 200 even when they refuse), or ""."""
    if not isinstance(answer, dict):
        return "the robot's answer is not JSON"
    for code, message in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        if code in answer:
            return "" if answer[code] == 0 else f"{answer[code]}: {answer.get(message, '')}"
    return ""
