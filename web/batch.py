"""Batch investigation pages in the staff shell: the list, one investigation (counts, linked
complaints, outreach list with filters and state changes, deliveries import, closing), and the
"mark as batch issue" action on a complaint. Thin doors onto services.batch."""

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.urls import Viewset
from viewflow.urls.sites import AppMenuMixin

from complaints.auth import VIEW_PERMISSION
from complaints.choices import BatchStatus
from complaints.forms.batch import (
    CloseInvestigationForm,
    DeliveriesImportForm,
    MarkBatchForm,
    OutreachFilterForm,
    OutreachMoveForm,
)
from complaints.forms.refusals import RefusalFormMixin
from complaints.models import BatchInvestigation, OutreachContact
from complaints.rules.batch import outreach_next
from complaints.rules.privacy import mask_code, mask_name, mask_phone
from complaints.selectors.batch import (
    investigation_counts,
    investigation_identifier,
    investigation_list,
    investigations_visible_to,
    is_batch_investigator,
)
from complaints.selectors.common import complaints_visible_to
from complaints.services.batch import (
    STATE_LABELS,
    DeliveriesRefused,
    complaint_mark_batch,
    deliveries_import,
    investigation_close,
    outreach_move,
)
from complaints.services.errors import Refused
from complaints.services.privacy import list_seen
from web.actions import ComplaintActionView

CONTACTS_PER_PAGE = 50
INVESTIGATIONS_PER_PAGE = 30


def visible_investigation(request: HttpRequest, pk: int) -> BatchInvestigation:
    """The investigation, or 404 for anyone outside its scope (as if it did not exist)."""
    return get_object_or_404(investigations_visible_to(request.user).select_related("opened_by", "closed_by"), pk=pk)


def investigation_list_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    qs = investigation_list(request.user)
    if status in BatchStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, INVESTIGATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/batch/list.html",
        {
            "page": page,
            "status": status,
            "statuses": BatchStatus.choices,
            "query": urlencode({"status": status}) if status else "",
            "title": _("Batch investigations"),
        },
    )


def _contact_rows(
    contacts: list[OutreachContact], *, full: bool, can_move: bool, visible: set[int]
) -> list[dict[str, Any]]:
    """Investigators see every contact in full; anyone else sees masked names and phones, and the
    plate and complaint reference only of contacts whose complaint they may see."""
    rows = []
    for contact in contacts:
        shown = full or contact.complaint_id in visible
        rows.append(
            {
                "contact": contact,
                "name": contact.customer_name if full else mask_name(contact.customer_name),
                "phone": contact.phone if full else mask_phone(contact.phone),
                "plate": contact.plate_or_vin if shown else mask_code(contact.plate_or_vin),
                "reference": contact.complaint.reference if shown and contact.complaint else "",
                "next": [(s, STATE_LABELS[s]) for s in outreach_next(contact.state)] if can_move else [],
            }
        )
    return rows


def investigation_context(
    request: HttpRequest, investigation: BatchInvestigation, *, params: QueryDict | None = None, **extra: Any
) -> dict[str, Any]:
    """The investigation page's context; `params` stand for the address's query (the list's
    filters and page) when a form answers in place on another address."""
    user = request.user
    params = request.GET if params is None else params
    investigator = is_batch_investigator(user)
    is_open = investigation.status == BatchStatus.OPEN
    filters = OutreachFilterForm(params or None)
    contacts = investigation.contacts.select_related("complaint", "updated_by").order_by("pk")
    if filters.is_valid():
        if filters.cleaned_data["state"]:
            contacts = contacts.filter(state=filters.cleaned_data["state"])
        text = filters.cleaned_data["q"].strip()
        if text:
            # Masked names and phones must not be guessable by searching: others search plates only.
            match = Q(plate_or_vin__icontains=text)
            if investigator:
                match |= Q(customer_name__icontains=text) | Q(phone__icontains=text)
            else:  # nor plates of complaints outside the user's scope
                match &= Q(complaint__in=complaints_visible_to(user).values("pk"))
            contacts = contacts.filter(match)
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(params.get("page"))
    visible_ids = set(
        complaints_visible_to(user).filter(batch_investigations=investigation).values_list("pk", flat=True)
    )
    # Complaints outside the user's scope are counted, not named.
    linked = investigation.complaints.select_related("category", "department").order_by("received_at", "pk")
    if not investigator:
        linked = linked.filter(pk__in=visible_ids)
    query = params.copy()
    query.pop("page", None)
    return {
        "investigation": investigation,
        "title": _("Batch investigation %(batch)s") % {"batch": investigation},
        "counts": investigation_counts(investigation),
        "complaints": [(c, c.pk in visible_ids) for c in linked],
        "page": page,
        "rows": _contact_rows(
            list(page.object_list), full=investigator, can_move=investigator and is_open, visible=visible_ids
        ),
        "filters": filters,
        "query": query.urlencode(),
        "investigator": investigator,
        "is_open": is_open,
        "import_form": extra.pop("import_form", None) or DeliveriesImportForm(),
        "close_form": extra.pop("close_form", None) or CloseInvestigationForm(),
        "move_errors": extra.pop("move_errors", None) or {},
        "events": investigation.events.select_related("actor")[:20],
        **extra,
    }


def investigation_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The investigation; an outreach page shown with contacts in full (investigators) or searched is
    logged once per view, like the lists of complaints (issue 26)."""
    investigation = visible_investigation(request, pk)
    context = investigation_context(request, investigation)
    filters = context["filters"]
    list_seen(
        user=request.user,
        complaints=[],
        where=_("Outreach list of batch investigation %(batch)s") % {"batch": investigation},
        search=filters.cleaned_data["q"] if filters.is_valid() else "",
        rows_in_full=len(context["rows"]) if context["investigator"] else 0,
    )
    return render(request, "web/batch/detail.html", context)


def import_error_rows(data: bytes, errors: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The refused file's bad lines as the page shows them: each line's number, its text as the
    file has it (so the user finds it in their spreadsheet) and why it was refused."""
    text = data.decode("utf-8-sig", errors="replace")
    if "\ufffd" in text:
        text = data.decode("gb18030", errors="replace")
    lines = text.splitlines()
    return [
        {"line": line, "text": lines[line - 1] if 0 < line <= len(lines) else "", "reason": reason}
        for line, reason in errors
    ]


class InvestigationFormView(RefusalFormMixin, generic.FormView):
    """A form on the investigation page (one form → one service call). Bad input or a refusal
    answers on the same page, next to the form that was sent, with the message (400) and nothing
    changed; a success returns to the page with a message."""

    template_name = "web/batch/detail.html"
    http_method_names = ["post"]
    request: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.investigation = visible_investigation(request, kwargs["pk"])
        if not self.allowed():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def allowed(self) -> bool:
        return True

    def page_extra(self, form: Any) -> dict[str, Any]:
        """What the page needs to show this form's problems where the form is."""
        return {}

    def page_params(self) -> QueryDict | None:
        return None

    def form_invalid(self, form: Any) -> HttpResponse:
        context = investigation_context(
            self.request, self.investigation, params=self.page_params(), **self.page_extra(form)
        )
        return render(self.request, self.template_name, context, status=400)

    def succeeded(self, form: Any, result: str) -> HttpResponse:
        messages.success(self.request, result, fail_silently=True)
        return HttpResponseRedirect(self.back())

    def back(self) -> str:
        return reverse("workflow:batch:detail", args=[self.investigation.pk])


class OutreachMoveView(InvestigationFormView):
    """One contact of the outreach list to its next state; a refusal (someone moved it meanwhile)
    shows on that contact's row of the list the user was looking at (same filters and page)."""

    form_class = OutreachMoveForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.contact_pk = kwargs["contact_pk"]
        return super().dispatch(request, *args, **kwargs)

    def allowed(self) -> bool:
        self.contact = get_object_or_404(
            OutreachContact.objects.select_related("investigation"),
            pk=self.contact_pk,
            investigation=self.investigation,
        )
        return True

    def back(self) -> str:
        back = self.request.POST.get("back") or ""
        request = self.request
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return back
        return super().back()

    def page_params(self) -> QueryDict:
        return QueryDict(urlsplit(self.back()).query)

    def page_extra(self, form: Any) -> dict[str, Any]:
        problems = [str(error) for errors in form.errors.values() for error in errors]
        if "state" in form.errors:
            problems = [_("Choose the contact's new state.")]
        return {"move_errors": {self.contact.pk: " ".join(problems)}}

    def perform(self, data: dict[str, Any]) -> str:
        outreach_move(
            contact=self.contact,
            actor=self.request.user,
            seen_state=data["seen_state"],
            new_state=data["state"],
            note=data["note"],
        )
        return _("%(name)s: %(state)s.") % {"name": self.contact.customer_name, "state": STATE_LABELS[data["state"]]}


class DeliveriesImportView(InvestigationFormView):
    """The deliveries CSV: a file with bad rows imports nothing, and the page lists each bad row
    (its line, its text, why) in the import card."""

    form_class = DeliveriesImportForm
    import_errors: list[dict[str, Any]] = []

    def allowed(self) -> bool:
        return is_batch_investigator(self.request.user)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "files": self.request.FILES}

    def perform(self, data: dict[str, Any]) -> str:
        self.file_bytes = data["file"].read()
        result = deliveries_import(
            data=self.file_bytes, actor=self.request.user, identifier=investigation_identifier(self.investigation)
        )
        return _(
            "Deliveries imported: %(created)s new, %(updated)s updated; %(added)s customers added to outreach lists."
        ) % {"created": result.created, "updated": result.updated, "added": result.contacts_added}

    def refused(self, form: Any, refusal: Refused) -> HttpResponse:
        if isinstance(refusal, DeliveriesRefused):
            self.import_errors = import_error_rows(self.file_bytes, refusal.errors)
            return self.form_invalid(form)
        return super().refused(form, refusal)

    def page_extra(self, form: Any) -> dict[str, Any]:
        return {"import_form": form, "import_errors": self.import_errors}


class InvestigationCloseView(InvestigationFormView):
    form_class = CloseInvestigationForm

    def perform(self, data: dict[str, Any]) -> str:
        investigation_close(investigation=self.investigation, actor=self.request.user, note=data["note"])
        return _("The investigation is closed.")

    def page_extra(self, form: Any) -> dict[str, Any]:
        return {"close_form": form}


class MarkBatchView(ComplaintActionView):
    """Complaint page → "Mark as batch issue": quality opens the batch's investigation below the
    threshold (or links the complaint to the open one)."""

    form_class = MarkBatchForm

    def allowed(self) -> bool:
        return is_batch_investigator(self.request.user)

    @property
    def title(self) -> str:  # type: ignore[override]
        return _("Mark %(reference)s as a batch issue") % {"reference": self.complaint.reference}

    def intro(self) -> str:
        return _(
            "A batch investigation opens for this complaint's batch (or its product model and delivery window), "
            "even below the threshold: every complaint of the batch is linked and every known customer of it is "
            "put on the outreach list."
        )

    def perform(self, data: dict[str, Any]) -> str:
        self.investigation = complaint_mark_batch(complaint=self.complaint, actor=self.request.user, note=data["note"])
        return _("Batch investigation %(batch)s is open.") % {"batch": self.investigation}

    def success_url_after(self) -> str:
        return reverse("workflow:batch:detail", args=[self.investigation.pk])


class BatchViewset(AppMenuMixin, Viewset):
    """Batch investigations in the staff shell's menu."""

    app_name = "batch"
    title = gettext_lazy("Batch investigations")
    icon = "fact_check"

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(user.is_authenticated and (user.is_superuser or user.has_perm(VIEW_PERMISSION)))

    index_path = path("", investigation_list_page, name="index")
    detail_path = path("<int:pk>/", investigation_page, name="detail")
    move_path = path("<int:pk>/contacts/<int:contact_pk>/move/", OutreachMoveView.as_view(), name="move")
    import_path = path("<int:pk>/import/", DeliveriesImportView.as_view(), name="import")
    close_path = path("<int:pk>/close/", InvestigationCloseView.as_view(), name="close")
    mark_path = path("mark/<int:pk>/", MarkBatchView.as_view(), name="mark")
