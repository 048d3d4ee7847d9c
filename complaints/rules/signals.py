"""Triage signals: keyword lists, the customer asking for a manager, emotion, authority, repeats.

Pure functions over plain values; the selectors build the inputs from the admin's tables.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from complaints.choices import Signal

# Han, kana, hangul and CJK punctuation/compatibility blocks: scripts written without spaces.
CJK = re.compile(r"[\u2e80-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A Latin-script keyword must not sit inside a longer word: no letter or digit right before it.
WORD_CHAR = r"0-9a-z\u00c0-\u024f"
# Simple English inflections a keyword may carry (lawyer → lawyers, threaten → threatened); a
# keyword ending in "e" may drop it before "ing" (sue → sues, sued, suing).
SUFFIXES = r"(?:s|es|ed|ing|'s)?"
E_SUFFIXES = r"(?:s|d|'s)?"
# Texts are searched together but a keyword never spans two of them.
TEXT_BREAK = "\n|\n"


def normalise(text: str) -> str:
    """Rule: compare text after Unicode NFKC folding (full-width → half-width) and case folding,
    with runs of white space made one space.

    Example: normalise("ＬＡＷＹＥＲ  找 律师") == "lawyer 找 律师"
    Why: Chinese input mixes full- and half-width characters; customers' words are copied from
    chats with stray spaces and line breaks.
    """
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def parse_keywords(raw: str) -> tuple[str, ...]:
    """Rule: a keyword list is one keyword or phrase per line (commas, Chinese commas and
    semicolons also separate); blanks and repeats are dropped, the first spelling is kept.

    Example: parse_keywords("断电\\n律师，lawyer\\n\\n断电") == ("断电", "律师", "lawyer")
    Why: admins paste lists from documents in both languages.
    """
    seen: dict[str, str] = {}
    for part in re.split(r"[\n,，;；、]", raw or ""):
        word = part.strip()
        if word and normalise(word) not in seen:
            seen[normalise(word)] = word
    return tuple(seen.values())


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Rule: a keyword written with Chinese (or Japanese/Korean) characters matches anywhere in
    the text, spaces between its characters ignored; any other keyword matches whole words only,
    with simple English inflections.

    Example: "断电" hits "高速上突然断电了"; "sue" hits "we will sue" and "sued", not "issue";
    "lawyer" hits "找lawyer" (a Chinese character is a word boundary).
    Why: Chinese has no spaces, so substring search is the only robust match; English substring
    search would fire on "issue" for "sue".
    """
    norm = normalise(keyword)
    if CJK.search(norm):
        chars = [c for c in norm if not c.isspace()]
        return re.compile(r"\s*".join(re.escape(c) for c in chars))
    *head, last = norm.split(" ")
    if last.endswith("e") and len(last) > 1:
        ending = rf"{re.escape(last[:-1])}(?:e{E_SUFFIXES}|ing)"
    else:
        ending = rf"{re.escape(last)}{SUFFIXES}"
    body = r"\s+".join([*(re.escape(word) for word in head), ending])
    return re.compile(rf"(?<![{WORD_CHAR}]){body}(?![{WORD_CHAR}])")


def match_keywords(text: str, keywords: Iterable[str]) -> tuple[str, ...]:
    """Returns the keywords (as the admin wrote them) found in the text, in list order."""
    norm = normalise(text)
    if not norm:
        return ()
    return tuple(keyword for keyword in keywords if keyword.strip() and keyword_pattern(keyword).search(norm))


def is_repeat(*, earlier: int, threshold: int) -> bool:
    """Rule: a complaint is a repeat when, counting itself, the customer has complained about the
    same issue more than `threshold` times within the window.

    Example: is_repeat(earlier=2, threshold=2) is True (the third complaint), earlier=1 is False.
    Why: DOMAIN.md: "the same customer complains about the same issue more than twice".
    """
    return earlier + 1 > threshold


def over_authority(*, amount: Decimal | None, authority: Decimal | None) -> bool:
    """Rule: an amount is over a level's authority when it is larger than the limit; an empty
    limit is unlimited and an empty amount is never over.

    Example: over_authority(amount=Decimal(5000), authority=Decimal(3000)) is True.
    """
    return amount is not None and authority is not None and amount > authority


def emotion_at_least(*, emotion: str, threshold: str | None, order: Sequence[str]) -> bool:
    """Rule: emotions are ordered calm < agitated < angry < extremely angry; the signal fires at or
    above the admin's threshold (no threshold: never).

    Example: emotion_at_least(emotion="angry", threshold="angry", order=EMOTIONS) is True.
    """
    if not threshold or emotion not in order or threshold not in order:
        return False
    return order.index(emotion) >= order.index(threshold)


@dataclass(frozen=True)
class KeywordSignal:
    code: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class SignalPolicy:
    """The admin's values behind the signals."""

    keyword_signals: tuple[KeywordSignal, ...]
    emotion_order: tuple[str, ...]
    emotion_threshold: str | None
    repeat_threshold: int
    many_affected_from: int | None = None  # complaints of one incident, the new one included


@dataclass(frozen=True)
class SignalFacts:
    """What the signals look at in one complaint."""

    texts: tuple[str, ...] = ()
    manager_requested: bool = False
    emotion: str = ""
    earlier_complaints: int = 0
    requested_amount: Decimal | None = None
    authority: Decimal | None = None  # the level's limit; None = unlimited
    authority_known: bool = False  # False while the level is not decided yet
    same_incident: int = 0  # other open complaints that look like the same incident


@dataclass(frozen=True)
class SignalHit:
    code: str
    detail: str = ""  # the matched words, the count, the amount


def detect_signals(facts: SignalFacts, policy: SignalPolicy) -> tuple[SignalHit, ...]:
    """Rule: every signal that holds, keyword lists first (in the admin's order), then the
    customer asking for a manager, emotion, demand over authority and repeat complaints.

    Example: texts=("高速上突然断电",) with a "safety" list holding 断电 gives
             (SignalHit("safety", "断电"),).
    Why: the triage record shows *why* a complaint got its priority and level.
    """
    hits: list[SignalHit] = []
    text = TEXT_BREAK.join(t for t in facts.texts if t)
    for signal in policy.keyword_signals:
        found = match_keywords(text, signal.keywords)
        if found:
            hits.append(SignalHit(signal.code, "、".join(found)))
    if facts.manager_requested:
        hits.append(SignalHit(Signal.MANAGER.value))
    if emotion_at_least(emotion=facts.emotion, threshold=policy.emotion_threshold, order=policy.emotion_order):
        hits.append(SignalHit(Signal.EMOTION.value, facts.emotion))
    if facts.authority_known and over_authority(amount=facts.requested_amount, authority=facts.authority):
        hits.append(SignalHit(Signal.OVER_AUTHORITY.value, f"{facts.requested_amount} > {facts.authority}"))
    if is_repeat(earlier=facts.earlier_complaints, threshold=policy.repeat_threshold):
        hits.append(SignalHit(Signal.REPEAT.value, str(facts.earlier_complaints + 1)))
    if policy.many_affected_from and facts.same_incident + 1 >= policy.many_affected_from:
        hits.append(SignalHit(Signal.MANY_AFFECTED.value, str(facts.same_incident + 1)))
    return tuple(hits)


# The ladder ------------------------------------------------------------------------------------


def covering_rank(*, amount: Decimal, levels: Sequence[tuple[int, Decimal | None]]) -> int | None:
    """Rule: an amount is approved by the lowest level whose authority covers it (empty = unlimited).

    Example: covering_rank(amount=Decimal(5000), levels=[(1, 3000), (2, 10000), (3, None)]) == 2
    Why: approvals go no higher than needed; a higher level is busier and slower.
    """
    for rank, authority in sorted(levels, key=lambda item: item[0]):
        if authority is None or amount <= authority:
            return rank
    return None


def next_rank(*, ranks: Iterable[int], current: int) -> int | None:
    """Returns the next level up, or None at the top."""
    above = [rank for rank in ranks if rank > current]
    return min(above) if above else None


def previous_rank(*, ranks: Iterable[int], current: int) -> int | None:
    """Returns the next level down, or None at the first level."""
    below = [rank for rank in ranks if rank < current]
    return max(below) if below else None


def collaboration_next_step(*, step: str, crisis: bool) -> str | None:
    """Rule: an unanswered collaboration request passes from the department's contact to its head,
    then to the requester's superior; a crisis (P0) request goes straight to headquarters.

    Example: collaboration_next_step(step="contact", crisis=False) == "head";
             collaboration_next_step(step="contact", crisis=True) == "hq".
    Why: DOMAIN.md, "Cross-department collaboration".
    """
    if crisis:
        return "hq" if step != "hq" else None
    return {"contact": "head", "head": "superior"}.get(step)
