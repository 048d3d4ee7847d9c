"""Forms for intake and each step. Validation lives here; writes happen in services."""

from pathlib import Path
from typing import Any, cast

import phonenumbers
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image
from viewflow.forms import FieldSet, Layout, Row

from complaints.choices import CauseCategory, Channel, ConfirmationOutcome, Emotion, VerificationOutcome
from complaints.models import Category, Complaint, Department
from complaints.models.complaint import INTAKE_FIELDS
from complaints.selectors import complaints_visible_to, process_settings, registering_departments

DATETIME_FORMAT = "%Y-%m-%d %H:%M"
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "bmp"}


def _datetime_field(**kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(format=DATETIME_FORMAT),
        **kwargs,
    )


def _date_field(**kwargs: Any) -> forms.DateField:
    return forms.DateField(input_formats=["%Y-%m-%d"], widget=forms.DateInput(format="%Y-%m-%d"), **kwargs)


def normalise_phone(value: str) -> str:
    """Returns the number in E.164 form, or raises ValidationError with a message for the user."""
    try:
        number = phonenumbers.parse(value, settings.REDRESS_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(
            _("Enter a valid phone number, e.g. 13812345678 or +86 21 6888 8888."), code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _not_in_past(value: Any) -> None:
    if value is not None and value < timezone.now():
        raise forms.ValidationError(_("This time has already passed; promise a time in the future."), code="past")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once, each checked against the admin's size and type limits."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(AttachmentsField, self).clean(f, initial) for f in files if f]
        config = process_settings()
        allowed = config.allowed_extensions()
        limit = config.attachment_max_mb * 1024 * 1024
        errors = []
        for upload in cleaned:
            extension = Path(upload.name or "").suffix.lower().lstrip(".")
            if extension not in allowed:
                errors.append(
                    forms.ValidationError(
                        _("%(name)s: files of type .%(ext)s are not accepted (allowed: %(allowed)s)."),
                        code="file_type",
                        params={"name": upload.name, "ext": extension or "?", "allowed": ", ".join(sorted(allowed))},
                    )
                )
            elif (upload.size or 0) > limit:
                errors.append(
                    forms.ValidationError(
                        _("%(name)s is larger than %(max)s MB."),
                        code="file_size",
                        params={"name": upload.name, "max": config.attachment_max_mb},
                    )
                )
            elif extension in IMAGE_EXTENSIONS and not _is_image(upload):
                errors.append(
                    forms.ValidationError(
                        _("%(name)s is not a readable image."), code="file_content", params={"name": upload.name}
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def _is_image(upload: UploadedFile) -> bool:
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
        return True
    except Exception:
        return False
    finally:
        upload.seek(0)


class IntakeForm(forms.ModelForm):
    """The standard intake (DOMAIN.md). Refuses a missing or invalid phone, a negative amount,
    and a promised time in the past."""

    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Receiving department"))
    occurred_at = _datetime_field(label=_("Happened at"), required=False)
    received_at = _datetime_field(label=_("Received at"), required=False, help_text=_("Leave empty for now."))
    promised_response_at = _datetime_field(
        label=_("Response promised by"),
        help_text=_("The concrete time promised to the customer, e.g. today 18:00. Never “soon”."),
    )
    purchase_date = _date_field(label=_("Purchase / delivery date"), required=False)
    attachments = AttachmentsField(
        label=_("Attachments"), required=False, help_text=_("Photos, documents, recordings.")
    )

    layout = Layout(
        FieldSet(_("Customer"), Row("customer_name", "customer_phone", "contact_person")),
        FieldSet(
            _("Product or service"),
            Row("category", "product_model"),
            Row("batch_number", "order_number"),
            Row("plate_or_vin", "purchase_date"),
        ),
        FieldSet(
            _("What happened"),
            Row("occurred_at", "occurred_place"),
            "customer_words",
            "handler_understanding",
            "risk_flagged",
        ),
        FieldSet(_("Demand"), Row("demand", "requested_amount"), "demand_detail", "emotion"),
        FieldSet(_("Intake"), Row("channel", "department"), Row("received_at", "promised_response_at"), "attachments"),
    )

    class Meta:
        model = Complaint
        fields = list(INTAKE_FIELDS)
        widgets = {
            "customer_words": forms.Textarea(attrs={"rows": 4}),
            "handler_understanding": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = registering_departments(user) if user is not None else Department.objects.none()
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        if departments.count() == 1:
            self.fields["department"].initial = departments.first()
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(active=True)
        self.fields["category"].required = True
        self.fields["customer_phone"].required = True
        self.fields["customer_phone"].error_messages["required"] = _(
            "A phone number is needed to call the customer back."
        )

    def clean_customer_phone(self) -> str:
        return normalise_phone(self.cleaned_data["customer_phone"])

    def clean_promised_response_at(self) -> Any:
        value = self.cleaned_data.get("promised_response_at")
        _not_in_past(value)
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
    promised_by = _datetime_field(label=_("Promised by"))

    layout = Layout("channel", "summary", Row("promise", "promised_by"))

    def clean_promised_by(self) -> Any:
        value = self.cleaned_data.get("promised_by")
        _not_in_past(value)
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


class RootCauseForm(forms.Form):
    cause_category = forms.ChoiceField(label=_("Cause category (6M)"), choices=CauseCategory.choices)
    description = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    responsible_department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.filter(active=True), required=False
    )

    layout = Layout(Row("cause_category", "responsible_department"), "description")


class PermanentActionForm(forms.Form):
    description = forms.CharField(
        label=_("Permanent action implemented"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    department = forms.ModelChoiceField(
        label=_("Department responsible"), queryset=Department.objects.filter(active=True), required=False
    )
    due_date = _date_field(label=_("Due date"), required=False)
    cost = forms.DecimalField(label=_("Cost (CNY)"), required=False, min_value=0, max_digits=12, decimal_places=2)

    layout = Layout("description", Row("department", "due_date", "cost"))


class EffectivenessForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=_("Did the permanent actions work?"),
        choices=[("yes", _("Effective")), ("no", _("Not effective: rework the actions"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)

    layout = Layout("effective", "evidence")


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
    if name not in {"purchase_date", "occurred_at", "received_at", "promised_response_at"}
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
    received_at = _datetime_field(label=_("received at"), required=False, help_text=_("Empty: now."))

    class Meta:
        model = Complaint
        fields = PREVIEW_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
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
        values = {PREVIEW_ALIASES.get(key, key): value for key, value in data.items()}
        known = {*PREVIEW_FIELDS, "department", "received_at"}
        unknown = sorted(key for key in data if PREVIEW_ALIASES.get(key, key) not in known)
        form = cls(data={k: ("on" if v is True else "" if v in (None, False) else v) for k, v in values.items()})
        form.is_valid()
        if unknown:
            form.add_error(
                None,
                _("Unknown field(s): %(unknown)s. Known: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known | set(PREVIEW_ALIASES)))},
            )
        return form
