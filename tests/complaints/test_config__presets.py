"""Both organisations of DOMAIN.md, set up by importing their presets, triage real complaints."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints.models import Complaint, EscalationLevel
from complaints.services.config_io import config_import, preset_document
from tests.flows.test_flows__journey import register

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def filed(agent: Any, org: dict[str, Any], when: str, **fields: Any) -> Complaint:
    with time_machine.travel(at(when), tick=False):
        return register(agent, org, **fields)


def test_three_tier_preset_has_store_region_hq_with_their_authority(org: dict[str, Any]) -> None:
    levels = list(EscalationLevel.objects.order_by("rank").values_list("rank", "role__code", "authority_amount"))
    assert levels == [
        (1, "store_manager", Decimal("3000")),
        (2, "regional_lead", Decimal("10000")),
        (3, "executive", None),
    ]


def test_friday_evening_p2_in_office_hours_is_due_on_monday_business_hours(org: dict[str, Any], agent: Any) -> None:
    # Store level counts business time in the Mon–Fri 09:00–18:00 calendar: the clock starts Monday 09:00.
    c = filed(agent, org, "2026-11-20 19:00", requested_amount="300")  # a Friday
    assert (c.priority.code, c.level.rank, c.department.code) == ("P2", 1, "store-a")
    assert c.first_response_due == at("2026-11-23 09:30")  # 30 min first-response target
    assert c.response_due == at("2026-11-23 11:00")  # store decides within 2 business hours
    assert c.resolution_due == at("2026-11-24 09:00")  # 1 business day from Monday's opening


def test_risk_goes_straight_to_hq_on_calendar_time(org: dict[str, Any], agent: Any) -> None:
    c = filed(agent, org, "2026-11-21 23:50", risk_flagged="on")  # Saturday night: HQ counts every hour
    assert (c.priority.code, c.level.rank) == ("P0", 3)
    assert c.first_response_due == at("2026-11-22 00:00")
    assert c.response_due == at("2026-11-22 00:00")
    assert c.resolution_due == at("2026-11-22 23:50")


@pytest.mark.parametrize(
    ("amount", "approver"),
    [("3000", None), ("3000.01", 2), ("10000", 2), ("10000.01", 3)],
    ids=["at-store-authority", "above-store", "at-region-authority", "above-region"],
)
def test_a_demand_above_the_stores_authority_asks_the_level_that_covers_it(
    org: dict[str, Any], agent: Any, amount: str, approver: int | None
) -> None:
    c = filed(agent, org, "2026-11-23 10:00", requested_amount=amount)
    assert c.level.rank == 1  # the store keeps the customer
    approvals = list(c.approvals.values_list("level__rank", flat=True))
    assert approvals == ([] if approver is None else [approver])
    assert ("over_authority" in c.signals) is (approver is not None)


def test_region_level_is_looked_up_above_the_store(org: dict[str, Any], agent: Any) -> None:
    c = filed(agent, org, "2026-11-23 10:00", customer_words="我已经找了律师")
    event = c.events.get(kind="triaged").new
    assert (c.priority.code, c.level.rank) == ("P1", 2) and event["gaps"] == []
    assert c.response_due == at("2026-11-23 12:00") and c.resolution_due == at("2026-11-24 10:00")


def test_media_keyword_in_chinese_without_spaces_raises_to_p1(org: dict[str, Any], agent: Any) -> None:
    c = filed(agent, org, "2026-11-23 10:00", customer_words="再不解决我就发微博曝光你们")
    assert (c.priority.code, c.level.rank) == ("P1", 2)


def test_four_tier_preset_five_business_days_skip_the_holiday(org: dict[str, Any], agent: Any) -> None:
    config_import(document=preset_document("four_tier"))
    assert list(EscalationLevel.objects.values_list("rank", flat=True)) == [1, 2, 3, 4]
    # Monday 28 Sep 2026; 1–7 Oct are holidays, Saturday 10 Oct is an adjusted working day.
    c = filed(agent, org, "2026-09-28 10:00", risk_flagged="on")
    assert (c.priority.code, c.level.rank, c.level.business_time) == ("P0", 4, True)
    # Tue 29, Wed 30, Thu 8 Oct, Fri 9 Oct, Sat 10 Oct (adjusted working day) = 5 business days.
    assert c.resolution_due == at("2026-10-10 10:00")
    assert c.response_due == at("2026-09-28 11:00")


def test_four_tier_frontline_resolves_within_24_hours(org: dict[str, Any], agent: Any) -> None:
    config_import(document=preset_document("four_tier"))
    c = filed(agent, org, "2026-11-20 19:00", requested_amount="200")
    assert (c.level.rank, c.level.name, c.department.code) == (1, "Frontline", "store-a")
    assert c.resolution_due == at("2026-11-21 19:00")


def test_four_tier_amount_over_frontline_authority_goes_to_specialists(org: dict[str, Any], agent: Any) -> None:
    config_import(document=preset_document("four_tier"))
    small = filed(agent, org, "2026-11-23 10:00", requested_amount="800")
    large = filed(agent, org, "2026-11-23 10:00", requested_amount="25000")
    assert small.level.rank == large.level.rank == 1
    assert small.approvals.get().level.rank == 2 and large.approvals.get().level.rank == 4
