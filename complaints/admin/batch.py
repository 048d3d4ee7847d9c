"""Admin: batch investigations (read only; they change on their page) and deliveries with the CSV
import (the same service as the investigation page's import)."""

import copy
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from complaints import models
from complaints.admin.complaint import ReadOnlyInline
from complaints.forms.batch import DeliveriesImportForm
from complaints.rules.privacy import mask_field, mask_text
from complaints.selectors.batch import deliveries_visible_to, investigations_visible_to, is_batch_investigator
from complaints.selectors.common import complaints_visible_to
from complaints.selectors.privacy import contact_policy
from complaints.services.batch import BatchRefused, DeliveriesRefused, deliveries_import
from complaints.services.privacy import list_seen


def _masked_customers(rows: list[Any]) -> list[Any]:
    """Outreach contacts and deliveries as a reader who is not a batch investigator sees them (as
    on the batch page): name, phone and plate masked, any number in the note too."""
    shown = []
    for row in rows:
        row = copy.copy(row)
        for name in ("customer_name", "phone", "plate_or_vin"):
            if getattr(row, name, ""):
                setattr(row, name, mask_field(name, getattr(row, name)))
        if getattr(row, "note", ""):
            row.note = mask_text(row.note)
        shown.append(row)
    return shown


def plate_key(plate: str) -> str:
    """A plate as deliveries are matched to complaints (selectors.batch: trimmed, upper case)."""
    return plate.strip().upper()


class OutreachInline(ReadOnlyInline):
    model = models.OutreachContact
    fields = ["customer_name", "phone", "plate_or_vin", "complaint", "state", "note", "updated_by", "updated_at"]

    def shielded(self, request: HttpRequest, obj: Any) -> Any:
        """Investigators see the outreach list in full (they call these people); others masked."""
        return None if is_batch_investigator(request.user) else _masked_customers


class BatchEventInline(ReadOnlyInline):
    model = models.BatchEvent
    fields = ["at", "kind", "actor", "old", "new", "note"]


@admin.register(models.BatchInvestigation)
class BatchInvestigationAdmin(admin.ModelAdmin):
    """Investigations open and close on their page in the staff shell; the admin reads them."""

    list_display = ["__str__", "product_model", "status", "opened_how", "opened_by", "opened_at", "closed_at"]
    list_filter = ["status", "opened_how"]
    search_fields = ["batch_number", "product_model", "key"]
    readonly_fields = ["complaints"]
    inlines = [OutreachInline, BatchEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The investigations this staff member may open in the workspace (quality: all)."""
        return super().get_queryset(request).filter(pk__in=investigations_visible_to(request.user).values("pk"))

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        """The record's page shows its outreach list (OutreachInline): in full to batch
        investigators, which is logged (one row for the page, with how many contacts it showed)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "GET" and is_batch_investigator(request.user):
            list_seen(
                user=request.user,
                complaints=[],
                where=_("Admin: batch investigation %(batch)s") % {"batch": obj},
                rows_in_full=obj.contacts.count(),
            )
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Deliveries come from CSV files (button “Import deliveries”); rows are not edited by hand."""

    list_display = ["batch_number", "product_model", "plate_or_vin", "customer_name", "delivery_date", "imported_at"]
    list_filter = ["product_model"]
    search_fields = ["batch_number", "plate_or_vin", "customer_name", "phone"]
    change_list_template = "admin/complaints/delivery/change_list.html"

    def in_full(self, request: HttpRequest) -> Callable[[models.Delivery], bool]:
        """Whether this reader sees a delivery's owner in full: investigators always; others only
        where the privacy policy shows them the complaint about the same vehicle in full (read once
        per request, however many rows)."""
        if is_batch_investigator(request.user):
            return lambda obj: True
        seen: list[set[str]] = []

        def full(obj: models.Delivery) -> bool:
            if not seen:
                policy = contact_policy(request.user)
                cars = complaints_visible_to(request.user).exclude(plate_or_vin="").select_related("level")
                seen.append({plate_key(c.plate_or_vin) for c in cars if policy.sees(c)})
            return plate_key(obj.plate_or_vin) in seen[0]

        return full

    def get_list_display(self, request: HttpRequest) -> Any:
        """The owner and plate as this reader may see them (in_full), masked otherwise."""
        if is_batch_investigator(request.user):
            return self.list_display
        full = self.in_full(request)

        @admin.display(description=_("customer name"), ordering="customer_name")
        def owner(obj: models.Delivery) -> str:
            return obj.customer_name if full(obj) else mask_field("customer_name", obj.customer_name)

        @admin.display(description=_("plate number or VIN"), ordering="plate_or_vin")
        def plate(obj: models.Delivery) -> str:
            return obj.plate_or_vin if full(obj) else mask_field("plate_or_vin", obj.plate_or_vin)

        shown: dict[str, Any] = {"customer_name": owner, "plate_or_vin": plate}
        return [shown.get(name, name) if isinstance(name, str) else name for name in self.list_display]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The list page, logged once per view like the complaint list: how many owners it showed in
        full and the search term (a phone number or a name typed into the search)."""
        changelist = super().get_changelist_instance(request)
        if request.method == "GET":
            full = self.in_full(request)
            list_seen(
                user=request.user,
                complaints=[],
                where=_("Admin: deliveries"),
                search=changelist.query,
                rows_in_full=sum(1 for row in changelist.result_list if full(row)),
            )
        return changelist

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        """The delivery's page as this reader may see it: name, phone and plate masked unless in
        full (then logged, one row); never saved from here."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            return None
        if not self.in_full(request)(obj):
            return _masked_customers([obj])[0]
        if request.method == "GET":
            list_seen(
                user=request.user, complaints=[], where=_("Admin: delivery #%(pk)s") % {"pk": obj.pk}, rows_in_full=1
            )
        return obj

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The deliveries this staff member may see (quality: all; others only the vehicles of
        complaints they may see)."""
        return super().get_queryset(request).filter(pk__in=deliveries_visible_to(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="complaints_delivery_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = DeliveriesImportForm(request.POST or None, request.FILES or None)
        errors: list[tuple[int, str]] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = deliveries_import(
                    data=form.cleaned_data["file"].read(),
                    actor=request.user,
                    identifier=form.cleaned_data["identifier"],
                )
            except DeliveriesRefused as refusal:
                errors = refusal.errors
            except BatchRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                self.message_user(
                    request,
                    _(
                        "Deliveries imported: %(created)s new, %(updated)s updated; %(added)s customers added to "
                        "outreach lists."
                    )
                    % {"created": result.created, "updated": result.updated, "added": result.contacts_added},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:complaints_delivery_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import deliveries"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/complaints/delivery/import.html", context, status=400 if errors else 200
        )
