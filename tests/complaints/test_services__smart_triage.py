"""Smart triage end to end: the emotion index at intake and on customer messages, the rules as the
floor under suggestions, training and the recorded acceptance (a KPI), the same-incident signal,
the dry run and the admin pages."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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


def test_the_intake_panel_counts_what_a_model_could_learn_from_only_up_to_what_is_needed(
    org: dict[str, Any], agent: Any, admin_client: Any
) -> None:
    """Enough is said as "3+": the count stops past the admin's minimum instead of counting every
    closed complaint on each refresh of the panel (190 ms at 1,000,000)."""
    TriageSettings.objects.update(min_training_size=3)
    closed_history(org, agent, 5)
    client = as_user(agent)
    client.get("/workflow/cases/similar/?words=刹车失灵")
    with CaptureQueriesContext(connection) as queries:
        panel = client.get("/workflow/cases/similar/?words=刹车失灵").content.decode()
    assert 'data-triage="no-model"' in panel and "3+" in panel
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 4" in sql and "ORDER BY" not in sql for sql in counts), counts
    # The admin's models page says it the same way.
    assert (
        "3+ closed complaints to learn from, 3 needed"
        in admin_client.get("/admin/complaints/triagemodel/").content.decode()
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


# A hand-made model whose emotion part reads 忍 and 极 (pieces of words the lexicon does not list) as
# extremely angry: logit 1.5 over three zeros, 60 % sure.
UNSEEN_WORDS = "我已经忍到极限了，请尽快处理"


def emotion_model(version: int = 1) -> TriageModel:
    params = {
        "emotion": {
            "classes": ["agitated", "angry", "calm", "extremely_angry"],
            "intercept": [0.0, 0.0, 0.0, 0.0],
            "weights": {"~忍": [0.0, 0.0, 0.0, 1.0], "~极": [0.0, 0.0, 0.0, 0.5]},
        }
    }
    return TriageModel.objects.create(
        version=version, trained_at=timezone.now(), data_size=0, seed=1, params=params, evaluation={}, active=True
    )


def test_the_models_emotion_raises_the_signal_on_words_the_lexicon_does_not_know(
    org: dict[str, Any], agent: Any
) -> None:
    emotion_model()
    complaint = new_complaint(org, agent, emotion="calm", customer_words=UNSEEN_WORDS)
    complaint.refresh_from_db()
    assert complaint.emotion == "calm" and complaint.emotion_index == 0  # the agent's choice stays; no phrase
    assert complaint.emotion_learned == {
        "emotion": "extremely_angry",
        "confidence": 60,
        "words": ["忍", "极"],
        "model": 1,
    }
    assert Signal.EMOTION in complaint.signals and complaint.priority.code == "P1"
    scored = events(complaint, EventKind.EMOTION_SCORED)[0].new
    assert (scored["emotion"], scored["lexicon_emotion"], scored["learned_counted"]) == (
        "extremely_angry",
        "calm",
        True,
    )


def test_a_model_less_sure_than_the_settings_ask_does_not_count(org: dict[str, Any], agent: Any) -> None:
    TriageSettings.objects.update(learned_emotion_from=61)
    emotion_model()
    complaint = new_complaint(org, agent, emotion="agitated", customer_words=UNSEEN_WORDS)
    complaint.refresh_from_db()
    assert complaint.emotion_learned["confidence"] == 60  # stored, shown, but not counted
    assert Signal.EMOTION not in complaint.signals and complaint.priority.code != "P1"
    scored = events(complaint, EventKind.EMOTION_SCORED)[0].new
    assert (scored["emotion"], scored["learned_counted"]) == ("calm", False)


@pytest.mark.parametrize(
    ("agent_emotion", "needed", "used", "source"),
    [
        ("calm", 50, "extremely_angry", "model"),
        ("calm", 61, "calm", "agent"),
        ("extremely_angry", 50, "extremely_angry", "agent"),
    ],
)
def test_the_dry_run_says_which_reading_is_used_and_why(
    org: dict[str, Any], monkeypatch: Any, agent_emotion: str, needed: int, used: str, source: str
) -> None:
    TriageSettings.objects.update(learned_emotion_from=needed)
    emotion_model(version=7)
    sample = {"customer_name": "陈", "description": UNSEEN_WORDS, "channel": "phone", "emotion": agent_emotion}
    monkeypatch.setattr("sys.stdin", StringIO(json.dumps(sample, ensure_ascii=False)))
    out = StringIO()
    call_command("route_preview", stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    assert result["emotion_index"] == 0 and result["emotion_phrases"] == []
    assert result["emotion_learned"] == {
        "emotion": "extremely_angry",
        "confidence": 60,
        "words": ["忍", "极"],
        "model": 7,
        "counted": needed <= 60,
        "needed": needed,
    }
    emotion = result["emotion"]
    assert (emotion["agent"], emotion["lexicon"], emotion["model"], emotion["used"], emotion["source"]) == (
        agent_emotion,
        "calm",
        "extremely_angry",
        used,
        source,
    )
    assert ("Triage model 7 reads the words as" in emotion["why"]) is (source == "model")
    assert ("does not count" in emotion["why"]) is (needed > 60)


def test_training_learns_the_emotion_agents_recorded_and_the_admin_shows_its_evaluation(
    org: dict[str, Any], agent: Any, admin_client: Any
) -> None:
    from tests.complaints.emotion_sets import LABELLED, rows

    TriageSettings.objects.update(min_training_size=20, holdout_percent=25)
    by_emotion: dict[str, list[str]] = {}
    for _lang, emotion, text in rows(LABELLED):
        by_emotion.setdefault(emotion, []).append(text)
    picked = [(emotion, text) for emotion, texts in by_emotion.items() for text in texts[:8]]
    for emotion, text in picked:
        complaint = new_complaint(org, agent, emotion=emotion, customer_words=text)
        Complaint.objects.filter(pk=complaint.pk).update(stage=Stage.CLOSED, outcome=Outcome.RESOLVED)
    model = triage_train()
    assert model.data_size == len(picked) == 32
    figures = model.evaluation["emotion"]
    assert figures["trained_on"] == 24 and figures["held_out"] == 8
    assert set(figures["per_label"]) == {"calm", "agitated", "angry", "extremely_angry"}
    assert model.params["emotion"]["classes"] == ["agitated", "angry", "calm", "extremely_angry"]
    # Pieces of words are learnt for the emotion only; the words behind a category stay whole words.
    assert any(word.startswith("~") for word in model.params["emotion"]["weights"])
    assert not any(
        word.startswith("~") for target in ("priority",) for word in model.params.get(target, {}).get("weights", {})
    )
    detail = admin_client.get(f"/admin/complaints/triagemodel/{model.pk}/change/").content.decode()
    assert "extremely_angry" in detail and "emotion" in detail
    # The next complaint carries the model's reading beside the lexicon's.
    complaint = new_complaint(org, agent, customer_words=UNSEEN_WORDS)
    complaint.refresh_from_db()
    assert complaint.emotion_learned is not None and complaint.emotion_learned["model"] == model.version
