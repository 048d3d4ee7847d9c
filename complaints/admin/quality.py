"""Admin: the fishbone's cause categories (the 6M by default, names in Chinese and English)."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import get_translation_fields
from simple_history.admin import SimpleHistoryAdmin

from complaints import models


@admin.register(models.CauseCategory)
class CauseCategoryAdmin(TranslationAdmin, SimpleHistoryAdmin):
    """Bones of the fishbone. New causes take active categories; retired ones keep their causes."""

    list_display = ["code", *get_translation_fields("name"), "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["code", *get_translation_fields("name")]
    fields = ["code", "name", "order", "active"]
