"""Reads of the quality records: who may work them, the complaint page's analysis in a fixed number
of queries, the fishbone, and the 8D report."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from complaints.choices import ActionArea, ActionKind, CauseVerdict, EventKind, RoutedStage, StepRunStatus
from complaints.models import (
    ActionVerification,
    Cause,
    CauseCategory,
    Complaint,
    CorrectiveAction,
    Responsibility,
    RootCauseAnalysis,
)
from complaints.models.quality import FIVE_W_TWO_H
from complaints.rules import capa
from complaints.rules.names import person_name
from complaints.rules.steps import EIGHT_D_SECTION
from complaints.selectors.common import permanent_statuses, stage_queue, user_department_ids
from complaints.selectors.escalation import OPEN_TASK_STATUSES, is_handler
from complaints.selectors.steps import RunRow, complaint_runs

QUALITY_STAGES = (RoutedStage.ROOT_CAUSE, RoutedStage.PERMANENT_ACTIONS, RoutedStage.EFFECTIVENESS)
# Areas whose permanent actions prevent recurrence (8D D7).
PREVENTIVE_AREAS = (
    ActionArea.PROCESS,
    ActionArea.DESIGN,
    ActionArea.SUPPLIER,
    ActionArea.TRAINING,
    ActionArea.INSPECTION,
)


def may_analyse(*, user: Any, complaint: Complaint, handler: bool | None = None) -> bool:
    """Rule: the complaint's handlers and whoever may take one of its quality steps (root cause,
    permanent actions, effectiveness) may record the analysis and plan actions. `handler` is
    is_handler() when the caller has it already."""
    if not user.is_authenticated:
        return False
    if is_handler(user=user, complaint=complaint) if handler is None else handler:
        return True
    return any(user.has_perm(stage_queue(complaint=complaint, stage=s)) for s in QUALITY_STAGES)


def may_verify(*, user: Any, complaint: Complaint) -> bool:
    """Rule: effectiveness is judged by whoever may take the effectiveness step (quality)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.has_perm(stage_queue(complaint=complaint, stage=RoutedStage.EFFECTIVENESS))


def may_update_action(*, user: Any, action: CorrectiveAction) -> bool:
    """Rule: an action's owner, members of its department and the analysts may report progress."""
    if not user.is_authenticated:
        return False
    if user.pk == action.owner_id or (action.department_id and action.department_id in user_department_ids(user)):
        return True
    return may_analyse(user=user, complaint=action.complaint)


def problem_version(analysis: RootCauseAnalysis | None) -> str:
    """The version of the 5W2H the problem form edits (see rules.capa.fingerprint)."""
    return capa.fingerprint(getattr(analysis, name) if analysis else "" for name in FIVE_W_TWO_H)


def cause_version(cause: Cause) -> str:
    """The version of a cause the revise form edits."""
    return capa.fingerprint([cause.category_id, cause.text, cause.verdict, cause.evidence, *cause.whys])


def responsibility_version(analysis: RootCauseAnalysis | None) -> str:
    """The version of the responsibility shares (department or party, share; in their order)."""
    if analysis is None:
        return capa.fingerprint([])
    rows = analysis.responsibilities.order_by("pk").values_list("department_id", "party", "share")
    return capa.fingerprint(f"{dept}/{party}/{share.normalize()}" for dept, party, share in rows)


def analysis_rows(complaint: Complaint) -> QuerySet[RootCauseAnalysis]:
    """The complaint's analysis (at most one row) with its causes (category, files, actions) and
    responsibility rows, in a fixed number of queries."""
    return (
        RootCauseAnalysis.objects.filter(complaint=complaint)
        .select_related("responsible_department")
        .prefetch_related(
            Prefetch("causes", queryset=Cause.objects.select_related("category").prefetch_related("files")),
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("department")),
        )
        .order_by("pk")[:1]
    )


def analysis_of(complaint: Complaint) -> RootCauseAnalysis | None:
    return next(iter(analysis_rows(complaint)), None)


def action_rows(complaint: Complaint) -> QuerySet[CorrectiveAction]:
    """Every action of the complaint with its causes, files and verifications (fixed queries)."""
    return complaint.actions.select_related("department", "owner", "created_by").prefetch_related(
        Prefetch("causes", queryset=Cause.objects.select_related("category")),
        "files",
        Prefetch("verifications", queryset=ActionVerification.objects.select_related("by")),
    )


def actions_of(complaint: Complaint) -> list[CorrectiveAction]:
    return list(action_rows(complaint))


def confirmed_causes(complaint: Complaint) -> list[Cause]:
    return list(
        Cause.objects.filter(analysis__complaint=complaint, verdict=CauseVerdict.CONFIRMED).select_related("category")
    )


def fishbone_bones(analysis: RootCauseAnalysis | None) -> list[tuple[CauseCategory, list[Cause]]]:
    """The fishbone's bones: every active cause category (plus inactive ones that still hold
    causes) with the analysis's causes on it. Reads the categories once; the causes come
    prefetched with the analysis. The drawing is web.fishbone's."""
    causes = list(analysis.causes.all()) if analysis else []
    used = {c.category_id for c in causes}
    categories = list(CauseCategory.objects.filter(Q(active=True) | Q(pk__in=used)))
    return [(category, [c for c in causes if c.category_id == category.pk]) for category in categories]


def problem_head(complaint: Complaint, analysis: RootCauseAnalysis | None) -> str:
    """The fishbone's head: the problem as 5W2H "what" states it, else the customer's words."""
    return (analysis.what if analysis and analysis.what.strip() else complaint.customer_words)[:200]


@dataclass
class EightD:
    """Everything the 8D report prints, read in a fixed number of queries."""

    complaint: Complaint
    analysis: RootCauseAnalysis | None
    team: list[tuple[str, str]]  # (name, what they did)
    containment: list[CorrectiveAction]
    permanent: list[CorrectiveAction]
    prevention: list[CorrectiveAction]
    root_causes: list[Cause]
    confirmation: Any
    open_permanent: int = 0
    # The custom steps' runs by the D-section their point feeds ("d5": a legal review before the
    # permanent actions), each with its answers, who did it and when; cancelled runs left out.
    steps: dict[str, list[RunRow]] = field(default_factory=dict)


def eight_d(complaint: Complaint) -> EightD:
    """Returns the 8D report's content (D1 team … D8 closure) built from the complaint's records."""
    analysis = analysis_of(complaint)
    actions = actions_of(complaint)
    tasks = (
        Task.objects.filter(Q(process_id=complaint.pk) | Q(process__actiontask__case_id=complaint.pk))
        .filter(owner__isnull=False)
        .select_related("owner")
        .order_by("created")
    )
    team: dict[int, tuple[str, list[str]]] = {}
    for task in tasks:
        if task.owner is None:
            continue
        name = person_name(task.owner)
        title = str(task.flow_task.task_title)
        entry = team.setdefault(task.owner_id, (name, []))
        if title not in entry[1]:
            entry[1].append(title)
    for action in actions:
        owner = action.owner
        if owner is not None and owner.pk not in team:
            team[owner.pk] = (person_name(owner), [])
    steps: dict[str, list[RunRow]] = {}
    for row in complaint_runs(complaint, get_language() or "en"):
        if row.run.outcome == StepRunStatus.CANCELED:
            continue
        steps.setdefault(EIGHT_D_SECTION.get(row.run.point, "d8"), []).append(row)
        performer = row.run.done_by
        if performer is not None:
            entry = team.setdefault(performer.pk, (person_name(performer), []))
            if row.name not in entry[1]:
                entry[1].append(row.name)
    permanent = [a for a in actions if a.kind == ActionKind.PERMANENT]
    confirmation = complaint.events.filter(kind=EventKind.CONFIRMATION).order_by("-at", "-pk").first()
    return EightD(
        complaint=complaint,
        analysis=analysis,
        team=[(name, ", ".join(titles)) for name, titles in team.values()],
        containment=[a for a in actions if a.kind == ActionKind.TEMPORARY],
        permanent=permanent,
        prevention=[a for a in permanent if a.area in PREVENTIVE_AREAS],
        root_causes=[c for c in (analysis.causes.all() if analysis else []) if c.is_root],
        confirmation=confirmation,
        open_permanent=sum(1 for a in permanent if capa.is_open(a.status)),
        steps=steps,
    )


def has_open_task(action: CorrectiveAction) -> bool:
    """Whether the action's department still has an open task for it."""
    return Task.objects.filter(process__actiontask__action=action, status__in=OPEN_TASK_STATUSES).exists()


def step_checklist(*, complaint: Complaint, step: str) -> list[tuple[str, bool]]:
    """What a quality step needs before it can be completed, each with whether it is met (shown
    on the step's page; the service enforces the same rules)."""
    if step == RoutedStage.ROOT_CAUSE:
        analysis = RootCauseAnalysis.objects.filter(complaint=complaint).first()
        answers = [getattr(analysis, name) for name in FIVE_W_TWO_H] if analysis else []
        confirmed = analysis.causes.filter(verdict=CauseVerdict.CONFIRMED).count() if analysis else 0
        gaps = capa.analysis_gaps(answers=answers, confirmed_causes=confirmed)
        return [
            (_("The problem described in 5W2H (all seven questions)"), "5w2h" not in gaps),
            (_("At least one cause confirmed on the fishbone"), "confirmed_cause" not in gaps),
        ]
    statuses = permanent_statuses(complaint)
    if step == RoutedStage.PERMANENT_ACTIONS:
        gaps = capa.permanent_gaps(statuses)
        return [
            (_("At least one permanent action, linked to its causes"), "none" not in gaps),
            (_("Every permanent action done, with its evidence"), not gaps),
        ]
    if step == RoutedStage.EFFECTIVENESS:
        return [(_("Every permanent action verified (effective or not)"), not capa.effectiveness_gaps(statuses))]
    return []
