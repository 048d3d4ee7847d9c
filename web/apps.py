from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The staff workspace: complaint page, worklists, case library, batch pages, dashboard."""

    name = "web"
    verbose_name = _("Staff workspace")
    default_auto_field = "django.db.models.BigAutoField"
