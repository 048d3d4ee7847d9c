"""What the rest of Redress makes of an appeal: an undecided one keeps the complaint's personal
data (retention, erasure), anonymising masks its texts, the dashboard counts appeals and the upheld
rate, other systems hear appeal_opened and appeal_decided."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.outbound import OUTBOUND_KINDS, outbound_kind
from complaints.choices import AppealDecision, EventKind
from complaints.models import Appeal, ComplaintEvent, PrivacyPolicy
from complaints.selectors.kpi import KpiFilters, drill_down, kpi_summary
from complaints.services.appeal import appeal_decide, appeal_open
from complaints.services.privacy import PrivacyRefused, person_erase, retention_apply, retention_due
from tests.conftest import make_user
from tests.portal.appeal_setup import closed_complaint, officer, open_appeals

pytestmark = pytest.mark.django_db


def test_an_undecided_appeal_keeps_the_personal_data_until_the_office_decides(org, agent, quality_engineer):
    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer, customer_phone="13700137004")
    appeal = appeal_open(complaint=c, actor=agent, grounds="Call me on 13700137004.")
    PrivacyPolicy.objects.create(retention_days=1)
    later = timezone.now() + timedelta(days=3)
    with time_machine.travel(later):
        assert c not in retention_due()
        with pytest.raises(PrivacyRefused):
            person_erase(phone="13700137004")
    appeal_decide(appeal=appeal, actor=cx, decision=AppealDecision.REJECTED, text="Handled by the book.")
    with time_machine.travel(later):
        assert c in retention_due()
        retention_apply(batch=10)
    appeal.refresh_from_db()
    assert "13700137004" not in appeal.grounds and "Call me on" in appeal.grounds


def test_the_dashboard_counts_appeals_and_the_upheld_rate(org, agent, quality_engineer):
    open_appeals(org)
    cx = officer()
    boss = make_user("boss", org["hq"], "executive")
    boss.is_superuser = True
    boss.save()
    upheld = closed_complaint(org, agent, quality_engineer)
    rejected = closed_complaint(org, agent, quality_engineer, customer_phone="13900139001")
    waiting = closed_complaint(org, agent, quality_engineer, customer_phone="13900139002")
    closed_complaint(org, agent, quality_engineer, customer_phone="13900139003")  # never appealed
    for c, decision in ((upheld, AppealDecision.PARTLY), (rejected, AppealDecision.REJECTED), (waiting, None)):
        appeal = appeal_open(complaint=c, actor=agent, grounds="Review it.")
        if decision:
            appeal_decide(appeal=appeal, actor=cx, decision=decision, text="Done.")
    summary = kpi_summary(user=boss, filters=KpiFilters(period=None))
    assert summary.appeals == 3
    assert summary.appeal_upheld is not None
    assert (summary.appeal_upheld.part, summary.appeal_upheld.whole) == (1, 2)
    drilled = drill_down(user=boss, filters=KpiFilters(period=None), part="appeals_upheld")
    assert [c.pk for c in drilled] == [upheld.pk]


def test_other_systems_hear_of_appeals(org, agent, quality_engineer):
    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer)
    assert {"appeal_opened", "appeal_decided"} <= set(OUTBOUND_KINDS)
    appeal = appeal_open(complaint=c, actor=agent, grounds="Review it.")
    appeal_decide(appeal=appeal, actor=cx, decision=AppealDecision.UPHELD, text="Yes.")
    kinds = [
        outbound_kind(e)
        for e in ComplaintEvent.objects.filter(kind__in=[EventKind.APPEAL_OPENED, EventKind.APPEAL_DECIDED])
    ]
    assert sorted(kinds) == ["appeal_decided", "appeal_opened"]
    assert Appeal.objects.get().decision == AppealDecision.UPHELD
