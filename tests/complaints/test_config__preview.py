"""Safer configuration changes: the import previews what it would add, change and remove (old → new),
applies only what differs, and a document equal to the configuration changes nothing and writes no
history. The one-row settings (KPI, portal, privacy) travel with the document."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from complaints.admin.tools import CONFIG_MODELS
from complaints.models import (
    Category,
    CategoryRetention,
    KpiSettings,
    LevelLimit,
    Membership,
    NotificationChannel,
    PortalSettings,
    Priority,
    PrivacyPolicy,
    Role,
)
from complaints.services.config_io import (
    ConfigChanged,
    config_export,
    config_import,
    config_preview,
    preset_document,
)


def history_rows() -> int:
    return sum(model.history.count() for model in CONFIG_MODELS)


def fresh(document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(document))


def test_reimporting_an_unchanged_document_changes_nothing_and_writes_no_history(org: dict[str, Any]) -> None:
    document = config_export()
    rows = history_rows()
    assert config_preview(document=fresh(document)).changes == ()
    config_import(document=fresh(document))
    assert history_rows() == rows
    config_import(document=preset_document("three_tier"))  # the preset org was built from: same again
    assert history_rows() == rows
    assert config_export() == document


def test_preview_lists_old_and_new_and_changes_nothing(org: dict[str, Any]) -> None:
    before = config_export()
    document = fresh(before)
    document["levels"][0]["limits"][2]["resolution_amount"] = 2
    document["roles"].append({"code": "legal", "name_zh_hans": "法务", "name_en": "Legal", "can_register": False})
    gone = document["notification_templates"].pop()
    rows = history_rows()

    preview = config_preview(document=document)

    changes = {(c.section, c.action, c.item): c for c in preview.changes}
    level = changes[("levels", "changed", "1")]
    (name, old, new) = level.fields[0]
    assert name == "limits"
    assert '"resolution_amount": 3' in old.replace(" 3,", " 3,") or "resolution_amount" in old
    assert '"priority": "P2"' in old and '"resolution_amount": 2' in new
    assert ("roles", "added", "legal") in changes
    assert ("name_en", "—", "Legal") in changes[("roles", "added", "legal")].fields
    assert ("notification_templates", "removed", f"{gone['event']} / {gone['language']}") in changes
    assert config_export() == before and history_rows() == rows


def test_an_import_writes_history_only_for_what_changed(org: dict[str, Any]) -> None:
    document = config_export()
    document["priorities"][2]["name_en"] = "Normal, renamed"
    priority_rows = Priority.history.count()
    membership_rows, limit_rows = Membership.history.count(), LevelLimit.history.count()

    config_import(document=fresh(document))

    assert Priority.objects.get(code=document["priorities"][2]["code"]).name == "Normal, renamed"
    assert Priority.history.count() == priority_rows + 1  # one row: the renamed priority
    assert Membership.history.count() == membership_rows
    assert LevelLimit.history.count() == limit_rows


def test_confirmation_is_refused_when_the_configuration_changed_since_the_preview(org: dict[str, Any]) -> None:
    document = config_export()
    document["roles"][0]["name"] = "Renamed by the import"
    preview = config_preview(document=fresh(document))
    Role.objects.filter(code=document["roles"][1]["code"]).update(name="Changed meanwhile")

    with pytest.raises(ConfigChanged):
        config_import(document=fresh(document), expected=preview.fingerprint)
    assert Role.objects.get(code=document["roles"][0]["code"]).name != "Renamed by the import"


def test_a_new_channel_secret_is_a_change_even_though_the_export_hides_it(org: dict[str, Any]) -> None:
    NotificationChannel.objects.create(
        code="im", name="IM", kind="webhook", url="https://im.example/h", secret="a", timeout_seconds=3
    )
    document = config_export()
    document["notification_channels"][0]["secret"] = "b"
    preview = config_preview(document=fresh(document))
    [change] = preview.changes
    assert (change.section, change.action, change.item) == ("notification_channels", "changed", "im")
    assert change.fields[0][0] == "secret" and "a" not in change.fields[0][1:]
    config_import(document=fresh(document))
    assert NotificationChannel.objects.get(code="im").secret == "b"


def test_kpi_portal_and_privacy_settings_round_trip(org: dict[str, Any], agent: Any) -> None:
    PortalSettings.objects.create(
        receiving_department=org["hq"],
        filings_per_address=5,
        filings_per_phone=3,
        filing_window_minutes=60,
        link_valid_days=30,
    )
    policy = PrivacyPolicy.objects.create(reveal_minutes=15, retention_days=365)
    policy.full_roles.add(Role.objects.order_by("code").first())
    category = Category.objects.order_by("code").first()
    assert category is not None
    CategoryRetention.objects.create(policy=policy, category=category, days=800)
    kpi = KpiSettings.objects.get()
    kpi.recipients.add(agent)
    document = config_export()
    assert document["portal_settings"]["receiving_department"] == "hq"
    assert document["privacy_policy"]["category_retention"] == [{"category": category.code, "days": 800}]
    assert document["kpi_settings"]["recipients"] == [agent.username]

    changed = fresh(document)
    changed["kpi_settings"]["satisfaction_target_percent"] = 77
    changed["portal_settings"]["filings_per_phone"] = 9
    changed["privacy_policy"]["category_retention"] = []
    changed["privacy_policy"]["reveal_roles"] = [document["roles"][0]["code"]]
    preview = config_preview(document=changed)
    assert {c.section for c in preview.changes} == {"kpi_settings", "portal_settings", "privacy_policy"}
    assert ("filings_per_phone", "3", "9") in next(c for c in preview.changes if c.section == "portal_settings").fields

    config_import(document=changed)
    assert KpiSettings.objects.get().satisfaction_target_percent == 77
    assert PortalSettings.objects.get().filings_per_phone == 9
    assert not CategoryRetention.objects.exists()
    assert config_export() == changed
    config_import(document=fresh(document))
    assert config_export() == document


def test_settings_models_are_in_the_configuration_history() -> None:
    assert {KpiSettings, PortalSettings, PrivacyPolicy, CategoryRetention} <= set(CONFIG_MODELS)


def test_command_dry_run_prints_old_and_new_and_changes_nothing(org: dict[str, Any], tmp_path: Any) -> None:
    before = config_export()
    document = fresh(before)
    document["priorities"][0]["first_response_minutes"] = 5
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = StringIO()
    call_command("config_import", str(path), "--dry-run", stdout=out)
    code = document["priorities"][0]["code"]
    old = before["priorities"][0]["first_response_minutes"]
    assert f"~ priorities: {code}" in out.getvalue()
    assert f"first_response_minutes: {old} → 5" in out.getvalue()
    assert config_export() == before

    out = StringIO()
    call_command("config_import", "--dry-run", preset="three_tier", stdout=out)
    assert "nothing to change" in out.getvalue()


def test_admin_import_previews_then_applies_on_confirmation(client: Client, django_user_model: Any, org: Any) -> None:
    admin_user = django_user_model.objects.create_superuser(username="root", password="x", email="r@example.com")
    client.force_login(admin_user)
    document = config_export()
    document["roles"][0]["name_en"] = "Front desk"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("c.json", json.dumps(document).encode(), content_type="application/json")
    response = client.post(reverse("admin:config_import"), {"document": upload, "preset": ""})
    page = response.content.decode()
    assert 'id="import-preview"' in page and "Front desk" in page and 'name="confirm"' in page
    assert Role.objects.get(code=document["roles"][0]["code"]).name != "Front desk"

    confirm = response.context["confirm"]
    data = {"confirm": "1", "text": confirm["text"].value(), "fingerprint": confirm["fingerprint"].value()}
    response = client.post(reverse("admin:config_import"), data)
    assert response.status_code == 302
    assert Role.objects.get(code=document["roles"][0]["code"]).name == "Front desk"

    rows = history_rows()
    response = client.post(reverse("admin:config_import"), data)  # the same confirmation again: stale
    assert response.status_code == 200 and "changed by someone else" in response.content.decode()
    assert history_rows() == rows


def test_admin_preview_of_an_unchanged_document_says_so(client: Client, django_user_model: Any, org: Any) -> None:
    admin_user = django_user_model.objects.create_superuser(username="root", password="x", email="r@example.com")
    client.force_login(admin_user)
    response = client.post(reverse("admin:config_import"), {"preset": "three_tier"})
    assert 'id="import-nothing"' in response.content.decode()
    assert 'name="confirm"' not in response.content.decode()


def regional(org: dict[str, Any]) -> tuple[Any, Any]:
    """HQ lets regions set level 1's P2 resolution time within 24–72 and the follow-up delay; East has set both."""
    from complaints.models import EscalationLevel, RegionalBound, RegionalValue

    level = EscalationLevel.objects.get(rank=1)
    p2 = Priority.objects.get(code="P2")
    bound = RegionalBound.objects.create(
        setting="resolution_time", level=level, priority=p2, minimum=24, maximum=72, may_override=True
    )
    follow = RegionalBound.objects.create(setting="follow_up", minimum=12, maximum=96)
    RegionalValue.objects.create(bound=bound, department=org["east"], value=48)
    RegionalValue.objects.create(bound=follow, department=org["east"], value=24)
    return bound, follow


def test_regional_bounds_values_and_triage_settings_round_trip(org: dict[str, Any]) -> None:
    from complaints.models import EmotionPhrase, RegionalBound, RegionalValue, TriageSettings

    regional(org)
    document = config_export()
    assert document["regional_bounds"][-1] == {
        "setting": "resolution_time",
        "level": 1,
        "priority": "P2",
        "may_override": True,
        "minimum": "24.00",
        "maximum": "72.00",
        "values": [{"department": "east", "value": "48.00", "calendar": None}],
    }
    assert document["triage_settings"]["angry_from"] == TriageSettings.objects.get().angry_from
    assert len(document["emotion_lexicon"]) == EmotionPhrase.objects.count() > 0
    assert "triage_models" not in document  # derived data: retrained from the organisation's own history

    changed = fresh(document)
    changed["regional_bounds"][-1]["maximum"] = "96"
    changed["regional_bounds"][-1]["values"][0]["value"] = "90"
    changed["regional_bounds"][0]["values"] = []
    changed["triage_settings"]["angry_from"] = 50
    changed["emotion_lexicon"][0]["weight"] = 33
    changed["emotion_lexicon"].append({"phrase": "糟心", "kind": "intensity", "weight": 20, "active": True})
    preview = config_preview(document=changed)
    sections = {c.section for c in preview.changes}
    assert sections == {"regional_bounds", "triage_settings", "emotion_lexicon"}
    settings_change = next(c for c in preview.changes if c.section == "triage_settings")
    assert ("angry_from", str(document["triage_settings"]["angry_from"]), "50") in settings_change.fields
    assert ("emotion_lexicon", "added", "糟心") in {(c.section, c.action, c.item) for c in preview.changes}

    ids = set(RegionalBound.objects.values_list("pk", flat=True))
    config_import(document=fresh(changed))
    assert set(RegionalBound.objects.values_list("pk", flat=True)) == ids  # updated in place
    value = RegionalValue.objects.get()
    assert (value.value, value.bound.maximum) == (90, 96)
    assert TriageSettings.objects.get().angry_from == 50
    assert EmotionPhrase.objects.filter(phrase="糟心").exists()
    again = config_export()
    assert again["regional_bounds"][-1]["values"] == [{"department": "east", "value": "90.00", "calendar": None}]
    assert again["triage_settings"] == changed["triage_settings"]

    rows = history_rows()  # the same document again: nothing changes, no history
    assert config_preview(document=fresh(changed)).changes == ()
    config_import(document=fresh(changed))
    assert history_rows() == rows
    config_import(document=fresh(document))
    assert config_export() == document


def test_a_regional_value_outside_hqs_bounds_is_refused_and_nothing_applied(org: dict[str, Any]) -> None:
    from complaints.services.config_io import ConfigImportError

    regional(org)
    before = config_export()
    document = fresh(before)
    document["roles"][0]["name"] = "Would be renamed"
    document["regional_bounds"][-1]["values"][0]["value"] = "100"
    with pytest.raises(ConfigImportError) as caught:
        config_preview(document=fresh(document))
    message = "regional_bounds[1].values[0].value: 100 is outside HQ's bounds: 24.00 to 72.00."
    assert message in caught.value.errors
    with pytest.raises(ConfigImportError):
        config_import(document=fresh(document))
    assert config_export() == before

    document = fresh(before)  # HQ switching a number off refuses a value the document sets for it
    document["regional_bounds"][0].update(may_override=False)
    document["regional_bounds"][0]["values"][0]["value"] = "30"
    with pytest.raises(ConfigImportError) as caught:
        config_import(document=document)
    assert any("HQ does not let regions set this number" in e for e in caught.value.errors)
    assert config_export() == before


def test_narrowing_bounds_keeps_a_value_left_as_it_is_like_the_admin(org: dict[str, Any]) -> None:
    """In the admin, HQ narrowing the bounds keeps the regions' values (one outside stops applying);
    the import does the same, and the export of that state imports again unchanged."""
    from complaints.models import RegionalValue

    regional(org)
    document = config_export()
    document["regional_bounds"][-1]["maximum"] = "36"  # East's 48 is now outside: kept, not applied
    config_import(document=fresh(document))
    assert RegionalValue.objects.get(department=org["east"], bound__setting="resolution_time").value == 48
    rows = history_rows()
    config_import(document=config_export())
    assert history_rows() == rows


def test_every_admin_model_is_exported_or_left_out_on_purpose() -> None:
    """A settings model registered in the admin (page or inline) must travel in the document, or be
    listed with the reason it does not (NOT_EXPORTED), so none is forgotten."""
    from django.contrib import admin

    from complaints.services.config_io import EXPORTED, NOT_EXPORTED, SECTIONS

    shown = set()
    for model, model_admin in admin.site._registry.items():
        shown.add(model._meta.label)
        shown.update(inline.model._meta.label for inline in model_admin.inlines)
    assert shown - set(EXPORTED) - set(NOT_EXPORTED) == set()
    assert not set(EXPORTED) & set(NOT_EXPORTED)
    assert set(EXPORTED.values()) <= set(SECTIONS)
    assert "complaints.TriageModel" in NOT_EXPORTED
    history = {model._meta.label for model in CONFIG_MODELS}
    assert {label for label in EXPORTED if label != "complaints.FormVersion"} - history == set()


def test_a_changed_section_updates_its_rows_in_place(org: dict[str, Any], agent: Any) -> None:
    """Inside a changed section only what differs is written: ids stay, the history shows one
    "changed" row (old → new) per changed row, "added"/"deleted" only for rows that came or went."""
    from complaints.models import NotificationTemplate, RoutingCondition, RoutingRule, StageRoute

    document = config_export()
    ids = {
        model: set(model.objects.values_list("pk", flat=True))
        for model in (LevelLimit, Membership, RoutingRule, RoutingCondition, StageRoute, NotificationTemplate)
    }
    rows = {model: model.history.count() for model in ids}
    changed_limits = LevelLimit.history.filter(history_type="~").count()
    document["levels"][0]["limits"][2]["resolution_amount"] = 2
    document["memberships"].append({"user": agent.username, "department": "east", "role": "agent"})
    document["memberships"].sort(key=lambda m: (m["user"], m["department"], m["role"]))
    rule = next(r for r in document["routing_rules"] if r["conditions"])
    rule["set_department"] = "east"
    document["notification_templates"][0]["subject"] = "Changed subject"

    config_import(document=fresh(document))

    for model in (LevelLimit, RoutingRule, RoutingCondition, StageRoute, NotificationTemplate):
        assert set(model.objects.values_list("pk", flat=True)) == ids[model], model
    assert ids[Membership] < set(Membership.objects.values_list("pk", flat=True))
    assert LevelLimit.history.count() == rows[LevelLimit] + 1
    assert LevelLimit.history.filter(history_type="~").count() == changed_limits + 1
    assert Membership.history.count() == rows[Membership] + 1
    assert RoutingRule.history.count() == rows[RoutingRule] + 1
    assert RoutingCondition.history.count() == rows[RoutingCondition]
    assert StageRoute.history.count() == rows[StageRoute]
    assert NotificationTemplate.history.count() == rows[NotificationTemplate] + 1
    assert config_export() == document
