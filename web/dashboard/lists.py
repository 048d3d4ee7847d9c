"""The managers' complaints list: the dashboard's filters, a KPI part (the drill-down), free-text
search, chosen columns, saved filters per user, and CSV/XLSX export of what is listed."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.models import Complaint, SavedFilter
from complaints.rules.names import person_name
from complaints.selectors.intake_forms import categories_by_id, category_label
from complaints.selectors.kpi import LIST_SORTS, managers_list
from complaints.selectors.pages import PeekPaginator
from complaints.selectors.routing import departments_by_id, levels_by_id, priorities_by_id
from web.dashboard.forms import KpiFilterForm

ROWS_PER_PAGE = 50
# The columns a manager may show (model field names); the first five are shown by default.
COLUMNS: tuple[str, ...] = ("reference", "received_at", "priority", "level", "stage", "owner", "department")
COLUMNS += ("category", "outcome", "response_due", "resolution_due", "closed_at", "satisfaction", "channel")
DEFAULT_COLUMNS = ("reference", "received_at", "priority", "level", "stage", "owner", "resolution_due")
# A sort by a configured rank (priority, level) is read one value at a time from the column's index
# with the number (migration 0050), latest registered first within each, as far as the page: sorted
# whole, the ranks' join sorted every complaint (7 s at 1,000,000).
RANKED = ("priority", "level")


def listed(request: HttpRequest, form: KpiFilterForm) -> QuerySet[Complaint]:
    """The complaints the list shows for this request (scope, filters, part, search, order)."""
    from web.dashboard.views import require_dashboard

    require_dashboard(request)
    try:
        return managers_list(user=request.user, params=request.GET, form=form)
    except (KeyError, ValueError) as unknown:
        raise Http404(_("No such number on the dashboard.")) from unknown


# The columns that name a piece of the configuration, read from its copy (once per configuration).
CONFIGURED: dict[str, Callable[[], dict[int, Any]]] = {
    "priority": priorities_by_id,
    "level": levels_by_id,
    "department": departments_by_id,
    "category": categories_by_id,
}


def ranked_parts(sort: str) -> Any:
    """For a sort by priority or level (RANKED), the list's parts, one per value and one without:
    each read latest registered first from its index (PeekPaginator's branches); else None."""
    if sort not in RANKED:
        return None
    ids: list[int | None] = [*CONFIGURED[sort](), None]
    return lambda rows: [rows.filter(**{f"{sort}_id": pk}).order_by("-pk") for pk in ids]


def page_of(request: HttpRequest, qs: QuerySet[Complaint]) -> Any:
    """The page asked for (the first for a page number that is not one or past the end), read one
    row past it instead of counting the list (PeekPaginator: counting every complaint a manager may
    see took 250 ms at 1,000,000)."""
    # The configured names from their copies (cell): joined, the page's seven tables took PostgreSQL
    # 32 ms to plan for 2 ms of reading.
    rows = qs.prefetch_related("owner")
    paginator = PeekPaginator(rows, ROWS_PER_PAGE, branches=ranked_parts(request.GET.get("sort", "")))
    try:
        return paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        return paginator.page(1)


def complaint_list_page(request: HttpRequest) -> HttpResponse:
    form = KpiFilterForm(request.GET or None)
    qs = listed(request, form)
    columns = [c for c in request.GET.getlist("columns") if c in COLUMNS] or list(DEFAULT_COLUMNS)
    page = page_of(request, qs)
    query = request.GET.copy()
    query.pop("page", None)
    no_format = query.copy()
    no_format.pop("format", None)
    part = request.GET.get("part", "")
    no_part = no_format.copy()
    no_part.pop("part", None)
    return render(
        request,
        "web/dashboard/complaints.html",
        {
            "title": _("Complaints for managers"),
            "form": form,
            "page": page,
            "rows": [(c, [cell(c, name) for name in columns]) for c in page.object_list],
            "headers": [str(Complaint._meta.get_field(name).verbose_name) for name in columns],
            "columns": columns,
            "all_columns": [(name, str(Complaint._meta.get_field(name).verbose_name)) for name in COLUMNS],
            "query": query.urlencode(),
            "export_query": no_format.urlencode(),
            "part": part,
            "query_without_part": no_part.urlencode(),
            "q": request.GET.get("q", ""),
            "saved": SavedFilter.objects.filter(user_id=request.user.pk or 0),
            "sorts": LIST_SORTS,
        },
    )


def cell(complaint: Complaint, name: str) -> Any:
    configured = CONFIGURED.get(name)
    value = configured().get(getattr(complaint, f"{name}_id")) if configured else getattr(complaint, name)
    display = getattr(complaint, f"get_{name}_display", None)
    if display is not None and value:
        return display()
    if name == "owner" and value is not None:
        return person_name(value)
    if name == "priority" and value is not None:
        return value.code
    if name == "category" and value is not None:
        return category_label(value)
    if hasattr(value, "tzinfo") and value is not None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else value


@require_POST
def saved_filter_post(request: HttpRequest) -> HttpResponse:
    """Saves the current filter under a name, or deletes one of the user's own saved filters."""
    from web.dashboard.views import require_dashboard

    require_dashboard(request)
    user_pk: int = request.user.pk or 0
    target = reverse("dashboard:complaints")
    delete = request.POST.get("delete", "")
    if delete.isdigit():
        SavedFilter.objects.filter(user_id=user_pk, pk=int(delete)).delete()
        return HttpResponseRedirect(target)
    name = (request.POST.get("name") or "").strip()[:80]
    query = (request.POST.get("query") or "")[:1000]
    if not name:
        messages.error(request, _("Give the filter a name."))
        return HttpResponseRedirect(f"{target}?{query}")
    try:
        with transaction.atomic():
            SavedFilter.objects.create(user_id=user_pk, name=name, query=query)
    except IntegrityError:
        messages.error(request, _("You already have a filter with this name."))
    return HttpResponseRedirect(f"{target}?{query}")
