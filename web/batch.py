"""Batch investigation pages in the staff shell: the list, one investigation (counts, linked
complaints, outreach list with filters and state changes, deliveries import, closing), and the
"mark as batch issue" action on a complaint. Thin doors onto services.batch."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
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
    BatchRefused,
    DeliveriesRefused,
    complaint_mark_batch,
    deliveries_import,
    investigation_close,
    outreach_move,
)
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


def investigation_context(request: HttpRequest, investigation: BatchInvestigation, **extra: Any) -> dict[str, Any]:
    user = request.user
    investigator = is_batch_investigator(user)
    is_open = investigation.status == BatchStatus.OPEN
    filters = OutreachFilterForm(request.GET or None)
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
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    visible_ids = set(
        complaints_visible_to(user).filter(batch_investigations=investigation).values_list("pk", flat=True)
    )
    # Complaints outside the user's scope are counted, not named.
    linked = investigation.complaints.select_related("category", "department").order_by("received_at", "pk")
    if not investigator:
        linked = linked.filter(pk__in=visible_ids)
    query = request.GET.copy()
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
        "events": investigation.events.select_related("actor")[:20],
        **extra,
    }


def investigation_page(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = visible_investigation(request, pk)
    return render(request, "web/batch/detail.html", investigation_context(request, investigation))


@require_POST
def outreach_move_view(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    investigation = visible_investigation(request, pk)
    contact = get_object_or_404(
        OutreachContact.objects.select_related("investigation"), pk=contact_pk, investigation=investigation
    )
    form = OutreachMoveForm(request.POST)
    back = request.POST.get("back") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("workflow:batch:detail", args=[investigation.pk])
    if not form.is_valid():
        messages.error(request, _("Choose the contact's new state."), fail_silently=True)
        return HttpResponseRedirect(back)
    try:
        outreach_move(
            contact=contact,
            actor=request.user,
            seen_state=form.cleaned_data["seen_state"],
            new_state=form.cleaned_data["state"],
            note=form.cleaned_data["note"],
        )
    except BatchRefused as refusal:
        messages.error(request, str(refusal), fail_silently=True)
    else:
        messages.success(
            request,
            _("%(name)s: %(state)s.")
            % {"name": contact.customer_name, "state": STATE_LABELS[form.cleaned_data["state"]]},
            fail_silently=True,
        )
    return HttpResponseRedirect(back)


@require_POST
def deliveries_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = visible_investigation(request, pk)
    if not is_batch_investigator(request.user):
        raise Http404
    form = DeliveriesImportForm(request.POST, request.FILES)
    errors: list[tuple[int, str]] = []
    if form.is_valid():
        try:
            result = deliveries_import(
                data=form.cleaned_data["file"].read(),
                actor=request.user,
                identifier=investigation_identifier(investigation),
            )
        except DeliveriesRefused as refusal:
            errors = refusal.errors
        except BatchRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _(
                    "Deliveries imported: %(created)s new, %(updated)s updated; %(added)s customers added to "
                    "outreach lists."
                )
                % {"created": result.created, "updated": result.updated, "added": result.contacts_added},
                fail_silently=True,
            )
            return HttpResponseRedirect(reverse("workflow:batch:detail", args=[investigation.pk]))
    context = investigation_context(request, investigation, import_form=form, import_errors=errors)
    return render(request, "web/batch/detail.html", context, status=400)


@require_POST
def investigation_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = visible_investigation(request, pk)
    form = CloseInvestigationForm(request.POST)
    if form.is_valid():
        try:
            investigation_close(investigation=investigation, actor=request.user, note=form.cleaned_data["note"])
        except BatchRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("The investigation is closed."), fail_silently=True)
            return HttpResponseRedirect(reverse("workflow:batch:detail", args=[investigation.pk]))
    context = investigation_context(request, investigation, close_form=form)
    return render(request, "web/batch/detail.html", context, status=400)


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
    move_path = path("<int:pk>/contacts/<int:contact_pk>/move/", outreach_move_view, name="move")
    import_path = path("<int:pk>/import/", deliveries_import_view, name="import")
    close_path = path("<int:pk>/close/", investigation_close_view, name="close")
    mark_path = path("mark/<int:pk>/", MarkBatchView.as_view(), name="mark")
