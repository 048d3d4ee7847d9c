"""The emotion index: read from the customer's words at intake and on each customer message."""

from typing import Any

from complaints.choices import Emotion, EventKind
from complaints.models import Complaint
from complaints.rules.emotion import EmotionReading, emotion_score, emotion_used
from complaints.selectors.triage import (
    emotion_policy,
    learned_emotion,
    learned_emotion_from_json,
    learned_emotion_json,
    triage_settings,
)
from complaints.services.events import event_record


def complaint_emotion_read(
    *, complaint: Complaint, text: str, trigger: str, actor: Any = None
) -> EmotionReading | None:
    """Scores `text` (the customer's words at intake, or their latest message) with the lexicon and
    with the triage model in use (when it reads emotion), stores both on the complaint as its current
    reading and records them as an event; the agent's own emotion is left as it is (triage takes the
    highest, selectors.triage.emotion_decision). A reading equal to the stored one records nothing.
    Without triage settings nothing is scored. Returns the lexicon's reading."""
    policy = emotion_policy()
    if policy is None:
        return None
    reading = emotion_score((text or "",), policy)
    phrases = list(reading.phrases)
    learned = learned_emotion_json(learned_emotion(words=text or ""))
    if (
        complaint.emotion_index == reading.index
        and list(complaint.emotion_phrases or []) == phrases
        and complaint.emotion_learned == learned
    ):
        return reading
    old = {
        "emotion_index": complaint.emotion_index,
        "emotion_phrases": list(complaint.emotion_phrases or []),
        "emotion_learned": complaint.emotion_learned,
    }
    complaint.emotion_index = reading.index
    complaint.emotion_phrases = phrases
    complaint.emotion_learned = learned
    complaint.save(update_fields=["emotion_index", "emotion_phrases", "emotion_learned"])
    settings_row = triage_settings()
    words = emotion_used(
        agent=Emotion.CALM,
        lexicon=reading.emotion,
        learned=learned_emotion_from_json(learned),
        min_confidence=settings_row.learned_emotion_from / 100 if settings_row is not None else 1.0,
        order=Emotion.values,
    )
    event_record(
        complaint=complaint,
        kind=EventKind.EMOTION_SCORED,
        actor=actor,
        old=old,
        new={
            "emotion_index": reading.index,
            # What the words read as: the lexicon's emotion, or the model's when it counts and is higher.
            "emotion": words.words,
            "lexicon_emotion": reading.emotion,
            "emotion_phrases": phrases,
            "emotion_learned": learned,
            "learned_counted": words.model_counted,
            "trigger": trigger,
        },
    )
    return reading
