"""Admin: notify lists and message templates."""

from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.models.notify import PLACEHOLDERS


@admin.register(models.NotificationRecipient)
class NotificationRecipientAdmin(SimpleHistoryAdmin):
    list_display = ["event", "kind", "role", "department_scope", "department", "user"]
    list_filter = ["event", "kind"]
    list_select_related = ["role", "department", "user"]
    autocomplete_fields = ["department", "user"]
    fieldsets = [
        (
            None,
            {
                "fields": ["event", "kind", "role", "department_scope", "department", "user"],
                "description": _("Who is told when the event happens. Takes effect for the next notification."),
            },
        )
    ]


@admin.register(models.NotificationTemplate)
class NotificationTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["event", "language", "subject"]
    list_filter = ["event", "language"]
    fieldsets = [
        (
            None,
            {
                "fields": ["event", "language", "subject", "body"],
                "description": format_lazy(
                    _("Placeholders: {names}. Takes effect for the next notification."),
                    names=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                ),
            },
        )
    ]
