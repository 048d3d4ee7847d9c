"""Admin: complaints, read only (they change through the process, not here)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import admin as viewflow_admin
from viewflow.workflow.fields import get_flow_ref
from viewflow.workflow.models import Process, Task

from complaints import models
from complaints.downloads import export_response
from complaints.selectors.common import visible_only
from complaints.selectors.intake_forms import FilterInvalid, categories_by_id, complaints_with_answers
from complaints.selectors.privacy import MASKED_FLAG, contact_policy, may_see_contact, shield, shield_rows
from complaints.selectors.worklist import as_own_processes, attach_config
from complaints.services.exports import ExportRefused, records_export_request
from complaints.services.privacy import (
    PrivacyRefused,
    access_record,
    complaint_legal_hold,
    list_seen,
)


class ReadOnlyInline(admin.TabularInline):
    """A read-only table of rows under a record. Under a complaint the reader sees masked (the
    record's page got the masked copy, ComplaintAdmin.get_object), its rows come masked too: the
    customer's details and any phone number or e-mail address in their texts (selectors.privacy)."""

    extra = 0
    can_delete = False

    def shielded(self, request: HttpRequest, obj: Any) -> Callable[[list[Any]], list[Any]] | None:
        """How this reader sees the rows under `obj` (None: as stored)."""
        if obj is None or not getattr(obj, MASKED_FLAG, False):
            return None
        fields = tuple(str(name) for name in self.fields or ())
        return lambda rows: shield_rows(rows, fields=fields, complaint=obj, full=False)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        shielded = self.shielded(request, obj)
        if shielded is None:
            return formset
        mask: Callable[[list[Any]], list[Any]] = shielded

        class Shielded(formset):  # type: ignore[valid-type,misc]
            _shown: list[Any] | None = None

            def get_queryset(self) -> Any:
                if self._shown is None:
                    self._shown = mask(list(super().get_queryset()))
                return self._shown

        return Shielded

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields  # timestamps are not editable: a form field for them would be an error


class EventInline(ReadOnlyInline):
    model = models.ComplaintEvent
    fields = ["at", "kind", "actor", "old", "new", "note"]


class AnswerInline(ReadOnlyInline):
    model = models.Answer
    fields = ["key", "field", "text"]
    verbose_name_plural = _("form answers (as stored; the complaint page shows them labelled)")


class EscalationInline(ReadOnlyInline):
    model = models.Escalation
    fields = ["at", "direction", "from_level", "to_level", "reason", "trigger", "actor", "note"]


class NotificationInline(ReadOnlyInline):
    model = models.Notification
    fields = [
        "event",
        "recipient",
        "channel",
        "address",
        "created_at",
        "due_by",
        "deliver_after",
        "sent_at",
        "attempts",
        "error",
    ]


class AttachmentInline(ReadOnlyInline):
    model = models.Attachment
    fields = ["name", "content_type", "size", "uploaded_by", "uploaded_at"]


class ActionInline(ReadOnlyInline):
    model = models.CorrectiveAction
    fields = ["kind", "area", "description", "department", "owner", "due_date", "status", "cost"]


class ComplaintActionForm(ActionForm):
    """The action bar of the complaint list, with the reason a legal hold needs."""

    reason = forms.CharField(
        label=_("Reason (legal hold)"),
        required=False,
        max_length=2000,
        help_text=_("Why the selected complaints are put on or released from legal hold; it goes on their timeline."),
    )


class TableEstimatePaginator(Paginator):
    """An admin list of a large table, paged: counted exactly when a filter or a search narrows it,
    and, when it shows the whole table and that holds at least ESTIMATE_FROM rows, numbered from
    PostgreSQL's own estimate of the table's rows (kept by ANALYZE and autovacuum; within a few
    per cent): at 1,000,000 complaints the count took 34 ms on the complaint list, 47 ms on the
    process list and 250 ms on the task list (6,000,000 rows), each time the page was shown. A page
    past the table's true end shows empty."""

    ESTIMATE_FROM = 100_000  # mechanics of the count, not a policy

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list  # the changelist's queryset
        query = getattr(rows, "query", None)
        if query is not None and not query.where:
            estimate = table_estimate(rows.model, rows.db)
            if estimate is not None and estimate >= self.ESTIMATE_FROM:
                return estimate
        return super().count


def table_estimate(model: Any, using: str) -> int | None:
    """PostgreSQL's estimate of the rows in a model's table (-1 before its first ANALYZE), or None
    on another database."""
    if connections[using].vendor != "postgresql":
        return None
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [model._meta.db_table])
        found = cursor.fetchone()
    return int(found[0]) if found is not None else None


class CategoryListFilter(admin.RelatedFieldListFilter):
    """The categories as "parent / child" from one read of them (categories_by_id links each to its
    parent): Django's filter named each choice with str(), a query per parent."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        rows = sorted(categories_by_id().values(), key=lambda c: str(c))
        return [(str(c.pk), str(c)) for c in rows]


@admin.register(models.Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Complaints are changed through the process, not here: the admin reads them."""

    action_form = ComplaintActionForm

    list_display = ["reference", "customer_name", "category", "stage", "priority", "level", "department", "created"]
    # Priority, level and category come from the configuration's copy (get_changelist_instance).
    list_select_related = ["department"]
    # A filter by date rather than a date hierarchy: the hierarchy lists the years (and a year's
    # months) present among every complaint, reading them all (a second at 1,000,000 complaints).
    list_filter = [
        "stage",
        "outcome",
        "priority",
        "level",
        "department",
        "channel",
        ("category", CategoryListFilter),
        ("created", admin.DateFieldListFilter),
    ]
    show_full_result_count = False  # one count of the filtered list, not a second of them all
    paginator = TableEstimatePaginator
    # No "show counts" (facets): a count per filter choice over every complaint (96 queries, 3.5 s
    # at 1,000,000); the dashboard gives those figures from its kept summaries.
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["reference", "customer_name", "customer_phone", "plate_or_vin", "order_number"]
    search_help_text = _(
        "Reference, customer, phone, plate/VIN or order number; or a form answer: key=value, key>number, "
        "key<YYYY-MM-DD (e.g. service_type=roadside waited_min>60). Terms combine."
    )
    inlines = [AnswerInline, AttachmentInline, ActionInline, EscalationInline, NotificationInline, EventInline]
    actions = ["export_csv", "legal_hold_set", "legal_hold_release"]

    def get_list_display(self, request: HttpRequest) -> Any:
        """The customer column as this reader may see it (the privacy policy, asked once per list)."""
        policy = contact_policy(request.user)

        @admin.display(description=_("customer name"), ordering="customer_name")
        def customer(obj: models.Complaint) -> str:
            return shield(obj, full=policy.sees(obj)).customer_name

        return [customer if name == "customer_name" else name for name in self.list_display]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The list page, logged once per view: the customers it shows in full and the search term."""
        changelist = super().get_changelist_instance(request)
        attach_config(changelist.result_list)  # reads the page's rows (the page's one query)
        if request.method == "GET":
            list_seen(
                user=request.user,
                complaints=changelist.result_list,
                where=str(_("Admin: complaints")),
                search=changelist.query,
            )
        return changelist

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        """The record as this reader may see it: masked unless the privacy policy shows it in full
        (the admin never saves a complaint)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            return None
        full = may_see_contact(request.user, obj)
        if full:
            access_record(user=request.user, complaints=[obj], kind=models.AccessLog.Kind.VIEW)
        return shield(obj, full=full)

    @admin.action(description=_("Put the selected complaints on legal hold (retention and erasure skip them)"))
    def legal_hold_set(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._legal_hold(request, queryset, on=True)

    @admin.action(description=_("Release the legal hold of the selected complaints"))
    def legal_hold_release(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._legal_hold(request, queryset, on=False)

    def _legal_hold(self, request: HttpRequest, queryset: QuerySet[Any], *, on: bool) -> None:
        """Sets or releases the hold with the reason typed next to the action (an event of each
        complaint's timeline)."""
        reason = request.POST.get("reason", "")
        try:
            count = complaint_legal_hold(complaints=queryset, actor=request.user, on=on, reason=reason)
        except PrivacyRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        done = _("%(count)d complaints on legal hold.") if on else _("%(count)d complaints released.")
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The complaints this staff member may see in the workspace, and no others: the list, the
        search, the CSV export and each record's page."""
        return visible_only(super().get_queryset(request), request.user)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        """Answer terms filter on the category forms' answers; the rest is the ordinary search."""
        try:
            queryset, plain = complaints_with_answers(queryset, text=search_term)
        except FilterInvalid as error:
            messages.error(request, str(error))
            return queryset.none(), False
        # The answer filters de-duplicate their own join (complaints_with_answer); the admin's own
        # DISTINCT over every complaint's columns cost 4.6 s twice at 1,000,000 complaints.
        return super().get_search_results(request, queryset, " ".join(plain))

    @admin.action(description=_("Export the selected complaints as CSV (with form answers)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        """A worker makes the file (a selection of every complaint outlives a request); personal
        data only for holders of the export permission (logged), masked for everyone else."""
        try:
            export, new = records_export_request(user=request.user, queryset=queryset)
        except ExportRefused as refusal:
            self.message_user(request, str(refusal.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        if new:
            text = _("The export of %(description)s is being made: it will be listed here, and you will be notified.")
        else:
            text = _("The export of %(description)s is already being made.")
        self.message_user(request, text % {"description": export.description}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:complaints_complaintexport_changelist"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AdministratorsOnly:
    """viewflow's process and task tables hold every complaint's steps, of every scope: only
    administrators (superusers) see them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class FlowFilter(admin.SimpleListFilter):
    """The processes of one flow, the flows named from the code (flows.flows.FLOWS): viewflow's own
    filter listed the flows present with a DISTINCT over every process (and the tasks' filter over
    every task joined to its process: seconds at 1,000,000 complaints)."""

    title = _("flow")
    parameter_name = "flow_class"
    field = "flow_class"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        from flows.flows import FLOWS

        return [(get_flow_ref(flow_class), flow_class.process_title) for flow_class in FLOWS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class TaskFlowFilter(FlowFilter):
    """The tasks of one flow's processes."""

    field = "process__flow_class"


# viewflow's process and task lists at size: a filter by date instead of the date hierarchy (which
# lists the years and months present among every row), the flows from the code, one count, no facets.
BY_DATE = ("created", admin.DateFieldListFilter)


class ProcessAdmin(AdministratorsOnly, viewflow_admin.ProcessAdmin):  # type: ignore[misc]
    date_hierarchy = None
    list_filter = ["status", FlowFilter, BY_DATE]
    show_full_result_count = False
    paginator = TableEstimatePaginator
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description=_("Participants"))
    def participants(self, obj: Any) -> str:
        return str(super().participants(obj))

    @admin.display(description=_("Summary"))
    def brief(self, obj: Any) -> Any:
        return obj.brief

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The page's processes as their flows' own, read a flow at a time (as_own_processes):
        viewflow's summary column read each row's again (122 queries for a page of 100)."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        own = as_own_processes(rows)
        for row, mine in zip(rows, own, strict=True):
            if mine is not row and hasattr(row, "_participant_tasks"):  # viewflow's prefetch, per page
                mine._participant_tasks = row._participant_tasks
        changelist.result_list = own
        return changelist


class TaskAdmin(AdministratorsOnly, viewflow_admin.TaskAdmin):  # type: ignore[misc]
    date_hierarchy = None
    list_filter = ["status", TaskFlowFilter, BY_DATE]
    list_select_related = ["process", "owner"]
    show_full_result_count = False
    paginator = TableEstimatePaginator
    show_facets = admin.ShowFacets.NEVER


for _model, _admin in ((Process, ProcessAdmin), (Task, TaskAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)


class ReadOnlyRows:
    """Rows the product writes (a log, a record, a worker's file): the admin shows them and never
    adds, changes or deletes one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.PendingUpload)
class PendingUploadAdmin(ReadOnlyRows, AdministratorsOnly, admin.ModelAdmin):
    """Files kept for intake forms that came back with an error (services.pending), for an
    administrator to see what is held and for whom: read only. They become attachments when the
    form is saved and the daily cleanup removes the rest after the admin's time (Process settings);
    the files themselves are not linked (a customer's file before any complaint holds it)."""

    list_display = ["name", "owner", "content_type", "size", "created_at"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner"]
    fields = ["name", "owner", "draft", "question", "content_type", "size", "created_at"]
    readonly_fields = ["name", "owner", "draft", "question", "content_type", "size", "created_at"]


@admin.register(models.ComplaintExport)
class ComplaintExportAdmin(ReadOnlyRows, admin.ModelAdmin):
    """A staff member's own exports of complaints (the complaint list's action), made by a worker:
    their state, and the file to download once made. Nobody sees anyone else's."""

    list_display = ["created_at", "description", "status_shown", "rows", "size_shown", "download"]
    list_display_links = None  # nothing to read on a record's page that the list does not show
    list_filter = ["status"]
    ordering = ["-created_at", "-pk"]
    exclude = ["ids", "file", "query"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        mine = super().get_queryset(request).filter(requested_by_id=request.user.pk)
        return mine.filter(kind=models.ComplaintExport.Kind.RECORDS).defer("ids")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) and (obj is None or obj.requested_by_id == request.user.pk)

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: models.ComplaintExport) -> str:
        return f"{obj.get_status_display()}: {obj.error}" if obj.error else str(obj.get_status_display())

    @admin.display(description=_("Size"), ordering="size")
    def size_shown(self, obj: models.ComplaintExport) -> str:
        return filesizeformat(obj.size) if obj.size else ""

    @admin.display(description=_("Download"))
    def download(self, obj: models.ComplaintExport) -> str:
        if obj.status != models.ComplaintExport.Status.DONE:
            return ""
        url = reverse("admin:complaints_complaintexport_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.download_view)
        return [path("<int:pk>/download/", view, name="complaints_complaintexport_download"), *super().get_urls()]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """The asker's own finished export (anyone else's: not found)."""
        return export_response(self.get_queryset(request).filter(pk=pk).first())
