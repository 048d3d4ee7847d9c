"""Admin pages beyond one model: configuration export/import, routing dry run, change history."""

import json
from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import models
from complaints.forms import RoutePreviewForm
from complaints.selectors.routing import ConfigurationMissing, routing_preview
from complaints.services.config_io import (
    ConfigChanged,
    ConfigImportError,
    ImportPreview,
    config_export,
    config_import,
    config_preview,
    parse_document,
    preset_document,
    presets,
)

# Every model whose history the configuration log shows, in the admin's order.
CONFIG_MODELS: list[type[Any]] = [
    models.ProcessSettings,
    models.KpiSettings,
    models.PortalSettings,
    models.PrivacyPolicy,
    models.CategoryRetention,
    models.Department,
    models.Role,
    models.Membership,
    models.Priority,
    models.BusinessCalendar,
    models.WorkingHours,
    models.CalendarDay,
    models.EscalationLevel,
    models.LevelLimit,
    models.StepLimit,
    models.ClockRule,
    models.Category,
    models.FormVersion,
    models.FormField,
    models.TriageSignal,
    models.TriageSettings,
    models.EmotionPhrase,
    models.CauseCategory,
    models.RoutingRule,
    models.RoutingCondition,
    models.StageProfile,
    models.StageRoute,
    models.CustomStep,
    models.CustomStepCondition,
    models.CustomStepLimit,
    models.NotificationRecipient,
    models.NotificationTemplate,
    models.NotificationChannel,
    models.NotificationPreference,
    models.RegionalBound,
    models.RegionalValue,
]


# Who owns the configuration: the export (every table), the import, the dry run and the history are
# theirs, not every staff member's. Granted to a group in Users → Groups; superusers hold it.
CONFIG_PERMISSION = "complaints.change_processsettings"


def configuration_owner(request: HttpRequest) -> None:
    """Refuses (403) anyone without the configuration permission."""
    if not request.user.has_perm(CONFIG_PERMISSION):
        raise PermissionDenied


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def config_export_view(request: HttpRequest) -> HttpResponse:
    """Downloads the whole configuration as one JSON document (secrets as placeholders)."""
    configuration_owner(request)
    body = json.dumps(config_export(), ensure_ascii=False, indent=2)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="redress-config-{stamp}.json"'
    return response


class ConfigImportForm(forms.Form):
    document = forms.FileField(
        label=gettext_lazy("configuration file (JSON)"),
        required=False,
        help_text=gettext_lazy("A file made by “Export configuration” or by python manage.py config_export."),
    )
    preset = forms.ChoiceField(label=gettext_lazy("or a shipped preset"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["preset"]).choices = [
            ("", "---------"),
            *((name, name) for name in presets()),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("document")) == bool(data.get("preset")):
            raise forms.ValidationError(gettext_lazy("Choose either a file or a preset."))
        return data


class ConfigConfirmForm(forms.Form):
    """The second step: the document as previewed, and the configuration it was compared with."""

    text = forms.CharField(widget=forms.HiddenInput)
    fingerprint = forms.CharField(widget=forms.HiddenInput)


def config_import_view(request: HttpRequest) -> HttpResponse:
    """Imports a configuration document in two steps: the preview lists what would be added,
    changed and removed (old → new) and changes nothing; the confirmation applies exactly that,
    or is refused if someone changed the configuration in between. Invalid: every problem, no change."""
    if not request.user.is_superuser:
        raise PermissionDenied
    errors: list[str] = []
    preview: ImportPreview | None = None
    text = ""
    form = ConfigImportForm(None if "confirm" in request.POST else (request.POST or None), request.FILES or None)
    try:
        if request.method == "POST" and "confirm" in request.POST:
            confirm = ConfigConfirmForm(request.POST)
            if not confirm.is_valid():
                raise ConfigImportError([_("The confirmation is incomplete; upload the document again.")])
            counts = config_import(
                document=parse_document(confirm.cleaned_data["text"]),
                expected=confirm.cleaned_data["fingerprint"],
            )
            summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
            messages.success(request, _("Configuration imported (%(summary)s).") % {"summary": summary})
            return redirect("admin:index")
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["preset"]:
                document = preset_document(form.cleaned_data["preset"])
                text = json.dumps(document, ensure_ascii=False)
            else:
                try:
                    text = form.cleaned_data["document"].read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise ConfigImportError([_("The file is not UTF-8 text.")]) from None
                document = parse_document(text)
            preview = config_preview(document=document)
    except ConfigImportError as error:
        errors = error.errors
    except ConfigChanged as refusal:
        errors = [str(refusal.message)]
    return TemplateResponse(
        request,
        "admin/complaints/config_import.html",
        _context(
            request,
            _("Import configuration"),
            form=form,
            errors=errors,
            preview=preview,
            preview_rows=_preview_rows(preview),
            confirm=ConfigConfirmForm(initial={"text": text, "fingerprint": preview.fingerprint}) if preview else None,
        ),
    )


def _preview_rows(preview: ImportPreview | None) -> list[dict[str, Any]]:
    """The preview's changes grouped by section, with translated action names."""
    if preview is None:
        return []
    actions = {"added": _("added"), "changed": _("changed"), "removed": _("removed")}
    groups: dict[str, list[dict[str, Any]]] = {}
    for change in preview.changes:
        groups.setdefault(change.section, []).append(
            {
                "action": change.action,
                "action_label": actions[change.action],
                "item": change.item,
                "fields": change.fields,
            }
        )
    return [{"section": section, "changes": rows} for section, rows in groups.items()]


def routing_preview_view(request: HttpRequest) -> HttpResponse:
    """Dry run: what a sample complaint would get from the routing rules, without saving anything."""
    configuration_owner(request)
    result: dict[str, Any] | None = None
    problem = ""
    form = RoutePreviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sample = form.save(commit=False)
        at = form.cleaned_data.get("received_at") or timezone.now()
        try:
            result = routing_preview(
                complaint=sample,
                department=form.cleaned_data.get("department"),
                at=at,
                answers=form.cleaned_data.get("answers") or {},
            )
        except ConfigurationMissing as error:
            problem = str(error)
    return TemplateResponse(
        request,
        "admin/complaints/routing_preview.html",
        _context(
            request,
            _("Routing preview (dry run)"),
            form=form,
            result=result,
            result_json=json.dumps(result, ensure_ascii=False, indent=2) if result else "",
            deadline_rows=_deadline_rows(result),
            stage_rows=[
                (getattr(models.StageProfile._meta.get_field(stage), "verbose_name", stage), runs)
                for stage, runs in ((result or {}).get("stage_profile") or {}).get("stages", {}).items()
            ],
            problem=problem,
        ),
    )


def _deadline_rows(result: dict[str, Any] | None) -> list[tuple[str, datetime]]:
    if not result:
        return []
    labels = {
        "first_response_due": _("First response due"),
        "response_due": _("Level response due"),
        "resolution_due": _("Resolution due"),
    }
    return [
        (labels[key], timezone.localtime(datetime.fromisoformat(value)))
        for key, value in result["deadlines"].items()
        if key in labels and value
    ]


def config_history_view(request: HttpRequest) -> HttpResponse:
    """Every configuration change, newest first: who, when, which object, old → new."""
    configuration_owner(request)
    per_model = 300
    records: list[Any] = []
    for model in CONFIG_MODELS:
        history = model.history.select_related("history_user").order_by("-history_date")[:per_model]
        records.extend(history)
    records.sort(key=lambda record: record.history_date, reverse=True)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    # The previous version of a record is usually among those loaded: find it there, and ask the
    # database only for the oldest loaded version of an object.
    older: dict[tuple[type[Any], Any], list[Any]] = {}
    for record in records:
        older.setdefault((type(record), record.id), []).append(record)
    # Names of objects often read a related row (a route names its role): fetch those in one
    # query per relation instead of one per line.
    instances = {id(record): record.instance for record in page}
    by_model: dict[type[Any], list[Any]] = {}
    for instance in instances.values():
        by_model.setdefault(type(instance), []).append(instance)
    for model, objects in by_model.items():
        relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
        prefetch_related_objects(objects, *relations)
    rows = []
    for record in page:
        instance = instances[id(record)]
        changes: list[tuple[str, Any, Any]] = []
        previous = None
        if record.history_type == "~":
            versions = older[(type(record), record.id)]
            position = versions.index(record)
            previous = versions[position + 1] if position + 1 < len(versions) else record.prev_record
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                label = getattr(instance._meta.get_field(change.field), "verbose_name", change.field)
                changes.append((str(label), change.old, change.new))
            # diff_against compares editable fields only; a form's status and publisher are not
            for model_field in instance._meta.concrete_fields:
                if model_field.editable or model_field.primary_key:
                    continue
                old, new = getattr(previous, model_field.attname), getattr(record, model_field.attname)
                if old != new:
                    changes.append((str(model_field.verbose_name), old, new))
        rows.append(
            {
                "record": record,
                "object": str(instance),
                "model": instance._meta.verbose_name,
                "action": {"+": _("added"), "~": _("changed"), "-": _("deleted")}[record.history_type],
                "changes": changes,
            }
        )
    return TemplateResponse(
        request,
        "admin/complaints/config_history.html",
        _context(request, _("Configuration history"), page=page, rows=rows),
    )
