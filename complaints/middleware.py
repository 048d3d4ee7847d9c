"""Each user reads the site in the language they chose (complaints.UserPreference), on whatever
device they log in from; without a choice, Django's LocaleMiddleware decides (cookie, browser)."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from complaints.models import UserPreference

SESSION_KEY = "redress_language"


def stored_language(user: Any) -> str:
    return UserPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""


def remember_language(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """On login: keeps the user's chosen language in the session."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = stored_language(user)


class UserLanguageMiddleware:
    """After authentication: activates the user's chosen language. The choice is read once per
    session (then kept in it) and written to Django's language cookie too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.chosen(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    def chosen(self, request: HttpRequest) -> str:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        session = request.session
        if SESSION_KEY not in session:  # a session from before the preference existed
            session[SESSION_KEY] = stored_language(user)
        language = session[SESSION_KEY]
        return language if language in dict(settings.LANGUAGES) else ""
