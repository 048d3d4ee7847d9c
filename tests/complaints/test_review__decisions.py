"""Decisions of a review: recorded on a pack by its readers, timed by a clock of the one clock table
(warned and breached once by the sweep, told to the owner in their language), reported done by the
owner with evidence, and listed by the next pack while open."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from complaints.models import Category, Clock, InAppNotice, KpiSettings, Notification, ReviewDecision, ReviewPack
from complaints.rules.kpi import period_parse
from complaints.services.clocks import clocks_sweep, open_clocks_recompute
from complaints.services.decisions import DecisionRefused, decision_done, decision_record
from complaints.services.review import pack_context
from tests.complaints import kpi_fixture
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
TZ = ZoneInfo(settings.TIME_ZONE)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)  # the Monday review of week 48


@pytest.fixture
def pack(org: dict[str, Any]) -> ReviewPack:
    kpi_fixture.ensure_settings()
    return ReviewPack.objects.create(
        kind=ReviewPack.Kind.WEEKLY,
        period="2026-W48",
        starts=date(2026, 11, 23),
        ends=date(2026, 11, 30),
        language="en",
        html="",
        pdf=b"",
        xlsx=b"",
    )


@pytest.fixture
def director(org: dict[str, Any]) -> Any:
    """A recipient of the review packs (KPI settings): records the review's decisions."""
    kpi_fixture.ensure_settings()
    user = make_user("director", org["hq"], "executive")
    KpiSettings.objects.get().recipients.add(user)
    return user


def _record(pack: ReviewPack, actor: Any, owner: Any, **extra: Any) -> ReviewDecision:
    values = {"due_date": date(2026, 12, 4), "description": "Retrain the dispatch team on callbacks."}
    return decision_record(pack=pack, actor=actor, owner=owner, now=NOW, **{**values, **extra})


def test_a_decision_starts_a_clock_due_at_the_end_of_its_day_without_a_complaint(pack, director, agent):
    category = Category.objects.first()
    decision = _record(pack, director, agent, category=category)
    clock = Clock.objects.get(kind=Clock.Kind.DECISION, subject=decision.pk)
    assert clock.complaint_id is None and clock.state == Clock.State.RUNNING
    assert clock.due_at == datetime(2026, 12, 5, tzinfo=TZ)
    assert clock.warn_at is not None and clock.warn_at < clock.due_at
    assert decision.owner == agent and decision.category == category


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"description": "   "}, "description"),
        ({"due_date": date(2026, 11, 29)}, "due_date"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(pack, director, agent, extra, field):
    with pytest.raises(DecisionRefused) as refused:
        _record(pack, director, agent, **extra)
    assert field in refused.value.message
    assert not ReviewDecision.objects.exists() and not Clock.objects.filter(kind=Clock.Kind.DECISION).exists()


def test_an_inactive_owner_is_refused(pack, director, agent):
    get_user_model().objects.filter(pk=agent.pk).update(is_active=False)
    agent.refresh_from_db()
    with pytest.raises(DecisionRefused):
        _record(pack, director, agent)


def test_only_pack_readers_record_decisions(pack, agent, regional_lead):
    with pytest.raises(DecisionRefused, match="recipients"):
        _record(pack, regional_lead, agent)
    assert not ReviewDecision.objects.exists()


def test_the_sweep_warns_then_breaches_once_and_tells_the_owner(pack, director, agent):
    decision = _record(pack, director, agent)
    clock = Clock.objects.get(kind=Clock.Kind.DECISION, subject=decision.pk)
    assert clocks_sweep(now=clock.warn_at + timedelta(minutes=1))["warned"] == 1
    assert clocks_sweep(now=clock.warn_at + timedelta(minutes=2))["warned"] == 0  # once
    warning = Notification.objects.get(recipient=agent, event="deadline_warning")
    assert warning.complaint_id is None and "Retrain the dispatch team" in warning.subject
    assert InAppNotice.objects.filter(recipient=agent, event="deadline_warning").count() == 1
    fired = clocks_sweep(now=clock.due_at + timedelta(minutes=1))
    assert fired["breached"] == 1
    assert clocks_sweep(now=clock.due_at + timedelta(hours=1))["breached"] == 0
    breach = Notification.objects.filter(event="breach")
    assert {n.recipient for n in breach} == {agent, director}  # the owner and who recorded it
    assert "overdue" in breach.get(recipient=agent).subject


def test_the_message_is_in_the_owners_language(pack, director, agent):
    from complaints.models import UserPreference

    UserPreference.objects.update_or_create(user=agent, defaults={"language": "zh-hans"})
    decision = _record(pack, director, agent)
    clock = Clock.objects.get(kind=Clock.Kind.DECISION, subject=decision.pk)
    clocks_sweep(now=clock.warn_at + timedelta(minutes=1))
    subject = Notification.objects.get(recipient=agent).subject
    assert "复盘决定" in subject, subject


def test_the_owner_reports_it_done_with_evidence_and_the_clock_stops(pack, director, agent, agent_b):
    decision = _record(pack, director, agent)
    with pytest.raises(DecisionRefused, match="owner"):
        decision_done(decision=decision, actor=agent_b, evidence="Done.")
    with pytest.raises(DecisionRefused) as empty:
        decision_done(decision=decision, actor=agent, evidence="  ")
    assert "evidence" in empty.value.message
    done = decision_done(decision=decision, actor=agent, evidence="Training held on 2 Dec, 14 attended.")
    assert done.status == ReviewDecision.Status.DONE and done.done_by == agent
    assert not Clock.objects.filter(kind=Clock.Kind.DECISION, state=Clock.State.RUNNING).exists()
    with pytest.raises(DecisionRefused, match="already"):
        decision_done(decision=decision, actor=agent, evidence="Again.")
    # Nothing fires for a decision that is done.
    assert clocks_sweep(now=NOW + timedelta(days=30)) == {"warned": 0, "breached": 0, "passed_on": 0, "reminded": 0}


def test_the_warning_time_follows_the_admins_action_warning_hours(pack, director, agent):
    from complaints.models import ProcessSettings

    decision = _record(pack, director, agent)
    row = ProcessSettings.objects.get()
    row.action_warning_hours += 24
    row.save()
    assert open_clocks_recompute(now=NOW) >= 1
    clock = Clock.objects.get(kind=Clock.Kind.DECISION, subject=decision.pk)
    assert clock.due_at - clock.warn_at == timedelta(hours=row.action_warning_hours)


def test_the_next_pack_lists_open_and_overdue_decisions(pack, director, agent):
    late = _record(pack, director, agent, description="Publish the callback SOP.", due_date=date(2026, 12, 1))
    _record(pack, director, agent, description="Already done item.")
    decision_done(decision=ReviewDecision.objects.get(description="Already done item."), actor=agent, evidence="ok")
    import time_machine

    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=TZ), tick=False):
        context = pack_context(period=period_parse("2026-W49"))
    listed = {d.description: overdue for d, overdue in context["decisions"]}
    assert listed == {late.description: True}
