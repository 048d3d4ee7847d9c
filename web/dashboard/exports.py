"""The managers' exports: asking for one (the list's export buttons), the manager's own exports
with their state, and downloading a finished one. Thin doors onto complaints.services.exports."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.downloads import export_response
from complaints.models import ComplaintExport
from complaints.selectors.kpi import kpi_settings
from complaints.services.exports import PENDING, ExportRefused, export_request

EXPORTS_SHOWN = 50


@require_POST
def export_post(request: HttpRequest) -> HttpResponse:
    """Asks for an export of the list as its query (the hidden `query`) filters it."""
    from web.dashboard.views import require_dashboard

    require_dashboard(request)
    query = (request.POST.get("query") or "")[:1000]
    try:
        new = export_request(user=request.user, params=QueryDict(query), fmt=request.POST.get("format", ""))[1]
    except ExportRefused as refusal:
        messages.error(request, str(refusal.message))
        return HttpResponseRedirect(f"{reverse('dashboard:complaints')}?{query}")
    if new:
        messages.success(
            request, _("Your export is being made. You will find it here, and be notified, when it is ready.")
        )
    else:
        messages.info(request, _("This export is already being made."))
    return HttpResponseRedirect(reverse("dashboard:exports"))


def exports_page(request: HttpRequest) -> HttpResponse:
    from web.dashboard.views import require_dashboard

    require_dashboard(request)
    mine = ComplaintExport.objects.filter(requested_by_id=request.user.pk, kind=ComplaintExport.Kind.LIST)
    exports = list(mine.defer("ids")[:EXPORTS_SHOWN])
    return render(
        request,
        "web/dashboard/exports.html",
        {
            "title": _("My exports"),
            "exports": exports,
            "pending": any(e.status in PENDING for e in exports),
            "list_url": reverse("dashboard:complaints"),
            "keep_days": kpi_settings().export_keep_days,
        },
    )


def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The file of one of the reader's own finished exports of the list (anyone else's: not found)."""
    from web.dashboard.views import require_dashboard

    require_dashboard(request)
    kind = ComplaintExport.Kind.LIST
    return export_response(ComplaintExport.objects.filter(pk=pk, requested_by_id=request.user.pk, kind=kind).first())
