"""The session row, with its signed-in user beside it (config.sessions)."""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from complaints.selectors.once import TOKEN_SQL


class SessionManager(BaseSessionManager):
    def get_queryset(self) -> models.QuerySet[Any]:
        rows = super().get_queryset().select_related("user")  # the store's one read
        if connection.vendor != "postgresql":
            return rows
        # The configuration's number in the same statement: the request's first configuration read
        # takes it (complaints.selectors.once.token_read_ahead) instead of asking for it again.
        return rows.annotate(config_token=RawSQL(TOKEN_SQL, ()))  # noqa: S611 (a constant statement, no input)


class Session(AbstractBaseSession):
    """Django's database session and the id of the user signed in with it: a request reads the
    session and its user in one query. Deleting a user ends their sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    objects: ClassVar[SessionManager] = SessionManager()  # type: ignore[assignment]

    class Meta:
        db_table = "redress_session"
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls) -> Any:
        from config.sessions import SessionStore

        return SessionStore
