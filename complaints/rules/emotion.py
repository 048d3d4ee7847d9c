"""The emotion index: how upset the customer's own words sound, 0–100, with the phrases behind it.

Pure functions over plain values; the admin's lexicon and bands come in as frozen dataclasses
(complaints.selectors.triage.emotion_policy).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from complaints.rules.signals import match_keywords, normalise

# Two or more exclamation or question marks in a row (half- or full-width, mixed).
PUNCTUATION_RUN = re.compile(r"[!?！？]{2,}")
# An English word of four or more capital letters is shouting (WORST, NEVER).
SHOUTING = re.compile(r"(?<![A-Za-z])[A-Z]{4,}(?![A-Za-z])")
MAX_INDEX = 100


@dataclass(frozen=True)
class EmotionCue:
    """One lexicon entry: a phrase (Chinese or English), what kind of cue it is and its weight."""

    phrase: str
    kind: str
    weight: int


@dataclass(frozen=True)
class EmotionPolicy:
    """The admin's lexicon and bands. `bands` are the lowest index of each emotion above calm, in
    the emotion order (agitated, angry, extremely angry)."""

    cues: tuple[EmotionCue, ...]
    bands: tuple[int, ...]
    emotion_order: tuple[str, ...]
    punctuation_weight: int
    shouting_weight: int


@dataclass(frozen=True)
class EmotionReading:
    index: int
    emotion: str
    phrases: tuple[str, ...]


def emotion_band(*, index: int, bands: Sequence[int], order: Sequence[str]) -> str:
    """Rule: the emotion is the highest one whose band starts at or below the index.

    Example: emotion_band(index=55, bands=(25, 50, 75), order=EMOTIONS) == "angry"
    Why: the four emotion levels of DOMAIN.md stay what routing and escalation test; the index
    only decides which of them the words show.
    """
    emotion = order[0]
    for start, name in zip(bands, order[1:], strict=False):
        if index >= start:
            emotion = name
    return emotion


def emotion_score(texts: Sequence[str], policy: EmotionPolicy) -> EmotionReading:
    """Rule: every lexicon phrase found in the customer's words adds its weight once; each run of
    repeated ! or ? (at most two counted) and each shouted English word (at most two) add the
    admin's weights; the sum is capped at 100 and mapped to an emotion by the bands.

    Example: "太过分了！！！我要投诉到12315" with 过分 (15), 投诉到12315 (30) and punctuation 10
             → 55, "angry", phrases ("过分", "投诉到12315", "！！！").
    Why: the customer's own words are the evidence; the phrases are shown so an agent sees why
    the index is what it is and can disagree (their own choice wins when higher).
    """
    text = "\n|\n".join(t for t in texts if t)
    by_phrase = {cue.phrase: cue for cue in policy.cues}
    found = match_keywords(text, by_phrase)
    score = sum(by_phrase[phrase].weight for phrase in found)
    phrases = list(found)
    runs = PUNCTUATION_RUN.findall(text)[:2]
    score += policy.punctuation_weight * len(runs)
    phrases += runs
    shouted = list(dict.fromkeys(word for word in SHOUTING.findall(text) if normalise(word) not in _phrases(found)))
    shouted = shouted[:2]
    score += policy.shouting_weight * len(shouted)
    phrases += shouted
    index = max(0, min(MAX_INDEX, score))
    return EmotionReading(
        index=index,
        emotion=emotion_band(index=index, bands=policy.bands, order=policy.emotion_order),
        phrases=tuple(phrases),
    )


def _phrases(found: Sequence[str]) -> set[str]:
    return {normalise(p) for p in found}


def higher_emotion(first: str, second: str, *, order: Sequence[str]) -> str:
    """Rule: of two emotions, the one further along calm → extremely angry (unknown values lose).

    Example: higher_emotion("agitated", "angry", order=EMOTIONS) == "angry"
    Why: the agent's own choice stays and wins when higher; the words win when they say more.
    """
    rank = {name: i for i, name in enumerate(order)}
    return first if rank.get(first, -1) >= rank.get(second, -1) else second


@dataclass(frozen=True)
class LearnedEmotion:
    """The triage model's reading of the words: the emotion agents recorded on similar closed
    complaints, how sure the model is (0–1) and the words that pushed most towards it."""

    emotion: str
    confidence: float
    words: tuple[str, ...]
    model: int  # the model's version


class EmotionSource:
    """Which reading the emotion triage uses came from (the first that reached it, in this order)."""

    AGENT = "agent"
    LEXICON = "lexicon"
    MODEL = "model"


@dataclass(frozen=True)
class EmotionUsed:
    emotion: str
    source: str  # an EmotionSource
    words: str  # what the customer's words read as: the higher of the lexicon and a counted model
    model_counted: bool  # the model's reading was sure enough to count


def emotion_used(
    *, agent: str, lexicon: str, learned: LearnedEmotion | None, min_confidence: float, order: Sequence[str]
) -> EmotionUsed:
    """Rule: the model's reading counts when it is at least `min_confidence` sure; the words read as
    the higher of the lexicon's emotion and a counted model reading; triage uses the higher of that
    and the agent's choice. On a tie the agent's choice is named, then the lexicon.

    Example: agent "calm", lexicon "calm", model "angry" 0.7 sure, min 0.5 → "angry" from the model;
             the same model reading 0.4 sure → "calm" from the agent.
    Why: each reading misses something the other sees: the lexicon knows only the phrases an admin
    listed and reads calm on words it has not seen; the model has seen only the organisation's history
    and is sometimes wrong either way. Taking the higher escalates early rather than late (DOMAIN.md),
    the agent's choice is never lowered, and the confidence keeps an unsure model from raising alarm.
    """
    counted = learned is not None and learned.confidence >= min_confidence
    words = higher_emotion(lexicon, learned.emotion, order=order) if counted and learned else lexicon
    used = higher_emotion(agent, words, order=order)
    rank = {name: i for i, name in enumerate(order)}
    if rank.get(agent, -1) >= rank.get(words, -1):
        source = EmotionSource.AGENT
    elif words == lexicon:
        source = EmotionSource.LEXICON
    else:
        source = EmotionSource.MODEL
    return EmotionUsed(emotion=used, source=source, words=words, model_counted=counted)
