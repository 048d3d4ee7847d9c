"""Staff pages beside the process steps: escalate, send back, propose compensation, ask another
department, write a note, and the escalation information package. Thin doors onto services."""

from abc import ABC, abstractmethod
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import generic

from complaints.downloads import attachment_response
from complaints.forms import escalation as forms
from complaints.forms import page as page_forms
from complaints.forms.refusals import RefusalFormMixin
from complaints.models import Complaint, Escalation
from complaints.rules.clocks import is_closed
from complaints.selectors.common import complaint_is_visible
from complaints.selectors.escalation import (
    information_package,
    is_handler,
    is_supervisor,
    latest_escalation,
    level_above,
    level_below,
)
from complaints.selectors.privacy import contact_policy, shield_for
from complaints.selectors.regional import level_authority
from complaints.services.approvals import compensation_propose
from complaints.services.attachments import attachment_add
from complaints.services.clocks import complaint_customer_answered, complaint_wait_for_customer
from complaints.services.collaboration import collaboration_request
from complaints.services.escalation import complaint_escalate, complaint_send_back
from complaints.services.notes import note_add
from complaints.services.privacy import contact_reveal
from complaints.services.stages import contact_log
from web.timeline import mention_candidates

DETAIL = "workflow:flows:complaint:process_detail"
# The part of the complaint page (static/redress/tabs.js) each card lives in: a form returns to
# the card it was opened from. ?part= survives redirects that a #fragment may not (Turbo's fetch).
PARTS = {
    "rd-ladder": "rd-part-work",
    "rd-quality": "rd-part-work",
    "rd-steps": "rd-part-work",
    "rd-contacts": "rd-part-facts",
    "rd-customer-side": "rd-part-facts",
    "rd-notes": "rd-part-timeline",
    "rd-attachments": "rd-part-files",
}


def back_to_card(complaint_pk: int, card: str) -> str:
    """The complaint page, opened at `card` (one of PARTS), or at its top without one."""
    url = reverse(DETAIL, args=[complaint_pk])
    return f"{url}?part={PARTS[card]}#{card}" if card in PARTS else url


def visible_complaint(request: HttpRequest, pk: int) -> Complaint:
    """The complaint, or 404 when it does not exist or the user may not see it (the same answer)."""
    related = ("level", "priority", "department", "owner", "category")
    complaint = Complaint.objects.select_related(*related).filter(pk=pk).first()
    if complaint is None or not complaint_is_visible(
        user=request.user,
        complaint_id=complaint.pk,
        department_id=complaint.department_id,
        owner_id=complaint.owner_id,
        receiver_id=complaint.receiver_id,
    ):
        raise Http404
    return complaint


class ComplaintActionView(RefusalFormMixin, generic.FormView, ABC):
    """A form about one complaint; `perform` calls one service and returns the message shown on
    success. A refusal re-renders the form with the service's message and changes nothing."""

    template_name = "web/action.html"
    title = ""
    multipart = False  # True when the form uploads files
    open_only = False  # True for the escalation doors: a closed complaint refuses them
    card = "rd-ladder"  # where on the complaint page the form was opened and returns to (PARTS)
    frame: str | None = None  # the Turbo frame of the card the form answers in, if it edits in place
    request: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.complaint = visible_complaint(request, kwargs["pk"])
        if self.open_only and is_closed(self.complaint):
            raise PermissionDenied(
                _("The complaint is closed. Reopen it (with the customer's reason) to act on it again.")
            )
        if not self.allowed() and not self.moved_meanwhile():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def allowed(self) -> bool:
        return is_handler(user=self.request.user, complaint=self.complaint)

    def moved_meanwhile(self) -> bool:
        """Someone moved the complaint after this person opened the form (they may no longer be a
        handler): the form answers with the service's explanation instead of 404."""
        seen = self.request.POST.get("seen_level") if self.request.method == "POST" else None
        return bool(seen) and seen != str(self.complaint.level_id)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            complaint=self.complaint,
            title=self.title,
            intro=self.intro(),
            multipart=self.multipart,
            back_url=back_to_card(self.complaint.pk, self.card),
            frame=self.frame,
            **kwargs,
        )

    def intro(self) -> str:
        return ""

    @abstractmethod
    def perform(self, data: dict[str, Any]) -> str:
        """Calls the action's one service and returns the message shown on success."""

    def succeeded(self, form: Any, result: str) -> HttpResponse:
        messages.success(self.request, result, fail_silently=True)
        return HttpResponseRedirect(self.success_url_after())

    def success_url_after(self) -> str:
        return back_to_card(self.complaint.pk, self.card)


class EscalateView(ComplaintActionView):
    open_only = True
    form_class = forms.EscalateForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Escalate %(reference)s") % {"reference": self.complaint.reference}

    def get_initial(self) -> dict[str, Any]:
        urgency = self.complaint.priority.urgency if self.complaint.priority else ""
        return {"urgency": urgency, "affected": 1, "seen_level": self.complaint.level_id}

    def intro(self) -> str:
        above = level_above(self.complaint.level) if self.complaint.level else None
        if above is None:
            return _(
                "%(level)s is the top level: the attempt will be recorded and the executive alerted, "
                "but the complaint stays here."
            ) % {"level": self.complaint.level}
        return _(
            "The complaint moves from %(current)s to %(above)s. Its open steps go to that level's queue; "
            "you stay the customer's contact and the customer is told who handles the case now."
        ) % {"current": self.complaint.level, "above": above}

    def perform(self, data: dict[str, Any]) -> str:
        escalation = complaint_escalate(
            complaint=self.complaint,
            actor=self.request.user,
            reason=data["reason"],
            note=data.get("note") or "",
            suggested_direction=data.get("suggested_direction") or "",
            urgency=data["urgency"],
            affected=data.get("affected"),
            seen_level_id=data.get("seen_level"),
        )
        if escalation.direction == Escalation.Direction.REFUSED:
            return _("%(level)s is the top level: your attempt was recorded and the executive alerted.") % {
                "level": escalation.to_level
            }
        return _("Escalated to %(level)s.") % {"level": escalation.to_level}


class SendBackView(ComplaintActionView):
    open_only = True
    form_class = forms.SendBackForm

    def allowed(self) -> bool:
        return is_supervisor(user=self.request.user, complaint=self.complaint)

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Send %(reference)s back down") % {"reference": self.complaint.reference}

    def get_initial(self) -> dict[str, Any]:
        return {"seen_level": self.complaint.level_id}

    def intro(self) -> str:
        below = level_below(self.complaint.level) if self.complaint.level else None
        if below is None:
            return _("The complaint is already at the first level.")
        return _("The complaint goes back from %(current)s to %(below)s with that level's deadlines.") % {
            "current": self.complaint.level,
            "below": below,
        }

    def perform(self, data: dict[str, Any]) -> str:
        escalation = complaint_send_back(
            complaint=self.complaint,
            actor=self.request.user,
            reason=data["reason"],
            note=data.get("note") or "",
            seen_level_id=data.get("seen_level"),
        )
        return _("Sent back to %(level)s.") % {"level": escalation.to_level}


class CompensationView(ComplaintActionView):
    open_only = True
    form_class = forms.CompensationForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Propose compensation for %(reference)s") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        level = self.complaint.level
        if level is None:
            return ""
        authority = level_authority(level=level, department=self.complaint.department_id)
        if authority is None:
            return _("%(level)s may grant any amount.") % {"level": level}
        return _(
            "%(level)s may grant up to %(limit)s CNY. Above that, the lowest level whose authority covers "
            "the amount is asked to approve it."
        ) % {"level": level, "limit": authority}

    def perform(self, data: dict[str, Any]) -> str:
        approval = compensation_propose(
            complaint=self.complaint, actor=self.request.user, amount=data["amount"], purpose=data["purpose"]
        )
        if approval is None:
            return _("%(amount)s CNY is within this level's authority and was recorded.") % {"amount": data["amount"]}
        return _("%(amount)s CNY needs approval: a request went to %(level)s.") % {
            "amount": approval.amount,
            "level": approval.level,
        }


class CollaborationView(ComplaintActionView):
    open_only = True
    form_class = forms.CollaborationRequestForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Ask another department about %(reference)s") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _(
            "The department's contact gets a task with the information package and a response clock; "
            "unanswered, it passes to the department head, then to your superior (P0: headquarters)."
        )

    def perform(self, data: dict[str, Any]) -> str:
        request = collaboration_request(
            complaint=self.complaint, actor=self.request.user, department=data["department"], question=data["question"]
        )
        return _("Request sent to %(department)s.") % {"department": request.department}


class NoteView(ComplaintActionView):
    card = "rd-notes"
    form_class = forms.NoteForm

    def allowed(self) -> bool:
        return True  # anyone who may see the complaint may write a note on it

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Internal note on %(reference)s") % {"reference": self.complaint.reference}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(mention_candidates=mention_candidates(self.complaint), **kwargs)

    def perform(self, data: dict[str, Any]) -> str:
        note = note_add(complaint=self.complaint, author=self.request.user, text=data["text"])
        count = note.mentions.count()
        if count:
            return ngettext(
                "Note added; %(count)s colleague has it in their inbox.",
                "Note added; %(count)s colleagues have it in their inbox.",
                count,
            ) % {"count": count}
        return _("Note added.")


class RevealView(ComplaintActionView):
    """Show contact details: a reader who sees them masked, in a role the admin lets reveal them,
    gives a reason and sees them in full for the reveal window; the reveal is logged."""

    form_class = forms.RevealForm
    card = "rd-contacts"

    def allowed(self) -> bool:
        return contact_policy(self.request.user).may_reveal(self.complaint)

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Show the contact details of %(reference)s") % {"reference": self.complaint.reference}

    def perform(self, data: dict[str, Any]) -> str:
        row = contact_reveal(complaint=self.complaint, actor=self.request.user, reason=data["reason"])
        return _("Contact details shown until %(until)s.") % {
            "until": timezone.localtime(row.until).strftime("%H:%M") if row.until else "—"
        }


class ContactView(ComplaintActionView):
    """Log a call or message with the customer: what was said, what was promised and by when."""

    card = "rd-contacts"

    form_class = page_forms.ContactForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Log a customer contact on %(reference)s") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _("A promise needs a concrete time; it shows on the timeline and in the contacts card.")

    def perform(self, data: dict[str, Any]) -> str:
        contact_log(
            complaint=self.complaint,
            actor=self.request.user,
            channel=data["channel"],
            summary=data["summary"],
            promise=data.get("promise") or "",
            promised_by=data.get("promised_by"),
        )
        return _("Customer contact logged.")


class AttachmentView(ComplaintActionView):
    card = "rd-attachments"
    """Add files to the complaint (the admin's size and type limits apply)."""

    form_class = page_forms.AttachmentForm
    multipart = True

    def allowed(self) -> bool:
        return True  # anyone who may see the complaint may add evidence to it

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Add attachments to %(reference)s") % {"reference": self.complaint.reference}

    def perform(self, data: dict[str, Any]) -> str:
        with transaction.atomic():  # all the files or none
            for upload in data["attachments"]:
                attachment_add(complaint=self.complaint, upload=upload, actor=self.request.user)
        count = len(data["attachments"])
        return ngettext("%(count)s file attached.", "%(count)s files attached.", count) % {"count": count}


class WaitView(ComplaintActionView):
    open_only = True
    form_class = forms.WaitForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("%(reference)s waits for the customer") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _("The resolution clock pauses with the time it has left and resumes when the customer answers.")

    def perform(self, data: dict[str, Any]) -> str:
        complaint_wait_for_customer(complaint=self.complaint, actor=self.request.user, reason=data["reason"])
        return _("Waiting for the customer; the resolution clock is paused.")


class AnsweredView(ComplaintActionView):
    form_class = forms.AnsweredForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("The customer answered on %(reference)s") % {"reference": self.complaint.reference}

    def perform(self, data: dict[str, Any]) -> str:
        complaint = complaint_customer_answered(
            complaint=self.complaint, actor=self.request.user, note=data.get("note") or ""
        )
        due = complaint.resolution_due
        return _("The resolution clock runs again; resolution due %(due)s.") % {
            "due": formats.date_format(timezone.localtime(due), "DATETIME_FORMAT") if due else "—"
        }


def package_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    complaint = visible_complaint(request, pk)
    escalation_id = request.GET.get("escalation")
    escalations = complaint.escalations.exclude(direction=Escalation.Direction.REFUSED).select_related(
        "from_level", "to_level", "actor", "handling_department"
    )
    escalation = None
    if escalation_id and escalation_id.isdigit():
        escalation = escalations.filter(pk=int(escalation_id)).first()
    escalation = escalation or latest_escalation(complaint)
    package = escalation.package if escalation else information_package(complaint=complaint, to_level=None)
    return {
        "complaint": shield_for(request.user, complaint)[0],
        "escalation": escalation,
        "reason": escalation.reason_label if escalation else "",
        "package": package,
        "title": _("Escalation information package · %(reference)s") % {"reference": complaint.reference},
    }


def package_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/package.html", package_context(request, pk))


def package_print(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/package_print.html", package_context(request, pk))


def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    """Serves one attachment of a complaint the user may see (404 for anyone else, as if it did not
    exist), never sniffed as another type. With REDRESS_ATTACHMENT_ACCEL set (e.g.
    "/protected-media/" or "sendfile"), the proxy sends the file from an internal location."""
    complaint = visible_complaint(request, pk)
    return attachment_response(get_object_or_404(complaint.attachments, pk=attachment_pk))
