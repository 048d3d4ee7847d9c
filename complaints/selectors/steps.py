"""Reads of the custom steps: which steps a complaint gets at a point, the form a run asks, and
the runs shown on the complaint page, the API and exports."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _

from complaints.choices import FormStatus, MatchMode
from complaints.models import (
    Answer,
    Complaint,
    CustomStep,
    CustomStepLimit,
    CustomStepRun,
    EscalationLevel,
    FormVersion,
    Priority,
)
from complaints.rules.routing import Condition, FieldSpec, FieldType, RuleRow, parse_condition_value, rule_matches
from complaints.rules.steps import RunState, next_move
from complaints.selectors.intake_forms import EffectiveForm, display_value, step_form
from complaints.selectors.once import config_row, read_once
from complaints.selectors.routing import (
    complaint_facts,
    departments_by_id,
    levels_by_id,
    priorities_by_id,
    routing_field_specs,
)


def step_field_specs() -> dict[str, FieldSpec]:
    """Returns the fields a custom step's condition may test: every routing field, plus the
    complaint's priority (its code) and level (its rank; > and < compare ranks)."""
    specs = routing_field_specs()
    priorities = tuple(p.code for p in sorted(priorities_by_id().values(), key=lambda p: p.rank))
    levels = tuple(str(rank) for rank in sorted(level.rank for level in levels_by_id().values()))
    specs["priority"] = FieldSpec("priority", FieldType.CHOICE, str(_("priority")), priorities)
    specs["level"] = FieldSpec("level", FieldType.ORDERED_CHOICE, str(_("level")), levels)
    return specs


def step_facts(
    *,
    complaint: Complaint,
    answers: Mapping[str, Any] | None = None,
    priority: Priority | None = None,
    level: EscalationLevel | None = None,
    signals: tuple[str, ...] | None = None,
    department: Any = None,
) -> dict[str, Any]:
    """Returns the facts a custom step's condition tests: the routing facts of the complaint, its
    priority and its level (a sample in the dry run passes what triage would set)."""
    priority = priority if priority is not None else config_row(complaint, "priority", priorities_by_id)
    level = level if level is not None else config_row(complaint, "level", levels_by_id)
    facts = complaint_facts(
        complaint=complaint,
        department=department if department is not None else config_row(complaint, "department", departments_by_id),
        answers=answers,
        signals=tuple(complaint.signals or ()) if signals is None else signals,
    )
    facts["priority"] = priority.code if priority is not None else None
    facts["level"] = str(level.rank) if level is not None else None
    return facts


def _row(step: CustomStep, specs: Mapping[str, FieldSpec]) -> RuleRow:
    conditions = tuple(
        Condition(
            field=c.field,
            operator=c.operator,
            value=parse_condition_value(spec=specs[c.field], operator=c.operator, raw=c.value),
        )
        for c in step.conditions.all()
        if c.field in specs
    )
    return RuleRow(id=step.pk, name=step.code, match_all=step.match == MatchMode.ALL, conditions=conditions)


def custom_steps_config() -> list[CustomStep]:
    """Every custom step (active or not: a run of a step since made inactive keeps its limits), in
    process order, with its role and department, its conditions, its limits and the id of its
    published form version (`published_form_id`): the configuration's copy (read-only), read once
    for every point and every step, as the levels are (three queries, one where no step exists;
    none while the configuration is unchanged)."""
    published = FormVersion.objects.filter(custom_step=OuterRef("pk"), status=FormStatus.PUBLISHED)
    return read_once(
        "custom_steps",
        lambda: list(
            CustomStep.objects.select_related("role", "department")
            .annotate(published_form_id=Subquery(published.order_by("-number").values("pk")[:1]))
            .prefetch_related("conditions", "limits")
        ),
        shared=True,
    )


def active_steps(point: str | None = None) -> list[CustomStep]:
    """The active custom steps (at `point`, or at every point) with their conditions, in process
    order: the configuration's copy (read-only)."""
    return [s for s in custom_steps_config() if s.active and (point is None or s.point == point)]


def step_points() -> set[str]:
    """The points where an active custom step runs (the configuration's copy)."""
    return {s.point for s in custom_steps_config() if s.active}


def step_limit(*, step_id: int, priority_id: int) -> CustomStepLimit | None:
    """The step's time limit for the priority, if it sets one (the configuration's copy)."""
    step = next((s for s in custom_steps_config() if s.pk == step_id), None)
    return next((limit for limit in step.limits.all() if limit.priority_id == priority_id), None) if step else None


def tests_answers(point: str) -> bool:
    """Whether a condition of an active step at `point` tests a form answer (`form.<key>`): the
    complaint's answers are then among the facts to read."""
    return any(c.field.startswith("form.") for step in active_steps(point) for c in step.conditions.all())


def steps_for(*, facts: Mapping[str, Any], point: str | None = None) -> list[CustomStep]:
    """Returns the active custom steps whose condition holds for these facts (at `point`, or at
    every point in process order), evaluated by the routing rules' evaluator."""
    steps = active_steps(point)
    specs = step_field_specs()
    return [s for s in steps if rule_matches(rule=_row(s, specs), specs=specs, facts=facts)]


def step_form_version_id(step: CustomStep) -> int | None:
    """The id of the step's form version in use (published), if it has one: as the configuration's
    copy read it (`custom_steps_config`), else read."""
    if hasattr(step, "published_form_id"):
        return step.published_form_id  # type: ignore[no-any-return]
    published = FormVersion.objects.filter(custom_step=step, status=FormStatus.PUBLISHED)
    return published.order_by("-number").values_list("pk", flat=True).first()


def run_form(run: CustomStepRun) -> EffectiveForm:
    """Returns the questions a run's task asks: the version it started with (later versions apply
    to later tasks). Read once per request (the page's form and the service's check share it)."""
    if run.form_version_id is None:
        return EffectiveForm(category=None)
    return read_once(f"run_form:{run.form_version_id}", lambda: step_form(run.form_version))


def point_next_move(*, complaint_id: int, point: str, batch: int) -> str:
    """Returns what the process does at `point`: wait, go on, or the stage a refused gate names
    (see rules.steps.next_move), from the runs started at one pass of the point (`batch`)."""
    runs = CustomStepRun.objects.filter(case_id=complaint_id, point=point, batch=batch)
    rows = runs.values_list("outcome", "step__gate", "step__refused_back_to")
    return next_move(RunState(outcome=o, gate=g, back_to=b) for o, g, b in rows)


@dataclass(frozen=True)
class RunRow:
    """A run as the complaint page, the API and exports show it."""

    run: CustomStepRun
    name: str
    answers: list[tuple[str, str]]


def run_rows(complaint: Complaint) -> QuerySet[CustomStepRun]:
    """The complaint's custom step runs, oldest first, with their answers (fixed queries)."""
    return (
        CustomStepRun.objects.filter(case=complaint)
        .select_related("step", "done_by", "form_version")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("field").order_by("field__position"))
        )
        .order_by("created", "pk")
    )


def complaint_runs(complaint: Complaint, language: str, runs: Iterable[CustomStepRun] | None = None) -> list[RunRow]:
    """Returns the complaint's custom step runs (run_rows, or `runs` read from it) with their
    answers in the reader's language."""
    runs = run_rows(complaint) if runs is None else runs
    rows = []
    for run in runs:
        answers = []
        for answer in run.answers.all():
            defn = answer.field.definition()
            answers.append((defn.label(language), display_value(defn, answer.value, language)))
        rows.append(RunRow(run=run, name=run.step.name(language), answers=answers))
    return rows


def runs_of(complaints: QuerySet[Complaint] | list[int]) -> QuerySet[CustomStepRun]:
    return CustomStepRun.objects.filter(case__in=complaints).select_related("step")


@dataclass(frozen=True)
class PointStep:
    """A custom step as the process chart writes it into its point."""

    name: str
    outcome: str  # a StepRunStatus value; "" for a step defined at the point (the flow's own chart)


def steps_by_point(*, complaint_id: int | None, language: str) -> dict[str, list[PointStep]]:
    """Returns what the process chart writes into each point (one query): on a case, the custom steps
    it ran there (each step's latest run, with its outcome), in the order they started; on the
    flow's chart, the active steps defined there, in their order."""
    points: dict[str, list[PointStep]] = {}
    if complaint_id is None:
        for step in CustomStep.objects.filter(active=True).order_by("point", "position", "code"):
            points.setdefault(step.point, []).append(PointStep(step.name(language), ""))
        return points
    latest: dict[tuple[str, int], CustomStepRun] = {}
    for run in CustomStepRun.objects.filter(case_id=complaint_id).select_related("step").order_by("created", "pk"):
        latest[(run.point, run.step_id)] = run
    for (point, _step), run in latest.items():
        points.setdefault(point, []).append(PointStep(run.step.name(language), run.outcome))
    return points
