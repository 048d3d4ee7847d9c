"""The session row, with its signed-in user beside it (config.sessions)."""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionManager(BaseSessionManager):
    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().select_related("user")  # the store's one read


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
