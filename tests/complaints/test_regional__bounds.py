"""Regions adjust within bounds (issue 24): HQ says which numbers a region may set and within which
bounds; a regional admin sets the values of their own subtree only; a complaint gets the value of
the nearest department above it (HQ's otherwise), and the dry run and the escalation package say
which value applied and where it came from."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from complaints.models import (
    Complaint,
    Department,
    EscalationLevel,
    LevelLimit,
    Priority,
    ProcessSettings,
    RegionalBound,
    RegionalValue,
)
from complaints.selectors.common import follow_up_due
from complaints.selectors.routing import level_deadlines, routing_preview
from complaints.services.approvals import approving_level
from complaints.services.escalation import complaint_escalate
from complaints.services.regional import RegionalRefused, regional_value_set
from flows import driver
from tests.complaints.test_admin__config import admin_form_data, admin_url, page_text
from tests.conftest import intake_data, make_user

pytestmark = pytest.mark.django_db


def level(rank: int) -> EscalationLevel:
    return EscalationLevel.objects.get(rank=rank)


@pytest.fixture
def west(org: dict[str, Any]) -> dict[str, Department]:
    region = Department.objects.create(code="west", name="West", kind="region", parent=org["hq"])
    store = Department.objects.create(code="store-w", name="Store W", kind="store", parent=region)
    return {"region": region, "store": store}


@pytest.fixture
def p1_resolution(org: dict[str, Any]) -> RegionalBound:
    """HQ: regions may set level 2's time to resolve P1 complaints between 12 and 48 hours (HQ: 24)."""
    return RegionalBound.objects.create(
        setting="resolution_time",
        level=level(2),
        priority=Priority.objects.get(code="P1"),
        minimum=Decimal(12),
        maximum=Decimal(48),
    )


@pytest.fixture
def regional_admin(org: dict[str, Any], django_user_model: Any) -> Any:
    """East's regional admin: staff, may edit regional values (and, by their group, levels), but only
    for East and the stores below it; HQ's own numbers are not theirs to change."""
    user = make_user("east_admin", org["east"], "regional_lead")
    user.is_staff = True
    user.save()
    wanted = ["view", "add", "change", "delete"]
    codenames = [f"{verb}_{model}" for verb in wanted for model in ("regionalvalue", "escalationlevel", "levellimit")]
    codenames += ["view_regionalbound", "change_regionalbound", "view_department", "view_businesscalendar"]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="complaints", codename__in=codenames))
    return user


def test_the_nearest_departments_value_sets_the_deadline_else_hqs(org, west, p1_resolution):
    RegionalValue.objects.create(bound=p1_resolution, department=org["east"], value=Decimal(36))
    start = timezone.now()
    p1 = Priority.objects.get(code="P1")
    east_store = level_deadlines(
        level=level(2), priority=p1, start=start, first_response=False, department=org["store_a"]
    )
    west_store = level_deadlines(
        level=level(2), priority=p1, start=start, first_response=False, department=west["store"]
    )
    assert east_store.resolution_due == start + timedelta(hours=36)
    assert west_store.resolution_due == start + timedelta(hours=24)
    assert east_store.terms.resolution.department_id == org["east"].pk
    assert west_store.terms.resolution.department_id is None
    # A store's own value is nearer than its region's.
    RegionalValue.objects.create(bound=p1_resolution, department=org["store_a"], value=Decimal(30))
    nearer = level_deadlines(level=level(2), priority=p1, start=start, first_response=False, department=org["store_a"])
    assert nearer.resolution_due == start + timedelta(hours=30)


def test_hq_narrowing_the_bounds_or_switching_overrides_off_brings_back_hqs_value(org, p1_resolution):
    RegionalValue.objects.create(bound=p1_resolution, department=org["east"], value=Decimal(36))
    p1, start = Priority.objects.get(code="P1"), timezone.now()
    p1_resolution.minimum = Decimal(40)
    p1_resolution.save()
    due = level_deadlines(level=level(2), priority=p1, start=start, first_response=False, department=org["store_a"])
    assert due.resolution_due == start + timedelta(hours=24)
    assert due.terms.resolution.note == "outside_bounds"
    p1_resolution.minimum, p1_resolution.may_override = Decimal(12), False
    p1_resolution.save()
    due = level_deadlines(level=level(2), priority=p1, start=start, first_response=False, department=org["store_a"])
    assert (due.resolution_due, due.terms.resolution.note) == (start + timedelta(hours=24), "not_allowed")


def test_authority_and_follow_up_are_resolved_by_the_complaints_department(org, west):
    bound = RegionalBound.objects.create(setting="authority", level=level(1), maximum=Decimal(5000))
    RegionalValue.objects.create(bound=bound, department=org["east"], value=Decimal(5000))
    follow = RegionalBound.objects.create(setting="follow_up", minimum=Decimal(24), maximum=Decimal(96))
    RegionalValue.objects.create(bound=follow, department=org["east"], value=Decimal(72))
    # 4000 CNY: level 1 (HQ 3000) cannot grant it, but East's stores may (their level 1 has 5000).
    assert approving_level(amount=Decimal(4000), department=org["store_a"].pk).rank == 1
    assert approving_level(amount=Decimal(4000), department=west["store"].pk).rank == 2
    closed = timezone.now()
    east_case = Complaint(department=org["store_a"], closed_at=closed)
    west_case = Complaint(department=west["store"], closed_at=closed)
    hq_hours = ProcessSettings.objects.get().follow_up_delay_hours
    assert follow_up_due(complaint=east_case) == closed + timedelta(hours=72)
    assert follow_up_due(complaint=west_case) == closed + timedelta(hours=hq_hours)


def test_a_value_outside_hqs_bounds_is_refused_by_the_model_and_the_service(org, regional_admin, p1_resolution):
    with pytest.raises(ValidationError) as refused:
        RegionalValue(bound=p1_resolution, department=org["east"], value=Decimal(60)).full_clean()
    assert "outside HQ's bounds" in str(refused.value)
    with pytest.raises(RegionalRefused):
        regional_value_set(actor=regional_admin, bound=p1_resolution, department=org["east"], value=Decimal(6))
    assert not RegionalValue.objects.exists()
    p1_resolution.may_override = False
    p1_resolution.save()
    with pytest.raises(RegionalRefused) as off:
        regional_value_set(actor=regional_admin, bound=p1_resolution, department=org["east"], value=Decimal(36))
    assert "HQ does not let regions set this number." in str(off.value.message)


def test_hq_bounds_refuse_impossible_shapes(org):
    with pytest.raises(ValidationError) as refused:
        RegionalBound(setting="resolution_time", level=level(2), minimum=Decimal(50), maximum=Decimal(10)).full_clean()
    errors = refused.value.message_dict
    assert "priority" in errors and "maximum" in errors


def test_a_regional_admin_sets_their_regions_value_in_the_admin(client: Client, org, regional_admin, p1_resolution):
    client.force_login(regional_admin)
    url = admin_url(RegionalValue, "add")
    data = admin_form_data(client.get(url))
    data.update(bound=str(p1_resolution.pk), department=str(org["east"].pk), value="36")
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    assert RegionalValue.objects.get().value == Decimal(36)


def test_a_value_outside_the_bounds_is_refused_on_the_admin_page(client: Client, org, regional_admin, p1_resolution):
    client.force_login(regional_admin)
    url = admin_url(RegionalValue, "add")
    data = admin_form_data(client.get(url))
    data.update(bound=str(p1_resolution.pk), department=str(org["east"].pk), value="60")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "60 is outside HQ's bounds: 12.00 to 48.00." in page_text(response)
    assert not RegionalValue.objects.exists()


def test_a_regional_admin_cannot_touch_another_region_or_hqs_numbers(
    client: Client, org, west, regional_admin, p1_resolution
):
    theirs = RegionalValue.objects.create(bound=p1_resolution, department=west["region"], value=Decimal(20))
    client.force_login(regional_admin)
    # Another region's value is not listed, cannot be opened and cannot be created.
    listing = page_text(client.get(admin_url(RegionalValue, "changelist")))
    assert "West" not in listing
    response = client.get(admin_url(RegionalValue, "change", theirs.pk))
    assert response.status_code == 302  # "does not exist": the admin sends them back to the list
    data = admin_form_data(client.get(admin_url(RegionalValue, "add")))
    data.update(bound=str(p1_resolution.pk), department=str(west["store"].pk), value="30")
    refused = client.post(admin_url(RegionalValue, "add"), data)
    assert refused.status_code == 200
    assert RegionalValue.objects.count() == 1
    with pytest.raises(RegionalRefused):
        regional_value_set(actor=regional_admin, bound=p1_resolution, department=west["store"], value=Decimal(30))
    # HQ's own numbers (a level's limits and authority, HQ's bounds) are read-only for them.
    level_url = admin_url(EscalationLevel, "change", level(2).pk)
    post = client.post(level_url, {"rank": "2", "name": "Mine now", "warning_percent": "50"})
    assert post.status_code == 403
    assert level(2).name != "Mine now"
    bound_url = admin_url(RegionalBound, "change", p1_resolution.pk)
    assert client.post(bound_url, {"setting": "resolution_time", "maximum": "500"}).status_code == 403
    p1_resolution.refresh_from_db()
    assert p1_resolution.maximum == Decimal(48)
    theirs.refresh_from_db()
    assert theirs.value == Decimal(20)


def test_the_dry_run_says_which_value_applied_and_whose_it_is(org, p1_resolution):
    RegionalValue.objects.create(bound=p1_resolution, department=org["east"], value=Decimal(36))
    LevelLimit.objects.filter(level=level(2)).exists()
    sample = Complaint(
        category=org["category"], channel="regulator", customer_words="I will go to the regulator", demand="refund"
    )
    result = routing_preview(complaint=sample, department=org["store_a"], at=timezone.now())
    assert result["priority"]["code"] == "P1" and result["level"]["rank"] == 2
    lines = {line["setting"]: line for line in result["applied"]}
    assert lines["resolution_time"]["source"] == "East" and lines["resolution_time"]["regional"] is True
    assert lines["resolution_time"]["value"].startswith("36 ")
    assert lines["response_time"]["regional"] is False and lines["response_time"]["source"] == ""


def test_the_escalation_package_says_which_numbers_apply_and_from_where(org, agent, p1_resolution):
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    bound = RegionalBound.objects.create(setting="warning_percent", level=level(2), minimum=50, maximum=95)
    RegionalValue.objects.create(bound=bound, department=org["east"], value=Decimal(60))
    escalation = complaint_escalate(complaint=complaint, actor=agent, reason="customer_asked")
    lines = {line["setting"]: line for line in escalation.package["applied"]}
    assert lines["warning_percent"] == {
        "setting": "warning_percent",
        "value": "60 %",
        "source": "East",
        "regional": True,
        "note": "",
    }
    assert lines["authority"]["regional"] is False
