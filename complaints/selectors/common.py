"""Reads that more than one door needs: scope, routing, settings."""

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connections
from django.db.models import BigIntegerField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import ActionKind
from complaints.models import Complaint, Department, Membership, ProcessSettings, StageRoute
from complaints.rules import capa
from complaints.rules.routing import QUEUE_PREFIX, UNROUTED_QUEUE, queue_permission
from complaints.rules.trees import subtree_ids
from complaints.selectors.once import config_row, read_once
from complaints.selectors.regional import follow_up_hours
from complaints.selectors.routing import ConfigurationMissing as ConfigurationMissing
from complaints.selectors.routing import departments_by_id, levels_by_id, process_settings_row, stage_profiles_by_id


def process_settings() -> ProcessSettings:
    """Returns the single ProcessSettings row (a preset import or the admin creates it)."""
    obj = process_settings_row()
    if obj is None:
        raise ConfigurationMissing(_("Process settings are missing: import a preset or add them in the admin."))
    return obj


def login_failure_limit(request: Any, credentials: Any = None) -> int:
    """django-axes' AXES_FAILURE_LIMIT: the admin's value (the operator's fallback before any configuration)."""
    limit = ProcessSettings.objects.order_by("pk").values_list("login_failure_limit", flat=True).first()
    return limit or settings.REDRESS_LOGIN_FALLBACK_FAILURES


def login_cooloff(request: Any = None) -> timedelta:
    """django-axes' AXES_COOLOFF_TIME: the admin's lock-out time (the operator's fallback before any configuration)."""
    minutes = ProcessSettings.objects.order_by("pk").values_list("login_cooloff_minutes", flat=True).first()
    return timedelta(minutes=minutes or settings.REDRESS_LOGIN_FALLBACK_COOLOFF_MINUTES)


def department_subtree_ids(root_ids: set[int]) -> set[int]:
    """Returns the given departments and every department below them."""
    parents = read_once(
        "department_parents", lambda: dict(Department.objects.values_list("pk", "parent_id")), shared=True
    )
    return subtree_ids(parents, root_ids)


# Set on a user object by whatever acts for that user with only some of their roles (an API token
# narrowed to roles, api.auth): a frozenset of role ids. Every read of "the user's memberships"
# goes through memberships_of, so queues, permissions, visibility and registering follow it.
ONLY_ROLES = "_redress_only_roles"


def only_roles(user: Any) -> frozenset[int] | None:
    """The role ids this user object acts with, or None: all of the user's roles."""
    return getattr(user, ONLY_ROLES, None)


def memberships_of(user: Any, *, active: bool = True) -> QuerySet[Membership]:
    """The user's memberships (in active departments unless `active` is False), narrowed to the
    roles the request acts with (see ONLY_ROLES)."""
    qs = Membership.objects.filter(user=user)
    if active:
        qs = qs.filter(department__active=True)
    roles = only_roles(user)
    return qs if roles is None else qs.filter(role_id__in=roles)


class MembershipRow(NamedTuple):
    department_id: int
    role_id: int
    department_code: str
    role_code: str
    can_register: bool
    department_active: bool


# Set on a user object by membership_rows: (the ONLY_ROLES it was read under, the rows).
_MEMBERSHIPS = "_redress_memberships"


def membership_rows(user: Any) -> list[MembershipRow]:
    """The user's memberships (inactive departments included, flagged), narrowed like memberships_of,
    read once per user object: a request's user reads them once however many doors ask (the
    permission backend, the case scope, visibility, the handler check); an admin's edit applies on
    the next request, as Django's own permission cache does."""
    if not getattr(user, "pk", None):
        return []
    roles = only_roles(user)
    kept = getattr(user, _MEMBERSHIPS, None)
    if kept is None or kept[0] != roles:

        def load() -> tuple[MembershipRow, ...]:
            rows = memberships_of(user, active=False).values_list(
                "department_id", "role_id", "department__code", "role__code", "role__can_register", "department__active"
            )
            return tuple(MembershipRow(*row) for row in rows)

        # Memberships, departments and roles are configuration (their writes renew its token): the
        # process's copy answers while the token holds (complaints.selectors.once).
        ordered = None if roles is None else tuple(sorted(roles))
        kept = (roles, read_once(f"memberships:{user.pk}:{ordered}", load, shared=True))
        setattr(user, _MEMBERSHIPS, kept)
    return list(kept[1])


def user_department_ids(user: Any) -> set[int]:
    """The user's departments (active ones)."""
    return {row.department_id for row in membership_rows(user) if row.department_active}


def queue_holders(permission: str) -> list[Any]:
    """Returns who works a queue (an owner permission `complaints.queue__<department>__<role>`):
    the active holders of that role in that department; nobody for any other permission."""
    if not permission.startswith(QUEUE_PREFIX):
        return []
    department_code, _sep, role_code = permission[len(QUEUE_PREFIX) :].rpartition("__")
    memberships = Membership.objects.filter(
        department__code=department_code, role__code=role_code, user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships]


def registering_department_ids(user: Any) -> set[int]:
    """The ids of the active departments in which the user may register complaints (from the
    memberships the user object has read once: no query of its own after that)."""
    return {row.department_id for row in membership_rows(user) if row.can_register and row.department_active}


def registering_departments(user: Any) -> QuerySet[Department]:
    """Returns the departments in which the user may register complaints (`registering_department_ids`)."""
    return Department.objects.filter(pk__in=sorted(registering_department_ids(user)))


def complaints_visible_to(user: Any) -> QuerySet[Complaint]:
    """Returns the complaints a user may see: those of their departments and the departments below,
    those they hold or held a task of, and those with a task waiting in one of their queues."""
    return visible_only(Complaint.objects.all(), user)


def visible_only(
    complaints: QuerySet[Complaint], user: Any, *, few: bool = False, walked: bool = False
) -> QuerySet[Complaint]:
    """The complaints of `complaints` the user may see (complaints_visible_to): for a superuser, all
    of them, with no condition at all (a list over every complaint is then counted and paged by its
    own indexes); else the scope as a condition on each row, or with `few` (sees_few) as the ids of
    what the user sees, found from their side (visible_listed). Both forms find the same rows.
    `walked`: the rows are read in a list's order until a page is full (visibility)."""
    departments, others = visibility(user, walked=walked)
    if departments is None:
        return complaints
    if not few:
        return complaints.filter(Q(department_id__in=departments) | others)
    parts = [Q(department_id__in=departments)] if departments else []
    found = [Complaint.objects.filter(part).order_by().values("pk") for part in (*parts, *visibility_branches(user))]
    return complaints.filter(pk__in=found[0].union(*found[1:]))


def visibility(user: Any, *, walked: bool = False) -> tuple[set[int] | None, Q]:
    """The two halves of complaints_visible_to: the departments whose complaints the user sees (None:
    every department, for a superuser) and the condition on the other complaints they see (their
    own, received or tasked ones). Summaries kept per department (the KPIs) use the first half and
    read the few complaints of the second one by themselves. `walked`: for rows a list reads in its
    order and stops at a page (probed_per_row)."""
    if user.is_superuser:
        return None, Q()
    if not user.is_authenticated:
        return set(), Q(pk__in=[])
    from viewflow.workflow.models import Task

    departments = department_subtree_ids(user_department_ids(user))
    queues = _queues(user)
    mine = _mine(user, queues)
    # One probe of the complaint's tasks for both (held, or waiting in a queue of theirs): apart,
    # the queued test was planned as an AND of the task index and the queue's index, reading every
    # task of a busy queue (2,000 for a regional lead's) for each complaint tested.
    tasks = Task.objects.filter(mine, process_id=OuterRef("pk"))
    # Whoever holds (or may claim) a task of a side process (an approval, a collaboration request,
    # an action's task, a mention) sees its complaint: one EXISTS over the side processes found by
    # their artifact index.
    side_tasks = Task.objects.filter(mine, side_of(OuterRef("pk"), via="process__"))
    if walked:
        tasks, side_tasks = probed_per_row(tasks), probed_per_row(side_tasks)
    has_task, has_side_task = Exists(tasks), Exists(side_tasks)
    # The first handler stays the customer's contact: owner and receiver keep seeing the case after
    # it moves up the ladder, even to a department above their own.
    others = Q(owner=user) | Q(receiver=user) | Q(has_task) | Q(has_side_task)
    return set(departments), others


def probed_per_row(rows: QuerySet[Any]) -> QuerySet[Any]:
    """An EXISTS subquery correlated with the outer row's pk that PostgreSQL can only probe row by
    row. Without this, PostgreSQL may plan it as a hash of every row it could match, built before the
    first row is tested, when it expects to test many: a list that walks an index of a rare value
    newest first (complaint_priority_number…) and stops at a page tests a few dozen, but hashed the
    quality engineer's side-process tasks first (2 s at 1,000,000 complaints). A condition on the
    outer row alone inside the subquery (every pk is positive: always true) rules the hash out."""
    return rows.filter(GreaterThan(ExpressionWrapper(OuterRef("pk"), output_field=BigIntegerField()), 0))


def _queues(user: Any) -> list[str]:
    return [p for p in user.get_all_permissions() if p.startswith("complaints.queue__")]


def _mine(user: Any, queues: list[str]) -> Q:
    """The tasks a user holds or may claim (from one of their queues)."""
    return Q(owner=user) | Q(owner__isnull=True, owner_permission__in=queues)


def tasks_of_members(user: Any) -> Q:
    """The tasks the user holds or may claim from a queue their memberships give them: visibility's
    condition (`_mine`) without the queues a model permission alone could grant (a rare grant,
    which visibility itself still asks), so without reading the user's model permissions."""
    from complaints.auth import membership_queues

    return _mine(user, membership_queues(user))


def visibility_branches(user: Any) -> list[Q]:
    """The second half of visibility() (the complaints a scoped user sees outside their departments)
    as separate conditions whose union is that half, each one PostgreSQL can answer from the user's
    side by an index: owned or received complaints, and `pk IN (…)` the processes of the tasks the
    user holds or may claim and the complaints of such side processes (uncorrelated subqueries).
    For reading those few complaints once (the KPIs), where visibility()'s correlated form, made for
    lists that read a page, would probe the task table for every complaint of a long period."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.models import Process, Task

    tasks = Task.objects.filter(_mine(user, _queues(user))).values("process_id")
    sides = Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(Complaint), pk__in=tasks
    ).values("artifact_object_id")
    return [Q(owner=user) | Q(receiver=user), Q(pk__in=tasks), Q(pk__in=sides)]


# The most complaints a user may see for a list to read them from the user's side (their
# departments' complaints, their own and received ones, their tasks': indexes) and sort them; a user
# who sees more has a list walk every complaint newest first, testing each, which fills a page soon
# when so many are visible. Where the two cost alike at 1,000,000 complaints (bench/RESULTS.md):
# mechanics of the plan, not a policy.
FEW_VISIBLE = 5_000


def visible_listed(complaints: QuerySet[Complaint], user: Any, *, few: bool | None = None) -> QuerySet[Complaint]:
    """The complaints of `complaints` the user may see, for a list read newest first a page at a
    time: the scope tested on each row for a user who sees many complaints (the walk stops at a
    page); for one who sees few (sees_few: a privacy officer, a technical director asked now and
    then), the ids of what they see (visible_only's `few` form): the walk tested every complaint to
    find them (8-10 s at 1,000,000). `few`: sees_few's answer where the caller keeps it, else asked
    here."""
    return visible_only(complaints, user, few=sees_few(user) if few is None else few, walked=True)


def sees_few(user: Any) -> bool:
    """Whether the user's departments' complaints, their own and received ones and the tasks they
    hold or may claim number FEW_VISIBLE at most together (never for a superuser, who has no
    scope): one count, which stops past FEW_VISIBLE (the department, owner, receiver, task owner
    and queue indexes, read in turn)."""
    from viewflow.workflow.models import Task

    departments = visibility(user)[0]
    if departments is None:
        return False
    parts = [
        *([Complaint.objects.filter(department_id__in=departments)] if departments else []),
        Complaint.objects.filter(owner=user),
        Complaint.objects.filter(receiver=user),
        # (apart: an index read each, which stops with the count; as one OR, a bitmap of every one)
        Task.objects.filter(owner=user),
        Task.objects.filter(owner__isnull=True, owner_permission__in=_queues(user)),
    ]
    # Each part capped too: PostgreSQL then reads each from its index as far as the count goes
    # (uncapped, it gathered a bitmap of the demo quality engineer's 978,000 tasks: 24 ms); SQLite
    # takes no LIMIT inside a UNION (the embedded demo database, a few complaints: uncapped there).
    # A constant for each row found: the indexes alone answer (index-only scans, no table read).
    ones = [part.order_by().values(one=Value(1)) for part in parts]
    if connections[Complaint.objects.db].features.supports_slicing_ordering_in_compound:
        ones = [one[: FEW_VISIBLE + 1] for one in ones]
    return ones[0].union(*ones[1:], all=True)[: FEW_VISIBLE + 1].count() <= FEW_VISIBLE


def complaint_is_visible_to(*, complaint_id: int, user: Any) -> bool:
    """Whether complaints_visible_to(user) holds this complaint. Most answers come from the
    complaint's own row (its department, owner and receiver) and the user's memberships, read once
    per request; only a complaint outside the user's departments asks the tasks."""
    row = Complaint.objects.filter(pk=complaint_id).values_list("department_id", "owner_id", "receiver_id").first()
    if row is None:
        return False
    department_id, owner_id, receiver_id = row
    return complaint_is_visible(
        user=user, complaint_id=complaint_id, department_id=department_id, owner_id=owner_id, receiver_id=receiver_id
    )


# Set on a request by flows.middleware.ComplaintScopeMiddleware: the id of the complaint the URL
# names, once complaint_is_visible found the user sees it (the complaint page then reads that row
# without the scope's conditions).
SEEN_COMPLAINT = "_redress_complaint_seen"


def complaint_is_visible(
    *,
    user: Any,
    complaint_id: int,
    department_id: int | None,
    owner_id: int | None,
    receiver_id: int | None,
    task_mine: bool = False,
) -> bool:
    """complaint_is_visible_to for a complaint whose row the caller has read already; `task_mine`:
    the caller found one of its tasks that the user holds or may claim (`tasks_of_members`)."""
    if user.is_superuser:
        return True
    if not user.is_authenticated:
        return False
    if user.pk in (owner_id, receiver_id):
        return True
    if department_id is not None and department_id in department_subtree_ids(user_department_ids(user)):
        return True
    if task_mine:
        return True
    # The rest of visibility()'s conditions, asked of this complaint's tasks and its side processes'.
    from viewflow.workflow.models import Task

    mine = Task.objects.filter(_mine(user, _queues(user)))
    return mine.filter(process_id=complaint_id).exists() or mine.filter(side_of(complaint_id, via="process__")).exists()


def side_of(complaints: Any, via: str = "") -> Q:
    """The condition "a side process of these complaints" (approvals, collaboration requests, action
    tasks, mentions: process rows whose artifact is the complaint, complaints.models.side) on the
    process table's artifact index; `via` reaches the process from another model ("process__" from
    a task); `complaints` is an id, an OuterRef or a list of ids."""
    from django.contrib.contenttypes.models import ContentType

    many = isinstance(complaints, list | set | tuple | QuerySet)
    return Q(
        **{
            f"{via}artifact_content_type": ContentType.objects.get_for_model(Complaint),
            f"{via}artifact_object_id{'__in' if many else ''}": complaints,
        }
    )


def side_processes(complaints: Any) -> QuerySet[Any]:
    """The side processes of the given complaints (an id or a list of ids), see side_of."""
    from viewflow.workflow.models import Process

    return Process.objects.filter(side_of(complaints)).order_by()


def complaint_of_process(process_pk: int) -> int | None:
    """Returns the complaint a process row belongs to: itself, or the case of a side process."""
    from viewflow.workflow.models import Process

    if Complaint.objects.filter(pk=process_pk).exists():
        return process_pk
    return Process.objects.filter(pk=process_pk).values_list("artifact_object_id", flat=True).first()


def stage_route(*, complaint: Complaint, stage: str) -> StageRoute | None:
    """Returns the admin's routing of a step for this complaint: its profile's own, else the general one."""
    # Every step's routing in one read (once per transition: a step's form routes the next steps).
    routes = read_once(
        "stage_routes",
        lambda: list(StageRoute.objects.select_related("role", "department").order_by("pk")),
        shared=True,
    )
    own = [r for r in routes if r.stage == stage]
    route = None
    if complaint.stage_profile_id is not None:
        route = next((r for r in own if r.profile_id == complaint.stage_profile_id), None)
    return route or next((r for r in own if r.profile_id is None), None)


def stage_queue(*, complaint: Complaint, stage: str) -> str:
    """Returns the queue (owner permission) for a step of this complaint (see route_queue)."""
    return route_queue(complaint=complaint, route=stage_route(complaint=complaint, stage=stage))


def route_queue(*, complaint: Complaint, route: StageRoute | None) -> str:
    """Returns the queue a step routed by `route` waits in. While the complaint is escalated,
    steps that move up with escalation go to its level's queue. A step the admin has not routed
    waits for someone with the process-manager permission, never for everybody."""
    if route is not None and route.follows_escalation:
        # complaint.is_escalated, with the levels from the process's configuration copy
        level = config_row(complaint, "level", levels_by_id)
        start = config_row(complaint, "start_level", levels_by_id)
        if level is not None and start is not None and level.rank > start.rank:
            from complaints.selectors.escalation import level_queue

            return level_queue(level=level, complaint=complaint)[0]
    department = (route.department or config_row(complaint, "department", departments_by_id)) if route else None
    if route is None or department is None:
        return UNROUTED_QUEUE
    return queue_permission(department_code=department.code, role_code=route.role.code)


# The permanent actions' statuses the effectiveness step just judged (services.quality.
# capa_effectiveness_complete), left on the complaint for the gate that follows it in the same
# transition, under the same lock; the gate takes them (once) instead of reading them again.
JUDGED_STATUSES = "_redress_judged_statuses"


def permanent_statuses(complaint: Complaint) -> list[str]:
    return list(complaint.actions.filter(kind=ActionKind.PERMANENT).values_list("status", flat=True))


def permanent_actions_effective(*, complaint: Complaint) -> bool:
    """Returns whether the complaint has permanent actions and every one is verified effective
    (the gate before customer confirmation)."""
    judged = complaint.__dict__.pop(JUDGED_STATUSES, None)
    return capa.all_effective(permanent_statuses(complaint) if judged is None else judged)


def stage_runs(*, complaint: Complaint, stage: str) -> bool:
    """Returns whether an optional stage runs for this complaint (its stage profile says; a
    complaint without a profile runs every stage)."""
    profile = config_row(complaint, "stage_profile", stage_profiles_by_id)  # the process's copy
    return True if profile is None else profile.runs(stage)


def follow_up_due(*, complaint: Complaint) -> datetime:
    """Returns when the follow-up of a closed complaint is due (the admin's delay after closing)."""
    closed_at = complaint.closed_at or timezone.now()
    hours = follow_up_hours(settings_row=process_settings(), department=complaint.department_id).value
    return closed_at + timedelta(hours=hours)
