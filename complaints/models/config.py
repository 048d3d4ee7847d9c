"""Values an admin owns: priorities, levels, categories, process settings."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.Model):
    """P0 (safety, legal, public-opinion risk) down to P3. Lower rank = more urgent."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("0 is the most urgent. Takes effect for new complaints.")
    )
    colour = models.CharField(_("colour"), max_length=7, default="#607d8b", help_text=_("Hex colour, e.g. #d32f2f."))
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_("Sets the first-response deadline of complaints triaged after the change."),
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolution within (hours)"),
        validators=[MinValueValidator(1)],
        help_text=_("Sets the resolution deadline of complaints triaged after the change."),
    )

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0) & models.Q(resolution_hours__gt=0),
                name="priority_limits_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if not (len(self.colour) == 7 and self.colour.startswith("#")):
            raise ValidationError({"colour": _("Enter a hex colour such as #d32f2f.")})


class EscalationLevel(models.Model):
    """One rung of the escalation ladder (store → region → HQ, or four tiers)."""

    rank = models.PositiveSmallIntegerField(
        _("order"), unique=True, help_text=_("1 is the first level; higher numbers are higher levels.")
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.ForeignKey(
        "complaints.Role", verbose_name=_("handling role"), null=True, blank=True, on_delete=models.PROTECT
    )
    authority_amount = models.DecimalField(
        _("compensation authority"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Largest compensation this level may grant; empty means unlimited. Takes effect at once."),
    )

    class Meta:
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"L{self.rank} {self.name}"


class Category(models.Model):
    """What the complaint is about (a tree: after-sales → vehicle → power/battery)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.parent} / {self.name}" if self.parent_id else self.name


class ProcessSettings(models.Model):
    """One row of process-wide values. Edit it in the admin; there is always exactly one."""

    default_priority = models.ForeignKey(
        Priority,
        verbose_name=_("default priority"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Priority of a complaint no rule raises. Takes effect for new complaints."),
    )
    risk_priority = models.ForeignKey(
        Priority,
        verbose_name=_("priority for safety, legal or public-opinion risk"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Given when the receiver flags such a risk at intake; such complaints start at the top level."),
    )
    follow_up_delay_hours = models.PositiveIntegerField(
        _("follow-up after closing (hours)"),
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_(
            "The satisfaction check is due this long after a complaint closes. "
            "Applies to complaints closed after the change."
        ),
    )
    attachment_max_mb = models.PositiveIntegerField(
        _("largest attachment (MB)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Uploads above this size are refused. Takes effect at once."),
    )
    attachment_extensions = models.CharField(
        _("allowed attachment types"),
        max_length=300,
        default="jpg,jpeg,png,gif,webp,heic,pdf,doc,docx,xls,xlsx,txt,mp3,m4a,wav,amr,mp4,mov",
        help_text=_("File extensions, separated by commas. Takes effect at once."),
    )
    reference_prefix = models.CharField(
        _("reference prefix"),
        max_length=5,
        default="C",
        help_text=_("Start of every reference number, e.g. C for C-2026-000123. New complaints only."),
    )

    class Meta:
        verbose_name = _("process settings")
        verbose_name_plural = _("process settings")

    def __str__(self) -> str:
        return str(_("Process settings"))

    def clean(self) -> None:
        if not self.allowed_extensions():
            raise ValidationError({"attachment_extensions": _("Allow at least one file type.")})
        if not self.reference_prefix.isalnum():
            raise ValidationError({"reference_prefix": _("Use letters and digits only.")})

    def allowed_extensions(self) -> set[str]:
        return {e.strip().lower().lstrip(".") for e in self.attachment_extensions.split(",") if e.strip()}
