"""Collaboration requests to another department: a task for the department's contact with the
information package and a response clock; unanswered, it passes to the department head, then to
the requester's superior (a P0 request goes straight to headquarters)."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from complaints.choices import CollaborationStep, EventKind, NotificationEvent
from complaints.models import CollaborationRequest, Complaint, Department, Membership
from complaints.rules.clocks import is_closed
from complaints.rules.names import person_name
from complaints.rules.routing import queue_permission
from complaints.rules.signals import collaboration_next_step
from complaints.selectors.common import (
    UNROUTED_QUEUE,
    department_subtree_ids,
    process_settings,
    user_department_ids,
)
from complaints.selectors.escalation import OPEN_TASK_STATUSES, information_package, is_handler, ladder
from complaints.selectors.notify import role_recipients
from complaints.selectors.once import config_row
from complaints.selectors.routing import department_chain, departments_by_id, level_department, priorities_by_id
from complaints.services.clocks import collaboration_clock_sync
from complaints.services.errors import Refused
from complaints.services.events import event_record
from complaints.services.notify import notify_event
from complaints.services.transitions import transition
from complaints.services.work import side_task_start

COLLABORATION = "collaboration"


class CollaborationRefused(Refused):
    """The request cannot be made or answered as asked; the message says why (translated)."""


def contact_queue(department: Department) -> str:
    """The queue of the role that answers collaboration requests in a department."""
    role = process_settings().collaboration_role
    if role is None:
        return UNROUTED_QUEUE
    return queue_permission(department_code=department.code, role_code=role.code)


def is_crisis(complaint: Complaint) -> bool:
    """A P0 complaint: its priority alerts the P0 notify list."""
    priority = config_row(complaint, "priority", priorities_by_id)
    return bool(priority and priority.alert)


@transition
def collaboration_request(
    *, complaint: Complaint, actor: Any, department: Department, question: str, now: datetime | None = None
) -> CollaborationRequest:
    """Opens a request to a department; its contact has the admin's answer time."""
    if is_closed(complaint):
        raise CollaborationRefused(
            _("The complaint is closed. Reopen it (with the customer's reason) to act on it again.")
        )
    if not is_handler(user=actor, complaint=complaint):
        raise CollaborationRefused(_("Only someone handling this complaint can ask another department."))
    if not question.strip():
        raise CollaborationRefused(_("Write what you need from the department."))
    if department.pk == complaint.department_id:
        raise CollaborationRefused(_("Ask a department other than the complaint's own."))
    now = now or timezone.now()
    settings_row = process_settings()
    with transaction.atomic(savepoint=False):
        request = side_task_start(
            kind=COLLABORATION,
            fields={
                "case": complaint,
                "department": department,
                "question": question,
                "requested_by": actor,
                "step": CollaborationStep.CONTACT,
                "response_due": now + timedelta(minutes=settings_row.collaboration_response_minutes),
                "package": information_package(complaint=complaint, to_level=None),
            },
        )
        event_record(
            complaint=complaint,
            kind=EventKind.COLLABORATION_REQUESTED,
            actor=actor,
            new={
                "department": department,
                "due": request.response_due.isoformat(),
                "request": request.pk,
            },
            note=question,
        )
        collaboration_clock_sync(request=request, now=now, new=True)
        contacts = role_recipients(department=department, role=settings_row.collaboration_role)
        notify_event(
            event=NotificationEvent.COLLABORATION,
            complaint=complaint,
            occasion=f"collab-{request.pk}-contact",
            context={"reason": question, "department": department},
            recipients=contacts,
        )
    return request


def may_answer(*, user: Any, request: CollaborationRequest) -> bool:
    """Rule: the asked department (its members and the departments above it) and whoever holds the
    request's task answer it."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or Task.objects.filter(process_id=request.pk, owner=user).exists():
        return True
    return request.department_id in department_subtree_ids(user_department_ids(user))


@transition
def collaboration_answer(*, request: CollaborationRequest, actor: Any, answer: str) -> CollaborationRequest:
    """Records the department's answer; the requester sees it on the complaint."""
    if not answer.strip():
        raise CollaborationRefused(_("Write the answer."))
    with transaction.atomic(savepoint=False):
        request = CollaborationRequest.objects.select_for_update(of=("self",)).select_related("case").get(pk=request.pk)
        if request.answered_at is not None:
            raise CollaborationRefused(_("This request was already answered."))
        if not may_answer(user=actor, request=request):
            raise CollaborationRefused(_("Only the asked department answers this request."))
        request.answer = answer
        request.answered_by = actor
        request.answered_at = timezone.now()
        request.save(update_fields=["answer", "answered_by", "answered_at"])
        collaboration_clock_sync(request=request)
        event_record(
            complaint=request.case,
            kind=EventKind.COLLABORATION_ANSWERED,
            actor=actor,
            new={"department": request.department, "request": request.pk, "step": request.step},
            note=answer,
        )
    return request


def _superior(request: CollaborationRequest) -> Any:
    """The requester's superior: the head of the nearest department of theirs (or above it) that
    is headed by someone else."""
    membership = (
        Membership.objects.filter(user=request.requested_by).select_related("department").order_by("pk").first()
        if request.requested_by_id
        else None
    )
    start = membership.department if membership else request.case.department
    for department in department_chain(start):
        if department.head_id and department.head_id != request.requested_by_id:
            return department.head
    return None


def _hq(complaint: Complaint) -> tuple[str, list[Any]]:
    """Headquarters: the queue of the top level's handlers for this complaint, and who is in it."""
    levels = ladder()
    top = levels[-1] if levels else None
    department = (
        level_department(level=top, department=config_row(complaint, "department", departments_by_id)) if top else None
    )
    if top is None or department is None:
        return UNROUTED_QUEUE, []
    people = role_recipients(department=department, role=top.role)
    return queue_permission(department_code=department.code, role_code=top.role.code), people


def _next_holder(request: CollaborationRequest) -> tuple[str | None, Any, str | None, list[Any]]:
    """Returns the next step, its person (head, superior) or queue (HQ), and who to tell; a step
    nobody can hold (no head set) is skipped."""
    step: str | None = request.step
    crisis = is_crisis(request.case)
    while True:
        step = collaboration_next_step(step=step or "", crisis=crisis)
        if step is None:
            return None, None, None, []
        if step == CollaborationStep.HQ:
            queue, people = _hq(request.case)
            return step, None, queue, people
        holder = request.department.head if step == CollaborationStep.HEAD else _superior(request)
        if holder is not None:
            return step, holder, None, [holder]


def collaboration_pass_on(*, request: CollaborationRequest, now: datetime | None = None) -> str | None:
    """Passes an unanswered request whose answer time ran out to the next holder in its chain and
    returns the new step (None: nothing to do). Claims the request with a conditional update on its
    step and due time, so two sweeps never pass it on twice; the next step's answer clock starts
    (the clock sweep calls this when a request's clock is due)."""
    now = now or timezone.now()
    complaint = request.case
    if request.answered_at is not None or request.response_due is None or request.response_due > now:
        return None
    step, holder, queue, people = _next_holder(request)
    due: datetime | None = None
    if step == CollaborationStep.HEAD:
        minutes = process_settings().collaboration_superior_minutes
        due = max(now, request.created + timedelta(minutes=minutes))
    with transaction.atomic():
        claimed = CollaborationRequest.objects.filter(
            pk=request.pk, step=request.step, response_due=request.response_due, answered_at__isnull=True
        ).update(step=step or request.step, response_due=due, holder=holder)
        if not claimed:
            return None
        request.step, request.response_due, request.holder = step or request.step, due, holder
        collaboration_clock_sync(request=request, now=now)
        if step is None:
            return None
        tasks = Task.objects.filter(process_id=request.pk, status__in=OPEN_TASK_STATUSES)
        if holder is not None:
            tasks.update(owner=holder, status="ASSIGNED")
        elif queue is not None:
            tasks.update(owner=None, owner_permission=queue, status="NEW")
        event_record(
            complaint=complaint,
            kind=EventKind.COLLABORATION_REROUTED,
            new={
                "department": request.department,
                "step": step,
                "to": (person_name(holder)) if holder else (queue or ""),
                "due": due.isoformat() if due else None,
                "request": request.pk,
            },
        )
        notify_event(
            event=NotificationEvent.COLLABORATION,
            complaint=complaint,
            occasion=f"collab-{request.pk}-{step}",
            context={"reason": request.question, "department": request.department},
            recipients=people,
        )
    return step
