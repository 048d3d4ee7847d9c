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
    owner may in the staff pages, optionally narrowed to some departments (and those below them).
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
