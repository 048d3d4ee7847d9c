"""The customer portal's settings (one row) and the customers' links (read-only; revoke only)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from complaints import models


@admin.register(models.PortalSettings)
class PortalSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "receiving_department", "filings_per_address", "filings_per_phone", "link_valid_days"]
    fieldsets = [
        (None, {"fields": ["receiving_department", "customer_channel", "link_valid_days"]}),
        (
            _("Abuse limits of the public form"),
            {"fields": ["filings_per_address", "filings_per_phone", "filing_window_minutes"]},
        ),
        (
            _("Appeals to the customer-experience office"),
            {
                "fields": [
                    "appeal_department",
                    "appeal_role",
                    "appeal_window_days",
                    "appeal_decision_hours",
                    "appeal_warning_percent",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.PortalSettings.objects.exists()


@admin.register(models.CustomerLink)
class CustomerLinkAdmin(admin.ModelAdmin):
    list_display = ["complaint", "created_at", "expires_at", "opened_at", "revoked_at"]
    list_select_related = ["complaint"]
    search_fields = ["complaint__reference"]
    readonly_fields = ["complaint", "created_at", "created_by", "expires_at", "opened_at", "revoked_at"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected links"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[models.CustomerLink]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d link revoked.", "%(count)d links revoked.", count) % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
