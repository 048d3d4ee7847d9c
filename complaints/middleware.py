"""Each user reads the site in the language they chose (complaints.UserPreference), on whatever
device they log in from; without a choice, Django's LocaleMiddleware decides (cookie, browser)."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

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


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class HostileInputMiddleware:
    """Before CSRF reads the form: a form above the server's cap (DATA_UPLOAD_MAX_MEMORY_SIZE, too
    many fields or files) is answered by showing the same page again with a message saying so,
    instead of Django's bare "Bad Request" page; nothing of the request is kept or saved. NUL
    characters (which no text field can store and no person types) are dropped from query
    parameters, so a search for "%00" finds what the rest of it finds instead of failing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", "") or any("\x00" in v for v in request.GET.values()):
            query = request.META.get("QUERY_STRING", "").replace("%00", "")
            request.GET = QueryDict(query.replace("\x00", ""), encoding=request.encoding)
        if request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                request.POST  # noqa: B018 - parsed here, once; CSRF and the view reuse it
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                return self.refused(request)
        return self.get_response(request)

    @staticmethod
    def refused(request: HttpRequest) -> HttpResponse:
        storage = default_storage(request)
        storage.add(
            messages.ERROR,
            _(
                "What you sent is too large to receive (at most %(size)s MB of text besides the files); nothing "
                "was saved. Shorten the description or put long texts in an attached file."
            )
            % {"size": round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024, 1)},
        )
        response = HttpResponseRedirect(request.get_full_path())
        response.status_code = 303  # the browser fetches the page again with GET
        storage.update(response)
        return response
