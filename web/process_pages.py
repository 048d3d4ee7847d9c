"""The process pages inside viewflow's shell: the complaint list and page, the flows' task lists and
the side processes' pages, each limited to the complaints the user may see and costing a fixed
number of queries per page."""

from functools import cache, cached_property
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.template import Context, Template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters import DateRangeFilter
from viewflow.utils import viewprop
from viewflow.workflow import chart
from viewflow.workflow.flow.views import (
    DashboardProcessListView,
    DashboardTaskListView,
    DetailProcessView,
    FlowChartView,
)
from viewflow.workflow.flow.views.filters import DashboardProcessListViewFilter, DashboardTaskListViewFilter
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS

from complaints.choices import BatchStatus, Stage
from complaints.models import Category, Complaint
from complaints.rules.clocks import is_closed
from complaints.selectors.batch import has_batch_facts, may_mark_batch
from complaints.selectors.common import (
    SEEN_COMPLAINT,
    complaints_visible_to,
    department_subtree_ids,
    sees_few,
    user_department_ids,
    visible_listed,
)
from complaints.selectors.escalation import (
    held_ranks,
    is_handler,
    is_supervisor,
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
    intake_answers,
)
from complaints.selectors.privacy import contact_policy
from complaints.selectors.quality import action_rows, analysis_rows, may_analyse, may_verify
from complaints.selectors.routing import levels_by_id
from complaints.selectors.steps import complaint_runs, run_rows, steps_by_point
from complaints.selectors.together import read_prepared, read_together
from complaints.selectors.worklist import (
    LIST_RELATED,
    NUMBERED_COLUMNS,
    SIDE_RELATED,
    attach_config,
    complaints_search,
    user_queues,
)
from complaints.services.privacy import complaint_shown, list_seen
from web import worklist
from web.fishbone import drawing_of
from web.header_counts import kept_for_user
from web.process_chart import draw_custom_steps
from web.templatetags.customer_side import (
    CUSTOMER_CARD_ROWS,
    CUSTOMER_DID,
    customer_appeal_rows,
    customer_link_rows,
)
from web.timeline import case_tasks, clock_rows, complaint_timeline, linked_complaints, linked_rows


def unfinished_only(*, finished: Any, status: Any, stage: Any) -> bool:
    """Whether the complaint list keeps unfinished complaints only: when neither a finished date, a
    status nor the closed stage is chosen (viewflow's rule, and a closed complaint's process has
    finished: "stage: closed" lists them)."""
    return not finished and not status and stage != Stage.CLOSED


class ComplaintFinishedFilter(worklist.LocalNullDateRangeFilter):
    """The finished date; without one, unfinished complaints only where unfinished_only says so."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        data = self.parent.data
        if unfinished_only(finished=value, status=data.get("status"), stage=data.get("stage")):
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return DateRangeFilter.filter(self, qs, value)  # the chosen range of local days, or every row


class ComplaintFilter(DashboardProcessListViewFilter):
    """viewflow's status and date filters (the dates as ranges of local days), plus the complaint's
    stage, priority, level, category and department (each with the ones below it) and its form
    answers: the case filters the worklists have (web.worklist.WorklistFilter)."""

    created = worklist.LocalDateRangeFilter()
    finished = ComplaintFinishedFilter()
    # viewflow's status filter, on the complaint's copy of its process's status (migration 0054):
    # with the stage, both are read from one index of the complaint's table (0055).
    status = django_filters.ChoiceFilter(
        label=Process._meta.get_field("status").verbose_name, field_name="process_status", choices=PROCESS.choices
    )

    stage = django_filters.ChoiceFilter(label=_("stage"), choices=Stage.choices)
    priority = worklist.priority_filter(label=_("priority"))
    level = worklist.level_filter(label=_("level"))
    category = worklist.category_filter(label=_("category"), method="filter_category")
    department = worklist.department_filter(label=_("department"), method="filter_department")
    answer = django_filters.CharFilter(
        label=_("form answer"),
        method="filter_answer",
        help_text=_("key=value, key>number or key<YYYY-MM-DD, e.g. service_type=roadside"),
    )

    def filter_category(self, queryset: QuerySet[Any], name: str, value: Category) -> QuerySet[Any]:
        return queryset.filter(category__in=category_subtree_ids(value))

    def filter_department(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(department__in=department_subtree_ids({value.pk}))

    def filter_answer(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        try:
            complaints, plain = complaints_with_answers(Complaint.objects.all(), text=value)
        except FilterInvalid:
            return queryset.none()
        if plain:  # only answer terms belong in this box
            return queryset.none()
        return queryset.filter(pk__in=complaints.values("pk"))


class ProcessListColumns:
    """The columns viewflow's process lists share, with headers in the reader's language (viewflow
    derives them from its method names: "Process id", "Brief", "Active tasks", English in every
    language)."""

    request: Any

    def process_id(self, process: Any) -> str:
        """The process's number linked to its page, as viewflow's column writes it, from one URL
        reversed per page (web.worklist.row_url) instead of one per row."""
        detail = self.request.resolver_match.flow_viewset.reverse
        url = worklist.row_url(self, "detail", lambda pk: detail("process_detail", args=[pk]), process.pk)
        return format_html('<a href="{}">{}</a>', url, process.pk)

    def brief(self, process: Any) -> str:
        """The summary viewflow's Process.brief renders, from its template compiled once (viewflow
        compiles it for every row: a fifth of the rows' time)."""
        flow_class = process.flow_class
        source = (
            (process.finished and flow_class.process_result_template)
            or flow_class.process_summary_template
            or flow_class.process_description
            or "{{ flow_class.process_title }} - {{ process.get_status_display }}"
        )
        return compiled_template(str(source)).render(Context({"process": process, "flow_class": flow_class}))

    def active_tasks(self, process: Any) -> int:
        return DashboardProcessListView.active_tasks(self, process)  # viewflow's, under our header

    def get_paginator(self, queryset: Any, *args: Any, **kwargs: Any) -> Any:
        # One row past the page instead of viewflow's count of every process of the list.
        return worklist.peek_paginator(self, queryset, *args, **kwargs)

    def filtered_rows(self) -> QuerySet[Any]:
        """The list's rows through its filter (and search), each with its open tasks counted by a
        subquery, run for the page's rows only: viewflow's list counts them with a GROUP BY over
        every process of the list before it takes a page (its get_queryset is skipped)."""
        open_tasks = (
            Task.objects.filter(process_id=OuterRef("pk"), finished__isnull=True)
            .order_by()
            .values("process_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        rows = super(DashboardProcessListView, self).get_queryset()  # type: ignore[misc]
        return rows.annotate(active_tasks_count=Coalesce(Subquery(open_tasks), 0))

    process_id.short_description = _("#")  # type: ignore[attr-defined]
    brief.short_description = _("Summary")  # type: ignore[attr-defined]
    active_tasks.short_description = _("Open tasks")  # type: ignore[attr-defined]


class FlowTaskListFilter(DashboardTaskListViewFilter):
    """viewflow's filter of a flow's task list, its steps named from the flow itself: viewflow reads
    them with a DISTINCT over every task of the list (8.6 s for the complaint flow's 5.8 million at
    1,000,000 complaints), on every page; its dates as ranges of local days."""

    created = worklist.LocalDateRangeFilter()
    finished = worklist.LocalNullDateRangeFilter()

    def __init__(self, *args: Any, flow_classes: Any = (), **kwargs: Any) -> None:
        super(DashboardTaskListViewFilter, self).__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = worklist.step_choices(flow_classes, every_node=True)


class TaskListColumns:
    """The column viewflow's task lists add, with its header in the reader's language (viewflow
    derives it from the method's name: "Process summary"), and their filter (FlowTaskListFilter)."""

    flow_class: Any
    filterset_class = FlowTaskListFilter

    def get_filterset_kwargs(self, filterset_class: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_filterset_kwargs(filterset_class)  # type: ignore[misc]
        return {**kwargs, "flow_classes": [self.flow_class]}

    def get_paginator(self, queryset: Any, *args: Any, **kwargs: Any) -> Any:
        # viewflow's counts every task of the list (6 s for the complaint flow's at 1,000,000).
        return worklist.peek_paginator(self, queryset, *args, **kwargs)

    def get_page_data(self, page: Any) -> Any:
        # The page's cases and side processes, for the summaries, in a query each: the rows are read
        # with their owner and process only (LIST_RELATED).
        page, _rows = worklist.page_with_cases(page, self.request.user)  # type: ignore[attr-defined]
        return super().get_page_data(page)  # type: ignore[misc]

    def process_summary(self, task: Any) -> str:
        return DashboardTaskListView.process_summary(self, task)  # viewflow's, under our header

    def flow_task(self, task: Any) -> str:
        """The step by its title in the reader's language (viewflow shows the node's name, English)."""
        return str(task.flow_task.task_title or task.flow_task.name) if task.flow_task else ""

    process_summary.short_description = _("Summary")  # type: ignore[attr-defined]
    flow_task.short_description = _("Step")  # type: ignore[attr-defined]


class ComplaintListView(ProcessListColumns, DashboardProcessListView):
    """Every complaint the user may see, newest first; filterable by category and form answers,
    searched as the worklists are (complaints.selectors.worklist.complaints_search)."""

    template_name = "web/complaint/process_list.html"
    filterset_class = ComplaintFilter
    search_fields = None  # viewflow's search off: complaints_search matches (the box: list_search.html)
    list_name = _("Complaints")  # how the access log names the page

    columns = ("process_id", "brief", "stage_name", "department_name", "created", "finished", "active_tasks")

    def stage_name(self, process: Any) -> str:
        return self.stage_labels.get(process.stage, process.stage)

    stage_name.short_description = _("stage")  # type: ignore[attr-defined]

    @cached_property
    def stage_labels(self) -> dict[str, str]:
        """The stage names translated once per page (get_stage_display builds the choices per row)."""
        return {value: str(label) for value, label in Stage.choices}

    def department_name(self, process: Any) -> str:
        return str(process.department or "")

    department_name.short_description = _("department")  # type: ignore[attr-defined]

    @viewprop
    def queryset(self) -> QuerySet[Any]:
        # The scope as conditions on the listed rows themselves (not `pk IN (visible)`, which makes
        # PostgreSQL collect every visible complaint first): newest first, the scan stops at a page;
        # for a user who sees few complaints, their ids found from their side (visible_listed).
        return visible_listed(
            Complaint.objects.filter(flow_class=self.flow_class), self.request.user, few=sees_few_kept(self.request)
        )

    def get_queryset(self) -> QuerySet[Any]:
        filtered = self.filtered_rows()
        rows = complaints_search(filtered, self.search_term, open_work=self.lists_unfinished)
        return rows.select_related("department").order_by(*self.order)

    @property
    def order(self) -> tuple[str, ...]:
        """Newest first. Filtered by when they finished: latest finished first, read from the
        finished processes' index within the range (migration 0049; newest first, the walk of every
        complaint for a range few or none finished in took 0.6-0.9 s at 1,000,000 complaints).
        Filtered by stage, priority, level (NUMBERED_COLUMNS) or status: latest registered first
        (by number, the order of creation), read from that column's index with the number
        (migrations 0050, 0055; newest first, the walk tested every complaint until a page of a rare
        choice: up to 11 s)."""
        if self.lists_finished_range:
            return ("-finished", "-created")
        chosen = self.chosen_filters or {}
        if any(chosen.get(name) for name in (*NUMBERED_COLUMNS, "status")):
            return ("-pk",)
        return ("-created",)

    @property
    def search_term(self) -> str:
        return str(self.request.GET.get("_search", "")).strip()

    @property
    def chosen_filters(self) -> dict[str, Any] | None:
        """The filter's valid choices (applied by get_queryset), or None when its form is not bound
        or not valid (a search is a bound form: its `_search`)."""
        filterset = getattr(self, "filterset", None)
        if filterset is None or not filterset.is_bound or not filterset.is_valid():
            return None
        return {**filterset.form.cleaned_data, "status": filterset.data.get("status")}

    @property
    def lists_unfinished(self) -> bool:
        """Whether the filter keeps unfinished complaints only (unfinished_only)."""
        chosen = self.chosen_filters
        return chosen is not None and unfinished_only(
            finished=chosen.get("finished"), status=chosen["status"], stage=chosen.get("stage")
        )

    @property
    def lists_finished_range(self) -> bool:
        """Whether the filter keeps complaints finished within a range of dates (today, this week…)."""
        chosen = self.chosen_filters
        return chosen is not None and bool(chosen.get("finished"))

    def get_page_data(self, page: Any) -> Any:
        # A search is logged with its term as on the worklists (a phone number typed into a search
        # is a look at personal data); the rows show every customer masked (TASK_SUMMARY), so no
        # complaint was seen in full.
        if self.search_term:
            list_seen(user=self.request.user, complaints=(), where=str(self.list_name), search=self.search_term)
        return super().get_page_data(page)


def sees_few_kept(request: Any) -> bool:
    """Whether the request's user sees few complaints (common.sees_few: which form a list of them
    takes), kept for the user a short while like the menu's numbers (web.header_counts: asked again
    when their departments or queues change)."""
    user = request.user
    if user.is_superuser:
        return False  # no scope at all
    signature = (tuple(sorted(user_department_ids(user))), tuple(user_queues(user)))
    return kept_for_user(request, "scope", signature, lambda: sees_few(user))


@cache
def compiled_template(source: str) -> Template:
    """A flow's summary template, compiled once per process (the flows' code holds them)."""
    return Template(source)


class ComplaintTaskListView(TaskListColumns, DashboardTaskListView):
    @viewprop
    def queryset(self) -> QuerySet[Any]:
        few = sees_few_kept(self.request)
        visible = visible_listed(Complaint.objects.all(), self.request.user, few=few).values("pk")
        return (
            self.model._default_manager.filter(process__flow_class=self.flow_class, process_id__in=visible)
            .select_related(*LIST_RELATED)
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


# How many timeline entries the page shows before folding the older ones away (layout, not policy).
TIMELINE_FOLD = 20


class ComplaintDetailView(DetailProcessView):
    """The complaint page: the record, its history, attachments, contacts, actions and tasks."""

    template_name = "web/complaint/process_detail.html"

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        # A step opened from this page comes back here once done, on the Work tab where the steps
        # and the analysis are: viewflow's pinned location, which the worklists set the same way
        # (a step opened from the inbox goes back to the inbox).
        if not request.headers.get("Turbo-Frame"):
            request.session["vf-pin-location"] = f"{request.path}?part=rd-part-work"
        return response

    def get_queryset(self) -> QuerySet[Any]:
        # Kept for the linked complaints: the reader's scope is worked out once per page.
        self.visible = complaints_visible_to(self.request.user)
        # The complaint the scope middleware found this user may see (flows.middleware: every
        # workflow URL naming a process passes it) is read by its key alone; the scope's conditions
        # in the same query cost more to plan than to run (1-3 ms at 1,000,000 complaints). Any
        # other way in keeps them.
        seen = getattr(self.request, SEEN_COMPLAINT, None)
        pk = self.kwargs.get(self.pk_url_kwarg)
        rows = Complaint.objects.all() if seen is not None and str(seen) == str(pk) else self.visible
        # Whether the reader revealed its contact details comes with it (no query of all reveals).
        rows = contact_policy(self.request.user).reveal_rows(rows)
        # Priority, level and category from the configuration copy (attach_config): three joins fewer.
        return rows.select_related("department", "receiver", "owner")

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        if not hasattr(self, "_object_cache"):
            rows = (queryset if queryset is not None else self.get_queryset()).filter(
                pk=self.kwargs.get(self.pk_url_kwarg)
            )
            # The complaint by its key, as every page asks it: a prepared statement (together).
            complaint = next(iter(read_prepared(rows[:1])), None)
            if complaint is None:
                raise Http404
            self._object_cache = complaint
            attach_config([complaint])
            contact_policy(self.request.user).reveals_read([complaint])
        return self._object_cache

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        complaint = context["process"]
        categories = category_chain(complaint.category)
        chain = {c.pk: index for index, c in enumerate(categories)}
        # The ladder from the process's configuration copy (shared: only read it), not a query a page.
        user, levels = self.request.user, sorted(levels_by_id().values(), key=lambda level: level.rank)
        held = held_ranks(user=user, complaint=complaint, levels=levels)
        names = signal_names() if complaint.signals else {}
        # What the page shows of the complaint's own records, each a small read keyed by it, read
        # in one round trip (complaints.selectors.together); the cards below take them from here.
        reads: dict[str, QuerySet[Any]] = {
            "analysis": analysis_rows(complaint),
            "actions": action_rows(complaint),
            "tasks": case_tasks(complaint),
            "events": complaint.events.select_related("actor"),
            "notifications": complaint.notifications.select_related("recipient").order_by("created_at", "pk"),
            "clocks": clock_rows(complaint),
            "linked": linked_rows(complaint=complaint, visible=self.visible),
            "answers": intake_answers(complaint),
            "form_versions": complaint.form_versions.select_related("category"),
            "contacts": complaint.contacts.select_related("by"),
            "escalations": complaint.escalations.select_related("from_level", "to_level", "actor"),
            "approvals": complaint.approvals.select_related("level", "requested_by", "decided_by"),
            "collaborations": complaint.collaboration_requests.select_related(
                "department", "requested_by", "answered_by", "holder"
            ),
            "notes": complaint.notes.select_related("author"),
            "attachments": complaint.attachments.filter(answer__isnull=True),
            "custom_steps": run_rows(complaint),
            "appeal": customer_appeal_rows(complaint),
            "links": customer_link_rows(complaint),
        }
        if has_batch_facts(complaint):
            reads["batches"] = complaint.batch_investigations.all()
        read_together(reads.values(), prepare=True)
        batches = list(reads.get("batches", []))
        analysis, actions = next(iter(reads["analysis"]), None), list(reads["actions"])
        tasks = list(reads["tasks"])
        handler = is_handler(user=user, complaint=complaint, held=held, tasks=tasks)  # its tasks just read
        events, notifications = list(reads["events"]), list(reads["notifications"])
        timeline = complaint_timeline(
            complaint=complaint, groups=self.request.GET.getlist("show"), tasks=tasks, events=events
        )
        context.update(
            task_list=[task for task in tasks if task.process_id == complaint.pk],
            timeline=timeline,
            timeline_shown=TIMELINE_FOLD,
            timeline_older=max(len(timeline.entries) - TIMELINE_FOLD, 0),
            open_task_count=sum(
                1 for t in tasks if t.process_id == complaint.pk and t.finished is None and t.flow_task_type == "HUMAN"
            ),
            timeline_chips=timeline_chips(timeline),
            clocks=list(reads["clocks"]),
            linked=linked_complaints(complaint=complaint, rows=reads["linked"]),
            attachments=reads["attachments"],
            answers=answer_rows(complaint, chain=categories, answers=reads["answers"]),
            form_versions=sorted(reads["form_versions"], key=lambda v: chain.get(v.category_id, len(chain))),
            contacts=reads["contacts"],
            actions=actions,
            analysis=analysis,
            # Without an analysis or actions there is nothing to draw, verify or report on.
            drawing=drawing_of(complaint, analysis) if analysis else None,
            may_analyse=may_analyse(user=user, complaint=complaint, handler=handler),
            may_verify=bool(actions) and may_verify(user=user, complaint=complaint),
            my_departments=user_department_ids(user) if actions else set(),
            escalations=reads["escalations"],
            approvals=reads["approvals"],
            collaborations=reads["collaborations"],
            notes=reads["notes"],
            custom_steps=complaint_runs(complaint, get_language() or "en", runs=reads["custom_steps"]),
            notifications=notifications,
            # The customer card's: the messages to the customer (newest 50) and what they did.
            customer_sent=[n for n in reversed(notifications) if n.recipient_id is None][:CUSTOMER_CARD_ROWS],
            customer_did=[e for e in events if e.kind in CUSTOMER_DID and e.actor_id is None][:CUSTOMER_CARD_ROWS],
            customer_appeal=next(iter(reads["appeal"]), None),
            customer_links=reads["links"],
            signal_labels=[names.get(code, code) for code in complaint.signals or []],
            # A closed complaint offers only Reopen: no escalation door is open on it.
            closed=is_closed(complaint),
            can_escalate=not is_closed(complaint) and handler,
            can_reopen=is_closed(complaint) and handler,
            # Talking to the customer goes on after closing (they call about the closed case): the
            # contact is logged and seen on the case whatever its state (issue 18).
            can_log_contact=handler,
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


class SideProcessListView(ProcessListColumns, DashboardProcessListView):
    """Approvals or collaboration requests of the complaints the user may see."""

    def get_queryset(self) -> QuerySet[Any]:
        visible = complaints_visible_to(self.request.user).values("pk")
        # With what each row's summary reads (its case, and its step, department, note…), not a
        # query of each per row.
        related = ("case", *SIDE_RELATED.get(self.flow_class.process_class._meta.model_name, ()))
        return self.filtered_rows().filter(case_id__in=visible).select_related(*related).order_by("-created")


class SideTaskListView(TaskListColumns, DashboardTaskListView):
    @viewprop
    def queryset(self) -> QuerySet[Any]:
        visible = complaints_visible_to(self.request.user).values("pk")
        # The flow's processes are its process model's rows: no walk of every process by its class.
        processes = self.flow_class.process_class.objects.filter(case_id__in=visible).values("pk")
        return (
            self.model._default_manager.filter(process_id__in=processes)
            .select_related(*LIST_RELATED)
            .order_by("-created")
        )


class SideDetailView(DetailProcessView):
    def get_queryset(self) -> QuerySet[Any]:
        visible = complaints_visible_to(self.request.user).values("pk")
        return self.flow_class.process_class.objects.filter(case_id__in=visible).select_related("case")


class ComplaintChartView(FlowChartView):
    """viewflow's process chart with the custom steps written into their points: on the flow's chart
    the steps defined at each point, on a case's chart the steps it ran there with their outcome.
    Drawn afresh each time (the steps are admin data; viewflow caches the flow's chart)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("format") == "bpmn":
            return super().get(request, *args, **kwargs)
        process_pk = kwargs.get("process_pk")
        grid = chart.calc_layout_data(self.flow_class)
        if process_pk is not None:
            chart.calc_cell_status(self.flow_class, grid, process_pk)
        draw_custom_steps(grid, steps_by_point(complaint_id=process_pk, language=get_language() or "en"))
        return HttpResponse(chart.grid_to_svg(grid), content_type="image/svg+xml")
