"""Forms of the analysis and the corrective actions: the problem in 5W2H, a cause on the
fishbone, responsibility shares, an action, its progress and its verification, and the three
quality steps. Validation lives here; writes happen in complaints.services.quality."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from viewflow.forms import FieldSet, Layout, Row

from complaints.choices import ActionArea, ActionKind, ActionStatus, CauseVerdict
from complaints.forms.fields import AttachmentsField, date_field
from complaints.models import Cause, CauseCategory, Complaint, Department
from complaints.models.quality import FIVE_W_TWO_H, five_w_two_h_label

TEXT = {"rows": 2}
WHYS = 5
SHARES = 4
MAX_TEXT = 4000


def version_field() -> forms.CharField:
    """The version of the record the form was opened on (selectors.quality.*_version): a save on
    an older version is refused instead of overwriting someone else's."""
    return forms.CharField(widget=forms.HiddenInput, required=False)


def evidence_files() -> AttachmentsField:
    return AttachmentsField(
        label=_("Evidence files"), required=False, help_text=_("Photos, measurements, reports, records.")
    )


class ProblemForm(forms.Form):
    """The problem in 5W2H. Each answer may be saved on its own; the analysis step needs all seven."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FIVE_W_TWO_H:
            label = five_w_two_h_label(name)
            self.fields[name] = forms.CharField(
                label=label, widget=forms.Textarea(attrs=TEXT), required=False, max_length=MAX_TEXT
            )
        self.fields["what"].help_text = _("The problem in one or two sentences; it is the head of the fishbone.")
        self.fields["how_much"].help_text = _("Quantities: units affected, cost, frequency.")
        self.fields["seen_version"] = version_field()

    layout = Layout("seen_version", "what", "why", Row("who", "where"), Row("when", "how"), "how_much")


class CauseForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category (bone)"), queryset=CauseCategory.objects.none())
    text = forms.CharField(label=_("Cause"), max_length=300)
    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=CauseVerdict.choices, initial=CauseVerdict.OPEN, widget=forms.RadioSelect
    )
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=MAX_TEXT
    )
    attachments = evidence_files()
    seen_version = version_field()

    def __init__(self, *args: Any, cause: Cause | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = CauseCategory.objects.filter(active=True)
        if cause is not None:  # a cause keeps its bone even if the category was retired meanwhile
            categories = CauseCategory.objects.filter(active=True) | CauseCategory.objects.filter(pk=cause.category_id)
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)
        category_field.queryset = categories.order_by("order", "code")
        for index in range(1, WHYS + 1):
            self.fields[f"why_{index}"] = forms.CharField(
                label=_("Why %(n)s?") % {"n": index}, required=False, max_length=300
            )

    layout = Layout(
        "seen_version",
        Row("category", "verdict"),
        "text",
        "evidence",
        "attachments",
        FieldSet(_("5 whys (optional)"), *(f"why_{i}" for i in range(1, WHYS + 1))),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        whys = [(data.get(f"why_{i}") or "").strip() for i in range(1, WHYS + 1)]
        filled = [w for w in whys if w]
        if filled and whys[: len(filled)] != filled:
            self.add_error("why_1", _("Write the whys in order, without gaps."))
        data["whys"] = filled
        if data.get("verdict") == CauseVerdict.CONFIRMED and not (data.get("evidence") or "").strip():
            self.add_error("evidence", _("A confirmed cause needs its evidence."))
        return data


class ResponsibilityForm(forms.Form):
    """Up to four shares: a department or an outside party each, at most 100 % together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, SHARES + 1):
            self.fields[f"department_{i}"] = forms.ModelChoiceField(
                label=_("Department"), queryset=Department.objects.filter(active=True), required=False
            )
            self.fields[f"party_{i}"] = forms.CharField(label=_("or outside party"), required=False, max_length=100)
            self.fields[f"share_{i}"] = forms.DecimalField(
                label=_("Share (%)"), required=False, min_value=0.01, max_value=100, max_digits=5, decimal_places=2
            )
        self.fields["seen_version"] = version_field()

    layout = Layout("seen_version", *(Row(f"department_{i}", f"party_{i}", f"share_{i}") for i in range(1, SHARES + 1)))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rows = []
        for i in range(1, SHARES + 1):
            department, party, share = (
                data.get(f"department_{i}"),
                (data.get(f"party_{i}") or "").strip(),
                data.get(f"share_{i}"),
            )
            if department is None and not party and share is None:
                continue
            if share is None:
                self.add_error(f"share_{i}", _("Give the share."))
            elif department is None and not party:
                self.add_error(f"department_{i}", _("Name a department or an outside party."))
            elif department is not None and party:
                self.add_error(f"party_{i}", _("Either a department or an outside party, not both."))
            else:
                rows.append((department, party, share))
        if sum((r[2] for r in rows), 0) > 100:
            raise forms.ValidationError(_("The shares add up to more than 100 %."))
        data["shares"] = rows
        return data


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices, widget=forms.RadioSelect)
    area = forms.ChoiceField(label=_("What it changes"), choices=ActionArea.choices)
    description = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_TEXT)
    causes = forms.ModelMultipleChoiceField(
        label=_("Causes it addresses"),
        queryset=Cause.objects.none(),
        required=False,
        widget=forms.SelectMultiple,
        help_text=_("Required for a permanent action."),
    )
    department = forms.ModelChoiceField(
        label=_("Department responsible"),
        queryset=Department.objects.filter(active=True),
        required=False,
        help_text=_("Another department gets the action as a task in its queue, with the due date."),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none(), required=False)
    due_date = date_field(label=_("Due date"), required=False)
    cost = forms.DecimalField(label=_("Cost (CNY)"), required=False, min_value=0, max_digits=12, decimal_places=2)
    attachments = evidence_files()

    layout = Layout(
        Row("kind", "area"), "description", "causes", Row("department", "owner"), Row("due_date", "cost"), "attachments"
    )

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        causes = self.fields["causes"]
        owner = self.fields["owner"]
        assert isinstance(causes, forms.ModelMultipleChoiceField) and isinstance(owner, forms.ModelChoiceField)
        # With its analysis: the service checks each cause is this complaint's without reading it.
        causes.queryset = Cause.objects.filter(analysis__complaint=complaint).select_related("category", "analysis")
        owner.queryset = get_user_model().objects.filter(is_active=True).order_by("username")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ActionKind.PERMANENT and not data.get("causes"):
            self.add_error("causes", _("Link a permanent action to the causes it addresses."))
        return data


# Progress an owner may report; verdicts come only from verification.
PROGRESS = [(s.value, s.label) for s in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.DONE)]


class ActionProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PROGRESS, widget=forms.RadioSelect)
    evidence = forms.CharField(
        label=_("Evidence of implementation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_TEXT,
        help_text=_("Required to report the action done."),
    )
    attachments = evidence_files()
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)

    layout = Layout("seen_status", "status", "evidence", "attachments")


class ActionVerifyForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=_("Did the action work?"),
        choices=[("yes", _("Effective")), ("no", _("Not effective: reopen the action"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_TEXT)
    reason = forms.CharField(
        label=_("Why it was not effective"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=MAX_TEXT,
        help_text=_("Required for “not effective”: the action is reopened with this reason."),
    )

    layout = Layout("effective", "evidence", "reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("effective") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the action was not effective; it is reopened with this reason."))
        return data


class RootCauseForm(forms.Form):
    """The analysis step: the 5W2H and the fishbone are recorded on the complaint page; this
    closes the step with the root cause in one sentence."""

    description = forms.CharField(
        label=_("Root cause in one sentence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_TEXT,
        help_text=_("Summarises the confirmed causes for the customer and the 8D report."),
    )

    layout = Layout("description")


class PermanentActionForm(forms.Form):
    """The permanent-actions step: the actions are planned and reported on the complaint page;
    this closes the step once every one is done."""

    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=MAX_TEXT
    )

    layout = Layout("note")


class EffectivenessForm(forms.Form):
    """The effectiveness step: each action is verified on the complaint page; this closes the
    step once every permanent action has a verdict."""

    note = forms.CharField(
        label=_("Summary of the verification"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=MAX_TEXT,
    )

    layout = Layout("note")


class ActionDoneForm(forms.Form):
    """The assigned department's task: report the action done with its evidence."""

    evidence = forms.CharField(
        label=_("Evidence of implementation"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT
    )

    layout = Layout("evidence")
