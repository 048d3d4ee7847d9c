"""Registering and triaging a complaint."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import EventKind, Stage
from complaints.models import Complaint, Department, ReferenceCounter
from complaints.models.complaint import INTAKE_FIELDS
from complaints.rules.reference import format_reference
from complaints.selectors.common import process_settings, registering_departments
from complaints.selectors.intake_forms import EffectiveForm
from complaints.services.attachments import attachment_add
from complaints.services.errors import Refused, is_system
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
    if (
        not is_system(receiver)
        and not receiver.is_superuser
        and not registering_departments(receiver).filter(pk=department.pk).exists()
    ):
        raise Refused(_("You may not register complaints for %(department)s.") % {"department": department})
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
