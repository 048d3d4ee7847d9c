"""The user's own profile: the language they read in, how they are reached (channels, address on
gateways, quiet hours), and where they work (departments and roles, set by the admin). Thin doors
onto complaints.services.preferences and complaints.selectors.preferences."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.urls import Viewset
from viewflow.urls.sites import AppMenuMixin

from complaints.models import NotificationPreference
from complaints.selectors.preferences import offered_channels, profile_of
from complaints.services.preferences import PreferenceRefused, preference_set_notifications


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


def profile_page(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    form = ReachForm(request.POST or None, initial=_initial(profile.notification))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            preference_set_notifications(
                user=request.user,
                channels=data["channels"],
                gateway_address=data["gateway_address"],
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
                time_zone=data["time_zone"],
            )
        except PreferenceRefused as refusal:
            problem = refusal.message
            if isinstance(problem, dict):
                for field, errors in problem.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, str(problem))
        else:
            messages.success(request, _("Your notification settings are saved."), fail_silently=True)
            return HttpResponseRedirect(reverse("workflow:profile:index"))
    return render(
        request,
        "web/profile.html",
        {"profile": profile, "form": form, "title": _("My profile"), "next": request.get_full_path()},
    )


class ProfileViewset(AppMenuMixin, Viewset):
    """The user's profile in the staff shell's menu."""

    app_name = "profile"
    title = gettext_lazy("My profile")
    icon = "account_circle"

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(user.is_authenticated)

    index_path = path("", profile_page, name="index")
