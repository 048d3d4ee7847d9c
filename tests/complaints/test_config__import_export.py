"""The configuration as one JSON document: round trip, all-or-nothing import, the commands."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from complaints.models import Complaint, EscalationLevel, LevelLimit, RoutingRule
from complaints.services.config_io import ConfigImportError, config_export, config_import, preset_document


def test_export_then_import_gives_the_same_configuration(org: dict[str, Any]) -> None:
    before = config_export()
    config_import(document=json.loads(json.dumps(before)))
    assert config_export() == before


def test_channels_preferences_and_step_limits_round_trip(org: dict[str, Any], agent: Any) -> None:
    from datetime import time

    from complaints.models import NotificationChannel, NotificationPreference

    channel = NotificationChannel.objects.create(
        code="im", name="IM", kind="webhook", url="https://im.example/hook", secret="k", timeout_seconds=3
    )
    preference = NotificationPreference.objects.create(
        user=agent, quiet_start=time(22), quiet_end=time(7), time_zone="Asia/Shanghai", gateway_address="wx:a"
    )
    preference.channels.add(channel)
    before = config_export()
    assert before["notification_preferences"] == [
        {
            "user": agent.username,
            "channels": ["im"],
            "gateway_address": "wx:a",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "time_zone": "Asia/Shanghai",
        }
    ]
    assert before["levels"][0]["step_limits"][0] == {
        "priority": "P0",
        "step": "containment",
        "amount": 2,
        "unit": "hours",
    }
    NotificationPreference.objects.all().delete()
    config_import(document=json.loads(json.dumps(before)))
    assert config_export() == before
    channel.refresh_from_db()
    assert channel.secret == "k"  # exported as a placeholder, kept by the import


def test_switching_presets_and_back_restores_the_first(org: dict[str, Any]) -> None:
    config_import(document=preset_document("three_tier"))
    three = config_export()
    config_import(document=preset_document("four_tier"))
    assert EscalationLevel.objects.count() == 4
    config_import(document=preset_document("three_tier"))
    again = config_export()
    # Departments and roles the four-tier preset added stay (they are never deleted); the rest is as before.
    for section in ("priorities", "levels", "routing_rules", "stage_profiles", "calendars", "process_settings"):
        assert again[section] == three[section], section


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["levels"][0].update(warning_percent=100), "levels[0].warning_percent"),
        (lambda d: d["levels"][0]["limits"][0].update(resolution_amount=0), "levels[0].limits[0].resolution_amount"),
        (lambda d: d["levels"][0]["limits"][0].update(response_amount=-5), "levels[0].limits[0].response_amount"),
        (lambda d: d["levels"][0]["limits"].pop(), "missing: P3"),
        (lambda d: d["levels"][0]["step_limits"][0].update(step="lunch"), "levels[0].step_limits[0].step"),
        (lambda d: d["process_settings"].update(progress_reminder_minutes=0), "progress_reminder_minutes"),
        (lambda d: d["levels"][1].update(authority_amount="100"), "more authority"),
        (lambda d: d["routing_rules"][0]["conditions"][0].update(field="nope"), "There is no field “nope”"),
        (
            lambda d: d["routing_rules"][0]["conditions"][0].update(
                field="requested_amount", operator="gt", value="lots"
            ),
            "is not a number",
        ),
        (lambda d: d["routing_rules"][-1].update(default=False), "exactly one rule must be the default"),
        (lambda d: d["departments"][0].update(parent="quality"), "cannot be placed under itself"),
        (lambda d: d["calendars"][0].update(time_zone="Mars/Olympus"), "not a known time zone"),
        (lambda d: d["calendars"][0]["hours"].append({"weekday": 0, "start": "17:00", "end": "19:00"}), "overlap"),
        (lambda d: d["notification_templates"][0].update(body="{nope}"), "Unknown placeholder"),
        (lambda d: d["levels"][0].update(colour="red"), "unknown keys: colour"),
        (lambda d: d.update(levelz=[]), "unknown sections: levelz"),
    ],
    ids=[
        "warning-100",
        "zero-limit",
        "negative-limit",
        "priority-without-limit",
        "unknown-step",
        "zero-reminder-interval",
        "level-above-one-with-more-authority",
        "rule-on-missing-field",
        "word-where-number-belongs",
        "no-default-rule",
        "department-its-own-ancestor",
        "unknown-time-zone",
        "overlapping-hours",
        "unknown-placeholder",
        "unknown-key",
        "unknown-section",
    ],
)
def test_invalid_import_changes_nothing_and_says_where(org: dict[str, Any], mutate: Any, expected: str) -> None:
    before = config_export()
    document = preset_document("four_tier")  # would change a lot if it got through
    mutate(document)
    with pytest.raises(ConfigImportError) as caught:
        config_import(document=document)
    assert any(expected in error for error in caught.value.errors), caught.value.errors
    assert config_export() == before


def test_import_cannot_remove_a_level_that_complaints_use(org: dict[str, Any], agent: Any) -> None:
    from tests.flows.test_flows__journey import register

    register(agent, org, risk_flagged="on")  # sits at level 3
    document = preset_document("three_tier")
    document["levels"] = document["levels"][:2]
    document["routing_rules"] = [r for r in document["routing_rules"] if r["set_level"] in (None, 1, 2)]
    with pytest.raises(ConfigImportError) as caught:
        config_import(document=document)
    assert any("still in use" in e for e in caught.value.errors)
    assert EscalationLevel.objects.count() == 3 and Complaint.objects.get().level.rank == 3


def test_config_export_command_prints_the_document(org: dict[str, Any]) -> None:
    out = StringIO()
    call_command("config_export", stdout=out)
    assert json.loads(out.getvalue()) == config_export()


def test_config_import_command_applies_a_file(org: dict[str, Any], tmp_path: Any) -> None:
    document = config_export()
    document["levels"][0]["limits"][2]["resolution_amount"] = 2
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("config_import", str(path), stdout=out)
    assert "Configuration imported" in out.getvalue()
    assert LevelLimit.objects.get(level__rank=1, priority__code="P2").resolution_amount == 2


def test_config_import_command_refuses_a_broken_file_and_lists_problems(org: dict[str, Any], tmp_path: Any) -> None:
    before = config_export()
    document = preset_document("four_tier")
    document["levels"][0]["warning_percent"] = 150
    document["routing_rules"][0]["conditions"][0]["field"] = "nope"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 2 problem"):
        call_command("config_import", str(path), stderr=err)
    assert "levels[0].warning_percent" in err.getvalue() and "nope" in err.getvalue()
    assert config_export() == before


def test_config_import_command_refuses_text_that_is_not_json(org: dict[str, Any], tmp_path: Any) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{levels: [", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("config_import", str(path), stderr=err)
    assert "not valid JSON" in err.getvalue()
    assert RoutingRule.objects.filter(is_default=True).count() == 1


def test_config_import_preset_option(org: dict[str, Any]) -> None:
    call_command("config_import", preset="four_tier", stdout=StringIO())
    assert EscalationLevel.objects.count() == 4


def test_a_document_from_before_the_learned_emotion_setting_imports_and_keeps_it(org: dict[str, Any]) -> None:
    from complaints.models import TriageSettings

    document = config_export()
    assert document["triage_settings"]["learned_emotion_from"] == 50  # exported like every setting
    TriageSettings.objects.update(learned_emotion_from=65)
    del document["triage_settings"]["learned_emotion_from"]
    document["triage_settings"]["holdout_percent"] = 30
    config_import(document=document)
    row = TriageSettings.objects.get()
    assert (row.holdout_percent, row.learned_emotion_from) == (30, 65)
