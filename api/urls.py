"""/api/: the resources, the OpenAPI schema and its documentation pages (served from our static files)."""

from typing import Any

from django.urls import path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import views
from api.schema import SchemaView

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register("tasks", views.TaskViewSet, basename="task")


def _login_exempt(patterns: list[Any]) -> list[Any]:
    """DRF authenticates API requests itself (token or session) and answers 401 with a problem
    document: the site's LoginRequiredMiddleware must not redirect them to the login page."""
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns


urlpatterns = _login_exempt(
    [
        path("schema/", SchemaView.as_view(), name="schema"),
        path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
        path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
        path("config/", views.ConfigurationView.as_view(), name="config"),
        path("kpis/", views.KpiView.as_view(), name="kpis"),
        *router.urls,
    ]
)
