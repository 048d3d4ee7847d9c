"""The emotion index: the pure rule, and its accuracy on the labelled set under tests/data/."""

from pathlib import Path

import pytest

from complaints.choices import Emotion
from complaints.rules.emotion import (
    EmotionCue,
    EmotionPolicy,
    LearnedEmotion,
    emotion_band,
    emotion_score,
    emotion_used,
    higher_emotion,
)
from complaints.selectors.triage import emotion_policy
from tests.complaints.emotion_sets import HOLDOUT, LABELLED, accuracy, read_all, rows, starting_policy, train_emotion

ORDER = tuple(Emotion.values)
POLICY = EmotionPolicy(
    cues=(
        EmotionCue("过分", "intensity", 20),
        EmotionCue("投诉到12315", "threat", 45),
        EmotionCue("lawyer", "threat", 45),
        EmotionCue("baby", "vulnerable", 20),
    ),
    bands=(20, 45, 70),
    emotion_order=ORDER,
    punctuation_weight=10,
    shouting_weight=10,
)


@pytest.mark.parametrize(
    ("index", "emotion"),
    [(0, "calm"), (19, "calm"), (20, "agitated"), (44, "agitated"), (45, "angry"), (70, "extremely_angry")],
)
def test_bands_map_the_index_to_the_four_emotions(index: int, emotion: str) -> None:
    assert emotion_band(index=index, bands=(20, 45, 70), order=ORDER) == emotion


def test_phrases_punctuation_and_shouting_add_up_and_are_returned() -> None:
    reading = emotion_score(("太过分了！！！我要投诉到12315",), POLICY)
    assert (reading.index, reading.emotion) == (75, "extremely_angry")
    assert reading.phrases == ("过分", "投诉到12315", "！！！")
    shouted = emotion_score(("My LAWYER will call. WORST ever, NEVER again",), POLICY)
    # "lawyer" counts once as a phrase, not again as shouting; two shouted words at most.
    assert shouted.index == 45 + 10 + 10 and shouted.phrases == ("lawyer", "WORST", "NEVER")


def test_calm_words_score_zero_and_the_index_is_capped() -> None:
    assert emotion_score(("请问保修期多久？",), POLICY).index == 0
    assert emotion_score(("lawyer!! baby?? 过分 投诉到12315!!!",), POLICY).index == 100


def test_the_agents_emotion_wins_when_higher() -> None:
    assert higher_emotion("angry", "agitated", order=ORDER) == "angry"
    assert higher_emotion("calm", "extremely_angry", order=ORDER) == "extremely_angry"


def labelled(path: Path = LABELLED) -> list[tuple[str, str, str]]:
    return rows(path)


def test_the_labelled_set_has_at_least_200_complaints_in_both_languages() -> None:
    rows = labelled()
    assert len(rows) >= 200
    assert {lang for lang, _e, _t in rows} == {"zh", "en"}
    assert {e for _l, e, _t in rows} == set(ORDER)
    assert min(sum(1 for lang, _e, _t in rows if lang == code) for code in ("zh", "en")) >= 95


@pytest.mark.django_db
def test_the_default_lexicon_reads_the_labelled_set_as_docs_triage_md_says() -> None:
    """The figures of docs/triage.md: exact emotion on 94 % (94 % zh, 94 % en), within one level on all."""
    policy = emotion_policy()
    assert policy is not None
    rows = labelled()
    exact = {"zh": [], "en": []}  # type: dict[str, list[bool]]
    near = []
    for lang, emotion, text in rows:
        got = emotion_score((text,), policy).emotion
        exact[lang].append(got == emotion)
        near.append(abs(ORDER.index(got) - ORDER.index(emotion)) <= 1)
    overall = sum(exact["zh"] + exact["en"]) / len(rows)
    assert overall >= 0.90, overall
    assert all(sum(v) / len(v) >= 0.88 for v in exact.values()), {k: sum(v) / len(v) for k, v in exact.items()}
    assert sum(near) / len(near) >= 0.99


def test_the_holdout_set_is_new_and_has_at_least_100_complaints_in_both_languages() -> None:
    rows = labelled(HOLDOUT)
    assert len(rows) >= 100
    assert {e for _l, e, _t in rows} == set(ORDER)
    assert min(sum(1 for lang, _e, _t in rows if lang == code) for code in ("zh", "en")) >= 50
    assert not {t for _l, _e, t in rows} & {t for _l, _e, t in labelled()}


@pytest.mark.django_db
def test_the_default_lexicon_on_the_holdout_set_keeps_the_floor_docs_triage_md_states() -> None:
    """docs/triage.md: on the hold-out set the default lexicon reads 41 % exactly (43 % zh, 38 % en) and
    78 % within one level, against 27 % for always answering calm. It under-reads: a complaint without
    a lexicon phrase reads calm. The floor catches a lexicon change that makes it worse; no calm
    complaint may read angry or worse (the index must not invent anger)."""
    policy = emotion_policy()
    assert policy is not None
    rows = labelled(HOLDOUT)
    got = [(emotion, emotion_score((text,), policy).emotion) for _lang, emotion, text in rows]
    exact = sum(want == read for want, read in got) / len(got)
    near = sum(abs(ORDER.index(want) - ORDER.index(read)) <= 1 for want, read in got) / len(got)
    assert exact >= 0.38, exact
    assert near >= 0.75, near
    assert not [read for want, read in got if want == "calm" and ORDER.index(read) >= ORDER.index("angry")]


@pytest.mark.parametrize("agent", ORDER)
@pytest.mark.parametrize("lexicon", ORDER)
@pytest.mark.parametrize("model", (*ORDER, None))
@pytest.mark.parametrize("confidence", [0.3, 0.5, 0.9])
def test_combining_the_readings_never_lowers_the_agents_choice_or_the_lexicon(
    agent: str, lexicon: str, model: str | None, confidence: float
) -> None:
    learned = LearnedEmotion(emotion=model, confidence=confidence, words=(), model=1) if model else None
    used = emotion_used(agent=agent, lexicon=lexicon, learned=learned, min_confidence=0.5, order=ORDER)
    rank = ORDER.index
    assert rank(used.emotion) == max(rank(agent), rank(lexicon), rank(model) if model and confidence >= 0.5 else 0)
    assert used.model_counted is (model is not None and confidence >= 0.5)
    # The reading named as the source is the one that reached the emotion used.
    named = {"agent": agent, "lexicon": lexicon, "model": model}[used.source]
    assert named == used.emotion


def test_an_unsure_model_does_not_count_and_ties_name_the_agent_first() -> None:
    angry = LearnedEmotion(emotion="angry", confidence=0.49, words=("忍",), model=3)
    used = emotion_used(agent="calm", lexicon="agitated", learned=angry, min_confidence=0.5, order=ORDER)
    assert (used.emotion, used.source, used.words, used.model_counted) == ("agitated", "lexicon", "agitated", False)
    sure = LearnedEmotion(emotion="angry", confidence=0.5, words=("忍",), model=3)
    used = emotion_used(agent="angry", lexicon="calm", learned=sure, min_confidence=0.5, order=ORDER)
    assert (used.emotion, used.source, used.words) == ("angry", "agent", "angry")


# What the hold-out set measured with the model trained on the labelled set (docs/triage.md,
# `python -m tests.complaints.emotion_sets --holdout`): combined 72/120 exact, 105/120 within one.
# The margin (3 points, about four complaints) allows a library's rounding, not a weaker design.
HOLDOUT_COMBINED_EXACT = 72 / 120
HOLDOUT_COMBINED_NEAR = 105 / 120
MARGIN = 0.03


def test_the_model_trained_on_the_labelled_set_lifts_the_holdout_reading_as_docs_triage_md_says() -> None:
    """Trained on the 200 labelled complaints only (fixed seed, as triage_train trains), the lexicon
    and the model combined read the 120 hold-out complaints at least as well as measured, and better
    than the lexicon alone (41 % exact, 78 % within one)."""
    result = train_emotion(rows(LABELLED))
    assert result == train_emotion(rows(LABELLED))  # the same complaints and seed give the same model
    reads = read_all(rows(HOLDOUT), policy=starting_policy(), params=result["params"])
    exact, near = accuracy(reads, "combined")
    assert exact >= HOLDOUT_COMBINED_EXACT - MARGIN, exact
    assert near >= HOLDOUT_COMBINED_NEAR - MARGIN, near
    lexicon_exact, lexicon_near = accuracy(reads, "lexicon")
    assert exact >= lexicon_exact + 0.15 and near > lexicon_near, (exact, lexicon_exact, near, lexicon_near)
    for lang in ("zh", "en"):
        assert accuracy(reads, "combined", lang=lang)[0] > accuracy(reads, "lexicon", lang=lang)[0], lang
    # The evaluation an admin reads has a precision and recall for each of the four emotions.
    assert set(result["evaluation"]["emotion"]["per_label"]) == set(ORDER)
