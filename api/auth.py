"""Token authentication and per-token throttling."""

from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken, token_digest
from complaints.selectors.common import ONLY_ROLES

# `last used` is a hint for admins, not an audit: writing it at most once a minute keeps a busy
# integration from turning every read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`. The request then acts as the token's owner."""

    keyword = b"bearer"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("The Authorization header must be “Bearer <token>”."))
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("The token is invalid, expired or revoked.")) from None
        # Whether the token is narrowed comes with the lookup, so a token that is not pays no query for it.
        token = (
            ApiToken.objects.select_related("owner")
            .annotate(
                narrowed_departments=Exists(ApiToken.departments.through.objects.filter(apitoken_id=OuterRef("pk"))),
                narrowed_roles=Exists(ApiToken.roles.through.objects.filter(apitoken_id=OuterRef("pk"))),
            )
            .filter(digest=token_digest(raw))
            .first()
        )
        now = timezone.now()
        if token is None or not token.usable(now):
            raise AuthenticationFailed(_("The token is invalid, expired or revoked."))
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        if token.narrowed_roles:  # type: ignore[attr-defined]
            # The owner object acts with these roles only: every read of its memberships honours it
            # (complaints.selectors.common.memberships_of), so queues, permissions, visibility and
            # registering follow, in the services too.
            setattr(token.owner, ONLY_ROLES, frozenset(token.roles.values_list("pk", flat=True)))
        return token.owner, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'


class TokenRateThrottle(SimpleRateThrottle):
    """Counts each token's requests in the cache over a sliding minute against the rate the admin
    set on the token. Session (staff UI) requests are not throttled here. With several processes
    the cache must be shared (Redis) for the count to be exact."""

    scope = "token"
    rate = "per-token"  # the real rate is read from the token on each request

    def __init__(self) -> None:
        self.num_requests, self.duration = 0, 60

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        token = request.auth
        return f"api-throttle-token-{token.pk}" if isinstance(token, ApiToken) else None

    def allow_request(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        self.num_requests = token.rate_per_minute
        return super().allow_request(request, view)


class TokenScheme(OpenApiAuthenticationExtension):
    """Documents the token as an HTTP bearer scheme in the schema."""

    target_class = "api.auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_("An API token from the admin or `manage.py api_token`.")),
        }
