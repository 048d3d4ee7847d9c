"""Category intake forms: field definitions, visibility and publishing checks. Pure functions, no database."""

from decimal import Decimal
from typing import Any

import pytest

from complaints.choices import ConditionEffect, FieldKind
from complaints.rules.intake_forms import (
    TEXT_LIMITS,
    Choice,
    DefinitionInvalid,
    FieldDef,
    check_field,
    check_form,
    client_rules,
    condition_met,
    contains_markup,
    field_state,
    hidden_keys,
    parse_choices,
    parse_condition_values,
    parse_default,
    parse_extensions,
    pick_language,
    visible_values,
    yes_no,
)

AB = (Choice("a", "甲", "A"), Choice("b", "乙", "B"))


def defn(**kw: Any) -> FieldDef:
    """A field definition with sensible defaults: a labelled short-text field "k"."""
    values: dict[str, Any] = {"key": "k", "kind": FieldKind.SHORT_TEXT, "label_zh_hans": "", "label_en": "K"}
    values.update(kw)
    return FieldDef(**values)


def shown_when(key: str, control: str, *codes: str, **kw: Any) -> FieldDef:
    """A field shown only while `control` takes one of `codes`."""
    return defn(key=key, condition_field=control, condition_values=codes, **kw)


# Languages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "zh_hans", "en", "expected"),
    [
        ("zh-hans", "救援单号", "Rescue order", "救援单号"),
        ("zh-Hans", "救援单号", "Rescue order", "救援单号"),
        ("zh", "救援单号", "Rescue order", "救援单号"),
        ("en", "救援单号", "Rescue order", "Rescue order"),
        ("en-us", "救援单号", "Rescue order", "Rescue order"),
        ("en", "救援单号", "", "救援单号"),
        ("zh-hans", "", "Rescue order", "Rescue order"),
        ("en", "", "", ""),
    ],
)
def test_the_readers_language_comes_first_and_the_other_fills_a_blank(language, zh_hans, en, expected):
    assert pick_language(language, zh_hans, en) == expected


def test_labels_fall_back_to_the_code_or_key_when_both_languages_are_blank():
    field = defn(key="order_no", label_en="", choices=(Choice("x", "", ""),))
    assert field.label("en") == "order_no"
    assert field.choice_label("x", "zh-hans") == "x"
    assert field.choice_label("unknown", "en") == "unknown"


# Parsing what the admin typed ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("roadside | 道路救援 | Roadside assistance", (Choice("roadside", "道路救援", "Roadside assistance"),)),
        (
            "roadside|道路救援|Roadside\n\n   \nat_store | 到店 | At the store\n",
            (Choice("roadside", "道路救援", "Roadside"), Choice("at_store", "到店", "At the store")),
        ),
        ("towing", (Choice("towing", "", ""),)),
        ("towing | 拖车", (Choice("towing", "拖车", ""),)),
        ("towing | | Towing", (Choice("towing", "", "Towing"),)),
        ("  a1_b  |  甲  |  A  ", (Choice("a1_b", "甲", "A"),)),
        ("", ()),
        ("\n \n", ()),
    ],
)
def test_choice_lines_read_as_code_chinese_and_english_labels(text, expected):
    assert parse_choices(text) == expected


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Road side | 道路救援 | Roadside", 1, "is not a valid code"),
        ("ok | 好 | OK\n1abc | 一 | One", 2, "“1abc” is not a valid code"),
        ("ok\n\nRoadside", 3, "is not a valid code"),
        ("| 无 | None", 1, "is not a valid code"),
        ("a" * 41, 1, "is not a valid code"),
        ("a | 甲 | A\nb | 乙 | B\na | 甲 | A again", 3, "appears twice"),
        ("a | 甲 | A | extra", 1, "at most two"),
        ("a | 甲 | A\nb | 乙 | B | C | D", 2, "at most two"),
    ],
)
def test_a_bad_choice_line_is_refused_naming_its_line(text, line, words):
    with pytest.raises(DefinitionInvalid) as caught:
        parse_choices(text)
    message = str(caught.value)
    assert f"line {line}:" in message
    assert words in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (".JPG, png", ("jpg", "png")),
        ("pdf，DOCX；.Xlsx\ntxt", ("pdf", "docx", "xlsx", "txt")),
        ("jpg, .jpg, JPG", ("jpg",)),
        ("", ()),
    ],
)
def test_file_extensions_are_read_without_dots_in_lower_case_once_each(text, expected):
    assert parse_extensions(text) == expected


def test_a_lone_dot_is_not_read_as_an_empty_file_extension():
    assert parse_extensions("jpg, .") == ("jpg",)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("roadside，towing", ("roadside", "towing")),
        ("roadside, towing\nat_store", ("roadside", "towing", "at_store")),
        ("roadside, roadside", ("roadside",)),
        ("是", ("yes",)),
        ("否", ("no",)),
        ("true", ("yes",)),
        ("TRUE, False", ("yes", "no")),
        ("yes, 是", ("yes",)),
        ("1", ("yes",)),
        ("", ()),
    ],
)
def test_condition_values_split_on_any_comma_and_read_yes_no_words(raw, expected):
    assert parse_condition_values(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yes", True),
        (" YES ", True),
        ("是", True),
        ("true", True),
        ("1", True),
        ("真", True),
        ("no", False),
        ("否", False),
        ("False", False),
        ("0", False),
        ("假", False),
        ("maybe", None),
        ("", None),
        ("yes please", None),
    ],
)
def test_yes_no_words_in_english_or_chinese_read_as_a_flag(raw, expected):
    assert yes_no(raw) is expected


# When a field shows --------------------------------------------------------------------------


SERVICE = defn(key="service_type", kind=FieldKind.CHOICE, choices=(Choice("roadside", "", ""),))
RESCUE = shown_when("rescue_order_no", "service_type", "roadside", "towing")
TICKED = shown_when("detail", "problems", "noise", "smell")
FLAGGED = shown_when("injury_detail", "injured", "yes")
UNFLAGGED = shown_when("why_not", "injured", "no")


@pytest.mark.parametrize(
    ("field", "values", "expected"),
    [
        (defn(), {}, True),
        (RESCUE, {"service_type": "roadside"}, True),
        (RESCUE, {"service_type": "towing"}, True),
        (RESCUE, {"service_type": "at_store"}, False),
        (RESCUE, {"service_type": ""}, False),
        (RESCUE, {"service_type": None}, False),
        (RESCUE, {}, False),
        (RESCUE, {"other": "roadside"}, False),
        (TICKED, {"problems": ["scratch", "smell"]}, True),
        (TICKED, {"problems": ("noise",)}, True),
        (TICKED, {"problems": {"noise", "scratch"}}, True),
        (TICKED, {"problems": ["scratch"]}, False),
        (TICKED, {"problems": []}, False),
        (TICKED, {"problems": ()}, False),
        (FLAGGED, {"injured": True}, True),
        (FLAGGED, {"injured": False}, False),
        (FLAGGED, {"injured": "yes"}, True),
        (FLAGGED, {"injured": "no"}, False),
        (UNFLAGGED, {"injured": False}, True),
        (UNFLAGGED, {"injured": True}, False),
        (UNFLAGGED, {}, False),
    ],
)
def test_a_condition_holds_only_when_the_controlling_value_is_listed(field, values, expected):
    assert condition_met(defn=field, values=values) is expected


@pytest.mark.parametrize(
    ("field", "values", "expected"),
    [
        # SHOW: hidden and never required while the condition fails; as defined once it holds.
        (shown_when("k", "c", "x", required=True), {"c": "y"}, (False, False)),
        (shown_when("k", "c", "x", required=True), {}, (False, False)),
        (shown_when("k", "c", "x", required=True), {"c": "x"}, (True, True)),
        (shown_when("k", "c", "x", required=False), {"c": "x"}, (True, False)),
        # REQUIRE: always shown; required exactly while the condition holds.
        (shown_when("k", "c", "x", condition_effect=ConditionEffect.REQUIRE), {"c": "y"}, (True, False)),
        (shown_when("k", "c", "x", condition_effect=ConditionEffect.REQUIRE), {}, (True, False)),
        (shown_when("k", "c", "x", condition_effect=ConditionEffect.REQUIRE), {"c": "x"}, (True, True)),
        (
            shown_when("k", "c", "x", condition_effect=ConditionEffect.REQUIRE, required=True),
            {"c": "y"},
            (True, False),
        ),
        # No condition: always shown, required as defined (the effect does not matter).
        (defn(required=True), {}, (True, True)),
        (defn(required=False), {}, (True, False)),
        (defn(required=True, condition_effect=ConditionEffect.REQUIRE), {}, (True, True)),
    ],
)
def test_a_fields_state_is_visible_and_required_as_its_condition_and_effect_say(field, values, expected):
    assert field_state(defn=field, values=values) == expected


def test_a_multiple_choice_controlling_field_matches_when_any_ticked_code_is_listed():
    field = shown_when("detail", "problems", "noise", required=True)
    assert field_state(defn=field, values={"problems": ["scratch", "noise"]}) == (True, True)
    assert field_state(defn=field, values={"problems": ["scratch"]}) == (False, False)


def test_a_yes_no_controlling_field_with_a_python_bool_matches_yes_and_no():
    field = shown_when("injury_detail", "injured", "yes", condition_effect=ConditionEffect.REQUIRE)
    assert field_state(defn=field, values={"injured": True}) == (True, True)
    assert field_state(defn=field, values={"injured": False}) == (True, False)


CHAIN = (
    defn(key="a", kind=FieldKind.CHOICE, choices=(Choice("x", "", ""), Choice("z", "", ""))),
    shown_when("b", "a", "x", kind=FieldKind.CHOICE, choices=(Choice("y", "", ""),), required=True),
    shown_when("c", "b", "y", required=True),
    defn(key="d", required=True),
)


@pytest.mark.parametrize(
    ("values", "kept", "required", "hidden"),
    [
        (
            {"a": "z", "b": "y", "c": "sent anyway", "d": "d"},
            {"a": "z", "d": "d"},
            {"d"},
            {"b", "c"},
        ),
        (
            {"a": "x", "b": "y", "c": "kept", "d": "d"},
            {"a": "x", "b": "y", "c": "kept", "d": "d"},
            {"b", "c", "d"},
            set(),
        ),
        (
            {"a": "x", "c": "sent anyway"},
            {"a": "x"},
            {"b", "d"},
            {"c"},
        ),
        (
            {"b": "y", "c": "sent anyway"},
            {},
            {"d"},
            {"b", "c"},
        ),
        (
            {"a": "x", "b": "y", "channel": "phone"},
            {"a": "x", "b": "y", "channel": "phone"},
            {"b", "c", "d"},
            set(),
        ),
    ],
)
def test_a_hidden_controlling_field_hides_its_dependants(values, kept, required, hidden):
    assert visible_values(fields=CHAIN, values=values) == (kept, required)
    assert hidden_keys(fields=CHAIN, values=values) == hidden


def test_visible_values_does_not_change_the_values_passed_in():
    values = {"a": "z", "b": "y", "c": "c"}
    visible_values(fields=CHAIN, values=values)
    assert values == {"a": "z", "b": "y", "c": "c"}


def test_an_unanswered_visible_field_is_not_reported_hidden():
    assert hidden_keys(fields=CHAIN, values={"a": "x"}) == {"c"}


def test_a_field_always_shown_under_require_is_never_hidden_even_when_its_control_is():
    fields = (
        CHAIN[0],
        CHAIN[1],
        shown_when("e", "b", "y", condition_effect=ConditionEffect.REQUIRE),
    )
    assert hidden_keys(fields=fields, values={"a": "z", "b": "y", "e": "e"}) == {"b"}
    assert visible_values(fields=fields, values={"a": "z", "b": "y", "e": "e"}) == ({"a": "z", "e": "e"}, set())


def test_client_rules_give_the_browser_each_condition_with_the_form_prefix():
    fields = (
        defn(key="plain", required=True),
        shown_when("rescue_order_no", "service_type", "roadside", "towing", required=True),
        shown_when("injury_detail", "injured", "yes", condition_effect=ConditionEffect.REQUIRE),
    )
    assert client_rules(fields, "answer_") == [
        {
            "name": "answer_rescue_order_no",
            "when": "service_type",
            "values": ["roadside", "towing"],
            "effect": ConditionEffect.SHOW,
            "required": True,
        },
        {
            "name": "answer_injury_detail",
            "when": "injured",
            "values": ["yes"],
            "effect": ConditionEffect.REQUIRE,
            "required": False,
        },
    ]


def test_client_rules_are_empty_for_a_form_without_conditions():
    assert client_rules((defn(), defn(key="other")), "answer_") == []


# Checking one field ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"key": "Bad Key"}, "is not a valid key"),
        ({"key": "1abc"}, "is not a valid key"),
        ({"key": ""}, "is not a valid key"),
        ({"key": "a" * 41}, "is not a valid key"),
        ({"label_en": "  ", "label_zh_hans": ""}, "Give the field a label"),
        ({"kind": FieldKind.CHOICE}, "needs at least one choice"),
        ({"kind": FieldKind.MULTI_CHOICE}, "needs at least one choice"),
        ({"choices": AB}, "Only choice fields have choices"),
        ({"kind": FieldKind.YES_NO, "choices": AB}, "Only choice fields have choices"),
        (
            {"kind": FieldKind.INTEGER, "min_value": Decimal("10"), "max_value": Decimal("5")},
            "minimum is larger than the maximum",
        ),
        ({"min_value": Decimal("1")}, "Minimum and maximum apply to number fields only"),
        ({"kind": FieldKind.DATE, "max_value": Decimal("1")}, "Minimum and maximum apply to number fields only"),
        ({"kind": FieldKind.INTEGER, "max_length": 5}, "Length limits apply to text fields only"),
        ({"kind": FieldKind.DECIMAL, "min_length": 1}, "Length limits apply to text fields only"),
        ({"kind": FieldKind.EMAIL, "max_length": 5}, "Length limits apply to text fields only"),
        ({"max_length": TEXT_LIMITS[FieldKind.SHORT_TEXT] + 1}, "can store is 255 characters"),
        ({"kind": FieldKind.LONG_TEXT, "max_length": 10001}, "can store is 10000 characters"),
        ({"kind": FieldKind.PLATE_OR_VIN, "max_length": 33}, "can store is 32 characters"),
        ({"min_length": 10, "max_length": 5}, "minimum length is larger than the maximum length"),
        ({"pattern": "([a-z", "pattern_message_en": "Letters"}, "not a valid regular expression"),
        ({"pattern": r"\d+"}, "Write the message shown when an answer does not match"),
        ({"kind": FieldKind.INTEGER, "pattern": r"\d+", "pattern_message_en": "Digits"}, "pattern applies to text"),
        ({"file_extensions": ("pdf",)}, "apply to file and photo fields only"),
        ({"max_files": 3}, "apply to file and photo fields only"),
        ({"kind": FieldKind.FILE, "max_files": 0}, "Allow at least one file"),
        ({"kind": FieldKind.PHOTO, "max_files": -1}, "Allow at least one file"),
        ({"condition_field": "service_type"}, "List the values of the controlling field"),
        ({"condition_values": ("roadside",)}, "Choose the field the condition depends on"),
        ({"condition_field": "k", "condition_values": ("x",)}, "cannot depend on itself"),
        ({"kind": FieldKind.INTEGER, "default": "abc"}, "is not a number"),
        ({"kind": FieldKind.INTEGER, "default": "1.5"}, "is not a whole number"),
        ({"kind": FieldKind.DECIMAL, "default": "many"}, "is not a number"),
        (
            {"kind": FieldKind.INTEGER, "default": "11", "min_value": Decimal("0"), "max_value": Decimal("10")},
            "outside the minimum and maximum",
        ),
        ({"kind": FieldKind.DECIMAL, "default": "-0.5", "min_value": Decimal("0")}, "outside the minimum"),
        ({"kind": FieldKind.YES_NO, "default": "maybe"}, "yes/no field is “yes” or “no”"),
        ({"kind": FieldKind.CHOICE, "choices": AB, "default": "c"}, "“c” is not one of the choice codes"),
        ({"kind": FieldKind.CHOICE, "choices": AB, "default": "a, b"}, "is not one of the choice codes"),
        ({"kind": FieldKind.MULTI_CHOICE, "choices": AB, "default": "a, c, d"}, "“c, d” is not one of the choice"),
        ({"kind": FieldKind.DATE, "default": "2024-01-01"}, "Date fields have no default"),
        ({"kind": FieldKind.DATETIME, "default": "2024-01-01 10:00"}, "Date fields have no default"),
        ({"kind": FieldKind.FILE, "default": "a.pdf"}, "A file field cannot have a default"),
    ],
)
def test_check_field_reports_each_inconsistency(kw, words):
    problems = check_field(defn(**kw))
    assert any(words in problem for problem in problems), problems


def test_check_field_reports_every_problem_not_just_the_first():
    problems = check_field(defn(key="Bad", label_en="", choices=AB, max_files=0))
    assert len(problems) == 4


GOOD_FIELDS = {
    FieldKind.SHORT_TEXT: defn(
        min_length=2,
        max_length=255,
        pattern=r"[A-Z]\d+",
        pattern_message_en="A letter then digits",
        default="A1",
        required=True,
        help_en="Help",
    ),
    FieldKind.LONG_TEXT: defn(kind=FieldKind.LONG_TEXT, max_length=10000, label_en="", label_zh_hans="描述"),
    FieldKind.INTEGER: defn(kind=FieldKind.INTEGER, min_value=Decimal("0"), max_value=Decimal("10"), default="0"),
    FieldKind.DECIMAL: defn(kind=FieldKind.DECIMAL, min_value=Decimal("0.5"), max_value=Decimal("2"), default="1.5"),
    FieldKind.DATE: defn(kind=FieldKind.DATE),
    FieldKind.DATETIME: defn(kind=FieldKind.DATETIME),
    FieldKind.CHOICE: defn(kind=FieldKind.CHOICE, choices=AB, default="a"),
    FieldKind.MULTI_CHOICE: defn(kind=FieldKind.MULTI_CHOICE, choices=AB, default="a, b"),
    FieldKind.YES_NO: defn(kind=FieldKind.YES_NO, default="否"),
    FieldKind.PHONE: defn(kind=FieldKind.PHONE),
    FieldKind.EMAIL: defn(kind=FieldKind.EMAIL),
    FieldKind.PLATE_OR_VIN: defn(kind=FieldKind.PLATE_OR_VIN, min_length=7, max_length=32),
    FieldKind.FILE: defn(kind=FieldKind.FILE, file_extensions=("pdf", "jpg"), max_files=5),
    FieldKind.PHOTO: defn(kind=FieldKind.PHOTO, max_files=1),
}


def test_there_is_a_correct_example_for_every_field_kind():
    assert set(GOOD_FIELDS) == set(FieldKind)


@pytest.mark.parametrize("kind", list(FieldKind))
def test_a_correct_field_of_every_kind_has_no_problems(kind):
    assert check_field(GOOD_FIELDS[kind]) == []


def test_a_correct_conditional_field_has_no_problems():
    assert check_field(shown_when("rescue_order_no", "service_type", "roadside", required=True)) == []


def test_a_key_with_a_trailing_newline_is_not_a_valid_key():
    problems = check_field(defn(key="abc\n"))
    assert any("is not a valid key" in problem for problem in problems)


@pytest.mark.parametrize(
    "kw",
    [
        {"kind": FieldKind.DECIMAL, "default": "NaN"},
        {"kind": FieldKind.DECIMAL, "default": "Infinity"},
        {"kind": FieldKind.INTEGER, "default": "Infinity"},
        {"kind": FieldKind.DECIMAL, "default": "NaN", "min_value": Decimal("0")},
    ],
)
def test_a_non_finite_number_default_is_reported_as_not_a_number(kw):
    problems = check_field(defn(**kw))
    assert any("is not a number" in problem for problem in problems), problems


# Checking a whole form -------------------------------------------------------------------------


def all_problems(result: dict[str, list[str]]) -> str:
    return " / ".join(problem for problems in result.values() for problem in problems)


SERVICE_TYPE = defn(
    key="service_type", kind=FieldKind.CHOICE, choices=(Choice("roadside", "", ""), Choice("at_store", "", ""))
)
INJURED = defn(key="injured", kind=FieldKind.YES_NO)
PROBLEMS = defn(key="problems", kind=FieldKind.MULTI_CHOICE, choices=(Choice("noise", "", ""), Choice("smell", "", "")))
NOTE = defn(key="note")


@pytest.mark.parametrize(
    ("fields", "options"),
    [
        ((SERVICE_TYPE, shown_when("rescue_order_no", "service_type", "roadside")), {}),
        ((SERVICE_TYPE, shown_when("rescue_order_no", "service_type", "roadside", "at_store")), {}),
        ((INJURED, shown_when("injury_detail", "injured", "yes")), {}),
        ((INJURED, shown_when("why_not", "injured", "no", condition_effect=ConditionEffect.REQUIRE)), {}),
        ((PROBLEMS, shown_when("detail", "problems", "noise", "smell")), {}),
        ((shown_when("rescue_order_no", "service_type", "roadside"),), {"inherited": (SERVICE_TYPE,)}),
        ((shown_when("caller_id", "channel", "phone"),), {"standard": {"channel": ("phone", "web")}}),
        ((defn(key="x", kind=FieldKind.INTEGER),), {"taken": {"x": "integer"}}),
        ((defn(key="x", kind=FieldKind.INTEGER),), {"taken": {"y": "short_text"}}),
        ((NOTE, defn(key="other")), {"inherited": (defn(key="parent_only"),)}),
        ((), {}),
    ],
)
def test_a_consistent_form_can_be_published(fields, options):
    assert check_form(fields=fields, **options) == {}


@pytest.mark.parametrize(
    ("fields", "options", "key", "words"),
    [
        ((NOTE, defn(key="note")), {}, "note", "is used twice in this form"),
        ((defn(key="note"),), {"inherited": (NOTE,)}, "note", "is used twice in this form"),
        (
            (shown_when("rescue_order_no", "service_type", "roadside"), SERVICE_TYPE),
            {},
            "rescue_order_no",
            "which is not a choice or yes/no field placed before this one",
        ),
        (
            (NOTE, shown_when("detail", "note", "anything")),
            {},
            "detail",
            "“note”, which is not a choice or yes/no field",
        ),
        (
            (shown_when("detail", "note", "anything"),),
            {"inherited": (NOTE,)},
            "detail",
            "which is not a choice or yes/no field",
        ),
        (
            (shown_when("detail", "nowhere", "x"),),
            {},
            "detail",
            "which is not a choice or yes/no field",
        ),
        (
            (SERVICE_TYPE, shown_when("rescue_order_no", "service_type", "roadside", "towing")),
            {},
            "rescue_order_no",
            "“towing” is not a value of “service_type” (its values: roadside, at_store)",
        ),
        (
            (INJURED, shown_when("injury_detail", "injured", "maybe")),
            {},
            "injury_detail",
            "“maybe” is not a value of “injured” (its values: yes, no)",
        ),
        (
            (shown_when("caller_id", "channel", "fax"),),
            {"standard": {"channel": ("phone", "web")}},
            "caller_id",
            "“fax” is not a value of “channel”",
        ),
        (
            (shown_when("caller_id", "channel", "phone"),),
            {},
            "caller_id",
            "which is not a choice or yes/no field",
        ),
        (
            (defn(key="x"),),
            {"taken": {"x": "integer"}},
            "x",
            "already used by another category's form with the type “Whole number”",
        ),
        ((defn(key="x", label_en=""),), {}, "x", "Give the field a label"),
    ],
)
def test_an_inconsistent_form_is_refused_on_the_offending_field(fields, options, key, words):
    result = check_form(fields=fields, **options)
    assert key in result, result
    assert any(words in problem for problem in result[key]), result[key]


def test_a_condition_on_itself_is_reported_once_not_also_as_a_missing_control():
    result = check_form(fields=(shown_when("k", "k", "x"),))
    assert len(result["k"]) == 1
    assert "cannot depend on itself" in result["k"][0]


def test_only_the_fields_with_problems_appear_in_the_result():
    result = check_form(fields=(NOTE, defn(key="bad", kind=FieldKind.CHOICE), defn(key="fine")))
    assert set(result) == {"bad"}
    assert "needs at least one choice" in all_problems(result)


def test_a_duplicate_key_keeps_the_problems_of_both_fields():
    result = check_form(fields=(defn(key="x", label_en=""), defn(key="x")))
    assert "Give the field a label" in all_problems(result)
    assert "is used twice" in all_problems(result)


# Defaults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"kind": FieldKind.INTEGER, "default": "0"}, 0),
        ({"kind": FieldKind.INTEGER, "default": " 42 "}, 42),
        ({"kind": FieldKind.INTEGER, "default": "3.0"}, 3),
        ({"kind": FieldKind.INTEGER, "default": "-7", "min_value": Decimal("-10")}, -7),
        ({"kind": FieldKind.DECIMAL, "default": "1.5"}, Decimal("1.5")),
        ({"kind": FieldKind.DECIMAL, "default": "2", "min_value": Decimal("2")}, Decimal("2")),
        ({"kind": FieldKind.YES_NO, "default": "是"}, "yes"),
        ({"kind": FieldKind.YES_NO, "default": "False"}, "no"),
        ({"kind": FieldKind.CHOICE, "choices": AB, "default": "b"}, "b"),
        ({"kind": FieldKind.MULTI_CHOICE, "choices": AB, "default": "a, b"}, ["a", "b"]),
        ({"kind": FieldKind.MULTI_CHOICE, "choices": AB, "default": "b，a"}, ["b", "a"]),
        ({"default": " hello "}, "hello"),
        ({"kind": FieldKind.PHONE, "default": "13700137004"}, "13700137004"),
        ({"default": ""}, None),
        ({"default": "   "}, None),
        ({"kind": FieldKind.DATE, "default": ""}, None),
        ({"kind": FieldKind.FILE, "default": ""}, None),
    ],
)
def test_a_default_is_read_as_a_typed_answer(kw, expected):
    value = parse_default(defn(**kw))
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"kind": FieldKind.INTEGER, "default": "ten"}, "“ten” is not a number"),
        ({"kind": FieldKind.INTEGER, "default": "0.5"}, "“0.5” is not a whole number"),
        ({"kind": FieldKind.INTEGER, "default": "5", "max_value": Decimal("4")}, "outside the minimum and maximum"),
        ({"kind": FieldKind.YES_NO, "default": "perhaps"}, "“yes” or “no”"),
        ({"kind": FieldKind.CHOICE, "choices": AB, "default": "A"}, "“A” is not one of the choice codes"),
        ({"kind": FieldKind.MULTI_CHOICE, "choices": AB, "default": "a, z"}, "“z” is not one of the choice codes"),
        ({"kind": FieldKind.DATETIME, "default": "now"}, "Date fields have no default"),
        ({"kind": FieldKind.PHOTO, "default": "x.jpg"}, "A file field cannot have a default"),
    ],
)
def test_a_default_that_is_not_a_valid_answer_is_refused(kw, words):
    with pytest.raises(DefinitionInvalid, match=words):
        parse_default(defn(**kw))


# Markup ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x>",
        "</b>",
        "<!-- x -->",
        "<?php echo 1 ?>",
        "hello <B>world</B>",
    ],
)
def test_text_that_opens_an_html_tag_is_markup(text):
    assert contains_markup(text) is True


@pytest.mark.parametrize("text", ["<3", "5<6", "x <= 10", "<<>>", "plain text", "", "价格<100元"])
def test_text_with_a_lone_less_than_sign_is_not_markup(text):
    assert contains_markup(text) is False


@pytest.mark.parametrize("text", ["a < b", "<3 a < b", "speed < limit"])
def test_a_spaced_less_than_sign_before_a_word_is_not_markup(text):
    assert contains_markup(text) is False
