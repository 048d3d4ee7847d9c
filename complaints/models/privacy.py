"""Privacy: who sees a customer's contact details in full, how long they are kept, and the log of
every look at them."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.models.help import AT_ONCE


class PrivacyPolicy(models.Model):
    """One row: the need-to-know settings. Without it, the case owner and the handlers of a case's
    level and above see contact details in full, nobody may reveal them and nothing is anonymised."""

    owner_sees = models.BooleanField(
        _("the case owner sees contact details"),
        default=True,
        help_text=_("The first handler stays the customer's contact and calls them back. Takes effect at once."),
    )
    level_handlers_see = models.BooleanField(
        _("handlers of the case's level and above see contact details"),
        default=True,
        help_text=_("Holders of the role of the case's current level, or of a higher level. Takes effect at once."),
    )
    full_roles = models.ManyToManyField(
        "complaints.Role",
        verbose_name=_("roles that always see contact details"),
        blank=True,
        related_name="+",
        help_text=_("On every case they may see, holders of these roles see name, phone and plate in full."),
    )
    reveal_roles = models.ManyToManyField(
        "complaints.Role",
        verbose_name=_("roles that may reveal contact details"),
        blank=True,
        related_name="+",
        help_text=_(
            "Holders of these roles may click “Show contact details” on a case they see masked, give a "
            "reason, and see them in full for the reveal window. Every reveal is logged."
        ),
    )
    reveal_minutes = models.PositiveIntegerField(
        _("reveal window (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("How long a reveal lasts. Empty: nobody may reveal. Applies to reveals made after the change."),
    )
    retention_days = models.PositiveIntegerField(
        _("keep personal data after closing (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "After this many days since a complaint closed, its customer's name, phone, plate, contacts, "
            "attachments and notification copies are anonymised by the daily job; the case, its analysis, "
            "actions, clocks and KPIs stay. Empty: kept. Categories may set their own period below. "
            "Applies at the next daily run."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("privacy policy")
        verbose_name_plural = _("privacy policy")

    def __str__(self) -> str:
        return str(_("Privacy policy"))


class CategoryRetention(models.Model):
    """A category keeps personal data for its own period (a legal case may need longer)."""

    policy = models.ForeignKey(PrivacyPolicy, on_delete=models.CASCADE, related_name="category_retention")
    category = models.OneToOneField(
        "complaints.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    days = models.PositiveIntegerField(
        _("keep personal data after closing (days)"), validators=[MinValueValidator(1)], help_text=AT_ONCE
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("retention of a category")
        verbose_name_plural = _("retention per category")

    def __str__(self) -> str:
        return f"{self.category}: {self.days}"


class AccessLog(models.Model):
    """Append-only: who saw a customer's full contact details, of which case, when and why. Written
    by the doors that show them (one INSERT per page, one bulk INSERT per list or export); never
    changed afterwards."""

    class Kind(models.TextChoices):
        VIEW = "view", _("page viewed in full")
        REVEAL = "reveal", _("contact details revealed")
        EXPORT = "export", _("export with personal data")
        API = "api", _("API read in full")
        REQUEST = "request", _("person's request answered")
        ERASE = "erase", _("personal data erased")
        LIST = "list", _("list or search")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_log",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    until = models.DateTimeField(
        _("revealed until"), null=True, blank=True, help_text=_("For a reveal: when the window closes.")
    )
    references = models.JSONField(
        _("complaints shown in full"),
        default=list,
        blank=True,
        help_text=_("For a list or search: the references of the complaints the page showed in full."),
    )

    class Meta:
        verbose_name = _("access to personal data")
        verbose_name_plural = _("access log (personal data)")
        ordering = ["-at", "-pk"]
        permissions = [
            ("export_personal_data", _("Can export customers' personal data")),
            ("answer_privacy_request", _("Can answer a person's request (export or erase by phone)")),
        ]
        indexes = [models.Index(fields=["user", "complaint", "kind", "until"], name="accesslog_reveal")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.complaint_id} · {self.user_id}"
