"""Admin: the fishbone's cause categories (the 6M by default, names in Chinese and English)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from complaints import models


@admin.register(models.CauseCategory)
class CauseCategoryAdmin(SimpleHistoryAdmin):
    """Bones of the fishbone. New causes take active categories; retired ones keep their causes."""

    list_display = ["code", "name_zh", "name_en", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name_zh", "name_en"]
    fields = ["code", "name_zh", "name_en", "order", "active"]
