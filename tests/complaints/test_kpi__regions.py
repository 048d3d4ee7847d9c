"""Regions compared on the same basis: the share of level deadlines met on each region's own limits
(the clocks as they ran) or on HQ's limits (the clocks of regions with their own limits re-timed),
with the basis named. West resolves P2 within its own, looser 48 h where HQ allows 24 h."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from complaints.choices import Outcome, Stage
from complaints.models import (
    Clock,
    Complaint,
    Department,
    EscalationLevel,
    LevelLimit,
    Priority,
    RegionalBound,
    RegionalValue,
)
from complaints.rules.kpi import period_parse, rebased_due
from complaints.selectors.kpi import KpiFilters, RegionBasis, region_comparison
from flows.flows import ComplaintFlow
from tests.complaints import kpi_fixture

pytestmark = pytest.mark.django_db
START = kpi_fixture.MONDAY
WEEK = KpiFilters(period=period_parse("2026-W48"))


@pytest.fixture
def regions(org: dict[str, Any]) -> dict[str, Any]:
    """East on HQ's 24 h to resolve a P2 at level 1; West on its own 48 h (HQ allows up to 72 h).
    One complaint each, resolved after 36 h."""
    kpi_fixture.ensure_settings()
    level = EscalationLevel.objects.get(rank=1)
    level.business_time = False  # calendar hours: the arithmetic of the test reads plainly
    level.save()
    p2 = Priority.objects.get(code="P2")
    LevelLimit.objects.filter(level=level, priority=p2).update(resolution_amount=24, resolution_unit="hours")
    west = Department.objects.create(code="west", name="West", kind="region", parent=org["hq"])
    west_store = Department.objects.create(code="store-w", name="Store W", kind="store", parent=west)
    bound = RegionalBound.objects.create(
        setting="resolution_time", level=level, priority=p2, minimum=Decimal(12), maximum=Decimal(72)
    )
    RegionalValue.objects.create(bound=bound, department=west, value=Decimal(48))
    made = {"west": west}
    for ref, dept, limit in (("E1", org["store_a"], 24), ("W1", west_store, 48)):
        complaint = Complaint.objects.create(
            flow_class=ComplaintFlow,
            reference=ref,
            customer_name="Test",
            customer_words="words",
            demand="repair",
            channel="phone",
            category=org["category"],
            department=dept,
            priority=p2,
            level=level,
            start_level=level,
            received_at=START,
            outcome=Outcome.RESOLVED,
            stage=Stage.CLOSED,
            closed_at=START + timedelta(hours=36),
        )
        due = START + timedelta(hours=limit)
        Clock.objects.create(
            complaint=complaint,
            kind=Clock.Kind.RESOLUTION,
            level=level,
            state=Clock.State.STOPPED,
            started_at=START,
            due_at=due,
            stopped_at=START + timedelta(hours=36),
            breached_at=due if limit < 36 else None,
        )
        made[ref] = complaint
    return made


def _by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["department"].name: row for row in rows}


def test_on_their_own_limits_west_met_its_deadline_and_east_did_not(regions):
    rows = _by_name(region_comparison(user=None, filters=WEEK))
    assert rows["East"]["resolution_met"] == 0.0 and rows["East"]["own_limits"] is False
    assert rows["West"]["resolution_met"] == 100.0 and rows["West"]["own_limits"] is True


def test_on_hqs_limits_west_missed_it_too(regions):
    rows = _by_name(region_comparison(user=None, filters=WEEK, basis=RegionBasis.HQ))
    assert rows["East"]["resolution_met"] == 0.0
    assert rows["West"]["resolution_met"] == 0.0


def test_a_region_within_hqs_limit_stays_met_on_hqs_basis(regions):
    Clock.objects.filter(complaint=regions["W1"]).update(stopped_at=START + timedelta(hours=20))
    rows = _by_name(region_comparison(user=None, filters=WEEK, basis=RegionBasis.HQ))
    assert rows["West"]["resolution_met"] == 100.0


def test_rebasing_keeps_the_customers_pauses():
    # Own 48 h, HQ 24 h; the clock paused a day, so it was due 72 h after its start.
    due = rebased_due(
        due=START + timedelta(hours=72), own=START + timedelta(hours=48), basis=START + timedelta(hours=24)
    )
    assert due == START + timedelta(hours=48)


def test_the_dashboard_names_the_basis_and_switches_to_hqs(regions):
    boss = get_user_model().objects.create_superuser("boss", password="x")
    client = Client()
    client.force_login(boss)
    query = "start=2026-11-23&end=2026-11-29"
    own = client.get(reverse("dashboard:index") + "?" + query).content.decode()
    assert "on each region's own limits" in own and "Compare on HQ's limits" in own
    hq = client.get(reverse("dashboard:index") + "?" + query + "&basis=hq").content.decode()
    assert "Deadlines met on HQ's limits" in hq and "own, compared on HQ's" in hq
