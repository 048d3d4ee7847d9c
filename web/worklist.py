"""Inbox, queue, archive and breached lists: viewflow's list views with the columns agents work by,
sorted by urgency in SQL, filtered and searched as viewflow list filters, one query per page."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

import django_filters
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters import DateRangeFilter
from viewflow.utils import viewprop
from viewflow.views import Action
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow.views import WorkflowArchiveListView, WorkflowInboxListView, WorkflowQueueListView
from viewflow.workflow.flow.views.filters import ChoiceFilter, NullDateRangeFilter
from viewflow.workflow.models import Task

from complaints.choices import Stage
from complaints.forms.fields import ConfigChoiceField
from complaints.models import Category, Clock, Complaint, Department
from complaints.rules.names import person_name
from complaints.rules.text import without_bidi_controls
from complaints.selectors.common import department_subtree_ids, user_department_ids
from complaints.selectors.intake_forms import categories_by_id, category_subtree_ids
from complaints.selectors.kpi import decisions_open_of
from complaints.selectors.pages import PeekPaginator
from complaints.selectors.privacy import shown_value
from complaints.selectors.routing import departments_by_id, levels_by_id, priorities_by_id
from complaints.selectors.worklist import (
    LIST_RELATED,
    MENU_COUNT_CAP,
    ClockState,
    attach_cases,
    attach_deadlines,
    breached_branches,
    breached_rows,
    case_of,
    clock_state,
    deadline_filter,
    inbox_rows,
    menu_counts,
    of_cases,
    queue_branches,
    queue_rows,
    task_search_matches,
    tasks_search,
    user_queues,
    with_case,
    with_deadlines,
)
from complaints.services.privacy import list_seen
from web.countdown import clock_reading, countdown_labels
from web.header_counts import kept_for_user


def step_choices(flow_classes: Any, *, every_node: bool = False) -> list[tuple[str, str]]:
    """The human steps of the app's flows (the viewset hands them over: web never imports flows),
    by their titles (no query: a DISTINCT over a user's tasks read every row of the list); with
    `every_node`, the flows' other nodes too (a flow's task list shows every task of its processes)."""
    choices = {
        get_task_ref(node): str(node.task_title or node.name)
        for flow_class in flow_classes
        for node in flow_class.instance.nodes()
        if every_node or node.task_type == "HUMAN"
    }
    return sorted(choices.items(), key=lambda item: item[1])


class ConfigChoiceFilter(django_filters.ChoiceFilter):
    """A filter over configuration rows (priorities, levels, categories, departments): its field is
    a ConfigChoiceField (choices from the configuration copy, the row itself as the value), given
    `rows`, `keep`, `order` and `name_of`."""

    field_class = ConfigChoiceField


def category_filter(**kwargs: Any) -> ConfigChoiceFilter:
    """The active categories, as "parent / child" (each copy knows its parent's), in code order."""
    return ConfigChoiceFilter(rows=categories_by_id, keep=lambda c: c.active, order=lambda c: c.code, **kwargs)


def priority_filter(**kwargs: Any) -> ConfigChoiceFilter:
    """The priorities, most urgent first."""
    return ConfigChoiceFilter(rows=priorities_by_id, order=lambda p: (p.rank, p.pk), **kwargs)


def level_filter(**kwargs: Any) -> ConfigChoiceFilter:
    """The escalation levels, lowest first."""
    return ConfigChoiceFilter(rows=levels_by_id, order=lambda lv: lv.rank, **kwargs)


def department_filter(**kwargs: Any) -> ConfigChoiceFilter:
    """The active departments, in code order (a choice stands for it and the ones below it)."""
    return ConfigChoiceFilter(rows=departments_by_id, keep=lambda d: d.active, order=lambda d: d.code, **kwargs)


def _local_days(first: Callable[[date], date], after: Callable[[date], date]) -> Callable[[Any, str], Any]:
    """A date range filter's choice as a range of the column's values, from the start of `first`
    (of today, in the current time zone) to the start of `after`: one condition an index of the
    column serves, where django-filter compares the year, month and day extracted from each row
    (an index serves only the year: the complaint list "finished this month" read every complaint
    finished this year, 0.6 s at 1,000,000) and takes "today" from UTC's date."""

    def narrow(rows: Any, name: str) -> Any:
        today = timezone.localdate()
        zone = timezone.get_current_timezone()
        start, end = (datetime.combine(day, time.min, tzinfo=zone) for day in (first(today), after(today)))
        return rows.filter(**{f"{name}__gte": start, f"{name}__lt": end})

    return narrow


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


# django-filter's DateRangeFilter choices (the same names and meaning), each as a range of dates.
LOCAL_DATE_RANGES = {
    "today": _local_days(lambda d: d, lambda d: d + timedelta(days=1)),
    "yesterday": _local_days(lambda d: d - timedelta(days=1), lambda d: d),
    "week": _local_days(lambda d: d - timedelta(weeks=1), lambda d: d + timedelta(days=1)),  # "past 7 days"
    "month": _local_days(lambda d: d.replace(day=1), _next_month),
    "year": _local_days(lambda d: d.replace(month=1, day=1), lambda d: date(d.year + 1, 1, 1)),
}


class LocalDateRangeFilter(DateRangeFilter):
    """viewflow's date filter (today, yesterday, past 7 days, this month, this year) as ranges of the
    reader's local dates (LOCAL_DATE_RANGES)."""

    filters = LOCAL_DATE_RANGES


class LocalNullDateRangeFilter(NullDateRangeFilter):
    """viewflow's finished filter (unfinished when neither a date nor a status is chosen), its
    dates as LocalDateRangeFilter's."""

    filters = LOCAL_DATE_RANGES


class WorklistFilter(django_filters.FilterSet):
    """Filters over the task's case: priority, level, stage, category and department (with the
    ones below), the deadline's state, and mine / my departments'."""

    flow_task = ChoiceFilter(label=_("Step"))
    priority = priority_filter(label=_("Priority"), method="filter_case")
    level = level_filter(label=_("Level"), method="filter_case")
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices, method="filter_case")
    category = category_filter(label=_("Category"), method="filter_category")
    department = department_filter(label=_("Department"), method="filter_department")
    deadline = django_filters.ChoiceFilter(
        label=_("Deadline"),
        choices=[
            (ClockState.BREACHED, _("Breached")),
            (ClockState.WARNING, _("Past the warning time")),
            (ClockState.PAUSED, _("Paused (waiting for the customer)")),
        ],
        method="filter_deadline",
    )
    scope = django_filters.ChoiceFilter(
        label=_("Whose"),
        choices=[("mine", _("Mine")), ("department", _("My departments'"))],
        method="filter_scope",
    )

    class Meta:
        model = Task
        fields = ("flow_task",)

    def __init__(self, *args: Any, flow_classes: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = step_choices(flow_classes)

    def _cases(self, queryset: QuerySet[Any], complaints: QuerySet[Complaint]) -> QuerySet[Any]:
        return of_cases(queryset, complaints)

    def filter_case(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return self._cases(queryset, Complaint.objects.filter(**{name: value}))

    def filter_category(self, queryset: QuerySet[Any], name: str, value: Category) -> QuerySet[Any]:
        return self._cases(queryset, Complaint.objects.filter(category__in=category_subtree_ids(value)))

    def filter_department(self, queryset: QuerySet[Any], name: str, value: Department) -> QuerySet[Any]:
        return self._cases(queryset, Complaint.objects.filter(department__in=department_subtree_ids({value.pk})))

    def filter_deadline(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return deadline_filter(queryset, value)

    def filter_scope(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        user = self.request.user
        if value == "mine":
            return queryset.filter(owner=user)
        departments = department_subtree_ids(user_department_ids(user))
        return self._cases(queryset, Complaint.objects.filter(department__in=departments))


def peek_paginator(view: Any, queryset: Any, *args: Any, **kwargs: Any) -> PeekPaginator:
    """A list view's paginator, reading one row past the page instead of counting (and the view's
    parts of the list one by one, where it has them: `list_branches`; and the view's other reads of
    the page with its rows, where it has them: `reads_with_page`)."""
    return PeekPaginator(
        queryset,
        *args,
        branches=getattr(view, "list_branches", None),
        along=getattr(view, "reads_with_page", None),
        **kwargs,
    )


def page_with_cases(page: Any, reader: Any, *, last_activity: bool = False) -> tuple[Any, list[Any]]:
    """A list's page (or its rows, unpaginated) with each row's case and side process attached
    (attach_cases: a query for the cases, one per kind of side process); returns it and its rows."""
    if hasattr(page, "object_list"):
        page.object_list = attach_cases(list(page.object_list), reader, last_activity=last_activity)
        return page, page.object_list
    rows = attach_cases(list(page), reader, last_activity=last_activity)
    return rows, rows


class WorklistMixin:
    """Columns, search and the page template shared by the four lists. Each row's case and side
    process come with the page (attach_cases) and its deadline with the row: the page costs the
    same for 5 rows or 50."""

    request: Any
    template_name = "web/worklist.html"
    filterset_class = WorklistFilter
    search_fields = None  # viewflow's search off: tasks_search matches (the box: list_search.html)
    list_name: Any = _("Worklist")  # how the access log names the page
    columns: tuple[str, ...] = (
        "reference",
        "step",
        "customer",
        "category",
        "priority",
        "level",
        "stage",
        "owner",
        "time_left",
        "last_activity",
    )

    # Whether the search finds the rows by their process (the archive: tasks_search).
    search_by_process = False
    # Whether the rows are open tasks, whose cases have work open (tasks_search).
    search_open_work = True

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        return tasks_search(queryset, self.search_found, by_process=self.search_by_process)

    @cached_property
    def search_found(self) -> list[int] | QuerySet[Any] | None:
        """What the search box found (task_search_matches): a few complaints' ids, a query, or None."""
        term = self.request.GET.get("_search", "")
        return task_search_matches(term, open_work=self.search_open_work)

    @property
    def found_few(self) -> bool:
        """Whether the search named a few complaints (their ids): the list's rows are then read as
        one part, by their cases from the stored deadlines' index, not queue by queue (list_branches):
        a statement of four parts, each listing the ids, took longer to plan than to read them all."""
        return isinstance(self.search_found, list)

    def get_filterset_kwargs(self, filterset_class: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_filterset_kwargs(filterset_class)  # type: ignore[misc]
        return {**kwargs, "flow_classes": self.flow_classes}  # type: ignore[attr-defined]

    def get_paginator(self, queryset: Any, *args: Any, **kwargs: Any) -> Paginator:
        return peek_paginator(self, queryset, *args, **kwargs)

    def get_page_data(self, page: Any) -> Any:
        page, rows = page_with_cases(page, self.request.user, last_activity=self.cases_with_last_activity)
        self.attach_rows(rows)
        # One access-log row for the page: the customers it shows in full, and the search term.
        list_seen(
            user=self.request.user,
            complaints={case.pk: case for case in map(case_of, rows) if case is not None}.values(),
            where=str(self.list_name),
            search=self.request.GET.get("_search", ""),
        )
        return super().get_page_data(page)  # type: ignore[misc]

    @property
    def cases_with_last_activity(self) -> bool:
        """Whether the page's rows were read without their last activity, to come with their cases."""
        return False

    def attach_rows(self, rows: list[Any]) -> None:
        """What a list gives its page's rows after their cases (the archive: their deadlines)."""

    @cached_property
    def countdown_labels(self) -> dict[str, str]:
        """The countdown's phrases, translated once a page (each row's time left reads them)."""
        return countdown_labels()

    @cached_property
    def kind_labels(self) -> dict[str, str]:
        """The clocks' kinds by name, translated once a page (every row's time left names its clock's)."""
        return {value: str(label) for value, label in Clock.Kind.choices}

    def row_url(self, key: Any, reverse_ids: Callable[..., str], *ids: int) -> str:
        return row_url(self, key, reverse_ids, *ids)

    @property
    def narrowed(self) -> bool:
        """Whether the list is filtered, searched or sorted by a column (anything but its pages)."""
        return any(value for key, value in self.request.GET.items() if key != "page")

    @property
    def now(self) -> datetime:
        if not hasattr(self, "_now"):
            self._now = timezone.now()
        return self._now

    # Columns -----------------------------------------------------------------------------------

    def reference(self, task: Task) -> str:
        case = case_of(task)
        if case is None:
            return ""
        url = self.row_url("detail", lambda pk: reverse("workflow:flows:complaint:process_detail", args=[pk]), case.pk)
        return format_html('<a class="rd-ref" href="{}">{}</a>', url, case.reference or case.pk)

    reference.short_description = _("Reference")  # type: ignore[attr-defined]
    reference.column_type = "text rd-col-reference"  # type: ignore[attr-defined]

    def step(self, task: Task) -> str:
        """The step, linked to the task; an approval or a collaboration request adds its summary
        (the amount, the asked department)."""
        node = task.flow_task
        url = self.row_url(node, lambda p, t: node.reverse("index", args=[p, t]), task.process_id, task.pk)
        title = task.flow_task.task_title or task.flow_task.name
        if task.flow_task.flow_class.process_class is Complaint:
            return format_html('<a href="{}">{}</a>', url, title)
        return format_html('<a href="{}">{}</a><div class="rd-muted rd-small">{}</div>', url, title, task.brief)

    step.short_description = _("Step")  # type: ignore[attr-defined]
    step.column_type = "text rd-col-step"  # type: ignore[attr-defined]

    def customer(self, task: Task) -> str:
        case = case_of(task)
        return without_bidi_controls(shown_value(self.request.user, case, "customer_name")) if case else ""

    customer.short_description = _("Customer")  # type: ignore[attr-defined]
    customer.column_type = "text rd-col-customer"  # type: ignore[attr-defined]

    def category(self, task: Task) -> str:
        case = case_of(task)
        return case.category.name if case and case.category else ""

    category.short_description = _("Category")  # type: ignore[attr-defined]
    category.column_type = "text rd-col-category"  # type: ignore[attr-defined]

    def priority(self, task: Task) -> str:
        case = case_of(task)
        if case is None or case.priority is None:
            return ""
        return format_html(
            '<span class="rd-chip" style="background:{}" title="{}">{}</span>',
            case.priority.colour,
            case.priority.name,
            case.priority.code,
        )

    priority.short_description = _("Priority")  # type: ignore[attr-defined]
    priority.column_type = "text rd-col-priority"  # type: ignore[attr-defined]

    def level(self, task: Task) -> str:
        case = case_of(task)
        return str(case.level) if case and case.level else ""

    level.short_description = _("Level")  # type: ignore[attr-defined]
    level.column_type = "text rd-col-level"  # type: ignore[attr-defined]

    def stage(self, task: Task) -> str:
        case = case_of(task)
        if case is None:
            return ""
        return self.stage_labels.get(case.stage, case.stage)

    stage.short_description = _("Stage")  # type: ignore[attr-defined]
    stage.column_type = "text rd-col-stage"  # type: ignore[attr-defined]

    @cached_property
    def stage_labels(self) -> dict[str, str]:
        """The stage names translated once per page (get_stage_display builds the choices per row;
        a setdefault built them again for each row too: 300 translations a page)."""
        return {value: str(label) for value, label in Stage.choices}

    def owner(self, task: Task) -> str:
        user = task.owner
        return person_name(user)

    owner.short_description = _("Owner")  # type: ignore[attr-defined]
    owner.column_type = "text rd-col-owner"  # type: ignore[attr-defined]

    def time_left(self, task: Task) -> str:
        """The governing clock, read as on the complaint page (web.countdown): a countdown the
        page's script keeps running (amber past the warning time, red when breached), or the time
        a paused clock has left."""
        state = clock_state(task, self.now)
        if state == ClockState.NONE:
            return ""
        paused = state == ClockState.PAUSED
        left = task.paused_left.total_seconds() if paused and task.paused_left else 0
        due = self.now if paused else task.clock_due
        reading, text = clock_reading(
            due=due,
            warn=None if paused else task.clock_warn,
            paused=paused,
            remaining_seconds=left,
            now=self.now,
            labels=self.countdown_labels,
        )
        return format_html(
            '<span class="rd-clock rd-countdown rd-clock--{}" data-due="{}" data-warn="{}" data-paused="{}" title="{}">'
            "{}</span>",
            reading,
            "" if paused else task.clock_due.isoformat(),
            task.clock_warn.isoformat() if task.clock_warn and not paused else "",
            "1" if paused else "",
            self.kind_labels.get(task.paused_kind if paused else task.clock_kind, ""),
            text,
        )

    time_left.short_description = _("Time left")  # type: ignore[attr-defined]
    time_left.column_type = "text rd-col-time_left"  # type: ignore[attr-defined]
    time_left.orderby_column = "clock_due"  # type: ignore[attr-defined]

    def last_activity(self, task: Task) -> str:
        at = getattr(task, "last_activity", None)
        if at is None:
            return ""
        local = timezone.localtime(at)
        return format_html(
            '<span class="rd-nowrap" title="{}">{}</span>',
            formats.date_format(local, "DATETIME_FORMAT"),
            formats.date_format(local, "SHORT_DATETIME_FORMAT"),
        )

    last_activity.short_description = _("Last activity")  # type: ignore[attr-defined]
    last_activity.column_type = "text rd-col-last_activity"  # type: ignore[attr-defined]
    last_activity.orderby_column = "last_activity"  # type: ignore[attr-defined]


# Placeholder ids of row_url: digit runs no other part of a list's URLs contains.
URL_MARK = 987_654_321_000


def row_url(view: Any, key: Any, reverse_ids: Callable[..., str], *ids: int) -> str:
    """`reverse_ids(*ids)` for one row of a list page, from a URL reversed once per page (kept on
    the view) with placeholder ids (URL_MARK…): a reverse() for each link of each row was a tenth
    of the page's time."""
    known = view.__dict__.setdefault("_row_urls", {})
    if key not in known:
        marks = [str(URL_MARK + index) for index in range(len(ids))]
        known[key] = (reverse_ids(*(URL_MARK + index for index in range(len(ids)))), marks)
    url, marks = known[key]
    for mark, value in zip(marks, ids, strict=True):
        url = url.replace(mark, str(value))
    return str(url)


# The inbox shows this many of the user's open review decisions (a panel, not a list to page).
DECISIONS_SHOWN = 20


class InboxView(WorklistMixin, WorkflowInboxListView):
    """Tasks assigned to the user, most urgent first."""

    list_name = _("Inbox")

    columns = tuple(c for c in WorklistMixin.columns if c != "owner")
    bulk_actions = (Action(name=_("Release selected tasks"), viewname="tasks_unassign"),)

    @property
    def review_decisions(self) -> list[Any]:
        """The user's open review decisions, above their tasks: each with its due date's clock (read
        with the page's rows: reads_with_page)."""
        return list(self.reads_with_page()[0])

    def reads_with_page(self) -> list[QuerySet[Any]]:
        if not hasattr(self, "_decisions"):
            self._decisions = decisions_open_of(self.request.user)[:DECISIONS_SHOWN]
        return [self._decisions]

    @viewprop
    def queryset(self) -> QuerySet[Any]:
        user = self.request.user
        return inbox_rows(
            self.model._default_manager.filter_available(self.flow_classes, user).select_related(*LIST_RELATED), user
        )


class QueueView(WorklistMixin, WorkflowQueueListView):
    """Tasks waiting in the user's queues, most urgent first; claim one or several at once."""

    list_name = _("Queue")

    columns = tuple(c for c in WorklistMixin.columns if c != "owner")
    bulk_actions = (Action(name=_("Claim selected tasks"), viewname="tasks_assign"),)

    def list_branches(self, rows: QuerySet[Any]) -> list[QuerySet[Any]]:
        if self.found_few:
            return []
        return queue_branches(rows if self.narrowed else None, self.request.user)

    @viewprop
    def queryset(self) -> QuerySet[Any]:
        user = self.request.user
        return queue_rows(
            self.model._default_manager.filter_available(self.flow_classes, user).select_related(*LIST_RELATED), user
        )


class ArchiveView(WorklistMixin, WorkflowArchiveListView):
    """Tasks the user finished, latest first."""

    list_name = _("Archive")

    columns = (*(c for c in WorklistMixin.columns if c != "owner"), "finished")
    search_by_process = True
    search_open_work = False

    @viewprop
    def queryset(self) -> QuerySet[Any]:
        """The finished tasks, latest first. Filtered or sorted by the deadline, each row's governing
        clock is worked out in SQL (with_deadlines); filtered by the case or sorted by its last
        activity, only the case (with_case); else (the plain page, a page of a search, a step) the
        rows are the tasks alone (`task_archive` and two joins), their cases, last activity and
        clocks read for the page's 25 (attach_rows). The case and clock subqueries over the four
        side processes' joins took 5–6 ms to plan for the plain page, five times its execution, and
        with a search's subquery they made too many tables for PostgreSQL to reorder."""
        tasks = self.model._default_manager.archive(self.flow_classes, self.request.user).select_related(*LIST_RELATED)
        if self.by_deadline:
            return with_deadlines(tasks).order_by("-finished")
        if self.by_case:
            return with_case(tasks).order_by("-finished")
        return tasks.order_by("-finished")

    @property
    def by_deadline(self) -> bool:
        """Whether the list is filtered or sorted by the deadline, so SQL must know each row's."""
        get = self.request.GET
        return bool(get.get("deadline")) or "time_left" in get.get(self.ordering_kwarg, "")

    @property
    def by_case(self) -> bool:
        """Whether SQL must know each row's case: anything asked but a page, a search (it matches
        the rows by their process) or a step filters or sorts by the case (the filters on the case,
        the last activity)."""
        return any(value for key, value in self.request.GET.items() if key not in ARCHIVE_PLAIN_PARAMS)

    def attach_rows(self, rows: list[Any]) -> None:
        if not self.by_deadline:
            attach_deadlines(rows)

    @property
    def cases_with_last_activity(self) -> bool:
        return not self.by_case and not self.by_deadline


# What the archive's plain read serves (a page, a search, the step filter, the default order).
ARCHIVE_PLAIN_PARAMS = ("page", "_search", "flow_task")


class BreachedView(WorklistMixin, WorkflowInboxListView):
    """The breached tasks of the user's inbox and queues, most overdue first."""

    list_name = _("Breached")

    title = _("Breached")
    bulk_actions = ()

    def list_branches(self, rows: QuerySet[Any]) -> list[QuerySet[Any]]:
        if self.found_few:
            return []
        return breached_branches(rows if self.narrowed else None, self.request.user, self.now)

    @viewprop
    def queryset(self) -> QuerySet[Any]:
        user = self.request.user
        tasks = self.model._default_manager.filter_available(self.flow_classes, user)
        return breached_rows(tasks.select_related(*LIST_RELATED), user, self.now)


@cache
def row_checkbox() -> str:
    """The cell of a row a bulk action can select (templates/web/includes/list_checkbox.html)."""
    box = render_to_string("web/includes/list_checkbox.html").strip()
    return format_html('<td class="vf-list__action-cell">{}</td>', mark_safe(box))  # noqa: S308 (our own file)


def table_rows(view: Any, page: Any, *, checkbox: bool) -> str:
    """The rows of a list page as HTML: viewflow's cells (view.get_page_data: each column's value,
    formatted and linked as viewflow does) joined in Python, each value escaped unless marked safe
    as the template would: the template's loop over 25 rows × 9 cells cost 5–7 ms a page."""
    parts: list[str] = []
    kinds: dict[Any, str] = {}  # each column's cell class, asked once a page
    for row, cells in view.get_page_data(page):
        parts.append(format_html('<tr data-row-id="{}">', row.pk))
        if checkbox:
            parts.append(row_checkbox())
        for column, value in cells:
            if column not in kinds:
                kinds[column] = column.column_type()  # a method (the template called it for us)
            parts.append(format_html('<td class="vf-list__table-cell-{}">{}</td>', kinds[column], value))
        parts.append("</tr>")
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped by format_html)


def badge(count: int) -> Any:
    """A menu count as shown: the number, or "999+" once it reaches the cap."""
    return count if count < MENU_COUNT_CAP else f"{MENU_COUNT_CAP - 1}+"


def worklist_counts(app: Any, request: Any) -> dict[str, Any]:
    """Menu badges: counted once per request, and kept for the user a short while across requests
    (web.header_counts: dropped after the user changes something, counted afresh when the queues
    they hold change)."""
    user = request.user

    def count() -> dict[str, Any]:
        counts = menu_counts(user=user)
        return {name: badge(getattr(counts, name)) for name in ("inbox", "queue", "breached")}

    signature = (user.is_superuser, tuple(user_queues(user)))
    return kept_for_user(request, "menu", signature, count)
