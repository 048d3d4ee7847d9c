"""Reads of the category intake forms: which questions a category asks, and a complaint's answers."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.choices import Channel, Demand, Emotion, FieldKind, FormStatus
from complaints.models import Answer, Attachment, Category, Complaint, FormField, FormVersion
from complaints.models.intake_forms import REQUIRABLE_STANDARD_FIELDS
from complaints.rules.intake_forms import (
    CHOICE_KINDS,
    FILE_KINDS,
    NO,
    NUMBER_KINDS,
    YES,
    DefinitionInvalid,
    FieldDef,
    check_form,
    yes_no,
)
from complaints.rules.routing import FieldSpec, FieldType
from complaints.rules.trees import path_to_root, subtree_ids

# The standard intake fields a form condition may depend on, with the codes they can take.
STANDARD_CONTROLS: dict[str, tuple[str, ...]] = {
    "channel": tuple(Channel.values),
    "demand": tuple(Demand.values),
    "emotion": tuple(Emotion.values),
    "risk_flagged": (YES, NO),
}
ROUTING_PREFIX = "form."
# A filter on one answer as people type it: "key=value", "key>value", "key<value".
ANSWER_TERM = re.compile(r"^([a-z][a-z0-9_]{0,39})([=><])(.+)$")


@dataclass
class EffectiveForm:
    """The questions asked for one category: its ancestors' published forms first, then its own."""

    category: Category | None
    versions: list[FormVersion] = field(default_factory=list)
    fields: list[FieldDef] = field(default_factory=list)
    required_standard: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def by_key(self) -> dict[str, FieldDef]:
        return {defn.key: defn for defn in self.fields}


def category_parents() -> dict[int, int | None]:
    """Returns the category tree as {id: parent id} (one query)."""
    from complaints.selectors.once import read_once

    return dict(
        read_once("category_parents", lambda: dict(Category.objects.values_list("pk", "parent_id")), shared=True)
    )


def category_chain(category: Category | None) -> list[Category]:
    """Returns the category and its ancestors, root first (two queries, whatever the depth)."""
    if category is None:
        return []
    ids = path_to_root(category_parents(), category.pk)
    by_id = categories_by_id()
    return [by_id[pk] for pk in reversed(ids) if pk in by_id]


def category_label(category: Category | None) -> str:
    """The "parent / child" name Category.__str__ gives, from the configuration copies (str() reads
    the parents one query each: once per row of an export)."""
    return " / ".join(str(c.name) for c in category_chain(category))


def categories_by_id() -> dict[int, Category]:
    """Every category by id, read once per configuration (shared: do not change the objects). Each
    copy's parent is the copy of its parent, so that str() names "parent / child" without a query."""
    from complaints.selectors.once import read_once

    return read_once("categories_by_id", _categories_linked, shared=True)


def _categories_linked() -> dict[int, Category]:
    by_id = Category.objects.in_bulk()
    for category in by_id.values():
        if category.parent_id in by_id:
            category.parent = by_id[category.parent_id]
    return by_id


def category_subtree_ids(category: Category) -> set[int]:
    """Returns the ids of the category and every category below it."""
    return subtree_ids(category_parents(), [category.pk])


def _definitions(version: FormVersion) -> tuple[list[FieldDef], dict[str, list[str]]]:
    definitions: list[FieldDef] = []
    problems: dict[str, list[str]] = {}
    for row in version.fields.all():
        try:
            definitions.append(row.definition())
        except DefinitionInvalid as error:
            problems.setdefault(row.key, []).append(str(error))
    return definitions, problems


def effective_form(category: Category | None, *, draft: FormVersion | None = None) -> EffectiveForm:
    """Returns the questions for a category. With `draft`, that version stands in for its
    category's published form (the admin's preview). A category without any form gets none."""
    chain = category_chain(category)
    form = EffectiveForm(category=category)
    if not chain:
        return form
    from complaints.selectors.once import read_once

    ids = [node.pk for node in chain]
    # The published forms are configuration: read once per configuration (shared: only read them).
    versions = dict(
        read_once(
            f"published_forms:{ids}",
            lambda: {
                v.category_id: v
                for v in FormVersion.objects.filter(category__in=ids, status=FormStatus.PUBLISHED).prefetch_related(
                    Prefetch("fields", queryset=FormField.objects.order_by("position", "pk"))
                )
            },
            shared=True,
        )
    )
    if draft is not None:
        versions[draft.category_id] = draft
    for node in chain:
        version = versions.get(node.pk)
        if version is None:
            continue
        definitions, problems = _definitions(version)
        form.versions.append(version)
        form.fields.extend(definitions)
        form.problems.update(problems)
        form.required_standard.extend(f for f in version.required_standard_fields if f not in form.required_standard)
    return form


def step_form(version: FormVersion) -> EffectiveForm:
    """Returns the questions of one custom step's form version (nothing inherited)."""
    definitions, problems = _definitions(version)
    return EffectiveForm(category=None, versions=[version], fields=definitions, problems=problems)


def taken_keys(*, category: Category) -> dict[str, str]:
    """Keys used by the forms of other categories (any version), with their kind."""
    rows = FormField.objects.exclude(version__category=category).values_list("key", "kind").distinct()
    return dict(rows)


def form_problems(version: FormVersion) -> dict[str, list[str]]:
    """Returns what stops this version from being published, by field key ("" for the form)."""
    if version.category is None:
        return _step_form_problems(version)
    parent_form = effective_form(version.category.parent) if version.category.parent_id else EffectiveForm(None)
    definitions, problems = _definitions(version)
    problems.update(
        check_form(
            fields=definitions,
            inherited=parent_form.fields,
            standard=STANDARD_CONTROLS,
            taken=taken_keys(category=version.category),
        )
    )
    descendants = category_subtree_ids(version.category) - {version.category_id}
    if descendants:
        own_keys = {d.key for d in definitions} | {d.key for d in parent_form.fields}
        clashes = FormField.objects.filter(
            version__category__in=descendants, version__status=FormStatus.PUBLISHED, key__in=own_keys
        ).select_related("version__category")
        for row in clashes:
            problems.setdefault(row.key, []).append(
                _("The subcategory “%(category)s” already asks a question with the key “%(key)s”.")
                % {"category": row.version.category, "key": row.key}
            )
    wrong = [f for f in version.required_standard_fields if f not in REQUIRABLE_STANDARD_FIELDS]
    if wrong:
        problems.setdefault("", []).append(
            _("Not standard intake fields: %(fields)s.") % {"fields": ", ".join(map(str, wrong))}
        )
    return problems


def _step_form_problems(version: FormVersion) -> dict[str, list[str]]:
    """A custom step's form is checked like an intake form with nothing inherited; its keys may
    not repeat another form's key with another type (routing and later steps test answers by key)."""
    definitions, problems = _definitions(version)
    taken = dict(
        FormField.objects.exclude(version__custom_step=version.custom_step_id).values_list("key", "kind").distinct()
    )
    problems.update(check_form(fields=definitions, inherited=[], standard=STANDARD_CONTROLS, taken=taken))
    if version.required_standard_fields:
        problems.setdefault("", []).append(_("A custom step's form asks no standard intake fields."))
    return problems


# Answers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    """An answer ready to show: the question's label in the reader's language and the value."""

    key: str
    kind: str
    label: str
    display: str
    value: Any
    files: tuple[Attachment, ...] = ()


def display_value(defn: FieldDef, value: Any, language: str) -> str:
    """Returns an answer as text for a reader of `language` (choices by their label)."""
    if value is None or value == "" or value == []:
        return ""
    if defn.kind == FieldKind.YES_NO:
        return str(_("Yes")) if value == YES else str(_("No"))
    if defn.kind == FieldKind.CHOICE:
        return defn.choice_label(str(value), language)
    if defn.kind == FieldKind.MULTI_CHOICE:
        separator = "、" if language.startswith("zh") else ", "
        return separator.join(defn.choice_label(str(v), language) for v in value)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.normalize() else str(value)
    return str(value)


def intake_answers(complaint: Complaint) -> QuerySet[Answer]:
    """The complaint's intake answers (not a custom step's) with their fields and files."""
    return (
        Answer.objects.filter(complaint=complaint, run__isnull=True)
        .select_related("field", "field__version")
        .prefetch_related("files")
    )


def answer_rows(
    complaint: Complaint,
    *,
    language: str | None = None,
    chain: list[Category] | None = None,
    answers: Iterable[Answer] | None = None,
) -> list[AnswerRow]:
    """Returns the complaint's answers in form order, each labelled as the version it was filed
    with defines it (so a later edit of the form never changes what is shown). `chain` is the
    complaint's category_chain, `answers` its intake_answers, when the caller has them already."""
    language = language or get_language() or "en"
    if chain is None:
        chain = category_chain(complaint.category)
    with translation.override(language):
        return _answer_rows(intake_answers(complaint) if answers is None else answers, language, chain)


def _answer_rows(answers: Iterable[Answer], language: str, chain: list[Category]) -> list[AnswerRow]:
    # The parent categories' questions first, as the form asked them.
    order = {c.pk: index for index, c in enumerate(chain)}
    rows = []
    for answer in sorted(
        answers, key=lambda a: (order.get(a.field.version.category_id or 0, len(order)), a.field.position)
    ):
        defn = answer.field.definition()
        value = answer.value
        files = tuple(answer.files.all()) if defn.kind in FILE_KINDS else ()
        rows.append(
            AnswerRow(
                key=answer.key,
                kind=defn.kind,
                label=defn.label(language),
                display=display_value(defn, value, language) if not files else "",
                value=value,
                files=files,
            )
        )
    return rows


def answer_facts(complaint: Complaint) -> dict[str, Any]:
    """Returns the complaint's answers as routing facts, keyed "form.<key>"."""
    if complaint.pk is None:
        return {}
    facts: dict[str, Any] = {}
    prefetched = "answers" in getattr(complaint, "_prefetched_objects_cache", {})
    rows = complaint.answers.all() if prefetched else Answer.objects.filter(complaint=complaint).select_related("field")
    for answer in rows:
        facts[ROUTING_PREFIX + answer.key] = fact_value(answer.field.kind, answer.value)
    return facts


def fact_value(kind: str, value: Any) -> Any:
    """Returns an answer as the routing rules compare it."""
    if value is None:
        return None
    if kind == FieldKind.YES_NO:
        return value == YES
    if kind == FieldKind.MULTI_CHOICE:
        return tuple(value)
    if kind in NUMBER_KINDS:
        return Decimal(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    if kind in FILE_KINDS:
        return value or None
    return value


ROUTING_TYPES = {
    FieldKind.INTEGER: FieldType.NUMBER,
    FieldKind.DECIMAL: FieldType.NUMBER,
    FieldKind.DATE: FieldType.DATE,
    FieldKind.DATETIME: FieldType.DATE,
    FieldKind.CHOICE: FieldType.CHOICE,
    FieldKind.MULTI_CHOICE: FieldType.PATH,
    FieldKind.YES_NO: FieldType.BOOLEAN,
    FieldKind.FILE: FieldType.FILE,
    FieldKind.PHOTO: FieldType.FILE,
}


def answer_field_specs() -> list[FieldSpec]:
    """Returns a routing field for every question key of any published or superseded form; a
    choice key offers the codes of every version (old rules keep working on old complaints)."""
    language = get_language() or "en"
    specs: dict[str, FieldSpec] = {}
    options: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    rows = (
        FormField.objects.exclude(version__status=FormStatus.DRAFT)
        .select_related("version")
        .order_by("version__published_at", "pk")
    )
    for row in rows:
        try:
            defn = row.definition()
        except DefinitionInvalid:
            continue
        name = ROUTING_PREFIX + row.key
        if defn.kind in CHOICE_KINDS:
            known, shown = options.setdefault(name, []), labels.setdefault(name, [])
            for choice in defn.choices:
                if choice.value not in known:
                    known.append(choice.value)
                    shown.append(choice.label(language))
        specs[name] = FieldSpec(
            name,
            ROUTING_TYPES.get(FieldKind(defn.kind), FieldType.TEXT),
            str(_("Form: %(label)s") % {"label": defn.label(language)}),
            tuple(options.get(name, ())),
            option_labels=tuple(labels.get(name, ())),
            group="form",
        )
    return list(specs.values())


class FilterInvalid(ValueError):
    """A filter on answers that cannot be applied; the message says why, in the user's language."""


def complaints_with_answer(
    queryset: QuerySet[Complaint], *, key: str, operator: str, value: str
) -> QuerySet[Complaint]:
    """Filters complaints by one answer: `key=value` (choices: the code; text: contains, ignoring
    case), `key>value` / `key<value` for numbers and dates (YYYY-MM-DD). Raises FilterInvalid for
    an unknown key or a value of the wrong type."""
    kinds = list(FormField.objects.filter(key=key).values_list("kind", flat=True).distinct())
    if not kinds:
        raise FilterInvalid(_("No form has a question with the key “%(key)s”.") % {"key": key})
    kind = FieldKind(kinds[0])
    ordered = kind in NUMBER_KINDS or kind in (FieldKind.DATE, FieldKind.DATETIME)
    if operator not in ("=", ">", "<") or (operator != "=" and not ordered):
        raise FilterInvalid(_("Only numbers and dates can be compared with > or <."))
    condition = Q(answers__key=key)
    suffix = {"=": "", ">": "__gt", "<": "__lt"}[operator]
    try:
        if kind in NUMBER_KINDS:
            condition &= Q(**{"answers__number" + suffix: Decimal(value)})
        elif kind in (FieldKind.DATE, FieldKind.DATETIME):
            # date-time answers keep their local date in the date column too
            condition &= Q(**{"answers__date" + suffix: date.fromisoformat(value)})
        elif kind == FieldKind.YES_NO:
            flag = yes_no(value)
            if flag is None:
                raise ValueError(value)
            condition &= Q(answers__flag=flag)
        elif kind == FieldKind.MULTI_CHOICE:
            condition &= Q(answers__text__contains=f",{value},")  # codes are also stored as ",a,b,"
        elif kind == FieldKind.CHOICE:
            condition &= Q(answers__text=value)
        else:
            condition &= Q(answers__text__icontains=value)
    except (ValueError, ArithmeticError):
        raise FilterInvalid(
            _("“%(value)s” is not a valid value for “%(key)s”.") % {"value": value, "key": key}
        ) from None
    return queryset.filter(condition).distinct()


def complaints_with_answers(queryset: QuerySet[Complaint], *, text: str) -> tuple[QuerySet[Complaint], list[str]]:
    """Applies every answer term of `text` ("service_type=roadside waited_min>60") and returns the
    filtered complaints and the words that were not answer terms, for the caller's own search.
    Raises FilterInvalid for a term on an unknown key or with a value of the wrong type."""
    plain: list[str] = []
    for term in text.split():
        match = ANSWER_TERM.match(term)
        if match is None:
            plain.append(term)
            continue
        key, operator, value = match.groups()
        queryset = complaints_with_answer(queryset, key=key, operator=operator, value=value)
    return queryset, plain
