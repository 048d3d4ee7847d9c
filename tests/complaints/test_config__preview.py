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
    document["roles"].append({"code": "legal", "name": "Legal", "can_register": False})
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
    assert ("name", "—", "Legal") in changes[("roles", "added", "legal")].fields
    assert ("notification_templates", "removed", f"{gone['event']} / {gone['language']}") in changes
    assert config_export() == before and history_rows() == rows


def test_an_import_writes_history_only_for_what_changed(org: dict[str, Any]) -> None:
    document = config_export()
    document["priorities"][2]["name"] = "Normal, renamed"
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
    document["roles"][0]["name"] = "Front desk"
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
