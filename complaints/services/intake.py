"""Registering and triaging a complaint."""

import mimetypes
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from complaints.choices import EventKind, Stage
from complaints.models import (
    Attachment,
    Complaint,
    Department,
    EscalationLevel,
    Priority,
    ReferenceCounter,
)
from complaints.rules.reference import format_reference
from complaints.rules.triage import PriorityRow, triage
from complaints.selectors import process_settings
from complaints.services.events import event_record

INTAKE_FIELDS = (
    "customer_name",
    "customer_phone",
    "contact_person",
    "category",
    "product_model",
    "batch_number",
    "order_number",
    "plate_or_vin",
    "purchase_date",
    "occurred_at",
    "occurred_place",
    "customer_words",
    "handler_understanding",
    "risk_flagged",
    "demand",
    "demand_detail",
    "requested_amount",
    "emotion",
    "channel",
    "received_at",
    "promised_response_at",
)


class ConfigurationMissing(Exception):
    """The admin has not set up what this step needs (priorities, levels)."""


def reference_next(*, year: int) -> str:
    """Draws the next reference number for the year; the counter row is locked until commit."""
    prefix = process_settings().reference_prefix
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
        counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return format_reference(prefix=prefix, year=year, number=counter.last)


def attachment_add(*, complaint: Complaint, upload: UploadedFile, actor: Any) -> Attachment:
    """Stores one uploaded file (already validated by the form) and records it."""
    content_type = upload.content_type or mimetypes.guess_type(upload.name or "")[0] or ""
    attachment = Attachment.objects.create(
        complaint=complaint,
        file=upload,
        name=(upload.name or "")[:200],
        content_type=content_type[:100],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    event_record(complaint=complaint, kind=EventKind.ATTACHMENT, actor=actor, new={"name": attachment.name})
    return attachment


def complaint_register(
    *,
    complaint: Complaint,
    data: dict[str, Any],
    department: Department,
    receiver: Any,
    attachments: Iterable[UploadedFile] = (),
) -> Complaint:
    """Fills a new complaint from validated intake data, gives it a reference and saves it.
    The first handler (the receiver) becomes the case owner and stays the customer's contact."""
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
        new={"reference": complaint.reference, "department": department.name, "channel": complaint.channel},
    )
    for upload in attachments:
        attachment_add(complaint=complaint, upload=upload, actor=receiver)
    return complaint


def _priority_row(priority: Priority) -> PriorityRow:
    return PriorityRow(
        id=priority.pk,
        rank=priority.rank,
        first_response_minutes=priority.first_response_minutes,
        resolution_hours=priority.resolution_hours,
    )


def complaint_triage(*, complaint: Complaint) -> Complaint:
    """Sets priority, starting level and deadlines from the admin's values and records the signals."""
    config = process_settings()
    default = config.default_priority or Priority.objects.order_by("-rank").first()
    risk = config.risk_priority or Priority.objects.order_by("rank").first()
    levels = list(EscalationLevel.objects.order_by("rank"))
    if default is None or risk is None or not levels:
        raise ConfigurationMissing("Define priorities and escalation levels in the admin first.")
    result = triage(
        risk_flagged=complaint.risk_flagged,
        received_at=complaint.received_at or timezone.now(),
        default_priority=_priority_row(default),
        risk_priority=_priority_row(risk),
    )
    old = {"priority": complaint.priority_id, "level": complaint.level_id}
    complaint.priority_id = result.priority_id
    complaint.level = levels[-1] if result.top_level else levels[0]
    complaint.first_response_due = result.first_response_due
    complaint.resolution_due = result.resolution_due
    complaint.save(update_fields=["priority", "level", "first_response_due", "resolution_due"])
    event_record(
        complaint=complaint,
        kind=EventKind.TRIAGED,
        old=old,
        new={
            "priority": str(complaint.priority),
            "level": str(complaint.level),
            "first_response_due": result.first_response_due.isoformat(),
            "resolution_due": result.resolution_due.isoformat(),
            "signals": list(result.signals),
        },
    )
    return complaint
