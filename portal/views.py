"""The customer's pages: no account, a signed link instead. Each page calls one service and shows a
refusal's message on the page, changing nothing."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from complaints.forms.public import AddInformationForm, ConfirmForm, PublicAppealForm, PublicComplaintForm, SurveyForm
from complaints.forms.refusals import RefusalFormMixin
from complaints.selectors.customer import customer_view, portal_settings
from complaints.services import intake
from complaints.services.appeal import appeal_open
from complaints.services.customer import (
    FilingRefused,
    LinkRefused,
    complaint_file_public,
    customer_add_information,
    customer_confirm,
    customer_link_issue,
    customer_link_open,
    customer_survey_answer,
)
from complaints.services.errors import Refused


def client_address(request: HttpRequest) -> str:
    """The client's network address as the server saw it (a proxy in front sets REMOTE_ADDR through
    the deployment's settings, never from a header the client controls)."""
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a placeholder, not a bind address


@method_decorator(login_not_required, name="dispatch")
class PortalView(View):
    """A customer page: `?lang=` switches the language (remembered in Django's language cookie)."""

    template_name = ""
    chosen_language = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        language = request.GET.get("lang", "")
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
            self.chosen_language = language
        response = super().dispatch(request, *args, **kwargs)
        if self.chosen_language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, self.chosen_language, samesite="Lax")
        return response

    def page(self, request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"languages": settings.LANGUAGES, **context}, status=status)


class ComplaintNewView(RefusalFormMixin, PortalView):
    """The public complaint form, through the one form → service → refusal pattern: a refusal (online
    filing closed, a rate limit reached, a honeypot filled) is said on this page, translated, and
    nothing is stored. A refused filing answers 429 (too many requests) so clients and proxies treat
    it as a limit."""

    template_name = "portal/new.html"
    form: Any = None
    status = 400

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PublicComplaintForm(initial={"category": request.GET.get("category") or None})
        return self.page(request, {"form": form, "open": portal_settings() is not None})

    def post(self, request: HttpRequest) -> HttpResponse:
        self.form = PublicComplaintForm(request.POST, request.FILES)
        return self.form_valid(self.form) if self.form.is_valid() else self.form_invalid(self.form)

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.page(self.request, {"form": form, "open": portal_settings() is not None}, self.status)

    def perform(self, data: dict[str, Any]) -> Any:
        portal = portal_settings()
        if portal is None:
            raise FilingRefused(_("Online filing is not open yet. Please call our hotline."))
        form = self.form

        def register(complaint: Any) -> Any:
            return intake.complaint_register(
                complaint=complaint,
                data=data,
                department=portal.receiving_department,
                receiver=None,
                attachments=data.get("attachments") or [],
                answer_form=form.answer_form,
                answers=form.answers,
            )

        return complaint_file_public(
            address=client_address(self.request), phone=data["customer_phone"], register=register
        )

    def refused(self, form: Any, refusal: Refused) -> HttpResponse:
        if isinstance(refusal, FilingRefused):
            self.status = 429
        return super().refused(form, refusal)

    def succeeded(self, form: Any, result: Any) -> HttpResponse:
        token = customer_link_issue(complaint=result)
        return HttpResponseRedirect(reverse("portal:track", args=[token]) + "?filed=1")


class TrackView(RefusalFormMixin, PortalView):
    """The tracking page. Its own form adds information; the answer pages below post one answer
    each. Every form goes through the one form → service → refusal pattern: a refusal is shown on
    the page with the form, and nothing changes."""

    template_name = "portal/track.html"
    form_class: Any = AddInformationForm
    form_name = "form"  # the page's context name of this view's form
    link: Any = None

    def open(self, request: HttpRequest, token: str) -> Any:
        try:
            return customer_link_open(token=token)
        except LinkRefused as refusal:
            return self.page(
                request,
                {"refusal": refusal.message, "reason": refusal.reason},
                410 if refusal.reason != "invalid" else 404,
            )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        link = self.open(request, token)
        if isinstance(link, HttpResponse):
            return link
        return self.page(request, self.context(link))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        link = self.open(request, token)
        if isinstance(link, HttpResponse):
            return link
        self.link = link
        form = self.form_class(request.POST, request.FILES)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.page(self.request, self.context(self.link, **{self.form_name: form}), 400)

    def perform(self, data: dict[str, Any]) -> Any:
        return customer_add_information(link=self.link, text=data["text"], uploads=data["uploads"] or [])

    def succeeded(self, form: Any, result: Any) -> HttpResponse:
        return HttpResponseRedirect(self.request.path + "?added=1")

    def context(self, link: Any, **forms: Any) -> dict[str, Any]:
        return {
            "view": customer_view(complaint=link.complaint),
            "form": forms.get("form") or AddInformationForm(),
            "confirm_form": forms.get("confirm_form") or ConfirmForm(),
            "survey_form": forms.get("survey_form") or SurveyForm(),
            "appeal_form": forms.get("appeal_form") or PublicAppealForm(),
            "token": self.kwargs["token"],
            "done": self.request.GET.get("done", ""),
            "filed": self.request.GET.get("filed") == "1",
            "added": self.request.GET.get("added") == "1",
        }


class AnswerView(TrackView):
    """Posts one answer (confirmation, survey, appeal) through the customer's link, then back to the page."""

    answer_name = ""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return HttpResponseRedirect(reverse("portal:track", args=[token]))

    def succeeded(self, form: Any, result: Any) -> HttpResponse:
        return HttpResponseRedirect(reverse("portal:track", args=[self.kwargs["token"]]) + f"?done={self.answer_name}")


class ConfirmView(AnswerView):
    form_class = ConfirmForm
    form_name = "confirm_form"
    answer_name = "confirm"

    def perform(self, data: dict[str, Any]) -> Any:
        return customer_confirm(link=self.link, resolved=data["resolved"], reason=data.get("reason") or "")


class SurveyView(AnswerView):
    form_class = SurveyForm
    form_name = "survey_form"
    answer_name = "survey"

    def perform(self, data: dict[str, Any]) -> Any:
        return customer_survey_answer(
            link=self.link,
            satisfaction=data["satisfaction"],
            comment=data.get("comment") or "",
            satisfaction_before=data.get("satisfaction_before"),
        )


class AppealView(AnswerView):
    form_class = PublicAppealForm
    form_name = "appeal_form"
    answer_name = "appeal"

    def perform(self, data: dict[str, Any]) -> Any:
        return appeal_open(complaint=self.link.complaint, link=self.link, grounds=data["grounds"])
