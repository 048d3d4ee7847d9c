"""The whole configuration as one JSON document: export, and an import that is all or nothing.

Objects refer to each other by their codes (departments, roles, priorities, calendars,
categories), levels by their order, users by username, so a document moves between systems.
A section missing from the document leaves that part of the configuration as it is; a section
present replaces it (departments, roles, priorities and categories are updated and added, never
deleted; levels and priorities absent from the document are deleted when nothing uses them).
Intake forms are published as new versions when they differ from the ones in use, so complaints
keep the questions they were filed with.

Inside a section every row is matched with the document's item by its natural key (a limit by its
priority, a route by its step, a rule by its name, a membership by all of it…) and updated in place:
ids stay, a row the document leaves as it is is not written, and the history shows old → new for
what changed, "added" and "deleted" only for what really came or went.
"""

import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F, Prefetch, ProtectedError
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from complaints.choices import AssignRule, ConditionEffect, DeliveryIdentifier, FormStatus, Urgency
from complaints.models import (
    BusinessCalendar,
    CalendarDay,
    Category,
    CategoryRetention,
    CauseCategory,
    ClockRule,
    CustomStep,
    CustomStepCondition,
    CustomStepLimit,
    Department,
    EmotionPhrase,
    EscalationLevel,
    FormField,
    FormVersion,
    KpiSettings,
    LevelLimit,
    Membership,
    NotificationChannel,
    NotificationPreference,
    NotificationRecipient,
    NotificationTemplate,
    PortalSettings,
    Priority,
    PrivacyPolicy,
    ProcessSettings,
    RegionalBound,
    RegionalValue,
    Role,
    RoutingCondition,
    RoutingRule,
    StageProfile,
    StageRoute,
    StepLimit,
    TriageSettings,
    TriageSignal,
    WorkingHours,
)
from complaints.models.routing import STAGE_SWITCHES
from complaints.rules.business_time import overlapping_weekdays
from complaints.rules.names import split_bilingual
from complaints.rules.trees import path_to_root
from complaints.selectors.intake_forms import category_parents
from complaints.services.errors import Refused
from complaints.services.intake_forms import FIELD_COLUMNS, PublishRefused, form_draft, form_publish, form_withdraw

FORMAT = "redress-config"
VERSION = 1
PRESET_DIR = Path(__file__).resolve().parent.parent / "presets"

SECTIONS = (
    "process_settings",
    "roles",
    "calendars",
    "departments",
    "memberships",
    "priorities",
    "categories",
    "intake_forms",
    "triage_signals",
    "triage_settings",
    "emotion_lexicon",
    "cause_categories",
    "levels",
    "regional_bounds",
    "stage_routes",
    "stage_profiles",
    "routing_rules",
    "custom_steps",
    "notification_recipients",
    "notification_templates",
    "notification_channels",
    "notification_preferences",
    "kpi_settings",
    "portal_settings",
    "privacy_policy",
)

# How the preview recognises the same item in the current configuration and in the document.
ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "roles": ("code",),
    "calendars": ("code",),
    "departments": ("code",),
    "memberships": ("user", "department", "role"),
    "priorities": ("code",),
    "categories": ("code",),
    "intake_forms": ("category",),
    "triage_signals": ("code",),
    "emotion_lexicon": ("phrase",),
    "cause_categories": ("code",),
    "levels": ("rank",),
    "regional_bounds": ("setting", "level", "priority"),
    "stage_routes": ("stage",),
    "stage_profiles": ("category", "priority"),
    "routing_rules": ("name",),
    "notification_recipients": ("event", "kind", "role", "department_scope", "department", "user"),
    "notification_templates": ("event", "language"),
    "notification_channels": ("code",),
    "notification_preferences": ("user",),
}

# Every model the admin edits (pages and inlines), and the section of the document that holds it.
# tests/complaints/test_config__coverage.py fails when a model is registered in the admin and is in
# neither this table nor NOT_EXPORTED, so a new settings model cannot be forgotten silently.
EXPORTED: dict[str, str] = {
    "complaints.ProcessSettings": "process_settings",
    "complaints.Role": "roles",
    "complaints.BusinessCalendar": "calendars",
    "complaints.WorkingHours": "calendars",
    "complaints.CalendarDay": "calendars",
    "complaints.Department": "departments",
    "complaints.Membership": "memberships",
    "complaints.Priority": "priorities",
    "complaints.Category": "categories",
    "complaints.FormVersion": "intake_forms",  # the published version of each category (and custom step)
    "complaints.TriageSignal": "triage_signals",
    "complaints.TriageSettings": "triage_settings",
    "complaints.EmotionPhrase": "emotion_lexicon",
    "complaints.CauseCategory": "cause_categories",
    "complaints.EscalationLevel": "levels",
    "complaints.LevelLimit": "levels",
    "complaints.StepLimit": "levels",
    "complaints.ClockRule": "levels",
    "complaints.RegionalBound": "regional_bounds",
    "complaints.RegionalValue": "regional_bounds",
    "complaints.StageRoute": "stage_routes",  # and, per profile, stage_profiles
    "complaints.StageProfile": "stage_profiles",
    "complaints.RoutingRule": "routing_rules",
    "complaints.RoutingCondition": "routing_rules",
    "complaints.CustomStep": "custom_steps",
    "complaints.CustomStepCondition": "custom_steps",
    "complaints.CustomStepLimit": "custom_steps",
    "complaints.NotificationRecipient": "notification_recipients",
    "complaints.NotificationTemplate": "notification_templates",
    "complaints.NotificationChannel": "notification_channels",
    "complaints.NotificationPreference": "notification_preferences",
    "complaints.KpiSettings": "kpi_settings",
    "complaints.PortalSettings": "portal_settings",
    "complaints.PrivacyPolicy": "privacy_policy",
    "complaints.CategoryRetention": "privacy_policy",
}

# Models the admin shows that the document leaves out on purpose, and why.
NOT_EXPORTED: dict[str, str] = {
    "complaints.TriageModel": "derived data: retrained from this organisation's own closed complaints "
    "(manage.py triage_train); another system's weights would suggest from someone else's history",
    "complaints.Complaint": "case data, not configuration",
    "complaints.Answer": "case data",
    "complaints.Attachment": "case data",
    "complaints.CorrectiveAction": "case data",
    "complaints.Escalation": "case data",
    "complaints.ComplaintEvent": "case data (the timeline)",
    "complaints.Notification": "a log of notifications sent",
    "complaints.AccessLog": "a log of who read personal data",
    "complaints.CustomerLink": "per-customer links of open complaints",
    "complaints.BatchInvestigation": "case data (investigations of a batch)",
    "complaints.OutreachContact": "case data",
    "complaints.BatchEvent": "case data",
    "complaints.Delivery": "business data (deliveries imported from the ERP), not configuration",
    "complaints.ReviewPack": "generated KPI packs",
    "complaints.ReviewDecision": "decisions of a review: work items with owners, not configuration",
    "complaints.PendingUpload": "files kept for an intake form that came back with an error",
    "complaints.ComplaintExport": "files a person asked for (exports), kept for a few days",
    "viewflow.Process": "process instances of complaints",
    "viewflow.Task": "tasks of complaints",
    "auth.User": "accounts: the document names people by username; accounts come from the identity provider",
    "auth.Group": "permissions of accounts, managed with the accounts",
    "axes.AccessAttempt": "login-failure log",
    "axes.AccessFailureLog": "login-failure log",
    "axes.AccessLog": "login log",
    "api.ApiToken": "credentials: stored hashed, shown once; never leave the system",
    "api.WebhookSubscription": "belongs to the api app (the domain may not depend on it) and points at one "
    "installation's receiving systems with their signing secrets: set up per system",
    "api.WebhookDelivery": "a log of webhook deliveries",
    "api.WebhookAttempt": "a log of webhook attempts",
}

# Secrets (webhook signing keys) never leave in an export: the document carries this placeholder,
# and an import that finds it keeps the secret the channel already has.
IMPORT_LOCK = 0x7265_6472  # pg advisory lock key for imports ("redr")
SECRET_KEPT = "<kept: not exported>"  # noqa: S105 (a placeholder, not a secret)


# What a value of an unexpected type or shape raises somewhere in a section.
# Names kept per language (complaints/translation.py): one key per language, "name_zh_hans" and
# "name_en"; a document written before that has one "name" ("一线客服 Agent"), split on import.
NAME_KEYS = {build_localized_fieldname("name", code): code for code, _label in django_settings.LANGUAGES}


def _names(row: models.Model) -> dict[str, str]:
    """A translated row's name in every language, as the document writes it."""
    return {key: getattr(row, key) or "" for key in NAME_KEYS}


SHAPE_ERRORS = (
    TypeError,
    ValueError,
    AttributeError,
    KeyError,
    IndexError,
    ArithmeticError,
    RecursionError,
    ValidationError,
    DatabaseError,
)


class _Skip(Exception):
    """An item already reported as an error: go on with the next one."""


class ConfigImportError(Refused):
    """The document is invalid; nothing was changed. `errors` lists "where: what" messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def presets() -> dict[str, Path]:
    """Returns the shipped presets by name."""
    return {p.stem: p for p in sorted(PRESET_DIR.glob("*.json"))}


def preset_document(name: str) -> dict[str, Any]:
    path = presets().get(name)
    if path is None:
        raise ConfigImportError([_("There is no preset “%(name)s”.") % {"name": name}])
    return dict(json.loads(path.read_text(encoding="utf-8")))


# Export ------------------------------------------------------------------------------------------


def _code(obj: Any) -> Any:
    return obj.code if obj is not None else None


def _hm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _routes(queryset: Any) -> list[dict[str, Any]]:
    return [
        {
            "stage": r.stage,
            "role": r.role.code,
            "department": _code(r.department),
            "follows_escalation": r.follows_escalation,
            "assign_to": r.assign_to,
            "assign_after": r.assign_after,
        }
        for r in queryset.select_related("role", "department").order_by("stage")
    ]


def _secret(value: str, compare: bool) -> str:
    """The placeholder an export writes for a secret; for a comparison, a digest that changes with it."""
    if not value:
        return ""
    if compare:
        return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]
    return SECRET_KEPT


def _settings_sections() -> dict[str, Any]:
    """The one-row settings beside the process settings: KPI, customer portal, privacy."""
    kpi = KpiSettings.objects.order_by("pk").first()
    portal = PortalSettings.objects.select_related("receiving_department", "customer_channel").order_by("pk").first()
    privacy = PrivacyPolicy.objects.order_by("pk").first()
    return {
        "kpi_settings": (
            {
                "satisfaction_target_percent": kpi.satisfaction_target_percent,
                "satisfied_from": kpi.satisfied_from,
                "recovery_emotion": kpi.recovery_emotion,
                "dashboard_roles": sorted(kpi.dashboard_roles.values_list("code", flat=True)),
                "weekly_weekday": kpi.weekly_weekday,
                "pack_time": _hm(kpi.pack_time),
                "recipients": sorted(kpi.recipients.values_list("username", flat=True)),
                "export_keep_days": kpi.export_keep_days,
            }
            if kpi
            else None
        ),
        "portal_settings": (
            {
                "receiving_department": portal.receiving_department.code,
                "filings_per_address": portal.filings_per_address,
                "filings_per_phone": portal.filings_per_phone,
                "filing_window_minutes": portal.filing_window_minutes,
                "link_valid_days": portal.link_valid_days,
                "customer_channel": _code(portal.customer_channel),
            }
            if portal
            else None
        ),
        "privacy_policy": (
            {
                "owner_sees": privacy.owner_sees,
                "level_handlers_see": privacy.level_handlers_see,
                "full_roles": sorted(privacy.full_roles.values_list("code", flat=True)),
                "reveal_roles": sorted(privacy.reveal_roles.values_list("code", flat=True)),
                "reveal_minutes": privacy.reveal_minutes,
                "retention_days": privacy.retention_days,
                "category_retention": [
                    {"category": r.category.code, "days": r.days}
                    for r in privacy.category_retention.select_related("category").order_by("category__code")
                ],
            }
            if privacy
            else None
        ),
    }


TRIAGE_FIELDS = (
    "agitated_from",
    "angry_from",
    "extremely_angry_from",
    "punctuation_weight",
    "shouting_weight",
    "learned_emotion_from",
    "min_training_size",
    "holdout_percent",
    "retrain_days",
    "auto_activate",
    "similar_window_days",
    "many_affected_from",
)
# Added after documents were first exported: a document without them keeps the current values.
TRIAGE_FIELDS_ADDED = {"learned_emotion_from"}


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _triage_sections() -> dict[str, Any]:
    """The emotion bands and the training rules (one row), and the emotion lexicon. The trained
    models are not configuration (see NOT_EXPORTED)."""
    row = TriageSettings.objects.order_by("pk").first()
    return {
        "triage_settings": {name: getattr(row, name) for name in TRIAGE_FIELDS} if row else None,
        "emotion_lexicon": [
            {"phrase": p.phrase, "kind": p.kind, "weight": p.weight, "active": p.active}
            for p in EmotionPhrase.objects.order_by("kind", "phrase")
        ],
    }


def _regional_section() -> list[dict[str, Any]]:
    """HQ's bounds per varying number, each with the values the regions have set."""
    values = RegionalValue.objects.select_related("department", "calendar").order_by("department__code")
    bounds = (
        RegionalBound.objects.select_related("level", "priority")
        .prefetch_related(Prefetch("regional_values", queryset=values))
        .order_by("setting", "level__rank", "priority__rank", "pk")
    )
    return [
        {
            "setting": b.setting,
            "level": b.level.rank if b.level is not None else None,
            "priority": _code(b.priority),
            "may_override": b.may_override,
            "minimum": _amount(b.minimum),
            "maximum": _amount(b.maximum),
            "values": [
                {"department": v.department.code, "value": _amount(v.value), "calendar": _code(v.calendar)}
                for v in b.regional_values.all()
            ],
        }
        for b in bounds
    ]


def config_export(*, compare: bool = False) -> dict[str, Any]:
    """Returns the whole configuration as a JSON-ready document. With `compare`, secrets are
    written as digests instead of the placeholder, so two exports differ when a secret changed."""
    settings_row = ProcessSettings.objects.order_by("pk").first()
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    doc["process_settings"] = (
        {
            "follow_up_delay_hours": settings_row.follow_up_delay_hours,
            "attachment_max_mb": settings_row.attachment_max_mb,
            "attachment_extensions": settings_row.attachment_extensions,
            "pending_upload_hours": settings_row.pending_upload_hours,
            "pending_upload_max_files": settings_row.pending_upload_max_files,
            "reference_prefix": settings_row.reference_prefix,
            "emotion_threshold": settings_row.emotion_threshold,
            "repeat_threshold": settings_row.repeat_threshold,
            "repeat_window_days": settings_row.repeat_window_days,
            "p0_alert_minutes": settings_row.p0_alert_minutes,
            "description_max_chars": settings_row.description_max_chars,
            "collaboration_role": _code(settings_row.collaboration_role),
            "collaboration_response_minutes": settings_row.collaboration_response_minutes,
            "collaboration_superior_minutes": settings_row.collaboration_superior_minutes,
            "batch_threshold": settings_row.batch_threshold,
            "batch_window_days": settings_row.batch_window_days,
            "progress_reminder_minutes": settings_row.progress_reminder_minutes,
            "action_warning_hours": settings_row.action_warning_hours,
            "urgent_signals": settings_row.urgent_signals,
            "urgent_categories": sorted(settings_row.urgent_categories.values_list("code", flat=True)),
            "urgent_first_response_minutes": settings_row.urgent_first_response_minutes,
            "notification_max_attempts": settings_row.notification_max_attempts,
            "login_failure_limit": settings_row.login_failure_limit,
            "login_cooloff_minutes": settings_row.login_cooloff_minutes,
        }
        if settings_row
        else None
    )
    doc["roles"] = [
        {"code": r.code, **_names(r), "can_register": r.can_register} for r in Role.objects.order_by("code")
    ]
    doc["calendars"] = [
        {
            "code": c.code,
            "name": c.name,
            "time_zone": c.time_zone,
            "hours": [
                {"weekday": h.weekday, "start": _hm(h.start), "end": _hm(h.end)}
                for h in c.hours.order_by("weekday", "start")
            ],
            "days": [
                {"date": d.date.isoformat(), "name": d.name, "kind": d.kind, "start": _hm(d.start), "end": _hm(d.end)}
                for d in c.days.order_by("date")
            ],
        }
        for c in BusinessCalendar.objects.order_by("code")
    ]
    doc["departments"] = [
        {
            "code": d.code,
            **_names(d),
            "kind": d.kind,
            "parent": _code(d.parent),
            "head": d.head.get_username() if d.head else None,
            "active": d.active,
        }
        for d in Department.objects.select_related("parent", "head").order_by("code")
    ]
    doc["memberships"] = [
        {"user": m.user.get_username(), "department": m.department.code, "role": m.role.code}
        for m in Membership.objects.select_related("user", "department", "role").order_by(
            "user__username", "department__code", "role__code"
        )
    ]
    doc["priorities"] = [
        {
            "code": p.code,
            **_names(p),
            "rank": p.rank,
            "colour": p.colour,
            "first_response_minutes": p.first_response_minutes,
            "alert": p.alert,
            "urgency": p.urgency,
        }
        for p in Priority.objects.order_by("rank")
    ]
    doc["triage_signals"] = [
        {"code": t.code, "name": t.name, "keywords": list(t.keyword_list()), "active": t.active}
        for t in TriageSignal.objects.order_by("code")
    ]
    doc["cause_categories"] = [
        {"code": c.code, **_names(c), "order": c.order, "active": c.active}
        for c in CauseCategory.objects.order_by("order", "code")
    ]
    doc["categories"] = [
        {
            "code": c.code,
            **_names(c),
            "parent": _code(c.parent),
            "active": c.active,
            "delivery_identifier": c.delivery_identifier,
        }
        for c in Category.objects.select_related("parent").order_by("code")
    ]
    doc["intake_forms"] = [
        {
            "category": _code(version.category),
            "note": version.note,
            "required_standard_fields": list(version.required_standard_fields),
            "fields": [_field_doc(row) for row in version.fields.all()],
        }
        for version in FormVersion.objects.filter(status=FormStatus.PUBLISHED, category__isnull=False)
        .select_related("category")
        .prefetch_related(Prefetch("fields", queryset=FormField.objects.order_by("position", "pk")))
        .order_by("category__code")
    ]
    doc["levels"] = [
        {
            "rank": lv.rank,
            **_names(lv),
            "role": lv.role.code,
            "department_scope": lv.department_scope,
            "department": _code(lv.department),
            "authority_amount": None if lv.authority_amount is None else str(lv.authority_amount),
            "business_time": lv.business_time,
            "calendar": _code(lv.calendar),
            "warning_percent": lv.warning_percent,
            "limits": [
                {
                    "priority": limit.priority.code,
                    "response_amount": limit.response_amount,
                    "response_unit": limit.response_unit,
                    "resolution_amount": limit.resolution_amount,
                    "resolution_unit": limit.resolution_unit,
                }
                for limit in lv.limits.select_related("priority").order_by("priority__rank")
            ],
            "step_limits": [
                {"priority": limit.priority.code, "step": limit.step, "amount": limit.amount, "unit": limit.unit}
                for limit in lv.step_limits.select_related("priority").order_by("priority__rank", "step")
            ],
            "clock_rules": [
                {
                    "clock": rule.kind,
                    "answered_by_response": rule.answered_by_response,
                    "warns": rule.warns,
                    "breach": rule.breach,
                }
                for rule in lv.clock_rules.order_by("kind")
            ],
        }
        for lv in EscalationLevel.objects.select_related("role", "department", "calendar").order_by("rank")
    ]
    doc["stage_routes"] = _routes(StageRoute.objects.filter(profile__isnull=True))
    doc["stage_profiles"] = [
        {
            "name": p.name,
            "category": _code(p.category),
            "priority": _code(p.priority),
            **{stage: getattr(p, stage) for stage in STAGE_SWITCHES},
            "routes": _routes(p.routes.all()),
        }
        for p in StageProfile.objects.select_related("category", "priority").order_by("pk")
    ]
    doc["routing_rules"] = [
        {
            "position": r.position,
            "name": r.name,
            "active": r.active,
            "default": r.is_default,
            "match": r.match,
            "set_department": _code(r.set_department),
            "set_priority": _code(r.set_priority),
            "set_level": r.set_level.rank if r.set_level else None,
            "conditions": [
                {"field": c.field, "operator": c.operator, "value": c.value} for c in r.conditions.order_by("pk")
            ],
        }
        for r in RoutingRule.objects.select_related("set_department", "set_priority", "set_level").order_by(
            "is_default", "position", "pk"
        )
    ]
    doc["custom_steps"] = [_step_doc(step) for step in _steps_for_export()]
    doc["notification_recipients"] = [
        {
            "event": n.event,
            "kind": n.kind,
            "role": _code(n.role),
            "department_scope": n.department_scope,
            "department": _code(n.department),
            "user": n.user.get_username() if n.user else None,
        }
        for n in NotificationRecipient.objects.select_related("role", "department", "user").order_by(
            "event", "kind", "pk"
        )
    ]
    doc["notification_channels"] = [
        {
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "url": c.url,
            "secret": _secret(c.secret, compare),
            "timeout_seconds": c.timeout_seconds,
            "active": c.active,
        }
        for c in NotificationChannel.objects.order_by("code")
    ]
    doc["notification_preferences"] = [
        {
            "user": p.user.get_username(),
            "channels": sorted(c.code for c in p.channels.all()),
            "gateway_address": p.gateway_address,
            "quiet_start": p.quiet_start.strftime("%H:%M") if p.quiet_start else None,
            "quiet_end": p.quiet_end.strftime("%H:%M") if p.quiet_end else None,
            "time_zone": p.time_zone,
        }
        for p in NotificationPreference.objects.select_related("user")
        .prefetch_related("channels")
        .order_by("user__username")
    ]
    doc["notification_templates"] = [
        {"event": t.event, "language": t.language, "subject": t.subject, "body": t.body}
        for t in NotificationTemplate.objects.order_by("event", "language")
    ]
    doc["regional_bounds"] = _regional_section()
    doc.update(_triage_sections())
    doc.update(_settings_sections())
    return {"format": FORMAT, "version": VERSION, **{section: doc[section] for section in SECTIONS}}


FIELD_DEFAULTS: dict[str, Any] = {
    "label_zh_hans": "",
    "label_en": "",
    "help_zh_hans": "",
    "help_en": "",
    "required": False,
    "staff_only": False,
    "default": "",
    "choices": [],
    "min_value": None,
    "max_value": None,
    "min_length": None,
    "max_length": None,
    "pattern": "",
    "pattern_message_zh_hans": "",
    "pattern_message_en": "",
    "condition_field": "",
    "condition_values": "",
    "condition_effect": ConditionEffect.SHOW,
    "file_extensions": "",
    "max_files": 1,
}


def _steps_for_export() -> Any:
    forms = FormVersion.objects.filter(status=FormStatus.PUBLISHED).prefetch_related(
        Prefetch("fields", queryset=FormField.objects.order_by("position", "pk"))
    )
    return (
        CustomStep.objects.select_related("role", "department")
        .prefetch_related(
            Prefetch("conditions", queryset=CustomStepCondition.objects.order_by("pk")),
            Prefetch("limits", queryset=CustomStepLimit.objects.select_related("priority").order_by("priority__rank")),
            Prefetch("form_versions", queryset=forms, to_attr="published_forms"),
        )
        .order_by("point", "position", "code")
    )


def _step_doc(step: CustomStep) -> dict[str, Any]:
    """A custom step as the document writes it, with its published form."""
    published = step.published_forms[0] if step.published_forms else None  # type: ignore[attr-defined]
    return {
        "code": step.code,
        "name_zh_hans": step.name_zh_hans,
        "name_en": step.name_en,
        "active": step.active,
        "point": step.point,
        "position": step.position,
        "match": step.match,
        "role": step.role.code,
        "department": _code(step.department),
        "assign_to": step.assign_to,
        "assign_after": step.assign_after,
        "gate": step.gate,
        "refused_back_to": step.refused_back_to,
        "conditions": [{"field": c.field, "operator": c.operator, "value": c.value} for c in step.conditions.all()],
        "limits": [{"priority": x.priority.code, "amount": x.amount, "unit": x.unit} for x in step.limits.all()],
        "form": (
            {"note": published.note, "fields": [_field_doc(row) for row in published.fields.all()]}
            if published is not None
            else None
        ),
    }


def _field_doc(row: FormField) -> dict[str, Any]:
    """A question as the document writes it: key and type, then only what differs from the defaults."""
    doc: dict[str, Any] = {"key": row.key, "kind": row.kind}
    for name, default in FIELD_DEFAULTS.items():
        value = getattr(row, name)
        if name == "choices":
            value = [line.strip() for line in value.splitlines() if line.strip()]
        elif isinstance(value, Decimal):
            value = str(value.normalize()) if value == value.to_integral_value() else str(value)
        if value != default:
            doc[name] = value
    return doc


# Import ------------------------------------------------------------------------------------------


class _Stock:
    """The rows a section (or an object's list) has now, by their natural key in the document's terms
    (codes, ranks, usernames). The import takes the row of each item's key and updates it in place:
    same id, a "changed" history row with old → new, or nothing written when it is equal. Rows whose
    key the document no longer lists are deleted before anything is added, so a unique key moves
    freely; a key listed twice takes rows in order."""

    def __init__(self, rows: Any, key: Callable[[Any], Any]) -> None:
        self.rows: dict[Any, list[Any]] = {}
        for row in rows:
            self.rows.setdefault(key(row), []).append(row)

    def keep(self, keys: list[Any]) -> None:
        wanted: dict[Any, int] = {}
        for key in keys:
            wanted[key] = wanted.get(key, 0) + 1
        for key, rows in self.rows.items():
            while len(rows) > wanted.get(key, 0):
                rows.pop().delete()

    def take(self, key: Any) -> Any:
        rows = self.rows.get(key)
        return rows.pop(0) if rows else None


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _hm_key(value: Any) -> str | None:
    """A time as the document writes it ("09:00"), whatever form the item gives."""
    if value in (None, ""):
        return None
    try:
        return time.fromisoformat(str(value)).strftime("%H:%M")
    except ValueError:
        return str(value)


@dataclass
class _Importer:
    """Applies a document section by section inside one transaction, collecting every error."""

    doc: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    broken_at: str | None = None  # where a value of the wrong shape stopped a section
    rule_stock: "_Stock" = field(default_factory=lambda: _Stock((), lambda r: r))
    loosened: set[int] = field(default_factory=set)  # rules that let go of a dropped priority or level

    # Error bookkeeping --------------------------------------------------------------------------
    @contextmanager
    def at(self, label: str) -> Iterator[None]:
        self.where.append(label)
        try:
            yield
        except SHAPE_ERRORS:
            if self.broken_at is None:
                self.broken_at = "".join(self.where).lstrip(".")
            raise
        finally:
            self.where.pop()

    def error(self, message: str) -> None:
        place = "".join(self.where).lstrip(".") or _("document")
        self.errors.append(f"{place}: {message}")

    def validation_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errs in error.error_dict.items():
                for e in errs:
                    message = " ".join(e.messages)
                    if name == "__all__":
                        self.error(message)
                    else:
                        with self.at(f".{name}"):
                            self.error(message)
        else:
            for message in error.messages:
                self.error(message)

    def save(
        self, obj: models.Model, exclude: list[str] | None = None, *, whole: bool = True, force: bool = False
    ) -> bool:
        """Validates (fields only when `whole` is False) and saves one object; False on errors.
        An existing object the document leaves as it is, is not written (no history row)."""
        try:
            if whole:
                obj.full_clean(exclude=exclude)
            else:
                obj.clean_fields(exclude=exclude)
        except ValidationError as error:
            self.validation_error(error)
            return False
        if not force and _unchanged(obj):
            return True
        try:
            with transaction.atomic():
                obj.save()
        except Exception as error:  # a database constraint the model checks did not catch
            self.error(str(error))
            return False
        return True

    def check(self, obj: models.Model) -> bool:
        """Runs the whole validation (fields, clean, uniqueness) on a saved object without saving it."""
        try:
            obj.full_clean()
        except ValidationError as error:
            self.validation_error(error)
            return False
        return True

    # Reading the document -------------------------------------------------------------------------
    def items(self, section: str, keys: set[str], required: set[str]) -> list[tuple[int, dict[str, Any]]]:
        raw = self.doc.get(section)
        if not isinstance(raw, list):
            with self.at(section):
                self.error(_("must be a list."))
            return []
        good = []
        for index, item in enumerate(raw):
            with self.at(f"{section}[{index}]"):
                if self.check_keys(item, keys, required):
                    good.append((index, item))
        return good

    def check_keys(self, item: Any, keys: set[str], required: set[str]) -> bool:
        if not isinstance(item, dict):
            self.error(_("must be an object."))
            return False
        unknown = set(item) - keys
        missing = required - set(item)
        if unknown:
            self.error(_("unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
        if missing:
            self.error(_("missing keys: %(keys)s.") % {"keys": ", ".join(sorted(missing))})
        return not unknown and not missing

    def names(self, row: models.Model, item: dict[str, Any]) -> None:
        """Sets a translated row's name in every language from the item's name_<language> keys, or
        from the one `name` of an older document ("一线客服 Agent" → 一线客服, Agent). The site
        language's name is required (the row's validation says so when it is missing)."""
        if "name" in item and not NAME_KEYS.keys() & item.keys():
            zh_hans, en = split_bilingual(str(item["name"] or ""))
            given = {"zh-hans": zh_hans, "en": en}
        else:
            given = {language: str(item.get(key) or "").strip() for key, language in NAME_KEYS.items()}
        for language, text in given.items():
            setattr(row, build_localized_fieldname("name", language), text)
        if not any(given.values()):
            self.error(_("missing keys: %(keys)s.") % {"keys": ", ".join(sorted(NAME_KEYS))})

    def ref(self, model: type[models.Model], key: str, value: Any, label: str, **lookup: Any) -> Any:
        if value is None:
            return None
        try:
            return model._default_manager.get(**{key: value}, **lookup)
        except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
            with self.at(f".{label}"):
                self.error(_("“%(value)s” does not exist.") % {"value": value})
            return None

    def user(self, username: Any, label: str) -> Any:
        if username is None:
            return None
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            with self.at(f".{label}"):
                self.error(_("there is no user “%(username)s”.") % {"username": username})
        return user

    def time(self, value: Any, label: str) -> time | None:
        if value in (None, ""):
            return None
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            with self.at(f".{label}"):
                self.error(_("“%(value)s” is not a time such as 09:00.") % {"value": value})
            return None

    def delete(self, obj: models.Model, label: str) -> None:
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError:
            self.error(
                _("“%(name)s” is not in the document but is still in use; it cannot be removed.") % {"name": label}
            )

    # Sections ----------------------------------------------------------------------------------------
    def run(self) -> None:
        if not isinstance(self.doc, dict):
            self.error(_("the document must be a JSON object."))
            return
        if self.doc.get("format") != FORMAT or self.doc.get("version") != VERSION:
            self.error(
                _("this is not a Redress configuration (expected format “%(format)s”, version %(version)s).")
                % {"format": FORMAT, "version": VERSION}
            )
            return
        unknown = set(self.doc) - {"format", "version", *SECTIONS}
        if unknown:
            self.error(_("unknown sections: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
        steps: dict[str, Callable[[], None]] = {
            "process_settings": self.process_settings,
            "roles": self.roles,
            "calendars": self.calendars,
            "departments": self.departments,
            "memberships": self.memberships,
            "priorities": self.priorities,
            "categories": self.categories,
            "intake_forms": self.intake_forms,
            "triage_signals": self.triage_signals,
            "triage_settings": self.triage_settings,
            "emotion_lexicon": self.emotion_lexicon,
            "cause_categories": self.cause_categories,
            "levels": self.levels,
            "regional_bounds": self.regional_bounds,
            "stage_routes": self.stage_routes,
            "stage_profiles": self.stage_profiles,
            "routing_rules": self.routing_rules,
            "custom_steps": self.custom_steps,
            "notification_recipients": self.notification_recipients,
            "notification_templates": self.notification_templates,
            "notification_channels": self.notification_channels,
            "notification_preferences": self.notification_preferences,
            "kpi_settings": self.kpi_settings,
            "portal_settings": self.portal_settings,
            "privacy_policy": self.privacy_policy,
        }
        if self.doc.get("routing_rules") is not None:
            self.shielded("routing_rules", self.rules_first)
        for section in SECTIONS:
            if section in self.doc and self.doc[section] is not None:
                self.shielded(section, steps[section])
        self.shielded("process_settings.collaboration_role", self.collaboration_role)

    def shielded(self, section: str, step: Callable[[], None]) -> None:
        """Runs one section; a value of a type or shape the section does not expect (a list where
        an object belongs, text where a number does, a NUL character) becomes an error naming
        where it is, instead of a crash. The section's writes are undone; nothing is saved anyway."""
        self.broken_at = None
        try:
            with transaction.atomic():
                step()
        except SHAPE_ERRORS as error:
            problem = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            self.errors.append(
                f"{self.broken_at or section}: "
                + _("a value has the wrong type or shape (%(problem)s); compare with an exported document.")
                % {"problem": problem}
            )

    def collaboration_role(self) -> None:
        data = self.doc.get("process_settings")
        if not isinstance(data, dict) or "collaboration_role" not in data:
            return
        with self.at("process_settings"):
            row = ProcessSettings.objects.order_by("pk").first()
            if row is not None:
                row.collaboration_role = self.ref(Role, "code", data["collaboration_role"], "collaboration_role")
                self.save(row)
                # Categories are imported after the settings, like roles.
                if row.pk is not None and isinstance(data.get("urgent_categories"), list):
                    found = [
                        self.ref(Category, "code", code, "urgent_categories") for code in data["urgent_categories"]
                    ]
                    row.urgent_categories.set([category for category in found if category is not None])

    def process_settings(self) -> None:
        data = self.doc["process_settings"]
        keys = {
            "follow_up_delay_hours",
            "attachment_max_mb",
            "attachment_extensions",
            "reference_prefix",
            "emotion_threshold",
            "repeat_threshold",
            "repeat_window_days",
            "p0_alert_minutes",
            "collaboration_response_minutes",
            "collaboration_superior_minutes",
            "batch_threshold",
            "batch_window_days",
            "progress_reminder_minutes",
            "action_warning_hours",
            "notification_max_attempts",
        }
        optional = {
            "urgent_signals",
            "urgent_first_response_minutes",
            "login_failure_limit",
            "login_cooloff_minutes",
            "pending_upload_hours",
            "pending_upload_max_files",
        }
        with self.at("process_settings"):
            if not self.check_keys(
                data, keys | optional | {"collaboration_role", "urgent_categories", "description_max_chars"}, keys
            ):
                return
            row = ProcessSettings.objects.order_by("pk").first() or ProcessSettings(pk=1)
            # Older documents lack the optional keys: those keep their current values.
            for key in keys | ((optional | {"description_max_chars"}) & set(data)):
                setattr(row, key, data[key] if data[key] is not None else "")
            # Roles are imported after the settings: the role is set once they exist (see run()).
            self.save(row, exclude=["collaboration_role"])

    def roles(self) -> None:
        for index, item in self.items("roles", {"code", "name", *NAME_KEYS, "can_register"}, {"code"}):
            with self.at(f"roles[{index}]"):
                role = Role.objects.filter(code=item["code"]).first() or Role(code=item["code"])
                self.names(role, item)
                role.can_register = bool(item.get("can_register", False))
                self.save(role)

    def calendars(self) -> None:
        keys = {"code", "name", "time_zone", "hours", "days"}
        for index, item in self.items("calendars", keys, {"code", "name", "time_zone", "hours"}):
            with self.at(f"calendars[{index}]"):
                cal = BusinessCalendar.objects.filter(code=item["code"]).first() or BusinessCalendar(code=item["code"])
                cal.name, cal.time_zone = item["name"], item["time_zone"]
                if not self.save(cal):
                    continue
                hours = item.get("hours") or []
                days = item.get("days") or []
                hour_stock = _Stock(cal.hours.all(), lambda h: (h.weekday, _hm(h.start)))
                hour_stock.keep([(h.get("weekday"), _hm_key(h.get("start"))) for h in hours if isinstance(h, dict)])
                day_stock = _Stock(cal.days.all(), lambda d: d.date.isoformat())
                day_stock.keep([str(d.get("date")) for d in days if isinstance(d, dict)])
                if not hours:
                    self.error(_("a calendar needs working hours on at least one weekday."))
                spans: list[tuple[int, time, time]] = []
                for h_index, hour in enumerate(hours):
                    with self.at(f".hours[{h_index}]"):
                        if not self.check_keys(hour, {"weekday", "start", "end"}, {"weekday", "start", "end"}):
                            continue
                        start, end = self.time(hour["start"], "start"), self.time(hour["end"], "end")
                        if start is None or end is None:
                            self.error(_("give the opening and the closing time."))
                            continue
                        row = hour_stock.take((hour["weekday"], _hm_key(hour["start"]))) or WorkingHours(
                            calendar=cal, weekday=hour["weekday"], start=start
                        )
                        row.end = end
                        if self.save(row):
                            spans.append((row.weekday, start, end))
                for weekday in overlapping_weekdays(spans):
                    with self.at(".hours"):
                        self.error(_("working hours on weekday %(day)s overlap.") % {"day": weekday})
                for d_index, day in enumerate(days):
                    with self.at(f".days[{d_index}]"):
                        if not self.check_keys(day, {"date", "name", "kind", "start", "end"}, {"date", "kind"}):
                            continue
                        try:
                            when = date.fromisoformat(str(day["date"]))
                        except ValueError:
                            self.error(_("“%(value)s” is not a date such as 2026-10-01.") % {"value": day["date"]})
                            continue
                        row = day_stock.take(str(day["date"])) or CalendarDay(calendar=cal, date=when)
                        row.name, row.kind = day.get("name") or "", day["kind"]
                        row.start = self.time(day.get("start"), "start")
                        row.end = self.time(day.get("end"), "end")
                        self.save(row)

    def departments(self) -> None:
        keys = {"code", "name", *NAME_KEYS, "kind", "parent", "head", "active"}
        items = self.items("departments", keys, {"code", "kind"})
        saved: list[tuple[int, dict[str, Any], Department]] = []
        for index, item in items:  # first pass: every department exists, so parents can refer forward
            with self.at(f"departments[{index}]"):
                dept = Department.objects.filter(code=item["code"]).first() or Department(code=item["code"])
                self.names(dept, item)
                dept.kind = item["kind"]
                dept.active = bool(item.get("active", True))
                dept.head = self.user(item.get("head"), "head")
                if self.save(dept, exclude=["parent"]):
                    saved.append((index, item, dept))
        for index, item, dept in saved:
            with self.at(f"departments[{index}]"):
                dept.parent = self.ref(Department, "code", item.get("parent"), "parent")
                self.save(dept)

    def memberships(self) -> None:
        """A membership is all key: the ones the document keeps are left alone, the others go."""
        items = self.items("memberships", {"user", "department", "role"}, {"user", "department", "role"})
        stock = _Stock(
            Membership.objects.select_related("user", "department", "role"),
            lambda m: (m.user.get_username(), m.department.code, m.role.code),
        )
        stock.keep([(item["user"], item["department"], item["role"]) for _, item in items])
        for index, item in items:
            if stock.take((item["user"], item["department"], item["role"])) is not None:
                continue
            with self.at(f"memberships[{index}]"):
                user = self.user(item["user"], "user")
                dept = self.ref(Department, "code", item["department"], "department")
                role = self.ref(Role, "code", item["role"], "role")
                if user and dept and role:
                    self.save(Membership(user=user, department=dept, role=role))

    def priorities(self) -> None:
        keys = {"code", "name", *NAME_KEYS, "rank", "colour", "first_response_minutes", "alert", "urgency"}
        items = self.items("priorities", keys, {"code", "rank", "colour", "first_response_minutes"})
        codes = {item["code"] for _, item in items}
        for stale in Priority.objects.exclude(code__in=codes):
            with self.at("priorities"):
                self.delete(stale, stale.code)
        # Ranks are unique: park the ones that move out of the way so ranks can be swapped (the
        # others stay put, so an unchanged priority is not written again).
        moving = [item["code"] for _, item in items if isinstance(item.get("rank"), int)]
        ranks = {item["code"]: item["rank"] for _, item in items}
        moved = [p.pk for p in Priority.objects.filter(code__in=moving) if p.rank != ranks[p.code]]
        Priority.objects.filter(pk__in=moved).update(rank=F("pk") + 10_000)
        for index, item in items:
            with self.at(f"priorities[{index}]"):
                priority = Priority.objects.filter(code=item["code"]).first() or Priority(code=item["code"])
                for key in ("rank", "colour", "first_response_minutes"):
                    setattr(priority, key, item[key])
                self.names(priority, item)
                priority.alert = bool(item.get("alert", False))
                priority.urgency = item.get("urgency") or Urgency.TODAY
                self.save(priority)

    def categories(self) -> None:
        keys = {"code", "name", *NAME_KEYS, "parent", "active", "delivery_identifier"}
        items = self.items("categories", keys, {"code"})
        saved = []
        for index, item in items:
            with self.at(f"categories[{index}]"):
                cat = Category.objects.filter(code=item["code"]).first() or Category(code=item["code"])
                self.names(cat, item)
                cat.active = bool(item.get("active", True))
                cat.delivery_identifier = item.get("delivery_identifier") or DeliveryIdentifier.PLATE_OR_VIN
                if self.save(cat, exclude=["parent"]):
                    saved.append((index, item, cat))
        for index, item, cat in saved:
            with self.at(f"categories[{index}]"):
                cat.parent = self.ref(Category, "code", item.get("parent"), "parent")
                if cat.parent is not None and cat.parent.pk == cat.pk:
                    self.error(_("a category cannot be its own parent."))
                    continue
                self.save(cat)

    def intake_forms(self) -> None:
        """Each category's questions become its published form; a form equal to the one in use
        changes nothing, a different one is published as the next version (complaints keep theirs).
        Categories the section leaves out stop asking their questions."""
        items = self.items("intake_forms", {"category", "note", "required_standard_fields", "fields"}, {"category"})
        parents = category_parents()
        depth = {pk: len(path_to_root(parents, pk)) for pk in parents}
        entries = []
        for index, item in items:
            with self.at(f"intake_forms[{index}]"):
                category = self.ref(Category, "code", item["category"], "category")
                if category is not None:
                    entries.append((depth.get(category.pk, 0), index, item, category))
        listed = {category.pk for _, _, _, category in entries}
        published = FormVersion.objects.filter(status=FormStatus.PUBLISHED, category__isnull=False)
        for version in published.exclude(category__in=listed).select_related("category"):
            if version.category is not None:
                form_withdraw(category=version.category)
        for _depth, index, item, category in sorted(entries, key=lambda e: (e[0], e[1])):
            with self.at(f"intake_forms[{index}]"):
                self.intake_form(item, category)

    def intake_form(self, item: dict[str, Any], category: Category | None, step: CustomStep | None = None) -> None:
        """A category's questions, or a custom step's (`step`), become the owner's published form."""
        owner: dict[str, Any] = {"category": category} if category is not None else {"custom_step": step}
        rows: list[FormField] = []
        raw_fields = item.get("fields") or []
        if not isinstance(raw_fields, list):
            with self.at(".fields"):
                self.error(_("must be a list."))
            return
        for f_index, raw in enumerate(raw_fields):
            with self.at(f".fields[{f_index}]"):
                if not self.check_keys(raw, {"key", "kind", *FIELD_DEFAULTS}, {"key", "kind"}):
                    continue
                values = {**FIELD_DEFAULTS, **raw}
                choices = values["choices"]
                values["choices"] = "\n".join(choices) if isinstance(choices, list) else str(choices)
                rows.append(FormField(position=(f_index + 1) * 10, **values))
        required_standard = item.get("required_standard_fields") or []
        published = FormVersion.objects.filter(**owner, status=FormStatus.PUBLISHED).prefetch_related("fields").first()
        if published is not None and _same_form(published, rows, required_standard):
            return
        FormVersion.objects.filter(**owner, status=FormStatus.DRAFT).delete()
        draft = form_draft(category=category, step=step)
        draft.fields.all().delete()
        draft.note = str(item.get("note") or "")
        draft.required_standard_fields = required_standard
        if not self.save(draft):
            return
        for f_index, row in enumerate(rows):
            with self.at(f".fields[{f_index}]"):
                row.version = draft
                self.save(row)
        try:
            form_publish(version=draft)
        except PublishRefused as refusal:
            keys = [row.key for row in rows]
            for key, messages in refusal.problems.items():
                label = f".fields[{keys.index(key)}]" if key in keys else ""
                with self.at(label):
                    for message in messages:
                        self.error(message)

    def levels(self) -> None:
        keys = {
            "rank",
            "name",
            *NAME_KEYS,
            "role",
            "department_scope",
            "department",
            "authority_amount",
            "business_time",
            "calendar",
            "warning_percent",
            "limits",
            "step_limits",
            "clock_rules",
        }
        required = {"rank", "role", "department_scope", "business_time", "warning_percent", "limits"}
        items = self.items("levels", keys, required)
        ranks = {item["rank"] for _, item in items}
        for stale in EscalationLevel.objects.exclude(rank__in=ranks):
            with self.at("levels"):
                self.delete(stale, str(stale))
        levels = []
        for index, item in items:
            with self.at(f"levels[{index}]"):
                level = EscalationLevel.objects.filter(rank=item["rank"]).first() or EscalationLevel(rank=item["rank"])
                self.names(level, item)
                level.role = self.ref(Role, "code", item["role"], "role")
                level.department_scope = item["department_scope"]
                level.department = self.ref(Department, "code", item.get("department"), "department")
                amount = item.get("authority_amount")
                try:
                    level.authority_amount = None if amount is None else Decimal(str(amount))
                except ArithmeticError:
                    with self.at(".authority_amount"):
                        self.error(_("“%(value)s” is not an amount.") % {"value": amount})
                    continue
                level.business_time = bool(item["business_time"])
                level.calendar = self.ref(BusinessCalendar, "code", item.get("calendar"), "calendar")
                level.warning_percent = item["warning_percent"]
                if level.role is not None and self.save(level, whole=False):
                    levels.append((index, item, level))
        for index, item, level in levels:  # authority order is checked once every level is in place
            with self.at(f"levels[{index}]"):
                self.check(level)  # already saved in the first pass: validate only, no second history row
                self.limits(level, item["limits"])
                self.step_limits(level, item.get("step_limits") or [])
                self.clock_rules(level, item.get("clock_rules") or [])

    def clock_rules(self, level: EscalationLevel, raw: Any) -> None:
        """Optional: what stops each clock kind at this level and what its breach does (a kind
        without a rule keeps the built-in default)."""
        keys = {"clock", "answered_by_response", "warns", "breach"}
        if not isinstance(raw, list):
            with self.at(".clock_rules"):
                self.error(_("must be a list."))
            return
        stock = _Stock(level.clock_rules.all(), lambda r: r.kind)
        stock.keep([item.get("clock") for item in raw if isinstance(item, dict)])
        for index, item in enumerate(raw):
            with self.at(f".clock_rules[{index}]"):
                if not self.check_keys(item, keys, {"clock", "breach"}):
                    continue
                rule = stock.take(item["clock"]) or ClockRule(level=level, kind=item["clock"])
                rule.breach = item["breach"]
                rule.answered_by_response = bool(item.get("answered_by_response", False))
                rule.warns = bool(item.get("warns", True))
                self.save(rule)

    def step_limits(self, level: EscalationLevel, raw: Any) -> None:
        """Optional limits per step (a level without them times only the whole case)."""
        keys = {"priority", "step", "amount", "unit"}
        if not isinstance(raw, list):
            with self.at(".step_limits"):
                self.error(_("must be a list."))
            return
        stock = _Stock(level.step_limits.select_related("priority"), lambda x: (x.priority.code, x.step))
        stock.keep([(item.get("priority"), item.get("step")) for item in raw if isinstance(item, dict)])
        for index, item in enumerate(raw):
            with self.at(f".step_limits[{index}]"):
                if not self.check_keys(item, keys, keys):
                    continue
                priority = self.ref(Priority, "code", item["priority"], "priority")
                if priority is None:
                    continue
                limit = stock.take((item["priority"], item["step"])) or StepLimit(
                    level=level, priority=priority, step=item["step"]
                )
                limit.amount, limit.unit = item["amount"], item["unit"]
                self.save(limit)

    def limits(self, level: EscalationLevel, raw: Any) -> None:
        keys = {"priority", "response_amount", "response_unit", "resolution_amount", "resolution_unit"}
        if not isinstance(raw, list):
            with self.at(".limits"):
                self.error(_("must be a list."))
            return
        stock = _Stock(level.limits.select_related("priority"), lambda x: x.priority.code)
        stock.keep([item.get("priority") for item in raw if isinstance(item, dict)])
        covered = set()
        for index, item in enumerate(raw):
            with self.at(f".limits[{index}]"):
                if not self.check_keys(item, keys, keys):
                    continue
                priority = self.ref(Priority, "code", item["priority"], "priority")
                if priority is None:
                    continue
                if priority.pk in covered:
                    self.error(_("priority %(code)s is listed twice.") % {"code": priority.code})
                    continue
                covered.add(priority.pk)
                limit = stock.take(item["priority"]) or LevelLimit(level=level, priority=priority)
                for key in keys - {"priority"}:
                    setattr(limit, key, item[key])
                self.save(limit)
        missing = Priority.objects.exclude(pk__in=covered).values_list("code", flat=True)
        if missing:
            with self.at(".limits"):
                self.error(_("give limits for every priority; missing: %(codes)s.") % {"codes": ", ".join(missing)})

    def triage_signals(self) -> None:
        """Keyword lists are matched by code and updated in place; lists absent from the document
        are removed."""
        items = self.items("triage_signals", {"code", "name", "keywords", "active"}, {"code", "name", "keywords"})
        codes = {item["code"] for _, item in items}
        TriageSignal.objects.exclude(code__in=codes).delete()
        for index, item in items:
            with self.at(f"triage_signals[{index}]"):
                words = item["keywords"]
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    self.error(_("keywords must be a list of words."))
                    continue
                signal = TriageSignal.objects.filter(code=item["code"]).first() or TriageSignal(code=item["code"])
                signal.name = item["name"]
                signal.keywords = "\n".join(words)
                signal.active = bool(item.get("active", True))
                self.save(signal)

    def triage_settings(self) -> None:
        """The emotion bands and the training rules (checked as in the admin: the bands must rise)."""
        with self.at("triage_settings"):
            required = set(TRIAGE_FIELDS) - TRIAGE_FIELDS_ADDED
            row = self.singleton("triage_settings", TriageSettings, set(TRIAGE_FIELDS), required)
            if not isinstance(row, TriageSettings):
                return
            for name in TRIAGE_FIELDS:
                if name in self.doc["triage_settings"]:  # a document older than the field keeps the row's value
                    setattr(row, name, self.doc["triage_settings"][name])
            self.save(row)

    def emotion_lexicon(self) -> None:
        """Phrases are matched by the phrase and updated in place; phrases absent from the document
        are removed."""
        keys = {"phrase", "kind", "weight", "active"}
        items = self.items("emotion_lexicon", keys, {"phrase", "kind", "weight"})
        phrases = {item["phrase"] for _, item in items}
        EmotionPhrase.objects.exclude(phrase__in=phrases).delete()
        seen = set()
        for index, item in items:
            with self.at(f"emotion_lexicon[{index}]"):
                if item["phrase"] in seen:
                    self.error(_("the phrase “%(phrase)s” is listed twice.") % {"phrase": item["phrase"]})
                    continue
                seen.add(item["phrase"])
                phrase = EmotionPhrase.objects.filter(phrase=item["phrase"]).first() or EmotionPhrase(
                    phrase=item["phrase"]
                )
                phrase.kind, phrase.weight = item["kind"], item["weight"]
                phrase.active = bool(item.get("active", True))
                self.save(phrase)

    def amount(self, value: Any, label: str) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            return Decimal(str(value))
        except ArithmeticError:
            with self.at(f".{label}"):
                self.error(_("“%(value)s” is not an amount.") % {"value": value})
            raise _Skip from None

    def regional_bounds(self) -> None:
        """HQ's bounds are matched by (number, level, priority) and updated in place; bounds absent
        from the document are removed with the regions' values. A regional value the document adds
        or changes is checked as in the admin (HQ lets regions set the number, within its bounds, a
        region below HQ); a value left as it is stays, like in the admin when HQ narrows the bounds
        (it simply stops applying). HQ's bounds are locked while the values are checked."""
        keys = {"setting", "level", "priority", "may_override", "minimum", "maximum", "values"}
        items = self.items("regional_bounds", keys, {"setting"})
        list(RegionalBound.objects.select_for_update().order_by().values_list("pk", flat=True))
        existing = {
            (b.setting, b.level.rank if b.level is not None else None, _code(b.priority)): b
            for b in RegionalBound.objects.select_related("level", "priority")
        }
        wanted = {(item["setting"], item.get("level"), item.get("priority")) for _, item in items}
        for key, stale in existing.items():
            if key not in wanted:
                stale.delete()
        seen = set()
        for index, item in items:
            with self.at(f"regional_bounds[{index}]"):
                key = (item["setting"], item.get("level"), item.get("priority"))
                if key in seen:
                    self.error(_("HQ has already set the bounds of this number."))
                    continue
                seen.add(key)
                bound = existing.get(key) or RegionalBound()
                bound.setting = item["setting"]
                bound.level = self.ref(EscalationLevel, "rank", item.get("level"), "level")
                bound.priority = self.ref(Priority, "code", item.get("priority"), "priority")
                bound.may_override = bool(item.get("may_override", True))
                try:
                    bound.minimum = self.amount(item.get("minimum"), "minimum")
                    bound.maximum = self.amount(item.get("maximum"), "maximum")
                except _Skip:
                    continue
                if (item.get("level") is not None and bound.level is None) or (
                    item.get("priority") is not None and bound.priority is None
                ):
                    continue
                if self.save(bound):
                    self.regional_values(bound, item.get("values") or [])

    def regional_values(self, bound: RegionalBound, raw: Any) -> None:
        if not isinstance(raw, list):
            with self.at(".values"):
                self.error(_("must be a list."))
            return
        stored = {v.department.code: v for v in bound.regional_values.select_related("department")}
        kept = set()
        for index, item in enumerate(raw):
            with self.at(f".values[{index}]"):
                if not self.check_keys(item, {"department", "value", "calendar"}, {"department"}):
                    continue
                department = self.ref(Department, "code", item["department"], "department")
                if department is None:
                    continue
                if department.code in kept:
                    self.error(_("this department already has a value of this number."))
                    continue
                kept.add(department.code)
                row = stored.get(department.code) or RegionalValue(bound=bound, department=department)
                row.bound = bound
                try:
                    row.value = self.amount(item.get("value"), "value")
                except _Skip:
                    continue
                row.calendar = self.ref(BusinessCalendar, "code", item.get("calendar"), "calendar")
                if not _unchanged(row):  # as in the admin: what is set now meets HQ's bounds now
                    self.save(row)
        for code, row in stored.items():
            if code not in kept:
                row.delete()

    def cause_categories(self) -> None:
        """Fishbone categories are matched by code and updated in place; one absent from the
        document is removed, or made inactive while causes still sit on it."""
        keys = {"code", "name_zh", *NAME_KEYS, "order", "active"}  # name_zh: documents written before
        items = self.items("cause_categories", keys, {"code"})
        codes = {item["code"] for _, item in items}
        stale = CauseCategory.objects.exclude(code__in=codes)
        stale.filter(causes__isnull=False).update(active=False)
        stale.filter(causes__isnull=True).delete()
        for index, item in items:
            with self.at(f"cause_categories[{index}]"):
                category = CauseCategory.objects.filter(code=item["code"]).first() or CauseCategory(code=item["code"])
                self.names(category, {"name_zh_hans": item.get("name_zh"), **item})
                category.order = item.get("order", 0)
                category.active = bool(item.get("active", True))
                self.save(category)

    def route_rows(self, raw: Any, profile: StageProfile | None) -> None:
        """The step routes of a profile (or the general ones), matched by step and updated in place."""
        if not isinstance(raw, list):
            self.error(_("must be a list."))
            return
        current = StageRoute.objects.filter(profile=profile) if profile else StageRoute.objects.filter(profile=None)
        stock = _Stock(current, lambda r: r.stage)
        stock.keep([item.get("stage") for item in raw if isinstance(item, dict)])
        seen = set()
        for index, item in enumerate(raw):
            with self.at(f"[{index}]"):
                keys = {"stage", "role", "department", "follows_escalation", "assign_to", "assign_after"}
                if not self.check_keys(item, keys, {"stage", "role"}):
                    continue
                if item["stage"] in seen:
                    self.error(_("the step “%(stage)s” is listed twice.") % {"stage": item["stage"]})
                    continue
                seen.add(item["stage"])
                role = self.ref(Role, "code", item["role"], "role")
                department = self.ref(Department, "code", item.get("department"), "department")
                if role is not None:
                    route = stock.take(item["stage"]) or StageRoute(profile=profile, stage=item["stage"])
                    route.role, route.department = role, department
                    route.follows_escalation = bool(item.get("follows_escalation", True))
                    route.assign_to = item.get("assign_to") or AssignRule.QUEUE
                    route.assign_after = item.get("assign_after") or ""
                    self.save(route)

    def stage_routes(self) -> None:
        with self.at("stage_routes"):
            self.route_rows(self.doc["stage_routes"], None)

    def stage_profiles(self) -> None:
        """Profiles are matched by (category, priority) and updated in place, because open complaints
        keep the profile triage gave them; profiles absent from the document are removed."""
        keys = {"name", "category", "priority", "routes", *STAGE_SWITCHES}
        items = self.items("stage_profiles", keys, {"name"})
        if not any(item.get("category") is None and item.get("priority") is None for _, item in items):
            with self.at("stage_profiles"):
                self.error(_("a default profile (no category, no priority) is required."))
        existing = {(p.category_id, p.priority_id): p for p in StageProfile.objects.all()}
        kept = set()
        for index, item in items:
            with self.at(f"stage_profiles[{index}]"):
                category = self.ref(Category, "code", item.get("category"), "category")
                priority = self.ref(Priority, "code", item.get("priority"), "priority")
                key = (category.pk if category else None, priority.pk if priority else None)
                if key in kept:
                    self.error(_("another profile already covers this category and priority."))
                    continue
                kept.add(key)
                profile = existing.get(key) or StageProfile(category=category, priority=priority)
                profile.name = item["name"]
                for stage in STAGE_SWITCHES:
                    setattr(profile, stage, bool(item.get(stage, True)))
                if self.save(profile):
                    with self.at(".routes"):
                        self.route_rows(item.get("routes") or [], profile)
        for key, profile in existing.items():
            if key not in kept:
                profile.delete()

    def rules_first(self) -> None:
        """Rules refer to priorities and levels: the rules the document drops go first, and the kept
        ones let go of a priority or level the document drops (without a history row: the rule's own
        save records the whole change), so neither is held back by a rule that is changing too."""
        raw = self.doc["routing_rules"]
        items = [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
        rules = RoutingRule.objects.select_related("set_priority", "set_level").order_by("is_default", "position", "pk")
        self.rule_stock = _Stock(rules, lambda r: r.name)
        self.rule_stock.keep([item.get("name") for item in items])
        priorities, levels = self.doc.get("priorities"), self.doc.get("levels")
        codes = {p.get("code") for p in priorities if isinstance(p, dict)} if isinstance(priorities, list) else None
        ranks = {x.get("rank") for x in levels if isinstance(x, dict)} if isinstance(levels, list) else None
        for rows in self.rule_stock.rows.values():
            for rule in rows:
                loose: dict[str, Any] = {}
                if codes is not None and rule.set_priority is not None and rule.set_priority.code not in codes:
                    loose["set_priority"] = None
                if ranks is not None and rule.set_level is not None and rule.set_level.rank not in ranks:
                    loose["set_level"] = None
                if loose:
                    RoutingRule.objects.filter(pk=rule.pk).update(**loose)
                    self.loosened.add(rule.pk)

    def routing_rules(self) -> None:
        """Rules are matched by name (a name used twice: in order) and updated in place, their
        conditions by field, operator and value; the default rule is saved last, so the default can
        move from one rule to another."""
        keys = {
            "position",
            "name",
            "active",
            "default",
            "match",
            "set_department",
            "set_priority",
            "set_level",
            "conditions",
        }
        items = self.items("routing_rules", keys, {"name"})
        defaults = [item for _, item in items if item.get("default")]
        if len(defaults) != 1:
            with self.at("routing_rules"):
                self.error(_("exactly one rule must be the default rule (found %(count)d).") % {"count": len(defaults)})
        taken = [(index, item, self.rule_stock.take(item["name"])) for index, item in items]
        for index, item, stored in sorted(taken, key=lambda t: bool(t[1].get("default", False))):
            with self.at(f"routing_rules[{index}]"):
                rule = stored or RoutingRule()
                rule.position = item.get("position", index + 1)
                rule.name = item["name"]
                rule.active = bool(item.get("active", True))
                rule.is_default = bool(item.get("default", False))
                rule.match = item.get("match", "all")
                rule.set_department = self.ref(Department, "code", item.get("set_department"), "set_department")
                rule.set_priority = self.ref(Priority, "code", item.get("set_priority"), "set_priority")
                rule.set_level = self.ref(EscalationLevel, "rank", item.get("set_level"), "set_level")
                if not self.save(rule, force=rule.pk in self.loosened):
                    continue
                conditions = item.get("conditions") or []
                if rule.is_default and conditions:
                    self.error(_("the default rule has no conditions."))
                self.conditions(rule.conditions.all(), conditions, functools.partial(RoutingCondition, rule=rule))

    def conditions(self, current: Any, raw: Any, new: Callable[[], Any]) -> None:
        """A rule's or a step's conditions, matched by field, operator and value (all of a condition):
        the ones the document keeps are left alone, the others go, new ones are added."""
        if not isinstance(raw, list):
            with self.at(".conditions"):
                self.error(_("must be a list."))
            return

        def key(field: Any, operator: Any, value: Any) -> tuple[Any, Any, str]:
            return (field, operator, str(value or ""))

        stock = _Stock(current, lambda c: key(c.field, c.operator, c.value))
        stock.keep([key(c.get("field"), c.get("operator"), c.get("value")) for c in raw if isinstance(c, dict)])
        for c_index, cond in enumerate(raw):
            with self.at(f".conditions[{c_index}]"):
                if not self.check_keys(cond, {"field", "operator", "value"}, {"field", "operator"}):
                    continue
                if stock.take(key(cond["field"], cond["operator"], cond.get("value"))) is not None:
                    continue
                row = new()
                row.field, row.operator, row.value = cond["field"], cond["operator"], str(cond.get("value") or "")
                self.save(row)

    def custom_steps(self) -> None:
        """Steps are matched by code and updated in place (their runs keep pointing at them); their
        conditions and limits are replaced, their form published as the next version when it
        differs. A step the document leaves out is removed, or switched off once it has run."""
        keys = {
            "code",
            "name_zh_hans",
            "name_en",
            "active",
            "point",
            "position",
            "match",
            "role",
            "department",
            "assign_to",
            "assign_after",
            "gate",
            "refused_back_to",
            "conditions",
            "limits",
            "form",
        }
        existing = {step.code: step for step in CustomStep.objects.all()}
        kept = set()
        for index, item in self.items("custom_steps", keys, {"code", "point", "role"}):
            with self.at(f"custom_steps[{index}]"):
                step = existing.get(item["code"]) or CustomStep(code=item["code"])
                kept.add(item["code"])
                step.name_zh_hans = str(item.get("name_zh_hans") or "")
                step.name_en = str(item.get("name_en") or "")
                step.active = bool(item.get("active", True))
                step.point = item["point"]
                step.position = item.get("position", index)
                step.match = item.get("match", "all")
                step.role = self.ref(Role, "code", item["role"], "role")
                step.department = self.ref(Department, "code", item.get("department"), "department")
                step.assign_to = item.get("assign_to") or "queue"
                step.assign_after = item.get("assign_after") or ""
                step.gate = bool(item.get("gate", False))
                step.refused_back_to = item.get("refused_back_to") or ""
                if step.role is None or not self.save(step):
                    continue
                new_condition = functools.partial(CustomStepCondition, step=step)
                self.conditions(step.conditions.all(), item.get("conditions") or [], new_condition)
                limits = item.get("limits") or []
                stock = _Stock(step.limits.select_related("priority"), lambda x: x.priority.code)
                stock.keep([x.get("priority") for x in limits if isinstance(x, dict)])
                for l_index, limit in enumerate(limits):
                    with self.at(f".limits[{l_index}]"):
                        if self.check_keys(limit, {"priority", "amount", "unit"}, {"priority", "amount", "unit"}):
                            row = stock.take(limit["priority"]) or CustomStepLimit(
                                step=step, priority=self.ref(Priority, "code", limit["priority"], "priority")
                            )
                            row.amount, row.unit = limit["amount"], limit["unit"]
                            self.save(row)
                form = item.get("form")
                if form is not None:
                    with self.at(".form"):
                        if self.check_keys(form, {"note", "fields"}, {"fields"}):
                            self.intake_form({**form, "required_standard_fields": []}, None, step=step)
        for code, step in existing.items():
            if code not in kept:
                if step.runs.exists():
                    step.active = False
                    step.save(update_fields=["active"])
                else:
                    FormVersion.objects.filter(custom_step=step).delete()
                    step.delete()

    def notification_recipients(self) -> None:
        """A recipient is all key: the ones the document keeps are left alone, the others go."""
        keys = {"event", "kind", "role", "department_scope", "department", "user"}
        items = self.items("notification_recipients", keys, {"event", "kind"})

        def key(item: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(item.get(k) or None for k in sorted(keys))

        rows = NotificationRecipient.objects.select_related("role", "department", "user")
        stock = _Stock(
            rows,
            lambda n: key(
                {
                    "event": n.event,
                    "kind": n.kind,
                    "role": _code(n.role),
                    "department_scope": n.department_scope,
                    "department": _code(n.department),
                    "user": _username(n.user),
                }
            ),
        )
        stock.keep([key(item) for _, item in items])
        for index, item in items:
            if stock.take(key(item)) is not None:
                continue
            with self.at(f"notification_recipients[{index}]"):
                self.save(
                    NotificationRecipient(
                        event=item["event"],
                        kind=item["kind"],
                        role=self.ref(Role, "code", item.get("role"), "role"),
                        department_scope=item.get("department_scope") or "",
                        department=self.ref(Department, "code", item.get("department"), "department"),
                        user=self.user(item.get("user"), "user"),
                    )
                )

    def notification_channels(self) -> None:
        """Channels are matched by code and updated in place; one the document drops is removed
        unless notifications were sent through it."""
        keys = {"code", "name", "kind", "url", "secret", "timeout_seconds", "active"}
        items = self.items("notification_channels", keys, {"code", "name", "kind"})
        codes = {item["code"] for _, item in items}
        for stale in NotificationChannel.objects.exclude(code__in=codes):
            with self.at("notification_channels"):
                self.delete(stale, stale.code)
        for index, item in items:
            with self.at(f"notification_channels[{index}]"):
                channel = NotificationChannel.objects.filter(code=item["code"]).first() or NotificationChannel(
                    code=item["code"]
                )
                channel.name, channel.kind = item["name"], item["kind"]
                channel.url = item.get("url") or ""
                secret = item.get("secret") or ""
                if secret != SECRET_KEPT:  # the placeholder keeps the secret the channel has
                    channel.secret = secret
                channel.timeout_seconds = item.get("timeout_seconds")
                channel.active = bool(item.get("active", True))
                self.save(channel)

    def notification_preferences(self) -> None:
        """Matched by user and updated in place."""
        keys = {"user", "channels", "gateway_address", "quiet_start", "quiet_end", "time_zone"}
        items = self.items("notification_preferences", keys, {"user"})
        stock = _Stock(NotificationPreference.objects.select_related("user"), lambda p: p.user.get_username())
        stock.keep([item["user"] for _, item in items])
        for index, item in items:
            with self.at(f"notification_preferences[{index}]"):
                user = self.user(item["user"], "user")
                if user is None:
                    continue
                preference = stock.take(item["user"]) or NotificationPreference(user=user)
                preference.gateway_address = item.get("gateway_address") or ""
                preference.time_zone = item.get("time_zone") or ""
                preference.quiet_start = self.time(item.get("quiet_start"), "quiet_start")
                preference.quiet_end = self.time(item.get("quiet_end"), "quiet_end")
                channels = [
                    self.ref(NotificationChannel, "code", code, "channels") for code in item.get("channels") or []
                ]
                if self.save(preference):
                    _set_m2m(preference.channels, [c for c in channels if c is not None])

    def singleton(
        self, section: str, model: type[models.Model], keys: set[str], required: set[str] | None = None
    ) -> models.Model | None:
        """The one row of a settings model with the document's plain values set (not saved yet)."""
        data = self.doc[section]
        if not self.check_keys(data, keys, keys if required is None else required):
            return None
        row = model._default_manager.order_by("pk").first() or model()
        return row

    def codes(self, model: type[models.Model], key: str, values: Any, label: str) -> list[Any]:
        if not isinstance(values, list):
            with self.at(f".{label}"):
                self.error(_("must be a list."))
            return []
        found = [self.ref(model, key, value, label) for value in values]
        return [obj for obj in found if obj is not None]

    def kpi_settings(self) -> None:
        plain = {"satisfaction_target_percent", "satisfied_from", "recovery_emotion", "weekly_weekday"}
        with self.at("kpi_settings"):
            others = {"pack_time", "dashboard_roles", "recipients"}
            # Documents written before the managers' exports have no export_keep_days: the existing
            # row keeps its own (a new row needs it).
            keep = set() if KpiSettings.objects.exists() else {"export_keep_days"}
            keys = plain | others | {"export_keep_days"}
            row = self.singleton("kpi_settings", KpiSettings, keys, plain | others | keep)
            if not isinstance(row, KpiSettings):
                return
            data = self.doc["kpi_settings"]
            for key in plain | ({"export_keep_days"} & set(data)):
                setattr(row, key, data[key])
            row.pack_time = self.time(data["pack_time"], "pack_time")  # type: ignore[assignment]
            roles = self.codes(Role, "code", data["dashboard_roles"], "dashboard_roles")
            users = [self.user(name, "recipients") for name in data["recipients"] or []]
            if self.save(row):
                _set_m2m(row.dashboard_roles, roles)
                _set_m2m(row.recipients, [u for u in users if u is not None])

    def portal_settings(self) -> None:
        plain = {"filings_per_address", "filings_per_phone", "filing_window_minutes", "link_valid_days"}
        with self.at("portal_settings"):
            keys = plain | {"receiving_department", "customer_channel"}
            row = self.singleton("portal_settings", PortalSettings, keys)
            if not isinstance(row, PortalSettings):
                return
            data = self.doc["portal_settings"]
            for key in plain:
                setattr(row, key, data[key])
            department = self.ref(Department, "code", data["receiving_department"], "receiving_department")
            if department is None:
                return
            row.receiving_department = department
            row.customer_channel = self.ref(NotificationChannel, "code", data["customer_channel"], "customer_channel")
            self.save(row)

    def privacy_policy(self) -> None:
        plain = {"owner_sees", "level_handlers_see", "reveal_minutes", "retention_days"}
        keys = plain | {"full_roles", "reveal_roles", "category_retention"}
        with self.at("privacy_policy"):
            row = self.singleton("privacy_policy", PrivacyPolicy, keys)
            if not isinstance(row, PrivacyPolicy):
                return
            data = self.doc["privacy_policy"]
            for key in plain:
                setattr(row, key, data[key])
            full = self.codes(Role, "code", data["full_roles"], "full_roles")
            reveal = self.codes(Role, "code", data["reveal_roles"], "reveal_roles")
            if not self.save(row):
                return
            _set_m2m(row.full_roles, full)
            _set_m2m(row.reveal_roles, reveal)
            raw = data["category_retention"]
            if not isinstance(raw, list):
                with self.at(".category_retention"):
                    self.error(_("must be a list."))
                return
            kept = []
            for index, item in enumerate(raw):
                with self.at(f".category_retention[{index}]"):
                    if not self.check_keys(item, {"category", "days"}, {"category", "days"}):
                        continue
                    category = self.ref(Category, "code", item["category"], "category")
                    if category is None:
                        continue
                    retention = CategoryRetention.objects.filter(category=category).first() or CategoryRetention(
                        category=category
                    )
                    retention.policy, retention.days = row, item["days"]
                    if self.save(retention):
                        kept.append(retention.pk)
            row.category_retention.exclude(pk__in=kept).delete()

    def notification_templates(self) -> None:
        """Matched by event and language and updated in place."""
        keys = {"event", "language", "subject", "body"}
        items = self.items("notification_templates", keys, keys)
        stock = _Stock(NotificationTemplate.objects.all(), lambda t: (t.event, t.language))
        stock.keep([(item["event"], item["language"]) for _, item in items])
        seen = set()
        for index, item in items:
            with self.at(f"notification_templates[{index}]"):
                if (item["event"], item["language"]) in seen:
                    self.error(_("this event already has a template in this language."))
                    continue
                seen.add((item["event"], item["language"]))
                template = stock.take((item["event"], item["language"])) or NotificationTemplate(
                    event=item["event"], language=item["language"]
                )
                template.subject, template.body = item["subject"], item["body"]
                self.save(template)


def _unchanged(obj: models.Model) -> bool:
    """True when obj is already stored exactly as it is now (every concrete column equal)."""
    if obj._state.adding or obj.pk is None:
        return False
    columns = [f.attname for f in obj._meta.concrete_fields]
    stored = type(obj)._default_manager.filter(pk=obj.pk).values(*columns).first()
    return stored is not None and all(stored[c] == getattr(obj, c) for c in columns)


def _set_m2m(manager: Any, objects: list[Any]) -> None:
    """Sets a many-to-many relation only when it differs (set() writes nothing then either, but
    say so plainly)."""
    if {o.pk for o in manager.all()} != {o.pk for o in objects}:
        manager.set(objects)


def _same_form(version: FormVersion, rows: list[FormField], required_standard: list[str]) -> bool:
    def shape(fields: Any) -> list[tuple[Any, ...]]:
        return [
            tuple(_normal(column, getattr(f, column)) for column in FIELD_COLUMNS if column != "position")
            for f in fields
        ]

    current = sorted(version.fields.all(), key=lambda f: (f.position, f.pk))
    return list(version.required_standard_fields) == list(required_standard) and shape(current) == shape(rows)


def _normal(column: str, value: Any) -> Any:
    if column in ("min_value", "max_value") and value not in (None, ""):
        try:
            return Decimal(str(value)).normalize()
        except ArithmeticError:
            return value
    if isinstance(value, str):
        return value.strip()
    return value


# Preview and apply ---------------------------------------------------------------------------------


class ConfigChanged(Refused):
    """The configuration changed between the preview and the confirmation; nothing was applied."""


@dataclass(frozen=True)
class Change:
    """One item the import adds, changes or removes; `fields` lists (field, old, new) for a change."""

    section: str
    action: str  # "added" | "changed" | "removed"
    item: str
    fields: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class ImportPreview:
    changes: tuple[Change, ...]
    counts: dict[str, int]
    fingerprint: str  # of the configuration the preview compared with; the confirmation carries it

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(change.section for change in self.changes))


def config_fingerprint(doc: dict[str, Any] | None = None) -> str:
    """A digest of the whole configuration (secrets included, as digests)."""
    doc = config_export(compare=True) if doc is None else doc
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """(field, old, new) for every key that differs; of two lists, only the entries one has and the
    other has not (a calendar's 30 holidays do not fill the screen when one moves)."""
    rows = []
    for key in dict.fromkeys([*old, *new]):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "secret":
            rows.append((key, _("(hidden)"), _("(changed)")))
        elif isinstance(before, list) and isinstance(after, list):
            gone = [v for v in before if v not in after]
            came = [v for v in after if v not in before]
            if not gone and not came:  # same entries, another order
                gone, came = before, after
            rows.append((key, _show(gone), _show(came)))
        else:
            rows.append((key, _show(before), _show(after)))
    return tuple(rows)


def _keyed(section: str, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Items by a readable key; a key met twice gets its occurrence number."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        parts = [item.get(k) for k in ITEM_KEYS[section]]
        label = " / ".join(str(p) for p in parts if p not in (None, "")) or str(item.get("name") or _("default"))
        base, n = label, 1
        while label in out:
            n += 1
            label = f"{base} #{n}"
        out[label] = item
    return out


def config_diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What differs between two exported documents, section by section, in the document's order."""
    changes: list[Change] = []
    for section in SECTIONS:
        old, new = before.get(section), after.get(section)
        if old == new:
            continue
        if section not in ITEM_KEYS:  # a one-row settings section
            if old is None:
                changes.append(Change(section, "added", section, _field_changes({}, new or {})))
            elif new is None:
                changes.append(Change(section, "removed", section))
            else:
                changes.append(Change(section, "changed", section, _field_changes(old, new)))
            continue
        old_items, new_items = _keyed(section, old or []), _keyed(section, new or [])
        for label, item in new_items.items():
            if label not in old_items:
                changes.append(Change(section, "added", label, _field_changes({}, item)))
            elif old_items[label] != item:
                changes.append(Change(section, "changed", label, _field_changes(old_items[label], item)))
        changes.extend(Change(section, "removed", label) for label in old_items if label not in new_items)
        if [*old_items] != [*new_items] and not any(c.section == section for c in changes):
            order = (("order", _show([*old_items]), _show([*new_items])),)
            changes.append(Change(section, "changed", _("order"), order))
    return changes


def _counts(document: dict[str, Any]) -> dict[str, int]:
    return {
        section: len(document[section]) if isinstance(document[section], list | dict) else 0
        for section in SECTIONS
        if section in document
    }


def _lock() -> None:
    """One configuration import at a time: a second waits for the first to commit (PostgreSQL; the
    development SQLite database serialises writes by itself)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _trial(document: Any) -> dict[str, Any]:
    """Applies the document inside the caller's transaction and returns the configuration it gives;
    raises ConfigImportError with every problem."""
    importer = _Importer(doc=document)
    importer.run()
    if importer.errors:
        raise ConfigImportError(importer.errors)
    return config_export(compare=True)


def config_preview(*, document: Any) -> ImportPreview:
    """What importing the document would add, change and remove (old → new), without changing
    anything. Raises ConfigImportError, like the import, when the document is invalid."""
    with transaction.atomic():
        _lock()
        before = config_export(compare=True)
        try:
            after = _trial(document)
        finally:
            transaction.set_rollback(True)
    return ImportPreview(tuple(config_diff(before, after)), _counts(document), config_fingerprint(before))


def config_import(*, document: Any, expected: str | None = None) -> dict[str, int]:
    """Validates and applies a configuration document in one transaction. Returns the number of
    items per section; raises ConfigImportError with every problem, changing nothing, if any part
    is invalid, and ConfigChanged when `expected` (a preview's fingerprint) no longer matches.

    Only the sections whose outcome differs from the current configuration are written, so a
    document equal to the configuration changes nothing and leaves no history."""
    with transaction.atomic():
        _lock()
        before = config_export(compare=True)
        if expected is not None and config_fingerprint(before) != expected:
            raise ConfigChanged(
                _("The configuration was changed by someone else since the preview; look at the preview again.")
            )
        with transaction.atomic():
            after = _trial(document)
            changed = [s for s in SECTIONS if before.get(s) != after.get(s)]
            listed = [s for s in SECTIONS if isinstance(document, dict) and document.get(s) is not None]
            whole = set(listed) <= set(changed)  # every section changes: this trial is the import
            if not whole:
                transaction.set_rollback(True)
        if changed and not whole:
            with transaction.atomic():
                part = {s: document[s] for s in changed if s in document}
                outcome = _trial({"format": FORMAT, "version": VERSION, **part})
                if outcome != after:  # a section depended on one left out: apply the whole document
                    transaction.set_rollback(True)
            if outcome != after:
                _trial(document)
    return _counts(document)


def config_import_text(*, text: str) -> dict[str, int]:
    """Parses JSON text and imports it (see config_import)."""
    return config_import(document=parse_document(text))


def parse_document(text: str) -> Any:
    """The JSON text of a document, or ConfigImportError saying where it is not JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ConfigImportError([_("not valid JSON: nested too deeply.")]) from None
    except json.JSONDecodeError as error:
        raise ConfigImportError(
            [
                _("not valid JSON (line %(line)d, column %(column)d): %(message)s.")
                % {"line": error.lineno, "column": error.colno, "message": error.msg}
            ]
        ) from None
