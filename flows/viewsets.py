"""viewflow's frontend, adjusted: one query per page instead of one per row, and lists limited
to the complaints the user may see."""

from typing import Any
from urllib.parse import urlencode

import django_filters
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.utils import viewprop
from viewflow.workflow.flow import FlowViewset, WorkflowAppViewset
from viewflow.workflow.flow.views import (
    DashboardProcessListView,
    DashboardTaskListView,
    DetailProcessView,
)
from viewflow.workflow.flow.views.filters import DashboardProcessListViewFilter
from viewflow.workflow.models import Task

from complaints import views as complaint_views
from complaints import views_quality as quality_views
from complaints.choices import BatchStatus
from complaints.models import Category, Complaint
from complaints.rules.clocks import is_closed
from complaints.selectors import complaints_visible_to, user_department_ids
from complaints.selectors.batch import has_batch_facts, may_mark_batch
from complaints.selectors.escalation import (
    held_ranks,
    is_handler,
    is_supervisor,
    ladder,
    level_above,
    level_below,
    signal_names,
)
from complaints.selectors.intake_forms import (
    FilterInvalid,
    answer_rows,
    category_chain,
    category_subtree_ids,
    complaints_with_answers,
)
from complaints.selectors.quality import actions_of, analysis_of, fishbone, may_analyse, may_verify, problem_head
from complaints.selectors.timeline import case_tasks, complaint_timeline, linked_complaints, open_clocks
from complaints.services.privacy import complaint_shown
from flows import assignment, worklist
from flows.reopen import ReopenView

# Each row's summary reads the complaint; fetch it with the task instead of once per row.
ROW_RELATED = (
    "process__complaint",
    "process__complaint__priority",
    "process__compensationapproval__case",
    "process__collaborationrequest__case",
    "process__collaborationrequest__department",
    "process__actiontask__case",
    "process__actiontask__department",
    "process__actiontask__action",
    "process__mention__case",
    "process__mention__note",
    "owner",
)


class ComplaintFilter(DashboardProcessListViewFilter):
    """viewflow's status and date filters, plus category (with subcategories) and form answers."""

    category = django_filters.ModelChoiceFilter(
        label=_("category"), queryset=Category.objects.filter(active=True), method="filter_category"
    )
    answer = django_filters.CharFilter(
        label=_("form answer"),
        method="filter_answer",
        help_text=_("key=value, key>number or key<YYYY-MM-DD, e.g. service_type=roadside"),
    )

    def filter_category(self, queryset: QuerySet[Any], name: str, value: Category) -> QuerySet[Any]:
        return queryset.filter(category__in=category_subtree_ids(value))

    def filter_answer(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        try:
            complaints, plain = complaints_with_answers(Complaint.objects.all(), text=value)
        except FilterInvalid:
            return queryset.none()
        if plain:  # only answer terms belong in this box
            return queryset.none()
        return queryset.filter(pk__in=complaints.values("pk"))


class ComplaintListView(DashboardProcessListView):
    """Every complaint the user may see, newest first; filterable by category and form answers."""

    filterset_class = ComplaintFilter

    columns = ("process_id", "brief", "stage_name", "department_name", "created", "finished", "active_tasks")

    def stage_name(self, process: Any) -> str:
        return process.get_stage_display()

    stage_name.short_description = _("stage")  # type: ignore[attr-defined]

    def department_name(self, process: Any) -> str:
        return str(process.department or "")

    department_name.short_description = _("department")  # type: ignore[attr-defined]

    @viewprop
    def queryset(self) -> QuerySet[Any]:
        # The scope as conditions on the listed rows themselves (not `pk IN (visible)`, which makes
        # PostgreSQL collect every visible complaint first): newest first, the scan stops at a page.
        return complaints_visible_to(self.request.user).filter(flow_class=self.flow_class)

    def get_queryset(self) -> QuerySet[Any]:
        # viewflow's dashboard counts each row's open tasks with a GROUP BY over every complaint; it
        # is skipped (the search and filter mixins below it still narrow the rows) and a subquery
        # counts them for the rows of the page only.
        open_tasks = (
            Task.objects.filter(process_id=OuterRef("pk"), finished__isnull=True)
            .order_by()
            .values("process_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        rows = super(DashboardProcessListView, self).get_queryset()
        return (
            rows.annotate(active_tasks_count=Coalesce(Subquery(open_tasks), 0))
            .select_related("department")
            .order_by("-created")
        )

    def get_paginator(self, queryset: Any, *args: Any, **kwargs: Any) -> Any:
        return worklist.CappedPaginator(queryset, *args, **kwargs)


class ComplaintTaskListView(DashboardTaskListView):
    @viewprop
    def queryset(self) -> QuerySet[Any]:
        visible = complaints_visible_to(self.request.user).values("pk")
        return (
            self.model._default_manager.filter(process__flow_class=self.flow_class, process_id__in=visible)
            .select_related(*ROW_RELATED)
            .order_by("-created")
        )


def timeline_chips(timeline: Any) -> list[dict[str, Any]]:
    """Filter chips as plain links (they work without JavaScript): with everything shown, a chip
    shows only its group; once filtered, a chip adds or removes its group."""
    chips = []
    for code, label, selected, count in timeline.groups:
        if not timeline.filtered:
            chosen = [code]
        elif selected:
            chosen = [c for c in timeline.selected if c != code]
        else:
            chosen = [*timeline.selected, code]
        chips.append(
            {
                "code": code,
                "label": label,
                "count": count,
                "on": selected and timeline.filtered,
                "query": urlencode([("show", c) for c in chosen]),
            }
        )
    return chips


class ComplaintDetailView(DetailProcessView):
    """The complaint page: the record, its history, attachments, contacts, actions and tasks."""

    def get_queryset(self) -> QuerySet[Any]:
        # Kept for the linked complaints: the reader's scope is worked out once per page.
        self.visible = complaints_visible_to(self.request.user)
        return self.visible.select_related(
            "priority", "level", "department", "category", "receiver", "owner", "duplicate_of"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        complaint = context["process"]
        categories = category_chain(complaint.category)
        chain = {c.pk: index for index, c in enumerate(categories)}
        user, levels = self.request.user, ladder()
        held = held_ranks(user=user, complaint=complaint, levels=levels)
        names = signal_names() if complaint.signals else {}
        batches = list(complaint.batch_investigations.all()) if has_batch_facts(complaint) else []
        analysis, actions = analysis_of(complaint), actions_of(complaint)
        tasks = list(case_tasks(complaint))
        timeline = complaint_timeline(complaint=complaint, groups=self.request.GET.getlist("show"), tasks=tasks)
        context.update(
            task_list=[task for task in tasks if task.process_id == complaint.pk],
            timeline=timeline,
            timeline_chips=timeline_chips(timeline),
            clocks=open_clocks(complaint),
            linked=linked_complaints(complaint=complaint, visible=self.visible),
            attachments=complaint.attachments.filter(answer__isnull=True),
            answers=answer_rows(complaint, chain=categories),
            form_versions=sorted(
                complaint.form_versions.select_related("category"), key=lambda v: chain.get(v.category_id, len(chain))
            ),
            contacts=complaint.contacts.select_related("by"),
            actions=actions,
            analysis=analysis,
            # Without an analysis or actions there is nothing to draw, verify or report on.
            drawing=fishbone(analysis=analysis, head=problem_head(complaint, analysis)) if analysis else None,
            may_analyse=may_analyse(user=user, complaint=complaint),
            may_verify=bool(actions) and may_verify(user=user, complaint=complaint),
            my_departments=user_department_ids(user) if actions else set(),
            escalations=complaint.escalations.select_related("from_level", "to_level", "actor"),
            approvals=complaint.approvals.select_related("level", "requested_by", "decided_by"),
            collaborations=complaint.collaboration_requests.select_related(
                "department", "requested_by", "answered_by", "holder"
            ),
            notes=complaint.notes.select_related("author"),
            notifications=complaint.notifications.select_related("recipient"),
            signal_labels=[names.get(code, code) for code in complaint.signals or []],
            # A closed complaint offers only Reopen: no escalation door is open on it.
            closed=is_closed(complaint),
            can_escalate=not is_closed(complaint) and is_handler(user=user, complaint=complaint, held=held),
            can_reopen=is_closed(complaint) and is_handler(user=user, complaint=complaint, held=held),
            can_send_back=not is_closed(complaint)
            and complaint.level is not None
            and level_below(complaint.level, levels) is not None
            and is_supervisor(user=user, complaint=complaint, held=held),
            level_above=level_above(complaint.level, levels) if complaint.level else None,
            batch_investigations=batches,
            can_mark_batch=not any(b.status == BatchStatus.OPEN for b in batches)
            and may_mark_batch(user=user, complaint=complaint),
        )
        context.update(complaint_shown(user=user, complaint=complaint, context=context))
        return context


class ComplaintFlowViewset(FlowViewset):
    """The flow's pages. Its index is the scoped complaint list (viewflow's kanban lists every
    process regardless of who looks)."""

    process_list_view_class = ComplaintListView
    task_list_view_class = ComplaintTaskListView
    process_detail_view_class = ComplaintDetailView

    @property
    def index_path(self) -> Any:
        return path("", RedirectView.as_view(pattern_name="workflow:flows:complaint:process_list"), name="index")

    # Actions beside the steps, in the same shell (menu, language, permissions).
    escalate_path = path("<int:pk>/escalate/", complaint_views.EscalateView.as_view(), name="escalate")
    send_back_path = path("<int:pk>/send-back/", complaint_views.SendBackView.as_view(), name="send_back")
    compensation_path = path("<int:pk>/compensation/", complaint_views.CompensationView.as_view(), name="compensation")
    collaboration_path = path(
        "<int:pk>/collaboration/", complaint_views.CollaborationView.as_view(), name="collaboration"
    )
    note_path = path("<int:pk>/note/", complaint_views.NoteView.as_view(), name="note")
    contact_path = path("<int:pk>/contact/", complaint_views.ContactView.as_view(), name="contact")
    reveal_path = path("<int:pk>/reveal/", complaint_views.RevealView.as_view(), name="reveal")
    attach_path = path("<int:pk>/attach/", complaint_views.AttachmentView.as_view(), name="attach")
    attachment_path = path(
        "<int:pk>/attachments/<int:attachment_pk>/", complaint_views.attachment_download, name="attachment"
    )
    wait_path = path("<int:pk>/wait/", complaint_views.WaitView.as_view(), name="wait")
    answered_path = path("<int:pk>/answered/", complaint_views.AnsweredView.as_view(), name="answered")
    reopen_path = path("<int:pk>/reopen/", ReopenView.as_view(), name="reopen")
    package_path = path("<int:pk>/package/", complaint_views.package_page, name="package")
    package_print_path = path("<int:pk>/package/print/", complaint_views.package_print, name="package_print")
    # Analysis and corrective actions, and the 8D report.
    problem_path = path("<int:pk>/problem/", quality_views.ProblemView.as_view(), name="problem")
    cause_add_path = path("<int:pk>/causes/add/", quality_views.CauseView.as_view(), name="cause_add")
    cause_edit_path = path("<int:pk>/causes/<int:cause_id>/", quality_views.CauseView.as_view(), name="cause_edit")
    responsibility_path = path(
        "<int:pk>/responsibility/", quality_views.ResponsibilityView.as_view(), name="responsibility"
    )
    action_add_path = path("<int:pk>/actions/add/", quality_views.ActionPlanView.as_view(), name="action_add")
    action_progress_path = path(
        "<int:pk>/actions/<int:action_id>/progress/", quality_views.ActionProgressView.as_view(), name="action_progress"
    )
    action_verify_path = path(
        "<int:pk>/actions/<int:action_id>/verify/", quality_views.ActionVerifyView.as_view(), name="action_verify"
    )
    eight_d_path = path("<int:pk>/8d/", quality_views.eight_d_page, name="eight_d")
    eight_d_pdf_path = path("<int:pk>/8d.pdf", quality_views.eight_d_pdf, name="eight_d_pdf")


class RedressWorkflowApp(WorkflowAppViewset):
    title = _("Complaints")
    menu_template_name = "flows/workflow_menu.html"
    inbox_view_class = worklist.InboxView
    queue_view_class = worklist.QueueView
    archive_view_class = worklist.ArchiveView
    tasks_assign_view_class = assignment.BulkClaimView
    tasks_unassign_view_class = assignment.BulkReleaseView
    # Subclassing reorders the inherited patterns; without this "/" lands on the bulk-assign action.
    index_path = path("", RedirectView.as_view(pattern_name="workflow:inbox"), name="index")

    @property
    def breached_path(self) -> Any:
        view = worklist.BreachedView.as_view(**self.filter_kwargs(worklist.BreachedView))
        return path("breached/", view, name="breached")

    def get_context_data(self, request: Any) -> dict[str, Any]:
        # viewflow puts two querysets here and the menu counts each again; count all three once.
        return {"menu_counts": worklist.worklist_counts(self, request)}


class SideProcessListView(DashboardProcessListView):
    """Approvals or collaboration requests of the complaints the user may see."""

    def get_queryset(self) -> QuerySet[Any]:
        visible = complaints_visible_to(self.request.user).values("pk")
        return super().get_queryset().filter(case_id__in=visible).order_by("-created")


class SideTaskListView(DashboardTaskListView):
    @viewprop
    def queryset(self) -> QuerySet[Any]:
        visible = complaints_visible_to(self.request.user).values("pk")
        model = self.flow_class.process_class
        processes = model.objects.filter(case_id__in=visible).values("pk")
        return (
            self.model._default_manager.filter(process__flow_class=self.flow_class, process_id__in=processes)
            .select_related(*ROW_RELATED)
            .order_by("-created")
        )


class SideDetailView(DetailProcessView):
    def get_queryset(self) -> QuerySet[Any]:
        visible = complaints_visible_to(self.request.user).values("pk")
        return self.flow_class.process_class.objects.filter(case_id__in=visible).select_related("case")


class SideFlowViewset(FlowViewset):
    """Approval and collaboration flows: their lists and pages limited to visible complaints."""

    process_list_view_class = SideProcessListView
    task_list_view_class = SideTaskListView
    process_detail_view_class = SideDetailView
