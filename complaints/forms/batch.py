"""Forms of batch investigations and the case library."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from viewflow.forms import Layout

from complaints.choices import DeliveryIdentifier, OutreachState
from complaints.models import Category, CauseCategory
from complaints.selectors.common import process_settings


class MarkBatchForm(forms.Form):
    note = forms.CharField(
        label=_("Why a batch issue"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("What points to the batch: the finding, the fault code, the part."),
    )

    layout = Layout("note")


class OutreachMoveForm(forms.Form):
    seen_state = forms.ChoiceField(choices=OutreachState.choices, widget=forms.HiddenInput)
    state = forms.ChoiceField(label=_("New state"), choices=OutreachState.choices)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class DeliveriesImportForm(forms.Form):
    file = forms.FileField(
        label=_("Deliveries CSV"),
        help_text=_(
            "Columns: batch_number, product_model, production_date, the identifying column of the category "
            "(plate_or_vin, serial_number or customer_po), customer_name, phone, delivery_date (dates as "
            "YYYY-MM-DD). A file with any bad row imports nothing."
        ),
    )
    identifier = forms.ChoiceField(
        label=_("Deliveries identified by"),
        choices=DeliveryIdentifier.choices,
        initial=DeliveryIdentifier.PLATE_OR_VIN,
        required=False,
        help_text=_("On an investigation's page, its category decides."),
    )

    def clean_identifier(self) -> str:
        return self.cleaned_data.get("identifier") or DeliveryIdentifier.PLATE_OR_VIN

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = process_settings().attachment_max_mb
        if (upload.size or 0) > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("%(name)s is larger than %(max)s MB."), code="file_size", params={"name": upload.name, "max": limit}
            )
        return upload


class CloseInvestigationForm(forms.Form):
    note = forms.CharField(label=_("Conclusion"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class OutreachFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=[("", _("All")), *OutreachState.choices], required=False)
    q = forms.CharField(label=_("Name, plate/VIN or phone"), max_length=100, required=False)


class CaseSearchForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(active=True),
        required=False,
        help_text=_("Includes its subcategories."),
    )
    product_model = forms.CharField(label=_("Product / service model"), max_length=100, required=False)
    cause_category = forms.ModelChoiceField(
        label=_("Cause category"),
        queryset=CauseCategory.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
        required=False,
        help_text=_("The fishbone category of a confirmed cause."),
    )
    q = forms.CharField(
        label=_("Words"),
        max_length=200,
        required=False,
        help_text=_("Searched in the customer's words, the handler's understanding and the root cause."),
    )
