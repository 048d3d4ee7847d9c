"""The numbers every staff page shows in its menu and header (the inbox, queue and breached badges,
the bell's unread notices), kept for a short while per user instead of counted on every page; and
whether the user sees few complaints (web.process_pages.sees_few_kept: which form the complaint
lists take for them, not who sees what: either form finds the same rows).

Each is computed once and kept in Django's cache (settings.CACHES: one Redis shared by every
process in production, REDRESS_CACHE_URL; this process's memory otherwise) for
settings.REDRESS_MENU_COUNTS_SECONDS, under the user's id and a signature of what decides which
rows they may count (superuser or not, the queues they hold): when their memberships change, the
next page counts afresh, so a badge never counts a queue the user no longer holds. A request that
changes something (any method but GET, HEAD, OPTIONS) drops the user's numbers after it ran, so
the page after a claim, a release or "mark all read" counts again; what others do (a task handed
to the user, a notice sent to them, a clock passing its due time) shows within the kept time. The
lists themselves are never kept: they are read on every request. Only numbers shown are kept
here, never an answer that decides access (viewflow guards an app's URLs with the same
has_view_permission its menu asks: such an answer must hold from the next request on).
"""

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

T = TypeVar("T")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
NAMES = ("menu", "unread", "scope")  # what is kept per user (the cache key's middle part)


def _key(name: str, user_pk: Any) -> str:
    return f"redress:{name}:{user_pk}"


def kept_for_user(request: Any, name: str, signature: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` for the request's user, or what it gave within REDRESS_MENU_COUNTS_SECONDS under
    the same `signature`; computed afresh during a request that changes something. Once per
    request either way."""
    memo = request.__dict__.setdefault("_redress_kept", {})
    if name in memo:
        return memo[name]  # type: ignore[no-any-return]
    seconds = settings.REDRESS_MENU_COUNTS_SECONDS
    user_pk = getattr(getattr(request, "user", None), "pk", None)
    if not seconds or user_pk is None or request.method not in SAFE_METHODS:
        memo[name] = compute()
        return memo[name]  # type: ignore[no-any-return]
    key = _key(name, user_pk)
    kept = cache.get(key)
    if kept is None or kept[0] != signature:
        kept = (signature, compute())
        cache.set(key, kept, seconds)
    memo[name] = kept[1]
    return memo[name]  # type: ignore[no-any-return]


def forget_user(user_pk: Any) -> None:
    """Drops what is kept for a user (their next page counts afresh)."""
    cache.delete_many([_key(name, user_pk) for name in NAMES])


class HeaderCountsMiddleware:
    """After a request that changes something, the user's kept numbers are dropped (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            user_pk = getattr(getattr(request, "user", None), "pk", None)
            if user_pk is not None:
                forget_user(user_pk)
        return response
