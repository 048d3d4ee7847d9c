"""Compensation by authority: within the complaint's level it is simply recorded; above it, an
approval task goes to the lowest level whose authority covers the amount, and the decision is
checked again against that authority when it is made."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import ApprovalStatus, EscalationTrigger, EventKind, NotificationEvent
from complaints.models import CompensationApproval, Complaint, EscalationLevel
from complaints.rules.clocks import is_closed
from complaints.rules.signals import covering_rank, over_authority
from complaints.selectors.escalation import held_ranks, is_handler, ladder, level_queue
from complaints.selectors.notify import role_recipients
from complaints.selectors.once import config_row
from complaints.selectors.regional import ladder_authority, level_authority
from complaints.selectors.routing import levels_by_id
from complaints.services.errors import Refused
from complaints.services.events import acting_user, event_record
from complaints.services.notify import notify_event
from complaints.services.transitions import transition
from complaints.services.work import side_task_start

APPROVAL = "approval"


class ApprovalRefused(Refused):
    """The proposal or decision is not allowed; the message says why (translated)."""


def approving_level(*, amount: Decimal, department: Any = None) -> EscalationLevel | None:
    """Returns the lowest level whose authority (for a complaint of `department`: HQ's or a region's
    within bounds) covers the amount (None: no level may grant it)."""
    levels = ladder()
    authority = ladder_authority(levels=levels, department=department)
    rank = covering_rank(amount=amount, levels=[(lv.rank, authority[lv.pk]) for lv in levels])
    return next((lv for lv in levels if lv.rank == rank), None)


@transition
def compensation_propose(
    *,
    complaint: Complaint,
    actor: Any,
    amount: Decimal,
    purpose: str,
    trigger: str = EscalationTrigger.OVER_AUTHORITY,
    check_actor: bool = True,
) -> CompensationApproval | None:
    """Proposes compensation for the complaint. Within the current level's authority it is
    recorded as agreed and None is returned; above it, an approval task is opened for the lowest
    level that covers the amount and returned."""
    if is_closed(complaint):
        raise ApprovalRefused(_("The complaint is closed. Reopen it (with the customer's reason) to act on it again."))
    if amount is None or amount < 0:
        raise ApprovalRefused(_("Enter an amount of zero or more."))
    if not purpose.strip():
        raise ApprovalRefused(_("Say what the compensation is for."))
    if check_actor and not is_handler(user=actor, complaint=complaint):
        raise ApprovalRefused(_("Only someone handling this complaint can propose compensation."))
    level = config_row(complaint, "level", levels_by_id)
    if level is None:
        raise ApprovalRefused(_("The complaint has not been triaged yet."))
    authority = level_authority(level=level, department=complaint.department_id)
    if not over_authority(amount=amount, authority=authority):
        event_record(
            complaint=complaint,
            kind=EventKind.COMPENSATION,
            actor=actor,
            new={"amount": str(amount), "level": level, "within_authority": True},
            note=purpose,
        )
        return None
    target = approving_level(amount=amount, department=complaint.department_id)
    if target is None:
        raise ApprovalRefused(_("No level has the authority to grant %(amount)s.") % {"amount": amount})
    pending = complaint.approvals.filter(decision=ApprovalStatus.PENDING, amount=amount).first()
    if pending is not None:
        return pending
    department = level_queue(level=target, complaint=complaint)[1]
    with transaction.atomic(savepoint=False):
        approval = side_task_start(
            kind=APPROVAL,
            fields={
                "case": complaint,
                "amount": amount,
                "purpose": purpose,
                "requested_by": acting_user(actor),
                "trigger": trigger,
                "level": target,
                "department": department,
            },
        )
        event_record(
            complaint=complaint,
            kind=EventKind.APPROVAL_REQUESTED,
            actor=actor,
            new={
                "amount": str(amount),
                "authority": str(authority),
                "level": level,
                "approving_level": target,
                "department": department or "",
                "trigger": trigger,
                "approval": approval.pk,
            },
            note=purpose,
        )
        approvers = role_recipients(department=department, role=target.role)
        notify_event(
            event=NotificationEvent.APPROVAL,
            complaint=complaint,
            occasion=f"approval-{approval.pk}",
            context={"reason": purpose, "level": target},
            recipients=approvers,
        )
    return approval


@transition
def approval_decide(
    *, approval: CompensationApproval, actor: Any, approve: bool, note: str = ""
) -> CompensationApproval:
    """Records the decision. Approving is re-checked against the authority the approver holds now
    (the admin may have lowered it since the request) and needs a second pair of eyes: the
    proposer may withdraw (refuse) their own request but never approve it. A refusal needs a
    reason."""
    with transaction.atomic(savepoint=False):
        approval = (
            CompensationApproval.objects.select_for_update(of=("self",))
            .select_related("case__department", "level__role")
            .get(pk=approval.pk)
        )
        if approval.decision != ApprovalStatus.PENDING:
            raise ApprovalRefused(_("This request was already decided."))
        if approve and acting_user(actor) is not None and approval.requested_by_id == actor.pk:
            raise ApprovalRefused(
                _("You proposed this compensation; a colleague with the authority must approve it (four eyes).")
            )
        complaint = approval.case
        levels = ladder()
        held = held_ranks(user=actor, complaint=complaint, levels=levels)
        allowed = [lv for lv in levels if lv.rank in held]
        if not allowed and not actor.is_superuser:
            raise ApprovalRefused(_("You hold no level that decides on this complaint's compensation."))
        if approve and not actor.is_superuser:
            authority = ladder_authority(levels=allowed, department=complaint.department_id)
            covering = [lv for lv in allowed if not over_authority(amount=approval.amount, authority=authority[lv.pk])]
            if not covering:
                best = max(allowed, key=lambda lv: lv.rank)
                raise ApprovalRefused(
                    _(
                        "%(amount)s CNY is above your level's authority (%(level)s: %(limit)s CNY); "
                        "it needs a higher level."
                    )
                    % {"amount": approval.amount, "level": best, "limit": authority[best.pk]}
                )
        if not approve and not note.strip():
            raise ApprovalRefused(_("Give the reason for the refusal."))
        approval.decision = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        approval.decided_by = actor
        approval.decided_at = timezone.now()
        approval.decision_note = note
        approval.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
        event_record(
            complaint=complaint,
            kind=EventKind.APPROVAL_DECIDED,
            actor=actor,
            new={"amount": str(approval.amount), "decision": approval.decision, "approval": approval.pk},
            note=note,
        )
    return approval


def approved_amount(complaint: Complaint) -> Decimal | None:
    """The largest approved compensation of the complaint, if any."""
    amounts = complaint.approvals.filter(decision=ApprovalStatus.APPROVED).values_list("amount", flat=True)
    return max(amounts, default=None)
