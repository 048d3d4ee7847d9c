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

from complaints.forms.public import AddInformationForm, ConfirmForm, PublicComplaintForm, SurveyForm
from complaints.selectors.customer import customer_view, portal_settings
from complaints.services import intake
from complaints.services.customer import (
    CustomerRefused,
    FilingRefused,
    LinkRefused,
    complaint_file_public,
    customer_add_information,
    customer_confirm,
    customer_link_issue,
    customer_link_open,
    customer_survey_answer,
)


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


class ComplaintNewView(PortalView):
    template_name = "portal/new.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PublicComplaintForm(initial={"category": request.GET.get("category") or None})
        return self.page(request, {"form": form, "open": portal_settings() is not None})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PublicComplaintForm(request.POST, request.FILES)
        if form.is_robot:
            # Said plainly, stored nowhere; a person never sees the field.
            return self.page(
                request, {"form": form, "open": True, "refusal": _("Your complaint could not be sent.")}, 400
            )
        if not form.is_valid():
            return self.page(request, {"form": form, "open": True}, 400)
        portal = portal_settings()
        try:
            if portal is None:
                raise FilingRefused(_("Online filing is not open yet. Please call our hotline."))

            def register(complaint: Any) -> Any:
                return intake.complaint_register(
                    complaint=complaint,
                    data=form.cleaned_data,
                    department=portal.receiving_department,
                    receiver=None,
                    attachments=form.cleaned_data.get("attachments") or [],
                    answer_form=form.answer_form,
                    answers=form.answers,
                )

            complaint = complaint_file_public(
                address=client_address(request), phone=form.cleaned_data["customer_phone"], register=register
            )
        except CustomerRefused as refusal:
            return self.page(request, {"form": form, "open": portal is not None, "refusal": refusal.message}, 429)
        token = customer_link_issue(complaint=complaint)
        return HttpResponseRedirect(reverse("portal:track", args=[token]) + "?filed=1")


class TrackView(PortalView):
    template_name = "portal/track.html"

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
        return self.page(request, self.context(link, AddInformationForm()))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        link = self.open(request, token)
        if isinstance(link, HttpResponse):
            return link
        form = AddInformationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                customer_add_information(
                    link=link, text=form.cleaned_data["text"], uploads=form.cleaned_data["uploads"] or []
                )
            except CustomerRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                return HttpResponseRedirect(request.path + "?added=1")
        return self.page(request, self.context(link, form), 400)

    def context(self, link: Any, form: AddInformationForm, **forms: Any) -> dict[str, Any]:
        return {
            "view": customer_view(complaint=link.complaint),
            "form": form,
            "confirm_form": forms.get("confirm_form") or ConfirmForm(),
            "survey_form": forms.get("survey_form") or SurveyForm(),
            "token": self.kwargs["token"],
            "done": self.request.GET.get("done", ""),
            "filed": self.request.GET.get("filed") == "1",
            "added": self.request.GET.get("added") == "1",
        }


class AnswerView(TrackView):
    """Posts one answer (confirmation or survey) through the customer's link, then back to the page."""

    form_class: Any = None
    form_name = ""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return HttpResponseRedirect(reverse("portal:track", args=[token]))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        link = self.open(request, token)
        if isinstance(link, HttpResponse):
            return link
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.answer(link, form.cleaned_data)
            except CustomerRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                return HttpResponseRedirect(reverse("portal:track", args=[token]) + f"?done={self.form_name}")
        return self.page(request, self.context(link, AddInformationForm(), **{self.form_name + "_form": form}), 400)

    def answer(self, link: Any, data: dict[str, Any]) -> None:
        raise NotImplementedError


class ConfirmView(AnswerView):
    form_class = ConfirmForm
    form_name = "confirm"

    def answer(self, link: Any, data: dict[str, Any]) -> None:
        customer_confirm(link=link, resolved=data["resolved"], reason=data.get("reason") or "")


class SurveyView(AnswerView):
    form_class = SurveyForm
    form_name = "survey"

    def answer(self, link: Any, data: dict[str, Any]) -> None:
        customer_survey_answer(
            link=link,
            satisfaction=data["satisfaction"],
            comment=data.get("comment") or "",
            satisfaction_before=data.get("satisfaction_before"),
        )
