"""Smart triage end to end: the emotion index at intake and on customer messages, the rules as the
floor under suggestions, training and the recorded acceptance (a KPI), the same-incident signal,
the dry run and the admin pages."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from complaints.choices import EventKind, Outcome, Signal, Stage
from complaints.models import Complaint, ComplaintEvent, CustomerLink, Priority, TriageModel, TriageSettings
from complaints.selectors.kpi import KpiFilters, kpi_summary
from complaints.selectors.triage import triage_suggestions
from complaints.services.customer import customer_add_information
from complaints.services.learning import TooLittleData, triage_model_switch, triage_train, triage_train_due
from tests.complaints.triage_history import history
from tests.web.page_helpers import as_user, new_complaint

ANGRY_WORDS = "骗子！垃圾公司！无耻！！冰箱门上有很长的划痕"


def events(complaint: Complaint, kind: str) -> list[ComplaintEvent]:
    return list(ComplaintEvent.objects.filter(complaint=complaint, kind=kind).order_by("pk"))


def test_intake_scores_the_words_and_the_higher_emotion_raises_the_signal(org: dict[str, Any], agent: Any) -> None:
    complaint = new_complaint(org, agent, emotion="calm", customer_words=ANGRY_WORDS)
    complaint.refresh_from_db()
    assert complaint.emotion == "calm"  # the agent's choice stays
    assert complaint.emotion_index == 100 and "骗子" in complaint.emotion_phrases
    # The emotion trigger uses the higher of the two: extremely angry words → the emotion rule (P1).
    assert Signal.EMOTION in complaint.signals and complaint.priority.code == "P1"
    scored = events(complaint, EventKind.EMOTION_SCORED)
    assert scored[0].new["trigger"] == "intake" and scored[0].new["emotion"] == "extremely_angry"


def test_the_agents_higher_emotion_wins_over_calm_words(org: dict[str, Any], agent: Any) -> None:
    complaint = new_complaint(org, agent, emotion="extremely_angry")
    complaint.refresh_from_db()
    assert complaint.emotion_index == 0 and Signal.EMOTION in complaint.signals


def test_a_customer_message_is_scored_and_triage_runs_again(org: dict[str, Any], agent: Any) -> None:
    complaint = new_complaint(org, agent, emotion="calm")
    assert Signal.EMOTION not in Complaint.objects.get(pk=complaint.pk).signals
    customer_add_information(link=CustomerLink(complaint=Complaint.objects.get(pk=complaint.pk)), text=ANGRY_WORDS)
    complaint.refresh_from_db()
    assert complaint.emotion_index == 100 and Signal.EMOTION in complaint.signals
    assert events(complaint, EventKind.EMOTION_SCORED)[-1].new["trigger"] == "customer_message"
    assert complaint.priority.code == "P1"


@pytest.mark.parametrize(("chosen", "expected"), [("P3", "P2"), ("P1", "P1")])
def test_a_chosen_priority_is_taken_only_when_more_urgent_than_the_rules(
    org: dict[str, Any], agent: Any, chosen: str, expected: str
) -> None:
    """The default rule gives P2: a suggested P3 is not taken (the rules are the floor), P1 is."""
    complaint = new_complaint(org, agent, emotion="calm", intake_priority=str(Priority.objects.get(code=chosen).pk))
    complaint.refresh_from_db()
    assert complaint.priority.code == expected
    assert complaint.level == complaint.start_level and complaint.level.rank == 1


def closed_history(org: dict[str, Any], agent: Any, n: int) -> None:
    """n closed, resolved complaints made from the generated history (registered through intake)."""
    priorities = {p.code: p for p in Priority.objects.all()}
    for words, category, priority, _department in history(n, seed=3):
        complaint = new_complaint(org, agent, emotion="calm", customer_words=words)
        Complaint.objects.filter(pk=complaint.pk).update(
            stage=Stage.CLOSED,
            outcome=Outcome.RESOLVED,
            priority=priorities[priority],
            department=org["store_a"] if category in ("paint", "delivery") else org["store_b"],
        )


def test_training_needs_the_admins_minimum_then_suggests_and_records_the_agents_choice(
    org: dict[str, Any], agent: Any
) -> None:
    TriageSettings.objects.update(min_training_size=40, holdout_percent=25)
    closed_history(org, agent, 30)
    with pytest.raises(TooLittleData):
        triage_train()
    panel = as_user(agent).get("/workflow/cases/similar/?words=刹车失灵").content.decode()
    assert 'data-triage="no-model"' in panel and "30" in panel and "40" in panel
    closed_history(org, agent, 20)
    out = StringIO()
    call_command("triage_train", stdout=out)
    printed = json.loads(out.getvalue())
    model = TriageModel.objects.get()
    assert printed["version"] == model.version == 1 and model.active and model.data_size == 50
    assert set(model.evaluation) == {"priority", "department"}  # one category in the history: not learnt
    assert triage_train_due() is None  # the newest model is younger than the admin's interval

    words = "刹车失灵 制动 brakes"
    suggested = {s.target: s for s in triage_suggestions(words=words)}
    panel = as_user(agent).get(f"/workflow/cases/similar/?words={words}").content.decode()
    assert 'data-suggestion="priority"' in panel and 'data-rd-use="intake_priority"' in panel
    assert suggested["priority"].label in panel and "%" in panel

    taken = new_complaint(org, agent, customer_words=words, intake_priority=str(suggested["priority"].value))
    record = events(taken, EventKind.SUGGESTION)[0].new
    assert record["model"] == 1
    assert {i["target"]: i["accepted"] for i in record["items"]}["priority"] is True
    overridden = new_complaint(org, agent, customer_words=words)
    assert {i["target"]: i["accepted"] for i in events(overridden, EventKind.SUGGESTION)[0].new["items"]}[
        "priority"
    ] is False
    ratio = kpi_summary(user=None, filters=KpiFilters(period=None)).suggestions
    assert (
        ratio is not None
        and ratio.whole == 2
        and ratio.part == sum(1 for c in (taken, overridden) if events(c, EventKind.SUGGESTION)[0].new["all_accepted"])
    )

    triage_model_switch(model=model, active=False)
    assert not events(new_complaint(org, agent, customer_words="刹车失灵"), EventKind.SUGGESTION)


def test_training_is_reproducible_on_the_same_complaints(org: dict[str, Any], agent: Any) -> None:
    TriageSettings.objects.update(min_training_size=20, auto_activate=False)
    closed_history(org, agent, 24)
    first, second = triage_train(), triage_train()
    assert (first.version, second.version) == (1, 2) and not first.active
    assert first.params == second.params and first.evaluation == second.evaluation


def test_open_complaints_of_the_same_incident_raise_many_affected(org: dict[str, Any], agent: Any) -> None:
    TriageSettings.objects.update(many_affected_from=3)
    words = "EV-S7 在高速上突然断电，仪表全黑"
    first = new_complaint(org, agent, product_model="EV-S7", customer_words=words)
    new_complaint(org, agent, product_model="ev-s7", customer_words="仪表全黑，车辆断电", customer_phone="13900000002")
    other = new_complaint(org, agent, product_model="EV-S7", customer_words="车漆有色差", customer_phone="13900000003")
    third = new_complaint(org, agent, product_model="EV-S7", customer_words=words, customer_phone="13900000004")
    assert Signal.MANY_AFFECTED not in Complaint.objects.get(pk=first.pk).signals
    assert Signal.MANY_AFFECTED not in Complaint.objects.get(pk=other.pk).signals  # same model, other words
    assert Signal.MANY_AFFECTED in Complaint.objects.get(pk=third.pk).signals
    panel = as_user(agent).get(f"/workflow/cases/similar/?product_model=EV-S7&words={words}").content.decode()
    assert 'data-triage="same-incident"' in panel and first.reference in panel and third.reference in panel


def test_the_dry_run_shows_the_emotion_index_and_its_phrases(org: dict[str, Any], monkeypatch: Any) -> None:
    sample = {"customer_name": "陈", "description": "太过分了！！我要找律师", "channel": "phone", "emotion": "calm"}
    monkeypatch.setattr("sys.stdin", StringIO(json.dumps(sample, ensure_ascii=False)))
    out = StringIO()
    call_command("route_preview", stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    assert result["emotion_index"] == 20 + 25 + 45 + 10
    assert result["emotion_phrases"] == ["太过分", "过分", "律师", "！！"]  # lexicon order: kind, phrase
    emotion = result["emotion"]
    assert (emotion["agent"], emotion["lexicon"], emotion["words"], emotion["used"]) == (
        "calm",
        "extremely_angry",
        "extremely_angry",
        "extremely_angry",
    )
    # No model in use: the lexicon is the reading used, and the JSON says so.
    assert emotion["model"] is None and result["emotion_learned"] is None
    assert emotion["source"] == "lexicon" and "太过分" in emotion["why"]


def test_the_admin_shows_the_evaluation_and_says_when_no_model_is_in_use(
    org: dict[str, Any], agent: Any, admin_client: Any
) -> None:
    page = admin_client.get("/admin/complaints/triagemodel/").content.decode()
    assert "No model is in use" in page
    TriageSettings.objects.update(min_training_size=20)
    closed_history(org, agent, 24)
    model = triage_train()
    detail = admin_client.get(f"/admin/complaints/triagemodel/{model.pk}/change/").content.decode()
    assert "majority" in detail and "precision" in detail
    assert admin_client.get("/admin/complaints/triagesettings/").status_code == 200
    assert admin_client.get("/admin/complaints/emotionphrase/").status_code == 200
    with pytest.raises(CommandError):
        TriageSettings.objects.update(min_training_size=10_000)
        call_command("triage_train", stdout=StringIO())
