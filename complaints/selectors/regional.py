"""The one place a varying number is resolved for a complaint: HQ's value, or the value of the
nearest department above the complaint (its own first) that HQ lets set it within bounds.

Deadlines (time limits and calendar), warnings, authority and the follow-up time all read their
number here, so the routing dry run and the escalation information package can say which value
applied and where it came from.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from complaints.choices import VaryingSetting
from complaints.models import (
    BusinessCalendar,
    Department,
    EscalationLevel,
    LevelLimit,
    Priority,
    ProcessSettings,
    RegionalBound,
)
from complaints.rules.regional import Applied, resolve_setting
from complaints.rules.trees import path_to_root, subtree_ids
from complaints.selectors.once import read_once


def department_path(department: Department | int | None) -> list[int]:
    """Returns the ids of the department and every department above it, nearest first."""
    if department is None:
        return []
    pk = department if isinstance(department, int) else department.pk
    return path_to_root(dict(Department.objects.values_list("pk", "parent_id")), pk)


@dataclass(frozen=True)
class LevelTerms:
    """A level's numbers for one complaint, each with where it came from."""

    limit: LevelLimit | None
    response: Applied  # amount in the HQ limit's unit (None without a limit)
    resolution: Applied
    warning_percent: Applied
    authority: Applied  # None: unlimited
    calendar: Applied  # BusinessCalendar or None


class _Chain:
    """The complaint's department path, read only when some number has regional values at all."""

    def __init__(self, department: Department | int | None) -> None:
        self.department = department
        self._ids: list[int] | None = None

    @property
    def ids(self) -> list[int]:
        if self._ids is None:
            self._ids = department_path(self.department)
        return self._ids


def _resolve(
    bounds: dict[tuple[str, int | None], RegionalBound], setting: str, priority_id: int | None, hq: Any, chain: _Chain
) -> Applied:
    bound = bounds.get((setting, priority_id))
    if bound is None or chain.department is None:
        return Applied(hq)
    overrides: dict[int, Any] = {}
    for row in bound.regional_values.all():
        if row.department_id in chain.ids:
            overrides[row.department_id] = row.calendar if setting == VaryingSetting.CALENDAR else row.value
    applied = resolve_setting(
        hq_value=hq,
        chain=chain.ids,
        overrides=overrides,
        may_override=bound.may_override,
        minimum=bound.minimum,
        maximum=bound.maximum,
    )
    if applied.department_id is not None and setting not in (VaryingSetting.AUTHORITY, VaryingSetting.CALENDAR):
        return Applied(int(applied.value), applied.department_id)
    return applied


def _bounds(
    department: Department | int | None, *, level: EscalationLevel | None, setting: str | None = None
) -> dict[tuple[str, int | None], RegionalBound]:
    """HQ's bounds of `level` (None: the settings of no level), of one setting or all, with their
    regional values (nothing is read without a department). A level's bounds are read once per
    transition (`read_once`): its deadlines, warnings and calendar all ask."""
    if department is None:
        return {}
    level_id = level.pk if level is not None else None
    rows = _every_bound().get(level_id, [])
    return {(b.setting, b.priority_id): b for b in rows if setting is None or b.setting == setting}


def _every_bound() -> dict[int | None, list[RegionalBound]]:
    """Every level's bounds (and the settings of no level) with their regional values, by level id:
    one read for the whole ladder, so a case escalating to a level not yet asked about reads nothing
    (the configuration's copy; the table is a few rows per level)."""
    return read_once(
        "regional_bounds",
        lambda: _by_level(RegionalBound.objects.order_by("pk").prefetch_related("regional_values__calendar")),
        shared=True,
    )


def _by_level(rows: Any) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.level_id, []).append(row)
    return grouped


def level_limits() -> dict[tuple[int, int], LevelLimit]:
    """Every level's time limits by (level id, priority id): one read for the whole ladder (the
    configuration's copy)."""
    return read_once(
        "level_limits",
        lambda: {(limit.level_id, limit.priority_id): limit for limit in LevelLimit.objects.order_by()},
        shared=True,
    )


def level_terms(
    *, level: EscalationLevel, priority: Priority | None, department: Department | int | None
) -> LevelTerms:
    """Returns the level's time limits (for the priority), warning percent, authority and calendar
    that apply to a complaint of `department`."""
    chain = _Chain(department)
    priority_id = priority.pk if priority is not None else None
    bounds = _bounds(department, level=level)
    limit = level_limits().get((level.pk, priority_id)) if priority_id else None
    calendar = level.calendar if level.business_time else None
    return LevelTerms(
        limit=limit,
        response=_resolve(bounds, VaryingSetting.RESPONSE_TIME, priority_id, limit and limit.response_amount, chain),
        resolution=_resolve(
            bounds, VaryingSetting.RESOLUTION_TIME, priority_id, limit and limit.resolution_amount, chain
        ),
        warning_percent=_resolve(bounds, VaryingSetting.WARNING_PERCENT, None, level.warning_percent, chain),
        authority=_resolve(bounds, VaryingSetting.AUTHORITY, None, level.authority_amount, chain),
        calendar=_resolve(bounds, VaryingSetting.CALENDAR, None, calendar, chain)
        if level.business_time
        else Applied(None),
    )


def level_authority(*, level: EscalationLevel, department: Department | int | None) -> Decimal | None:
    """Returns the compensation authority of a level for a complaint of `department` (None: unlimited)."""
    value = level_terms(level=level, priority=None, department=department).authority.value
    return None if value is None else Decimal(value)


def ladder_authority(
    *, levels: list[EscalationLevel], department: Department | int | None
) -> dict[int, Decimal | None]:
    """Returns each level's compensation authority (by level id) for a complaint of `department`."""
    chain = _Chain(department)
    found: dict[int, Decimal | None] = {}
    if department is None:
        return {lv.pk: lv.authority_amount for lv in levels}
    every = _every_bound()  # the configuration's copy
    by_level = {b.level_id: b for lv in levels for b in every.get(lv.pk, []) if b.setting == VaryingSetting.AUTHORITY}
    for lv in levels:
        bound = by_level.get(lv.pk)
        bounds: dict[tuple[str, int | None], RegionalBound] = (
            {(VaryingSetting.AUTHORITY.value, None): bound} if bound is not None else {}
        )
        value = _resolve(bounds, VaryingSetting.AUTHORITY, None, lv.authority_amount, chain).value
        found[lv.pk] = None if value is None else Decimal(value)
    return found


def warning_percent(*, level: EscalationLevel, department: Department | int | None) -> int:
    """Returns the warning percent of a level for a complaint of `department`."""
    chain = _Chain(department)
    bounds = _bounds(department, level=level, setting=VaryingSetting.WARNING_PERCENT)
    return int(_resolve(bounds, VaryingSetting.WARNING_PERCENT, None, level.warning_percent, chain).value)


def level_calendar(*, level: EscalationLevel, department: Department | int | None) -> BusinessCalendar | None:
    """Returns the calendar a level counts in for a complaint of `department` (None: calendar time)."""
    if not level.business_time:
        return None
    chain = _Chain(department)
    bounds = _bounds(department, level=level, setting=VaryingSetting.CALENDAR)
    value = _resolve(bounds, VaryingSetting.CALENDAR, None, level.calendar, chain).value
    return value if isinstance(value, BusinessCalendar) else None


def follow_up_hours(*, settings_row: ProcessSettings, department: Department | int | None) -> Applied:
    """Returns the follow-up delay (hours after closing) for a complaint of `department`."""
    chain = _Chain(department)
    bounds = _bounds(department, level=None, setting=VaryingSetting.FOLLOW_UP)
    return _resolve(bounds, VaryingSetting.FOLLOW_UP, None, settings_row.follow_up_delay_hours, chain)


def applied_lines(terms: LevelTerms) -> list[dict[str, Any]]:
    """Returns, JSON-ready, each number of `terms` with its value and where it came from (HQ or a
    department, and why a regional value was passed over), for the dry run and the package."""
    names = dict(Department.objects.filter(pk__in=_sources(terms)).values_list("pk", "name"))
    unit = terms.limit.get_response_unit_display() if terms.limit is not None else ""
    resolution_unit = terms.limit.get_resolution_unit_display() if terms.limit is not None else ""
    rows = [
        (VaryingSetting.RESPONSE_TIME, terms.response, f"{terms.response.value} {unit}".strip()),
        (VaryingSetting.RESOLUTION_TIME, terms.resolution, f"{terms.resolution.value} {resolution_unit}".strip()),
        (VaryingSetting.WARNING_PERCENT, terms.warning_percent, f"{terms.warning_percent.value} %"),
        (
            VaryingSetting.AUTHORITY,
            terms.authority,
            _("unlimited") if terms.authority.value is None else f"{Decimal(terms.authority.value):,.2f}",
        ),
        (VaryingSetting.CALENDAR, terms.calendar, str(terms.calendar.value or _("calendar time"))),
    ]
    return [
        {
            "setting": setting.value,  # shown with its label in the reader's language
            "value": shown,
            "source": names.get(applied.department_id, "") if applied.department_id else "",  # "": HQ
            "regional": applied.department_id is not None,
            "note": applied.note,  # why a regional value was passed over: outside_bounds, not_allowed
        }
        for setting, applied, shown in rows
        if not (setting in (VaryingSetting.RESPONSE_TIME, VaryingSetting.RESOLUTION_TIME) and terms.limit is None)
    ]


def _sources(terms: LevelTerms) -> list[int]:
    found = (terms.response, terms.resolution, terms.warning_percent, terms.authority, terms.calendar)
    return [a.department_id for a in found if a.department_id is not None]


_SCOPE = "_redress_regional_scope"


def regional_scope(user: Any) -> set[int] | None:
    """Returns the departments whose regional values `user` may set (their departments and those
    below), or None for HQ: a superuser, a member of a top department, or a configuration editor
    who belongs to no department. Cached on the user object for the request."""
    if hasattr(user, _SCOPE):
        return getattr(user, _SCOPE)  # type: ignore[no-any-return]
    scope: set[int] | None = None
    if not user.is_superuser:
        from complaints.selectors.common import user_department_ids

        mine = user_department_ids(user)
        parents = dict(Department.objects.values_list("pk", "parent_id"))
        if mine and all(parents.get(pk) is not None for pk in mine):
            scope = subtree_ids(parents, mine)
    setattr(user, _SCOPE, scope)
    return scope
