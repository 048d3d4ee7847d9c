"""A review pack's page in the staff shell (its files, the decisions taken on it, the form to record
one) and a decision's page (its owner reports it done with evidence). Thin doors onto
complaints.services.decisions; the service checks who may act again."""

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.urls import Viewset
from viewflow.urls.sites import AppMenuMixin

from complaints.forms.refusals import RefusalFormMixin
from complaints.models import ReviewDecision, ReviewPack
from complaints.selectors.common import complaints_visible_to
from complaints.selectors.kpi import decisions_of_pack, decisions_open_of, decisions_with_clock, may_read_packs
from complaints.services.decisions import decision_done, decision_record
from web.dashboard.forms import DecisionDoneForm, DecisionForm


def _pack(request: HttpRequest, pk: int) -> ReviewPack:
    """The pack, or 404 for anyone who does not read the packs (as if it did not exist)."""
    pack = (
        ReviewPack.objects.defer("html", "pdf", "xlsx").filter(pk=pk).first() if may_read_packs(request.user) else None
    )
    if pack is None:
        raise Http404
    return pack


def _pack_context(request: HttpRequest, pack: ReviewPack, form: DecisionForm | None = None) -> dict[str, Any]:
    return {
        "title": f"{pack.get_kind_display()} {pack.period}",
        "pack": pack,
        "decisions": list(decisions_of_pack(pack)),
        "form": form or DecisionForm(visible=complaints_visible_to(request.user)),
        "now": timezone.now(),
        "today": timezone.localdate(),
    }


def pack_page(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _pack(request, pk)
    return render(request, "web/dashboard/pack.html", _pack_context(request, pack))


class DecisionRecordView(RefusalFormMixin, generic.FormView):
    """Records a decision on the pack; bad input or a refusal answers on the pack page (400)."""

    form_class = DecisionForm
    http_method_names = ["post"]
    request: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.pack = _pack(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "visible": complaints_visible_to(self.request.user)}

    def perform(self, data: dict[str, Any]) -> Any:
        return decision_record(
            pack=self.pack,
            actor=self.request.user,
            owner=data["owner"],
            due_date=data["due_date"],
            description=data["description"],
            complaints=data["complaints"],
            category=data["category"],
        )

    def succeeded(self, form: Any, result: Any) -> HttpResponse:
        messages.success(self.request, _("Decision recorded; its owner finds it in their inbox."), fail_silently=True)
        return HttpResponseRedirect(reverse("dashboard:pack_page", args=[self.pack.pk]))

    def form_invalid(self, form: Any) -> HttpResponse:
        return render(self.request, "web/dashboard/pack.html", _pack_context(self.request, self.pack, form), status=400)


def _decision(request: HttpRequest, pk: int) -> ReviewDecision:
    """The decision, for its owner and those who read the packs; 404 for anyone else."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    rows = ReviewDecision.objects.select_related("pack", "owner", "category", "done_by", "created_by")
    if not may_read_packs(user):
        rows = rows.filter(Q(owner=user))
    decision = decisions_with_clock(rows).filter(pk=pk).first()
    if decision is None:
        raise Http404
    return decision


def _decision_context(request: HttpRequest, decision: ReviewDecision, form: Any = None) -> dict[str, Any]:
    visible = complaints_visible_to(request.user)
    return {
        "title": _("Review decision"),
        "decision": decision,
        "complaints": list(decision.complaints.filter(pk__in=visible.values("pk")).order_by("reference")),
        "may_close": decision.status == ReviewDecision.Status.OPEN
        and (decision.owner_id == request.user.pk or request.user.is_superuser),
        "may_read_pack": may_read_packs(request.user),
        "form": form or DecisionDoneForm(),
        "now": timezone.now(),
    }


def decision_page(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    return render(request, "web/dashboard/decision.html", _decision_context(request, decision))


class DecisionDoneView(RefusalFormMixin, generic.FormView):
    """The owner reports the decision done with evidence; a refusal answers on its page (400)."""

    form_class = DecisionDoneForm
    http_method_names = ["post"]
    request: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.decision = _decision(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def perform(self, data: dict[str, Any]) -> Any:
        return decision_done(decision=self.decision, actor=self.request.user, evidence=data["evidence"])

    def succeeded(self, form: Any, result: Any) -> HttpResponse:
        messages.success(self.request, _("Decision reported done."), fail_silently=True)
        return HttpResponseRedirect(reverse("workflow:decisions:detail", args=[self.decision.pk]))

    def form_invalid(self, form: Any) -> HttpResponse:
        context = _decision_context(self.request, self.decision, form)
        return render(self.request, "web/dashboard/decision.html", context, status=400)


def my_decisions_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/dashboard/my_decisions.html",
        {"title": _("Review decisions"), "decisions": list(decisions_open_of(request.user)), "now": timezone.now()},
    )


class DecisionsViewset(AppMenuMixin, Viewset):
    """The reader's open review decisions in the staff shell's menu (every owner, whether or not
    they see the dashboard), each with its page where the owner reports it done."""

    app_name = "decisions"
    title = gettext_lazy("Review decisions")
    icon = "task_alt"

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(user.is_authenticated)

    index_path = path("", my_decisions_page, name="index")
    detail_path = path("<int:pk>/", decision_page, name="detail")
    done_path = path("<int:pk>/done/", DecisionDoneView.as_view(), name="done")
