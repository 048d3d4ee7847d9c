"""viewflow's frontend, adjusted and mounted: the flows' viewsets with their pages (web.process_pages),
the complaint's action doors and the worklists (web)."""

from typing import Any

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.workflow.flow import FlowViewset, WorkflowAppViewset
from viewflow.workflow.flow.viewset import NestedFlowsApp

from flows.reopen import ReopenView
from web import actions as complaint_views
from web import assignment, worklist
from web import quality as quality_views
from web.customer_actions import CustomerAppealView, CustomerLinkView, CustomerMessageView
from web.process_pages import (
    ComplaintChartView,
    ComplaintDetailView,
    ComplaintListView,
    ComplaintTaskListView,
    SideDetailView,
    SideProcessListView,
    SideTaskListView,
)


class OwnListRedirect(RedirectView):
    """A flow's index: its own scoped process list, in the flow's namespace."""

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        match = self.request.resolver_match
        assert match is not None  # (a resolved request)
        return reverse(f"{match.namespace}:process_list")


class ListFirstFlowViewset(FlowViewset):
    """A flow whose index is its scoped, paged process list instead of viewflow's kanban: the kanban
    runs a statement per step over every task of the flow (and one for its finished end) and reads
    each card's process and summary one by one; at 1,000,000 complaints each side flow's kanban
    took 130-200 ms for every user (the flows' processes found by a scan of all 1.1 million) and the
    custom steps' 450 ms, 78 queries, for an administrator (bench/RESULTS.md). The list pages are
    scoped to the complaints the user sees and read a page at a time (web.process_pages)."""

    @property
    def index_path(self) -> Any:
        return path("", OwnListRedirect.as_view(), name="index")


class ComplaintFlowViewset(ListFirstFlowViewset):
    """The flow's pages. Its index is the scoped complaint list."""

    process_list_view_class = ComplaintListView
    task_list_view_class = ComplaintTaskListView
    process_detail_view_class = ComplaintDetailView
    chart_view_class = ComplaintChartView

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
    customer_link_path = path("<int:pk>/customer/link/", CustomerLinkView.as_view(), name="customer_link")
    customer_message_path = path("<int:pk>/customer/message/", CustomerMessageView.as_view(), name="customer_message")
    customer_appeal_path = path("<int:pk>/customer/appeal/", CustomerAppealView.as_view(), name="customer_appeal")
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


class ProcessesApp(NestedFlowsApp):
    """viewflow's "Processes" app holding the flows' pages, drawn inside the workspace: its pages
    keep the workspace's menu (Inbox, Queue, Breached…) instead of swapping to a menu of flows."""

    def _get_resolver_extra(self) -> dict[str, Any]:
        return {"app": self.parent, "viewset": self}


class RedressWorkflowApp(WorkflowAppViewset):
    title = _("Complaints")
    menu_template_name = "web/workflow_menu.html"
    inbox_view_class = worklist.InboxView
    queue_view_class = worklist.QueueView
    archive_view_class = worklist.ArchiveView
    tasks_assign_view_class = assignment.BulkClaimView
    tasks_unassign_view_class = assignment.BulkReleaseView
    # Subclassing reorders the inherited patterns; without this "/" lands on the bulk-assign action.
    index_path = path("", RedirectView.as_view(pattern_name="workflow:inbox"), name="index")

    def __init__(self, flow_viewsets: list[FlowViewset], **kwargs: Any) -> None:
        # WorkflowAppViewset.__init__, with our Processes app in place of viewflow's.
        self.flow_classes = [viewset._flow_class for viewset in flow_viewsets]
        kwargs["viewsets"] = [*kwargs.get("viewsets", []), ProcessesApp(viewsets=flow_viewsets)]
        super(WorkflowAppViewset, self).__init__(**kwargs)

    @property
    def breached_path(self) -> Any:
        view = worklist.BreachedView.as_view(**self.filter_kwargs(worklist.BreachedView))
        return path("breached/", view, name="breached")

    def get_context_data(self, request: Any) -> dict[str, Any]:
        # viewflow puts two querysets here and the menu counts each again; count all three once.
        return {"menu_counts": worklist.worklist_counts(self, request)}


class SideFlowViewset(ListFirstFlowViewset):
    """The side flows (approvals, collaboration, actions, mentions, custom steps, appeals): their
    lists and pages limited to visible complaints; the index is the process list."""

    process_list_view_class = SideProcessListView
    task_list_view_class = SideTaskListView
    process_detail_view_class = SideDetailView
