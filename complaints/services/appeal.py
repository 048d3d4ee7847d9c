"""Appeals to the independent customer-experience office: the customer (through their link) or an
agent on their behalf appeals once the ladder has finished (closed, within the admin's window) or
run out (its top level decided); the appeal waits in the office's queue with its own clock, outside
the ladder; the office's decision is recorded, put on the timeline and told to the customer in
their language."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from complaints.choices import AppealDecision, EventKind, NotificationEvent
from complaints.models import Appeal, Complaint, CustomerLink
from complaints.rules.routing import queue_permission
from complaints.selectors.appeal import appeal_office, appeal_refusal
from complaints.selectors.common import UNROUTED_QUEUE
from complaints.selectors.customer import portal_settings
from complaints.selectors.notify import role_recipients
from complaints.services.clocks import appeal_clock_sync
from complaints.services.customer import CustomerRefused, customer_notify
from complaints.services.errors import Refused, is_system, require_handler
from complaints.services.events import acting_user, event_record
from complaints.services.notify import notify_event
from complaints.services.transitions import transition
from complaints.services.work import side_task_start

APPEAL = "appeal"


class AppealRefused(CustomerRefused):
    """The appeal cannot be made or decided as asked; the message says why (translated, polite:
    the customer may read it)."""


def appeal_queue(appeal: Appeal) -> str:
    """The office's queue for an appeal: the deciding role in the office department."""
    office = appeal_office(portal_settings())
    if office is None:
        return UNROUTED_QUEUE
    return queue_permission(department_code=appeal.department.code, role_code=office[1].code)


def appeal_open(
    *,
    complaint: Complaint,
    grounds: str,
    actor: Any = None,
    link: CustomerLink | None = None,
    now: datetime | None = None,
) -> Appeal:
    """Opens the appeal: by the customer (`link`, their live tracking link of this complaint) or by
    an agent handling the complaint on their behalf (`actor`). Refuses (changing nothing) when the
    office is not set, the complaint may not be appealed yet or any more, or it was appealed
    already; the complaint row is locked so two appeals at once make one. The appeal's task waits in
    the office's queue with its clock; the customer is told it was received. Returns the appeal."""
    now = now or timezone.now()
    grounds = (grounds or "").strip()
    if link is not None:
        if link.complaint_id != complaint.pk:
            raise AppealRefused(_("This link is not valid. Please check that you copied all of it."))
    elif is_system(actor):
        raise Refused(_("An appeal is made by the customer or an agent on their behalf."))
    else:
        require_handler(complaint=complaint, actor=actor, error=AppealRefused)
    if not grounds:
        raise AppealRefused(_("Please tell us why you appeal."))
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        portal = portal_settings()
        refusal = appeal_refusal(complaint=complaint, portal=portal, now=now)
        if refusal is not None:
            raise AppealRefused(refusal)
        office = appeal_office(portal)
        assert portal is not None and office is not None  # appeal_refusal said so
        department, role = office
        appeal: Appeal = side_task_start(
            kind=APPEAL,
            fields={
                "case": complaint,
                "grounds": grounds,
                "filed_by": acting_user(actor),
                "department": department,
                "due_at": now + timedelta(hours=portal.appeal_decision_hours or 0),
            },
        )
        appeal_clock_sync(appeal=appeal, percent=portal.appeal_warning_percent, now=now)
        event_record(
            complaint=complaint,
            kind=EventKind.APPEAL_OPENED,
            actor=actor,
            new={
                "appeal": appeal.pk,
                "office": department,
                "due": appeal.due_at.isoformat(),
                "by": "agent" if acting_user(actor) is not None else "customer",
            },
            note=grounds,
        )
        notify_event(
            event=NotificationEvent.APPEAL,
            complaint=complaint,
            occasion=f"appeal-{appeal.pk}",
            context={"reason": grounds[:200], "department": department},
            recipients=role_recipients(department=department, role=role),
        )
        customer_notify(
            complaint=complaint,
            event=NotificationEvent.CUSTOMER_APPEAL_RECEIVED,
            occasion=f"appeal-{appeal.pk}",
            context={"due": timezone.localtime(appeal.due_at).strftime("%Y-%m-%d %H:%M")},
        )
    return appeal


def may_decide(*, user: Any, appeal: Appeal) -> bool:
    """Rule: the office decides: holders of its deciding role in its department (and superusers)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    queues = (
        Task.objects.filter(process_id=appeal.pk).exclude(owner_permission__isnull=True).exclude(owner_permission="")
    )
    queue = queues.values_list("owner_permission", flat=True).first() or appeal_queue(appeal)
    return bool(user.has_perm(queue))


@transition
def appeal_decide(*, appeal: Appeal, actor: Any, decision: str, text: str, remedy: str = "") -> Appeal:
    """Records the office's decision (upheld, partly upheld, rejected, with its reasons and an
    optional remedy), stops its clock, puts it on the timeline and tells the customer in their
    language. The appeal row is locked: of two decisions at once one wins, the other is refused."""
    text, remedy = (text or "").strip(), (remedy or "").strip()
    if decision not in AppealDecision.values:
        raise AppealRefused(_("Choose upheld, partly upheld or rejected."))
    if not text:
        raise AppealRefused(_("Write the decision and its reasons; the customer reads it."))
    with transaction.atomic(savepoint=False):
        appeal = (
            Appeal.objects.select_for_update(of=("self",)).select_related("case__owner", "department").get(pk=appeal.pk)
        )
        if appeal.decided_at is not None:
            raise AppealRefused(_("This appeal was already decided."))
        if not may_decide(user=actor, appeal=appeal):
            raise AppealRefused(_("Only the customer-experience office decides appeals."))
        appeal.decision, appeal.decision_text, appeal.remedy = decision, text, remedy
        appeal.decided_by, appeal.decided_at = actor, timezone.now()
        appeal.save(update_fields=["decision", "decision_text", "remedy", "decided_by", "decided_at"])
        appeal_clock_sync(appeal=appeal)
        complaint = appeal.case
        event_record(
            complaint=complaint,
            kind=EventKind.APPEAL_DECIDED,
            actor=actor,
            new={"appeal": appeal.pk, "decision": decision, "remedy": remedy},
            note=text,
        )
        reason = AppealDecision(decision).label
        customer_notify(
            complaint=complaint,
            event=NotificationEvent.CUSTOMER_APPEAL_DECIDED,
            occasion=f"appeal-{appeal.pk}",
            context={"reason": text, "decision": reason, "remedy": remedy},
        )
        if complaint.owner_id:
            notify_event(
                event=NotificationEvent.APPEAL,
                complaint=complaint,
                occasion=f"appeal-{appeal.pk}-decided",
                context={"reason": text[:200]},
                recipients=[complaint.owner],
            )
    return appeal
