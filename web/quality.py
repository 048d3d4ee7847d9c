"""Complaint-page actions of the analysis and the corrective actions (5W2H, a cause, the
responsibility shares, an action, its progress, its verification) and the 8D report as a page and
as a PDF. Thin doors onto complaints.services.quality and complaints.selectors.quality."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from complaints.forms import quality as forms
from complaints.models import Cause, CorrectiveAction
from complaints.models.quality import FIVE_W_TWO_H
from complaints.selectors.quality import (
    cause_version,
    may_analyse,
    may_update_action,
    may_verify,
    problem_version,
    responsibility_version,
)
from complaints.services import quality
from complaints.services.errors import Refused
from complaints.services.privacy import eight_d_for
from web.actions import ComplaintActionView, visible_complaint
from web.fishbone import drawing_of

LANGUAGES = {"zh-hans", "en"}


class InPlaceQualityView(ComplaintActionView):
    """A form of the quality card, edited in place: the card is a Turbo frame
    (templates/web/complaint/_quality.html) and the form answers inside it, so a link of the card
    opens its form where the card was, a refusal shows in the form there, and a save brings the
    card back with the change, without leaving the complaint's Work tab. Without Turbo the same
    views are ordinary pages returning to the card.

    A form that edits a record carries the version it was opened on (`version_field`); when
    someone else saved first, the service refuses (QualityConflict) and the form comes back with
    the user's text, the message, and the record's current version, so saving again is a
    deliberate replacement."""

    card = "rd-quality"
    frame = "rd-quality-frame"
    version_field = "seen_version"

    def refused(self, form: Any, refusal: Refused) -> HttpResponse:
        if isinstance(refusal, quality.QualityConflict):
            form.data = form.data.copy()
            form.data[self.version_field] = refusal.version
        return super().refused(form, refusal)


class AnalysisActionView(InPlaceQualityView):
    """An analysis or action page: open to the complaint's handlers and its quality queues."""

    def allowed(self) -> bool:
        return may_analyse(user=self.request.user, complaint=self.complaint)


class ProblemView(AnalysisActionView):
    form_class = forms.ProblemForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Describe the problem of %(reference)s (5W2H)") % {"reference": self.complaint.reference}

    def get_initial(self) -> dict[str, Any]:
        analysis = getattr(self.complaint, "root_cause", None)
        initial = {name: getattr(analysis, name) for name in FIVE_W_TWO_H} if analysis else {}
        return {**initial, "seen_version": problem_version(analysis)}

    def perform(self, data: dict[str, Any]) -> str:
        quality.problem_describe(
            complaint=self.complaint,
            actor=self.request.user,
            answers={n: data.get(n) or "" for n in FIVE_W_TWO_H},
            seen_version=data.get("seen_version") or None,
        )
        return _("Problem description saved.")


class CauseView(AnalysisActionView):
    """Adds a cause to the fishbone, or (with a cause id) revises one."""

    form_class = forms.CauseForm
    multipart = True  # evidence files

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        cause_id = kwargs.get("cause_id")
        self.cause = (
            get_object_or_404(
                Cause.objects.select_related("category"), pk=cause_id, analysis__complaint_id=kwargs["pk"]
            )
            if cause_id
            else None
        )
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self) -> str:  # type: ignore[override]
        if self.cause is not None:
            return _("Revise a cause of %(reference)s") % {"reference": self.complaint.reference}
        return _("Add a cause to the fishbone of %(reference)s") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _(
            "Each candidate cause sits on one bone (category). Confirm it with evidence, or rule it out; "
            "confirmed causes are the root cause."
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "cause": self.cause}

    def get_initial(self) -> dict[str, Any]:
        if self.cause is None:
            return {}
        initial = {
            "category": self.cause.category_id,
            "text": self.cause.text,
            "verdict": self.cause.verdict,
            "evidence": self.cause.evidence,
            "seen_version": cause_version(self.cause),
        }
        initial.update({f"why_{i}": why for i, why in enumerate(self.cause.whys, start=1)})
        return initial

    def perform(self, data: dict[str, Any]) -> str:
        quality.cause_record(
            complaint=self.complaint,
            actor=self.request.user,
            category=data["category"],
            text=data["text"],
            evidence=data.get("evidence") or "",
            verdict=data["verdict"],
            whys=data["whys"],
            files=data.get("attachments") or [],
            cause=self.cause,
            seen_version=data.get("seen_version") or None,
        )
        return _("Cause saved.")


class ResponsibilityView(AnalysisActionView):
    form_class = forms.ResponsibilityForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Responsibility for %(reference)s") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _("Who carries the responsibility, and how much: shares feed the KPIs and add up to at most 100 %.")

    def get_initial(self) -> dict[str, Any]:
        analysis = getattr(self.complaint, "root_cause", None)
        initial: dict[str, Any] = {"seen_version": responsibility_version(analysis)}
        if analysis is not None:
            for i, row in enumerate(analysis.responsibilities.all(), start=1):
                initial.update({f"department_{i}": row.department_id, f"party_{i}": row.party, f"share_{i}": row.share})
        return initial

    def perform(self, data: dict[str, Any]) -> str:
        quality.responsibility_set(
            complaint=self.complaint,
            actor=self.request.user,
            shares=data["shares"],
            seen_version=data.get("seen_version") or None,
        )
        return _("Responsibility saved.")


class ActionPlanView(AnalysisActionView):
    form_class = forms.ActionForm
    multipart = True  # evidence files

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Plan a corrective action for %(reference)s") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _(
            "Temporary actions fix today's customer; permanent actions remove the root cause and are "
            "verified by quality before the customer is asked to confirm."
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "complaint": self.complaint}

    def get_initial(self) -> dict[str, Any]:
        kind = self.request.GET.get("kind")
        return {"kind": kind} if kind else {}

    def perform(self, data: dict[str, Any]) -> str:
        action = quality.action_plan(
            complaint=self.complaint,
            actor=self.request.user,
            kind=data["kind"],
            area=data["area"],
            description=data["description"],
            causes=list(data.get("causes") or []),
            department=data.get("department"),
            owner=data.get("owner"),
            due_date=data.get("due_date"),
            cost=data.get("cost"),
            files=data.get("attachments") or [],
        )
        return _("Action planned: %(action)s") % {"action": action}


class OneActionView(InPlaceQualityView):
    """A page about one action of the complaint."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.action = get_object_or_404(
            CorrectiveAction.objects.select_related("complaint", "department"),
            pk=kwargs["action_id"],
            complaint_id=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def intro(self) -> str:
        return f"{self.action.get_kind_display()}: {self.action.description}"


class ActionProgressView(OneActionView):
    form_class = forms.ActionProgressForm
    multipart = True  # evidence files
    version_field = "seen_status"

    def allowed(self) -> bool:
        return may_update_action(user=self.request.user, action=self.action)

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Report progress on an action of %(reference)s") % {"reference": self.complaint.reference}

    def get_initial(self) -> dict[str, Any]:
        return {"seen_status": self.action.status, "status": self.action.status, "evidence": self.action.evidence}

    def perform(self, data: dict[str, Any]) -> str:
        action = quality.action_move(
            action=self.action,
            actor=self.request.user,
            status=data["status"],
            evidence=data.get("evidence") or "",
            files=data.get("attachments") or [],
            seen_status=data.get("seen_status") or None,
        )
        return _("The action is now “%(status)s”.") % {"status": action.get_status_display()}


class ActionVerifyView(OneActionView):
    form_class = forms.ActionVerifyForm

    def allowed(self) -> bool:
        return may_verify(user=self.request.user, complaint=self.complaint)

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Verify the effectiveness of an action of %(reference)s") % {"reference": self.complaint.reference}

    def perform(self, data: dict[str, Any]) -> str:
        verification = quality.action_verify(
            action=self.action,
            actor=self.request.user,
            effective=data["effective"],
            evidence=data["evidence"],
            reason=data.get("reason") or "",
        )
        if verification.effective:
            return _("Verified effective.")
        return _("Not effective: the action is reopened.")


def report_language(request: HttpRequest) -> str:
    """The report's language: ?lang= (zh-hans or en), else the user's language."""
    asked = (request.GET.get("lang") or "").lower()
    if asked in LANGUAGES:
        return asked
    current = translation.get_language() or "en"
    return "zh-hans" if current.startswith("zh") else "en"


def _report_context(request: HttpRequest, pk: int, *, export: bool = False) -> dict[str, Any]:
    # The PDF is an export: personal data in it also needs the export permission.
    complaint, report = eight_d_for(user=request.user, complaint=visible_complaint(request, pk), export=export)
    return {
        "complaint": complaint,
        "report": report,
        "drawing": drawing_of(complaint, report.analysis),
        "lang": report_language(request),
        "title": _("8D report · %(reference)s") % {"reference": complaint.reference},
    }


def eight_d_page(request: HttpRequest, pk: int) -> HttpResponse:
    language = report_language(request)
    with translation.override(language):
        return render(request, "web/eight_d.html", _report_context(request, pk))


def eight_d_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The 8D report as a PDF (WeasyPrint; set in the Noto Sans SC shipped in static/, see config.fonts)."""
    from config.fonts import pdf_font_face_css, pdf_write

    language = report_language(request)
    with translation.override(language):
        context = _report_context(request, pk, export=True)
        context["font_face"] = pdf_font_face_css()
        html = render_to_string("web/eight_d_print.html", context, request=request)
    pdf = pdf_write(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"8D-{context['complaint'].reference}-{language}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
