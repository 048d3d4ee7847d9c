"""Batch investigations: complaints sharing a product batch (or a product model delivered within a
window), the deliveries of that batch imported from CSV, and the outreach to every known customer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.choices import BatchEventKind, BatchOpenedBy, BatchStatus, OutreachState
from complaints.models.events import EventRecord


class BatchInvestigation(models.Model):
    """One suspected batch defect. At most one is open per batch key (the batch number, or the
    product model with its delivery window); later complaints of that batch are linked to it."""

    key = models.CharField(
        _("batch key"), max_length=200, help_text=_("The normalised batch number, or model and window.")
    )
    batch_number = models.CharField(_("batch number"), max_length=64, blank=True)
    product_model = models.CharField(_("product / service model"), max_length=100, blank=True)
    window_start = models.DateField(_("delivered from"), null=True, blank=True)
    window_end = models.DateField(_("delivered until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    opened_how = models.CharField(_("opened"), max_length=10, choices=BatchOpenedBy.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    complaints = models.ManyToManyField(
        "complaints.Complaint", verbose_name=_("complaints"), blank=True, related_name="batch_investigations"
    )

    class Meta:
        verbose_name = _("batch investigation")
        verbose_name_plural = _("batch investigations")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(status=BatchStatus.OPEN), name="batch_one_open_investigation_per_key"
            )
        ]

    def __str__(self) -> str:
        if self.batch_number:
            return self.batch_number
        return f"{self.product_model} {self.window_start or ''}–{self.window_end or ''}"


class BatchEvent(EventRecord):
    """Append-only history of an investigation: opened, linked, imported, contact progress, closed."""

    investigation = models.ForeignKey(BatchInvestigation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    kind = models.CharField(_("event"), max_length=20, choices=BatchEventKind.choices)

    class Meta(EventRecord.Meta):
        verbose_name = _("batch event")
        verbose_name_plural = _("batch events")


class Delivery(models.Model):
    """A product delivered to a customer, as imported from a deliveries CSV. One row per batch and
    plate/VIN: importing the same file again updates the rows instead of adding them twice."""

    batch_number = models.CharField(_("batch number"), max_length=64, db_index=True)
    product_model = models.CharField(_("product / service model"), max_length=100, blank=True)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    plate_or_vin = models.CharField(_("plate number or VIN"), max_length=32)
    customer_name = models.CharField(_("customer name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["batch_number", "plate_or_vin"]
        constraints = [
            models.UniqueConstraint(fields=["batch_number", "plate_or_vin"], name="delivery_unique_per_batch_vehicle")
        ]

    def __str__(self) -> str:
        return f"{self.batch_number} · {self.plate_or_vin}"


class OutreachContact(models.Model):
    """One customer to reach in an investigation, from a complaint or a delivery (or both, when they
    name the same vehicle or phone), and how far the outreach has come."""

    investigation = models.ForeignKey(BatchInvestigation, on_delete=models.CASCADE, related_name="contacts")
    customer_key = models.CharField(_("customer key"), max_length=64, help_text=_("Plate/VIN, else the phone."))
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer_name = models.CharField(_("customer name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    plate_or_vin = models.CharField(_("plate number or VIN"), max_length=32, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=OutreachState.choices, default=OutreachState.TO_CONTACT, db_index=True
    )
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last change"), null=True, blank=True)

    class Meta:
        verbose_name = _("outreach contact")
        verbose_name_plural = _("outreach contacts")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["investigation", "customer_key"], name="outreach_one_per_customer")
        ]

    def __str__(self) -> str:
        return f"{self.customer_name} · {self.get_state_display()}"
