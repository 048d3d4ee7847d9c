"""Registering and triaging a complaint."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from complaints.choices import EventKind, Stage
from complaints.models import Complaint, Department, ReferenceCounter
from complaints.models.complaint import INTAKE_FIELDS
from complaints.rules.reference import format_reference
from complaints.selectors.common import process_settings, registering_department_ids
from complaints.selectors.intake_forms import EffectiveForm
from complaints.services.attachments import attachment_add
from complaints.services.emotion import emotion_change, emotion_change_record
from complaints.services.errors import Refused, is_system
from complaints.services.events import event_record
from complaints.services.held_rows import (
    DRAWN_TASK_IDS,
    IDS_AT_ONCE,
    created_here,
    created_notes,
    held_rows,
    sequence_of,
)
from complaints.services.intake_forms import answers_store
from complaints.services.learning import suggestion_record


def reference_sequence(*, prefix: str, year: int) -> str:
    """The PostgreSQL sequence that numbers one prefix's year (the prefix is admin-set text, so it
    is spelt in hex to make a safe name)."""
    return f"complaints_reference_{prefix.encode().hex()}_{year}"


def reference_numbers(*, prefix: str, year: int, count: int = 1) -> int:
    """Reserves `count` consecutive reference numbers for the prefix's year and returns the first.

    On PostgreSQL the numbers come from a sequence per prefix and year (created on demand, starting
    after the `ReferenceCounter` row, which is where numbers were kept before and what SQLite still
    uses). A sequence is not part of the registration's transaction: numbers are never handed out
    twice, registrations run in parallel, and a registration that rolls back leaves a gap in the
    year's numbers (the events table records every complaint that was registered, so a gap means
    "nothing was registered", not "something was deleted"). On SQLite (`make run`), which writes
    one transaction at a time anyway, the counter row is locked until commit and there are no gaps.
    """
    return _numbers_drawn(prefix=prefix, year=year, count=count)[0]


def _numbers_drawn(*, prefix: str, year: int, count: int = 1, task_ids: int = 0) -> tuple[int, list[int]]:
    """`reference_numbers`, and on PostgreSQL `task_ids` ids of the task table drawn by the same
    statement (none elsewhere). Returns the first number and the ids."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
            counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
            counter.last += count
            counter.save(update_fields=["last"])
        return counter.last - count + 1, []
    name = reference_sequence(prefix=prefix, year=year)
    # One query draws, if the sequence exists (to_regclass: NULL when it does not, and the draw of
    # NULL is NULL); the year's first registration creates it, then draws. The task ids, if asked
    # for, are drawn by the same statement (each draw of a sequence is its own: the reference's
    # sequence and its guarantee are the same with or without them).
    ids = ", ARRAY(SELECT nextval(%s) FROM generate_series(1, %s))" if task_ids else ""
    draw = (
        f"SELECT setval(seq, nextval(seq) + %s - 1){ids} FROM to_regclass(%s) AS seq"  # noqa: S608 (our text; values are parameters)
        if count > 1
        else f"SELECT nextval(to_regclass(%s)){ids}"
    )
    also: list[str | int] = [sequence_of(Task), task_ids] if task_ids else []
    params: list[str | int] = [count, *also, name] if count > 1 else [name, *also]
    with connection.cursor() as cursor:
        cursor.execute(draw, params)
        last_drawn, *drawn = cursor.fetchone()
        for attempt in (1, 2):
            if last_drawn is not None:
                break
            # Created inside the caller's transaction: a concurrent first registration of the year
            # waits for it, then fails on the catalogue's unique index and finds the sequence.
            last = ReferenceCounter.objects.filter(prefix=prefix, year=year).values_list("last", flat=True).first()
            try:
                with transaction.atomic():
                    cursor.execute(f'CREATE SEQUENCE "{name}" START WITH {(last or 0) + 1}')
            except DatabaseError:
                if attempt == 2:
                    raise
            cursor.execute(draw, params)
            last_drawn, *drawn = cursor.fetchone()
    return last_drawn - count + 1, list(drawn[0]) if drawn else []


def reference_next(*, year: int, task_ids: int = 0) -> tuple[str, list[int]]:
    """Draws the next reference for the year (see `reference_numbers` for gaps and locking) and, on
    PostgreSQL, `task_ids` ids of the task table in the same statement (a registration's: its walk's
    tasks take them, held_rows.DRAWN_TASK_IDS). Returns the reference and the ids."""
    prefix = process_settings().reference_prefix
    number, ids = _numbers_drawn(prefix=prefix, year=year, task_ids=task_ids)
    return format_reference(prefix=prefix, year=year, number=number), ids


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
    contact. The customer's words are scored for emotion, and what the agent made of the model's
    suggestions (if a model is in use) is recorded."""
    if (
        not is_system(receiver)
        and not receiver.is_superuser
        and department.pk not in registering_department_ids(receiver)
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
    # Inside a transition that holds rows, the statement that draws the reference also draws the
    # ids of the tasks the complaint's start will hold, as the flows' lock does for a step's walk
    # (flows/lock.py): the complaint is new, no other transaction adds a task to it before this one
    # commits, so ids drawn before its row exists keep its tasks in order.
    year = timezone.localtime(complaint.received_at).year
    complaint.reference, task_ids = reference_next(year=year, task_ids=IDS_AT_ONCE if held_rows() else 0)
    # The customer's words are scored before the INSERT, which stores the reading with the rest.
    emotion = emotion_change(complaint=complaint, text=complaint.customer_words)
    if emotion is not None and emotion.changed:
        for field, value in emotion.new.items():
            setattr(complaint, field, value)
    complaint.save()
    created_here(complaint)
    notes = created_notes(Complaint, complaint.pk)
    if notes is not None and task_ids:
        notes[DRAWN_TASK_IDS] = task_ids  # for flows.nodes.SavedStartActivation
    event_record(
        complaint=complaint,
        kind=EventKind.REGISTERED,
        actor=receiver,
        new={
            "reference": complaint.reference,
            "department": department,
            "channel": complaint.channel,
            "forms": [str(version) for version in answer_form.versions] if answer_form else [],
        },
    )
    for upload in attachments:
        attachment_add(complaint=complaint, upload=upload, actor=receiver)
    # What the new complaint has none of yet, as Django's prefetch cache would hold it (the rows are
    # this transaction's): no customer link (customer_registered issues the first without asking)
    # and, with nothing answered, no answers and, being new, no notes (triage reads neither back).
    known: dict[str, Any] = {"customer_links": complaint.customer_links.none()}
    if answer_form is not None and answer_form.versions:  # no form: no answers, and a new complaint has no versions
        answers_store(complaint=complaint, form=answer_form, answers=answers or {}, actor=receiver)
    else:
        known.update(answers=[], notes=[])
    complaint._prefetched_objects_cache = {**getattr(complaint, "_prefetched_objects_cache", {}), **known}  # type: ignore[attr-defined]
    if emotion is not None and emotion.changed:
        emotion_change_record(complaint=complaint, change=emotion, trigger="intake", actor=receiver)
    suggestion_record(complaint=complaint, actor=receiver)
    return complaint
