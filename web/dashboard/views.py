"""The management dashboard in the staff shell (/dashboard/): KPIs with their definitions, charts,
region comparison, the managers' complaints list behind every number, and the review-pack archive.
Thin doors onto complaints.selectors.kpi and complaints.services.review."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from complaints.rules import kpi as rules
from complaints.selectors.kpi import RegionBasis, kpi_summary, may_see_dashboard, region_comparison
from complaints.selectors.routing import ConfigurationMissing
from web.dashboard import decisions, exports, lists, packs
from web.dashboard.forms import KpiFilterForm, quick_periods

# Keys of the query string that are not the dashboard's filters.
NOT_FILTERS = ("part", "page", "q", "sort", "columns", "format", "basis")


def filter_query(request: HttpRequest, *, period: rules.Period | None = None, drop: tuple[str, ...] = ()) -> str:
    """The filters of the request as a query string (without list-only keys), with the period's
    dates written out so that a drill-down lists exactly the period counted."""
    query: QueryDict = request.GET.copy()
    for key in NOT_FILTERS + drop:
        query.pop(key, None)
    if period is not None:
        query["start"] = period.start.isoformat()
        query["end"] = (period.end - timedelta(days=1)).isoformat()
    return query.urlencode()


def require_dashboard(request: HttpRequest) -> None:
    if not may_see_dashboard(request.user):
        raise PermissionDenied(_("The dashboard is for the roles the KPI settings name."))


def chart_data(summary: Any) -> dict[str, Any]:
    """What the charts draw (rendered with json_script, read by static/redress/kpi-charts.js)."""

    def pareto(rows: list[rules.ParetoRow]) -> dict[str, Any]:
        return {
            "labels": [r.label for r in rows],
            "counts": [r.count for r in rows],
            "cumulative": [r.cumulative for r in rows],
            "parts": [r.key for r in rows],
        }

    return {
        "texts": {
            "count": _("Complaints"),
            "cumulative": _("Cumulative %"),
            "causes": _("Confirmed causes"),
            "share": _("Complaints (by share)"),
            "valid": _("Valid"),
            "escalated": _("Escalated"),
            "total": _("Received"),
        },
        "categories": pareto(summary.categories),
        "causes": pareto(summary.causes),
        "responsibility": pareto(summary.responsibility),
        "trend": {
            "labels": [timezone.localtime(t["bucket"]).strftime("%Y-%m-%d") for t in summary.trend],
            "total": [t["total"] for t in summary.trend],
            "valid": [t["valid"] for t in summary.trend],
            "escalated": [t["escalated"] for t in summary.trend],
            "parts": [t["part_code"] for t in summary.trend],
        },
    }


def dashboard_page(request: HttpRequest) -> HttpResponse:
    require_dashboard(request)
    form = KpiFilterForm(request.GET or None)
    filters = form.filters()
    assert filters.period is not None  # the dashboard always counts a period
    context: dict[str, Any] = {
        "form": form,
        "title": _("Dashboard"),
        "query": filter_query(request, period=filters.period),
        "query_without_department": filter_query(request, period=filters.period, drop=("department",)),
        "definitions": {d.code: d for d in rules.DEFINITIONS},
        "quick_periods": quick_periods(timezone.localdate()),
        "period": filters.period,
        "period_last_day": filters.period.end - timedelta(days=1),
    }
    try:
        summary = kpi_summary(user=request.user, filters=filters)
    except ConfigurationMissing as missing:
        context["missing"] = str(missing)
        return render(request, "web/dashboard/index.html", context)
    basis = RegionBasis.HQ if request.GET.get("basis") == RegionBasis.HQ else RegionBasis.OWN
    context.update(
        summary=summary,
        charts=chart_data(summary),
        regions=region_comparison(user=request.user, filters=filters, basis=basis),
        basis=basis,
        query_with_basis=filter_query(request, period=filters.period),
    )
    return render(request, "web/dashboard/index.html", context)


class DashboardApp(Application):
    """/dashboard/: the numbers, the managers' list and the review packs, for the roles the KPI
    settings allow (scoped like everything else)."""

    app_name = "dashboard"
    title = gettext_lazy("Management")
    icon = "insights"
    menu_template_name = "web/dashboard/menu.html"
    turbo_disabled = True  # the charts' script runs on a full page load

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return may_see_dashboard(user)

    index_path = path("", dashboard_page, name="index")
    list_path = path("complaints/", lists.complaint_list_page, name="complaints")
    saved_path = path("complaints/saved/", lists.saved_filter_post, name="saved_filter")
    export_path = path("complaints/export/", exports.export_post, name="export")
    exports_path = path("exports/", exports.exports_page, name="exports")
    export_download_path = path("exports/<int:pk>/download/", exports.export_download, name="export_download")
    packs_path = path("packs/", packs.pack_list_page, name="packs")
    pack_path = path("packs/<int:pk>/<str:fmt>/", packs.pack_download, name="pack")
    pack_page_path = path("packs/<int:pk>/", decisions.pack_page, name="pack_page")
    decision_add_path = path(
        "packs/<int:pk>/decisions/new/", decisions.DecisionRecordView.as_view(), name="decision_add"
    )
