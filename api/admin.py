"""API tokens in the admin: the token is shown once, on the page after it is created."""

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "hint", "active", "expires_at", "last_used_at", "rate_per_minute"]
    list_filter = ["active"]
    search_fields = ["name", "owner__username", "hint"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["departments"]
    readonly_fields = ["hint", "created_at", "last_used_at"]
    fields = [
        "name",
        "owner",
        "departments",
        "default_category",
        "rate_per_minute",
        "active",
        "expires_at",
        "hint",
        "created_at",
        "last_used_at",
    ]

    def save_model(self, request: Any, obj: ApiToken, form: Any, change: bool) -> None:
        raw = None if change else obj.set_token()
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(
                request,
                _("The new token is %(token)s — copy it now: it is stored hashed and will not be shown again.")
                % {"token": raw},
            )
