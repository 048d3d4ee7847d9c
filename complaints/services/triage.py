"""Triage: priority, starting level, department, signals and deadlines, at intake and again when the
facts change; with the P0 alert, repeat complaints and demands above authority."""

from contextlib import suppress
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import EscalationReason, EscalationTrigger, EventKind, NotificationEvent, Outcome, Signal, Stage
from complaints.models import Complaint, Escalation
from complaints.rules.signals import detect_signals
from complaints.selectors.common import process_settings
from complaints.selectors.routing import TriageRoute, triage_decision, triage_route
from complaints.selectors.triage import earlier_complaints, signal_facts, signal_policy
from complaints.services.approvals import ApprovalRefused, compensation_propose
from complaints.services.batch import complaint_batch_check
from complaints.services.clocks import complaint_clocks_sync
from complaints.services.customer import customer_registered
from complaints.services.escalation import EscalationRefused, complaint_escalate
from complaints.services.events import event_record
from complaints.services.notify import notify_event
from complaints.services.transitions import transition


def _stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def complaint_triage(*, complaint: Complaint) -> Complaint:
    """Sets department, priority, starting level, stage profile, signals and deadlines from the
    signals, the routing rules and the level's limits, and records why. Then: a P0 alerts its
    notify list; a repeat complaint escalates the customer's open complaints about the same issue;
    a demand above the level's authority asks the level that covers it for approval; a complaint of
    a batch is linked to its investigation, which opens at the admin's threshold."""
    received_at = complaint.received_at or timezone.now()
    decision = triage_decision(complaint=complaint, department=complaint.department, at=received_at)
    old = {"priority": complaint.priority_id, "level": complaint.level_id, "department": complaint.department_id}
    complaint.department = decision.department
    complaint.priority = decision.priority
    complaint.level = decision.level
    complaint.start_level = decision.level
    complaint.level_entered_at = received_at
    complaint.stage_profile = decision.profile
    complaint.signals = decision.signal_codes
    complaint.first_response_due = decision.deadlines.first_response_due
    complaint.response_due = decision.deadlines.response_due
    complaint.resolution_due = decision.deadlines.resolution_due
    complaint.save(
        update_fields=[
            "department",
            "priority",
            "level",
            "start_level",
            "level_entered_at",
            "stage_profile",
            "signals",
            "first_response_due",
            "response_due",
            "resolution_due",
        ]
    )
    due = decision.deadlines
    event_record(
        complaint=complaint,
        kind=EventKind.TRIAGED,
        old=old,
        new={
            "priority": decision.priority,
            "level": decision.level,
            "department": decision.department or "",
            "rule": decision.rule.name,
            "matching_rules": [r.name for r in decision.matching_rules],
            "signals": [f"{hit.code}: {hit.detail}" if hit.detail else hit.code for hit in decision.signals],
            "stage_profile": str(decision.profile) if decision.profile else "",
            "first_response_due": _stamp(due.first_response_due),
            "response_due": _stamp(due.response_due),
            "resolution_due": _stamp(due.resolution_due),
            "business_time": due.business_time,
            "gaps": due.gaps,
        },
    )
    complaint_clocks_sync(complaint=complaint)
    if decision.priority.alert:
        p0_alert(complaint=complaint)
    if Signal.REPEAT in decision.signal_codes:
        _escalate_earlier(complaint=complaint)
    if Signal.OVER_AUTHORITY in decision.signal_codes and complaint.requested_amount is not None:
        # No level may grant it: the triage record shows the signal and a person decides.
        with suppress(ApprovalRefused):
            compensation_propose(
                complaint=complaint,
                actor=complaint.receiver,
                amount=complaint.requested_amount,
                purpose=_("The customer's demand at intake: %(demand)s %(detail)s")
                % {"demand": complaint.get_demand_display(), "detail": complaint.demand_detail},
                trigger=EscalationTrigger.TRIAGE,
                check_actor=False,
            )
    complaint_batch_check(complaint=complaint)
    customer_registered(complaint=complaint)
    return complaint


def p0_alert(*, complaint: Complaint) -> int:
    """Alerts the P0 notify list at once; each message must be out within the admin's minutes and
    records when it was sent. Returns how many people were alerted."""
    sent = notify_event(
        event=NotificationEvent.P0_ALERT,
        complaint=complaint,
        occasion="p0",
        within_minutes=process_settings().p0_alert_minutes,
    )
    return len(sent)


def _escalate_earlier(*, complaint: Complaint) -> list[Escalation]:
    """A new repeat complaint escalates the customer's open complaints about the same issue that sit
    below the level the new one starts at, up to that level (so a customer's tenth call does not
    push every earlier case one more rung up)."""
    moved: list[Escalation] = []
    if complaint.level is None:
        return moved
    earlier = (
        earlier_complaints(complaint=complaint, at=complaint.received_at or timezone.now())
        .filter(outcome=Outcome.OPEN, level__rank__lt=complaint.level.rank)
        .exclude(stage=Stage.CLOSED)
    )
    for other in earlier:
        try:
            moved.append(
                complaint_escalate(
                    complaint=other,
                    reason=EscalationReason.OTHER,
                    trigger=EscalationTrigger.REPEAT,
                    note=_("The customer complained again: %(reference)s.") % {"reference": complaint.reference},
                    to_level=complaint.level,
                )
            )
        except EscalationRefused:
            continue
    return moved


@transition
def complaint_retriage(*, complaint: Complaint, trigger: str, actor: Any = None) -> Escalation | None:
    """Runs triage again after the facts changed (a note, an edit). When new signals appear they
    are recorded, a more urgent priority is taken and a higher level than the current one
    escalates the complaint there. Nothing is ever lowered automatically, and without new signals
    nothing moves (a supervisor's send-back stands). Returns the escalation, if any."""
    if complaint.level is None or complaint.outcome != Outcome.OPEN or complaint.stage == Stage.CLOSED:
        return None
    at = complaint.received_at or timezone.now()
    known = set(complaint.signals or [])
    facts = signal_facts(complaint=complaint, at=at)
    found = {hit.code for hit in detect_signals(facts, signal_policy())}
    if found <= known and (complaint.requested_amount is None or Signal.OVER_AUTHORITY.value in known):
        # Same facts as before (routing can add no signal but "over authority", which needs a
        # demand): nothing moves, so the rules and deadlines are not read.
        return None
    decision: TriageRoute = triage_route(complaint=complaint, department=complaint.department, at=at, facts=facts)
    new_codes = [code for code in decision.signal_codes if code not in known]
    if not new_codes:
        # Same facts as before: a supervisor's earlier send-back stands.
        return None
    if new_codes:
        old = list(complaint.signals or [])
        complaint.signals = old + new_codes
        complaint.save(update_fields=["signals"])
        event_record(
            complaint=complaint,
            kind=EventKind.SIGNALS,
            actor=actor,
            old={"signals": old},
            new={
                "signals": complaint.signals,
                "found": [
                    f"{h.code}: {h.detail}" if h.detail else h.code for h in decision.signals if h.code in new_codes
                ],
                "trigger": trigger,
            },
        )
    if complaint.priority is not None and decision.priority.rank < complaint.priority.rank:
        old_priority = complaint.priority
        complaint.priority = decision.priority
        complaint.save(update_fields=["priority"])
        event_record(
            complaint=complaint,
            kind=EventKind.PRIORITY_RAISED,
            actor=actor,
            old={"priority": old_priority},
            new={"priority": decision.priority, "trigger": trigger},
        )
        if decision.priority.alert and not old_priority.alert:
            p0_alert(complaint=complaint)
    if decision.level.rank > complaint.level.rank:
        return complaint_escalate(
            complaint=complaint,
            actor=actor,
            reason=EscalationReason.RISK,
            trigger=trigger,
            note=_("Triage now places the complaint at %(level)s (signals: %(signals)s).")
            % {"level": decision.level, "signals": ", ".join(decision.signal_codes) or "—"},
            to_level=decision.level,
        )
    return None
