"""The user's own profile: the language they read in, how they are reached (channels, address on
gateways, quiet hours), and where they work (departments and roles, set by the admin). Thin doors
onto complaints.services.preferences and complaints.selectors.preferences."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.urls import Viewset
from viewflow.urls.sites import AppMenuMixin

from complaints.forms.refusals import RefusalFormMixin
from complaints.middleware import SESSION_KEY as LANGUAGE_SESSION_KEY
from complaints.models import NotificationPreference
from complaints.selectors.preferences import offered_channels, profile_of
from complaints.services.preferences import preference_set_language, preference_set_notifications


class TimeInput(forms.TimeInput):
    input_type = "time"


class ReachForm(forms.Form):
    """How the user wants to be reached."""

    channels: "forms.ModelMultipleChoiceField[Any]" = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Channels"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen: e-mail only."),
    )
    gateway_address = forms.CharField(
        label=gettext_lazy("Mobile number or IM handle"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Sent to message gateways (SMS, IM) with each message."),
    )
    quiet_start = forms.TimeField(label=gettext_lazy("Quiet hours from"), required=False, widget=TimeInput)
    quiet_end = forms.TimeField(label=gettext_lazy("until"), required=False, widget=TimeInput)
    time_zone = forms.CharField(
        label=gettext_lazy("Time zone"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Of the quiet hours, e.g. Asia/Shanghai; empty: the server's."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = offered_channels()  # type: ignore[attr-defined]


def _initial(preference: NotificationPreference | None) -> dict[str, Any]:
    if preference is None:
        return {}
    return {
        "channels": list(preference.channels.all()),
        "gateway_address": preference.gateway_address,
        "quiet_start": preference.quiet_start,
        "quiet_end": preference.quiet_end,
        "time_zone": preference.time_zone,
    }


class ProfileView(RefusalFormMixin, generic.FormView):
    """The profile page and its form of how the user is reached (a refusal: next to the field)."""

    template_name = "web/profile.html"
    form_class = ReachForm
    request: Any

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.profile = profile_of(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return _initial(self.profile.notification)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            profile=self.profile, title=_("My profile"), next=self.request.get_full_path(), **kwargs
        )

    def perform(self, data: dict[str, Any]) -> None:
        preference_set_notifications(
            user=self.request.user,
            channels=data["channels"],
            gateway_address=data["gateway_address"],
            quiet_start=data["quiet_start"],
            quiet_end=data["quiet_end"],
            time_zone=data["time_zone"],
        )

    def succeeded(self, form: Any, result: None) -> HttpResponse:
        messages.success(self.request, _("Your notification settings are saved."), fail_silently=True)
        return HttpResponseRedirect(reverse("workflow:profile:index"))


class LanguageForm(forms.Form):
    """The menu's and the profile's language switch; the service decides which codes are valid."""

    language = forms.CharField(max_length=20, required=False)
    next = forms.CharField(max_length=2000, required=False)


class LanguageSetView(RefusalFormMixin, generic.FormView):
    """The language switch: stores the user's choice (it follows them to other devices), sets
    Django's language cookie and returns to the page they were on; a refusal is told there."""

    form_class = LanguageForm
    http_method_names = ["post"]
    request: Any

    def target(self) -> str:
        target = self.request.POST.get("next") or "/"
        request = self.request
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return "/"
        return target

    def perform(self, data: dict[str, Any]) -> str:
        preference_set_language(user=self.request.user, language=data["language"])
        return str(data["language"])

    def form_invalid(self, form: Any) -> HttpResponse:
        # No page of its own: the message goes to the page the user returns to.
        for error in form.non_field_errors() or [_("Choose a language.")]:
            messages.error(self.request, error, fail_silently=True)
        return HttpResponseRedirect(self.target())

    def succeeded(self, form: Any, language: str) -> HttpResponse:
        self.request.session[LANGUAGE_SESSION_KEY] = language
        translation.activate(language)
        response = HttpResponseRedirect(self.target())
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response


language_set = LanguageSetView.as_view()


class ProfileViewset(AppMenuMixin, Viewset):
    """The user's profile in the staff shell's menu."""

    app_name = "profile"
    title = gettext_lazy("My profile")
    icon = "account_circle"

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(user.is_authenticated)

    index_path = path("", ProfileView.as_view(), name="index")
