"""The session store: Django's database sessions, written only when something in them changed.

viewflow keeps the last list a user looked at in the session (`vf-pin-location`) on every list
page, which marks the session modified and writes its row even when the value is the same; with
the idle renewal (config.middleware.SessionRenewalMiddleware) a page that changes nothing in the
session writes nothing."""

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def __setitem__(self, key: str, value: Any) -> None:
        held = self._get_session()  # type: ignore[attr-defined]  # what __setitem__ itself reads (once per request)
        if key in held and held[key] == value:
            return
        super().__setitem__(key, value)
