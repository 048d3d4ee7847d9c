"""The category form machinery: Django form fields built from the admin's definitions, the
conditional visibility/requirement check, and the two renderings of one definition (viewflow's
Material layout for staff pages, crispy-forms with Bootstrap for every other page)."""

import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, cast
from xml.etree import ElementTree

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset
from crispy_forms.layout import Layout as CrispyLayout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from viewflow.forms import FieldSet, Row
from viewflow.forms.renderers import LayoutNode

from complaints.choices import FieldKind
from complaints.forms.fields import AttachmentsField, date_field, datetime_field, normalise_phone
from complaints.rules.intake_forms import (
    FILE_KINDS,
    NO,
    TEXT_LIMITS,
    YES,
    FieldDef,
    client_rules,
    contains_markup,
    hidden_keys,
    parse_default,
    visible_values,
)
from complaints.selectors.intake_forms import STANDARD_CONTROLS, EffectiveForm

ANSWER_PREFIX = "answer_"
DECIMAL_PLACES = 4  # what the answer column stores
# Mainland plates (incl. 8-character new-energy plates) and 17-character VINs (no I, O, Q).
PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{4,6}[A-Z0-9\u4e00-\u9fff]?$")
VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def no_markup(value: Any) -> None:
    if isinstance(value, str) and contains_markup(value):
        raise ValidationError(_("HTML tags such as <script> are not accepted here; write plain text."), code="markup")


class PatternValidator:
    """The whole answer must match the admin's regular expression; the admin's message explains."""

    def __init__(self, pattern: str, message: str) -> None:
        self.regex = re.compile(pattern)
        self.message = message

    def __call__(self, value: Any) -> None:
        if value and not self.regex.fullmatch(str(value)):
            raise ValidationError(self.message or _("The answer does not have the expected form."), code="pattern")


class PhoneField(forms.CharField):
    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return normalise_phone(value) if value else value


class PlateOrVinField(forms.CharField):
    """A plate number or VIN, upper-cased without spaces; checked against the built-in shapes unless
    the admin gave a pattern of their own."""

    def __init__(self, *, checked: bool, **kwargs: Any) -> None:
        self.checked = checked
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return re.sub(r"[\s·.-]", "", value).upper() if value else value

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and self.checked and not (PLATE.match(value) or VIN.match(value)):
            raise ValidationError(
                _("Enter a plate number (e.g. 沪A12345, 粤BD12345) or a 17-character VIN."), code="plate_or_vin"
            )


def answer_formfield(defn: FieldDef, *, language: str, required: bool) -> forms.Field:
    """Returns the Django form field for one question, validating exactly what the definition says."""
    common: dict[str, Any] = {
        "label": defn.label(language),
        # Django and crispy render help text as trusted HTML; an admin's text is escaped first.
        "help_text": escape(defn.help(language)),
        "required": required,
    }
    initial = parse_default(defn) if defn.default else None
    if initial is not None:
        common["initial"] = initial
    kind = defn.kind
    text_validators: list[Any] = [no_markup]
    if defn.pattern:
        text_validators.append(PatternValidator(defn.pattern, defn.pattern_message(language)))
    if kind in (FieldKind.SHORT_TEXT, FieldKind.LONG_TEXT):
        limit = TEXT_LIMITS[FieldKind(kind)]
        widget = forms.Textarea(attrs={"rows": 3}) if kind == FieldKind.LONG_TEXT else forms.TextInput()
        return forms.CharField(
            max_length=min(defn.max_length or limit, limit),
            min_length=defn.min_length,
            validators=text_validators,
            widget=widget,
            **common,
        )
    if kind == FieldKind.INTEGER:
        return forms.IntegerField(
            min_value=_whole(defn.min_value), max_value=_whole(defn.max_value, up=False), **common
        )
    if kind == FieldKind.DECIMAL:
        return forms.DecimalField(
            min_value=defn.min_value,
            max_value=defn.max_value,
            max_digits=16,
            decimal_places=DECIMAL_PLACES,
            **common,
        )
    if kind == FieldKind.DATE:
        return date_field(**common)
    if kind == FieldKind.DATETIME:
        return datetime_field(**common)
    if kind == FieldKind.CHOICE:
        options = [(c.value, c.label(language)) for c in defn.choices]
        return forms.ChoiceField(choices=[("", "---------"), *options], **common)
    if kind == FieldKind.MULTI_CHOICE:
        options = [(c.value, c.label(language)) for c in defn.choices]
        # viewflow's free frontend renders SelectMultiple (it has no checkbox-list element); the
        # crispy rendering switches to checkboxes (AnswersForm)
        return forms.MultipleChoiceField(choices=options, widget=forms.SelectMultiple, **common)
    if kind == FieldKind.YES_NO:
        return forms.ChoiceField(choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect, **common)
    if kind == FieldKind.PHONE:
        return PhoneField(max_length=32, **common)
    if kind == FieldKind.EMAIL:
        return forms.EmailField(max_length=254, validators=[no_markup], **common)
    if kind == FieldKind.PLATE_OR_VIN:
        limit = TEXT_LIMITS[FieldKind.PLATE_OR_VIN]
        validators = [*text_validators, MaxLengthValidator(min(defn.max_length or limit, limit))]
        if defn.min_length:
            validators.append(MinLengthValidator(defn.min_length))
        return PlateOrVinField(checked=not defn.pattern, validators=validators, max_length=64, **common)
    if kind in FILE_KINDS:
        return AttachmentsField(
            extensions=defn.file_extensions,
            images_only=kind == FieldKind.PHOTO,
            max_files=defn.max_files,
            **common,
        )
    raise ValueError(f"unknown field kind {kind!r}")


def _whole(value: Decimal | None, up: bool = True) -> int | None:
    if value is None:
        return None
    return int(value.to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


class AnswerFieldsMixin:
    """Adds a category form's questions to any Django form and checks them the way the definition
    says: a hidden conditional question is never required and its value is dropped; a visible
    one is required when the definition (or its condition) says so. After `is_valid()`,
    `answers` holds the typed answers to store (key → value)."""

    answer_form: EffectiveForm
    answers: dict[str, Any]
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    _errors: Any
    add_error: Callable[..., None]  # forms.BaseForm's

    def add_answer_fields(self, answer_form: EffectiveForm) -> None:
        self.answer_form = answer_form
        self.answers = {}
        language = get_language() or "en"
        for defn in answer_form.fields:
            # A conditional question is checked in clean_answers; only unconditional ones may carry
            # the browser's own "required" check.
            required = defn.required and not defn.condition_field
            self.fields[ANSWER_PREFIX + defn.key] = answer_formfield(defn, language=language, required=required)

    @property
    def answer_names(self) -> list[str]:
        return [ANSWER_PREFIX + defn.key for defn in self.answer_form.fields]

    def hidden_answer_names(self) -> set[str]:
        """The questions to render hidden, from the submitted data or the initial values (the
        page's script keeps this up to date as the agent types)."""
        form: Any = self  # a BoundField per name: the submitted value, or the initial one
        values = {name: _control_value(form[name].value()) for name in STANDARD_CONTROLS if name in self.fields}
        values.update({defn.key: form[ANSWER_PREFIX + defn.key].value() for defn in self.answer_form.fields})
        return {ANSWER_PREFIX + key for key in hidden_keys(fields=self.answer_form.fields, values=values)}

    def answer_rules_json(self) -> str:
        return json.dumps(
            {
                "prefix": ANSWER_PREFIX,
                "rules": client_rules(self.answer_form.fields, ANSWER_PREFIX),
                "required_standard": list(self.answer_form.required_standard),
            }
        )

    def clean_answers(self, data: Mapping[str, Any]) -> None:
        """Applies visibility and conditional requirement; fills `self.answers`."""
        standard = {name: _control_value(data.get(name)) for name in STANDARD_CONTROLS}
        given = {defn.key: data.get(ANSWER_PREFIX + defn.key) for defn in self.answer_form.fields}
        kept, required = visible_values(fields=self.answer_form.fields, values={**standard, **given})
        answers: dict[str, Any] = {}
        for defn in self.answer_form.fields:
            name = ANSWER_PREFIX + defn.key
            if defn.key not in kept:
                # Hidden: whatever the browser sent is neither checked nor stored.
                self._errors.pop(name, None)
                self.cleaned_data.pop(name, None)
                continue
            value = kept[defn.key]
            if _empty(value):
                if defn.key in required and name not in self._errors:
                    self.add_error(name, ValidationError(_("This field is required."), code="required"))
                continue
            answers[defn.key] = value
        for name in self.answer_form.required_standard:
            if _empty(data.get(name)) and name in self.fields and name not in self._errors:
                self.add_error(
                    name, ValidationError(_("Required for complaints of this category."), code="required_by_category")
                )
        self.answers = answers


def _control_value(value: Any) -> Any:
    if isinstance(value, bool):
        return YES if value else NO
    return value


class AnswersSection(LayoutNode):
    """viewflow layout node: the category's questions in one block the intake page's script can
    swap when the category changes (id rd-answers), carrying the visibility rules as data."""

    def __init__(self, *, title: Any, names: Sequence[str], rules_json: str, hidden: set[str]) -> None:
        self.title = title
        self.names = list(names)
        self.rules_json = rules_json
        self.hidden = hidden
        super().__init__()

    def append(self, layout: Any, form: forms.BaseForm, root: ElementTree.Element) -> None:
        wrapper = ElementTree.SubElement(
            root,
            "div",
            {
                "id": "rd-answers",
                "class": "rd-answers mdc-layout-grid__cell mdc-layout-grid__cell--span-12",
                "data-rules": self.rules_json,
                "data-swap": "category",
            },
        )
        if self.names:
            FieldSet(self.title, *[Row(name) for name in self.names]).append(layout, form, wrapper)
            for cell in wrapper.iter():
                if any(child.get("name") in self.hidden for child in cell):
                    cell.set("hidden", "hidden")


class AnswersForm(AnswerFieldsMixin, forms.Form):
    """A category's questions on their own, for any page outside the staff shell; renders with
    crispy-forms (`{% crispy form %}`) from the same definitions as the staff intake."""

    def __init__(self, *args: Any, answer_form: EffectiveForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_answer_fields(answer_form)
        for field in self.fields.values():
            if isinstance(field, forms.MultipleChoiceField):
                field.widget = forms.CheckboxSelectMultiple(choices=cast(Any, field.choices))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = CrispyLayout(
            Div(
                Fieldset(str(_("Details for this category")), *self.answer_names),
                css_id="rd-answers",
                data_rules=self.answer_rules_json(),
            )
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.clean_answers(data)
        return data
