"""Response headers Django's SecurityMiddleware does not set, and the idle session's renewal."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    """Permissions-Policy: the browser features no Redress page uses are switched off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response


RENEWED = "_redress_renewed"


def session_renewed_at_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A login saves a new session with a fresh expiry: that is its first renewal."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED] = int(time.time())


class SessionRenewalMiddleware:
    """Sessions end after SESSION_COOKIE_AGE without a request. Renewing the expiry on every request
    (Django's SESSION_SAVE_EVERY_REQUEST) writes the session row on every page and every form: three
    queries each. This renews a signed-in session when its last renewal is older than
    SESSION_RENEW_SECONDS (a thirtieth of the idle time), so the session ends between the idle time
    and that much less after the last request, and most requests write nothing. Placed after
    SessionMiddleware: the session saved on the way out carries the new expiry and cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(RENEWED, 0)) >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED] = now  # modified: SessionMiddleware saves it with a new expiry
        return response
