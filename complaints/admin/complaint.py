"""Admin: complaints, read only (they change through the process, not here)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from complaints import models


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields  # timestamps are not editable: a form field for them would be an error


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
