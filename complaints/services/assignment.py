"""Who holds a task: claim from a queue, release back to it, hand over to a colleague. Each move is
a conditional update (two people at once: one wins, the other is refused and nothing changes) and
an event on the complaint's timeline."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from complaints.choices import AssignRule, EventKind
from complaints.models import Complaint
from complaints.rules.assignment import pick_owner
from complaints.rules.names import person_name
from complaints.selectors.assignment import open_task_loads, step_performer
from complaints.selectors.common import complaint_of_process, stage_route
from complaints.selectors.worklist import heads_queue, queue_holders
from complaints.services.errors import Refused
from complaints.services.events import event_record
from complaints.services.transitions import transition
from complaints.services.urgency import urgency_owner_set


class AssignmentRefused(Refused):
    """The task cannot change hands as asked; the message says why (translated)."""


def _name(user: Any) -> str:
    return person_name(user)


def _step(task: Task) -> str:
    return str(task.flow_task.task_title or task.flow_task.name)


def may_manage(*, user: Any, task: Task) -> bool:
    """Rule: a task's owner may hand it on; so may the head of the department whose queue it is
    in, and whoever manages the process (superusers, `manage_<process>`)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or (task.owner_id is not None and task.owner_id == user.pk):
        return True
    opts = task.flow_task.flow_class.process_class._meta
    if user.has_perm(f"{opts.app_label}.manage_{opts.model_name}"):
        return True
    return heads_queue(user=user, permission=task.owner_permission)


def may_claim(*, user: Any, task: Task) -> bool:
    """Rule: whoever holds the task's queue may claim it while nobody holds it."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or not task.owner_permission or user.has_perm(task.owner_permission)


def _case_id(task: Task) -> int | None:
    """The complaint the task's process belongs to; from the process row when the caller has read
    it with the task (a task page, an activation), else from the database."""
    if not Task.process.is_cached(task):  # type: ignore[attr-defined]
        return complaint_of_process(task.process_id)
    process = task.process
    if issubclass(process.flow_class.process_class, Complaint):
        return int(process.pk)
    return process.artifact_object_id  # a side process's case (CaseArtifact keeps them equal)


def _record(*, task: Task, kind: str, actor: Any, old: dict[str, Any], new: dict[str, Any], note: str = "") -> None:
    case_id = _case_id(task)
    if case_id is None:
        return
    event_record(complaint=Complaint(pk=case_id), kind=kind, actor=actor, old=old, new=new, note=note)


@transition
def task_claim(*, task: Task, actor: Any, now: datetime | None = None) -> Task:
    """Gives a queued task to `actor`, who must hold its queue. Returns the task as stored."""
    if not may_claim(user=actor, task=task):
        raise AssignmentRefused(_("This task is not in one of your queues."))
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        claimed = Task.objects.filter(pk=task.pk, status=STATUS.NEW, owner__isnull=True).update(
            owner=actor, status=STATUS.ASSIGNED, assigned=now
        )
        if not claimed:
            raise AssignmentRefused(_("A colleague claimed this task first, or it is no longer open."))
        urgency_owner_set(task_id=task.pk, owner_id=actor.pk, status=STATUS.ASSIGNED)
        _record(
            task=task, kind=EventKind.CLAIMED, actor=actor, old={}, new={"step": _step(task), "owner": _name(actor)}
        )
    task.owner, task.status, task.assigned = actor, STATUS.ASSIGNED, now  # as the UPDATE stored them
    return task


@transition
def task_release(*, task: Task, actor: Any) -> Task:
    """Puts an assigned task back in its queue. The owner may; so may whoever may manage it."""
    if not may_manage(user=actor, task=task):
        raise AssignmentRefused(_("Only the task's owner or a supervisor of its queue can release it."))
    with transaction.atomic(savepoint=False):
        owner = task.owner
        released = Task.objects.filter(pk=task.pk, status=STATUS.ASSIGNED, owner_id=task.owner_id).update(
            owner=None, status=STATUS.NEW, assigned=None
        )
        if not released:
            raise AssignmentRefused(_("The task changed hands meanwhile; nothing was changed."))
        urgency_owner_set(task_id=task.pk, owner_id=None, status=STATUS.NEW)
        _record(
            task=task,
            kind=EventKind.RELEASED,
            actor=actor,
            old={"owner": _name(owner)},
            new={"step": _step(task), "queue": task.owner_permission or ""},
        )
    task.owner, task.status, task.assigned = None, STATUS.NEW, None  # as the UPDATE stored them
    return task


@transition
def task_reassign(*, task: Task, actor: Any, to_user: Any, note: str = "", now: datetime | None = None) -> Task:
    """Hands an assigned task to a colleague holding its queue (someone who could have claimed it).
    Refuses anyone else, the current owner, and a task that changed hands since it was read."""
    if not may_manage(user=actor, task=task):
        raise AssignmentRefused(_("Only the task's owner or a supervisor of its queue can reassign it."))
    if to_user is None or not queue_holders(task.owner_permission).filter(pk=to_user.pk).exists():
        raise AssignmentRefused(
            _("%(user)s does not hold this task's queue; choose someone who does.") % {"user": _name(to_user)}
        )
    if to_user.pk == task.owner_id:
        raise AssignmentRefused(_("%(user)s already holds this task.") % {"user": _name(to_user)})
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        previous = task.owner
        moved = Task.objects.filter(pk=task.pk, status=STATUS.ASSIGNED, owner_id=task.owner_id).update(
            owner=to_user, assigned=now
        )
        if not moved:
            raise AssignmentRefused(_("The task changed hands meanwhile; nothing was changed."))
        urgency_owner_set(task_id=task.pk, owner_id=to_user.pk, status=STATUS.ASSIGNED)
        _record(
            task=task,
            kind=EventKind.REASSIGNED,
            actor=actor,
            old={"owner": _name(previous)},
            new={"step": _step(task), "owner": _name(to_user)},
            note=note,
        )
    task.owner, task.assigned = to_user, now  # as the UPDATE stored them
    return task


def holds_queue(*, user: Any, queue: str) -> bool:
    """Rule: an active user holds a queue when they could claim its tasks (see may_claim)."""
    return user is not None and user.is_active and (user.is_superuser or not queue or user.has_perm(queue))


def task_owner_by_rule(*, complaint: Complaint, stage: str, queue: str, step: str) -> Any | None:
    """Returns who a new task of `stage` goes to under the admin's rule for the step (see
    StageRoute.assign_to), or None for its queue. The one chosen must hold `queue` (the task's
    owner permission); anyone else, or nobody, leaves the task in the queue. Every choice the
    rule makes, and every fallback, is an event on the complaint's timeline saying why."""
    route = stage_route(complaint=complaint, stage=stage)
    if route is None:
        return None
    return owner_by_rule(complaint=complaint, rule=route.assign_to, after=route.assign_after, queue=queue, step=step)


def owner_by_rule(*, complaint: Complaint, rule: str, after: str, queue: str, step: str) -> Any | None:
    """Returns who a new task goes to under an assignment rule (AssignRule; `after` names the
    earlier step for EARLIER_STEP), or None for its queue; shared by the process's steps and the
    admin's custom steps. The choice and any fallback are events on the timeline."""
    if rule == AssignRule.QUEUE:
        return None
    earlier = step_performer(complaint_id=complaint.pk, stage=after) if after else None
    holders = queue_holders(queue) if rule == AssignRule.LEAST_LOADED else []
    loads = open_task_loads(u.pk for u in holders if holds_queue(user=u, queue=queue))
    pick = pick_owner(
        rule=rule,
        case_owner_id=complaint.owner_id,
        earlier_performer_id=earlier.pk if earlier is not None else None,
        loads=loads,
    )
    people = {u.pk: u for u in holders}
    if earlier is not None:
        people[earlier.pk] = earlier
    candidate = people.get(pick.user_id) if pick.user_id is not None else None
    if candidate is None and pick.user_id is not None and pick.user_id == complaint.owner_id:
        candidate = complaint.owner
    new: dict[str, Any] = {"step": step, "rule": rule, "earlier": after}
    if candidate is not None and holds_queue(user=candidate, queue=queue):
        if rule == AssignRule.LEAST_LOADED:
            new["load"] = loads.get(candidate.pk, 0)
        event_record(complaint=complaint, kind=EventKind.AUTO_ASSIGNED, new={**new, "owner": _name(candidate)})
        return candidate
    fallback = "not_in_queue" if candidate is not None else "nobody"
    event_record(
        complaint=complaint,
        kind=EventKind.AUTO_ASSIGNED,
        old={"candidate": _name(candidate)} if candidate is not None else {},
        new={**new, "owner": "", "fallback": fallback},
    )
    return None
