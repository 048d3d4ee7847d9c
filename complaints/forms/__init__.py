"""Forms for intake and each step. Validation lives here; writes happen in services."""

import copy
import re
import uuid
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.forms import FieldSet, Layout, Row

from complaints.choices import Channel, ConfirmationOutcome, Emotion, VerificationOutcome
from complaints.forms.answers import ANSWER_PREFIX, AnswerFieldsMixin, AnswersSection
from complaints.forms.answers import AnswersForm as AnswersForm
from complaints.forms.category_tree import CategoryTree
from complaints.forms.fields import (
    AttachmentsField,
    CopiedChoiceField,
    date_field,
    datetime_field,
    limit_length,
    normalise_phone,
    not_in_past,
)
from complaints.models import Category, Complaint, Department, PendingUpload
from complaints.models.complaint import INTAKE_FIELDS, site_language
from complaints.rules.intake_forms import FILE_KINDS
from complaints.rules.routing import ConditionInvalid, FieldType, parse_condition_value
from complaints.rules.text import without_bidi_controls
from complaints.selectors.common import complaints_visible_to, process_settings, registering_department_ids
from complaints.selectors.intake import pending_uploads
from complaints.selectors.intake_forms import (
    ROUTING_PREFIX,
    EffectiveForm,
    answer_field_specs,
    categories_by_id,
    effective_form,
)
from complaints.selectors.routing import ConfigurationMissing, departments_by_id

# The token tying kept files (services.pending) to one intake form being filled in.
DRAFT = re.compile(r"^[0-9a-f]{32}$")

# The free-text fields whose length is the admin's policy (ProcessSettings.description_max_chars).
DESCRIPTION_FIELDS = ("customer_words", "handler_understanding")


def description_limit() -> int | None:
    """The admin's longest description, or None before any configuration exists (registering
    then stops at triage with its own message)."""
    try:
        return process_settings().description_max_chars
    except ConfigurationMissing:
        return None


class IntakeForm(AnswerFieldsMixin, forms.ModelForm):
    """The standard intake (DOMAIN.md) plus the questions of the chosen category's form. Refuses a
    missing or invalid phone, a negative amount, a promised time in the past, and any answer the
    category form does not accept."""

    department = CopiedChoiceField(queryset=Department.objects.none(), label=_("Receiving department"))
    occurred_at = datetime_field(label=_("Happened at"), required=False)
    received_at = datetime_field(label=_("Received at"), required=False, help_text=_("Leave empty for now."))
    promised_response_at = datetime_field(
        label=_("Response promised by"),
        help_text=_("The concrete time promised to the customer, e.g. today 18:00. Never “soon”."),
    )
    purchase_date = date_field(label=_("Purchase / delivery date"), required=False)
    attachments = AttachmentsField(
        label=_("Attachments"), required=False, help_text=_("Photos, documents, recordings.")
    )
    draft = forms.CharField(widget=forms.HiddenInput, required=False)
    kept = forms.ModelMultipleChoiceField(
        label=_("Files kept from your last try"),
        queryset=PendingUpload.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They are attached when the complaint is saved; untick a file to leave it out."),
    )

    def intake_layout(self) -> Layout:
        """The standard intake, with the category's questions after the product block."""
        return Layout(
            FieldSet(_("Customer"), Row("customer_name", "customer_phone", "contact_person", "customer_language")),
            FieldSet(
                _("Product or service"),
                CategoryTree("category"),
                Row("product_model", "batch_number"),
                Row("order_number", "plate_or_vin", "purchase_date"),
            ),
            AnswersSection(
                title=_("Details for this category"),
                names=self.answer_names,
                rules_json=self.answer_rules_json(),
                hidden=self.hidden_answer_names(),
            ),
            FieldSet(
                _("What happened"),
                Row("occurred_at", "occurred_place"),
                "customer_words",
                "handler_understanding",
                "risk_flagged",
            ),
            FieldSet(
                _("Demand"),
                Row("demand", "requested_amount"),
                "demand_detail",
                Row("emotion", "intake_priority", "manager_requested"),
            ),
            FieldSet(
                _("Intake"),
                Row("channel", "department"),
                Row("received_at", "promised_response_at"),
                "draft",
                *(["kept"] if "kept" in self.fields else []),
                "attachments",
            ),
        )

    class Meta:
        model = Complaint
        fields = list(INTAKE_FIELDS)
        field_classes = {"category": CopiedChoiceField}
        widgets = {
            "customer_words": forms.Textarea(attrs={"rows": 4}),
            "handler_understanding": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self,
        *args: Any,
        user: Any = None,
        answer_form: EffectiveForm | None = None,
        department_ids: set[int] | None = None,
        **kwargs: Any,
    ) -> None:
        """`department_ids`: the departments offered (default: those the user registers in)."""
        super().__init__(*args, **kwargs)
        if department_ids is None:
            department_ids = registering_department_ids(user) if user is not None else set()
        ids = department_ids
        department = cast(CopiedChoiceField, self.fields["department"])
        department.queryset = Department.objects.filter(pk__in=sorted(ids))
        department.rows, department.offered = departments_by_id, lambda row: row.pk in ids
        if not self.is_bound and len(ids) == 1:  # a posted form shows what was posted: no need to read the choice
            self.fields["department"].initial = department.queryset.first()
        category = cast(CopiedChoiceField, self.fields["category"])
        category.queryset = Category.objects.filter(active=True)
        category.rows, category.offered = categories_by_id, lambda row: row.active
        self.fields["category"].required = True
        self.fields["customer_language"].required = False
        self.fields["customer_language"].initial = site_language()
        self.fields["customer_phone"].required = True
        self.fields["customer_phone"].error_messages["required"] = _(
            "A phone number is needed to call the customer back."
        )
        for name in DESCRIPTION_FIELDS:
            limit_length(self.fields[name], description_limit())
        # `answer_form` stands in for the category's published questions (the admin's preview).
        self.add_answer_fields(answer_form or effective_form(self.chosen_category()))
        self.user = user
        raw = self.data.get("draft", "") if self.is_bound else ""
        fresh = not DRAFT.match(raw or "")
        self.draft_token = uuid.uuid4().hex if fresh else raw
        self.fields["draft"].initial = self.draft_token
        self.show_kept(fresh=fresh)

    def _get_validation_exclusions(self) -> set[str]:
        # Validated already by their own form fields: the department and the category were found
        # in the fields' querysets, so they exist and may be chosen; the model's field checks would
        # ask the database for each again.
        return super()._get_validation_exclusions() | {"department", "category"}  # type: ignore[misc]

    def show_kept(self, checked: list[int] | None = None, *, fresh: bool = False) -> None:
        """Offers the files kept for this draft (ticked: `checked`, the ones just kept included);
        without any, the field is left out. Rebuilds the layout. A `fresh` draft token was just
        drawn: no file can be kept under it yet, so none is looked for."""
        rows = [] if fresh else list(pending_uploads(owner=self.user, draft=self.draft_token))
        if rows:
            if "kept" not in self.fields:
                self.fields["kept"] = copy.deepcopy(self.base_fields["kept"])
            kept = cast(forms.ModelMultipleChoiceField, self.fields["kept"])
            kept.queryset = pending_uploads(owner=self.user, draft=self.draft_token)
            questions = {row.question for row in rows if row.question}
            labels = {name: self.fields[name].label for name in self.file_question_names() if name in self.fields}
            kept.label_from_instance = lambda row: " · ".join(  # type: ignore[method-assign,assignment]
                str(part)
                for part in (f"{row.name} ({filesizeformat(row.size)})", labels.get(ANSWER_PREFIX + row.question))
                if part
            )
            # A question answered by a kept file need not be answered again: the browser must not
            # insist on a new file (clean_answers still requires one file, kept or new).
            for key in questions:
                if ANSWER_PREFIX + key in self.fields:
                    self.fields[ANSWER_PREFIX + key].required = False
            if checked is not None:
                data = cast(QueryDict, self.data).copy()
                data.setlist("kept", [str(pk) for pk in checked])
                data["draft"] = self.draft_token
                self.data = data
        else:
            self.fields.pop("kept", None)
        self.layout = self.intake_layout()

    def file_question_names(self) -> list[str]:
        """The category's file and photo questions, as form field names."""
        return [ANSWER_PREFIX + defn.key for defn in self.answer_form.fields if defn.kind in FILE_KINDS]

    def answer_uploads(self) -> dict[str, list[Any]]:
        """The files just chosen for each file question that passed its checks (to keep when the
        form comes back with an error), without the kept ones ticked for it."""
        return {
            name.removeprefix(ANSWER_PREFIX): files
            for name, files in getattr(self, "fresh_answer_files", {}).items()
            if files and name not in self.errors and name in self.cleaned_data
        }

    def chosen_category(self) -> Category | None:
        """The category whose questions this form asks: the submitted one, else the initial one."""
        raw = self.data.get("category") if self.is_bound else self.initial.get("category")
        if isinstance(raw, Category):
            return raw
        try:
            # Read once per configuration (shared: only read from it).
            category = categories_by_id().get(int(raw)) if raw else None
        except (TypeError, ValueError):
            return None
        return category if category is not None and category.active else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Direction overrides make a name read differently from what is stored ("Zhou‮gnp.exe").
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = without_bidi_controls(value)
        self.add_kept_answers(data)
        self.clean_answers(data)
        return data

    def add_kept_answers(self, data: dict[str, Any]) -> None:
        """A file question's answer is its new files plus the kept ones ticked for it (their rows:
        the view reads them back as files); together within the question's number of files."""
        ticked = list(data.get("kept") or [])
        self.fresh_answer_files: dict[str, list[Any]] = {}
        for name in self.file_question_names():
            if name in self._errors:
                continue
            fresh = list(data.get(name) or [])
            self.fresh_answer_files[name] = fresh
            rows = [row for row in ticked if ANSWER_PREFIX + row.question == name]
            if not rows:
                continue
            limit = cast(AttachmentsField, self.fields[name]).max_files
            if limit is not None and len(fresh) + len(rows) > limit:
                self.add_error(name, forms.ValidationError(_("Attach at most %(max)s file(s)."), params={"max": limit}))
                continue
            data[name] = fresh + rows

    def clean_customer_language(self) -> str:
        return self.cleaned_data.get("customer_language") or site_language()

    def clean_customer_phone(self) -> str:
        return normalise_phone(self.cleaned_data["customer_phone"])

    def clean_promised_response_at(self) -> Any:
        value = self.cleaned_data.get("promised_response_at")
        not_in_past(value)
        return value

    def clean_received_at(self) -> Any:
        value = self.cleaned_data.get("received_at")
        if value is not None and value > timezone.now():
            raise forms.ValidationError(_("A complaint cannot be received in the future."), code="future")
        return value

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data.get("occurred_at")
        if value is not None and value > timezone.now():
            raise forms.ValidationError(_("This cannot have happened in the future."), code="future")
        return value


class FirstResponseForm(forms.Form):
    channel = forms.ChoiceField(label=_("How the customer was reached"), choices=Channel.choices)
    summary = forms.CharField(label=_("What was said"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    promise = forms.CharField(label=_("What was promised"), max_length=300)
    promised_by = datetime_field(label=_("Promised by"))

    layout = Layout("channel", "summary", Row("promise", "promised_by"))

    def clean_promised_by(self) -> Any:
        value = self.cleaned_data.get("promised_by")
        not_in_past(value)
        return value


class VerificationForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Verdict"), choices=VerificationOutcome.choices, widget=forms.RadioSelect)
    explanation = forms.CharField(
        label=_("Facts checked and explanation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=_("Required when the complaint is not valid: this is what the customer is told."),
    )
    duplicate_reference = forms.CharField(
        label=_("Reference of the original complaint"),
        required=False,
        max_length=32,
        help_text=_("Required for a duplicate, e.g. C-2026-000123."),
    )

    layout = Layout("outcome", "explanation", "duplicate_reference")

    def __init__(self, *args: Any, user: Any = None, complaint: Complaint | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.complaint = complaint

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if outcome == VerificationOutcome.INVALID and not data.get("explanation", "").strip():
            self.add_error("explanation", _("Explain to the customer why the complaint is not valid."))
        if outcome == VerificationOutcome.DUPLICATE:
            reference = data.get("duplicate_reference", "").strip().upper()
            if not reference:
                self.add_error("duplicate_reference", _("Name the original complaint this one duplicates."))
            else:
                # The original is one the verifier may see, or one of the same department.
                candidates = complaints_visible_to(self.user)
                if self.complaint is not None and self.complaint.department_id:
                    candidates = candidates | Complaint.objects.filter(department_id=self.complaint.department_id)
                original = candidates.filter(reference=reference).first()
                if original is None:
                    self.add_error("duplicate_reference", _("No complaint with this reference is visible to you."))
                elif self.complaint is not None and original.pk == self.complaint.pk:
                    self.add_error("duplicate_reference", _("A complaint cannot duplicate itself."))
                else:
                    data["duplicate_of"] = original
        return data


class ContainmentForm(forms.Form):
    description = forms.CharField(
        label=_("Temporary action taken"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Replacement, refund, loaner, repair, compensation…"),
    )
    cost = forms.DecimalField(label=_("Cost (CNY)"), required=False, min_value=0, max_digits=12, decimal_places=2)

    layout = Layout("description", "cost")


class ConfirmationForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Customer's answer"), choices=ConfirmationOutcome.choices, widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(label=_("How the customer was reached"), choices=Channel.choices)
    note = forms.CharField(
        label=_("What the customer said"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text=_("Required when the customer is not satisfied."),
    )

    layout = Layout(Row("outcome", "channel"), "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == ConfirmationOutcome.NOT_SATISFIED and not data.get("note", "").strip():
            self.add_error("note", _("Record why the customer is not satisfied."))
        return data


class FollowUpForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1 = very unhappy, 5 = very satisfied)"),
        choices=[(str(i), str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )

    layout = Layout("satisfaction", "comment")


# The intake fields routing can read; times are given once, as received_at.
PREVIEW_FIELDS = [
    name
    for name in INTAKE_FIELDS
    if name not in {"purchase_date", "occurred_at", "received_at", "promised_response_at", "customer_language"}
]
# Names the documentation and other systems use for the same fields.
PREVIEW_ALIASES = {"description": "customer_words", "requested_compensation": "requested_amount"}


class RoutePreviewForm(forms.ModelForm):
    """A sample complaint for the routing dry run: every field optional, nothing is saved."""

    department = forms.ModelChoiceField(
        label=_("registering department"),
        queryset=Department.objects.filter(active=True),
        to_field_name="code",
        required=False,
        help_text=_("The department that takes the complaint in (its code)."),
    )
    category = forms.ModelChoiceField(
        label=_("category"), queryset=Category.objects.filter(active=True), to_field_name="code", required=False
    )
    received_at = datetime_field(label=_("received at"), required=False, help_text=_("Empty: now."))
    answers = forms.CharField(
        label=_("form answers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Answers to category form questions, one per line: key = value (e.g. fault_type = power_loss)."),
    )

    class Meta:
        model = Complaint
        fields = PREVIEW_FIELDS

    def clean_answers(self) -> dict[str, Any]:
        """Returns the answers as routing facts ("form.<key>" → value), each checked against the type
        of its question."""
        specs = {spec.name: spec for spec in answer_field_specs()}
        facts: dict[str, Any] = {}
        errors = []
        for number, line in enumerate(self.cleaned_data.get("answers", "").splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, raw = line.partition("=")
            name = ROUTING_PREFIX + key.strip().removeprefix(ROUTING_PREFIX)
            spec = specs.get(name)
            if not sep or spec is None:
                errors.append(
                    _("Line %(line)s: “%(key)s” is not a question of any published form.")
                    % {"line": number, "key": key.strip()}
                )
                continue
            try:
                operator = "in" if spec.type == FieldType.PATH else "set" if spec.type == FieldType.FILE else "eq"
                value = parse_condition_value(spec=spec, operator=operator, raw="" if operator == "set" else raw)
            except ConditionInvalid as error:
                errors.append(_("Line %(line)s: %(error)s") % {"line": number, "error": error})
                continue
            facts[name] = True if operator == "set" else value
        if errors:
            raise forms.ValidationError(errors)
        return facts

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        for name in [*DESCRIPTION_FIELDS, "answers"]:
            limit_length(self.fields[name], description_limit())
        cast(forms.ChoiceField, self.fields["emotion"]).choices = [("", "---------"), *Emotion.choices]

    @classmethod
    def from_json(cls, data: Any) -> "RoutePreviewForm":
        """Builds the form from a JSON object keyed by field names (or their aliases); unknown keys
        are reported as errors of the form."""
        if not isinstance(data, dict):
            form = cls(data={})
            form.is_valid()
            form.add_error(None, _("The sample complaint must be a JSON object."))
            return form
        answers = {k: v for k, v in data.items() if isinstance(k, str) and k.startswith(ROUTING_PREFIX)}
        values = {PREVIEW_ALIASES.get(key, key): value for key, value in data.items() if key not in answers}
        known = {*PREVIEW_FIELDS, "department", "received_at"}
        unknown = sorted(key for key in data if key not in answers and PREVIEW_ALIASES.get(key, key) not in known)
        shapeless = sorted(str(key) for key, value in values.items() if isinstance(value, list | dict))
        values = {k: _field_text(v) for k, v in values.items() if k not in shapeless}
        values["answers"] = "\n".join(f"{key} = {_answer_text(value)}" for key, value in answers.items())
        form = cls(data=values)
        form.is_valid()
        for key in shapeless:
            form.add_error(
                None, _("%(field)s: give text, a number, true or false, not a list or object.") % {"field": key}
            )
        if unknown:
            form.add_error(
                None,
                _("Unknown field(s): %(unknown)s. Known: %(known)s, and form.<key> for form questions.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known | set(PREVIEW_ALIASES)))},
            )
        return form


def _field_text(value: Any) -> str:
    """A JSON scalar as a form would submit it (true: a ticked box; null and false: nothing)."""
    if value is True:
        return "on"
    if value is None or value is False:
        return ""
    return str(value)


def _answer_text(value: Any) -> str:
    if value is True or value is False:
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
