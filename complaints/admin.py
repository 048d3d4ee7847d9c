"""The configuration product: everything an admin sets without code."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from complaints import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(models.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "head", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent", "head"]
    inlines = [MembershipInline]


@admin.register(models.Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "can_register"]
    search_fields = ["name", "code"]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "department"]
    list_filter = ["role", "department"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "department__name"]
    autocomplete_fields = ["user", "department"]


@admin.register(models.StageRoute)
class StageRouteAdmin(admin.ModelAdmin):
    list_display = ["stage", "role", "department"]
    autocomplete_fields = ["department"]


@admin.register(models.Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "rank", "colour", "first_response_minutes", "resolution_hours"]


@admin.register(models.EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = ["rank", "name", "role", "authority_amount"]


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "active"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(models.ProcessSettings)
class ProcessSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "default_priority", "risk_priority", "follow_up_delay_hours", "attachment_max_mb"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.ProcessSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = models.ComplaintEvent
    fields = ["at", "kind", "actor", "old", "new", "note"]


class AttachmentInline(ReadOnlyInline):
    model = models.Attachment
    fields = ["name", "content_type", "size", "uploaded_by", "uploaded_at"]


@admin.register(models.Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Complaints are changed through the process, not here: the admin reads them."""

    list_display = ["reference", "customer_name", "category", "stage", "priority", "level", "department", "created"]
    list_filter = ["stage", "outcome", "priority", "level", "department", "channel"]
    search_fields = ["reference", "customer_name", "customer_phone", "plate_or_vin", "order_number"]
    date_hierarchy = "created"
    inlines = [AttachmentInline, EventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.site_header = _("Redress administration")
admin.site.site_title = _("Redress")
