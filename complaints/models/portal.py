"""What the customer's pages need: their settings (one row the admin edits), the customer's links
(stored as hashes only), the origin of each public filing (for the rate limits)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PortalSettings(models.Model):
    """One row: whether customers can file online and the limits that keep the form usable. Without
    this row the public form says online filing is not open."""

    receiving_department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("receiving department"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Complaints filed on the public form are registered for this department; triage routes them."),
    )
    filings_per_address = models.PositiveSmallIntegerField(
        _("filings per network address"),
        validators=[MinValueValidator(1)],
        help_text=_("At most this many complaints from one network address within the window. Takes effect at once."),
    )
    filings_per_phone = models.PositiveSmallIntegerField(
        _("filings per phone number"),
        validators=[MinValueValidator(1)],
        help_text=_("At most this many complaints for one phone number within the window. Takes effect at once."),
    )
    filing_window_minutes = models.PositiveIntegerField(
        _("rate-limit window (minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_("How far back the two limits above count. Takes effect at once."),
    )
    link_valid_days = models.PositiveSmallIntegerField(
        _("tracking link valid for (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("A new tracking link works this long (counted from when it is sent). Applies to new links."),
    )
    customer_channel = models.ForeignKey(
        "complaints.NotificationChannel",
        verbose_name=_("text-message gateway"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Messages to customers go to their phone through this webhook gateway, and by e-mail when they "
            "gave an address. Empty: e-mail only. Takes effect for the next message."
        ),
    )
    appeal_window_days = models.PositiveSmallIntegerField(
        _("appeal possible for (days after closing)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "A closed complaint can be appealed to the customer-experience office this many days after it "
            "closed (an open one once its top level has decided). Takes effect at once."
        ),
    )
    appeal_department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("customer-experience office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "The independent office that reviews appeals, outside the escalation ladder. Appeals are open "
            "once this, its deciding role, the window and the decision time are set. Applies to appeals made "
            "after the change."
        ),
    )
    appeal_role = models.ForeignKey(
        "complaints.Role",
        verbose_name=_("decides appeals"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Holders of this role in the office find appeals in their queue and decide them. Applies to "
            "appeals made after the change."
        ),
    )
    appeal_decision_hours = models.PositiveIntegerField(
        _("appeal decided within (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "The office's clock: an appeal is due this long after it is made (calendar time); past it the "
            "office and the breach list are told. Applies to appeals made after the change."
        ),
    )
    appeal_warning_percent = models.PositiveSmallIntegerField(
        _("warn the office at (percent of the appeal time)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_(
            "The office is warned when this share of the appeal time has passed (empty: no warning). Applies to "
            "new appeals."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer portal settings")
        verbose_name_plural = _("customer portal settings")

    def __str__(self) -> str:
        return str(_("Customer portal settings"))

    def clean(self) -> None:
        appeal = [self.appeal_department_id, self.appeal_role_id, self.appeal_window_days, self.appeal_decision_hours]
        if any(value is not None for value in appeal) and any(value is None for value in appeal):
            raise ValidationError(
                _(
                    "To open appeals, set the customer-experience office, the role that decides appeals, the "
                    "appeal window and the decision time; leave all four empty to keep appeals closed."
                )
            )


class CustomerLink(models.Model):
    """A link the customer follows without logging in. Only the SHA-256 of its secret is stored: the
    link itself exists in the message sent and nowhere else."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="customer_links")
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("last opened at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer link")
        verbose_name_plural = _("customer links")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.created_at:%Y-%m-%d %H:%M}"


class PublicFiling(models.Model):
    """Where a complaint filed on the public form came from: the rate limits count these."""

    complaint = models.OneToOneField("complaints.Complaint", on_delete=models.CASCADE, related_name="public_filing")
    address = models.GenericIPAddressField(_("network address"))
    phone = models.CharField(_("phone"), max_length=32, db_index=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("public filing")
        verbose_name_plural = _("public filings")
        indexes = [models.Index(fields=["address", "at"], name="public_filing_address")]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.address}"
