"""Reads behind triage and the routing dry run: facts, rules, profiles, handlers and deadlines.

Everything here reads the configuration tables at call time (no caching), so an admin's change
applies to the next complaint without a restart.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.choices import (
    CalendarDayKind,
    Channel,
    Demand,
    DepartmentKind,
    DepartmentScope,
    Emotion,
    MatchMode,
    Operator,
    Signal,
)
from complaints.models import (
    BusinessCalendar,
    Category,
    Complaint,
    Department,
    EscalationLevel,
    Priority,
    ProcessSettings,
    Role,
    RoutingRule,
    StageProfile,
    TriageSignal,
)
from complaints.models.routing import STAGE_SWITCHES
from complaints.rules.business_time import Unit, WorkingCalendar, deadline
from complaints.rules.classify import priority_floor
from complaints.rules.clocks import urgent_first_response_due
from complaints.rules.routing import (
    OPERATORS,
    Condition,
    FieldSpec,
    FieldType,
    RuleRow,
    condition_sentence,
    operator_phrase,
    parse_condition_value,
    route,
)
from complaints.rules.signals import SignalFacts, SignalHit, detect_signals, over_authority
from complaints.selectors.intake_forms import answer_facts, answer_field_specs, categories_by_id, category_chain
from complaints.selectors.once import config_row, read_once
from complaints.selectors.regional import LevelTerms, applied_lines, level_authority, level_calendar, level_terms
from complaints.selectors.triage import effective_emotion, emotion_explained, signal_facts, signal_policy

TEXT_FIELDS = (
    "customer_name",
    "customer_phone",
    "contact_person",
    "product_model",
    "batch_number",
    "order_number",
    "plate_or_vin",
    "occurred_place",
    "customer_words",
    "handler_understanding",
    "demand_detail",
)


def routing_field_specs() -> dict[str, FieldSpec]:
    """Returns every field a routing condition may test, with its type and allowed codes.

    `category` and `department` are tree fields: a condition on a node also matches everything
    below it. `region` is the region above the registering department. Every question of the
    category forms is a field too, named `form.<key>`. Read once per configuration and language.
    """
    return read_once(f"routing_field_specs:{get_language()}", _routing_field_specs, shared=True)


def _routing_field_specs() -> dict[str, FieldSpec]:
    labels = {f.name: str(f.verbose_name) for f in Complaint._meta.get_fields() if hasattr(f, "verbose_name")}
    categories = tree_options(Category.objects.values_list("pk", "parent_id", "code", "name"))
    departments = tree_options(Department.objects.values_list("pk", "parent_id", "code", "name"))
    regions = tuple(Department.objects.filter(kind=DepartmentKind.REGION).order_by("code").values_list("code", "name"))
    keyword_signals = dict(TriageSignal.objects.order_by("code").values_list("code", "name"))
    signal_names = keyword_signals | {code: str(label) for code, label in Signal.choices}
    signals = tuple(keyword_signals) + tuple(Signal.values)  # as signal_codes(), read once with the names

    def choices(name: str, kind: FieldType, enum: Any) -> FieldSpec:
        return FieldSpec(
            name,
            kind,
            labels[name],
            tuple(enum.values),
            tuple(str(label) for label in enum.labels),
            group="complaint",
        )

    specs = [
        FieldSpec("category", FieldType.PATH, labels["category"], *categories, group="complaint", tree=True),
        FieldSpec(
            "department", FieldType.PATH, str(_("registering department")), *departments, group="complaint", tree=True
        ),
        FieldSpec(
            "region",
            FieldType.CHOICE,
            str(_("region")),
            tuple(code for code, _name in regions),
            tuple(name for _code, name in regions),
            group="complaint",
        ),
        choices("channel", FieldType.CHOICE, Channel),
        choices("emotion", FieldType.ORDERED_CHOICE, Emotion),
        choices("demand", FieldType.CHOICE, Demand),
        FieldSpec("requested_amount", FieldType.NUMBER, labels["requested_amount"], group="complaint"),
        FieldSpec("risk_flagged", FieldType.BOOLEAN, labels["risk_flagged"], group="complaint"),
        FieldSpec("manager_requested", FieldType.BOOLEAN, labels["manager_requested"], group="complaint"),
        # The signals triage found: "signals eq safety" holds when "safety" is among them.
        FieldSpec(
            "signals",
            FieldType.PATH,
            str(_("triage signals")),
            signals,
            tuple(signal_names.get(code, code) for code in signals),
            group="signals",
        ),
    ]
    specs += [FieldSpec(name, FieldType.TEXT, labels[name], group="complaint") for name in TEXT_FIELDS]
    specs += answer_field_specs()
    return {spec.name: spec for spec in specs}


def priority_spec() -> FieldSpec:
    """Returns the priority as a condition field (stage profiles, and conditions tested after
    triage; routing itself sets the priority, so its rules do not test it)."""
    rows = list(Priority.objects.order_by("rank").values_list("code", "name"))
    return FieldSpec(
        "priority",
        FieldType.CHOICE,
        str(Priority._meta.verbose_name),
        tuple(code for code, _name in rows),
        tuple(f"{code} {name}" for code, name in rows),
        group="complaint",
    )


def stage_profile_field_specs() -> dict[str, FieldSpec]:
    """Returns what a stage profile's scope may name: the category (a tree: it covers the
    subcategories) and the priority. The most specific profile wins (category + priority, category,
    a parent category, priority, the default), so a scope names each at most once, with "is"."""
    labels = {f.name: str(f.verbose_name) for f in Complaint._meta.get_fields() if hasattr(f, "verbose_name")}
    categories = tree_options(Category.objects.values_list("pk", "parent_id", "code", "name"))
    category = FieldSpec("category", FieldType.PATH, labels["category"], *categories, group="complaint", tree=True)
    return {"category": category, "priority": priority_spec()}


def condition_catalog(specs: Mapping[str, FieldSpec], operators: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """Returns what the condition builder offers, JSON-ready: each field with its label, group, type,
    the operators fitting its type (code and phrase; only `operators` when given) and its options
    (code and label)."""
    order = {"complaint": 0, "signals": 1, "form": 2}
    catalog = []
    for spec in sorted(specs.values(), key=lambda s: (order.get(s.group, 3), s.group != "complaint" and s.label)):
        catalog.append(
            {
                "name": spec.name,
                "label": spec.label or spec.name,
                "group": spec.group,
                "type": str(spec.type),
                "operators": [
                    {"code": code, "label": operator_phrase(spec=spec, operator=code)}
                    for code in Operator.values
                    if code in OPERATORS[spec.type] and (operators is None or code in operators)
                ],
                "options": [{"code": code, "label": spec.label_of(code)} for code in spec.options],
            }
        )
    return catalog


def condition_text(*, field: str, operator: str, value: str, specs: Mapping[str, FieldSpec]) -> str:
    """Returns a condition as a sentence in the active language (typed as stored when its field is unknown)."""
    spec = specs.get(field)
    if spec is None:
        return f"{field} {operator} {value}".strip()
    return condition_sentence(spec=spec, operator=operator, raw=value)


def tree_options(rows: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Returns the codes of a tree's nodes (categories, departments) in tree order, and for each its
    label with the path above it ("After-sales / Vehicle / Battery"), from (pk, parent, code, name) rows."""
    nodes = {pk: (parent, code, name) for pk, parent, code, name in rows}

    def path(pk: int) -> list[str]:
        names: list[str] = []
        seen: set[int] = set()
        node: int | None = pk
        while node is not None and node in nodes and node not in seen:
            seen.add(node)
            parent, _code, name = nodes[node]
            names.insert(0, name)
            node = parent
        return names

    ordered = sorted(nodes, key=lambda pk: path(pk))
    return tuple(nodes[pk][1] for pk in ordered), tuple(" / ".join(path(pk)) for pk in ordered)


def departments_by_id() -> dict[int, Department]:
    """Every department by id, read once per configuration (shared: do not change the objects)."""
    return read_once("departments_by_id", lambda: {d.pk: d for d in Department.objects.all()}, shared=True)


def routing_rules() -> list[RoutingRule]:
    """The active routing rules with their conditions, in the order they are tried."""
    return read_once(
        "routing_rules",
        lambda: list(
            RoutingRule.objects.filter(active=True)
            .prefetch_related("conditions")
            .order_by("is_default", "position", "pk")
        ),
        shared=True,
    )


def levels_by_id() -> dict[int, EscalationLevel]:
    """Every escalation level (with its role, department and calendar) by id, read once per configuration."""
    return read_once(
        "levels_by_id",
        lambda: {lv.pk: lv for lv in EscalationLevel.objects.select_related("role", "department", "calendar")},
        shared=True,
    )


def priorities_by_id() -> dict[int, Priority]:
    """Every priority by id, read once per configuration."""
    return read_once("priorities_by_id", lambda: {p.pk: p for p in Priority.objects.all()}, shared=True)


def department_chain(department: Department | None) -> list[Department]:
    """Returns the department and its ancestors, nearest first."""
    by_id = departments_by_id()
    chain: list[Department] = []
    node = by_id.get(department.pk) if department is not None else None
    while node is not None and node not in chain:
        chain.append(node)
        node = by_id.get(node.parent_id) if node.parent_id else None
    return chain


def category_path(category: Category | None) -> tuple[str, ...]:
    """Returns the category's code and every ancestor's code."""
    return tuple(c.code for c in reversed(category_chain(category)))


def complaint_facts(
    *,
    complaint: Complaint,
    department: Department | None,
    answers: Mapping[str, Any] | None = None,
    signals: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Returns the plain values routing conditions test, from a (possibly unsaved) complaint. Form
    answers come from the stored complaint, or from `answers` ("form.<key>" → value) for a sample;
    `signals` are the codes of the signals found."""
    chain = department_chain(department)
    facts: dict[str, Any] = {name: getattr(complaint, name) for name in TEXT_FIELDS}
    region = next((d.code for d in chain if d.kind == DepartmentKind.REGION), None)
    facts.update(
        category=category_path(config_row(complaint, "category", categories_by_id)) if complaint.category_id else (),
        department=tuple(d.code for d in chain),
        region=region,
        channel=complaint.channel,
        emotion=effective_emotion(complaint),
        demand=complaint.demand,
        requested_amount=complaint.requested_amount,
        risk_flagged=bool(complaint.risk_flagged),
        manager_requested=bool(complaint.manager_requested),
        signals=tuple(signals),
    )
    facts.update(answer_facts(complaint) if answers is None else answers)
    return facts


def rule_row(rule: RoutingRule, specs: dict[str, FieldSpec]) -> RuleRow:
    conditions = tuple(
        Condition(
            field=c.field,
            operator=c.operator,
            value=parse_condition_value(spec=specs[c.field], operator=c.operator, raw=c.value),
        )
        for c in rule.conditions.all()
        if c.field in specs
    )
    return RuleRow(
        id=rule.pk,
        name=rule.name,
        match_all=rule.match == MatchMode.ALL,
        conditions=conditions,
        department_id=rule.set_department_id,
        priority_id=rule.set_priority_id,
        level_id=rule.set_level_id,
    )


def _stage_profiles() -> dict[tuple[int | None, int | None], StageProfile]:
    """Every stage profile by (category, priority), read once per configuration."""
    return read_once(
        "stage_profiles", lambda: {(p.category_id, p.priority_id): p for p in StageProfile.objects.all()}, shared=True
    )


def stage_profiles_by_id() -> dict[int, StageProfile]:
    """Every stage profile by id (the same read as `stage_profile_for`'s)."""
    return {profile.pk: profile for profile in _stage_profiles().values()}


def stage_profile_for(*, category: Category | None, priority: Priority | None) -> StageProfile | None:
    """Returns the most specific profile: category + priority, category, parent categories (each
    with the priority first), then priority alone, then the default profile."""
    profiles = _stage_profiles()
    priority_id = priority.pk if priority is not None else None
    node = category
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        for key in ((node.pk, priority_id), (node.pk, None)):
            if key in profiles:
                return profiles[key]
        node = categories_by_id().get(node.parent_id) if node.parent_id else None
    return profiles.get((None, priority_id)) or profiles.get((None, None))


def level_department(*, level: EscalationLevel, department: Department | None) -> Department | None:
    """Returns the department whose holders of the level's role handle the complaint at that level."""
    if level.department_scope == DepartmentScope.FIXED:
        return level.department
    return scoped_department(scope=level.department_scope, department=department)


def scoped_department(*, scope: str, department: Department | None) -> Department | None:
    """Resolves a department scope (own, nearest store/region/HQ above) from a department."""
    chain = department_chain(department)
    if scope == DepartmentScope.OWN:
        return chain[0] if chain else None
    return next((d for d in chain if d.kind == scope), None)


def working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """Builds the pure calendar the business-time rules count with: its hours and days are read once
    per configuration (complaints.selectors.once; a registration asks for it at triage, for the clocks'
    warnings and for the promise)."""
    if calendar.pk is None:
        return _working_calendar(calendar)
    return read_once(f"working_calendar:{calendar.pk}", lambda: _working_calendar(calendar), shared=True)


def _working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    weekly: dict[int, list[tuple[Any, Any]]] = {}
    for hours in calendar.hours.all():
        weekly.setdefault(hours.weekday, []).append((hours.start, hours.end))
    days = list(calendar.days.all())
    closed = frozenset(d.date for d in days if d.kind == CalendarDayKind.HOLIDAY)
    special = {
        d.date: ((d.start, d.end),)
        for d in days
        if d.kind == CalendarDayKind.WORKING_DAY and d.start is not None and d.end is not None
    }
    return WorkingCalendar(
        time_zone=calendar.time_zone,
        weekly={day: tuple(sorted(spans)) for day, spans in weekly.items()},
        closed_dates=closed,
        special_days=special,
    )


def level_clock(level: EscalationLevel, department: Department | int | None = None) -> WorkingCalendar | None:
    """Returns the calendar a level counts in for a complaint of `department` (a region may use its
    own where HQ lets it), or None for calendar time."""
    if not level.business_time:
        return None
    calendar = level.calendar if department is None else level_calendar(level=level, department=department)
    return working_calendar(calendar) if calendar is not None else None


@dataclass
class Deadlines:
    first_response_due: datetime | None = None
    response_due: datetime | None = None
    resolution_due: datetime | None = None
    business_time: bool = False
    gaps: list[str] = field(default_factory=list)
    terms: LevelTerms | None = None  # the numbers used and where each came from (HQ or a region)


def level_deadlines(
    *,
    level: EscalationLevel,
    priority: Priority,
    start: datetime,
    first_response: bool,
    department: Department | int | None = None,
) -> Deadlines:
    """Returns a level's deadlines for a priority counted from `start` in the level's time, with the
    time limits and calendar that apply to a complaint of `department` (HQ's, or a region's within
    HQ's bounds). A missing limit leaves its deadline empty and says so in `gaps` (the dry run shows it)."""
    terms = level_terms(level=level, priority=priority, department=department)
    calendar = terms.calendar.value
    clock = working_calendar(calendar) if level.business_time and calendar is not None else None
    result = Deadlines(business_time=clock is not None, terms=terms)
    if first_response:
        result.first_response_due = deadline(
            start=start, amount=priority.first_response_minutes, unit=Unit.MINUTES, calendar=clock
        )
    limit = terms.limit
    if limit is None:
        result.gaps.append(
            _("Level “%(level)s” has no time limits for priority %(priority)s.")
            % {"level": level, "priority": priority.code}
        )
        return result
    result.response_due = deadline(
        start=start, amount=terms.response.value, unit=Unit(limit.response_unit), calendar=clock
    )
    result.resolution_due = deadline(
        start=start, amount=terms.resolution.value, unit=Unit(limit.resolution_unit), calendar=clock
    )
    return result


class ConfigurationMissing(Exception):
    """The admin has not set up what triage needs (a default rule, a default stage profile)."""


@dataclass
class TriageDecision:
    """What triage gives a complaint, with the reasons (shown by the dry run, stored by triage)."""

    department: Department | None
    priority: Priority
    level: EscalationLevel
    rule: RoutingRule
    matching_rules: list[RoutingRule]
    profile: StageProfile | None
    handling_department: Department | None
    handling_role: Role
    deadlines: Deadlines
    signals: list[SignalHit]

    @property
    def signal_codes(self) -> list[str]:
        return [hit.code for hit in self.signals]


def process_settings_row() -> ProcessSettings | None:
    """The single ProcessSettings row with its collaboration role (the configuration's copy), or None."""
    return read_once(
        "process_settings",
        lambda: ProcessSettings.objects.select_related("collaboration_role").order_by("pk").first(),
        shared=True,
    )


def urgent_due(*, complaint: Complaint, at: datetime, due: datetime | None, signals: list[str]) -> datetime | None:
    """The first-response due time after the admin's urgent conditions (ProcessSettings)."""
    settings_row = process_settings_row()
    if settings_row is None:
        return due
    chain: list[int] = []
    category = complaint.category
    while category is not None and len(chain) < 20:
        chain.append(category.pk)
        category = category.parent
    return urgent_first_response_due(
        received=at,
        due=due,
        signals=signals,
        categories=chain,
        urgent_signals=settings_row.urgent_signals,
        urgent_categories=read_once(
            "urgent_categories", lambda: list(settings_row.urgent_categories.values_list("pk", flat=True)), shared=True
        ),
        minutes=settings_row.urgent_first_response_minutes,
    )


@dataclass
class TriageRoute:
    """The first half of triage: the signals found and where the routing rules send the complaint
    (what re-triage needs); `triage_decision` adds the stage profile and the deadlines."""

    department: Department | None
    priority: Priority
    level: EscalationLevel
    rule: RoutingRule
    matching_rules: list[RoutingRule]
    signals: list[SignalHit]

    @property
    def signal_codes(self) -> list[str]:
        return [hit.code for hit in self.signals]


def triage_route(
    *,
    complaint: Complaint,
    department: Department | None,
    at: datetime,
    answers: Mapping[str, Any] | None = None,
    facts: SignalFacts | None = None,
) -> TriageRoute:
    """Returns the signals found and the priority, level and department the routing rules give a
    complaint received at `at` by `department`; nothing is written. `facts` are the complaint's
    signal facts when the caller has them already.

    Signals come first (rules test them as "signals"); a demand above the authority of the level
    the rules chose adds the "over authority" signal and the rules are asked once more with it.
    """
    specs = routing_field_specs()
    rules = routing_rules()
    default = next((r for r in rules if r.is_default), None)
    if default is None:
        raise ConfigurationMissing(_("There is no default routing rule: import a preset or add one in the admin."))
    ordinary = [r for r in rules if not r.is_default]
    rows, default_row = [rule_row(r, specs) for r in ordinary], rule_row(default, specs)
    policy = signal_policy()
    base = facts if facts is not None else signal_facts(complaint=complaint, at=at)
    hits = detect_signals(base, policy)

    def decide(found: tuple[SignalHit, ...]) -> Any:
        facts = complaint_facts(
            complaint=complaint, department=department, answers=answers, signals=tuple(h.code for h in found)
        )
        return route(rules=rows, default=default_row, specs=specs, facts=facts)

    decision = decide(hits)
    if decision.priority_id is None or decision.level_id is None:
        raise ConfigurationMissing(_("The default routing rule must set a priority and a starting level."))
    levels = levels_by_id()
    level = levels[decision.level_id]
    authority = level_authority(level=level, department=decision.department_id or department)
    if over_authority(amount=complaint.requested_amount, authority=authority):
        hits = detect_signals(replace(base, authority=authority, authority_known=True), policy)
        decision = decide(hits)
        if decision.level_id != level.pk:
            level = levels[decision.level_id]
    by_id = {r.pk: r for r in rules}
    priority = priorities_by_id()[decision.priority_id]
    chosen = complaint.intake_priority if complaint.intake_priority_id else None
    if chosen is not None and priority_floor(rules_rank=priority.rank, chosen_rank=chosen.rank) == chosen.rank:
        # The agent's (suggested) priority is more urgent: taken. Less urgent: the rules' stands.
        priority = chosen
    routed_department = (
        departments_by_id()[decision.department_id] if decision.department_id is not None else department
    )
    return TriageRoute(
        department=routed_department,
        priority=priority,
        level=level,
        rule=by_id[decision.rule_id],
        matching_rules=[by_id[pk] for pk in decision.matching_rule_ids],
        signals=list(hits),
    )


def triage_decision(
    *, complaint: Complaint, department: Department | None, at: datetime, answers: Mapping[str, Any] | None = None
) -> TriageDecision:
    """Returns priority, level, department, stage profile, deadlines and the signals found for a
    complaint received at `at` by `department`, from the signals and the routing rules
    (`triage_route`); nothing is written."""
    routed = triage_route(complaint=complaint, department=department, at=at, answers=answers)
    level, priority, routed_department, hits = routed.level, routed.priority, routed.department, routed.signals
    profile = stage_profile_for(category=complaint.category, priority=priority)
    deadlines = level_deadlines(
        level=level, priority=priority, start=at, first_response=True, department=routed_department
    )
    deadlines.first_response_due = urgent_due(
        complaint=complaint, at=at, due=deadlines.first_response_due, signals=[h.code for h in hits]
    )
    if profile is None:
        deadlines.gaps.append(_("There is no default stage profile: every optional stage runs."))
    handling_department = level_department(level=level, department=routed_department)
    if handling_department is None:
        deadlines.gaps.append(
            _("No department handles level “%(level)s” for this complaint (nothing of that kind above “%(dept)s”).")
            % {"level": level, "dept": routed_department or "—"}
        )
    return TriageDecision(
        department=routed_department,
        priority=priority,
        level=level,
        rule=routed.rule,
        matching_rules=routed.matching_rules,
        profile=profile,
        handling_department=handling_department,
        handling_role=level.role,
        deadlines=deadlines,
        signals=hits,
    )


def routing_preview(
    *, complaint: Complaint, department: Department | None, at: datetime, answers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Returns the triage decision for a sample complaint as a JSON-ready dict; nothing is saved."""
    decision = triage_decision(complaint=complaint, department=department, at=at, answers=answers or {})
    due = decision.deadlines
    profile = decision.profile
    authority = due.terms.authority.value if due.terms is not None else decision.level.authority_amount
    calendar = due.terms.calendar.value if due.terms is not None else decision.level.calendar

    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "received_at": at.isoformat(),
        "department": _dept(decision.department),
        "priority": {"code": decision.priority.code, "name": decision.priority.name},
        "level": {"rank": decision.level.rank, "name": decision.level.name},
        "handled_by": {
            "role": decision.handling_role.code,
            "role_name": decision.handling_role.name,
            "department": _dept(decision.handling_department),
        },
        "authority_amount": None if authority is None else str(authority),
        "rule": decision.rule.name,
        "matching_rules": [rule.name for rule in decision.matching_rules],
        "stage_profile": (
            {"name": profile.name, "stages": {stage: profile.runs(stage) for stage in STAGE_SWITCHES}}
            if profile
            else None
        ),
        "deadlines": {
            "first_response_due": stamp(due.first_response_due),
            "response_due": stamp(due.response_due),
            "resolution_due": stamp(due.resolution_due),
            "business_time": due.business_time,
            "calendar": calendar.code if due.business_time and calendar is not None else None,
        },
        # Each varying number with the value that applied and where it came from (HQ or a region).
        "applied": applied_lines(due.terms) if due.terms is not None else [],
        "signals": [{"code": hit.code, "detail": hit.detail} for hit in decision.signals],
        # emotion_index, emotion_phrases, emotion_learned and emotion (which reading is used and why)
        **emotion_explained(complaint),
        "custom_steps": _custom_steps(complaint=complaint, department=department, answers=answers, decision=decision),
        "problems": [str(gap) for gap in due.gaps],
    }


def _custom_steps(
    *, complaint: Complaint, department: Department | None, answers: Mapping[str, Any] | None, decision: TriageDecision
) -> list[dict[str, Any]]:
    """The custom steps the sample would get, at their points (its level and priority as triaged);
    a step whose condition tests what only happens later (an answer of an earlier step) is judged
    on the sample as it is."""
    from complaints.selectors.steps import step_facts, steps_for

    facts = step_facts(
        complaint=complaint,
        answers=answers or {},
        priority=decision.priority,
        level=decision.level,
        signals=tuple(hit.code for hit in decision.signals),
        department=department,
    )
    return [
        {"code": step.code, "name": step.name(), "point": step.point, "point_name": str(step.get_point_display())}
        for step in steps_for(facts=facts)
    ]


def _dept(department: Department | None) -> dict[str, str] | None:
    return {"code": department.code, "name": department.name} if department is not None else None
