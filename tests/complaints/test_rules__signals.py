"""Triage signals and the escalation ladder: pure functions over plain values, no database.

Keyword matching must work for Chinese written without spaces (substring match, stray spaces and
line breaks ignored) and for English whole words with simple inflections, after full-width and
case folding; the ladder helpers pick the covering, next and previous level."""

from decimal import Decimal

import pytest

from complaints.choices import CollaborationStep, Emotion, Signal
from complaints.rules.signals import (
    KeywordSignal,
    SignalFacts,
    SignalHit,
    SignalPolicy,
    collaboration_next_step,
    covering_rank,
    detect_signals,
    emotion_at_least,
    is_repeat,
    keyword_pattern,
    match_keywords,
    next_rank,
    normalise,
    over_authority,
    parse_keywords,
    previous_rank,
)

EMOTIONS = ("calm", "agitated", "angry", "extremely_angry")

LEVELS: list[tuple[int, Decimal | None]] = [(1, Decimal("3000")), (2, Decimal("10000")), (3, None)]

SAFETY = KeywordSignal("safety", ("断电", "起火", "brake failure"))
LEGAL = KeywordSignal("legal", ("律师", "起诉", "lawyer", "sue"))
MEDIA = KeywordSignal("media", ("媒体", "曝光", "media", "315"))


def policy(
    *keyword_signals: KeywordSignal, emotion_threshold: str | None = "extremely_angry", repeat_threshold: int = 2
) -> SignalPolicy:
    return SignalPolicy(
        keyword_signals=keyword_signals,
        emotion_order=EMOTIONS,
        emotion_threshold=emotion_threshold,
        repeat_threshold=repeat_threshold,
    )


def hits(text: str, keyword: str) -> bool:
    return match_keywords(text, [keyword]) == (keyword,)


# normalise -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＬＡＷＹＥＲ  找 律师", "lawyer 找 律师"),  # the docstring's example
        ("１２３１５", "12315"),  # full-width digits
        ("  Brake\n\tFailure  ", "brake failure"),  # runs of white space → one space, ends trimmed
        ("\u3000断电\u3000", "断电"),  # the ideographic space is white space too
        ("Straße", "strasse"),  # case folding, not just lower-casing
        ("", ""),
    ],
)
def test_normalise_folds_width_case_and_white_space(text: str, expected: str) -> None:
    assert normalise(text) == expected


# parse_keywords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("断电\n律师，lawyer\n\n断电", ("断电", "律师", "lawyer")),  # the docstring's example
        ("断电\n起火", ("断电", "起火")),
        ("断电\r\n起火\r\n", ("断电", "起火")),  # Windows line ends
        ("lawyer, sue,media", ("lawyer", "sue", "media")),
        ("律师，起诉，媒体", ("律师", "起诉", "媒体")),  # Chinese comma
        ("律师;起诉；媒体", ("律师", "起诉", "媒体")),  # ASCII and Chinese semicolons
        ("律师、起诉、媒体", ("律师", "起诉", "媒体")),  # enumeration comma
        ("断电\n律师, 起诉；曝光、lawyer，315", ("断电", "律师", "起诉", "曝光", "lawyer", "315")),
        ("brake failure\nengine fire", ("brake failure", "engine fire")),  # a phrase stays one keyword
        ("  断电  \n\t起火\t", ("断电", "起火")),  # surrounding white space trimmed
    ],
)
def test_parse_keywords_splits_on_lines_commas_semicolons_and_enumeration_commas(
    raw: str, expected: tuple[str, ...]
) -> None:
    assert parse_keywords(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ()),
        ("\n\n", ()),
        (" , ，;；、\n \t ", ()),
        ("断电,,\n\n，起火", ("断电", "起火")),
    ],
)
def test_parse_keywords_drops_blanks(raw: str, expected: tuple[str, ...]) -> None:
    assert parse_keywords(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("断电\n断电", ("断电",)),
        ("Lawyer\nlawyer\nLAWYER", ("Lawyer",)),  # first spelling kept
        ("ｌａｗｙｅｒ，lawyer", ("ｌａｗｙｅｒ",)),  # full-width folded, first spelling kept
        ("lawyer\nＬＡＷＹＥＲ", ("lawyer",)),
        ("１２３１５、12315", ("１２３１５",)),
        ("brake failure\nBrake   Failure", ("brake failure",)),  # inner white space folded
        ("律师\n起诉\n律师\n媒体\n起诉", ("律师", "起诉", "媒体")),  # order of first appearance
    ],
)
def test_parse_keywords_drops_duplicates_after_normalisation_keeping_the_first_spelling(
    raw: str, expected: tuple[str, ...]
) -> None:
    assert parse_keywords(raw) == expected


# keyword matching: Chinese -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("高速上突然断电", "断电"),
        ("高速上突然断电了", "断电"),
        ("车子起火冒烟了", "起火"),
        ("我要找律师", "律师"),
        ("再不处理就去媒体曝光你们", "曝光"),
        ("断电", "断电"),  # the whole text
    ],
)
def test_chinese_keyword_matches_inside_text_without_spaces(text: str, keyword: str) -> None:
    assert hits(text, keyword)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("高速上突然断 电了", "断电"),  # a space in the text
        ("高速上突然断\n电了", "断电"),  # a line break in the text (copied from a chat)
        ("高速上突然断\u3000电了", "断电"),  # an ideographic space in the text
        ("高速上突然断电了", "断 电"),  # a space in the keyword
        ("高速上突然断 电了", "断 电"),
        ("车子起  火了", "起火"),
    ],
)
def test_chinese_keyword_ignores_spaces_inside_text_or_keyword(text: str, keyword: str) -> None:
    assert hits(text, keyword)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("我要找ＬＡＷＹＥＲ", "lawyer"),  # full-width text, half-width keyword
        ("ＬＡＷＹＥＲ", "lawyer"),
        ("I will call my Lawyer", "lawyer"),  # case
        ("I WILL SUE", "sue"),
        ("my lawyer", "ＬＡＷＹＥＲ"),  # full-width keyword
        ("打１２３１５投诉", "12315"),  # full-width digits
        ("打12315投诉", "１２３１５"),
        ("ＢＲＡＫＥ　ＦＡＩＬＵＲＥ", "brake failure"),  # full-width letters and ideographic space
    ],
)
def test_full_width_characters_and_case_are_folded_before_matching(text: str, keyword: str) -> None:
    assert hits(text, keyword)


@pytest.mark.parametrize(
    ("text", "keyword", "expected"),
    [
        ("すぐに返品したい", "返品", True),  # Japanese: no spaces either
        ("환불해 주세요", "환불", True),  # Korean: substring inside a word
        ("高速上突然断电", "起火", False),
        ("断了电", "断电", False),  # another character in between is not a space
    ],
)
def test_other_cjk_keywords_match_as_substrings(text: str, keyword: str, expected: bool) -> None:
    assert hits(text, keyword) is expected


# keyword matching: English and digits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("I will call my lawyer", "lawyer"),
        ("my lawyers will call you", "lawyer"),
        ("my lawyer's letter", "lawyer"),
        ("we will sue", "sue"),
        ("we will sue you", "sue"),
        ("we sued them last year", "sue"),
        ("she sues everyone", "sue"),
        ("we are suing you", "sue"),
        ("the engine kept firing", "fire"),
        ("the car is on fire", "fire"),
        ("two fires", "fire"),
        ("they threatened me", "threaten"),
        ("fire!", "fire"),  # punctuation is a boundary
        ("(lawyer)", "lawyer"),
    ],
)
def test_english_keyword_matches_whole_words_with_simple_inflections(text: str, keyword: str) -> None:
    assert hits(text, keyword)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("there is an issue with the car", "sue"),
        ("we will pursue this", "sue"),
        ("suede seats", "sue"),
        ("a firefly in the cabin", "fire"),
        ("like a campfire", "fire"),
        ("a lawyerly tone", "lawyer"),
        ("handbrake failure", "brake failure"),  # the phrase must start a word
        ("brake failuremode", "brake failure"),  # ...and end one
        ("café", "caf"),  # an accented letter is a letter: no boundary there
    ],
)
def test_english_keyword_does_not_match_inside_a_longer_word(text: str, keyword: str) -> None:
    assert not hits(text, keyword)


@pytest.mark.parametrize(
    "text",
    [
        "brake failure on the highway",
        "Brake failure",
        "Brake   failure",  # several spaces
        "Brake\nfailure",  # a line break
        "Brake \t\n failure",
        "two brake failures",  # the inflection sits on the last word
    ],
)
def test_multi_word_phrase_matches_across_any_white_space(text: str) -> None:
    assert hits(text, "brake failure")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("要去315投诉", True),
        ("315晚会", True),
        ("call 315 now", True),
        ("3150元", False),  # a longer number
        ("1315", False),
        ("a315", False),
    ],
)
def test_digit_keyword_matches_whole_numbers_only(text: str, expected: bool) -> None:
    assert hits(text, "315") is expected


# keyword matching: mixed language and the result -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keywords", "expected"),
    [
        ("我要找lawyer起诉你们", ("lawyer", "起诉"), ("lawyer", "起诉")),  # a Chinese character is a boundary
        ("我要找lawyers起诉你们", ("lawyer", "起诉"), ("lawyer", "起诉")),
        ("要找media曝光你们", ("media", "曝光"), ("media", "曝光")),
        ("media 曝光", ("media", "曝光"), ("media", "曝光")),
        ("找multimedia曝光", ("media", "曝光"), ("曝光",)),  # still whole English words only
        ("我要sue你们，还要去315", ("sue", "315", "律师"), ("sue", "315")),
        ("高速上brake failure然后断电", ("brake failure", "断电"), ("brake failure", "断电")),
    ],
)
def test_mixed_language_text_hits_chinese_and_english_keywords(
    text: str, keywords: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    assert match_keywords(text, keywords) == expected


@pytest.mark.parametrize(
    ("text", "keywords", "expected"),
    [
        ("起诉！我找律师", ("律师", "起诉"), ("律师", "起诉")),  # list order, not text order
        ("call my LAWYER", ("Lawyer",), ("Lawyer",)),  # the admin's spelling
        ("打１２３１５", ("１２３１５",), ("１２３１５",)),
        ("起火了", ("断电", "起火", "律师"), ("起火",)),
        ("nothing here", ("断电", "lawyer"), ()),
    ],
)
def test_match_keywords_returns_admin_spelling_in_list_order(
    text: str, keywords: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    assert match_keywords(text, keywords) == expected


@pytest.mark.parametrize(
    ("text", "keywords"),
    [
        ("", ("断电", "lawyer")),  # empty text
        ("   \n\t", ("断电", "lawyer")),  # white space only
        ("高速上突然断电", ()),  # no keywords
        ("高速上突然断电", ("", "  ", "\n")),  # blank keywords never match
    ],
)
def test_empty_text_or_blank_keywords_match_nothing(text: str, keywords: tuple[str, ...]) -> None:
    assert match_keywords(text, keywords) == ()


@pytest.mark.parametrize("keyword", ["断电", "lawyer", "brake failure", "315"])
def test_keyword_pattern_is_compiled_once_per_keyword(keyword: str) -> None:
    assert keyword_pattern(keyword) is keyword_pattern(keyword)
    assert keyword_pattern(keyword).search(normalise(f"xx {keyword} xx")) is not None


# is_repeat -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "threshold", "expected"),
    [
        (0, 2, False),  # the first complaint
        (1, 2, False),  # the second
        (2, 2, True),  # the third: more than twice, this one included (boundary)
        (5, 2, True),
        (0, 1, False),  # threshold 1: the first is not a repeat...
        (1, 1, True),  # ...the second is
        (2, 3, False),
        (3, 3, True),
    ],
)
def test_is_repeat_counts_this_complaint_and_fires_above_the_threshold(
    earlier: int, threshold: int, expected: bool
) -> None:
    assert is_repeat(earlier=earlier, threshold=threshold) is expected


# over_authority --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "authority", "expected"),
    [
        (Decimal("5000"), Decimal("3000"), True),
        (Decimal("3000.01"), Decimal("3000"), True),
        (Decimal("3000"), Decimal("3000"), False),  # equal is within authority
        (Decimal("3000.00"), Decimal("3000"), False),
        (Decimal("2999.99"), Decimal("3000"), False),
        (Decimal("0"), Decimal("3000"), False),
        (Decimal("1000000"), None, False),  # no limit: unlimited, never over
        (None, Decimal("3000"), False),  # no amount: never over
        (None, None, False),
    ],
)
def test_over_authority_only_when_amount_exceeds_a_set_limit(
    amount: Decimal | None, authority: Decimal | None, expected: bool
) -> None:
    assert over_authority(amount=amount, authority=authority) is expected


# emotion_at_least ------------------------------------------------------------------------------------


def test_emotion_order_matches_the_emotion_choices() -> None:
    assert tuple(Emotion.values) == EMOTIONS


@pytest.mark.parametrize(
    ("emotion", "threshold", "expected"),
    [
        ("angry", "angry", True),  # at the threshold
        ("extremely_angry", "angry", True),  # above
        ("agitated", "angry", False),  # below
        ("calm", "angry", False),
        ("calm", "calm", True),
        ("extremely_angry", "extremely_angry", True),
        ("angry", "extremely_angry", False),
        ("agitated", "calm", True),
    ],
)
def test_emotion_fires_at_or_above_the_threshold(emotion: str, threshold: str, expected: bool) -> None:
    assert emotion_at_least(emotion=emotion, threshold=threshold, order=EMOTIONS) is expected


@pytest.mark.parametrize(
    ("emotion", "threshold"),
    [
        ("extremely_angry", None),  # no threshold: never
        ("extremely_angry", ""),
        ("calm", None),
        ("furious", "angry"),  # an emotion not in the order
        ("", "calm"),  # no emotion recorded
        ("ANGRY", "angry"),  # values are codes, not folded
        ("extremely_angry", "furious"),  # a threshold not in the order
    ],
)
def test_emotion_never_fires_without_threshold_or_for_unknown_values(emotion: str, threshold: str | None) -> None:
    assert emotion_at_least(emotion=emotion, threshold=threshold, order=EMOTIONS) is False


# detect_signals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "signals", "expected"),
    [
        (("高速上突然断电",), (SAFETY,), (SignalHit("safety", "断电"),)),  # the docstring's example
        (
            ("车子起火了，我要找律师起诉你们",),
            (SAFETY, LEGAL),
            (SignalHit("safety", "起火"), SignalHit("legal", "律师、起诉")),
        ),
        (  # the admin's order of lists, not the order in the text
            ("我要找律师起诉你们，车子起火了",),
            (SAFETY, LEGAL),
            (SignalHit("safety", "起火"), SignalHit("legal", "律师、起诉")),
        ),
        (
            ("我要找律师起诉你们，车子起火了",),
            (LEGAL, SAFETY),
            (SignalHit("legal", "律师、起诉"), SignalHit("safety", "起火")),
        ),
        (  # matched words in list order, joined with the enumeration comma
            ("I will sue, my LAWYER says so; 起诉",),
            (LEGAL,),
            (SignalHit("legal", "起诉、lawyer、sue"),),
        ),
        (  # every text is searched; empty texts are skipped
            ("高速上突然断电", "", "再不处理就去315曝光"),
            (SAFETY, LEGAL, MEDIA),
            (SignalHit("safety", "断电"), SignalHit("media", "曝光、315")),
        ),
        (("Brake\nfailure on the highway",), (SAFETY, MEDIA), (SignalHit("safety", "brake failure"),)),
        (("车子有点异响",), (SAFETY, LEGAL, MEDIA), ()),  # no list hits
        ((), (SAFETY,), ()),  # no text at all
    ],
)
def test_detect_signals_reports_keyword_lists_in_policy_order_with_matched_words(
    texts: tuple[str, ...], signals: tuple[KeywordSignal, ...], expected: tuple[SignalHit, ...]
) -> None:
    assert detect_signals(SignalFacts(texts=texts), policy(*signals)) == expected


@pytest.mark.parametrize(
    ("manager_requested", "expected"),
    [
        (True, (SignalHit(Signal.MANAGER.value),)),
        (False, ()),
    ],
)
def test_detect_signals_reports_the_customer_asking_for_a_manager(
    manager_requested: bool, expected: tuple[SignalHit, ...]
) -> None:
    found = detect_signals(SignalFacts(manager_requested=manager_requested), policy(SAFETY))
    assert found == expected
    assert all(hit.detail == "" for hit in found)


@pytest.mark.parametrize(
    ("emotion", "threshold", "expected"),
    [
        ("extremely_angry", "extremely_angry", (SignalHit(Signal.EMOTION.value, "extremely_angry"),)),
        ("angry", "agitated", (SignalHit(Signal.EMOTION.value, "angry"),)),
        ("angry", "extremely_angry", ()),
        ("extremely_angry", None, ()),  # no threshold: never
        ("extremely_angry", "", ()),
        ("", "calm", ()),  # no emotion recorded
    ],
)
def test_detect_signals_reports_emotion_at_or_above_the_threshold_with_the_emotion(
    emotion: str, threshold: str | None, expected: tuple[SignalHit, ...]
) -> None:
    facts = SignalFacts(emotion=emotion)
    assert detect_signals(facts, policy(emotion_threshold=threshold)) == expected


@pytest.mark.parametrize(
    ("amount", "authority", "authority_known", "expected"),
    [
        (Decimal("5000"), Decimal("3000"), True, (SignalHit(Signal.OVER_AUTHORITY.value, "5000 > 3000"),)),
        (
            Decimal("12000.50"),
            Decimal("10000.00"),
            True,
            (SignalHit(Signal.OVER_AUTHORITY.value, "12000.50 > 10000.00"),),
        ),
        (Decimal("5000"), Decimal("3000"), False, ()),  # the level is not decided yet
        (Decimal("3000"), Decimal("3000"), True, ()),  # equal is within authority
        (Decimal("1000000"), None, True, ()),  # unlimited level
        (None, Decimal("3000"), True, ()),  # no amount asked
    ],
)
def test_detect_signals_reports_over_authority_only_when_the_level_is_known(
    amount: Decimal | None, authority: Decimal | None, authority_known: bool, expected: tuple[SignalHit, ...]
) -> None:
    facts = SignalFacts(requested_amount=amount, authority=authority, authority_known=authority_known)
    assert detect_signals(facts, policy()) == expected


@pytest.mark.parametrize(
    ("earlier", "threshold", "expected"),
    [
        (2, 2, (SignalHit(Signal.REPEAT.value, "3"),)),  # detail counts this complaint
        (4, 2, (SignalHit(Signal.REPEAT.value, "5"),)),
        (1, 1, (SignalHit(Signal.REPEAT.value, "2"),)),
        (1, 2, ()),
        (0, 1, ()),
    ],
)
def test_detect_signals_reports_repeat_with_the_count_including_this_complaint(
    earlier: int, threshold: int, expected: tuple[SignalHit, ...]
) -> None:
    facts = SignalFacts(earlier_complaints=earlier)
    assert detect_signals(facts, policy(repeat_threshold=threshold)) == expected


@pytest.mark.parametrize(
    ("facts", "signal_policy", "expected"),
    [
        (  # everything at once, in the documented order
            SignalFacts(
                texts=("我要找律师，车子在高速上突然断电", "要去315曝光"),
                manager_requested=True,
                emotion="extremely_angry",
                earlier_complaints=3,
                requested_amount=Decimal("20000"),
                authority=Decimal("10000"),
                authority_known=True,
            ),
            policy(SAFETY, LEGAL, MEDIA, emotion_threshold="angry", repeat_threshold=2),
            (
                SignalHit("safety", "断电"),
                SignalHit("legal", "律师"),
                SignalHit("media", "曝光、315"),
                SignalHit(Signal.MANAGER.value),
                SignalHit(Signal.EMOTION.value, "extremely_angry"),
                SignalHit(Signal.OVER_AUTHORITY.value, "20000 > 10000"),
                SignalHit(Signal.REPEAT.value, "4"),
            ),
        ),
        (  # a subset: keyword, emotion and repeat; over authority withheld until the level is known
            SignalFacts(
                texts=("ＬＡＷＹＥＲ will call you",),
                emotion="angry",
                earlier_complaints=1,
                requested_amount=Decimal("20000"),
                authority=Decimal("10000"),
                authority_known=False,
            ),
            policy(SAFETY, LEGAL, emotion_threshold="angry", repeat_threshold=1),
            (
                SignalHit("legal", "lawyer"),
                SignalHit(Signal.EMOTION.value, "angry"),
                SignalHit(Signal.REPEAT.value, "2"),
            ),
        ),
    ],
)
def test_detect_signals_combines_every_signal_that_holds_in_order(
    facts: SignalFacts, signal_policy: SignalPolicy, expected: tuple[SignalHit, ...]
) -> None:
    assert detect_signals(facts, signal_policy) == expected


@pytest.mark.parametrize(
    ("facts", "signal_policy"),
    [
        (SignalFacts(), policy(SAFETY, LEGAL, MEDIA)),  # defaults: nothing to see
        (SignalFacts(), policy()),  # no keyword lists at all
        (
            SignalFacts(
                texts=("there is an issue with the campfire light", "车子有点异响"),
                manager_requested=False,
                emotion="angry",
                earlier_complaints=1,
                requested_amount=Decimal("3000"),
                authority=Decimal("3000"),
                authority_known=True,
            ),
            policy(SAFETY, LEGAL, MEDIA, emotion_threshold="extremely_angry", repeat_threshold=2),
        ),
        (
            SignalFacts(emotion="extremely_angry", requested_amount=Decimal("99999"), authority_known=True),
            policy(emotion_threshold=None),  # no emotion threshold, unlimited authority
        ),
    ],
)
def test_detect_signals_returns_empty_tuple_when_nothing_fires(facts: SignalFacts, signal_policy: SignalPolicy) -> None:
    assert detect_signals(facts, signal_policy) == ()


# covering_rank ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "levels", "expected"),
    [
        (Decimal("5000"), LEVELS, 2),  # the docstring's example
        (Decimal("3000"), LEVELS, 1),  # exactly the first level's limit
        (Decimal("2999.99"), LEVELS, 1),
        (Decimal("0"), LEVELS, 1),
        (Decimal("3000.01"), LEVELS, 2),
        (Decimal("10000"), LEVELS, 2),
        (Decimal("20000"), LEVELS, 3),  # only the unlimited level covers it
        (Decimal("20000"), [(1, Decimal("3000")), (2, Decimal("10000"))], None),  # nothing covers
        (Decimal("5000"), [(1, None), (2, Decimal("10000"))], 1),  # an unlimited first level covers all
        (Decimal("5000"), [(10, Decimal("3000")), (20, None)], 20),  # ranks with gaps
        (Decimal("5000"), [], None),  # no levels
    ],
)
def test_covering_rank_is_the_lowest_level_whose_authority_covers_the_amount(
    amount: Decimal, levels: list[tuple[int, Decimal | None]], expected: int | None
) -> None:
    assert covering_rank(amount=amount, levels=levels) == expected


@pytest.mark.parametrize(
    ("amount", "levels", "expected"),
    [
        (Decimal("5000"), [(3, None), (1, Decimal("3000")), (2, Decimal("10000"))], 2),
        (Decimal("20000"), [(2, Decimal("10000")), (3, None), (1, Decimal("3000"))], 3),
        (Decimal("1000"), [(3, None), (2, Decimal("10000")), (1, Decimal("3000"))], 1),
        (Decimal("1000"), [(2, None), (1, Decimal("3000"))], 1),  # the unlimited level listed first
    ],
)
def test_covering_rank_sorts_levels_by_rank_before_choosing(
    amount: Decimal, levels: list[tuple[int, Decimal | None]], expected: int
) -> None:
    assert covering_rank(amount=amount, levels=levels) == expected


# next_rank / previous_rank ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranks", "current", "expected"),
    [
        ([1, 2, 3], 1, 2),
        ([1, 2, 3], 2, 3),
        ([1, 2, 3], 3, None),  # the top
        ([1, 3, 7], 1, 3),  # gaps in ranks
        ([1, 3, 7], 3, 7),
        ([1, 3, 7], 7, None),
        ([7, 1, 3], 1, 3),  # unsorted
        ([1, 3, 7], 2, 3),  # current not among the ranks
        ([1], 1, None),
        ([], 1, None),
    ],
)
def test_next_rank_is_the_nearest_level_above_or_none_at_the_top(
    ranks: list[int], current: int, expected: int | None
) -> None:
    assert next_rank(ranks=ranks, current=current) == expected


@pytest.mark.parametrize(
    ("ranks", "current", "expected"),
    [
        ([1, 2, 3], 3, 2),
        ([1, 2, 3], 2, 1),
        ([1, 2, 3], 1, None),  # the bottom
        ([1, 3, 7], 7, 3),  # gaps in ranks
        ([1, 3, 7], 3, 1),
        ([1, 3, 7], 1, None),
        ([3, 7, 1], 7, 3),  # unsorted
        ([1, 3, 7], 5, 3),  # current not among the ranks
        ([1], 1, None),
        ([], 1, None),
    ],
)
def test_previous_rank_is_the_nearest_level_below_or_none_at_the_bottom(
    ranks: list[int], current: int, expected: int | None
) -> None:
    assert previous_rank(ranks=ranks, current=current) == expected


def test_next_and_previous_rank_accept_any_iterable() -> None:
    assert next_rank(ranks=iter((1, 3, 7)), current=3) == 7
    assert previous_rank(ranks=(rank for rank in (1, 3, 7)), current=3) == 1


# collaboration_next_step -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (CollaborationStep.CONTACT.value, CollaborationStep.HEAD.value),
        (CollaborationStep.HEAD.value, CollaborationStep.SUPERIOR.value),
        (CollaborationStep.SUPERIOR.value, None),  # the end of the line
    ],
)
def test_collaboration_passes_from_contact_to_head_to_superior(step: str, expected: str | None) -> None:
    assert collaboration_next_step(step=step, crisis=False) == expected


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (CollaborationStep.CONTACT.value, CollaborationStep.HQ.value),
        (CollaborationStep.HEAD.value, CollaborationStep.HQ.value),
        (CollaborationStep.HQ.value, None),  # headquarters is the end
    ],
)
def test_crisis_collaboration_goes_straight_to_headquarters(step: str, expected: str | None) -> None:
    assert collaboration_next_step(step=step, crisis=True) == expected


def test_a_keyword_never_spans_two_separate_texts() -> None:
    policy = SignalPolicy(
        keyword_signals=(KeywordSignal("safety", ("断电", "brake failure")),),
        emotion_order=("calm",),
        emotion_threshold=None,
        repeat_threshold=99,
    )
    assert detect_signals(SignalFacts(texts=("高速上突然断", "电了")), policy) == ()
    assert detect_signals(SignalFacts(texts=("check the brake", "failure report")), policy) == ()
    assert detect_signals(SignalFacts(texts=("a", "突然断电")), policy) == (SignalHit("safety", "断电"),)
