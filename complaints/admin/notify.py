"""Admin: notify lists and message templates."""

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.admin.complaint import ReadOnlyRows
from complaints.models.notify import PLACEHOLDERS
from complaints.selectors.common import process_settings
from complaints.selectors.privacy import contact_policy, may_see_contact, shield_rows
from complaints.services.privacy import access_record, list_seen


@admin.register(models.NotificationRecipient)
class NotificationRecipientAdmin(SimpleHistoryAdmin):
    list_display = ["event", "kind", "role", "department_scope", "department", "user"]
    list_filter = ["event", "kind"]
    list_select_related = ["role", "department", "user"]
    autocomplete_fields = ["department", "user"]
    fieldsets = [
        (
            None,
            {
                "fields": ["event", "kind", "role", "department_scope", "department", "user"],
                "description": _("Who is told when the event happens. Takes effect for the next notification."),
            },
        )
    ]


@admin.register(models.NotificationTemplate)
class NotificationTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["event", "language", "subject"]
    list_filter = ["event", "language"]
    fieldsets = [
        (
            None,
            {
                "fields": ["event", "language", "subject", "body"],
                "description": format_lazy(
                    _("Placeholders: {names}. Takes effect for the next notification."),
                    names=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                ),
            },
        )
    ]


@admin.register(models.NotificationChannel)
class NotificationChannelAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "url", "active"]
    list_filter = ["kind", "active"]
    fieldsets = [
        (
            None,
            {
                "fields": ["code", "name", "kind", "active"],
                "description": _(
                    "E-mail goes through the server's mail backend. An SMS or IM gateway is a webhook: it "
                    "receives each message as a signed JSON POST. Takes effect for the next notification."
                ),
            },
        ),
        (_("Webhook"), {"fields": ["url", "secret", "timeout_seconds"]}),
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"  # a URL typed without its scheme is read as https
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(models.NotificationPreference)
class NotificationPreferenceAdmin(SimpleHistoryAdmin):
    list_display = ["user", "quiet_start", "quiet_end", "time_zone", "gateway_address"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["channels"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fieldsets = [
        (None, {"fields": ["user", "channels", "gateway_address"]}),
        (
            _("Quiet hours"),
            {
                "fields": ["quiet_start", "quiet_end", "time_zone"],
                "description": _(
                    "Deadline warnings and follow-up reminders created in the quiet hours wait until they "
                    "end. Alerts, breaches and anything about a P0 complaint never wait."
                ),
            },
        ),
    ]


class NotificationStatusFilter(admin.SimpleListFilter):
    """Where each message is: sent, waiting to go, failing (attempts left) or failed for good."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("sent", _("Sent")),
            ("waiting", _("Waiting to go")),
            ("failing", _("Failed, will be tried again")),
            ("failed", _("Failed, no attempts left")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        limit = process_settings().notification_max_attempts
        unsent = queryset.filter(sent_at__isnull=True)
        match self.value():
            case "sent":
                return queryset.filter(sent_at__isnull=False)
            case "waiting":
                return unsent.filter(error="", attempts__lt=limit)
            case "failing":
                return unsent.exclude(error="").filter(attempts__lt=limit)
            case "failed":
                return unsent.filter(Q(attempts__gte=limit) | Q(address=""))
        return queryset


def _shielded(row: models.Notification, *, full: bool) -> models.Notification:
    """A message with the customer's details and any phone number or e-mail address in its address,
    subject and body masked, unless the reader sees its complaint in full."""
    if full or row.complaint is None:
        return row
    (shown,) = shield_rows([row], fields=("address", "subject", "body"), complaint=row.complaint, full=False)
    return shown


@admin.register(models.Notification)
class NotificationAdmin(ReadOnlyRows, admin.ModelAdmin):
    """The messages sent and to send, read only: an admin sees which failed and why."""

    list_display = ["created_at", "event", "complaint", "address", "subject", "status", "attempts", "error"]
    list_filter = [NotificationStatusFilter, "event", "channel"]
    list_select_related = ["complaint", "complaint__level", "channel"]
    search_fields = ["address", "subject", "complaint__reference"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """Whoever owns the configuration (the channels, the templates) sees every message and its
        failures; any other staff member only the messages of the complaints they may see in the
        workspace and their own (issue 19: the admin's lists apply the workspace's scope)."""
        from complaints.admin.tools import CONFIG_PERMISSION
        from complaints.selectors.common import complaints_visible_to

        queryset = super().get_queryset(request)
        if request.user.has_perm(CONFIG_PERMISSION):
            return queryset
        return queryset.filter(
            Q(complaint__in=complaints_visible_to(request.user).values("pk"))
            | Q(complaint__isnull=True, recipient=request.user)
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        """Address and subject as this reader may see them: masked for the complaints whose
        customer they see masked (the privacy policy, asked once per list)."""
        policy = contact_policy(request.user)

        def shown(obj: models.Notification) -> models.Notification:
            return _shielded(obj, full=obj.complaint is None or policy.sees(obj.complaint))

        @admin.display(description=_("address"), ordering="address")
        def address(obj: models.Notification) -> str:
            return shown(obj).address

        @admin.display(description=_("subject"), ordering="subject")
        def subject(obj: models.Notification) -> str:
            return shown(obj).subject

        columns: dict[str, Any] = {"address": address, "subject": subject}
        return [columns.get(name, name) if isinstance(name, str) else name for name in self.list_display]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The list page, logged once per view like the complaint list: the complaints whose
        messages it showed in full and the search term (a phone number or an address typed in)."""
        changelist = super().get_changelist_instance(request)
        if request.method == "GET":
            list_seen(
                user=request.user,
                complaints=[row.complaint for row in changelist.result_list],
                where=str(_("Admin: messages")),
                search=changelist.query,
            )
        return changelist

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        """The message as this reader may see it (never saved from here); a message about a
        complaint read in full is logged as a view of that complaint."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None or obj.complaint is None:
            return obj
        full = may_see_contact(request.user, obj.complaint)
        if full and request.method == "GET":
            access_record(user=request.user, complaints=[obj.complaint], kind=models.AccessLog.Kind.VIEW)
        return _shielded(obj, full=full)

    @admin.display(description=_("status"))
    def status(self, obj: models.Notification) -> str:
        if obj.sent_at is not None:
            return str(_("Sent"))
        if obj.attempts >= process_settings().notification_max_attempts or not obj.address:
            return str(_("Failed, no attempts left"))
        return str(_("Failed, will be tried again") if obj.error else _("Waiting to go"))
