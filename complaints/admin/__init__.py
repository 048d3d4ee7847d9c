"""The configuration product: everything an admin sets without code.

One module per area: org (departments, roles), config (priorities, calendars, levels, settings),
intake_forms (category forms: draft, preview, publish), routing (rules, stage profiles, step
routing), quality (fishbone cause categories), notify (notify lists, templates), complaint (the
read-only record, answer filters, CSV), batch (investigations, deliveries and their CSV import) and
tools (export/import, routing dry run, configuration history); kpi holds the KPI targets, the
dashboard roles and the review packs; triage holds the emotion lexicon, the triage settings and the
trained models.
"""

from typing import Any

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from complaints.admin import (
    batch,
    complaint,
    config,
    home,
    intake_forms,
    kpi,
    notify,
    org,
    portal,
    privacy,
    quality,
    regional,
    routing,
    steps,
    tools,
    triage,
)

__all__ = [
    "batch",
    "complaint",
    "config",
    "home",
    "intake_forms",
    "kpi",
    "notify",
    "org",
    "portal",
    "privacy",
    "quality",
    "regional",
    "routing",
    "steps",
    "tools",
    "triage",
]

admin.site.site_header = _("Redress administration")
admin.site.site_title = _("Redress")
admin.site.index_title = _("Configuration")
admin.site.index_template = "admin/redress_index.html"

_original_get_urls = admin.site.get_urls


def _get_urls() -> list[Any]:
    """The admin's own URLs plus the configuration tools (staff only, like every admin page)."""
    view = admin.site.admin_view
    extra = [
        path("config/export/", view(tools.config_export_view), name="config_export"),
        path("config/import/", view(tools.config_import_view), name="config_import"),
        path("config/history/", view(tools.config_history_view), name="config_history"),
        path("config/routing-preview/", view(tools.routing_preview_view), name="routing_preview"),
        path("privacy/request/", view(privacy.person_request_view), name="person_request"),
    ]
    return extra + _original_get_urls()


admin.site.get_urls = _get_urls  # type: ignore[method-assign]

_original_get_app_list = admin.site.get_app_list


def _get_app_list(request: Any, app_label: str | None = None) -> list[dict[str, Any]]:
    """The home and the side bar list the models in setup order (complaints/admin/home.py); an
    app's own page lists its models as Django does."""
    app_list = _original_get_app_list(request, app_label)
    return app_list if app_label else home.grouped_app_list(app_list)


admin.site.get_app_list = _get_app_list  # type: ignore[method-assign]

_original_index = admin.site.index


def _index(request: Any, extra_context: dict[str, Any] | None = None) -> Any:
    """The admin home: the setup checklist, and a warning for every level, notify list or chain
    step that reaches nobody."""
    from complaints.selectors.setup import setup_checklist
    from complaints.selectors.staffing import staffing_gaps

    steps = setup_checklist() if request.user.has_perm(tools.CONFIG_PERMISSION) else []
    context = {
        "staffing_gaps": staffing_gaps(),
        "setup_missing": [step for step in steps if not step.done],
        "setup_done": " · ".join(step.label for step in steps if step.done),
    }
    return _original_index(request, {**context, **(extra_context or {})})


admin.site.index = _index  # type: ignore[method-assign]
