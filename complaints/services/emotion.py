"""The emotion index: read from the customer's words at intake and on each customer message."""

from typing import Any

from complaints.choices import EventKind
from complaints.models import Complaint
from complaints.rules.emotion import EmotionReading, emotion_score
from complaints.selectors.triage import emotion_policy
from complaints.services.events import event_record


def complaint_emotion_read(
    *, complaint: Complaint, text: str, trigger: str, actor: Any = None
) -> EmotionReading | None:
    """Scores `text` (the customer's words at intake, or their latest message), stores the index and
    the phrases on the complaint as its current reading and records the reading as an event; the
    agent's own emotion is left as it is (triage takes the higher of the two). A reading equal to the
    stored one records nothing. Without triage settings nothing is scored. Returns the reading."""
    policy = emotion_policy()
    if policy is None:
        return None
    reading = emotion_score((text or "",), policy)
    phrases = list(reading.phrases)
    if complaint.emotion_index == reading.index and list(complaint.emotion_phrases or []) == phrases:
        return reading
    old = {"emotion_index": complaint.emotion_index, "emotion_phrases": list(complaint.emotion_phrases or [])}
    complaint.emotion_index = reading.index
    complaint.emotion_phrases = phrases
    complaint.save(update_fields=["emotion_index", "emotion_phrases"])
    event_record(
        complaint=complaint,
        kind=EventKind.EMOTION_SCORED,
        actor=actor,
        old=old,
        new={
            "emotion_index": reading.index,
            "emotion": reading.emotion,
            "emotion_phrases": phrases,
            "trigger": trigger,
        },
    )
    return reading
