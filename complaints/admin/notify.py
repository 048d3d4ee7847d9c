"""Admin: notify lists and message templates."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
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


@admin.register(models.NotificationChannel)
class NotificationChannelAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "url", "active"]
    list_filter = ["kind", "active"]
    fieldsets = [
        (
            None,
            {
                "fields": ["code", "name", "kind", "active"],
                "description": _(
                    "E-mail goes through the server's mail backend. An SMS or IM gateway is a webhook: it "
                    "receives each message as a signed JSON POST. Takes effect for the next notification."
                ),
            },
        ),
        (_("Webhook"), {"fields": ["url", "secret", "timeout_seconds"]}),
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"  # a URL typed without its scheme is read as https
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(models.NotificationPreference)
class NotificationPreferenceAdmin(SimpleHistoryAdmin):
    list_display = ["user", "quiet_start", "quiet_end", "time_zone", "gateway_address"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["channels"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fieldsets = [
        (None, {"fields": ["user", "channels", "gateway_address"]}),
        (
            _("Quiet hours"),
            {
                "fields": ["quiet_start", "quiet_end", "time_zone"],
                "description": _(
                    "Deadline warnings and follow-up reminders created in the quiet hours wait until they "
                    "end. Alerts, breaches and anything about a P0 complaint never wait."
                ),
            },
        ),
    ]
