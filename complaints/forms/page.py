"""Forms on the complaint page: log a customer contact, add attachments, read a mention."""

from django import forms
from django.utils.translation import gettext_lazy as _
from viewflow.forms import Layout, Row

from complaints.choices import Channel
from complaints.forms.fields import AttachmentsField, datetime_field

# The ways an agent talks to a customer after intake (the intake channels minus forms and regulators).
CONTACT_CHANNELS = [
    (code, label)
    for code, label in Channel.choices
    if code in {Channel.PHONE, Channel.SMS, Channel.SOCIAL, Channel.APP, Channel.EMAIL, Channel.STORE, Channel.OTHER}
]


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("How you were in contact"), choices=CONTACT_CHANNELS)
    summary = forms.CharField(label=_("What was said"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    promise = forms.CharField(label=_("What was promised"), max_length=300, required=False)
    promised_by = datetime_field(
        label=_("Promised by"), required=False, help_text=_("A concrete time, e.g. 2026-11-28 18:00.")
    )

    layout = Layout("channel", "summary", Row("promise", "promised_by"))


class AttachmentForm(forms.Form):
    attachments = AttachmentsField(label=_("Files"), help_text=_("Photos, documents, recordings."))

    layout = Layout("attachments")


class MentionReadForm(forms.Form):
    """Nothing to fill in: saving marks the note read."""

    layout = Layout()
