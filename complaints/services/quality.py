"""Writes of the quality records: the problem in 5W2H, causes on the fishbone, responsibility
shares, corrective actions and their verification, and the completion of the analysis, permanent
actions and effectiveness steps. Each write records its event on the complaint's timeline."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.choices import ActionArea, ActionKind, ActionStatus, CauseVerdict, EventKind, Outcome, Stage
from complaints.models import (
    ActionVerification,
    Cause,
    CauseCategory,
    Complaint,
    CorrectiveAction,
    Department,
    Responsibility,
    RootCauseAnalysis,
)
from complaints.models.quality import FIVE_W_TWO_H
from complaints.rules import capa
from complaints.selectors.common import JUDGED_STATUSES, permanent_statuses, user_department_ids
from complaints.selectors.quality import (
    cause_version,
    has_open_task,
    may_analyse,
    may_update_action,
    may_verify,
    problem_version,
    responsibility_version,
)
from complaints.services.attachments import attachment_add
from complaints.services.clocks import action_clock_sync
from complaints.services.errors import is_system
from complaints.services.events import event_record
from complaints.services.stages import StepRefused
from complaints.services.transitions import transition
from complaints.services.work import side_task_start

ACTION_TASK = "action"
# Stages after which permanent actions can no longer be planned, reworked or judged.
LATE_STAGES = (Stage.CUSTOMER_CONFIRMATION, Stage.CLOSED)


class QualityRefused(StepRefused):
    """The analysis or action cannot be recorded as asked; the message says why (translated)."""


class QualityConflict(QualityRefused):
    """Someone else saved the record after this form was opened; nothing was written. `version`
    is the record's version now: saving again with it replaces theirs, knowingly."""

    def __init__(self, message: str, *, version: str) -> None:
        super().__init__(message)
        self.version = version


def _check_version(*, seen: str | None, now: str, what: str) -> None:
    """Refuses a save made on a form opened before someone else saved (rules.capa.fingerprint)."""
    if seen and seen != now:
        raise QualityConflict(
            _(
                "Someone else saved %(what)s while you were editing; nothing of yours was saved. "
                "Your text is still in the form: look at the page again, then save to replace theirs."
            )
            % {"what": what},
            version=now,
        )


def _may_analyse(*, complaint: Complaint, actor: Any) -> None:
    """Refuses unless the actor may record the analysis and plan actions (the complaint's handlers
    and whoever may take one of its quality steps)."""
    if not is_system(actor) and not may_analyse(user=actor, complaint=complaint):
        raise QualityRefused(_("Only the complaint's handlers and quality may record its analysis and actions."))


def _may_update(*, action: CorrectiveAction, actor: Any) -> None:
    if not is_system(actor) and not may_update_action(user=actor, action=action):
        raise QualityRefused(_("Only the action's owner, its department and the analysts may report on it."))


def _may_verify(*, complaint: Complaint, actor: Any) -> None:
    if not is_system(actor) and not may_verify(user=actor, complaint=complaint):
        raise QualityRefused(_("Only quality may judge whether actions were effective."))


def _check_open(complaint: Complaint) -> None:
    if complaint.outcome != Outcome.OPEN or complaint.stage == Stage.CLOSED:
        raise QualityRefused(_("The complaint is closed; its analysis and actions can no longer change."))


def _analysis(complaint: Complaint) -> RootCauseAnalysis:
    """The complaint's analysis row, locked (created empty on first use): one query once it exists,
    three the first time (an INSERT that leaves a row someone else just created as it is, one per
    complaint, then the row locked)."""
    found = RootCauseAnalysis.objects.select_for_update().filter(complaint=complaint).first()
    if found is not None:
        return found
    # By id: an instance built with the complaint would become its cached (and unsaved) `root_cause`.
    RootCauseAnalysis.objects.bulk_create([RootCauseAnalysis(complaint_id=complaint.pk)], ignore_conflicts=True)
    return RootCauseAnalysis.objects.select_for_update().get(complaint=complaint)


def _attach(*, complaint: Complaint, actor: Any, files: Sequence[UploadedFile], target: Any) -> list[str]:
    names = []
    for upload in files:
        attachment = attachment_add(complaint=complaint, upload=upload, actor=actor)
        target.files.add(attachment)
        names.append(attachment.name)
    return names


@transition
def problem_describe(
    *, complaint: Complaint, actor: Any, answers: dict[str, str], seen_version: str | None = None
) -> RootCauseAnalysis:
    """Records the problem in 5W2H (What, Why, Who, Where, When, How, How much); returns the
    analysis. Unchanged answers are a no-op without an event. With `seen_version` (the form's),
    refuses when someone else saved the 5W2H since (QualityConflict)."""
    _may_analyse(complaint=complaint, actor=actor)
    _check_open(complaint)
    with transaction.atomic(savepoint=False):
        analysis = _analysis(complaint)
        _check_version(seen=seen_version, now=problem_version(analysis), what=_("the 5W2H"))
        old = {name: getattr(analysis, name) for name in FIVE_W_TWO_H}
        new = {name: (answers.get(name) or "").strip() for name in FIVE_W_TWO_H}
        if old == new:
            return analysis
        for name, value in new.items():
            setattr(analysis, name, value)
        analysis.analysed_by = actor
        analysis.save()
        changed = [name for name in FIVE_W_TWO_H if old[name] != new[name]]
        event_record(
            complaint=complaint,
            kind=EventKind.PROBLEM_DESCRIBED,
            actor=actor,
            new={"changed": ", ".join(changed)},
            note=new["what"],
        )
    return analysis


@transition
def cause_record(
    *,
    complaint: Complaint,
    actor: Any,
    category: CauseCategory,
    text: str,
    evidence: str = "",
    verdict: str = CauseVerdict.OPEN,
    whys: Sequence[str] = (),
    files: Sequence[UploadedFile] = (),
    cause: Cause | None = None,
    seen_version: str | None = None,
) -> Cause:
    """Adds a candidate cause to a bone of the fishbone, or revises one (verdict, evidence, the
    5-whys chain); returns it. Files add to its evidence. Revising with `seen_version` refuses
    when someone else revised the cause since (QualityConflict)."""
    _may_analyse(complaint=complaint, actor=actor)
    _check_open(complaint)
    if not text.strip():
        raise QualityRefused(_("Describe the cause."))
    if verdict not in CauseVerdict.values:
        raise QualityRefused(_("Choose a verdict for the cause."))
    if (cause is None or cause.category_id != category.pk) and not category.active:
        raise QualityRefused(_("This cause category is no longer in use; choose another."))
    chain = [w.strip() for w in whys if w and w.strip()]
    with transaction.atomic(savepoint=False):
        analysis = _analysis(complaint)
        old: dict[str, Any] = {}
        if cause is None:
            cause = Cause(analysis=analysis, created_by=actor)
        else:
            cause = Cause.objects.select_for_update().get(pk=cause.pk)
            if cause.analysis_id != analysis.pk:
                raise QualityRefused(_("This cause belongs to another complaint."))
            _check_version(seen=seen_version, now=cause_version(cause), what=_("this cause"))
            old = {"category": cause.category.code, "verdict": cause.verdict}
        cause.category = category
        cause.text = text.strip()
        cause.evidence = evidence.strip()
        cause.verdict = verdict
        cause.whys = chain
        cause.save()
        names = _attach(complaint=complaint, actor=actor, files=files, target=cause)
        event_record(
            complaint=complaint,
            kind=EventKind.CAUSE_RECORDED,
            actor=actor,
            old=old,
            new={
                "cause": cause.pk,
                "category": category.code,
                "verdict": verdict,
                "whys": len(chain),
                "files": ", ".join(names),
            },
            note=cause.text,
        )
    return cause


@transition
def responsibility_set(
    *,
    complaint: Complaint,
    actor: Any,
    shares: Sequence[tuple[Department | None, str, Decimal]],
    seen_version: str | None = None,
) -> RootCauseAnalysis:
    """Replaces the responsibility shares (department or outside party, share %); the department
    with the largest share becomes the analysis's responsible department. Refuses shares out of
    range or above 100 % together, and (with `seen_version`) shares someone else changed since."""
    _may_analyse(complaint=complaint, actor=actor)
    _check_open(complaint)
    rows = [(dept, (party or "").strip(), share) for dept, party, share in shares]
    if any(dept is None and not party for dept, party, _share in rows):
        raise QualityRefused(_("Name a department or an outside party for each share."))
    problem = capa.shares_problem(share for _dept, _party, share in rows)
    if problem == "share":
        raise QualityRefused(_("Each share is above 0 and at most 100 %."))
    if problem == "total":
        raise QualityRefused(_("The shares add up to more than 100 %."))
    with transaction.atomic(savepoint=False):
        analysis = _analysis(complaint)
        _check_version(seen=seen_version, now=responsibility_version(analysis), what=_("the responsibility"))
        analysis.responsibilities.all().delete()
        Responsibility.objects.bulk_create(
            [Responsibility(analysis=analysis, department=d, party=p if d is None else "", share=s) for d, p, s in rows]
        )
        departments = sorted((r for r in rows if r[0] is not None), key=lambda r: -r[2])
        analysis.responsible_department = departments[0][0] if departments else None
        analysis.save(update_fields=["responsible_department", "analysed_at"])
        event_record(
            complaint=complaint,
            kind=EventKind.RESPONSIBILITY,
            actor=actor,
            new={"shares": "; ".join(f"{d.name if d else p}: {s} %" for d, p, s in rows)},
        )
    return analysis


def action_schedule(*, action: CorrectiveAction, new: bool = False) -> None:
    """Called after an action is created (`new`: it has no clock to look for) or changes (status,
    due date): an open action assigned to a department other than the complaint's and its
    planner's gets a task in that department's queue, unless one is open already; the due-date
    clock follows the action's status and date."""
    action_clock_sync(action=action, new=new)
    if action.department_id is None or not capa.is_open(action.status) or action.status == ActionStatus.DONE:
        return
    if action.department_id == action.complaint.department_id:
        return
    if action.created_by_id and action.department_id in user_department_ids(action.created_by):
        return
    if has_open_task(action):
        return
    side_task_start(
        kind=ACTION_TASK, fields={"case": action.complaint, "action": action, "department": action.department}
    )


@transition
def action_plan(
    *,
    complaint: Complaint,
    actor: Any,
    kind: str,
    description: str,
    area: str = "",
    causes: Sequence[Cause] = (),
    department: Department | None = None,
    owner: Any = None,
    due_date: date | None = None,
    cost: Decimal | None = None,
    files: Sequence[UploadedFile] = (),
) -> CorrectiveAction:
    """Plans a temporary or permanent action; a permanent one names the causes it addresses.
    An action for another department becomes a task in that department's queue."""
    _may_analyse(complaint=complaint, actor=actor)
    _check_open(complaint)
    if not description.strip():
        raise QualityRefused(_("Describe the action."))
    if kind == ActionKind.PERMANENT:
        if complaint.stage in LATE_STAGES:
            raise QualityRefused(_("Permanent actions are planned before the customer is asked to confirm."))
        if not causes:
            raise QualityRefused(_("Link a permanent action to the causes it addresses."))
    if any(c.analysis.complaint_id != complaint.pk for c in causes):
        raise QualityRefused(_("Link only causes of this complaint."))
    if cost is not None and cost < 0:
        raise QualityRefused(_("The cost cannot be negative."))
    if area and area not in ActionArea.values:
        raise QualityRefused(_("Choose what the action changes."))
    with transaction.atomic(savepoint=False):
        action = CorrectiveAction.objects.create(
            complaint=complaint,
            kind=kind,
            area=area,
            description=description.strip(),
            department=department,
            owner=owner,
            due_date=due_date,
            cost=cost,
            status=ActionStatus.PLANNED,
            created_by=actor,
        )
        action.causes.set(causes)
        names = _attach(complaint=complaint, actor=actor, files=files, target=action)
        event_record(
            complaint=complaint,
            kind=EventKind.ACTION_RECORDED,
            actor=actor,
            new={
                "action": action.pk,
                "kind": kind,
                "status": action.status,
                "department": department,
                "due_date": due_date.isoformat() if due_date else None,
                "cost": str(cost) if cost is not None else None,
                "files": ", ".join(names),
            },
            note=action.description,
        )
        action_schedule(action=action, new=True)
    return action


def _locked(action: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update(of=("self",)).select_related("complaint").get(pk=action.pk)


@transition
def action_move(
    *,
    action: CorrectiveAction,
    actor: Any,
    status: str,
    evidence: str = "",
    files: Sequence[UploadedFile] = (),
    seen_status: str | None = None,
) -> CorrectiveAction:
    """Reports progress on an action (planned → in progress → done, or back to work after "not
    effective"), with evidence. Refuses a move the rule does not allow, a verdict (only
    verification gives one), and a move when someone changed the action since the form was shown."""
    with transaction.atomic(savepoint=False):
        action = _locked(action)
        _may_update(action=action, actor=actor)
        _check_open(action.complaint)
        if seen_status and seen_status != action.status:
            raise QualityConflict(
                _("Someone changed this action meanwhile (it is now “%(status)s”); look again.")
                % {"status": action.get_status_display()},
                version=action.status,
            )
        if action.kind == ActionKind.PERMANENT and action.complaint.stage in LATE_STAGES:
            raise QualityRefused(_("Permanent actions are settled once the customer is asked to confirm."))
        if status == action.status and not evidence.strip() and not files:
            return action
        if status != action.status and not capa.move_allowed(action.status, status):
            raise QualityRefused(
                _("An action that is “%(old)s” cannot become “%(new)s”.")
                % {"old": action.get_status_display(), "new": ActionStatus(status).label}
            )
        if status == ActionStatus.DONE and not (evidence.strip() or action.evidence or files):
            raise QualityRefused(_("Give the evidence that the action was done."))
        old = {"status": action.status}
        action.status = status
        if evidence.strip():
            action.evidence = evidence.strip()
        action.save(update_fields=["status", "evidence"])
        names = _attach(complaint=action.complaint, actor=actor, files=files, target=action)
        event_record(
            complaint=action.complaint,
            kind=EventKind.ACTION_UPDATED,
            actor=actor,
            old=old,
            new={"action": action.pk, "status": status, "files": ", ".join(names)},
            note=evidence.strip(),
        )
        action_schedule(action=action)
    return action


@transition
def action_report_done(*, action: CorrectiveAction, actor: Any, evidence: str) -> CorrectiveAction:
    """The assigned department reports its action done (its task's form). An action already done
    or verified keeps its status and gains the evidence."""
    _may_update(action=action, actor=actor)
    if not evidence.strip():
        raise QualityRefused(_("Give the evidence that the action was done."))
    current = CorrectiveAction.objects.get(pk=action.pk).status
    target = ActionStatus.DONE if capa.move_allowed(current, ActionStatus.DONE) else current
    return action_move(action=action, actor=actor, status=target, evidence=evidence)


@transition
def action_verify(
    *, action: CorrectiveAction, actor: Any, effective: bool, evidence: str, reason: str = ""
) -> ActionVerification:
    """Quality's verdict on a done action, with evidence. "Not effective" reopens the action
    with the reason (its department gets a task again); "effective" is final."""
    if not evidence.strip():
        raise QualityRefused(_("Give the evidence for the verdict."))
    if not effective and not reason.strip():
        raise QualityRefused(_("Say why the action was not effective; it is reopened with this reason."))
    verdict = ActionStatus.EFFECTIVE if effective else ActionStatus.NOT_EFFECTIVE
    with transaction.atomic(savepoint=False):
        action = _locked(action)
        _may_verify(complaint=action.complaint, actor=actor)
        _check_open(action.complaint)
        if action.kind == ActionKind.PERMANENT and action.complaint.stage in LATE_STAGES:
            raise QualityRefused(_("Permanent actions are settled once the customer is asked to confirm."))
        if not capa.move_allowed(action.status, verdict, verifying=True):
            raise QualityRefused(
                _("Only a done action can be verified; this one is “%(status)s”.")
                % {"status": action.get_status_display()}
            )
        verification = ActionVerification.objects.create(
            action=action, effective=effective, evidence=evidence.strip(), reason=reason.strip(), by=actor
        )
        old = {"status": action.status}
        action.status = verdict
        action.verification_note = evidence.strip()
        action.reopened_reason = "" if effective else reason.strip()
        action.save(update_fields=["status", "verification_note", "reopened_reason"])
        event_record(
            complaint=action.complaint,
            kind=EventKind.ACTION_VERIFIED,
            actor=actor,
            old=old,
            new={"action": action.pk, "status": verdict, "reason": reason.strip() or None},
            note=evidence.strip(),
        )
        action_schedule(action=action)
    return verification


@transition
def complaint_record_root_cause(*, complaint: Complaint, actor: Any, description: str) -> RootCauseAnalysis:
    """Completes the analysis step: refuses until the 5W2H is written and at least one cause is
    confirmed; records the root cause in one sentence and the category of the first confirmed
    cause (for the Pareto of root-cause categories)."""
    _may_analyse(complaint=complaint, actor=actor)
    _check_open(complaint)
    with transaction.atomic(savepoint=False):
        analysis = _analysis(complaint)
        confirmed = list(
            analysis.causes.filter(verdict=CauseVerdict.CONFIRMED).select_related("category").order_by("pk")
        )
        gaps = capa.analysis_gaps(
            answers=[getattr(analysis, name) for name in FIVE_W_TWO_H], confirmed_causes=len(confirmed)
        )
        messages = {
            "5w2h": _("Describe the problem in 5W2H first (all seven questions)."),
            "confirmed_cause": _("Confirm at least one cause on the fishbone first."),
        }
        if gaps:
            raise QualityRefused(" ".join(messages[gap] for gap in gaps))
        if not description.strip():
            raise QualityRefused(_("State the root cause in one sentence."))
        analysis.description = description.strip()
        analysis.cause_category = confirmed[0].category.code
        analysis.analysed_by = actor
        analysis.save()
        event_record(
            complaint=complaint,
            kind=EventKind.ROOT_CAUSE,
            actor=actor,
            new={
                "root_causes": len(confirmed),
                "cause_category": analysis.cause_category,
                "responsible_department": analysis.responsible_department,
            },
            note=analysis.description,
        )
    return analysis


@transition
def capa_permanent_complete(*, complaint: Complaint, actor: Any, note: str = "") -> None:
    """Completes the permanent-actions step: refuses until there is a permanent action and every
    one is done (or already verified effective)."""
    _may_analyse(complaint=complaint, actor=actor)
    _check_open(complaint)
    statuses = permanent_statuses(complaint)
    gaps = capa.permanent_gaps(statuses)
    if "none" in gaps:
        raise QualityRefused(_("Plan at least one permanent action first."))
    if gaps:
        raise QualityRefused(_("Every permanent action must be done before its effectiveness is checked."))
    event_record(
        complaint=complaint,
        kind=EventKind.ACTION_UPDATED,
        actor=actor,
        new={"permanent_actions_done": len(statuses)},
        note=note,
    )


@transition
def capa_effectiveness_complete(*, complaint: Complaint, actor: Any, note: str = "") -> bool:
    """Completes the effectiveness step: refuses while a permanent action has no verdict. Returns
    whether every permanent action worked (if not, the process goes back to permanent actions)."""
    _may_verify(complaint=complaint, actor=actor)
    _check_open(complaint)
    statuses = permanent_statuses(complaint)
    if capa.effectiveness_gaps(statuses):
        raise QualityRefused(_("Verify every permanent action (effective or not) first."))
    effective = capa.all_effective(statuses)
    complaint.__dict__[JUDGED_STATUSES] = statuses  # the gate after this step decides on them
    event_record(
        complaint=complaint,
        kind=EventKind.EFFECTIVENESS,
        actor=actor,
        new={
            "effective": effective,
            "actions": len(statuses),
            "not_effective": sum(1 for s in statuses if s == ActionStatus.NOT_EFFECTIVE),
        },
        note=note,
    )
    return effective
