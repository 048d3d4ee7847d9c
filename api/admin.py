"""API tokens in the admin: the token is shown once, on the page after it is created."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import ApiToken, WebhookAttempt, WebhookDelivery, WebhookSubscription, roles_refused
from api.outbound import delivery_redeliver, event_choices


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "owner", "departments", "roles", "default_category"]
        fields += ["rate_per_minute", "active", "expires_at"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        owner, roles = cleaned.get("owner"), cleaned.get("roles")
        if owner is not None and roles:
            error = roles_refused(owner, roles)
            if error:
                self.add_error("roles", error)
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "hint", "active", "expires_at", "last_used_at", "rate_per_minute"]
    list_filter = ["active"]
    search_fields = ["name", "owner__username", "hint"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["departments", "roles"]
    readonly_fields = ["hint", "created_at", "last_used_at"]
    fields = [
        "name",
        "owner",
        "departments",
        "roles",
        "default_category",
        "rate_per_minute",
        "active",
        "expires_at",
        "hint",
        "created_at",
        "last_used_at",
    ]

    form = ApiTokenForm

    def save_model(self, request: Any, obj: ApiToken, form: Any, change: bool) -> None:
        raw = None if change else obj.set_token()
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(
                request,
                _("The new token is %(token)s — copy it now: it is stored hashed and will not be shown again.")
                % {"token": raw},
            )


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("events"), choices=event_choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "name",
            "url",
            "events",
            "secret",
            "active",
            "timeout_seconds",
            "max_attempts",
            "disable_after_failures",
        ]


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("at", "status_code", "error", "duration_ms")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "active", "failures_in_a_row", "disabled_reason"]
    list_filter = ["active"]
    readonly_fields = ["failures_in_a_row", "disabled_reason", "created_at"]

    def save_model(self, request: Any, obj: WebhookSubscription, form: Any, change: bool) -> None:
        if obj.active:
            # Switching it back on starts the failure count afresh.
            obj.failures_in_a_row = 0
            obj.disabled_reason = ""
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "subscription", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "subscription", "event_type"]
    readonly_fields = [
        "subscription",
        "event",
        "event_type",
        "message_id",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    ]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    @admin.action(description=gettext_lazy("Deliver again (same message id)"))
    def redeliver(self, request: Any, queryset: Any) -> None:
        for delivery in queryset:
            delivery_redeliver(delivery=delivery)
        messages.success(request, _("%(count)s deliveries will be sent again.") % {"count": queryset.count()})
