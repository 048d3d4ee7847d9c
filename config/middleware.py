"""Response headers Django's SecurityMiddleware does not set, the idle session's renewal, and the
configuration read once per request."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from complaints.selectors.once import reads_once, token_read_ahead


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


class ReadsOnceMiddleware:
    """A request reads each piece of configuration once (`complaints.selectors.once.reads_once`):
    the case scope, the page and the transition it runs share one copy instead of each reading
    the settings, the department tree and the configuration's number again. Not for the admin,
    whose pages write configuration and read it back in the same request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_path = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            if request.path_info.startswith(self.admin_path):
                return self.get_response(request)
            with reads_once():
                return self.get_response(request)
        finally:
            token_read_ahead(None)  # the number this request's session brought is this request's alone
