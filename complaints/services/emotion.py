"""The emotion index: read from the customer's words at intake and on each customer message."""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class EmotionChange:
    """An emotion reading of a complaint's words: the stored values before and after it, and the
    lexicon's reading behind them."""

    reading: EmotionReading
    old: dict[str, Any]
    new: dict[str, Any]

    @property
    def changed(self) -> bool:
        return self.old != self.new


def emotion_change(*, complaint: Complaint, text: str) -> EmotionChange | None:
    """Scores `text` with the lexicon and with the triage model in use (when it reads emotion).
    Returns the reading with the stored values it would replace (`changed` is false when they are
    equal), or None without triage settings (nothing is scored). Writes nothing."""
    policy = emotion_policy()
    if policy is None:
        return None
    reading = emotion_score((text or "",), policy)
    new = {
        "emotion_index": reading.index,
        "emotion_phrases": list(reading.phrases),
        "emotion_learned": learned_emotion_json(learned_emotion(words=text or "")),
    }
    old = {
        "emotion_index": complaint.emotion_index,
        "emotion_phrases": list(complaint.emotion_phrases or []),
        "emotion_learned": complaint.emotion_learned,
    }
    return EmotionChange(reading=reading, old=old, new=new)


def emotion_change_record(*, complaint: Complaint, change: EmotionChange, trigger: str, actor: Any = None) -> None:
    """Records a reading already stored on the (saved) complaint as its event."""
    settings_row = triage_settings()
    learned = change.new["emotion_learned"]
    words = emotion_used(
        agent=Emotion.CALM,
        lexicon=change.reading.emotion,
        learned=learned_emotion_from_json(learned),
        min_confidence=settings_row.learned_emotion_from / 100 if settings_row is not None else 1.0,
        order=Emotion.values,
    )
    event_record(
        complaint=complaint,
        kind=EventKind.EMOTION_SCORED,
        actor=actor,
        old=change.old,
        new={
            "emotion_index": change.reading.index,
            # What the words read as: the lexicon's emotion, or the model's when it counts and is higher.
            "emotion": words.words,
            "lexicon_emotion": change.reading.emotion,
            "emotion_phrases": change.new["emotion_phrases"],
            "emotion_learned": learned,
            "learned_counted": words.model_counted,
            "trigger": trigger,
        },
    )


def complaint_emotion_read(
    *, complaint: Complaint, text: str, trigger: str, actor: Any = None
) -> EmotionReading | None:
    """Scores `text` (the customer's words at intake, or their latest message) with the lexicon and
    with the triage model in use (when it reads emotion), stores both on the complaint as its current
    reading and records them as an event; the agent's own emotion is left as it is (triage takes the
    highest, selectors.triage.emotion_decision). A reading equal to the stored one records nothing.
    Without triage settings nothing is scored. Returns the lexicon's reading."""
    change = emotion_change(complaint=complaint, text=text)
    if change is None or not change.changed:
        return change.reading if change is not None else None
    for field, value in change.new.items():
        setattr(complaint, field, value)
    complaint.save(update_fields=list(change.new))
    emotion_change_record(complaint=complaint, change=change, trigger=trigger, actor=actor)
    return change.reading
