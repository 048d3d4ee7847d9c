"""The session store: Django's database sessions, written only when something in them changed, and
read with their signed-in user in one query.

viewflow keeps the last list a user looked at in the session (`vf-pin-location`) on every list
page, which marks the session modified and writes its row even when the value is the same; with
the idle renewal (config.middleware.SessionRenewalMiddleware) a page that changes nothing in the
session writes nothing.

Every signed-in request reads its session, then its user (Django's authentication middleware asks
the backend that signed them in). The session row keeps the user's id (config.models.Session), so
the session is read joined with its user; the backend's `get_user` takes that user object
(complaints.auth.ModelBackend) instead of reading the row again. The same checks follow: an
inactive user is nobody, and Django compares the session's hash with the user's password. The
configuration's number comes with the same statement (complaints.selectors.once.token_read_ahead):
one round trip for both on every signed-in request."""

from contextvars import ContextVar
from typing import Any

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints.selectors.once import token_read_ahead
from complaints.selectors.together import read_prepared

# The user read with this request's session: (their id, the user object). Set on each load.
_READ_WITH_SESSION: ContextVar[tuple[Any, Any] | None] = ContextVar("redress_session_user", default=None)


def user_read_with_session(user_id: Any) -> Any:
    """The user object read with the request's session when it is this id's, once; else None."""
    found = _READ_WITH_SESSION.get()
    if found is None or str(found[0]) != str(user_id):
        return None
    _READ_WITH_SESSION.set(None)
    return found[1]


class SessionStore(DatabaseSessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        _READ_WITH_SESSION.set(None)  # a new request's store: nothing read yet
        token_read_ahead(None)  # nor the configuration's number (a session read late in an earlier request)

    @classmethod
    def get_model_class(cls) -> Any:
        from config.models import Session

        return Session

    def _get_session_from_db(self) -> Any:
        # Django's read (the session by its key, unexpired), with its user (config.models.
        # SessionManager), as a prepared statement: every request asks it alike.
        rows = self.model.objects.filter(session_key=self.session_key, expire_date__gt=timezone.now())
        row = next(iter(read_prepared(rows[:1])), None)
        if row is None:
            self._session_key = None
        _READ_WITH_SESSION.set((row.user_id, row.user) if row is not None and row.user_id is not None else None)
        token_read_ahead(getattr(row, "config_token", None))
        return row

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        row: Any = super().create_model_instance(data)
        try:
            row.user_id = get_user_model()._meta.pk.to_python(data.get(SESSION_KEY))  # type: ignore[union-attr]
        except ValidationError:
            row.user_id = None
        return row

    def __setitem__(self, key: str, value: Any) -> None:
        held = self._get_session()  # type: ignore[attr-defined]  # what __setitem__ itself reads (once per request)
        if key in held and held[key] == value:
            return
        super().__setitem__(key, value)
