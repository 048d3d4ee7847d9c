"""Routing conditions and first-match rules: pure functions, no database."""

from decimal import Decimal
from typing import Any

import pytest

from complaints.rules.routing import (
    Condition,
    ConditionInvalid,
    FieldSpec,
    FieldType,
    RuleRow,
    condition_holds,
    parse_condition_value,
    route,
)

SPECS = {
    "customer_words": FieldSpec("customer_words", FieldType.TEXT),
    "requested_amount": FieldSpec("requested_amount", FieldType.NUMBER),
    "channel": FieldSpec("channel", FieldType.CHOICE, options=("phone", "web", "regulator")),
    "emotion": FieldSpec("emotion", FieldType.ORDERED_CHOICE, options=("calm", "agitated", "angry", "extremely_angry")),
    "risk_flagged": FieldSpec("risk_flagged", FieldType.BOOLEAN),
    "category": FieldSpec("category", FieldType.PATH, options=("vehicle", "vehicle-power", "broadband")),
}
FACTS = {
    "customer_words": "车辆在高速上突然断电，ＡＢＣ",
    "requested_amount": Decimal("5000"),
    "channel": "web",
    "emotion": "angry",
    "risk_flagged": False,
    "category": ("vehicle-power", "vehicle"),
}


def holds(field: str, operator: str, raw: str, facts: dict[str, Any] = FACTS) -> bool:
    value = parse_condition_value(spec=SPECS[field], operator=operator, raw=raw)
    return condition_holds(condition=Condition(field, operator, value), spec=SPECS[field], facts=facts)


@pytest.mark.parametrize(
    ("field", "operator", "raw", "expected"),
    [
        ("customer_words", "contains", "断电", True),  # Chinese has no spaces: substring match
        ("customer_words", "contains", "abc", True),  # full-width and case folded
        ("customer_words", "not_contains", "起诉", True),
        ("customer_words", "empty", "", False),
        ("requested_amount", "gt", "3000", True),
        ("requested_amount", "gt", "5000", False),
        ("requested_amount", "gte", "5,000", True),
        ("requested_amount", "lt", "10000", True),
        ("channel", "eq", "web", True),
        ("channel", "in", "phone，regulator", False),  # a Chinese comma separates too
        ("channel", "not_in", "phone, regulator", True),
        ("emotion", "gte", "angry", True),
        ("emotion", "gt", "angry", False),
        ("emotion", "lt", "extremely_angry", True),
        ("risk_flagged", "eq", "true", False),
        ("risk_flagged", "ne", "是", True),
        ("category", "eq", "vehicle", True),  # a tree field matches the node and what is below it
        ("category", "eq", "broadband", False),
        ("category", "in", "broadband, vehicle-power", True),
    ],
)
def test_condition(field: str, operator: str, raw: str, expected: bool) -> None:
    assert holds(field, operator, raw) is expected


def test_missing_fact_is_empty_and_fails_comparisons() -> None:
    facts = {**FACTS, "requested_amount": None}
    assert holds("requested_amount", "empty", "", facts)
    assert not holds("requested_amount", "gt", "0", facts)
    assert holds("requested_amount", "ne", "5", facts)


@pytest.mark.parametrize(
    ("field", "operator", "raw", "message"),
    [
        ("requested_amount", "gt", "lots", "is not a number"),
        ("requested_amount", "gt", "NaN", "is not a number"),
        ("requested_amount", "contains", "5", "does not apply"),
        ("channel", "eq", "fax", "is not one of the codes"),
        ("channel", "gt", "web", "does not apply"),
        ("risk_flagged", "eq", "maybe", "true or false"),
        ("customer_words", "eq", "", "Enter a value"),
        ("customer_words", "empty", "x", "Leave the value empty"),
    ],
)
def test_impossible_conditions_are_refused(field: str, operator: str, raw: str, message: str) -> None:
    with pytest.raises(ConditionInvalid, match=message):
        parse_condition_value(spec=SPECS[field], operator=operator, raw=raw)


def rule(rule_id: int, *conditions: Condition, match_all: bool = True, **sets: Any) -> RuleRow:
    return RuleRow(id=rule_id, name=f"r{rule_id}", match_all=match_all, conditions=conditions, **sets)


DEFAULT = rule(99, department_id=None, priority_id=3, level_id=1)


def test_first_match_wins_and_the_default_fills_the_gaps() -> None:
    rules = [
        rule(1, Condition("channel", "eq", "regulator"), priority_id=1, level_id=2),
        rule(2, Condition("requested_amount", "gt", Decimal("3000")), level_id=2),
        rule(3, Condition("emotion", "gte", "angry"), priority_id=1),
    ]
    decision = route(rules=rules, default=DEFAULT, specs=SPECS, facts=FACTS)
    assert (decision.rule_id, decision.priority_id, decision.level_id) == (2, 3, 2)
    assert decision.matching_rule_ids == (2, 3)


def test_any_mode_and_no_match_falls_to_the_default() -> None:
    either = rule(
        1,
        Condition("channel", "eq", "regulator"),
        Condition("customer_words", "contains", "微博"),
        match_all=False,
        priority_id=1,
    )
    assert route(rules=[either], default=DEFAULT, specs=SPECS, facts=FACTS).rule_id == 99
    facts = {**FACTS, "customer_words": "我要发微博"}
    assert route(rules=[either], default=DEFAULT, specs=SPECS, facts=facts).priority_id == 1
