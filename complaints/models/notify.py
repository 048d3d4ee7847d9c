"""Who is told about what, and in which words."""

import string
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.choices import ROBOT_KINDS, ChannelKind, DepartmentScope, NotificationEvent, RecipientKind
from complaints.models.help import NEXT_NOTIFICATION

PLACEHOLDERS = (
    "reference",
    "customer_name",
    "priority",
    "level",
    "department",
    "stage",
    "owner",
    "due",
    "reason",
    "url",
    "link",
    "decision",
    "remedy",
)


def template_placeholders(text: str) -> set[str]:
    """Returns the {placeholder} names used in a template; raises ValueError on broken braces."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class NotificationRecipient(models.Model):
    """One line of a notify list: who hears about an event (P0 alert, escalation, warning, breach)."""

    event = models.CharField(_("event"), max_length=20, choices=NotificationEvent.choices, help_text=NEXT_NOTIFICATION)
    kind = models.CharField(_("recipient"), max_length=20, choices=RecipientKind.choices, help_text=NEXT_NOTIFICATION)
    role = models.ForeignKey(
        "complaints.Role", verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department_scope = models.CharField(
        _("department"),
        max_length=10,
        choices=DepartmentScope.choices,
        blank=True,
        help_text=_("For roles and department heads: where, relative to the complaint's department."),
    )
    department = models.ForeignKey(
        "complaints.Department",
        verbose_name=_("fixed department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification recipient")
        verbose_name_plural = _("notification recipients")
        ordering = ["event", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.get_kind_display()}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        needs_department = self.kind in (RecipientKind.ROLE, RecipientKind.HEAD)
        if self.kind == RecipientKind.ROLE and self.role_id is None:
            errors["role"] = _("Choose the role.")
        if self.kind != RecipientKind.ROLE and self.role_id is not None:
            errors["role"] = _("Only role recipients have a role.")
        if self.kind == RecipientKind.USER and self.user_id is None:
            errors["user"] = _("Choose the user.")
        if self.kind != RecipientKind.USER and self.user_id is not None:
            errors["user"] = _("Only named-user recipients have a user.")
        if needs_department and not self.department_scope:
            errors["department_scope"] = _("Say in which department.")
        if not needs_department and self.department_scope:
            errors["department_scope"] = _("Only roles and department heads have a department.")
        if self.department_scope == DepartmentScope.FIXED and self.department_id is None:
            errors["department"] = _("Choose the fixed department.")
        if self.department_scope != DepartmentScope.FIXED and self.department_id is not None:
            errors["department"] = _("Leave empty unless the department is a fixed department.")
        if errors:
            raise ValidationError(errors)


class NotificationTemplate(models.Model):
    """The words of one event's message in one language, with {placeholders}."""

    event = models.CharField(_("event"), max_length=20, choices=NotificationEvent.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, help_text=NEXT_NOTIFICATION)
    body = models.TextField(
        _("message"), help_text=_("Placeholders in braces, e.g. {reference}. Takes effect for the next notification.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["event", "language"]
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="notification_template_unique")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} ({self.language})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        for field in ("subject", "body"):
            try:
                unknown = template_placeholders(getattr(self, field) or "") - set(PLACEHOLDERS)
            except ValueError:
                errors[field] = _("Unbalanced braces: write placeholders as {reference}.")
                continue
            if unknown:
                errors[field] = _("Unknown placeholder(s) %(unknown)s. Available: %(known)s.") % {
                    "unknown": ", ".join(f"{{{name}}}" for name in sorted(unknown)),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
        if errors:
            raise ValidationError(errors)


class NotificationChannel(models.Model):
    """A way out besides nobody's inbox: e-mail, a webhook that an SMS or IM gateway receives
    (gateways are configured here, not coded; a JSON POST signed with HMAC-SHA256), or the group
    robot of a WeCom, DingTalk or Feishu chat (their own JSON; DingTalk and Feishu signed with the
    secret when the robot has one)."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=NEXT_NOTIFICATION)
    name = models.CharField(_("name"), max_length=100, help_text=NEXT_NOTIFICATION)
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices, help_text=NEXT_NOTIFICATION)
    url = models.URLField(
        _("webhook URL"),
        blank=True,
        help_text=_(
            "For webhooks: where the JSON message is posted. For group robots: the robot's webhook address "
            "(WeCom …/webhook/send?key=…, DingTalk …/robot/send?access_token=…, Feishu …/bot/v2/hook/…)."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_(
            "Only for webhooks: messages are signed the Standard Webhooks way (webhook-id, "
            "webhook-timestamp and webhook-signature headers) under this secret, so the receiver can "
            "refuse forged and replayed messages. Write it as whsec_<base64> or as plain text (used as "
            "its UTF-8 bytes). DingTalk and Feishu robots: the secret of their signature security setting "
            "(加签), or empty. Takes effect for the next notification."
        ),
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "For webhooks and robots: a gateway or chat app slower than this counts as a failure and is retried."
        ),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive channels send nothing. Takes effect at once.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == ChannelKind.WEBHOOK:
            if not self.url:
                errors["url"] = _("A webhook needs its URL.")
            if not self.secret:
                errors["secret"] = _("A webhook needs a signing secret so the gateway can check the sender.")
            if self.timeout_seconds is None:
                errors["timeout_seconds"] = _("Say how long to wait for the gateway.")
        elif self.kind in ROBOT_KINDS:
            if not self.url:
                errors["url"] = _("A group robot needs the webhook URL the chat app shows when the robot is added.")
            elif not self.url.startswith("https://"):
                errors["url"] = _("Group robots are reached over https.")
            if self.kind == ChannelKind.WECOM and self.secret:
                errors["secret"] = _("WeCom robots are not signed (the key is in the URL); leave the secret empty.")
            if self.timeout_seconds is None:
                errors["timeout_seconds"] = _("Say how long to wait for the chat app.")
        elif self.url or self.secret:
            errors["url"] = _("Only webhooks have a URL and a secret.")
        if errors:
            raise ValidationError(errors)


class NotificationPreference(models.Model):
    """How one person is reached: their channels, their address on a gateway, and their quiet hours
    (warnings wait until the quiet hours end; P0 messages and breaches never wait)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    channels = models.ManyToManyField(
        NotificationChannel,
        verbose_name=_("channels"),
        blank=True,
        help_text=_("Empty: e-mail only. Takes effect for the next notification."),
    )
    gateway_address = models.CharField(
        _("address on gateways"),
        max_length=100,
        blank=True,
        help_text=_("Mobile number or IM handle sent to webhook channels with each message."),
    )
    quiet_start = models.TimeField(
        _("quiet hours from"),
        null=True,
        blank=True,
        help_text=_("Warnings created in the quiet hours are held until they end. Takes effect at once."),
    )
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("Of the quiet hours; empty: the server's time zone.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValidationError({"quiet_end": _("Give both ends of the quiet hours, or neither.")})
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValidationError({"quiet_end": _("The quiet hours must end at another time than they start.")})
        if self.time_zone and self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": _("“%(zone)s” is not a known time zone.") % {"zone": self.time_zone}})
