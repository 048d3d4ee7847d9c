"""Admin: the organisation (departments as a tree, roles, who holds them where)."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import get_translation_fields
from simple_history.admin import SimpleHistoryAdmin

from complaints import models

MAX_DEPTH = 50  # a guard against a cycle written past validation, far beyond any real organisation


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 1
    autocomplete_fields = ["user"]
    verbose_name = _("member")
    verbose_name_plural = _("members (who holds which role here; queues and data scope follow this at once)")


class RoleHolderInline(admin.TabularInline):
    model = models.Membership
    extra = 1
    autocomplete_fields = ["user", "department"]
    verbose_name = _("holder")
    verbose_name_plural = _("holders (who holds this role in which department)")


@admin.register(models.Department)
class DepartmentAdmin(TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["tree_name", "code", "kind", "head", "member_count", "active"]
    list_filter = ["kind", "active", "parent"]
    search_fields = [*get_translation_fields("name"), "code"]
    autocomplete_fields = ["parent", "head"]
    inlines = [MembershipInline]

    # Ancestors joined in the list query, so the tree column costs no query per row (deeper trees
    # fall back to one query per extra level).
    TREE_JOIN = "parent__parent__parent__parent"

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.Department]:
        queryset = super().get_queryset(request).select_related("head", self.TREE_JOIN)
        return queryset.annotate(members=Count("memberships"))

    @admin.display(description=_("department (position in the tree)"))
    def tree_name(self, obj: models.Department) -> str:
        chain: list[str] = []
        node: models.Department | None = obj
        while node is not None and len(chain) < MAX_DEPTH:
            chain.insert(0, node.name)
            node = node.parent
        return format_html('<span style="padding-left:{}em">{}</span>', 1.5 * (len(chain) - 1), " / ".join(chain))

    @admin.display(description=_("members"), ordering="members")
    def member_count(self, obj: Any) -> int:
        return int(obj.members)


@admin.register(models.Role)
class RoleAdmin(TranslationAdmin, SimpleHistoryAdmin):
    list_display = ["name", "code", "can_register", "holder_count"]
    search_fields = [*get_translation_fields("name"), "code"]
    inlines = [RoleHolderInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.Role]:
        return super().get_queryset(request).annotate(holders=Count("memberships"))

    @admin.display(description=_("holders"), ordering="holders")
    def holder_count(self, obj: Any) -> int:
        return int(obj.holders)


@admin.register(models.Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "department"]
    list_filter = ["role", "department"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    search_fields += [f"department__{name}" for name in get_translation_fields("name")]
    autocomplete_fields = ["user", "department"]
    list_select_related = ["user", "role", "department"]
