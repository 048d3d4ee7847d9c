from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from viewflow.contrib.admin import Admin
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site

from config import health
from flows.flows import (
    ActionFlow,
    AppealFlow,
    ApprovalFlow,
    CollaborationFlow,
    ComplaintFlow,
    CustomStepFlow,
    MentionFlow,
)
from flows.viewsets import ComplaintFlowViewset, RedressWorkflowApp, SideFlowViewset
from web.batch import BatchViewset
from web.cases import CaseLibraryViewset
from web.dashboard.decisions import DecisionsViewset
from web.dashboard.views import DashboardApp
from web.notifications import NotificationsViewset
from web.profile import ProfileViewset, language_set

site = Site(
    title=settings.SITE_TITLE,
    viewsets=[
        RedressWorkflowApp(
            flow_viewsets=[
                ComplaintFlowViewset(ComplaintFlow, icon="report_problem"),
                SideFlowViewset(ApprovalFlow, icon="price_check"),
                SideFlowViewset(CollaborationFlow, icon="forum"),
                SideFlowViewset(ActionFlow, icon="build"),
                SideFlowViewset(MentionFlow, icon="alternate_email"),
                SideFlowViewset(CustomStepFlow, icon="playlist_add_check"),
                SideFlowViewset(AppealFlow, icon="gavel"),
            ],
            viewsets=[
                BatchViewset(),
                CaseLibraryViewset(),
                NotificationsViewset(),
                DecisionsViewset(),
                ProfileViewset(),
            ],
        ),
        DashboardApp(),
        Admin(),
    ],
)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", AuthViewset().urls),
    path("preferences/language/", language_set, name="language_set"),
    # The translations viewflow's scripts read (window.gettext): the bulk bar's "… selected", the date
    # picker's month names (Django admin's catalog) and first day of the week. The login page loads it
    # too (templates/viewflow/base.html).
    path(
        "jsi18n/",
        login_not_required(JavaScriptCatalog.as_view(packages=["django.contrib.admin"])),
        name="javascript-catalog",
    ),
    path("api/", include("api.urls")),
    path("customer/", include("portal.urls")),
    path("", include("web.urls")),
    path("", site.urls),
]
# Uploaded files are never served from MEDIA_URL: web.actions.attachment_download checks scope.
