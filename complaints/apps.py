from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The user's chosen language goes into the session when they log in, so pages never read
        # it again (complaints.middleware.UserLanguageMiddleware).
        from django.contrib.auth.signals import user_logged_in

        from complaints.middleware import remember_language

        user_logged_in.connect(remember_language, dispatch_uid="redress-remember-language")
        # A login's new session counts as renewed (config.middleware.SessionRenewalMiddleware).
        from config.middleware import session_renewed_at_login

        user_logged_in.connect(session_renewed_at_login, dispatch_uid="redress-session-renewed")

        from complaints.services.urgency import connect

        connect()  # each open task's governing deadline follows the task (the lists sort by it)
