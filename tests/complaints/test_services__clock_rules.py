"""Clocks mean what practitioners mean: a level's response is answered by the first response or a
decision there; the resolution clock is what escalates; the promise to the customer is a clock;
a closed complaint is closed until reopened; clocks due together make one message per person, in
that person's language."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from complaints.choices import EventKind, Outcome, Stage
from complaints.models import BreachAction, Clock, ClockRule, Complaint, Notification, UserPreference
from complaints.rules.business_time import business_time_between
from complaints.selectors.routing import level_clock
from complaints.services.clocks import clocks_sweep
from complaints.services.config_io import config_import, preset_document
from complaints.services.escalation import ClosedRefused, complaint_escalate, complaint_send_back
from complaints.services.stages import contact_log
from flows import driver
from flows.reopen import complaint_reopen_process
from tests.conftest import FLOW, intake_data
from web.sentences import event_sentence

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%d %H:%M"


def later(**delta: Any) -> str:
    return (timezone.localtime() + timedelta(**delta)).strftime(FMT)


def filed(org: dict[str, Any], agent: Any, **overrides: Any) -> Complaint:
    overrides.setdefault("promised_response_at", later(days=40))  # no promise passes before the level's clocks
    return driver.start_complaint(user=agent, data=intake_data(org, **overrides))


def running(complaint: Complaint) -> dict[str, Clock]:
    return {c.kind: c for c in complaint.clocks.filter(state=Clock.State.RUNNING)}


def first_response(complaint: Complaint, agent: Any, **delta: Any) -> None:
    driver.complete_step(
        complaint=complaint,
        node=FLOW.first_response,
        user=agent,
        data={"channel": "phone", "summary": "Called back", "promise": "A visit", "promised_by": later(**delta)},
    )


def sweep_at(moment: Any) -> dict[str, int]:
    with time_machine.travel(moment):
        return clocks_sweep(now=moment)


# Which clock starts, stops and breaches how, case by case (the presets' values).
@pytest.mark.parametrize(
    ("kind", "answered_by_first_response", "breach"),
    [
        ("first_response", True, BreachAction.NOTIFY),
        ("response", True, BreachAction.NOTIFY),
        ("resolution", False, BreachAction.ESCALATE),
        ("promise", True, BreachAction.ESCALATE),
    ],
)
def test_each_clock_kind_starts_at_triage_stops_and_breaches_as_the_preset_says(
    org, agent, kind, answered_by_first_response, breach
):
    complaint = filed(org, agent)
    assert kind in running(complaint)
    rule = ClockRule.objects.get(level=complaint.level, kind=kind)
    assert rule.breach == breach
    first_response(complaint, agent, days=30)
    still = running(complaint)
    if kind == "promise":
        # The contact answered the intake promise; its new promise runs in its place.
        assert still["promise"].due_at != complaint.promised_response_at
        assert complaint.clocks.filter(kind="promise", answered_at__isnull=False).count() == 1
    else:
        assert (kind not in still) is answered_by_first_response


def test_the_first_response_ends_its_clock_even_where_a_response_does_not_answer_it(org, agent):
    """The first-response clock runs until the first response whatever the level's rule: where the
    rule says a response does not answer it, the step still stops it (not marked answered), in the
    same UPDATE as the clocks the contact answers."""
    complaint = filed(org, agent)
    ClockRule.objects.filter(level=complaint.level, kind=Clock.Kind.FIRST_RESPONSE).update(answered_by_response=False)
    contact_log(complaint=complaint, actor=agent, channel="phone", summary="Hello.")
    assert "first_response" in running(complaint)  # a contact from the page does not end it here
    first_response(complaint, agent, days=30)
    clock = complaint.clocks.get(kind=Clock.Kind.FIRST_RESPONSE)
    assert clock.state == Clock.State.STOPPED and clock.answered_at is None
    assert "response" not in running(complaint)  # the clock the contact answers stopped with it
    assert complaint.clocks.get(kind=Clock.Kind.RESPONSE).answered_at is not None


def test_a_case_that_got_its_first_response_is_never_escalated_by_the_response_clock(org, agent):
    complaint = filed(org, agent)
    response = running(complaint)["response"]
    first_response(complaint, agent, days=30)
    complaint.refresh_from_db()
    assert "response" not in running(complaint)  # the header no longer reads "Level response · overdue"
    sweep_at(response.due_at + timedelta(minutes=5))
    complaint.refresh_from_db()
    assert complaint.level.rank == 1 and not complaint.escalations.exists()
    # A later resync (a recompute) does not restart the answered clock at this level.
    from complaints.services.deadlines import complaint_deadlines_recompute

    complaint_deadlines_recompute(complaint=complaint)
    assert "response" not in running(complaint)


def test_an_unanswered_response_clock_only_notifies_at_breach(org, agent):
    complaint = filed(org, agent)
    response = running(complaint)["response"]
    result = sweep_at(response.due_at + timedelta(seconds=1))
    complaint.refresh_from_db()
    assert result["breached"] >= 1 and complaint.level.rank == 1
    assert complaint.events.filter(kind=EventKind.DEADLINE_BREACHED, new__clock="response").count() == 1


@pytest.mark.parametrize("preset", ["three_tier", "four_tier"])
def test_an_untouched_first_level_case_warns_at_the_levels_percent_of_resolution_and_escalates_once(org, agent, preset):
    if preset == "four_tier":
        config_import(document=preset_document("four_tier"))
    complaint = filed(org, agent)
    assert complaint.level.rank == 1
    resolution = running(complaint)["resolution"]
    calendar = level_clock(complaint.level)
    if calendar is None:
        share = (resolution.warn_at - resolution.started_at) / (resolution.due_at - resolution.started_at)
    else:  # counted in the level's business time
        elapsed = business_time_between(calendar=calendar, start=resolution.started_at, end=resolution.warn_at)
        share = elapsed / business_time_between(calendar=calendar, start=resolution.started_at, end=resolution.due_at)
    assert abs(share - complaint.level.warning_percent / 100) < 0.01
    sweep_at(resolution.warn_at + timedelta(seconds=1))
    sweep_at(resolution.warn_at + timedelta(seconds=2))
    warnings = complaint.events.filter(kind=EventKind.DEADLINE_WARNING, new__clock="resolution")
    assert warnings.count() == 1
    complaint.refresh_from_db()
    assert complaint.level.rank == 1  # the response clock's breach on the way did not move it
    sweep_at(resolution.due_at + timedelta(seconds=1))
    sweep_at(resolution.due_at + timedelta(seconds=2))
    complaint.refresh_from_db()
    assert complaint.level.rank == 2
    escalation = complaint.escalations.get()
    assert escalation.trigger == "deadline" and escalation.reason == "overdue"


def test_a_level_rule_decides_what_a_breach_does(org, agent):
    complaint = filed(org, agent)
    ClockRule.objects.filter(level=complaint.level, kind="resolution").update(breach=BreachAction.WARN)
    ClockRule.objects.filter(level=complaint.level, kind="response").update(
        breach=BreachAction.TOP, answered_by_response=False
    )
    response = running(complaint)["response"]
    sweep_at(response.due_at + timedelta(seconds=1))
    complaint.refresh_from_db()
    assert complaint.level.rank == 3  # straight to the top


def test_sending_back_does_not_bounce_the_case_up_again(org, agent, regional_lead):
    complaint = filed(org, agent)
    first_response(complaint, agent, days=30)
    complaint_escalate(complaint=complaint, actor=agent, reason="customer_asked")
    complaint.refresh_from_db()
    assert complaint.level.rank == 2
    complaint_send_back(complaint=complaint, actor=regional_lead, reason="within_authority")
    complaint.refresh_from_db()
    assert complaint.level.rank == 1
    response = running(complaint)["response"]
    sweep_at(response.due_at + timedelta(minutes=1))
    complaint.refresh_from_db()
    assert complaint.level.rank == 1
    assert complaint.escalations.filter(trigger="deadline").count() == 0


def test_a_promise_passed_unmet_escalates_as_committed_time_and_a_new_promise_replaces_it(org, agent):
    complaint = filed(org, agent, promised_response_at=later(hours=2))
    promise = running(complaint)["promise"]
    assert promise.due_at == complaint.promised_response_at
    # A contact with a new promise replaces it.
    contact_log(
        complaint=complaint,
        actor=agent,
        channel="phone",
        summary="Technician on the way",
        promise="Visit",
        promised_by=timezone.now() + timedelta(hours=1),
    )
    promise.refresh_from_db()
    assert promise.state == Clock.State.STOPPED
    new = running(complaint)["promise"]
    complaint.refresh_from_db()
    assert new.due_at == complaint.promised_response_at
    sweep_at(new.warn_at + timedelta(seconds=1))
    assert Notification.objects.filter(complaint=complaint, event="deadline_warning", recipient=agent).exists()
    sweep_at(new.due_at + timedelta(seconds=1))
    complaint.refresh_from_db()
    assert complaint.level.rank == 2
    assert complaint.escalations.get().reason == "committed_time"


def test_a_closed_complaint_offers_only_reopen_and_reopening_restarts_its_clocks(org, agent, quality_engineer, client):
    complaint = filed(org, agent)
    first_response(complaint, agent, days=30)
    driver.complete_step(
        complaint=complaint,
        node=FLOW.verification,
        user=quality_engineer,
        data={"outcome": "valid", "explanation": ""},
    )
    complaint.refresh_from_db()
    # Close it as the flow would after a confirmed resolution.
    from complaints.services.stages import complaint_close

    complaint_close(complaint=complaint, actor=agent)
    complaint.refresh_from_db()
    with pytest.raises(ClosedRefused):
        complaint_escalate(complaint=complaint, actor=agent, reason="customer_asked")
    client.force_login(agent)
    page = client.get(reverse("workflow:flows:complaint:process_detail", args=[complaint.pk]))
    assert reverse("workflow:flows:complaint:reopen", args=[complaint.pk]).encode() in page.content
    assert reverse("workflow:flows:complaint:escalate", args=[complaint.pk]).encode() not in page.content
    assert reverse("workflow:flows:complaint:collaboration", args=[complaint.pk]).encode() not in page.content
    assert client.get(reverse("workflow:flows:complaint:escalate", args=[complaint.pk])).status_code == 403
    assert client.get(reverse("workflow:flows:complaint:compensation", args=[complaint.pk])).status_code == 403
    # The customer may still call about a closed case: the contact is logged and shown (issue 18).
    contact_url = reverse("workflow:flows:complaint:contact", args=[complaint.pk])
    assert contact_url.encode() in page.content
    assert client.post(contact_url, {"channel": "phone", "summary": "Asked for the invoice copy."}).status_code == 302
    page = client.get(reverse("workflow:flows:complaint:process_detail", args=[complaint.pk]))
    assert "Asked for the invoice copy." in page.content.decode()

    response = client.post(
        reverse("workflow:flows:complaint:reopen", args=[complaint.pk]), {"reason": "The scratch came back."}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.outcome == Outcome.OPEN and complaint.stage == Stage.CONTAINMENT and complaint.level.rank == 1
    clocks = running(complaint)
    assert clocks["resolution"].started_at >= complaint.level_entered_at - timedelta(seconds=1)
    assert "follow_up" not in clocks
    assert driver.open_task(complaint, FLOW.containment).status == "NEW"
    entry = complaint.events.get(kind=EventKind.REOPENED)
    assert entry.note == "The scratch came back." and entry.actor == agent


def test_reopen_needs_a_reason_and_a_closed_case(org, agent):
    complaint = filed(org, agent)
    from complaints.services.reopen import ReopenRefused

    with pytest.raises(ReopenRefused):
        complaint_reopen_process(complaint=complaint, actor=agent, reason="again")
    with pytest.raises(ReopenRefused):
        complaint_reopen_process(complaint=complaint, actor=agent, reason=" ")


def test_clocks_of_one_case_due_together_make_one_message_naming_them_all(org, agent):
    agent.email = "agent@example.com"
    agent.save()
    complaint = filed(org, agent)
    clocks = running(complaint)
    moment = max(clocks["response"].due_at, clocks["first_response"].due_at) + timedelta(seconds=1)
    result = sweep_at(moment)
    assert result["breached"] >= 2
    breaches = Notification.objects.filter(complaint=complaint, event="breach", recipient=agent)
    assert breaches.count() == 1
    body = breaches.get().body
    assert "First response" in body and "Level response" in body


def test_an_english_reader_gets_english_mail_and_timeline_text(org, agent, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    agent.email = "agent@example.com"
    agent.save()
    UserPreference.objects.create(user=agent, language="en")
    complaint = filed(org, agent)
    resolution = running(complaint)["resolution"]
    sweep_at(resolution.due_at + timedelta(seconds=1))
    breach = Notification.objects.filter(complaint=complaint, event="breach", recipient=agent).get()
    assert breach.subject.startswith("Deadline breached") and "Resolution" in breach.body
    escalated = complaint.events.get(kind=EventKind.ESCALATED)
    assert escalated.note == ""  # nothing stored in the server's language
    with translation.override("en"):
        english = event_sentence(escalated.kind, escalated.new, escalated.old)
    with translation.override("zh-hans"):
        chinese = event_sentence(escalated.kind, escalated.new, escalated.old)
    assert "Passed: Resolution." in english and "Resolution" not in chinese


def test_an_urgent_case_filed_at_night_is_first_answered_within_minutes_not_next_morning(org, agent):
    night = timezone.localtime().replace(hour=2, minute=0, second=0, microsecond=0) + timedelta(days=1)
    with time_machine.travel(night, tick=False):
        ordinary = filed(org, agent, promised_response_at=later(days=2))
        urgent = filed(
            org,
            agent,
            promised_response_at=later(days=2),
            customer_phone="13700137999",
            customer_words="My elderly father is stuck, he needs to get to the hospital.",
        )
    assert "vulnerable" in urgent.signals
    assert urgent.first_response_due == urgent.received_at + timedelta(minutes=10)
    assert running(urgent)["first_response"].due_at == urgent.first_response_due
    assert ordinary.first_response_due > urgent.first_response_due


def test_a_regulator_threat_is_its_own_signal_and_goes_at_least_to_the_second_level(org, agent):
    complaint = filed(org, agent, customer_words="If this is not fixed today I will call 12315 and the 消协.")
    assert "regulator" in complaint.signals
    assert complaint.level.rank >= 2
