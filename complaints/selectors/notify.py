"""Who is told about an event of a complaint, and in which words."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import JSONObject

from complaints.choices import RecipientKind
from complaints.models import Complaint, Department, Membership, NotificationRecipient, NotificationTemplate, Role
from complaints.selectors.once import read_once
from complaints.selectors.privacy import policy_rows
from complaints.selectors.routing import scoped_department

RECIPIENT_READ = "_redress_recipient_read"  # a user read by `recipient_rows`: notify_many reads it no more


def notify_lines(event: str) -> list[NotificationRecipient]:
    """The event's notify list (its lines with their department, role and user), the process's copy
    while the configuration is unchanged (migration 0041 counts these tables as configuration)."""
    lines: dict[str, list[NotificationRecipient]] = read_once("notify_lines", _every_line, shared=True)
    return lines.get(event, [])


def _every_line() -> dict[str, list[NotificationRecipient]]:
    """Every event's notify list (one read for all events: a transition often tells of two)."""
    lines: dict[str, list[NotificationRecipient]] = {}
    for line in NotificationRecipient.objects.select_related("department", "role", "user"):
        lines.setdefault(line.event, []).append(line)
    return lines


def event_templates(events: Iterable[str]) -> list[NotificationTemplate]:
    """The templates of the events, every language (by event, then language): the process's copy
    while the configuration is unchanged."""
    wanted = set(events)
    every: list[NotificationTemplate] = read_once(
        "notify_templates", lambda: list(NotificationTemplate.objects.all()), shared=True
    )  # every event's (a transition often tells of two: the customer and the staff)
    return [template for template in every if template.event in wanted]


def event_recipients(
    *, event: str, complaint: Complaint, holding: Iterable[tuple[Department | None, Role | None]] = ()
) -> list[Any]:
    """Returns the active users the event's notify list names for this complaint, each once, in
    list order (roles and heads are looked up relative to the complaint's department), then the
    holders of the `holding` roles in their departments who are not named already. The role
    holders of every line are read in one query."""
    users: dict[int, Any] = {}
    found: list[tuple[str, Any]] = []  # in order: ("user", a user) or ("role", (department id, role id))
    for line in notify_lines(event):
        if line.kind == RecipientKind.CASE_OWNER and complaint.owner_id:
            found.append(("user", complaint.owner))
        elif line.kind == RecipientKind.USER and line.user_id:
            found.append(("user", line.user))
        elif line.kind in (RecipientKind.ROLE, RecipientKind.HEAD):
            department = scoped_department(scope=line.department_scope, department=complaint.department)
            if line.department_scope == "fixed":
                department = line.department
            if department is None:
                continue
            if line.kind == RecipientKind.HEAD:
                found.append(("user", department.head if department.head_id else None))
            elif line.role_id is not None:
                found.append(("role", (department.pk, line.role_id)))
    found += [("role", (d.pk, r.pk)) for d, r in holding if d is not None and r is not None]
    pairs = {pair for what, pair in found if what == "role"}
    if pairs and connection.vendor == "postgresql":
        # The role holders, and the users named, read as notify_many reads recipients: one query.
        named = {value.pk for what, value in found if what == "user" and value is not None}
        holders, read = _holders_as_recipients(pairs, named)
        found = [(what, read.get(value.pk, value) if what == "user" and value else value) for what, value in found]
    else:
        holders = _role_holders(pairs)
    for what, value in found:
        for user in holders.get(value, []) if what == "role" else [value]:
            if user is not None and user.is_active:
                users.setdefault(user.pk, user)
    return list(users.values())


def role_recipients(*, department: Department | None, role: Role | None) -> list[Any]:
    """The active holders of a role in a department (none without a department), to be notified:
    on PostgreSQL read as recipients (`recipient_rows`: notify_many reads them no more), one query."""
    if department is None or role is None:
        return []
    if connection.vendor != "postgresql":
        return _role_holders({(department.pk, role.pk)}).get((department.pk, role.pk), [])
    holders, _named = _holders_as_recipients({(department.pk, role.pk)}, set())
    return holders.get((department.pk, role.pk), [])


def recipient_rows(users: Any) -> Any:
    """`users` (a queryset) with what a notification reads of its recipients, in the same query: their
    channel preferences and language, and what their contact policies read (`policy_rows`)."""
    return policy_rows(users).select_related("notification_preference", "preference")


def _wanted(pairs: set[tuple[int, int]]) -> Q:
    wanted = Q()
    for department_id, role_id in pairs:
        wanted |= Q(department_id=department_id, role_id=role_id)
    return wanted


def _holders_as_recipients(
    pairs: set[tuple[int, int]], named: set[int]
) -> tuple[dict[tuple[int, int], list[Any]], dict[int, Any]]:
    """The active holders of each (department id, role id) and the `named` users, read as
    recipients (`recipient_rows`, marked RECIPIENT_READ) in one query (PostgreSQL). Returns the
    holders by pair (by user id within one) and the named users read, by id."""
    held = Membership.objects.filter(_wanted(pairs), user=OuterRef("pk")).order_by()
    pair = JSONObject(department=F("department_id"), role=F("role_id"))
    users = recipient_rows(
        get_user_model()
        .objects.filter(Q(pk__in=named) | Q(Exists(held), is_active=True))
        .annotate(_redress_holds=ArraySubquery(held.values(pair=pair)))
        .order_by("pk")
    )
    holders: dict[tuple[int, int], list[Any]] = {}
    read: dict[int, Any] = {}
    for user in users:
        setattr(user, RECIPIENT_READ, True)
        read[user.pk] = user
        for pair in user._redress_holds if user.is_active else []:
            holders.setdefault((pair["department"], pair["role"]), []).append(user)
    return holders, read


def _role_holders(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[Any]]:
    """The active holders of each (department id, role id), in one query (none for no pairs)."""
    if not pairs:
        return {}
    wanted = _wanted(pairs)
    holders: dict[tuple[int, int], list[Any]] = {}
    for membership in Membership.objects.filter(wanted, user__is_active=True).select_related("user"):
        holders.setdefault((membership.department_id, membership.role_id), []).append(membership.user)
    return holders


def event_template(*, event: str, language: str | None = None) -> NotificationTemplate | None:
    """Returns the event's template in the language (the site's by default), else in any language."""
    templates = {t.language: t for t in event_templates([event])}
    language = language or settings.LANGUAGE_CODE
    return templates.get(language) or next(iter(templates.values()), None)
