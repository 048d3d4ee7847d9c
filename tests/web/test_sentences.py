"""The timeline's sentences, groups and countdown words: pure rules, table-tested."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from complaints.rules.mentions import mentioned_usernames
from web.countdown import clock_reading, countdown_labels, duration_words
from web.sentences import (
    GROUPS,
    event_group,
    event_sentence,
    generic_facts,
    groups_selected,
)


@pytest.fixture(autouse=True)
def _english_in_shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("kind", "group"),
    [
        ("registered", "intake"),
        ("triaged", "intake"),
        ("note", "notes"),
        ("customer_contact", "customer"),
        ("escalated", "escalation"),
        ("deadline_breached", "escalation"),
        ("collab_answered", "collaboration"),
        ("approval_decided", "collaboration"),
        ("root_cause", "quality"),
        ("notified", "notifications"),
        # kinds this table does not know go by the first word of their code
        ("capa_verified", "quality"),
        ("analysis_5w2h", "quality"),
        ("contact_callback", "customer"),
        ("something_new", "other"),
    ],
)
def test_event_group(kind, group):
    assert event_group(kind) == group


@pytest.mark.parametrize(
    ("kind", "new", "old", "sentence"),
    [
        (
            "escalated",
            {
                "level": "L2 Region",
                "reason": "customer_asked",
                "trigger": "manual",
                "response_due": "2026-11-27T01:05:00+00:00",
            },
            {"level": "L1 Store"},
            "Escalated from L1 Store to L2 Region because: The customer asked for a higher level (By hand). "
            "The new level responds by 2026-11-27 09:05.",
        ),
        (
            "sent_back",
            {"level": "L1", "reason": "misrouted"},
            {"level": "L2"},
            "Sent back from L2 to L1 because: Escalated by mistake.",
        ),
        (
            "customer_contact",
            {"channel": "phone", "promise": "call back", "promised_by": "2026-11-28T10:00:00+00:00"},
            {},
            "Contact with the customer by Phone / hotline. Promised: call back, by 2026-11-28 18:00.",
        ),
        (
            "customer_contact",
            {"channel": "sms", "promise": "", "promised_by": None},
            {},
            "Contact with the customer by Text message (SMS).",
        ),
        (
            "stage_changed",
            {"stage": "verification"},
            {"stage": "first_response"},
            "Stage: First response → Verification.",
        ),
        ("note", {"note": 3, "mentioned": ["Li Lei", "Han Mei"]}, {}, "Internal note, for Li Lei, Han Mei:"),
        ("note", {"note": 3}, {}, "Internal note:"),
        (
            "notified",
            {"event": "escalation", "to": "a@example.com", "sent_at": "2026-11-27T01:05:00+00:00", "due_by": None},
            {},
            "Escalation sent to a@example.com at 2026-11-27 09:05.",
        ),
        (
            "collab_requested",
            {"department": "Legal", "due": "2026-11-27T02:00:00+00:00"},
            {},
            "Asked Legal for help, answer due 2026-11-27 10:00:",
        ),
        (
            "deadline_breached",
            {"clock": "resolution", "due": "2026-11-27T02:00:00+00:00"},
            {},
            "The Resolution deadline (2026-11-27 10:00) was missed.",
        ),
        (
            "emotion_scored",
            {"emotion": "angry", "emotion_index": 55, "emotion_phrases": ["过分", "！！"]},
            {},
            "The customer's words read as Angry (emotion index 55): 过分, ！！.",
        ),
        (
            "emotion_scored",
            {
                "emotion": "angry",
                "emotion_index": 0,
                "emotion_phrases": [],
                "emotion_learned": {"emotion": "angry", "confidence": 72, "words": ["忍", "极限"], "model": 3},
                "learned_counted": True,
            },
            {},
            "The customer's words read as Angry (emotion index 0): —. "
            "Triage model 3 reads Angry (72 % sure; because of 忍, 极限).",
        ),
        (
            "emotion_scored",
            {
                "emotion": "calm",
                "emotion_index": 0,
                "emotion_phrases": [],
                "emotion_learned": {"emotion": "angry", "confidence": 41, "words": ["忍"], "model": 3},
                "learned_counted": False,
            },
            {},
            "The customer's words read as Calm (emotion index 0): —. "
            "Triage model 3 reads Angry, only 41 % sure: not counted.",
        ),
        (
            "suggestion",
            {"model": 2, "items": [{"label": "P0", "accepted": True}, {"label": "Paint", "accepted": False}]},
            {},
            "Triage model 2 suggested; taken: P0; not taken: Paint.",
        ),
        ("unknown_kind", {"x": 1}, {}, ""),
    ],
)
def test_event_sentence(kind, new, old, sentence):
    assert event_sentence(kind, new, old) == sentence


def test_generic_facts_show_changes_and_drop_ids_and_blanks():
    facts = generic_facts(
        {
            "status": "done",
            "id": 4,
            "action_id": 9,
            "owner": "",
            "due": "2026-11-27T02:00:00+00:00",
            "tags": ["a", "b"],
        },
        {"status": "planned"},
    )
    assert facts == [("status", "planned → done"), ("due", "2026-11-27 10:00"), ("tags", "a, b")]


def test_groups_selected_ignores_unknown_and_defaults_to_all():
    assert groups_selected(["notes", "bogus"]) == ["notes"]
    assert groups_selected(["quality", "tasks"]) == ["tasks", "quality"]
    assert groups_selected([]) == list(GROUPS)
    assert groups_selected(["bogus"]) == list(GROUPS)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(93_780, "1d 2h"), (7_500, "2h 05m"), (59, "0m"), (600, "10m"), (-30, "0m")],
)
def test_duration_words(seconds, words):
    assert duration_words(seconds, countdown_labels()) == words


NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due", "warn", "paused", "remaining", "reading"),
    [
        (NOW + timedelta(hours=5), NOW + timedelta(hours=4), False, None, ("ok", "5h 00m left")),
        (NOW + timedelta(hours=2), NOW - timedelta(minutes=1), False, None, ("warn", "2h 00m left")),
        (NOW - timedelta(minutes=20), NOW - timedelta(hours=1), False, None, ("breached", "overdue by 20m")),
        (NOW - timedelta(hours=3), None, True, 7200, ("paused", "paused · 2h 00m left")),
    ],
)
def test_clock_reading(due, warn, paused, remaining, reading):
    assert clock_reading(due=due, warn=warn, paused=paused, remaining_seconds=remaining, now=NOW) == reading


def test_clock_reading_in_chinese():
    with translation.override("zh-hans"):
        state, text = clock_reading(
            due=NOW + timedelta(minutes=130), warn=None, paused=False, remaining_seconds=None, now=NOW
        )
    assert state == "ok"
    assert "剩余" in text and "2" in text


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("@quality see this, cc @lead_east. mail x@y.cn", ["quality", "lead_east"]),
        ("@quality @quality", ["quality"]),
        ("no mention here", []),
        ("（@王芳）请回电", ["王芳"]),
        ("@agent.", ["agent"]),
    ],
)
def test_mentioned_usernames(text, names):
    assert mentioned_usernames(text) == names


def test_sentences_in_chinese_join_without_a_space():
    new = {"channel": "phone", "promise": "上门检测", "promised_by": "2026-11-28T10:00:00+00:00"}
    with translation.override("zh-hans"):
        sentence = event_sentence("customer_contact", new, {})
    assert sentence == "通过电话 / 热线联络客户。承诺：上门检测，时限 2026-11-28 18:00。"
