"""The management numbers read from the complaints, their events, clocks and quality records.

Every KPI is a pair of named *parts* (a denominator and a numerator), each a condition on the
complaints of one cohort: the complaints received in the period that the user may see and that
match the filters. The dashboard counts the parts in one aggregate query; a drill-down lists the
complaints of one part with the same condition, so a number and its list cannot disagree.
The meaning of each KPI is in complaints/rules/kpi.py (DEFINITIONS).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from django.utils.translation import get_language
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
    StepRunStatus,
    VaryingSetting,
)
from complaints.models import (
    Appeal,
    BatchInvestigation,
    Category,
    Cause,
    CauseCategory,
    Clock,
    CompensationApproval,
    Complaint,
    ComplaintEvent,
    CorrectiveAction,
    CustomStepRun,
    Department,
    Escalation,
    EscalationLevel,
    KpiDay,
    KpiDayBreakdown,
    KpiDayLevel,
    KpiSettings,
    Priority,
    Responsibility,
)
from complaints.models.clock import COMPLAINT_CLOCK_KINDS
from complaints.models.kpi import KPI_DAY_PARTS
from complaints.rules import kpi as rules
from complaints.selectors.once import read_once
from complaints.selectors.routing import ConfigurationMissing

# Periods up to this many weeks trend per week, longer ones per month (page layout, not policy).
TREND_WEEKS = 13
# Clock kinds whose deadline is the complaint's own (a task's or an action's clock is shown with it).
CLOCK_KINDS = COMPLAINT_CLOCK_KINDS
EMOTION_ORDER = [e.value for e in Emotion]
# The custom-step runs whose time counts: answered (done, or refused by a gate).
STEP_FINISHED = (StepRunStatus.DONE, StepRunStatus.REFUSED)


def kpi_settings() -> KpiSettings:
    """Returns the single KPI settings row (the migration creates it; the admin edits it)."""
    obj = KpiSettings.objects.order_by("pk").first()
    if obj is None:
        raise ConfigurationMissing(_("KPI settings are missing: add them in the admin."))
    return obj


def may_read_packs(user: Any) -> bool:
    """Review packs (and the decisions taken on them) cover the whole organisation: superusers and
    the KPI settings' recipients read them and record decisions."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or kpi_settings().recipients.filter(pk=user.pk).exists())


def decisions_with_clock(decisions: QuerySet[Any]) -> QuerySet[Any]:
    """Annotates review decisions with their running clock (`clock_due`, `clock_warn`, `clock_breached`),
    in one query with the rows, as the worklists show a task's deadline."""
    running = Clock.objects.filter(
        complaint__isnull=True, kind=Clock.Kind.DECISION, subject=OuterRef("pk"), state=Clock.State.RUNNING
    )
    return decisions.annotate(
        clock_due=Subquery(running.values("due_at")[:1]),
        clock_warn=Subquery(running.values("warn_at")[:1]),
        clock_breached=Subquery(running.values("breached_at")[:1]),
    )


def decisions_open_of(user: Any) -> QuerySet[Any]:
    """The user's open review decisions, soonest due first, with their clocks (the inbox panel)."""
    from complaints.models import ReviewDecision

    rows = ReviewDecision.objects.filter(owner=user, status=ReviewDecision.Status.OPEN).select_related("pack")
    return decisions_with_clock(rows).order_by("due_date", "pk")


def decisions_of_pack(pack: Any) -> QuerySet[Any]:
    """The decisions taken on a pack, with owner, category, complaints and clocks (fixed queries)."""
    rows = pack.decisions.select_related("owner", "category", "done_by").prefetch_related("complaints")
    return decisions_with_clock(rows).order_by("status", "due_date", "pk")


def may_see_dashboard(user: Any) -> bool:
    """Superusers, and members holding a role the KPI settings allow."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True

    from complaints.selectors.common import membership_rows

    # The user's roles (in active departments) are the request's, read once.
    roles = {row.role_id for row in membership_rows(user) if row.department_active}
    return bool(roles) and not roles.isdisjoint(dashboard_role_ids())


def dashboard_role_ids() -> frozenset[int]:
    """The roles the KPI settings let see the dashboard: from the process's configuration copy (a
    write to the settings or their roles gives the configuration token a new number, migration
    0042, so a role taken away is refused from the next request on), else one query."""

    def load() -> frozenset[int]:
        first = Subquery(KpiSettings.objects.order_by("pk").values("pk")[:1])
        rows = KpiSettings.dashboard_roles.through.objects.filter(kpisettings_id=first)
        return frozenset(rows.values_list("role_id", flat=True))

    return read_once("dashboard_roles", load, shared=True)


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


def _suggestion_events() -> QuerySet[ComplaintEvent]:
    return ComplaintEvent.objects.filter(kind=EventKind.SUGGESTION)


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
        "suggested": Q(pk__in=_suggestion_events().values("complaint_id")),
        "suggestion_taken": Q(pk__in=_suggestion_events().filter(new__all_accepted=True).values("complaint_id")),
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


# The managers' list (web.dashboard.lists, and its exports: complaints.services.exports).
LIST_SORTS = {
    "received": "-received_at",
    "due": "resolution_due",
    "priority": "priority__rank",
    "level": "-level__rank",
}


def managers_list(*, user: Any, params: Any, form: Any = None) -> QuerySet[Complaint]:
    """The complaints the managers' list shows for its query (`params`, a QueryDict: the filter
    form's fields, `part` a dashboard number, `q` words, `sort`), within what the user may see;
    `form` the KPI filter form of `params` when the caller has built it. An unknown part raises
    KeyError or ValueError. The caller checks may_see_dashboard."""
    from complaints.forms.kpi import KpiFilterForm
    from complaints.selectors.worklist import complaints_words_search

    form = form if form is not None else KpiFilterForm(params or None)
    filters = form.filters(whole_time=True)
    part = params.get("part", "")
    qs = drill_down(user=user, filters=filters, part=part) if part else cohort(user=user, filters=filters)
    qs = complaints_words_search(qs, params.get("q") or "")
    return qs.order_by(LIST_SORTS.get(params.get("sort", ""), "-received_at"), "-pk")


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
    suggestions: Ratio | None = None
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
    step_times: list[dict[str, Any]] = field(default_factory=list)


def kpi_summary(*, user: Any, filters: KpiFilters) -> Summary:
    """Returns every KPI of the cohort. The number of queries does not depend on the number of
    complaints: the counts come from the summary rows (KpiDay, a few hundred rows a day whatever the
    volume) plus, for a scoped user, the few complaints they see outside their departments."""
    from complaints.selectors.batch import investigations_visible_to

    settings_row = kpi_settings()
    levels = list(EscalationLevel.objects.order_by("rank"))
    priorities = {p.pk: p for p in Priority.objects.all()}
    t = tallies(user=user, filters=filters, by=("category", "day"))

    def n(code: str) -> int:
        return int(t.counts.get(code, 0))

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
    s.deadlines = [
        Ratio(
            str(kind.label),
            n(f"clocked:{kind.value}") - n(f"missed:{kind.value}"),
            n(f"clocked:{kind.value}"),
            f"met:{kind.value}",
            f"clocked:{kind.value}",
        )
        for kind in CLOCK_KINDS
        if n(f"clocked:{kind.value}")
    ]
    target = float(settings_row.satisfaction_target_percent)
    s.satisfaction = Ratio(_("Satisfied"), n("satisfied"), n("scored"), "satisfied", "scored", target=target)
    s.recovery = Ratio(_("Recovered"), n("recovered"), n("recovery_base"), "recovered", "recovery_base")
    s.repeat = Ratio(_("Repeat"), n("repeat"), n("valid"), "repeat", "valid")
    s.compensation = rules.money(t.compensation)
    s.action_cost = rules.money(t.action_cost)
    s.suggestions = Ratio(
        _("Suggestions taken"), n("suggestion_taken"), n("suggested"), "suggestion_taken", "suggested"
    )
    s.appeals = n("appeals")
    s.appeal_upheld = Ratio(_("Upheld"), n("appeals_upheld"), n("appeals_decided"), "appeals_upheld", "appeals_decided")

    s.resolution_times = _resolution_times(t.hours, levels, priorities)
    batches = BatchInvestigation.objects.all() if user is None else investigations_visible_to(user)
    s.open_batches = batches.filter(status=BatchStatus.OPEN).count()
    names = dict(Category.objects.filter(pk__in=[k for k in t.by["category"] if k]).values_list("pk", "name"))
    s.categories = rules.pareto(
        (f"category:{cat or 'none'}", names.get(cat, "") if cat else _("No category"), count)
        for cat, count in t.by["category"].items()
        if count
    )
    s.causes = _cause_pareto(t.breakdowns.get(KpiDayBreakdown.Kind.CAUSE, {}))
    s.responsibility = _responsibility(t.breakdowns.get(KpiDayBreakdown.Kind.RESPONSIBLE, {}))
    s.trend_unit = rules.trend_unit(filters.period.days if filters.period else 0, TREND_WEEKS * 7)
    s.trend = _trend(t.by["day"], s.trend_unit)
    s.step_times = _step_times(t.breakdowns)
    return s


def _step_times(breakdowns: dict[str, dict[str, Decimal]]) -> list[dict[str, Any]]:
    """Per custom step, from the tallies' breakdowns (keys: step ids) and one query for the steps'
    names: how many of the cohort's runs finished (done or refused), how many were refused, and the
    mean hours from the task's creation to its answer. In the order of the steps' codes."""
    from complaints.models import CustomStep
    from complaints.rules.intake_forms import pick_language

    Kind = KpiDayBreakdown.Kind
    finished = {k: int(n) for k, n in breakdowns.get(Kind.STEP_RUNS, {}).items() if n}
    if not finished:
        return []
    refused = breakdowns.get(Kind.STEP_REFUSED, {})
    seconds = breakdowns.get(Kind.STEP_SECONDS, {})
    language = get_language() or "en"
    steps = CustomStep.objects.filter(pk__in=[int(k) for k in finished if k.isdigit()]).order_by("code")
    return [
        {
            "code": step.code,
            "name": pick_language(language, step.name_zh_hans, step.name_en) or step.code,
            "count": finished[str(step.pk)],
            "refused": int(refused.get(str(step.pk), 0)),
            "mean_hours": _round(float(seconds.get(str(step.pk), 0)) / finished[str(step.pk)] / 3600),
        }
        for step in steps
    ]


def _resolution_times(
    hours: dict[tuple[int, int], dict[int, int]], levels: list[EscalationLevel], priorities: dict[int, Priority]
) -> list[TimeCell]:
    """Per level and priority (in ladder and rank order), the count, median and p90 of the resolution
    times from their histograms (rules.histogram_percentile: within 2.5 % and a minute)."""
    cells = []
    for level in levels:
        for priority in sorted(priorities.values(), key=lambda p: p.rank):
            histogram = hours.get((level.pk, priority.pk))
            if not histogram or not sum(histogram.values()):
                continue
            cells.append(
                TimeCell(
                    level=str(level),
                    priority=priority.code,
                    count=sum(histogram.values()),
                    median_hours=_round(rules.histogram_percentile(histogram, 50)),
                    p90_hours=_round(rules.histogram_percentile(histogram, 90)),
                    part_code=f"closed_at:{level.pk}-{priority.pk}",
                )
            )
    return cells


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _cause_pareto(counts: dict[str, Decimal]) -> list[rules.ParetoRow]:
    """Complaints with a confirmed cause per cause category (keys: category ids), as a Pareto."""
    categories = {str(c.pk): c for c in CauseCategory.objects.filter(pk__in=[int(k) for k in counts if k.isdigit()])}
    return rules.pareto(
        (f"cause:{categories[k].code}", categories[k].label, int(n)) for k, n in counts.items() if k in categories
    )


def _responsibility(shares: dict[str, Decimal]) -> list[rules.ParetoRow]:
    """Responsibility shares (keys "dept:<id>" or "party:<name>", values in %) as a Pareto of complaints."""
    ids = [int(k[5:]) for k in shares if k.startswith("dept:") and k[5:].isdigit()]
    names = {f"dept:{d.pk}": str(d.name) for d in Department.objects.filter(pk__in=ids)}
    return rules.pareto(
        (k, names.get(k, "") if k.startswith("dept:") else k[6:], round(float(v) / 100, 2)) for k, v in shares.items()
    )


def _trend(days: dict[Any, dict[str, int]], unit: str) -> list[dict[str, Any]]:
    """Buckets the per-day counts by week (from Monday) or calendar month, at local midnight."""
    tz = timezone.get_current_timezone()
    buckets: dict[date, dict[str, int]] = {}
    for day, row in days.items():
        first = day - timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)
        bucket = buckets.setdefault(first, {"total": 0, "valid": 0, "escalated": 0})
        bucket["total"] += row["volume"]
        bucket["valid"] += row["valid"]
        bucket["escalated"] += row["escalated"]
    out = []
    for first in sorted(buckets):
        if not buckets[first]["total"]:
            continue
        moment = datetime.combine(first, time.min, tz)
        out.append(
            {"bucket": moment, "part_code": f"{unit}:{moment.replace(tzinfo=None).isoformat()}", **buckets[first]}
        )
    return out


class RegionBasis:
    """On which limits the regions' deadlines-met shares are compared."""

    OWN = "own"  # each complaint's clocks as they ran: its region's own limits where HQ allows them
    HQ = "hq"  # every complaint's clocks re-timed on HQ's limits and calendars


# The clocks whose limits a region may set (issue 24): the level's response and resolution.
REGION_CLOCKS = (Clock.Kind.RESPONSE, Clock.Kind.RESOLUTION)
TIME_SETTINGS = (VaryingSetting.RESPONSE_TIME, VaryingSetting.RESOLUTION_TIME, VaryingSetting.CALENDAR)


def own_limit_departments() -> set[int]:
    """The departments (each with those below it) where a regional time limit or calendar is set on
    a number HQ lets regions set. One query, two when there are any."""
    from complaints.models import RegionalValue
    from complaints.selectors.common import department_subtree_ids

    ids = set(
        RegionalValue.objects.filter(bound__setting__in=TIME_SETTINGS, bound__may_override=True).values_list(
            "department_id", flat=True
        )
    )
    return department_subtree_ids(ids) if ids else set()


def region_comparison(*, user: Any, filters: KpiFilters, basis: str = RegionBasis.OWN) -> list[dict[str, Any]]:
    """Returns the main KPIs side by side for each department directly below the filtered one (the
    regions below headquarters when no department is chosen), on the same cohort rules, from the
    summary rows grouped by department; with the share of level response and resolution deadlines
    met, on each region's own limits (`basis` "own", the clocks as they ran) or on HQ's ("hq": the
    clocks of the departments with their own limits re-timed, see hq_basis_missed). Each row says
    whether the region sets its own limits (`own_limits`)."""
    from complaints.selectors.common import department_subtree_ids

    if filters.department is not None:
        children = list(Department.objects.filter(parent=filters.department, active=True).order_by("name"))
    else:
        children = list(Department.objects.filter(parent__parent__isnull=True, parent__isnull=False, active=True))
        children.sort(key=lambda d: d.name)
    if not children:
        return []
    region_of = {dept: d.pk for d in children for dept in department_subtree_ids({d.pk})}
    t = tallies(user=user, filters=filters, by=("department",), counts=False)
    rows: dict[int, dict[str, int]] = {}
    for dept, counts in t.by["department"].items():
        region = region_of.get(dept)
        if region is not None:
            row = rows.setdefault(region, defaultdict(int))
            for part, value in counts.items():
                row[part] += value
    own = own_limit_departments()
    if basis == RegionBasis.HQ and own:
        for (dept, kind), change in hq_basis_missed(t.cohort, departments=own).items():
            region = region_of.get(dept)
            if region is not None and region in rows:
                rows[region][f"missed_{kind}"] += change
    out = []
    for d in children:
        r = rows.get(d.pk)
        if not r or not r["volume"]:  # nothing received there in the period: no row to compare
            continue
        met = {
            f"{kind.value}_met": rules.rate(
                r[f"clocked_{kind.value}"] - r[f"missed_{kind.value}"], r[f"clocked_{kind.value}"]
            )
            for kind in REGION_CLOCKS
        }
        out.append(
            {
                "department": d,
                "volume": r["volume"],
                "fcr": rules.rate(r["fcr"], r["resolved"]),
                "escalation": rules.rate(r["escalated"], r["valid"]),
                "satisfaction": rules.rate(r["satisfied"], r["scored"]),
                "repeat": rules.rate(r["repeat"], r["valid"]),
                **met,
                "own_limits": any(region_of.get(dept) == d.pk for dept in own),
            }
        )
    return out


def hq_basis_missed(cohort_qs: QuerySet[Complaint], *, departments: set[int]) -> dict[tuple[int, str], int]:
    """How the count of complaints that missed a level response or resolution deadline changes per
    (department, clock kind) when the clocks of the complaints of `departments` (those with their
    own limits) are re-timed on HQ's limits and calendars (rules.rebased_due). Reads only those
    complaints' finished clocks of the two kinds, one query, plus the limits of each (level,
    priority, department) met; every other complaint ran on HQ's limits already."""
    from complaints.rules.business_time import Unit, deadline
    from complaints.selectors.regional import level_terms
    from complaints.selectors.routing import level_clock

    clocks = Clock.objects.filter(
        kind__in=REGION_CLOCKS,
        state=Clock.State.STOPPED,
        level__isnull=False,
        complaint__in=cohort_qs.filter(VALID, department_id__in=departments).values("pk"),
        complaint__priority__isnull=False,
    ).values_list(
        "complaint_id",
        "complaint__department_id",
        "complaint__priority_id",
        "kind",
        "level_id",
        "started_at",
        "due_at",
        "stopped_at",
        "breached_at",
    )
    levels = EscalationLevel.objects.select_related("calendar").in_bulk()
    priorities = Priority.objects.in_bulk()
    limits: dict[tuple[int, int, int | None], Any] = {}

    def terms(level_id: int, priority_id: int, dept: int | None) -> Any:
        key = (level_id, priority_id, dept)
        if key not in limits:
            level = levels[level_id]
            limits[key] = (
                level_terms(level=level, priority=priorities[priority_id], department=dept),
                level_clock(level, dept),
            )
        return limits[key]

    own_missed: dict[tuple[int, str], tuple[int, bool]] = {}
    hq_missed: dict[tuple[int, str], bool] = {}
    for complaint_id, dept, priority_id, kind, level_id, started, due, stopped, breached in clocks:
        (own_terms, own_calendar), (hq_terms, hq_calendar) = (
            terms(level_id, priority_id, dept),
            terms(level_id, priority_id, None),
        )
        limit = own_terms.limit
        key = (complaint_id, kind)
        own_missed[key] = (dept, own_missed.get(key, (dept, False))[1] or breached is not None)
        if limit is None or stopped is None:
            hq_missed[key] = hq_missed.get(key, False) or breached is not None
            continue
        field = "response" if kind == Clock.Kind.RESPONSE else "resolution"
        unit = Unit(getattr(limit, f"{field}_unit"))
        own_amount, hq_amount = getattr(own_terms, field).value, getattr(hq_terms, field).value
        own_due = deadline(start=started, amount=int(own_amount), unit=unit, calendar=own_calendar)
        hq_due = deadline(start=started, amount=int(hq_amount), unit=unit, calendar=hq_calendar)
        missed = stopped > rules.rebased_due(due=due, own=own_due, basis=hq_due)
        hq_missed[key] = hq_missed.get(key, False) or missed
    change: dict[tuple[int, str], int] = defaultdict(int)
    for (complaint_id, kind), (dept, was_missed) in own_missed.items():
        change[dept, kind] += int(hq_missed[complaint_id, kind]) - int(was_missed)
    return dict(change)


# --- the counts: summary rows plus what the summary cannot hold ------------------------------

# The dimensions of a summary row (KpiDay): a filter on any of them is a filter on the rows.
DAY_KEY = ("kpi_day", "department_id", "category_id", "priority_id", "level_id", "channel")
REGION_PARTS = (
    "volume",
    "valid",
    "resolved",
    "fcr",
    "escalated",
    "scored",
    "satisfied",
    "repeat",
    *(
        f"{name}_{kind.value}"
        for kind in (Clock.Kind.RESPONSE, Clock.Kind.RESOLUTION)
        for name in ("clocked", "missed")
    ),
)


def _clock_columns() -> list[str]:
    return [f"{name}_{kind.value}" for kind in CLOCK_KINDS for name in ("clocked", "missed")]


def day_rows(qs: QuerySet[Complaint]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Counts the parts of the given complaints per local day of receipt and KpiDay dimensions:
    what a summary row holds (the refresh writes these rows; a scoped user's complaints outside
    their departments are counted with the same function). Five grouped queries, whatever the
    number of complaints; the conditions are part_condition's, so a summary row and a drill-down
    cannot disagree."""
    settings_row = kpi_settings()
    tz = timezone.get_current_timezone()
    levels = list(EscalationLevel.objects.values_list("pk", flat=True))
    base = _with_signals_text(qs).annotate(kpi_day=TruncDate("received_at", tzinfo=tz))
    per_level: dict[str, Any] = {}
    for level in levels:
        per_level[f"h_{level}"] = Count("pk", filter=part_condition(f"handled:{level}", settings_row))
        per_level[f"e_{level}"] = Count("pk", filter=part_condition(f"escalated:{level}", settings_row))
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}

    def row(key: tuple[Any, ...]) -> dict[str, Any]:
        if key not in rows:
            rows[key] = dict.fromkeys(KPI_DAY_PARTS, 0) | dict.fromkeys(_clock_columns(), 0)
            rows[key] |= {"compensation": Decimal(0), "action_cost": Decimal(0), "levels": {}, "breakdowns": {}}
        return rows[key]

    def add(key: tuple[Any, ...], kind: str, part: str, value: Any) -> None:
        breakdowns = row(key)["breakdowns"]
        breakdowns[kind, part] = breakdowns.get((kind, part), 0) + value

    for r in (
        base.values(*DAY_KEY)
        .annotate(**{p: Count("pk", filter=part_condition(p, settings_row)) for p in KPI_DAY_PARTS}, **per_level)
        .order_by()
    ):
        target = row(tuple(r[k] for k in DAY_KEY))
        for p in KPI_DAY_PARTS:
            target[p] += r[p]
        for level in levels:
            if r[f"h_{level}"] or r[f"e_{level}"]:
                target["levels"][level] = [r[f"h_{level}"], r[f"e_{level}"]]

    ids = qs.values("pk")

    def via(prefix: str) -> dict[str, Any]:
        """The dimensions of the complaint a related row belongs to."""
        return {
            "kpi_day": TruncDate(f"{prefix}received_at", tzinfo=tz),
            **{k: F(f"{prefix}{k}") for k in DAY_KEY[1:]},
        }

    stopped = Q(state=Clock.State.STOPPED)
    for r in (
        Clock.objects.filter(stopped, complaint_id__in=qs.filter(VALID).values("pk"))
        .annotate(**{f"k_{k}": v for k, v in via("complaint__").items()})
        .values(*[f"k_{k}" for k in DAY_KEY], "kind")
        .annotate(
            clocked=Count("complaint_id", distinct=True),
            missed=Count("complaint_id", distinct=True, filter=Q(breached_at__isnull=False)),
        )
        .order_by()
    ):
        target = row(tuple(r[f"k_{k}"] for k in DAY_KEY))
        target[f"clocked_{r['kind']}"] += r["clocked"]
        target[f"missed_{r['kind']}"] += r["missed"]

    amount = Cast(KeyTextTransform("amount", "new"), DecimalField(max_digits=14, decimal_places=2))
    money: list[tuple[str, QuerySet[Any], str, Any]] = [
        ("compensation", _compensation_events().filter(complaint_id__in=ids), "complaint__", amount),
        ("compensation", _approved().filter(case_id__in=ids), "case__", F("amount")),
        ("action_cost", CorrectiveAction.objects.filter(complaint_id__in=ids), "complaint__", F("cost")),
    ]
    for column, related, prefix, value in money:
        for r in (
            related.annotate(**{f"k_{k}": v for k, v in via(prefix).items()})
            .values(*[f"k_{k}" for k in DAY_KEY])
            .annotate(total=Sum(value))
            .order_by()
        ):
            row(tuple(r[f"k_{k}"] for k in DAY_KEY))[column] += rules.money(r["total"])

    # The breakdowns (KpiDayBreakdown): resolution times bucketed here by the rule (one definition for
    # PostgreSQL and SQLite), causes and responsibility shares grouped in the database.
    Kind = KpiDayBreakdown.Kind
    for *key, received, closed in (
        base.filter(RESOLVED, level__isnull=False, priority__isnull=False)
        .values_list(*DAY_KEY, "received_at", "closed_at")
        .order_by()
    ):
        bucket = rules.hours_bucket((closed - received).total_seconds() / 3600)
        add(tuple(key), Kind.HOURS, str(bucket), 1)
    for r in (
        Cause.objects.filter(analysis__complaint_id__in=ids, verdict=CauseVerdict.CONFIRMED)
        .annotate(**{f"k_{k}": v for k, v in via("analysis__complaint__").items()})
        .values(*[f"k_{k}" for k in DAY_KEY], "category_id")
        .annotate(n=Count("analysis__complaint_id", distinct=True))
        .order_by()
    ):
        add(tuple(r[f"k_{k}"] for k in DAY_KEY), Kind.CAUSE, str(r["category_id"]), r["n"])
    for r in (
        Responsibility.objects.filter(analysis__complaint_id__in=ids)
        .annotate(**{f"k_{k}": v for k, v in via("analysis__complaint__").items()})
        .values(*[f"k_{k}" for k in DAY_KEY], "department_id", "party")
        .annotate(total=Sum("share"))
        .order_by()
    ):
        who = f"dept:{r['department_id']}" if r["department_id"] is not None else f"party:{r['party']}"
        add(tuple(r[f"k_{k}"] for k in DAY_KEY), Kind.RESPONSIBLE, who, Decimal(r["total"] or 0))
    # Custom steps: the runs finished (done or refused, with their answer's time), those refused, and the
    # time from the task's creation to its answer added up in seconds (to the hundredth).
    for r in (
        CustomStepRun.objects.filter(case_id__in=ids, outcome__in=STEP_FINISHED, done_at__isnull=False)
        .annotate(**{f"k_{k}": v for k, v in via("case__").items()})
        .values(*[f"k_{k}" for k in DAY_KEY], "step_id")
        .annotate(
            n=Count("pk"),
            refused=Count("pk", filter=Q(outcome=StepRunStatus.REFUSED)),
            took=Sum(F("done_at") - F("created")),
        )
        .order_by()
    ):
        key, step = tuple(r[f"k_{k}"] for k in DAY_KEY), str(r["step_id"])
        add(key, Kind.STEP_RUNS, step, r["n"])
        if r["refused"]:
            add(key, Kind.STEP_REFUSED, step, r["refused"])
        seconds = Decimal(r["took"].total_seconds()).quantize(Decimal("0.01")) if r["took"] else Decimal(0)
        if seconds:
            add(key, Kind.STEP_SECONDS, step, seconds)
    return rows


@dataclass
class Tallies:
    """The counts of a cohort: `counts` by part code (volume, handled:<level>, clocked:<kind>, …),
    money, the breakdowns of KpiDayBreakdown (`hours`, `breakdowns`), and the breakdowns asked for
    (`by["category"]`: valid complaints per category id, `by["day"]`: volume, valid and escalated per
    local day, `by["department"]`: the region parts per department id); `cohort` is the cohort itself
    for the drill-downs and the reads no summary holds (hq_basis_missed)."""

    cohort: QuerySet[Complaint]
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # With the counts: resolution-time histograms per (level id, priority id) as {bucket: complaints},
    # and the other breakdowns by kind ("cause", "responsible") as {key: value} (KpiDayBreakdown).
    hours: dict[tuple[int, int], dict[int, int]] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    compensation: Decimal = Decimal(0)
    action_cost: Decimal = Decimal(0)
    by: dict[str, dict[Any, Any]] = field(default_factory=dict)


def _add_breakdown(t: Tallies, kind: str, part: str, level_id: Any, priority_id: Any, value: Any) -> None:
    """Adds one breakdown number to the tallies: resolution-time buckets per (level, priority), the
    others per key."""
    if kind == KpiDayBreakdown.Kind.HOURS:
        if level_id is None or priority_id is None:
            return
        histogram = t.hours.setdefault((level_id, priority_id), defaultdict(int))
        histogram[int(part)] += int(value)
    else:
        shares = t.breakdowns.setdefault(kind, defaultdict(Decimal))
        shares[part] += Decimal(value)


def _fold(t: Tallies, rows: Any, by: tuple[str, ...], counts: bool) -> None:
    """Adds rows shaped like day_rows' (complaints counted one by one) to the tallies."""
    for key, r in rows.items():
        day, department_id, category_id = key[0], key[1], key[2]
        if counts:
            for p in KPI_DAY_PARTS:
                t.counts[p] += r[p]
            for kind in CLOCK_KINDS:
                t.counts[f"clocked:{kind.value}"] += r[f"clocked_{kind.value}"]
                t.counts[f"missed:{kind.value}"] += r[f"missed_{kind.value}"]
            for level, (handled, escalated) in r["levels"].items():
                t.counts[f"handled:{level}"] += handled
                t.counts[f"escalated:{level}"] += escalated
            t.compensation += r["compensation"]
            t.action_cost += r["action_cost"]
            for (kind, part), value in r["breakdowns"].items():
                _add_breakdown(t, kind, part, key[4], key[3], value)
        if "category" in by:
            t.by["category"][category_id] = t.by["category"].get(category_id, 0) + r["valid"]
        if "day" in by:
            bucket = t.by["day"].setdefault(day, {"volume": 0, "valid": 0, "escalated": 0})
            for p in bucket:
                bucket[p] += r[p]
        if "department" in by:
            bucket = t.by["department"].setdefault(department_id, dict.fromkeys(REGION_PARTS, 0))
            for p in bucket:
                bucket[p] += r[p]


def tallies(*, user: Any, filters: KpiFilters, by: tuple[str, ...] = (), counts: bool = True) -> Tallies:
    """Counts the cohort of kpi_summary. On PostgreSQL from the summary rows of the period (the
    stale days rebuilt first) restricted to the user's departments, plus the complaints the user
    sees outside them (their own, received or tasked ones) counted one by one; on SQLite (`make
    run`) every complaint counted one by one."""
    from complaints.selectors.common import department_subtree_ids, visibility, visibility_branches

    unscoped = cohort(user=None, filters=filters)
    if connection.vendor != "postgresql":
        t = Tallies(cohort=cohort(user=user, filters=filters), by={name: {} for name in by})
        _fold(t, day_rows(t.cohort), by, counts)
        return t
    from complaints.services.kpi_summary import kpi_refresh

    period = filters.period
    kpi_refresh(bounds=period.bounds(timezone.get_current_timezone()) if period else None)
    departments = None if user is None else visibility(user)[0]
    dims: dict[str, Any] = {}
    if filters.department is not None:
        dims["department_id__in"] = department_subtree_ids({filters.department.pk})
    if filters.category_ids is not None:
        dims["category_id__in"] = filters.category_ids
    if filters.priority_id is not None:
        dims["priority_id"] = filters.priority_id
    if filters.level_id is not None:
        dims["level_id"] = filters.level_id
    if filters.channel:
        dims["channel"] = filters.channel
    if departments is not None:
        dims["department_id__in"] = departments & dims.get("department_id__in", departments)
    span = summary_span(period)
    rows, levels = KpiDay.objects.filter(span, **dims), KpiDayLevel.objects.filter(span, **dims)
    if departments is None:
        t = Tallies(cohort=unscoped, by={name: {} for name in by})
    else:
        # Read once, usually none or a few, one query per branch of the visibility rule, each found
        # from the user's side (their tasks, queues, owned and received complaints) by its index and
        # only then narrowed to the period: the rule's correlated form would probe the task table for
        # every complaint of the period outside the departments (17.7 s for a year at 1,000,000).
        outside = unscoped.exclude(department_id__in=departments).order_by()
        extra_ids: set[int] = set()
        with transaction.atomic(), connection.cursor() as cursor:
            # PostgreSQL's JIT compiles these queries' probes for seconds to save milliseconds
            # (bench/RESULTS.md, EXPLAIN of the regional lead's dashboard): off for them only.
            cursor.execute("SET LOCAL jit = off")
            for branch in visibility_branches(user):
                extra_ids.update(outside.filter(branch).values_list("pk", flat=True))
        extra = sorted(extra_ids)
        t = Tallies(
            cohort=unscoped.filter(Q(department_id__in=departments) | Q(pk__in=extra)),
            by={name: {} for name in by},
        )
        if extra:
            _fold(t, day_rows(unscoped.filter(pk__in=extra)), by, counts)
    if counts:
        sums = rows.aggregate(**{p: Sum(p) for p in (*KPI_DAY_PARTS, *_clock_columns(), "compensation", "action_cost")})
        for p in KPI_DAY_PARTS:
            t.counts[p] += sums[p] or 0
        for kind in CLOCK_KINDS:
            t.counts[f"clocked:{kind.value}"] += sums[f"clocked_{kind.value}"] or 0
            t.counts[f"missed:{kind.value}"] += sums[f"missed_{kind.value}"] or 0
        t.compensation += rules.money(sums["compensation"])
        t.action_cost += rules.money(sums["action_cost"])
        for r in levels.values("of_level_id").annotate(h=Sum("handled"), e=Sum("escalated")).order_by():
            t.counts[f"handled:{r['of_level_id']}"] += r["h"]
            t.counts[f"escalated:{r['of_level_id']}"] += r["e"]
        # What a sum cannot hold: the monthly rows keep no category or channel, so a filter on one of
        # them reads the day rows of the whole period.
        by_day = filters.category_ids is not None or bool(filters.channel)
        for r in (
            KpiDayBreakdown.objects.filter(summary_span(period, by_day=by_day), **dims)
            .values("kind", "key", "level_id", "priority_id")
            .annotate(v=Sum("value"))
            .order_by()
        ):
            _add_breakdown(t, r["kind"], r["key"], r["level_id"], r["priority_id"], r["v"])
    if "category" in by:
        for r in rows.values("category_id").annotate(n=Sum("valid")).order_by():
            t.by["category"][r["category_id"]] = t.by["category"].get(r["category_id"], 0) + r["n"]
    if "day" in by:
        # Per day for a weekly trend; a monthly one (rules.trend_unit) may read whole months as months.
        weekly = rules.trend_unit(period.days if period else 0, TREND_WEEKS * 7) == "week"
        for r in (
            KpiDay.objects.filter(summary_span(period, by_day=weekly), **dims)
            .values("day")
            .annotate(volume=Sum("volume"), valid=Sum("valid"), escalated=Sum("escalated"))
            .order_by()
        ):
            bucket = t.by["day"].setdefault(r["day"], {"volume": 0, "valid": 0, "escalated": 0})
            for p in bucket:
                bucket[p] += r[p]
    if "department" in by:
        for r in rows.values("department_id").annotate(**{p: Sum(p) for p in REGION_PARTS}).order_by():
            bucket = t.by["department"].setdefault(r["department_id"], dict.fromkeys(REGION_PARTS, 0))
            for p in bucket:
                bucket[p] += r[p]
    return t


def summary_span(period: rules.Period | None, *, by_day: bool = False) -> Q:
    """The summary rows that cover a period: the month rows (`monthly`) of its whole months and the
    day rows of its other days; only day rows when `by_day` (a read that needs days, or dimensions
    the monthly breakdowns leave out). No period: every month."""
    if period is None:
        return Q(monthly=not by_day)
    if by_day:
        return Q(monthly=False, day__gte=period.start, day__lt=period.end)
    first = period.start.replace(day=1)
    if first < period.start:
        first = rules.month_after(first)
    last = max(first, period.end.replace(day=1))  # the whole months are [first, last)
    return (
        Q(monthly=True, day__gte=first, day__lt=last)
        | Q(monthly=False, day__gte=period.start, day__lt=min(first, period.end))
        | Q(monthly=False, day__gte=last, day__lt=period.end)
    )
