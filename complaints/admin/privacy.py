"""Admin: the privacy policy (who sees contact details, reveal window, retention), the read-only
access log, and a person's request (export or erase everything held about a phone number)."""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from complaints import models
from complaints.admin.complaint import ReadOnlyRows
from complaints.selectors.privacy import held_about_phone
from complaints.services.privacy import (
    REQUEST_PERMISSION,
    PrivacyRefused,
    erase_blockers,
    person_erase,
    person_export,
)


class CategoryRetentionInline(admin.TabularInline):
    model = models.CategoryRetention
    extra = 0


@admin.register(models.PrivacyPolicy)
class PrivacyPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "owner_sees", "level_handlers_see", "reveal_minutes", "retention_days"]
    filter_horizontal = ["full_roles", "reveal_roles"]
    inlines = [CategoryRetentionInline]
    fieldsets = [
        (
            gettext_lazy("Who sees contact details in full"),
            {
                "fields": ["owner_sees", "level_handlers_see", "full_roles"],
                "description": gettext_lazy(
                    "Everyone else who may see a case sees the customer's name, phone, contact person and "
                    "plate masked (王** · 138****1111), and phone numbers and e-mail addresses inside its "
                    "texts masked: on its page, lists, search, the information package, collaboration "
                    "requests, e-mails, exports, the 8D report and the API. Administrators see them in full."
                ),
            },
        ),
        (gettext_lazy("Reveal with a reason"), {"fields": ["reveal_roles", "reveal_minutes"]}),
        (gettext_lazy("Retention"), {"fields": ["retention_days"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.PrivacyPolicy.objects.exists() and super().has_add_permission(request)


@admin.register(models.AccessLog)
class AccessLogAdmin(ReadOnlyRows, admin.ModelAdmin):
    """Append-only: readable by administrators and holders of “view access log” (a data-protection
    role's group); nobody adds, changes or deletes a row here."""

    list_display = ["at", "user", "complaint", "kind", "reason", "until"]
    list_filter = ["kind", ("at", admin.DateFieldListFilter)]
    search_fields = ["complaint__customer_phone", "complaint__reference", "user__username", "reason"]
    search_help_text = gettext_lazy("Customer phone, complaint reference, username or reason.")
    date_hierarchy = "at"
    list_select_related = ["user", "complaint"]
    readonly_fields = ["at", "user", "complaint", "kind", "reason", "until", "references"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        """Besides the fields: a customer phone also finds the list pages and searches that showed
        that customer's complaints in full."""
        result, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            held = models.Complaint.objects.filter(held_about_phone(search_term)).values_list("reference", flat=True)
            shown = Q()
            for reference in list(held[:50]):
                shown |= Q(references__contains=[reference])
            if shown:
                result = result | queryset.filter(shown)
        return result, duplicates


class PersonRequestForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Phone number"), max_length=32)
    action = forms.ChoiceField(
        label=gettext_lazy("Answer"),
        choices=[("export", gettext_lazy("Export what is held (JSON)")), ("erase", gettext_lazy("Erase (anonymise)"))],
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm the erasure: it cannot be undone"),
        required=False,
        help_text=gettext_lazy("Needed to erase only."),
    )


def person_request_view(request: HttpRequest) -> HttpResponse:
    """A person's request: export everything held about a phone number as JSON, or erase it (after
    confirmation, unless a complaint of that number is open or on legal hold)."""
    if not request.user.has_perm(REQUEST_PERMISSION):
        raise PermissionDenied
    form = PersonRequestForm(request.POST or None)
    context: dict[str, Any] = {**admin.site.each_context(request), "form": form, "title": _("A person's request")}
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        if form.cleaned_data["action"] == "export":
            data = person_export(phone=phone, actor=request.user)
            response = HttpResponse(
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                content_type="application/json; charset=utf-8",
            )
            response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
            return response
        if not form.cleaned_data["confirm"]:
            context["blockers"] = erase_blockers(phone=phone)
            context["held"] = models.Complaint.objects.filter(held_about_phone(phone)).count()
            form.add_error("confirm", _("Tick the box to confirm the erasure."))
        else:
            try:
                done = person_erase(phone=phone, actor=request.user)
            except PrivacyRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(
                    request, _("Anonymised: %(references)s") % {"references": ", ".join(done) or _("nothing held")}
                )
    return TemplateResponse(request, "admin/complaints/person_request.html", context)
