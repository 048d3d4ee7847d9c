"""The customer's forms outside the staff shell (crispy-forms, Bootstrap 5): the public complaint
form (the standard intake a customer can answer plus the category's questions that are not
staff-only), adding information through a link."""

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from complaints.choices import Channel
from complaints.forms import DESCRIPTION_FIELDS, description_limit
from complaints.forms.answers import AnswerFieldsMixin
from complaints.forms.fields import AttachmentsField, date_field, limit_length, normalise_phone
from complaints.models import Category, Complaint
from complaints.models.complaint import site_language
from complaints.rules.text import without_bidi_controls
from complaints.selectors.customer import customer_form
from complaints.selectors.intake_forms import effective_form

# What a customer answers of the standard intake (the rest is the handler's).
PUBLIC_FIELDS = (
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_language",
    "category",
    "product_model",
    "order_number",
    "batch_number",
    "plate_or_vin",
    "purchase_date",
    "occurred_place",
    "customer_words",
    "demand",
    "demand_detail",
    "requested_amount",
)
HONEYPOT = "website"


class PublicComplaintForm(AnswerFieldsMixin, forms.ModelForm):
    """The customer's complaint form. A filled honeypot field (hidden from people) marks a robot."""

    purchase_date = date_field(label=_("Purchase / delivery date"), required=False)
    attachments = AttachmentsField(
        label=_("Photos or documents"), required=False, help_text=_("Photos, receipts, recordings.")
    )
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)

    class Meta:
        model = Complaint
        fields = list(PUBLIC_FIELDS)
        widgets = {"customer_words": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "customer_email": _("We also send our messages here."),
            "customer_language": _("The language of our messages to you."),
        }
        labels = {
            "customer_name": _("Your name"),
            "customer_phone": _("Your mobile number"),
            "customer_email": _("Your e-mail (optional)"),
            "customer_language": _("Messages in"),
            "customer_words": _("What happened, in your own words"),
            "demand": _("What would you like us to do?"),
            "requested_amount": _("Amount you ask for (CNY, optional)"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = cast(forms.ModelChoiceField, self.fields["category"])
        category.queryset = Category.objects.filter(active=True)
        category.required = True
        self.fields["customer_phone"].required = True
        self.fields["customer_language"].required = False
        offered = dict(settings.LANGUAGES)
        current = translation.get_language()
        self.fields["customer_language"].initial = current if current in offered else site_language()
        for name in DESCRIPTION_FIELDS:
            if name in self.fields:
                limit_length(self.fields[name], description_limit())
        self.add_answer_fields(customer_form(effective_form(self.chosen_category())))
        self.fields[HONEYPOT].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(str(_("About you")), "customer_name", "customer_phone", "customer_email", "customer_language"),
            Fieldset(
                str(_("What it is about")),
                "category",
                "product_model",
                "order_number",
                "batch_number",
                "plate_or_vin",
                "purchase_date",
            ),
            Div(
                *([Fieldset(str(_("Details for this category")), *self.answer_names)] if self.answer_names else []),
                css_id="rd-answers",
                data_rules=self.answer_rules_json(),
            ),
            Fieldset(
                str(_("What happened")),
                "occurred_place",
                "customer_words",
                "demand",
                "demand_detail",
                "requested_amount",
                "attachments",
            ),
            Div(Field(HONEYPOT), css_class="rd-hp", aria_hidden="true"),
            Submit("file", str(_("Send my complaint")), css_class="btn-lg w-100"),
        )

    def chosen_category(self) -> Category | None:
        raw = self.data.get("category") if self.is_bound else self.initial.get("category")
        try:
            return Category.objects.filter(active=True, pk=int(raw)).first() if raw else None
        except (TypeError, ValueError):
            return None

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get(HONEYPOT))

    def clean(self) -> dict[str, Any]:
        if self.is_robot:
            # Said plainly, stored nowhere; a person never sees the field.
            raise forms.ValidationError(_("Your complaint could not be sent."), code="robot")
        data = super().clean() or {}
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = without_bidi_controls(value)
        self.clean_answers(data)
        data["channel"] = Channel.WEB
        return data

    def clean_customer_language(self) -> str:
        return self.cleaned_data.get("customer_language") or site_language()

    def clean_customer_phone(self) -> str:
        return normalise_phone(self.cleaned_data["customer_phone"])


class AddInformationForm(forms.Form):
    """The customer adds words or files through their link."""

    text = forms.CharField(label=_("Your message"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    uploads = AttachmentsField(label=_("Photos or documents"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["text"], description_limit())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("text", "uploads", Submit("add", str(_("Send")), css_class="w-100"))


SCORES = [(n, str(n)) for n in range(1, 6)]


class ConfirmForm(forms.Form):
    """Resolved, or not yet with what is still wrong."""

    resolved = forms.TypedChoiceField(
        label=_("Is your complaint resolved?"),
        choices=[("yes", _("Resolved")), ("no", _("Not yet"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("If not yet: what is still not right?"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["reason"], description_limit())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "resolved", "reason", Submit("confirm", str(_("Send my answer")), css_class="w-100")
        )


class SurveyForm(forms.Form):
    """The follow-up survey: satisfaction now (1–5), a comment, and optionally before."""

    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled your complaint? (1 = not at all, 5 = very)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "rd-scores"}),
    )
    satisfaction_before = forms.TypedChoiceField(
        label=_("And before we handled it? (optional)"),
        choices=[("", "—"), *SCORES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(label=_("Anything to add?"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["comment"], description_limit())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "satisfaction", "satisfaction_before", "comment", Submit("survey", str(_("Send")), css_class="w-100")
        )


class PublicAppealForm(forms.Form):
    """The customer appeals to the independent customer-experience office."""

    grounds = forms.CharField(
        label=_("Why do you appeal? What is still wrong, and what do you expect?"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["grounds"], description_limit())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("grounds", Submit("appeal", str(_("Send my appeal")), css_class="w-100"))
