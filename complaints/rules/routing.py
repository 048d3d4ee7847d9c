"""Queues and routing rules: which department, priority and level a complaint gets."""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

QUEUE_PREFIX = "complaints.queue__"
# Where a task waits when no department is routed for it: the process managers' permission.
UNROUTED_QUEUE = "complaints.manage_complaint"


def queue_permission(*, department_code: str, role_code: str) -> str:
    """Rule: a task waits in the queue of one role in one department; the queue is a permission string.

    Example: queue_permission(department_code="store-pudong", role_code="agent")
             == "complaints.queue__store-pudong__agent"
    Why: viewflow shows a queued task to users holding its owner_permission, so the
    membership backend grants exactly these strings and no Permission rows are needed.
    """
    return f"{QUEUE_PREFIX}{department_code}__{role_code}"


def parse_queue_permission(permission: str) -> tuple[str, str] | None:
    """Rule: a queue permission names its department and role; anything else names no queue.

    Example: parse_queue_permission("complaints.queue__store-pudong__agent") == ("store-pudong", "agent")
             parse_queue_permission("complaints.manage_complaint") is None
    Why: reassigning a task offers exactly the people who could have claimed it from its queue.
    Department codes are slugs and may hold "__" themselves; role codes are split off the end.
    """
    if not permission.startswith(QUEUE_PREFIX):
        return None
    department_code, separator, role_code = permission[len(QUEUE_PREFIX) :].rpartition("__")
    if not separator or not department_code or not role_code:
        return None
    return department_code, role_code


# Routing rules --------------------------------------------------------------------------------
#
# A routing rule is an ordered list of conditions over the complaint's facts. Facts are plain
# values the selectors build from a complaint (or from a sample for the dry run); the field
# catalog says what type each fact has, so conditions can be checked when the admin saves them.


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    CHOICE = "choice"
    ORDERED_CHOICE = "ordered_choice"  # choices with an order (emotion): > and < compare positions
    BOOLEAN = "boolean"
    PATH = "path"  # a node of a tree: the fact holds the node's code and every ancestor's code
    # (a multiple-choice answer is read the same way: "eq x" holds when x is among the ticked codes)
    DATE = "date"
    FILE = "file"  # only whether files were attached


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    label: str = ""
    options: tuple[str, ...] = ()  # allowed codes (choices, tree nodes); in order for ORDERED_CHOICE
    option_labels: tuple[str, ...] = ()  # what the admin reads for each code, in the same order (may be empty)
    group: str = ""  # where the condition builder lists it: "complaint", "signals" or "form"
    tree: bool = False  # a PATH field over a tree (category, department): "eq" also matches below

    def label_of(self, code: str) -> str:
        """Returns the label the admin reads for a code (the code itself when it has none)."""
        if code in self.options and len(self.option_labels) == len(self.options):
            return self.option_labels[self.options.index(code)] or code
        return code


OPERATORS: dict[FieldType, frozenset[str]] = {
    FieldType.TEXT: frozenset({"eq", "ne", "in", "not_in", "contains", "not_contains", "empty", "set"}),
    FieldType.NUMBER: frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "empty", "set"}),
    FieldType.CHOICE: frozenset({"eq", "ne", "in", "not_in", "empty", "set"}),
    FieldType.ORDERED_CHOICE: frozenset({"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "empty", "set"}),
    FieldType.BOOLEAN: frozenset({"eq", "ne"}),
    FieldType.PATH: frozenset({"eq", "ne", "in", "not_in", "empty", "set"}),
    FieldType.DATE: frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "empty", "set"}),
    FieldType.FILE: frozenset({"empty", "set"}),
}
LIST_OPERATORS = frozenset({"in", "not_in"})
VALUELESS_OPERATORS = frozenset({"empty", "set"})
TRUE_WORDS = frozenset({"true", "yes", "1", "是", "真"})
FALSE_WORDS = frozenset({"false", "no", "0", "否", "假"})


class ConditionInvalid(ValueError):
    """A condition the admin wrote cannot be evaluated; the message says why, in the user's language."""


def normalise_text(value: str) -> str:
    """Rule: compare text after Unicode NFKC folding and case folding, trimmed.

    Example: normalise_text(" ＡＢＣ１ ") == "abc1"
    Why: full-width and half-width characters mix freely in Chinese input.
    """
    return unicodedata.normalize("NFKC", value).casefold().strip()


def split_list(raw: str) -> list[str]:
    """Splits a list value on commas (ASCII or Chinese), semicolons or new lines."""
    return [part.strip() for part in re.split(r"[,，;；\n]", raw) if part.strip()]


def parse_condition_value(*, spec: FieldSpec, operator: str, raw: str) -> Any:
    """Rule: a condition's value is checked against its field's type when the admin saves it.

    Example: parse_condition_value(spec=amount, operator="gt", raw="3000") == Decimal("3000")
    Why: a rule that can never match (a word where a number belongs, a channel that does not
    exist) must be refused on save, not discovered when a complaint is misrouted.
    """
    if operator not in OPERATORS[spec.type]:
        raise ConditionInvalid(
            _("The operator “%(operator)s” does not apply to the field “%(field)s”.")
            % {"operator": operator, "field": spec.label or spec.name}
        )
    raw = (raw or "").strip()
    if operator in VALUELESS_OPERATORS:
        if raw:
            raise ConditionInvalid(_("Leave the value empty for “is empty” and “is filled in”."))
        return None
    if not raw:
        raise ConditionInvalid(_("Enter a value."))
    if operator in LIST_OPERATORS:
        return tuple(_parse_one(spec, item) for item in split_list(raw))
    return _parse_one(spec, raw)


def _parse_one(spec: FieldSpec, raw: str) -> Any:
    if spec.type == FieldType.NUMBER:
        try:
            number = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            raise ConditionInvalid(_("“%(value)s” is not a number.") % {"value": raw}) from None
        if not number.is_finite():
            raise ConditionInvalid(_("“%(value)s” is not a number.") % {"value": raw})
        return number
    if spec.type == FieldType.DATE:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ConditionInvalid(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw}) from None
    if spec.type == FieldType.BOOLEAN:
        word = normalise_text(raw)
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ConditionInvalid(_("Enter true or false."))
    if spec.type in (FieldType.CHOICE, FieldType.ORDERED_CHOICE, FieldType.PATH):
        if raw not in spec.options:
            raise ConditionInvalid(
                _("“%(value)s” is not one of the codes of “%(field)s”: %(options)s.")
                % {"value": raw, "field": spec.label or spec.name, "options": ", ".join(spec.options)}
            )
        return raw
    return normalise_text(raw)


def operator_phrase(*, spec: FieldSpec, operator: str) -> str:
    """Rule: how an operator reads in a sentence about a field of this type, in the user's language.

    Example: operator_phrase(spec=category, operator="eq") == "is (or is below)"; for signals "include".
    Why: the admin reads a condition as a sentence; "equals" says the wrong thing about a tree or a
    list of signals, where "eq" means "is this node or below it" and "is among them".
    """
    if spec.type == FieldType.PATH and spec.tree:
        phrases = {
            "eq": _("is or is below"),
            "ne": _("is not and is not below"),
            "in": _("is or is below one of"),
            "not_in": _("is not below any of"),
        }
    elif spec.type == FieldType.PATH:
        phrases = {
            "eq": _("include"),
            "ne": _("do not include"),
            "in": _("include one of"),
            "not_in": _("include none of"),
        }
    else:
        phrases = {}
    general = {
        "eq": _("is"),
        "ne": _("is not"),
        "in": _("is one of"),
        "not_in": _("is none of"),
        "contains": _("contains"),
        "not_contains": _("does not contain"),
        "gt": _("is greater than"),
        "gte": _("is at least"),
        "lt": _("is less than"),
        "lte": _("is at most"),
        "empty": _("is empty"),
        "set": _("is filled in"),
    }
    if spec.type == FieldType.FILE:
        general.update(empty=_("has no files"), set=_("has files"))
    return str(phrases.get(operator) or general.get(operator, operator))


def condition_sentence(*, spec: FieldSpec, operator: str, raw: str) -> str:
    """Rule: a condition reads as a sentence: the field's label, the operator's phrase, the values'
    labels (never their codes), in the user's language.

    Example: (category, eq, "battery") reads "Category is or is below Battery"; in Chinese
             "类别 属于或下属于 电池".
    Why: the admin checks a rule by reading it; codes such as "form.fault_type" say nothing to them.
    A value that does not parse is shown as typed, so a broken imported rule still reads.
    """
    phrase = operator_phrase(spec=spec, operator=operator)
    field = spec.label or spec.name
    if operator in VALUELESS_OPERATORS:
        return str(_("%(field)s %(operator)s") % {"field": field, "operator": phrase})
    items = split_list(raw) if operator in LIST_OPERATORS else [(raw or "").strip()]
    shown = [_value_label(spec, item) for item in items]
    return str(
        _("%(field)s %(operator)s %(value)s")
        % {"field": field, "operator": phrase, "value": pgettext("list separator", ", ").join(shown)}
    )


def _value_label(spec: FieldSpec, raw: str) -> str:
    if spec.type in (FieldType.CHOICE, FieldType.ORDERED_CHOICE, FieldType.PATH):
        return spec.label_of(raw)
    if spec.type == FieldType.BOOLEAN:
        word = normalise_text(raw)
        if word in TRUE_WORDS:
            return str(_("yes"))
        if word in FALSE_WORDS:
            return str(_("no"))
    if spec.type == FieldType.TEXT:
        return f"“{raw}”"
    return raw


def rule_sentence(*, sentences: Sequence[str], match_all: bool) -> str:
    """Rule: a rule's conditions joined with "and" (all must hold) or "or" (any), in the user's language.

    Example: rule_sentence(sentences=["a", "b"], match_all=False) == "A or b"; no conditions: "Always".
    Why: the list of rules and the rule's page say in one line when the rule applies.
    """
    if not sentences:
        return capfirst(str(_("always")))
    joiner = _(" and ") if match_all else _(" or ")
    return capfirst(str(joiner).join(sentences))


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: Any  # already parsed by parse_condition_value


def condition_holds(*, condition: Condition, spec: FieldSpec, facts: Mapping[str, Any]) -> bool:
    """Rule: evaluate one condition against the complaint's facts; a missing fact is empty.

    Example: emotion "angry" holds for (emotion, gte, "agitated") in the order calm < agitated <
             angry < extremely angry; category "battery" under "vehicle" holds for (category, eq,
             "vehicle") because a tree field matches the node and everything below it.
    Why: admins think in "this category and its subcategories" and "at least angry".
    """
    fact = facts.get(condition.field)
    op, value = condition.operator, condition.value
    empty = fact is None or fact == "" or fact == ()
    if op == "empty":
        return empty
    if op == "set":
        return not empty
    if op in ("ne", "not_in", "not_contains"):
        positive = {"ne": "eq", "not_in": "in", "not_contains": "contains"}[op]
        return not condition_holds(condition=Condition(condition.field, positive, value), spec=spec, facts=facts)
    if empty:
        return False
    if spec.type == FieldType.PATH:
        nodes = set(fact or ())
        return bool(nodes & set(value)) if op == "in" else value in nodes
    if spec.type == FieldType.TEXT:
        text = normalise_text(str(fact))
        if op == "contains":
            return value in text
        return text in value if op == "in" else text == value
    if op == "in":
        return fact in value
    if op == "eq":
        return bool(fact == value)
    left, right = fact, value
    if spec.type == FieldType.ORDERED_CHOICE:
        if fact not in spec.options:
            return False
        left, right = spec.options.index(fact), spec.options.index(value)
    return {
        "gt": left > right,
        "gte": left >= right,
        "lt": left < right,
        "lte": left <= right,
    }[op]


@dataclass(frozen=True)
class RuleRow:
    id: int
    name: str
    match_all: bool
    conditions: tuple[Condition, ...]
    department_id: int | None = None
    priority_id: int | None = None
    level_id: int | None = None


@dataclass(frozen=True)
class RouteDecision:
    rule_id: int  # the first rule that matched (the default rule when none did)
    department_id: int | None
    priority_id: int | None
    level_id: int | None
    matching_rule_ids: tuple[int, ...]  # every rule that would have matched, in order (for the dry run)


def rule_matches(*, rule: RuleRow, specs: Mapping[str, FieldSpec], facts: Mapping[str, Any]) -> bool:
    """Rule: all conditions (or any, as the rule says) hold; a rule without conditions matches all.

    Example: a rule "channel is regulator OR customer words contain 315" with match_all False
             matches a web complaint whose words contain "315".
    Why: first-match routing needs both shapes without nesting.
    """
    results = (condition_holds(condition=c, spec=specs[c.field], facts=facts) for c in rule.conditions)
    if not rule.conditions:
        return True
    return all(results) if rule.match_all else any(results)


def route(
    *, rules: Sequence[RuleRow], default: RuleRow, specs: Mapping[str, FieldSpec], facts: Mapping[str, Any]
) -> RouteDecision:
    """Rule: the first matching rule in order wins; what it leaves empty comes from the default rule.

    Example: rules [risk → P0 + HQ, quality category → Quality department]; a quality complaint
             with a risk flag gets P0 and HQ from the first rule, and its department from the
             default rule (empty there: the registering department).
    Why: the issue asks for first-match-wins with an always-present default; filling gaps from
    the default keeps each rule short (a rule that only raises the priority).
    """
    matching = tuple(rule.id for rule in rules if rule_matches(rule=rule, specs=specs, facts=facts))
    winner = next((rule for rule in rules if rule.id in matching), default)
    return RouteDecision(
        rule_id=winner.id,
        department_id=winner.department_id or default.department_id,
        priority_id=winner.priority_id or default.priority_id,
        level_id=winner.level_id or default.level_id,
        matching_rule_ids=matching,
    )
