"""The case library in the staff shell, and the similar-cases panel of the intake page. Thin doors
onto selectors.cases."""

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.urls import Viewset
from viewflow.urls.sites import AppMenuMixin

from complaints.auth import VIEW_PERMISSION
from complaints.forms.batch import CaseSearchForm
from complaints.selectors.cases import case_rows, case_search, similar_cases, with_solution
from complaints.selectors.routing import ConfigurationMissing
from complaints.selectors.triage import intake_triage_panel

CASES_PER_PAGE = 20


def case_library_page(request: HttpRequest) -> HttpResponse:
    form = CaseSearchForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "category": data["category"],
            "product_model": data["product_model"],
            "cause_category": data["cause_category"].code if data["cause_category"] else "",
            "text": data["q"],
        }
    page = Paginator(with_solution(case_search(user=request.user, **filters)), CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/cases/library.html",
        {
            "form": form,
            "page": page,
            "cases": case_rows(page.object_list),
            "query": query.urlencode(),
            "title": _("Case library"),
        },
    )


def similar_cases_panel(request: HttpRequest) -> HttpResponse:
    """The intake page fetches this panel as the agent fills category, model, batch, place and
    words: the model's suggestions, open complaints that look like the same incident, and the
    closed cases most like this one."""
    raw = request.GET.get("category") or ""
    category_id = int(raw) if raw.isdigit() else None
    model = (request.GET.get("product_model") or "")[:100]
    batch = (request.GET.get("batch_number") or "")[:64]
    place = (request.GET.get("occurred_place") or "")[:200]
    words = (request.GET.get("words") or "")[:2000]
    cases = similar_cases(user=request.user, category_id=category_id, product_model=model, words=words)
    asked = category_id is not None or bool(model.strip() or words.strip())
    try:
        triage = intake_triage_panel(
            user=request.user, product_model=model, batch_number=batch, place=place, words=words
        )
    except ConfigurationMissing:
        triage = None  # no triage settings: no suggestions, the similar cases still help
    return render(request, "web/cases/_similar.html", {"cases": cases, "asked": asked, "triage": triage})


class CaseLibraryViewset(AppMenuMixin, Viewset):
    """The case library in the staff shell's menu."""

    app_name = "cases"
    title = gettext_lazy("Case library")
    icon = "menu_book"

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(user.is_authenticated and (user.is_superuser or user.has_perm(VIEW_PERMISSION)))

    index_path = path("", case_library_page, name="index")
    similar_path = path("similar/", similar_cases_panel, name="similar")
