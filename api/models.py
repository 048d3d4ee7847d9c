"""API tokens (one per integration) and the idempotency record of complaint creation."""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "rdr_"  # noqa: S105 (a recognisable prefix, not a secret)


def token_digest(raw: str) -> str:
    """The stored form of a token: its SHA-256. Tokens are 256 random bits, so a fast hash is as
    safe as a slow one and keeps every request to one indexed lookup."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_new() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """One integration's key to the API. It acts as its owner: it sees and does exactly what the
    owner may in the staff pages, optionally narrowed to some departments (and those below them)
    and to some of the owner's roles.
    Only the SHA-256 of the token is stored; the token itself is shown once, when it is created."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Which integration uses it, e.g. “CRM”."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The token sees and may do what this user may, never more."),
    )
    departments = models.ManyToManyField(
        "complaints.Department",
        verbose_name=_("only for departments"),
        blank=True,
        related_name="+",
        help_text=_(
            "Narrows the token to complaints of these departments and those below them, and to registering "
            "in them. Empty: everything the owner may. Takes effect on the next request."
        ),
    )
    roles = models.ManyToManyField(
        "complaints.Role",
        verbose_name=_("only with roles"),
        blank=True,
        related_name="+",
        help_text=_(
            "The token acts only with these of its owner's roles: their queues, what they may see, register and "
            "decide. Empty: all of the owner's roles. Takes effect on the next request."
        ),
    )
    default_category = models.ForeignKey(
        "complaints.Category",
        verbose_name=_("default category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Complaints created through this token without a category get this one."),
    )
    rate_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=600,
        validators=[MinValueValidator(1)],
        help_text=_("Requests beyond this within a minute are answered 429. Takes effect on the next request."),
    )
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True, editable=False)
    hint = models.CharField(_("begins with"), max_length=12, editable=False)
    active = models.BooleanField(_("active"), default=True, help_text=_("Clear to revoke the token at once."))
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Empty: never. Requests after this are refused.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def set_token(self) -> str:
        """Draws a new token, stores its digest and returns it: the only time it is readable."""
        raw = token_new()
        self.digest = token_digest(raw)
        self.hint = raw[: len(TOKEN_PREFIX) + 4]
        return raw

    def usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.active and self.owner.is_active and (self.expires_at is None or self.expires_at > now)


def roles_refused(owner: Any, roles: Any) -> str:
    """Why a token of `owner` may not be narrowed to `roles` ("" if it may): a superuser is not
    bound by roles, and a role the owner does not hold would grant nothing."""
    if owner.is_superuser:
        return str(_("A superuser's token cannot be narrowed to roles: superusers are not bound by roles."))
    from complaints.models import Membership

    held = set(Membership.objects.filter(user=owner).values_list("role_id", flat=True))
    missing = [str(role) for role in roles if role.pk not in held]
    if missing:
        return str(_("%(user)s does not hold these roles: %(roles)s.") % {"user": owner, "roles": ", ".join(missing)})
    return ""


class IdempotencyRecord(models.Model):
    """The first answer to a creation request with an `Idempotency-Key`: a retry with the same key
    by the same user gets the same complaint instead of a second one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, on_delete=models.CASCADE, related_name="+"
    )  # set in the same transaction
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return self.key


def webhook_secret_new() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookSubscription(models.Model):
    """Another system that wants to hear about complaint events: where to POST, which events,
    and the secret the deliveries are signed with (Standard Webhooks)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, help_text=_("Receives a signed POST per event."))
    events = models.JSONField(_("events"), default=list, help_text=_("Which events are sent."))
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=webhook_secret_new,
        help_text=_("Standard Webhooks secret (whsec_…); the receiver verifies each delivery with it."),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive subscriptions get no new deliveries and retry none.")
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"), default=10, validators=[MinValueValidator(1)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts per delivery"),
        default=8,
        validators=[MinValueValidator(1)],
        help_text=_("A delivery is retried with growing pauses (1 min, 2, 4, 8 … at most 6 h) until this many."),
    )
    disable_after_failures = models.PositiveSmallIntegerField(
        _("disable after failed attempts in a row"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("The subscription is switched off after this many failed attempts without a success."),
    )
    failures_in_a_row = models.PositiveIntegerField(_("failed attempts in a row"), default=0, editable=False)
    disabled_reason = models.CharField(_("why it was switched off"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (no attempts left)")


class WebhookDelivery(models.Model):
    """One event for one subscription: the outbox row and its log. A redelivery sends the same
    message (same id) again, so receivers can drop duplicates."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("complaints.ComplaintEvent", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(_("event type"), max_length=60)
    message_id = models.CharField(_("message id"), max_length=40, unique=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once_per_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the response code (or the error), how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error}"


class OutboundCursor(models.Model):
    """How far the fan-out has read the complaint events (one row)."""

    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("outbound cursor")
        verbose_name_plural = _("outbound cursor")

    def __str__(self) -> str:
        return str(self.last_event_id)
