"""The notification list: what the system sent the reader (by e-mail or a gateway) also listed in
the workspace, with the unread ones marked, a link to the case, and mark as read (one or all).
Thin doors onto complaints.services.inbox and complaints.selectors.inbox."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from viewflow.urls import Viewset
from viewflow.urls.sites import AppMenuMixin

from complaints.selectors.inbox import notices_of
from complaints.services.inbox import NoticeRefused, notice_mark_read, notices_mark_all_read

NOTICES_PER_PAGE = 25


def notifications_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(notices_of(request.user), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/notifications.html",
        {"page": page, "notices": page.object_list, "query": "", "title": _("Notifications")},
    )


@require_POST
def notification_open(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Marks the reader's notice read and opens its complaint (or comes back to the list)."""
    back = reverse("workflow:notifications:index")
    try:
        notice = notice_mark_read(user=request.user, notice_id=notice_id)
    except NoticeRefused as refusal:
        # Someone else's notice (or none): as for any id outside the reader's scope, it does not exist.
        raise Http404(str(refusal.message)) from refusal
    if request.POST.get("stay") or notice.complaint_id is None:
        return HttpResponseRedirect(_next(request, back))
    return HttpResponseRedirect(reverse("workflow:flows:complaint:process_detail", args=[notice.complaint_id]))


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notices_mark_all_read(user=request.user)
    messages.success(request, _("All notifications marked as read (%(count)s).") % {"count": count}, fail_silently=True)
    return HttpResponseRedirect(_next(request, reverse("workflow:notifications:index")))


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default


class NotificationsViewset(AppMenuMixin, Viewset):
    """The reader's notification list in the staff shell's menu (the header's bell links here)."""

    app_name = "notifications"
    title = gettext_lazy("Notifications")
    icon = "notifications"

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(user.is_authenticated)

    index_path = path("", notifications_page, name="index")
    open_path = path("<int:notice_id>/open/", notification_open, name="open")
    read_all_path = path("read-all/", notifications_read_all, name="read_all")
