"""Staff forms for reaching the customer: a fresh tracking link, a message."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from viewflow.forms import Layout

from complaints.choices import AppealDecision
from complaints.forms import description_limit
from complaints.forms.fields import limit_length


class CustomerLinkForm(forms.Form):
    message = forms.CharField(
        label=_("Message with the link (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent in the customer's language frame; write it in the customer's language."),
    )
    revoke_old = forms.BooleanField(
        label=_("Revoke the links sent before"), required=False, help_text=_("They stop working at once.")
    )

    layout = Layout("message", "revoke_old")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit_length(self.fields["message"], description_limit())


class CustomerMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message to the customer"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent by e-mail and text message, framed by the admin's template; it shows on the timeline."),
    )

    layout = Layout("text")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit_length(self.fields["text"], description_limit())


class AppealForm(forms.Form):
    """An agent appeals to the customer-experience office for the customer."""

    grounds = forms.CharField(
        label=_("Why the customer appeals"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("In the customer's words; the office reads it with the whole case, and so does the customer."),
    )

    layout = Layout("grounds")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit_length(self.fields["grounds"], description_limit())


class AppealDecisionForm(forms.Form):
    """The customer-experience office's decision on an appeal."""

    decision = forms.ChoiceField(
        label=pgettext_lazy("appeal", "Decision"), choices=AppealDecision.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Decision and reasons"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent to the customer in their language frame; write it for them."),
    )
    remedy = forms.CharField(
        label=_("Remedy (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the customer gets (an apology, a refund, a repair…), told to them with the decision."),
    )

    layout = Layout("decision", "text", "remedy")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit_length(self.fields["text"], description_limit())
        limit_length(self.fields["remedy"], description_limit())
