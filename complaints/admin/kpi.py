"""KPI targets, the dashboard's audience, the review packs' schedule and recipients, and the pack archive."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.admin.complaint import ReadOnlyRows


@admin.register(models.KpiSettings)
class KpiSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "satisfaction_target_percent", "satisfied_from", "weekly_weekday", "pack_time"]
    filter_horizontal = ["dashboard_roles", "recipients"]
    fieldsets = [
        (_("Targets"), {"fields": ["satisfaction_target_percent", "satisfied_from", "recovery_emotion"]}),
        (_("Dashboard"), {"fields": ["dashboard_roles", "export_keep_days"]}),
        (
            _("Review packs"),
            {
                "fields": ["weekly_weekday", "pack_time", "recipients"],
                "description": _(
                    "The weekly review covers last week (Monday to Sunday), the monthly analysis last month; "
                    "each is made once, e-mailed to the recipients and kept in the archive."
                ),
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.KpiSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.ReviewPack)
class ReviewPackAdmin(admin.ModelAdmin):
    """The archive as a record: packs are made by beat or the command, never edited."""

    list_display = ["period", "kind", "generated_at", "sent_at", "sent_to"]
    list_filter = ["kind"]
    fields = ("kind", "period", "starts", "ends", "language", "generated_at", "sent_at", "sent_to")
    readonly_fields = ("kind", "period", "starts", "ends", "language", "generated_at", "sent_at", "sent_to")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyRows, SimpleHistoryAdmin):
    """The decisions of the reviews, to look up and audit. They are recorded on the pack's page and
    reported done by their owner (both start or stop the decision's clock), so they are not edited
    here."""

    list_display = ["description", "pack", "owner", "due_date", "status", "done_at"]
    list_filter = ["status", "pack__kind"]
    search_fields = ["description", "owner__username", "evidence"]
    date_hierarchy = "due_date"
    fields = (
        "pack",
        "description",
        "owner",
        "due_date",
        "complaints",
        "category",
        "status",
        "evidence",
        "done_at",
        "done_by",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
