"""The management numbers read from the complaints, their events, clocks and quality records.

Every KPI is a pair of named *parts* (a denominator and a numerator), each a condition on the
complaints of one cohort: the complaints received in the period that the user may see and that
match the filters. The dashboard counts the parts in one aggregate query; a drill-down lists the
complaints of one part with the same condition, so a number and its list cannot disagree.
The meaning of each KPI is in complaints/rules/kpi.py (DEFINITIONS).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import (
    AppealDecision,
    ApprovalStatus,
    BatchStatus,
    CauseVerdict,
    Emotion,
    EventKind,
    Outcome,
    Signal,
)
from complaints.models import (
    Appeal,
    BatchInvestigation,
    Cause,
    CauseCategory,
    Clock,
    CompensationApproval,
    Complaint,
    ComplaintEvent,
    CorrectiveAction,
    Department,
    Escalation,
    EscalationLevel,
    KpiSettings,
    Priority,
    Responsibility,
)
from complaints.rules import kpi as rules
from complaints.selectors.routing import ConfigurationMissing

# Periods up to this many weeks trend per week, longer ones per month (page layout, not policy).
TREND_WEEKS = 13
# Clock kinds whose deadline is the complaint's own (a task's or an action's clock is shown with it).
CLOCK_KINDS = tuple(Clock.Kind)
EMOTION_ORDER = [e.value for e in Emotion]


def kpi_settings() -> KpiSettings:
    """Returns the single KPI settings row (the migration creates it; the admin edits it)."""
    obj = KpiSettings.objects.order_by("pk").first()
    if obj is None:
        raise ConfigurationMissing(_("KPI settings are missing: add them in the admin."))
    return obj


def may_see_dashboard(user: Any) -> bool:
    """Superusers, and members holding a role the KPI settings allow."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from complaints.models import Membership

    settings_row = KpiSettings.objects.order_by("pk").first()
    if settings_row is None:
        return False
    return Membership.objects.filter(
        user=user, department__active=True, role__in=settings_row.dashboard_roles.all()
    ).exists()


@dataclass(frozen=True)
class KpiFilters:
    """What the dashboard's filter form asks; ids are checked by the form, scope by the cohort."""

    period: rules.Period | None
    department: Department | None = None
    category_ids: frozenset[int] | None = None
    priority_id: int | None = None
    level_id: int | None = None
    channel: str = ""


def cohort(*, user: Any, filters: KpiFilters) -> QuerySet[Complaint]:
    """Returns the registered complaints received in the period that the user may see (user None:
    the whole organisation, for the review packs) and that match the filters: the base of every KPI."""
    from complaints.selectors.common import complaints_visible_to, department_subtree_ids

    visible = Complaint.objects.all() if user is None else complaints_visible_to(user)
    qs = visible.filter(reference__isnull=False)
    if filters.period is not None:
        start, end = filters.period.bounds(timezone.get_current_timezone())
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    if filters.department is not None:
        qs = qs.filter(department_id__in=department_subtree_ids({filters.department.pk}))
    if filters.category_ids is not None:
        qs = qs.filter(category_id__in=filters.category_ids)
    if filters.priority_id is not None:
        qs = qs.filter(priority_id=filters.priority_id)
    if filters.level_id is not None:
        qs = qs.filter(level_id=filters.level_id)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    return qs


# --- the parts -------------------------------------------------------------------------------

VALID = ~Q(outcome__in=[Outcome.INVALID, Outcome.DUPLICATE])
UPHELD = (AppealDecision.UPHELD, AppealDecision.PARTLY)  # the office found for the customer, at least in part
RESOLVED = VALID & Q(outcome=Outcome.RESOLVED, closed_at__isnull=False)


# Conditions on related rows are `pk IN (uncorrelated subquery)`, not correlated EXISTS: inside the
# one aggregate's FILTERs PostgreSQL runs each such subquery once and probes a hash of it, where an
# EXISTS would run once per complaint and per part (7 s instead of well under one at 100,000).


def _escalated_up(**filters: Any) -> Q:
    ids = Escalation.objects.filter(direction=Escalation.Direction.UP, **filters).values("complaint_id")
    return Q(pk__in=ids)


def _clock(**filters: Any) -> Q:
    return Q(pk__in=Clock.objects.filter(**filters).values("complaint_id"))


REOPENED = Q(pk__in=ComplaintEvent.objects.filter(kind=EventKind.REOPENED).values("complaint_id"))
FIRST_CONTACT = RESOLVED & ~_escalated_up() & ~REOPENED


def _emotions_from(emotion: str) -> list[str]:
    return EMOTION_ORDER[EMOTION_ORDER.index(emotion) :] if emotion in EMOTION_ORDER else []


def _with_signals_text(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    # The JSON list as text: works alike on PostgreSQL and SQLite (SQLite has no JSON "contains").
    return qs.annotate(kpi_signals=Cast("signals", TextField()))


REPEAT = VALID & Q(kpi_signals__contains=f'"{Signal.REPEAT.value}"')


def _compensation_events() -> QuerySet[ComplaintEvent]:
    return ComplaintEvent.objects.filter(kind=EventKind.COMPENSATION, new__within_authority=True)


def _approved() -> QuerySet[CompensationApproval]:
    return CompensationApproval.objects.filter(decision=ApprovalStatus.APPROVED)


def part_condition(code: str, settings_row: KpiSettings) -> Q:
    """The condition of one named part (raises KeyError for an unknown code). The code is
    `name` or `name:argument`, e.g. `escalated:3` (escalated up from level 3)."""
    name, _sep, arg = code.partition(":")
    satisfied = Q(satisfaction__gte=settings_row.satisfied_from)
    scored = Q(satisfaction__isnull=False)
    angry = Q(emotion__in=_emotions_from(settings_row.recovery_emotion))
    simple: dict[str, Q] = {
        "volume": Q(),
        "valid": VALID,
        "invalid": Q(outcome=Outcome.INVALID),
        "duplicate": Q(outcome=Outcome.DUPLICATE),
        "resolved": RESOLVED,
        "fcr": FIRST_CONTACT,
        "scored": scored,
        "satisfied": scored & satisfied,
        "recovery_base": scored & angry,
        "recovered": scored & angry & satisfied,
        "repeat": REPEAT,
        "compensated": Q(pk__in=_compensation_events().values("complaint_id"))
        | Q(pk__in=_approved().values("case_id")),
        "action_cost": Q(pk__in=CorrectiveAction.objects.filter(cost__gt=0).values("complaint_id")),
        "batches": Q(batch_investigations__status=BatchStatus.OPEN),
        "appeals": Q(pk__in=Appeal.objects.values("case_id")),
        "appeals_decided": Q(pk__in=Appeal.objects.filter(decided_at__isnull=False).values("case_id")),
        "appeals_upheld": Q(pk__in=Appeal.objects.filter(decision__in=UPHELD).values("case_id")),
        "escalated": VALID & _escalated_up(),
    }
    if name in simple and not arg:
        return simple[name]
    if name == "handled" and arg.isdigit():
        level = int(arg)
        return VALID & (Q(start_level_id=level) | _escalated_up(to_level_id=level))
    if name == "escalated" and arg.isdigit():
        level = int(arg)
        return VALID & _escalated_up(from_level_id=level)
    if name == "closed_at" and arg.count("-") == 1:
        level_s, priority_s = arg.split("-")
        if level_s.isdigit() and priority_s.isdigit():
            return RESOLVED & Q(level_id=int(level_s), priority_id=int(priority_s))
    if name in ("clocked", "met", "missed") and arg in Clock.Kind.values:
        finished = VALID & _clock(kind=arg, state=Clock.State.STOPPED)
        missed = VALID & _clock(kind=arg, state=Clock.State.STOPPED, breached_at__isnull=False)
        return {"clocked": finished, "met": finished & ~missed, "missed": missed}[name]
    if name == "category" and arg.isdigit():
        return VALID & Q(category_id=int(arg))
    if name == "category" and arg == "none":
        return VALID & Q(category__isnull=True)
    if name == "cause" and arg:
        return Q(
            Exists(
                Cause.objects.filter(
                    analysis__complaint=OuterRef("pk"), verdict=CauseVerdict.CONFIRMED, category__code=arg
                )
            )
        )
    if name == "dept" and arg.isdigit():
        return Q(Exists(Responsibility.objects.filter(analysis__complaint=OuterRef("pk"), department_id=int(arg))))
    if name == "party" and arg:
        return Q(
            Exists(
                Responsibility.objects.filter(analysis__complaint=OuterRef("pk"), department__isnull=True, party=arg)
            )
        )
    if name in ("week", "month") and arg:
        start = datetime.fromisoformat(arg)
        if timezone.is_naive(start):
            start = timezone.make_aware(start)
        end = start + timedelta(weeks=1) if name == "week" else _next_month(start)
        return Q(received_at__gte=start, received_at__lt=end)
    raise KeyError(code)


def _next_month(moment: datetime) -> datetime:
    """The first of the next month, same time zone (moment is aware and on the first of a month)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=1)


def compensation_by_complaint(ids: list[int]) -> dict[int, Decimal]:
    """Returns the compensation of each given complaint: agreed within a level's authority plus
    approved above it (CNY). Two queries."""
    amount = Cast(KeyTextTransform("amount", "new"), DecimalField(max_digits=14, decimal_places=2))
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for pk, value in (
        _compensation_events()
        .filter(complaint_id__in=ids)
        .values("complaint_id")
        .annotate(t=Sum(amount))
        .values_list("complaint_id", "t")
    ):
        totals[pk] += rules.money(value)
    for pk, value in (
        _approved().filter(case_id__in=ids).values("case_id").annotate(t=Sum("amount")).values_list("case_id", "t")
    ):
        totals[pk] += rules.money(value)
    return dict(totals)


def drill_down(*, user: Any, filters: KpiFilters, part: str) -> QuerySet[Complaint]:
    """Returns the complaints behind one number of the dashboard (raises KeyError for an unknown part)."""
    condition = part_condition(part, kpi_settings())
    qs = _with_signals_text(cohort(user=user, filters=filters)).filter(condition)
    if part == "batches":
        qs = qs.distinct()
    return qs


# --- the summary -----------------------------------------------------------------------------


@dataclass
class Ratio:
    """A KPI as part / whole, with the codes of both parts for the drill-downs."""

    label: str
    part: int
    whole: int
    part_code: str
    whole_code: str
    target: float | None = None

    @property
    def percent(self) -> float | None:
        return rules.rate(self.part, self.whole)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.percent is None:
            return None
        return self.percent >= self.target


@dataclass
class TimeCell:
    level: str
    priority: str
    count: int
    median_hours: float | None
    p90_hours: float | None
    part_code: str


@dataclass
class Summary:
    filters: KpiFilters
    volume: int = 0
    valid: int = 0
    invalid: int = 0
    duplicate: int = 0
    fcr: Ratio | None = None
    escalation: list[Ratio] = field(default_factory=list)
    resolution_times: list[TimeCell] = field(default_factory=list)
    deadlines: list[Ratio] = field(default_factory=list)
    satisfaction: Ratio | None = None
    recovery: Ratio | None = None
    repeat: Ratio | None = None
    compensation: Decimal = Decimal(0)
    compensated: int = 0
    action_cost: Decimal = Decimal(0)
    action_costed: int = 0
    open_batches: int = 0
    appeals: int = 0
    appeal_upheld: Ratio | None = None
    categories: list[rules.ParetoRow] = field(default_factory=list)
    causes: list[rules.ParetoRow] = field(default_factory=list)
    responsibility: list[rules.ParetoRow] = field(default_factory=list)
    trend_unit: str = "week"
    trend: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)


def kpi_summary(*, user: Any, filters: KpiFilters) -> Summary:
    """Returns every KPI of the cohort. The number of queries does not depend on the number of
    complaints (one aggregate for the counts, one per breakdown)."""
    from complaints.selectors.batch import investigations_visible_to

    settings_row = kpi_settings()
    levels = list(EscalationLevel.objects.order_by("rank"))
    priorities = {p.pk: p for p in Priority.objects.all()}
    base = _with_signals_text(cohort(user=user, filters=filters))
    codes = ["volume", "valid", "invalid", "duplicate", "resolved", "fcr", "scored", "satisfied"]
    codes += ["recovery_base", "recovered", "repeat", "appeals", "appeals_decided", "appeals_upheld"]
    for level in levels:
        codes += [f"handled:{level.pk}", f"escalated:{level.pk}"]
    counts = base.aggregate(
        **{code.replace(":", "__"): Count("pk", filter=part_condition(code, settings_row)) for code in codes}
    )

    def n(code: str) -> int:
        return int(counts[code.replace(":", "__")] or 0)

    s = Summary(filters=filters, volume=n("volume"), valid=n("valid"), invalid=n("invalid"), duplicate=n("duplicate"))
    s.fcr = Ratio(str(rules.DEFINITION_BY_CODE["fcr"].title), n("fcr"), n("resolved"), "fcr", "resolved")
    s.escalation = [
        Ratio(
            str(level),
            n(f"escalated:{level.pk}"),
            n(f"handled:{level.pk}"),
            f"escalated:{level.pk}",
            f"handled:{level.pk}",
        )
        for level in levels
    ]
    s.deadlines = _deadlines(base)
    target = float(settings_row.satisfaction_target_percent)
    s.satisfaction = Ratio(_("Satisfied"), n("satisfied"), n("scored"), "satisfied", "scored", target=target)
    s.recovery = Ratio(_("Recovered"), n("recovered"), n("recovery_base"), "recovered", "recovery_base")
    s.repeat = Ratio(_("Repeat"), n("repeat"), n("valid"), "repeat", "valid")
    s.appeals = n("appeals")
    s.appeal_upheld = Ratio(_("Upheld"), n("appeals_upheld"), n("appeals_decided"), "appeals_upheld", "appeals_decided")

    ids = base.values("pk")
    s.resolution_times = _resolution_times(base, levels, priorities)
    within = _compensation_events().filter(complaint_id__in=ids)
    within_sum = within.aggregate(
        total=Sum(Cast(KeyTextTransform("amount", "new"), DecimalField(max_digits=14, decimal_places=2)))
    )["total"]
    approved_sum = _approved().filter(case_id__in=ids).aggregate(total=Sum("amount"))["total"]
    s.compensation = rules.money(within_sum) + rules.money(approved_sum)
    costs = CorrectiveAction.objects.filter(complaint_id__in=ids).aggregate(total=Sum("cost"))
    s.action_cost = rules.money(costs["total"])
    batches = BatchInvestigation.objects.all() if user is None else investigations_visible_to(user)
    s.open_batches = batches.filter(status=BatchStatus.OPEN).count()
    s.categories = _category_pareto(base)
    s.causes = _cause_pareto(ids)
    s.responsibility = _responsibility(ids)
    s.trend_unit = rules.trend_unit(filters.period.days if filters.period else 0, TREND_WEEKS * 7)
    s.trend = _trend(base, s.trend_unit)
    return s


def _deadlines(base: QuerySet[Complaint]) -> list[Ratio]:
    """Per clock kind, in one query over the clocks: valid complaints with a finished clock of the
    kind, and those of them with a finished clock of the kind that passed its due time (the parts
    `clocked:<kind>` and `missed:<kind>`; met = clocked - missed)."""
    stopped = Q(state=Clock.State.STOPPED)
    rows = {
        r["kind"]: r
        for r in Clock.objects.filter(complaint_id__in=base.filter(VALID).values("pk"))
        .values("kind")
        .annotate(
            clocked=Count("complaint_id", distinct=True, filter=stopped),
            missed=Count("complaint_id", distinct=True, filter=stopped & Q(breached_at__isnull=False)),
        )
        .order_by()
    }
    out = []
    for kind in CLOCK_KINDS:
        r = rows.get(kind.value)
        if r and r["clocked"]:
            out.append(
                Ratio(
                    str(kind.label),
                    r["clocked"] - r["missed"],
                    r["clocked"],
                    f"met:{kind.value}",
                    f"clocked:{kind.value}",
                )
            )
    return out


class _PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont: the same interpolation as rules.kpi.percentile."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _resolution_times(
    base: QuerySet[Complaint], levels: list[EscalationLevel], priorities: dict[int, Priority]
) -> list[TimeCell]:
    resolved = base.filter(RESOLVED, level__isnull=False, priority__isnull=False, received_at__isnull=False)
    stats: dict[tuple[int, int], tuple[int, float | None, float | None]] = {}
    if connection.vendor == "postgresql":
        # In the database: one grouped row per level and priority, whatever the number of complaints.
        hours = Func(F("closed_at") - F("received_at"), template="EXTRACT(EPOCH FROM %(expressions)s) / 3600")
        for r in (
            resolved.values("level_id", "priority_id")
            .annotate(
                n=Count("pk"),
                median=_PercentileCont(hours, fraction=0.5),
                p90=_PercentileCont(hours, fraction=0.9),
            )
            .order_by()
        ):
            stats[(r["level_id"], r["priority_id"])] = (r["n"], r["median"], r["p90"])
    else:  # SQLite (make run): no percentile aggregate, the same rule in Python
        values: dict[tuple[int, int], list[float]] = defaultdict(list)
        for level_id, priority_id, received, closed in resolved.values_list(
            "level_id", "priority_id", "received_at", "closed_at"
        ):
            values[(level_id, priority_id)].append((closed - received).total_seconds() / 3600)
        for key, hours_list in values.items():
            stats[key] = (len(hours_list), rules.percentile(hours_list, 50), rules.percentile(hours_list, 90))
    cells = []
    for level in levels:
        for priority in sorted(priorities.values(), key=lambda p: p.rank):
            found = stats.get((level.pk, priority.pk))
            if not found:
                continue
            cells.append(
                TimeCell(
                    level=str(level),
                    priority=priority.code,
                    count=found[0],
                    median_hours=_round(found[1]),
                    p90_hours=_round(found[2]),
                    part_code=f"closed_at:{level.pk}-{priority.pk}",
                )
            )
    return cells


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _category_pareto(base: QuerySet[Complaint]) -> list[rules.ParetoRow]:
    rows = base.filter(VALID).values("category_id", "category__name").annotate(n=Count("pk")).order_by()
    return rules.pareto(
        (f"category:{r['category_id'] or 'none'}", r["category__name"] or _("No category"), r["n"]) for r in rows
    )


def _cause_pareto(ids: QuerySet[Any]) -> list[rules.ParetoRow]:
    rows = (
        Cause.objects.filter(analysis__complaint_id__in=ids, verdict=CauseVerdict.CONFIRMED)
        .values("category__code")
        .annotate(n=Count("analysis__complaint_id", distinct=True))
        .order_by()
    )
    labels = {c.code: c.label for c in CauseCategory.objects.all()}
    return rules.pareto((f"cause:{r['category__code']}", labels.get(r["category__code"], ""), r["n"]) for r in rows)


def _responsibility(ids: QuerySet[Any]) -> list[rules.ParetoRow]:
    rows = (
        Responsibility.objects.filter(analysis__complaint_id__in=ids)
        .values("department_id", "department__name", "party")
        .annotate(total=Sum("share"))
        .order_by()
    )
    merged: dict[tuple[str, str], float] = defaultdict(float)
    for r in rows:
        if r["department_id"] is not None:
            key = (f"dept:{r['department_id']}", r["department__name"])
        else:
            key = (f"party:{r['party']}", r["party"])
        merged[key] += float(r["total"]) / 100
    return rules.pareto((key, label, round(value, 2)) for (key, label), value in merged.items())


def _trend(base: QuerySet[Complaint], unit: str) -> list[dict[str, Any]]:
    trunc = TruncWeek if unit == "week" else TruncMonth
    tz = timezone.get_current_timezone()
    rows = (
        base.annotate(bucket=trunc("received_at", tzinfo=tz))
        .values("bucket")
        .annotate(
            total=Count("pk"),
            valid=Count("pk", filter=VALID),
            escalated=Count("pk", filter=VALID & _escalated_up()),
        )
        .order_by("bucket")
    )
    return [
        {
            "bucket": r["bucket"],
            "part_code": f"{unit}:{timezone.localtime(r['bucket']).replace(tzinfo=None).isoformat()}",
            "total": r["total"],
            "valid": r["valid"],
            "escalated": r["escalated"],
        }
        for r in rows
    ]


def region_comparison(*, user: Any, filters: KpiFilters) -> list[dict[str, Any]]:
    """Returns the main KPIs side by side for each department directly below the filtered one (the
    regions below headquarters when no department is chosen), on the same cohort rules, in one query."""
    from complaints.selectors.common import department_subtree_ids

    settings_row = kpi_settings()
    if filters.department is not None:
        children = list(Department.objects.filter(parent=filters.department, active=True).order_by("name"))
    else:
        children = list(Department.objects.filter(parent__parent__isnull=True, parent__isnull=False, active=True))
        children.sort(key=lambda d: d.name)
    if not children:
        return []
    whens = [When(department_id__in=department_subtree_ids({d.pk}), then=Value(d.pk)) for d in children]
    base = _with_signals_text(cohort(user=user, filters=filters)).annotate(
        kpi_region=Case(*whens, default=Value(0), output_field=IntegerField())
    )
    parts = ("volume", "valid", "resolved", "fcr", "escalated", "scored", "satisfied", "repeat")
    rows = {
        r["kpi_region"]: r
        for r in base.values("kpi_region")
        .annotate(**{p: Count("pk", filter=part_condition(p, settings_row)) for p in parts})
        .order_by()
    }
    out = []
    for d in children:
        r = rows.get(d.pk)
        if r is None:  # nothing received there in the period: no row to compare
            continue
        out.append(
            {
                "department": d,
                "volume": r["volume"],
                "fcr": rules.rate(r["fcr"], r["resolved"]),
                "escalation": rules.rate(r["escalated"], r["valid"]),
                "satisfaction": rules.rate(r["satisfied"], r["scored"]),
                "repeat": rules.rate(r["repeat"], r["valid"]),
            }
        )
    return out
