"""Registering and triaging a complaint."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from complaints.choices import EventKind, Stage
from complaints.models import Complaint, Department, ReferenceCounter
from complaints.models.complaint import INTAKE_FIELDS
from complaints.rules.reference import format_reference
from complaints.selectors import process_settings
from complaints.selectors.intake_forms import EffectiveForm
from complaints.selectors.routing import triage_decision
from complaints.services.attachments import attachment_add
from complaints.services.events import event_record
from complaints.services.intake_forms import answers_store


def reference_next(*, year: int) -> str:
    """Draws the next reference number for the year; the counter row is locked until commit."""
    prefix = process_settings().reference_prefix
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
        counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return format_reference(prefix=prefix, year=year, number=counter.last)


def complaint_register(
    *,
    complaint: Complaint,
    data: dict[str, Any],
    department: Department,
    receiver: Any,
    attachments: Iterable[UploadedFile] = (),
    answer_form: EffectiveForm | None = None,
    answers: Mapping[str, Any] | None = None,
) -> Complaint:
    """Fills a new complaint from validated intake data, gives it a reference and saves it, with
    the answers to its category's questions (`answer_form` is the form they were validated
    against). The first handler (the receiver) becomes the case owner and stays the customer's
    contact."""
    for field in INTAKE_FIELDS:
        if field in data:
            setattr(complaint, field, data[field])
    complaint.received_at = complaint.received_at or timezone.now()
    complaint.receiver = receiver
    complaint.owner = receiver
    complaint.department = department
    complaint.stage = Stage.INTAKE
    complaint.reference = reference_next(year=timezone.localtime(complaint.received_at).year)
    complaint.save()
    event_record(
        complaint=complaint,
        kind=EventKind.REGISTERED,
        actor=receiver,
        new={
            "reference": complaint.reference,
            "department": department.name,
            "channel": complaint.channel,
            "forms": [str(version) for version in answer_form.versions] if answer_form else [],
        },
    )
    for upload in attachments:
        attachment_add(complaint=complaint, upload=upload, actor=receiver)
    if answer_form is not None:
        answers_store(complaint=complaint, form=answer_form, answers=answers or {}, actor=receiver)
    return complaint


def complaint_triage(*, complaint: Complaint) -> Complaint:
    """Sets department, priority, starting level, stage profile and deadlines from the routing
    rules and the level's limits, and records which rules matched."""
    received_at = complaint.received_at or timezone.now()
    decision = triage_decision(complaint=complaint, department=complaint.department, at=received_at)
    old = {
        "priority": complaint.priority_id,
        "level": complaint.level_id,
        "department": complaint.department_id,
    }
    complaint.department = decision.department
    complaint.priority = decision.priority
    complaint.level = decision.level
    complaint.level_entered_at = received_at
    complaint.stage_profile = decision.profile
    complaint.first_response_due = decision.deadlines.first_response_due
    complaint.response_due = decision.deadlines.response_due
    complaint.resolution_due = decision.deadlines.resolution_due
    complaint.save(
        update_fields=[
            "department",
            "priority",
            "level",
            "level_entered_at",
            "stage_profile",
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
            "priority": str(decision.priority),
            "level": str(decision.level),
            "department": str(decision.department) if decision.department else "",
            "rule": decision.rule.name,
            "matching_rules": [r.name for r in decision.matching_rules],
            "stage_profile": str(decision.profile) if decision.profile else "",
            "first_response_due": due.first_response_due.isoformat() if due.first_response_due else None,
            "response_due": due.response_due.isoformat() if due.response_due else None,
            "resolution_due": due.resolution_due.isoformat() if due.resolution_due else None,
            "business_time": due.business_time,
            "gaps": due.gaps,
            "signals": decision.signals,
        },
    )
    return complaint
