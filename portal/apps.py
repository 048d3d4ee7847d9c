from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The customer's pages: public form, tracking link, confirmation, survey, appeal."""

    name = "portal"
    verbose_name = _("Customer portal")
    default_auto_field = "django.db.models.BigAutoField"
