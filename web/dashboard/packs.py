"""The review-pack archive: the packs as they were sent, for their recipients and superusers."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from complaints.models import ReviewPack
from complaints.selectors.kpi import may_read_packs

FORMATS = {
    "html": ("text/html; charset=utf-8", "inline"),
    "pdf": ("application/pdf", "attachment"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment"),
}


def packs_for(user: Any) -> QuerySet[ReviewPack]:
    if not may_read_packs(user):
        raise PermissionDenied(_("Review packs are for their recipients (KPI settings)."))
    return ReviewPack.objects.defer("html", "pdf", "xlsx")


def pack_list_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/dashboard/packs.html",
        {"title": _("Review packs"), "packs": packs_for(request.user)[:200]},
    )


def pack_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    pack = packs_for(request.user).filter(pk=pk).first()
    if pack is None:
        raise Http404
    content_type, disposition = FORMATS[fmt]
    body = pack.html if fmt == "html" else bytes(getattr(pack, fmt))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="review-{pack.period}.{fmt}"'
    return response
