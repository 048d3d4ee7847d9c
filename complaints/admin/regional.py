"""Admin: regions within bounds. HQ sets, per varying number, whether regions may set their own
value and the bounds (regional bounds); a regional admin sets the values of their department
subtree (regional values) and sees no other region's. The numbers themselves stay on the levels,
their time limits and the process settings, which only HQ edits."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.selectors.regional import regional_scope
from complaints.services.regional import RegionalRefused, regional_value_delete, regional_value_set


class HqOnlyMixin:
    """HQ's own numbers (levels, their limits, process settings, bounds): a regional admin may look,
    not change; their values go into regional values within HQ's bounds."""

    def _is_hq(self, request: HttpRequest) -> bool:
        return regional_scope(request.user) is None

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._is_hq(request) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_hq(request) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_hq(request) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class RegionalValueInline(admin.TabularInline):
    model = models.RegionalValue
    extra = 0
    fields = ["department", "value", "calendar"]
    readonly_fields = ["department", "value", "calendar"]
    can_delete = False
    verbose_name_plural = _("values the regions have set (edit them under regional values)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.RegionalBound)
class RegionalBoundAdmin(HqOnlyMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "may_override", "minimum", "maximum"]
    list_filter = ["setting", "may_override"]
    list_select_related = ["level", "priority"]
    fields = ["setting", "level", "priority", "may_override", "minimum", "maximum"]
    inlines = [RegionalValueInline]


class RegionalValueForm(ModelForm):
    class Meta:
        model = models.RegionalValue
        fields = ["bound", "department", "value", "calendar"]

    def clean(self) -> dict[str, Any]:
        """Checks the value against HQ's bounds as they are now, locked until the save (the admin's
        page runs in one transaction): a value saved while HQ narrows the bounds meets the new ones."""
        data = super().clean() or {}
        bound = data.get("bound")
        if bound is not None:
            data["bound"] = models.RegionalBound.objects.select_for_update().get(pk=bound.pk)
        return data


@admin.register(models.RegionalValue)
class RegionalValueAdmin(SimpleHistoryAdmin):
    form = RegionalValueForm
    list_display = ["department", "bound", "value", "calendar", "bounds"]
    list_filter = ["bound__setting"]
    list_select_related = ["department", "bound__level", "bound__priority", "calendar"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.RegionalValue]:
        """Only the values of the admin's own departments and those below (HQ: all)."""
        queryset = super().get_queryset(request)
        scope = regional_scope(request.user)
        return queryset if scope is None else queryset.filter(department_id__in=scope)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scope = regional_scope(request.user)
        if db_field.name == "department" and scope is not None:
            kwargs["queryset"] = models.Department.objects.filter(pk__in=scope)
        if db_field.name == "bound":
            kwargs["queryset"] = models.RegionalBound.objects.filter(may_override=True).select_related(
                "level", "priority"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = regional_scope(request.user)
        in_scope = obj is None or scope is None or obj.department_id in scope
        return in_scope and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = regional_scope(request.user)
        in_scope = obj is None or scope is None or obj.department_id in scope
        return in_scope and super().has_delete_permission(request, obj)

    @admin.display(description=_("HQ's bounds"))
    def bounds(self, obj: models.RegionalValue) -> str:
        low = "—" if obj.bound.minimum is None else obj.bound.minimum
        high = "—" if obj.bound.maximum is None else obj.bound.maximum
        return f"{low} … {high}"

    def save_model(self, request: HttpRequest, obj: models.RegionalValue, form: Any, change: bool) -> None:
        """Through the service, which checks the department scope and HQ's bounds again under a lock."""
        try:
            saved = regional_value_set(
                actor=request.user,
                bound=obj.bound,
                department=obj.department,
                value=obj.value,
                calendar=obj.calendar,
                instance=obj,
            )
        except RegionalRefused as refusal:
            raise ValidationError(refusal.message) from None
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: models.RegionalValue) -> None:
        regional_value_delete(actor=request.user, row=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[models.RegionalValue]) -> None:
        for row in queryset:
            regional_value_delete(actor=request.user, row=row)
