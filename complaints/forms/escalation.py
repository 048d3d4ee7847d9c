"""Forms of the ladder: escalate, send back, propose compensation, decide an approval, ask another
department, answer it, and write an internal note."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from viewflow.forms import Layout, Row

from complaints.choices import DepartmentKind, EscalationReason, SendBackReason, Urgency
from complaints.models import Department

TEXT = {"rows": 4}


def _other_needs_text(form: forms.Form, reason_field: str = "reason", text_field: str = "note") -> None:
    data = form.cleaned_data
    if data.get(reason_field) == "other" and not (data.get(text_field) or "").strip():
        form.add_error(text_field, _("Explain the reason when you choose “other”."))


class LevelSeenMixin(forms.Form):
    """The level the page showed; the service refuses if the complaint moved meanwhile."""

    seen_level = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EscalateForm(LevelSeenMixin):
    reason = forms.ChoiceField(label=_("Reason"), choices=EscalationReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Explanation"),
        widget=forms.Textarea(attrs=TEXT),
        required=False,
        max_length=4000,
        help_text=_("Required for “other”. The receiving level reads it first."),
    )
    suggested_direction = forms.CharField(
        label=_("Suggested direction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("What you think the higher level should decide or do."),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    affected = forms.IntegerField(
        label=_("Customers affected"), min_value=1, max_value=1_000_000, initial=1, required=False
    )

    layout = Layout("seen_level", "reason", "note", "suggested_direction", Row("urgency", "affected"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _other_needs_text(self)
        return data


class SendBackForm(LevelSeenMixin):
    reason = forms.ChoiceField(label=_("Reason"), choices=SendBackReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Explanation"),
        widget=forms.Textarea(attrs=TEXT),
        required=False,
        max_length=4000,
        help_text=_("Required for “other”."),
    )

    layout = Layout("seen_level", "reason", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _other_needs_text(self)
        return data


class CompensationForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (CNY)"), min_value=0, max_digits=12, decimal_places=2)
    purpose = forms.CharField(label=_("What it is for"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    layout = Layout("amount", "purpose")


class ApprovalForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=pgettext_lazy("approval", "Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("Required when you refuse."),
    )

    layout = Layout("approve", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("approve") is False and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason for the refusal."))
        return data


class CollaborationRequestForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department to ask"),
        queryset=Department.objects.filter(active=True, kind=DepartmentKind.FUNCTIONAL).order_by("name"),
        help_text=_("Technical, public relations, legal, parts and supply chain…"),
    )
    question = forms.CharField(label=_("What you need"), widget=forms.Textarea(attrs=TEXT), max_length=4000)

    layout = Layout("department", "question")


class CollaborationAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs=TEXT), max_length=8000)

    layout = Layout("answer")


class WaitForm(forms.Form):
    reason = forms.CharField(
        label=_("What the customer has to provide or decide"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        help_text=_("The resolution clock pauses until the customer answers."),
    )

    layout = Layout("reason")


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What the customer complained about again"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("The complaint goes back to containment at its level, with new deadlines from now."),
    )

    layout = Layout("reason")


class AnsweredForm(forms.Form):
    note = forms.CharField(
        label=_("What the customer answered"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )

    layout = Layout("note")


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the customer's contact details?"),
        max_length=300,
        help_text=_("Recorded in the access log with your name and the time."),
    )

    layout = Layout("reason")


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=8000,
        help_text=_(
            "Seen by staff only. Write @ and a colleague's login name to put the note in their inbox. "
            "Words such as safety, legal or media risk trigger triage again."
        ),
    )

    layout = Layout("text")
