"""The form of a custom step's task: the step's questions (the versioned form builder's fields,
checked the same way as at intake), a note, and for a gate the choice to refuse."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from viewflow.forms import Layout

from complaints.forms.answers import AnswerFieldsMixin
from complaints.selectors.intake_forms import EffectiveForm


class CustomStepForm(AnswerFieldsMixin, forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the complaint's timeline; required when you refuse."),
    )

    def __init__(self, *args: Any, answer_form: EffectiveForm, gate: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_answer_fields(answer_form)
        names = [*self.answer_names, "note"]
        if gate:
            self.fields["refuse"] = forms.BooleanField(
                label=_("Refuse: send the case back"),
                required=False,
                help_text=_("The case goes back to the stage this step names; the other open steps are cancelled."),
            )
            names.append("refuse")
        self.layout = Layout(*names)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.clean_answers(data)
        if data.get("refuse") and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the step is refused: the case goes back."))
        return data
