"""Category intake forms: what a field definition means, when a field shows, and which
definitions can be published. Pure functions over frozen dataclasses; no ORM, no I/O."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from complaints.choices import ConditionEffect, FieldKind
from complaints.rules.routing import FALSE_WORDS, TRUE_WORDS, normalise_text, split_list

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CHOICE_KINDS = frozenset({FieldKind.CHOICE, FieldKind.MULTI_CHOICE})
# Kinds a condition may test: their values are codes, so "is one of" reads unambiguously.
CONDITION_KINDS = frozenset({FieldKind.CHOICE, FieldKind.MULTI_CHOICE, FieldKind.YES_NO})
TEXT_KINDS = frozenset({FieldKind.SHORT_TEXT, FieldKind.LONG_TEXT})
NUMBER_KINDS = frozenset({FieldKind.INTEGER, FieldKind.DECIMAL})
FILE_KINDS = frozenset({FieldKind.FILE, FieldKind.PHOTO})
LENGTH_KINDS = TEXT_KINDS | {FieldKind.PLATE_OR_VIN}
PATTERN_KINDS = TEXT_KINDS | {FieldKind.PLATE_OR_VIN}
# Storage limits of the answer columns (not policy: the admin's own limits must lie within them).
TEXT_LIMITS = {FieldKind.SHORT_TEXT: 255, FieldKind.LONG_TEXT: 10000, FieldKind.PLATE_OR_VIN: 32}
YES, NO = "yes", "no"
# Markup in an answer is refused rather than stored: answers are shown on staff pages, in exports
# and in reports that are not all HTML-escaped by a template engine.
MARKUP = re.compile(r"<[a-zA-Z!/?]")


class DefinitionInvalid(ValueError):
    """A form definition that cannot be published; the message says why, in the user's language."""


@dataclass(frozen=True)
class Choice:
    value: str
    label_zh_hans: str
    label_en: str

    def label(self, language: str) -> str:
        return pick_language(language, self.label_zh_hans, self.label_en) or self.value


@dataclass(frozen=True)
class FieldDef:
    """One question of a category form, as the admin defined it."""

    key: str
    kind: str
    label_zh_hans: str
    label_en: str
    help_zh_hans: str = ""
    help_en: str = ""
    required: bool = False
    staff_only: bool = False  # left out of the customer's public form
    default: str = ""
    choices: tuple[Choice, ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str = ""
    pattern_message_zh_hans: str = ""
    pattern_message_en: str = ""
    condition_field: str = ""
    condition_values: tuple[str, ...] = ()
    condition_effect: str = ConditionEffect.SHOW
    file_extensions: tuple[str, ...] = ()
    max_files: int = 1
    id: int | None = None  # the stored row, so answers can point at the exact definition
    extra: Mapping[str, Any] = field(default_factory=dict)

    def label(self, language: str) -> str:
        return pick_language(language, self.label_zh_hans, self.label_en) or self.key

    def help(self, language: str) -> str:
        return pick_language(language, self.help_zh_hans, self.help_en)

    def pattern_message(self, language: str) -> str:
        return pick_language(language, self.pattern_message_zh_hans, self.pattern_message_en)

    def choice_label(self, value: str, language: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label(language)
        return value


def pick_language(language: str, zh_hans: str, en: str) -> str:
    """Rule: the reader's language first, the other one when that is empty.

    Example: pick_language("en", "救援单号", "") == "救援单号"
    Why: a half-translated form must still show every label rather than blanks.
    """
    first, second = (zh_hans, en) if language.lower().startswith("zh") else (en, zh_hans)
    return first or second


def parse_choices(text: str) -> tuple[Choice, ...]:
    """Rule: one choice per line, "code | 中文 | English"; the code is what is stored and tested.

    Example: parse_choices("roadside | 道路救援 | Roadside assistance")
             == (Choice("roadside", "道路救援", "Roadside assistance"),)
    Why: codes stay stable when labels are reworded, so stored answers and routing rules keep
    their meaning across form versions.
    """
    choices: list[Choice] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        code = parts[0]
        if not KEY_PATTERN.fullmatch(code):
            raise DefinitionInvalid(
                _(
                    "Choice line %(line)s: “%(code)s” is not a valid code (lower-case letters, digits and _, "
                    "starting with a letter)."
                )
                % {"line": number, "code": code}
            )
        if code in seen:
            raise DefinitionInvalid(
                _("Choice line %(line)s: the code “%(code)s” appears twice.")
                % {
                    "line": number,
                    "code": code,
                }
            )
        if len(parts) > 3:
            raise DefinitionInvalid(
                _("Choice line %(line)s: write “code | 中文 | English” (at most two “|”).") % {"line": number}
            )
        seen.add(code)
        zh_hans = parts[1] if len(parts) > 1 else ""
        en = parts[2] if len(parts) > 2 else ""
        choices.append(Choice(code, zh_hans, en))
    return tuple(choices)


def parse_extensions(text: str) -> tuple[str, ...]:
    """Rule: a list of file extensions, with or without dots, any case.

    Example: parse_extensions(".JPG, png") == ("jpg", "png")
    """
    return tuple(dict.fromkeys(ext for item in split_list(text) if (ext := item.lower().lstrip("."))))


def yes_no(raw: str) -> bool | None:
    """Returns True/False for a yes/no word (English or Chinese), None for anything else."""
    word = normalise_text(raw)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


# Visibility ----------------------------------------------------------------------------------


def condition_met(*, defn: FieldDef, values: Mapping[str, Any]) -> bool:
    """Rule: a condition holds when the controlling field's value is one of the listed codes; a
    yes/no field matches "yes" or "no"; a multiple choice matches when any ticked code is listed;
    an empty or hidden controlling field never matches.

    Example: rescue_order_no with condition service_type ∈ {roadside} holds for
             {"service_type": "roadside"} and not for {"service_type": "at_store"} or {}.
    Why: "show the rescue order number only when the service type is roadside".
    """
    if not defn.condition_field:
        return True
    value = values.get(defn.condition_field)
    if value is None or value == "" or value == () or value == []:
        return False
    if isinstance(value, bool):
        value = YES if value else NO
    actual = {str(v) for v in value} if isinstance(value, list | tuple | set | frozenset) else {str(value)}
    return bool(actual & set(defn.condition_values))


def field_state(*, defn: FieldDef, values: Mapping[str, Any]) -> tuple[bool, bool]:
    """Rule: returns (visible, required) for a field given the answers so far.

    Example: SHOW: hidden and not required while the condition fails; visible and required as
             defined when it holds. REQUIRE: always visible; required only while the condition holds.
    Why: a hidden field is never required and its value is never stored.
    """
    met = condition_met(defn=defn, values=values)
    if defn.condition_effect == ConditionEffect.REQUIRE and defn.condition_field:
        return True, met
    return met, met and defn.required


def visible_values(*, fields: Sequence[FieldDef], values: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Rule: walk the fields in order, keeping the values of visible fields only, so a field
    controlled by a hidden field is hidden too.

    Example: A → B (shown when A = x) → C (shown when B = y): with A = z, B and C are both
             dropped even if the browser sent values for them.
    Why: hidden conditional fields are not stored, whatever the browser sent.
    Returns the kept values (standard fields passed in stay) and the set of required keys.
    """
    kept, required, _hidden = _walk(fields, values)
    return kept, required


def hidden_keys(*, fields: Sequence[FieldDef], values: Mapping[str, Any]) -> set[str]:
    """Rule: the keys of the questions hidden for these answers (as visible_values decides).

    Example: with service_type = "at_store", {"rescue_order_no", "rescue_location"}.
    """
    return _walk(fields, values)[2]


def _walk(fields: Sequence[FieldDef], values: Mapping[str, Any]) -> tuple[dict[str, Any], set[str], set[str]]:
    kept: dict[str, Any] = dict(values)
    required: set[str] = set()
    hidden: set[str] = set()
    for defn in fields:
        visible, needed = field_state(defn=defn, values=kept)
        if not visible:
            kept.pop(defn.key, None)
            hidden.add(defn.key)
        elif needed:
            required.add(defn.key)
    return kept, required, hidden


def client_rules(fields: Sequence[FieldDef], prefix: str) -> list[dict[str, Any]]:
    """The conditions in the shape the browser script reads (it hides and marks fields as the
    server would decide; the server decides again on submit)."""
    return [
        {
            "name": prefix + defn.key,
            "when": defn.condition_field,
            "values": list(defn.condition_values),
            "effect": defn.condition_effect,
            "required": defn.required,
        }
        for defn in fields
        if defn.condition_field
    ]


# Publishing -----------------------------------------------------------------------------------


def parse_default(defn: FieldDef) -> Any:
    """Rule: a default is written as the agent would type it; it must be a valid answer.

    Example: integer "0" → 0; yes/no "yes" → "yes"; multiple choice "a, b" → ["a", "b"].
    Raises DefinitionInvalid when it is not.
    """
    raw = defn.default.strip()
    if not raw:
        return None
    kind = defn.kind
    if kind in FILE_KINDS:
        raise DefinitionInvalid(_("A file field cannot have a default."))
    if kind in NUMBER_KINDS:
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise DefinitionInvalid(_("The default “%(value)s” is not a number.") % {"value": raw}) from None
        if not number.is_finite():
            raise DefinitionInvalid(_("The default “%(value)s” is not a number.") % {"value": raw})
        if kind == FieldKind.INTEGER and number != number.to_integral_value():
            raise DefinitionInvalid(_("The default “%(value)s” is not a whole number.") % {"value": raw})
        if (defn.min_value is not None and number < defn.min_value) or (
            defn.max_value is not None and number > defn.max_value
        ):
            raise DefinitionInvalid(_("The default lies outside the minimum and maximum."))
        return int(number) if kind == FieldKind.INTEGER else number
    if kind == FieldKind.YES_NO:
        flag = yes_no(raw)
        if flag is None:
            raise DefinitionInvalid(_("The default of a yes/no field is “yes” or “no”."))
        return YES if flag else NO
    codes = {choice.value for choice in defn.choices}
    if kind == FieldKind.CHOICE:
        if raw not in codes:
            raise DefinitionInvalid(_("The default “%(value)s” is not one of the choice codes.") % {"value": raw})
        return raw
    if kind == FieldKind.MULTI_CHOICE:
        items = split_list(raw)
        wrong = [item for item in items if item not in codes]
        if wrong:
            raise DefinitionInvalid(
                _("The default “%(value)s” is not one of the choice codes.") % {"value": ", ".join(wrong)}
            )
        return items
    if kind in (FieldKind.DATE, FieldKind.DATETIME):
        raise DefinitionInvalid(_("Date fields have no default; the agent enters the date."))
    too_long = defn.max_length is not None and len(raw) > defn.max_length
    too_short = defn.min_length is not None and len(raw) < defn.min_length
    if too_long or too_short:
        raise DefinitionInvalid(_("The default does not respect the length limits."))
    if defn.pattern:
        try:
            matches = re.fullmatch(defn.pattern, raw) is not None
        except re.error:
            matches = True  # the invalid pattern is reported on its own
        if not matches:
            raise DefinitionInvalid(_("The default does not match the pattern."))
    return raw


def check_field(defn: FieldDef) -> list[str]:
    """Rule: a field definition is self-consistent: a valid key, labels, choices exactly for the
    choice kinds, limits only where they apply and in order, a pattern that compiles, a default
    that is a valid answer.

    Example: a "single choice" without choices, or min 10 > max 5, is refused.
    Returns the problems, each a sentence for the admin; empty when the field is fine.
    """
    problems: list[str] = []
    if not KEY_PATTERN.fullmatch(defn.key):
        problems.append(
            _("“%(key)s” is not a valid key: lower-case letters, digits and _, starting with a letter, at most 40.")
            % {"key": defn.key}
        )
    if not (defn.label_zh_hans.strip() or defn.label_en.strip()):
        problems.append(_("Give the field a label."))
    if defn.kind in CHOICE_KINDS and not defn.choices:
        problems.append(_("A choice field needs at least one choice."))
    if defn.kind not in CHOICE_KINDS and defn.choices:
        problems.append(_("Only choice fields have choices; clear them or change the type."))
    if defn.kind not in NUMBER_KINDS and (defn.min_value is not None or defn.max_value is not None):
        problems.append(_("Minimum and maximum apply to number fields only."))
    if defn.min_value is not None and defn.max_value is not None and defn.min_value > defn.max_value:
        problems.append(_("The minimum is larger than the maximum."))
    if defn.kind not in LENGTH_KINDS and (defn.min_length is not None or defn.max_length is not None):
        problems.append(_("Length limits apply to text fields only."))
    limit = TEXT_LIMITS.get(defn.kind)  # type: ignore[call-overload]
    if limit is not None and defn.max_length is not None and defn.max_length > limit:
        problems.append(_("The longest answer this field can store is %(limit)s characters.") % {"limit": limit})
    if defn.min_length is not None and defn.max_length is not None and defn.min_length > defn.max_length:
        problems.append(_("The minimum length is larger than the maximum length."))
    if defn.pattern:
        if defn.kind not in PATTERN_KINDS:
            problems.append(_("A pattern applies to text fields only."))
        try:
            re.compile(defn.pattern)
        except re.error as error:
            problems.append(_("The pattern is not a valid regular expression: %(error)s") % {"error": error})
        if not (defn.pattern_message_zh_hans.strip() or defn.pattern_message_en.strip()):
            problems.append(_("Write the message shown when an answer does not match the pattern."))
    if defn.kind not in FILE_KINDS and (defn.file_extensions or defn.max_files != 1):
        problems.append(_("File types and number of files apply to file and photo fields only."))
    if defn.kind in FILE_KINDS and defn.max_files < 1:
        problems.append(_("Allow at least one file."))
    if defn.condition_field and not defn.condition_values:
        problems.append(_("List the values of the controlling field that make the condition hold."))
    if defn.condition_values and not defn.condition_field:
        problems.append(_("Choose the field the condition depends on."))
    if defn.condition_field == defn.key and defn.key:
        problems.append(_("A field cannot depend on itself."))
    try:
        parse_default(defn)
    except DefinitionInvalid as error:
        problems.append(str(error))
    return problems


@dataclass(frozen=True)
class ControlField:
    """A field other questions may depend on: its key, kind and the codes it can take."""

    key: str
    options: tuple[str, ...]


def control_options(defn: FieldDef) -> tuple[str, ...]:
    if defn.kind == FieldKind.YES_NO:
        return (YES, NO)
    return tuple(choice.value for choice in defn.choices)


def check_form(
    *,
    fields: Sequence[FieldDef],
    inherited: Sequence[FieldDef] = (),
    standard: Mapping[str, tuple[str, ...]] | None = None,
    taken: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """Rule: a form can be published when every field is self-consistent, keys are unique across
    the form and the forms it inherits from, a key used elsewhere keeps its type, and each
    condition depends on an earlier choice or yes/no field (or a standard choice field) and lists
    only codes that field can take.

    Example: "rescue_order_no shown when service_type ∈ {roadside}" is refused when service_type
             comes after it, is a text field, or has no choice "roadside".
    Why: a condition on a later or free-text field cannot be decided in the order the agent
    fills in the form; a key that changes type would make old answers and routing rules lie.
    `standard` maps standard intake fields that conditions may test to their codes; `taken`
    maps keys used by other categories to their kind. Returns problems keyed by field key
    ("" for the form as a whole).
    """
    problems: dict[str, list[str]] = {}
    controls: dict[str, ControlField] = {key: ControlField(key, options) for key, options in (standard or {}).items()}
    keys: set[str] = set()
    for defn in inherited:
        keys.add(defn.key)
        if defn.kind in CONDITION_KINDS:
            controls[defn.key] = ControlField(defn.key, control_options(defn))
    for defn in fields:
        found = check_field(defn)
        if defn.key in keys:
            found.append(
                _("The key “%(key)s” is used twice in this form (or by a parent category's form).") % {"key": defn.key}
            )
        other_kind = (taken or {}).get(defn.key)
        if other_kind and other_kind != defn.kind:
            found.append(
                _(
                    "The key “%(key)s” is already used by another category's form with the type “%(kind)s”; "
                    "use another key."
                )
                % {"key": defn.key, "kind": FieldKind(other_kind).label}
            )
        if defn.condition_field and defn.condition_field != defn.key:
            control = controls.get(defn.condition_field)
            if control is None:
                found.append(
                    _(
                        "The condition depends on “%(field)s”, which is not a choice or yes/no field placed "
                        "before this one."
                    )
                    % {"field": defn.condition_field}
                )
            else:
                wrong = [value for value in defn.condition_values if value not in control.options]
                if wrong:
                    found.append(
                        _("“%(values)s” is not a value of “%(field)s” (its values: %(options)s).")
                        % {
                            "values": ", ".join(wrong),
                            "field": defn.condition_field,
                            "options": ", ".join(control.options),
                        }
                    )
        keys.add(defn.key)
        if defn.kind in CONDITION_KINDS:
            controls[defn.key] = ControlField(defn.key, control_options(defn))
        if found:
            problems.setdefault(defn.key, []).extend(found)
    return problems


def parse_condition_values(raw: str) -> tuple[str, ...]:
    """Rule: the controlling values as the admin typed them, comma or line separated; yes/no
    words (true, 是, 否…) are read as "yes" or "no".

    Example: parse_condition_values("roadside，towing") == ("roadside", "towing");
             parse_condition_values("是") == ("yes",)
    """
    values = []
    for item in split_list(raw):
        flag = yes_no(item)
        values.append(item if flag is None else (YES if flag else NO))
    return tuple(dict.fromkeys(values))


def contains_markup(text: str) -> bool:
    """Rule: text that opens an HTML tag (<script, <img, </b, <!--) is markup.

    Example: contains_markup("<script>alert(1)</script>") is True; contains_markup("<3 a < b") is False.
    """
    return bool(MARKUP.search(text))
