"""python manage.py route_preview < complaint.json: the dry run from the command line."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from complaints.models import Complaint


def preview(monkeypatch: Any, sample: Any) -> tuple[dict[str, Any], str]:
    monkeypatch.setattr("sys.stdin", StringIO(sample if isinstance(sample, str) else json.dumps(sample)))
    out, err = StringIO(), StringIO()
    call_command("route_preview", stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_preview_prints_the_decision_and_saves_nothing(org: dict[str, Any], monkeypatch: Any) -> None:
    sample = {
        "customer_name": "陈先生",
        "customer_phone": "13800138001",
        "description": "车辆在高速上突然断电",
        "emotion": "extremely_angry",
        "channel": "phone",
        "category": "appliance",
        "requested_compensation": 5000,
        "department": "store-a",
        "received_at": "2026-11-20 19:00",
    }
    result, _ = preview(monkeypatch, sample)
    # "断电" in the customer's words is a safety signal: the first rule (safety → P0 at HQ) wins;
    # the emotion rule also matches, and the dry run says so with the signals it found.
    assert result["level"]["rank"] == 3 and result["priority"]["code"] == "P0"
    assert result["matching_rules"][0].startswith("安全风险")
    assert any(rule.startswith("情绪达到阈值") for rule in result["matching_rules"][1:])
    assert {"code": "safety", "detail": "断电"} in result["signals"]
    assert "emotion" in [signal["code"] for signal in result["signals"]]
    assert result["handled_by"]["role"] == "executive"
    assert result["handled_by"]["department"]["code"] == "hq"
    assert result["deadlines"]["resolution_due"] == "2026-11-21T19:00:00+08:00"  # HQ: P0 in 24 h
    assert result["stage_profile"]["stages"]["root_cause"] is True
    assert Complaint.objects.count() == 0


def test_preview_shows_business_time_deadlines(org: dict[str, Any], monkeypatch: Any) -> None:
    result, _ = preview(monkeypatch, {"department": "store-a", "received_at": "2026-11-20 19:00"})
    assert result["deadlines"]["business_time"] is True
    assert result["deadlines"]["calendar"] == "office-hours"
    assert result["deadlines"]["resolution_due"] == "2026-11-24T09:00:00+08:00"


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ({"department": "store-a", "colour": "red"}, "Unknown field(s): colour"),
        ({"department": "store-a", "emotion": "furious"}, "furious"),
        ({"department": "nowhere"}, "department"),
        ({"department": "store-a", "requested_amount": "lots"}, "requested_amount"),
        ({"department": "store-a", "received_at": "yesterday"}, "received_at"),
        (["not", "an", "object"], "JSON object"),
    ],
    ids=["unknown-key", "bad-choice", "unknown-department", "not-a-number", "bad-time", "not-an-object"],
)
def test_preview_refuses_bad_input_with_a_clear_error(
    org: dict[str, Any], monkeypatch: Any, sample: Any, message: str
) -> None:
    monkeypatch.setattr("sys.stdin", StringIO(json.dumps(sample)))
    err = StringIO()
    with pytest.raises(CommandError, match="invalid"):
        call_command("route_preview", stdout=StringIO(), stderr=err)
    assert message in err.getvalue()


def test_preview_refuses_text_that_is_not_json(org: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", StringIO("customer_name=x"))
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("route_preview", stdout=StringIO(), stderr=StringIO())
