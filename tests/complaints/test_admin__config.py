"""The configuration product (the Django admin) as a superuser uses it: every page opens, impossible
values are refused with a clear message and change nothing, a changed limit drives the next
complaint's deadline, every change is in the history, and the import / dry-run tools behave."""

import html
import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.text import capfirst

from complaints.admin.tools import CONFIG_MODELS
from complaints.models import (
    BusinessCalendar,
    Complaint,
    Department,
    EscalationLevel,
    NotificationChannel,
    NotificationPreference,
    NotificationTemplate,
    Priority,
    ProcessSettings,
    RoutingRule,
    StageProfile,
    StageRoute,
)
from complaints.services.config_io import config_export
from tests.flows.test_flows__journey import register

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # an ordinary Monday, office hours 09:00–18:00

REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
CONFIG_ADMIN_MODELS = [model for model in CONFIG_MODELS if model in admin.site._registry]


# Helpers ------------------------------------------------------------------------------------------


def model_label(model: Any) -> str:
    return str(model._meta.label)


def admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def page_text(response: Any) -> str:
    """The page as a user reads it: HTML entities (quotes, arrows) decoded."""
    return html.unescape(response.content.decode())


def form_fields(form: forms.BaseForm) -> dict[str, Any]:
    """What the browser would post for a rendered form left as it is."""
    data: dict[str, Any] = {}
    for bound in form:
        widget = bound.field.widget
        while hasattr(widget, "widget"):  # the admin wraps selects (add/change links, autocomplete)
            widget = widget.widget
        value = bound.value()
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def admin_form_data(response: Any) -> dict[str, Any]:
    """The POST data of an admin add/change page as rendered: the main form, then every inline
    with its management form."""
    data = form_fields(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_fields(formset.management_form))
        for form in formset.forms:
            data.update(form_fields(form))
    data["_save"] = "Save"
    return data


def inline_row(response: Any, prefix: str, matches: Any) -> str:
    """The field prefix ("limits-2") of the existing inline row whose object satisfies `matches`."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            for form in inline.formset.forms:
                if form.instance.pk is not None and matches(form.instance):
                    return form.prefix
    raise AssertionError(f"no {prefix} row matches")


def add_inline_row(data: dict[str, Any], prefix: str, **fields: str) -> None:
    """Appends a new row to an inline, as the "Add another" link does."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


def post_change(client: Client, url: str, **changes: Any) -> Any:
    """Opens a change page, edits the given fields (by their HTML names) and saves."""
    page = client.get(url)
    assert page.status_code == 200
    data = admin_form_data(page)
    for name, value in changes.items():
        data[name] = value
    return client.post(url, data)


def level(rank: int) -> EscalationLevel:
    return EscalationLevel.objects.get(rank=rank)


def limits_row(client: Client, rank: int, priority: str) -> str:
    page = client.get(admin_url(EscalationLevel, "change", level(rank).pk))
    return inline_row(page, "limits", lambda limit: limit.priority.code == priority)


def import_errors(response: Any) -> list[str]:
    found = re.search(r'<ul class="errorlist" id="import-errors">(.*?)</ul>', response.content.decode(), re.S)
    assert found, "the import page lists no problems"
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


# Fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def superuser(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser(username="config_admin", password="x", email="a@example.com")


@pytest.fixture
def superuser_client(client: Client, superuser: Any) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def populated(org: dict[str, Any], agent: Any, superuser: Any) -> dict[str, Any]:
    """The three-tier organisation with one registered complaint (events, process, tasks) and a row
    in every model the admin shows."""
    complaint = register(agent, org, batch_number="B-1")
    # A batch investigation and a delivery (read-only admin pages): rows as the services leave them.
    from complaints.models import BatchInvestigation, Delivery

    Delivery.objects.create(batch_number="B-1", plate_or_vin="V1", customer_name="N", phone="+8613800138000")
    investigation = BatchInvestigation.objects.create(key="batch:B-1", batch_number="B-1", opened_how="marked")
    investigation.complaints.add(complaint)
    Group.objects.get_or_create(name="Configuration editors")
    channel = NotificationChannel.objects.create(
        code="sms", name="SMS", kind="webhook", url="http://127.0.0.1:9/hook", secret="s", timeout_seconds=5
    )
    preference = NotificationPreference.objects.create(
        user=agent, gateway_address="+8613800000000", quiet_start=time(22), quiet_end=time(7), time_zone="UTC"
    )
    preference.channels.add(channel)
    from complaints.models import Notification

    Notification.objects.create(
        key="admin-row", event="p0", complaint=complaint, address="a@example.com", subject="P0", body="x"
    )
    # The integration API's admin pages (a token, a webhook subscription and one delivery).
    from api.models import ApiToken, WebhookDelivery, WebhookSubscription

    token = ApiToken(name="CRM", owner=agent)
    token.set_token()
    token.save()
    subscription = WebhookSubscription.objects.create(name="CRM", url="http://127.0.0.1:9/hook", events=["closed"])
    WebhookDelivery.objects.create(
        subscription=subscription, event=complaint.events.first(), event_type="closed", message_id="msg_1", payload={}
    )
    # Login throttling's records (django-axes registers its own admin pages).
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {"user_agent": "pytest", "ip_address": "127.0.0.1", "username": "agent_a", "http_accept": "*/*"}
    AccessAttempt.objects.create(
        **seen, path_info="/accounts/login/", get_data="", post_data="", failures_since_start=1
    )
    AccessLog.objects.create(**seen, path_info="/accounts/login/")
    AccessFailureLog.objects.create(**seen, path_info="/accounts/login/")
    # The KPI settings (the migration's row) and one review pack of the archive.
    from complaints.models import ReviewPack
    from tests.complaints.kpi_fixture import ensure_settings

    ensure_settings()
    pack = ReviewPack.objects.create(
        kind="weekly",
        period="2026-W48",
        starts=date(2026, 11, 23),
        ends=date(2026, 11, 30),
        language="en",
        html="<p>pack</p>",
        pdf=b"%PDF",
        xlsx=b"PK",
    )
    # Privacy (issue 26): the policy and one access-log row; the customer portal (issue 21): its
    # settings and one tracking link.
    from django.utils import timezone

    from complaints.models import AccessLog as CaseAccessLog
    from complaints.models import CustomerLink, PortalSettings, PrivacyPolicy

    PrivacyPolicy.objects.get_or_create()
    CaseAccessLog.objects.create(user=agent, complaint=complaint, kind=CaseAccessLog.Kind.REVEAL, reason="call back")
    if not PortalSettings.objects.exists():
        PortalSettings.objects.create(
            receiving_department=complaint.department,
            filings_per_address=10,
            filings_per_phone=3,
            filing_window_minutes=60,
            link_valid_days=90,
        )
    CustomerLink.objects.create(complaint=complaint, token_hash="0" * 64, expires_at=timezone.now() + timedelta(days=1))
    # A trained triage model (read-only: training makes them); triage settings and the emotion
    # lexicon come from the migration.
    from complaints.models import TriageModel

    TriageModel.objects.create(
        version=1,
        trained_at=timezone.now(),
        data_size=60,
        seed=1,
        params={},
        evaluation={
            "priority": {
                "trained_on": 48,
                "held_out": 12,
                "accuracy": 0.75,
                "majority_label": "3",
                "majority_accuracy": 0.5,
                "per_label": {"3": {"precision": 0.8, "recall": 0.7, "support": 6}},
            }
        },
        active=True,
    )

    # Regions within bounds (issue 24): HQ's bound on one number and East's value of it.
    from complaints.models import RegionalBound, RegionalValue

    bound = RegionalBound.objects.create(setting="warning_percent", level=level(2), minimum=50, maximum=95)
    RegionalValue.objects.create(bound=bound, department=org["east"], value=60)
    # An admin-defined step (issue 24).
    from complaints.models import CustomStep, Role

    CustomStep.objects.create(
        code="legal-review",
        name_en="Legal review",
        name_zh_hans="法务审核",
        point="before_permanent_actions",
        role=Role.objects.get(code="agent"),
    )
    # A review decision (issue 22) and a file kept for an intake form that came back (issue 20).
    from django.core.files.base import ContentFile

    from complaints.models import PendingUpload, ReviewDecision

    ReviewDecision.objects.create(pack=pack, description="Corner guards", owner=agent, due_date=date(2026, 12, 31))
    PendingUpload.objects.create(
        owner=agent, draft="d" * 32, file=ContentFile(b"x", name="kept.txt"), name="kept.txt", size=1
    )
    # The admin's own export of complaints (each staff member sees only theirs).
    from complaints.models import ComplaintExport

    ComplaintExport.objects.create(
        requested_by=superuser, kind="records", ids=[complaint.pk], format="csv", language="en", description="1"
    )
    for model in REGISTERED_MODELS:
        assert model._default_manager.exists(), f"no {model._meta.label} row to open"
    return org


# 1. Every page opens ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=model_label)
def test_list_add_and_history_pages_of_every_model_open(superuser_client: Client, populated: Any, model: Any) -> None:
    obj = model._default_manager.order_by("pk").first()
    changelist = superuser_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert superuser_client.get(admin_url(model, "history", obj.pk)).status_code == 200
    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        assert superuser_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=model_label)
def test_change_page_of_every_model_opens(superuser_client: Client, populated: Any, model: Any) -> None:
    obj = model._default_manager.order_by("pk").first()
    response = superuser_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert str(obj) in page_text(response)


@pytest.mark.parametrize("model", CONFIG_ADMIN_MODELS, ids=model_label)
def test_config_object_history_lists_its_creation(superuser_client: Client, populated: Any, model: Any) -> None:
    obj = model._default_manager.order_by("pk").first()
    created = obj.history.filter(history_type="+").exists()
    if not created:  # a settings row its data migration made (KPI settings): its first edit is recorded
        obj.save()
    response = superuser_client.get(admin_url(model, "history", obj.pk))
    assert response.status_code == 200
    assert ("Created" if created else "Changed") in page_text(response)


@pytest.mark.parametrize("model", CONFIG_ADMIN_MODELS, ids=model_label)
def test_saving_a_config_page_unchanged_keeps_the_configuration(
    superuser_client: Client, populated: Any, model: Any
) -> None:
    before = config_export()
    obj = model._default_manager.order_by("pk").first()
    response = post_change(superuser_client, admin_url(model, "change", obj.pk))
    assert response.status_code == 302, page_text(response)[:3000]
    assert config_export() == before


def test_tool_pages_open_and_export_is_a_redress_document(superuser_client: Client, populated: Any) -> None:
    export = superuser_client.get(reverse("admin:config_export"))
    assert export.status_code == 200
    assert export["Content-Disposition"].startswith("attachment;")
    document = json.loads(export.content)
    assert document["format"] == "redress-config"
    assert [lv["rank"] for lv in document["levels"]] == [1, 2, 3]

    for name in ("admin:config_import", "admin:config_history", "admin:routing_preview"):
        assert superuser_client.get(reverse(name)).status_code == 200, name


# 2. Impossible values are refused and change nothing ----------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "greater than or equal to 1"), ("-5", "greater than or equal to")],
    ids=["zero", "negative"],
)
def test_level_limit_must_be_positive(superuser_client: Client, org: Any, amount: str, message: str) -> None:
    before = config_export()
    row = limits_row(superuser_client, 1, "P2")
    response = post_change(
        superuser_client, admin_url(EscalationLevel, "change", level(1).pk), **{f"{row}-resolution_amount": amount}
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert config_export() == before


@pytest.mark.parametrize(
    ("percent", "message"),
    [("100", "less than or equal to 99"), ("0", "greater than or equal to 1")],
)
def test_warning_percent_must_be_between_1_and_99(
    superuser_client: Client, org: Any, percent: str, message: str
) -> None:
    before = config_export()
    response = post_change(superuser_client, admin_url(EscalationLevel, "change", level(1).pk), warning_percent=percent)
    assert response.status_code == 200
    assert message in page_text(response)
    assert level(1).warning_percent == 80
    assert config_export() == before


def test_level_cannot_have_less_authority_than_a_level_below_it(superuser_client: Client, org: Any) -> None:
    before = config_export()
    # Region (L2) below the store's 3000: the store would outrank its region.
    response = post_change(superuser_client, admin_url(EscalationLevel, "change", level(2).pk), authority_amount="1000")
    assert response.status_code == 200
    assert "cannot be ordered above a level with more authority" in page_text(response)
    assert str(level(2).authority_amount) == "10000.00"
    assert config_export() == before


def test_business_time_level_needs_a_calendar(superuser_client: Client, org: Any) -> None:
    before = config_export()
    response = post_change(superuser_client, admin_url(EscalationLevel, "change", level(1).pk), calendar="")
    assert response.status_code == 200
    assert "Choose the calendar whose working hours this level counts." in page_text(response)
    assert level(1).calendar is not None
    assert config_export() == before


def test_level_must_give_limits_for_every_priority(superuser_client: Client, org: Any) -> None:
    before = config_export()
    row = limits_row(superuser_client, 1, "P3")
    response = post_change(
        superuser_client, admin_url(EscalationLevel, "change", level(1).pk), **{f"{row}-DELETE": "on"}
    )
    assert response.status_code == 200
    assert "Give limits for every priority; missing: P3." in page_text(response)
    assert level(1).limits.filter(priority__code="P3").exists()
    assert config_export() == before


def _rule_with_condition() -> RoutingRule:
    """A rule with one condition, "requested_amount gt 3000" → region."""
    rule = RoutingRule.objects.create(position=45, name="Big demand", set_level=EscalationLevel.objects.get(rank=2))
    rule.conditions.create(field="requested_amount", operator="gt", value="3000")
    return rule


def test_routing_condition_on_an_unknown_field_lists_the_known_fields(superuser_client: Client, org: Any) -> None:
    rule = _rule_with_condition()
    before = config_export()
    url = admin_url(RoutingRule, "change", rule.pk)
    row = inline_row(superuser_client.get(url), "conditions", lambda condition: True)
    response = post_change(superuser_client, url, **{f"{row}-field": "nope"})
    assert response.status_code == 200
    text = page_text(response)
    assert "There is no field “nope”. Known fields:" in text
    assert "requested_amount" in text.split("There is no field “nope”. Known fields:")[1][:1000]
    assert list(rule.conditions.values_list("field", flat=True)) == ["requested_amount"]
    assert config_export() == before


def test_routing_condition_with_a_word_for_a_number_is_refused(superuser_client: Client, org: Any) -> None:
    rule = _rule_with_condition()
    before = config_export()
    url = admin_url(RoutingRule, "change", rule.pk)
    row = inline_row(superuser_client.get(url), "conditions", lambda condition: True)
    response = post_change(superuser_client, url, **{f"{row}-value": "lots"})
    assert response.status_code == 200
    assert "“lots” is not a number." in page_text(response)
    assert list(rule.conditions.values_list("value", flat=True)) == ["3000"]
    assert config_export() == before


def test_department_cannot_be_placed_under_itself(superuser_client: Client, org: Any) -> None:
    before = config_export()
    hq = org["hq"]
    response = post_change(superuser_client, admin_url(Department, "change", hq.pk), parent=str(org["store_a"].pk))
    assert response.status_code == 200
    assert "A department cannot be placed under itself." in page_text(response)
    hq.refresh_from_db()
    assert hq.parent is None
    assert config_export() == before


def test_calendar_hours_may_not_overlap_on_one_weekday(superuser_client: Client, org: Any) -> None:
    before = config_export()
    calendar = BusinessCalendar.objects.get(code="office-hours")
    url = admin_url(BusinessCalendar, "change", calendar.pk)
    data = admin_form_data(superuser_client.get(url))
    add_inline_row(data, "hours", calendar=str(calendar.pk), weekday="0", start="17:00", end="20:00")
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert "Working hours on Monday overlap." in page_text(response)
    assert calendar.hours.count() == 5
    assert config_export() == before


def test_priority_colour_must_be_hex(superuser_client: Client, org: Any) -> None:
    before = config_export()
    p0 = Priority.objects.get(code="P0")
    response = post_change(superuser_client, admin_url(Priority, "change", p0.pk), colour="red")
    assert response.status_code == 200
    assert "Enter a hex colour such as #d32f2f." in page_text(response)
    p0.refresh_from_db()
    assert p0.colour == "#c62828"
    assert config_export() == before


def test_notification_template_with_an_unknown_placeholder_is_refused(superuser_client: Client, org: Any) -> None:
    before = config_export()
    template = NotificationTemplate.objects.get(event="breach", language="en")
    response = post_change(
        superuser_client, admin_url(NotificationTemplate, "change", template.pk), body="Late: {reference} {nope}"
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Unknown placeholder(s) {nope}." in text
    assert "Available: {reference}" in text
    template.refresh_from_db()
    assert "{nope}" not in template.body
    assert config_export() == before


# 3. A changed limit applies to the next complaint -------------------------------------------------


def test_changed_limit_sets_the_next_complaints_deadline(superuser_client: Client, org: Any, agent: Any) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        before = register(agent, org)
    assert (before.priority.code, before.level.rank) == ("P2", 1)
    assert before.resolution_due == datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)  # 1 business day

    row = limits_row(superuser_client, 1, "P2")
    response = post_change(
        superuser_client,
        admin_url(EscalationLevel, "change", level(1).pk),
        **{f"{row}-resolution_amount": "5", f"{row}-resolution_unit": "hours"},
    )
    assert response.status_code == 302, page_text(response)[:3000]

    with time_machine.travel(MONDAY_10, tick=False):
        after = register(agent, org)
    assert (after.priority.code, after.level.rank) == ("P2", 1)
    # 5 business hours from Monday 10:00 in the 09:00–18:00 calendar
    assert after.resolution_due == datetime(2026, 11, 23, 15, 0, tzinfo=SHANGHAI)
    before.refresh_from_db()
    assert before.resolution_due == datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)  # open ones keep theirs


# 4. History -----------------------------------------------------------------------------------------


def test_config_history_shows_who_changed_what_from_old_to_new(
    superuser_client: Client, superuser: Any, org: Any
) -> None:
    store = level(1)
    response = post_change(superuser_client, admin_url(EscalationLevel, "change", store.pk), warning_percent="70")
    assert response.status_code == 302, page_text(response)[:3000]
    assert level(1).warning_percent == 70

    history = superuser_client.get(reverse("admin:config_history"))
    assert history.status_code == 200
    row = next(r for r in history.context["rows"] if r["record"].history_type == "~" and r["record"].id == store.pk)
    assert row["record"].history_user == superuser
    text = page_text(history)
    assert superuser.username in text
    label = str(EscalationLevel._meta.get_field("warning_percent").verbose_name)
    assert label.startswith("warn at")
    assert f"{label}</strong>: 80 → 70" in text

    own = superuser_client.get(admin_url(EscalationLevel, "history", store.pk))
    assert own.status_code == 200
    own_text = page_text(own)
    assert "Changed" in own_text and superuser.username in own_text
    assert re.search(rf"{re.escape(capfirst(label))}:</strong>\s*80\s*\u00a0→\u00a0\u00a070", own_text)


# 5. Import ------------------------------------------------------------------------------------------


def test_invalid_import_lists_every_problem_and_changes_nothing(superuser_client: Client, org: Any) -> None:
    before = config_export()
    document = json.loads(json.dumps(before))
    document["levels"][0]["warning_percent"] = 150
    document["routing_rules"][0]["conditions"][0]["field"] = "nope"
    upload = SimpleUploadedFile("config.json", json.dumps(document).encode(), content_type="application/json")

    response = superuser_client.post(reverse("admin:config_import"), {"document": upload, "preset": ""})

    assert response.status_code == 200
    errors = import_errors(response)
    assert any(e.startswith("levels[0].warning_percent:") and "less than or equal to 99" in e for e in errors), errors
    assert any(
        e.startswith("routing_rules[0].conditions[0].field:") and "There is no field “nope”" in e for e in errors
    ), errors
    assert "Nothing was imported" in page_text(response)
    assert config_export() == before


def test_superuser_imports_a_shipped_preset(superuser_client: Client, org: Any) -> None:
    preview = superuser_client.post(reverse("admin:config_import"), {"preset": "four_tier"})
    assert EscalationLevel.objects.count() == 3  # the preview changes nothing
    confirm = preview.context["confirm"]
    response = superuser_client.post(
        reverse("admin:config_import"),
        {"confirm": "1", "text": confirm["text"].value(), "fingerprint": confirm["fingerprint"].value()},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert "Configuration imported" in page_text(response)
    assert EscalationLevel.objects.count() == 4


def test_staff_who_is_not_superuser_may_not_import(client: Client, django_user_model: Any, org: Any) -> None:
    staff = django_user_model.objects.create_user(username="staff_only", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:config_import")).status_code == 403
    assert client.post(reverse("admin:config_import"), {"preset": "four_tier"}).status_code == 403
    assert EscalationLevel.objects.count() == 3


# 6. Routing preview -------------------------------------------------------------------------------


def test_routing_preview_shows_the_decision_and_saves_nothing(superuser_client: Client, org: Any) -> None:
    response = superuser_client.post(
        reverse("admin:routing_preview"), {"department": "store-a", "risk_flagged": "on", "customer_name": "Li"}
    )
    assert response.status_code == 200
    assert response.context["result"]["priority"]["code"] == "P0"
    text = page_text(response)
    assert 'id="preview-result"' in text
    assert "P0 Critical" in text
    assert "L3 HQ" in text
    assert Complaint.objects.count() == 0


def test_routing_preview_with_a_word_for_an_amount_shows_the_field_error(superuser_client: Client, org: Any) -> None:
    response = superuser_client.post(
        reverse("admin:routing_preview"), {"department": "store-a", "requested_amount": "abc"}
    )
    assert response.status_code == 200
    assert "Enter a number." in page_text(response)
    assert response.context["form"].errors["requested_amount"]
    assert response.context["result"] is None
    assert 'id="preview-result"' not in page_text(response)
    assert Complaint.objects.count() == 0


# 7. Defaults cannot be deleted ----------------------------------------------------------------------


def _default_rule() -> RoutingRule:
    return RoutingRule.objects.get(is_default=True)


def _default_profile() -> StageProfile:
    return StageProfile.objects.get(category__isnull=True, priority__isnull=True)


@pytest.mark.parametrize("find", [_default_rule, _default_profile], ids=["routing-rule", "stage-profile"])
def test_default_cannot_be_deleted(superuser_client: Client, org: Any, find: Any) -> None:
    default = find()
    url = admin_url(type(default), "delete", default.pk)
    assert superuser_client.get(url).status_code == 403
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert type(default).objects.filter(pk=default.pk).exists()


@pytest.mark.parametrize("find", [_default_rule, _default_profile], ids=["routing-rule", "stage-profile"])
def test_default_survives_the_bulk_delete_action(superuser_client: Client, org: Any, find: Any) -> None:
    default = find()
    superuser_client.post(
        admin_url(type(default), "changelist"),
        {"action": "delete_selected", admin.helpers.ACTION_CHECKBOX_NAME: [str(default.pk)], "post": "yes"},
    )
    assert type(default).objects.filter(pk=default.pk).exists()


def test_default_rule_cannot_be_switched_off_from_the_list(superuser_client: Client, org: Any) -> None:
    before = config_export()
    url = admin_url(RoutingRule, "changelist")
    changelist = superuser_client.get(url)
    formset = changelist.context["cl"].formset
    data = form_fields(formset.management_form)
    for form in formset.forms:
        data.update(form_fields(form))
        if form.instance.is_default:
            data.pop(form.add_prefix("active"), None)
    data["_save"] = "Save"
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert "The default rule is always active." in page_text(response)
    assert _default_rule().active
    assert config_export() == before


def test_department_tree_and_configuration_history_cost_no_query_per_row(
    superuser_client: Client, org: dict[str, Any]
) -> None:
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert superuser_client.get(url).status_code == 200
        return len(captured)

    departments = reverse("admin:complaints_department_changelist")
    before = queries(departments)
    for n in range(20):
        Department.objects.create(code=f"extra-{n}", name=f"Extra {n}", kind="store", parent=org["east"])
    assert queries(departments) == before

    # A full page (50 lines) of changes to step routes, each named after its role.
    route = StageRoute.objects.get(stage="containment", profile__isnull=True)
    for _ in range(50):
        route.department = None if route.department_id else org["store_a"]
        route.save()
    relations = [f for f in StageRoute._meta.concrete_fields if f.is_relation]
    # session + user + the admin's settings check, the idle session's refresh (an UPDATE in its
    # savepoint), one read per configuration table's history, and at most one query per relation
    # to name the routes: nothing per line. Two more for the staff shell around it: the header's
    # unread notifications and the workspace menu's badges (issue 20). One more since the regional
    # values, custom steps and settings rows joined the history (issue 24): a fixed cost, not per line.
    assert queries(reverse("admin:config_history")) <= 9 + len(CONFIG_MODELS) + len(relations)


def test_routing_preview_shows_the_signals_the_sample_carries(superuser_client: Client, org: Any) -> None:
    response = superuser_client.post(
        reverse("admin:routing_preview"),
        {"department": "store-a", "customer_name": "Li", "customer_words": "车在高速上突然断电了"},
    )
    assert response.status_code == 200
    assert {"code": "safety", "detail": "断电"} in response.context["result"]["signals"]
    assert "safety: 断电" in page_text(response)
    assert response.context["result"]["priority"]["code"] == "P0"


def test_recompute_open_clocks_is_an_explicit_action_on_the_process_settings(
    superuser_client: Client, populated: Any, agent: Any
) -> None:
    complaint = register(agent, populated, risk_flagged="on", customer_phone="13700137099")
    reminder = complaint.clocks.get(kind="progress", state="running")
    settings_row = ProcessSettings.objects.get()
    settings_row.progress_reminder_minutes += 30
    settings_row.save()
    reminder.refresh_from_db()
    assert reminder.due_at - reminder.started_at != timedelta(minutes=settings_row.progress_reminder_minutes)
    response = superuser_client.post(
        admin_url(ProcessSettings, "changelist"),
        {"action": "recompute_open_clocks", "_selected_action": [settings_row.pk]},
        follow=True,
    )
    assert "1 open clock recomputed." in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.due_at - reminder.started_at == timedelta(minutes=settings_row.progress_reminder_minutes)
