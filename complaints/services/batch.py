"""Batch investigations: opening one at the admin's threshold or when quality marks a batch issue,
linking the batch's complaints, the outreach list (complaints and imported deliveries), each
customer's progress, the deliveries CSV import and closing."""

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import (
    BatchEventKind,
    BatchOpenedBy,
    BatchStatus,
    DeliveryIdentifier,
    EventKind,
    OutreachState,
)
from complaints.forms.fields import normalise_phone
from complaints.models import BatchEvent, BatchInvestigation, Complaint, Delivery, OutreachContact
from complaints.rules.batch import (
    BatchKey,
    DeliveryRow,
    customer_key,
    outreach_move_allowed,
    read_delivery_rows,
    threshold_reached,
)
from complaints.selectors.batch import (
    batch_complaints,
    batch_deliveries,
    complaint_batch_key,
    complaint_identifier,
    is_batch_investigator,
    open_investigation,
)
from complaints.services.errors import Refused
from complaints.services.events import acting_user, event_record

STATE_LABELS = dict(OutreachState.choices)


class BatchRefused(Refused):
    """The batch action cannot be done as asked; the message says why (translated)."""


class DeliveriesRefused(Refused):
    """The deliveries file has bad rows; nothing was imported. `errors` lists (line, reason)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__("\n".join(f"{line}: {reason}" for line, reason in errors))
        self.errors = errors


def batch_event(
    *,
    investigation: BatchInvestigation,
    kind: str,
    actor: Any = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    note: str = "",
) -> BatchEvent:
    """Appends one event to the investigation's history and returns it."""
    return BatchEvent.objects.create(
        investigation=investigation, kind=kind, actor=acting_user(actor), old=old or {}, new=new or {}, note=note
    )


def _lock_batch(key: str) -> None:
    """Serialises work on one batch until the transaction ends: two complaints of the batch
    registered at once are counted one after the other, so the threshold is never missed and only
    one investigation opens. (SQLite runs one writing transaction at a time anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"redress-batch:{key}"])


def complaint_batch_check(*, complaint: Complaint) -> BatchInvestigation | None:
    """Called once at triage. Links the complaint to its batch's open investigation, or opens one
    when the batch reaches the admin's threshold (linking every complaint of the batch). Returns
    the investigation, or None when the complaint has no batch or the batch is below threshold.
    Idempotent: running it again changes nothing."""
    from complaints.selectors.common import process_settings

    key = complaint_batch_key(complaint)
    if key is None:
        return None
    with transaction.atomic():
        _lock_batch(key.key)
        investigation = open_investigation(key.key)
        if investigation is not None:
            investigation_link(investigation=investigation, complaint=complaint)
            return investigation
        members = list(batch_complaints(key).order_by("received_at", "pk"))
        if not threshold_reached(complaints=len(members), threshold=process_settings().batch_threshold):
            return None
        return _open(key=key, how=BatchOpenedBy.THRESHOLD, actor=None, complaints=members, note="")


def complaint_mark_batch(*, complaint: Complaint, actor: Any, note: str = "") -> BatchInvestigation:
    """A quality engineer marks the complaint's defect as a batch issue: an investigation of its
    batch opens below the threshold (or the complaint joins the one already open). Refused for
    someone who may not investigate and for a complaint without batch number or model and
    delivery date."""
    if not is_batch_investigator(actor):
        raise BatchRefused(_("Only quality engineers may mark a batch issue."))
    key = complaint_batch_key(complaint)
    if key is None:
        raise BatchRefused(
            _("The complaint names no batch number, nor a product model with a delivery date: there is no batch.")
        )
    with transaction.atomic():
        _lock_batch(key.key)
        investigation = open_investigation(key.key)
        if investigation is not None:
            investigation_link(investigation=investigation, complaint=complaint, actor=actor)
            return investigation
        members = list(batch_complaints(key).order_by("received_at", "pk"))
        if complaint not in members:
            members.append(complaint)
        return _open(key=key, how=BatchOpenedBy.MARKED, actor=actor, complaints=members, note=note)


def _open(*, key: BatchKey, how: str, actor: Any, complaints: list[Complaint], note: str) -> BatchInvestigation:
    try:
        with transaction.atomic():
            investigation = BatchInvestigation.objects.create(
                key=key.key,
                batch_number=key.batch_number,
                product_model=key.product_model,
                window_start=key.window_start,
                window_end=key.window_end,
                opened_how=how,
                opened_by=acting_user(actor),
                note=note,
            )
    except IntegrityError:
        # Opened meanwhile outside the batch lock (another database session): join it.
        existing = open_investigation(key.key)
        if existing is None:
            raise
        for complaint in complaints:
            investigation_link(investigation=existing, complaint=complaint, actor=actor)
        return existing
    batch_event(
        investigation=investigation,
        kind=BatchEventKind.OPENED,
        actor=actor,
        new={"key": key.key, "how": how, "complaints": [c.reference for c in complaints]},
        note=note,
    )
    for number, complaint in enumerate(complaints):
        # The first link carries the opening (webhooks' "batch investigation opened", api.outbound).
        opened = {"key": key.key, "complaints": [c.reference for c in complaints]} if number == 0 else None
        investigation_link(investigation=investigation, complaint=complaint, actor=actor, batch_opened=opened)
    outreach_fill(investigation=investigation)
    return investigation


def investigation_link(
    *,
    investigation: BatchInvestigation,
    complaint: Complaint,
    actor: Any = None,
    batch_opened: dict[str, Any] | None = None,
) -> bool:
    """Links a complaint to the investigation and puts its customer on the outreach list; returns
    False (and writes nothing) when it was linked already."""
    if investigation.complaints.filter(pk=complaint.pk).exists():
        return False
    investigation.complaints.add(complaint)
    event_record(
        complaint=complaint,
        kind=EventKind.BATCH_LINKED,
        actor=actor,
        new={
            "investigation": str(investigation),
            "opened": investigation.get_opened_how_display(),
            **({"batch_opened": {"id": investigation.pk, **batch_opened}} if batch_opened else {}),
        },
    )
    batch_event(
        investigation=investigation,
        kind=BatchEventKind.LINKED,
        actor=actor,
        new={"complaint": complaint.reference},
    )
    identifier = complaint_identifier(complaint)
    _contact_add(
        investigation=investigation,
        key=customer_key(plate_or_vin=identifier, phone=complaint.customer_phone),
        fields={
            "complaint": complaint,
            "customer_name": complaint.customer_name,
            "phone": complaint.customer_phone,
            "plate_or_vin": identifier,
        },
    )
    return True


def _contact_add(*, investigation: BatchInvestigation, key: str, fields: dict[str, Any]) -> OutreachContact:
    """Adds a customer to the outreach list, or completes the one with the same vehicle or phone
    (a complaint and a delivery of one car are one contact)."""
    contact, created = OutreachContact.objects.get_or_create(
        investigation=investigation, customer_key=key, defaults=fields
    )
    if not created:
        missing = {name: value for name, value in fields.items() if getattr(contact, name) in (None, "")}
        if missing:
            OutreachContact.objects.filter(pk=contact.pk).update(**missing)
    return contact


def outreach_fill(*, investigation: BatchInvestigation) -> int:
    """Puts every imported delivery of the investigation's batch on its outreach list (customers
    already on it are completed, not added twice). Returns how many contacts were added."""
    existing = {c.customer_key: c for c in OutreachContact.objects.filter(investigation=investigation)}
    new: dict[str, OutreachContact] = {}
    for delivery in batch_deliveries(investigation).order_by("pk"):
        key = customer_key(plate_or_vin=delivery.plate_or_vin, phone=delivery.phone)
        if key in existing:
            contact = existing[key]
            if contact.delivery_id is None:
                OutreachContact.objects.filter(pk=contact.pk, delivery__isnull=True).update(delivery=delivery)
            continue
        if key in new:
            continue
        new[key] = OutreachContact(
            investigation=investigation,
            customer_key=key,
            delivery=delivery,
            customer_name=delivery.customer_name,
            phone=delivery.phone,
            plate_or_vin=delivery.plate_or_vin,
        )
    OutreachContact.objects.bulk_create(new.values(), ignore_conflicts=True)
    return len(new)


def outreach_move(
    *, contact: OutreachContact, actor: Any, seen_state: str, new_state: str, note: str = ""
) -> OutreachContact:
    """Moves one customer's outreach to its next state (rules.batch.outreach_next) with a note.
    A conditional update: when two people move the same contact at once, one wins and the other
    is refused with the state it has now. Returns the updated contact."""
    if not is_batch_investigator(actor):
        raise BatchRefused(_("Only quality engineers record the outreach."))
    if contact.investigation.status != BatchStatus.OPEN:
        raise BatchRefused(_("The investigation is closed."))
    if not outreach_move_allowed(old=seen_state, new=new_state):
        raise BatchRefused(
            _("A contact cannot go from “%(old)s” to “%(new)s”.")
            % {"old": STATE_LABELS.get(seen_state, seen_state), "new": STATE_LABELS.get(new_state, new_state)}
        )
    now = timezone.now()
    with transaction.atomic():
        moved = OutreachContact.objects.filter(pk=contact.pk, state=seen_state).update(
            state=new_state, note=note or contact.note, updated_by=acting_user(actor), updated_at=now
        )
        if not moved:
            contact.refresh_from_db()
            raise BatchRefused(
                _("Someone else changed %(name)s meanwhile: the contact is now “%(state)s”.")
                % {"name": contact.customer_name, "state": contact.get_state_display()}
            )
        batch_event(
            investigation=contact.investigation,
            kind=BatchEventKind.CONTACT,
            actor=actor,
            old={"contact": contact.pk, "state": seen_state},
            new={"contact": contact.pk, "state": new_state, "customer": contact.customer_name},
            note=note,
        )
    contact.refresh_from_db()
    return contact


def investigation_close(*, investigation: BatchInvestigation, actor: Any, note: str = "") -> BatchInvestigation:
    """Closes an open investigation (conditional update: closing twice is refused, not repeated)."""
    if not is_batch_investigator(actor):
        raise BatchRefused(_("Only quality engineers close an investigation."))
    with transaction.atomic():
        closed = BatchInvestigation.objects.filter(pk=investigation.pk, status=BatchStatus.OPEN).update(
            status=BatchStatus.CLOSED, closed_by=acting_user(actor), closed_at=timezone.now()
        )
        if not closed:
            raise BatchRefused(_("The investigation is already closed."))
        batch_event(
            investigation=investigation,
            kind=BatchEventKind.CLOSED,
            actor=actor,
            old={"status": BatchStatus.OPEN.value},
            new={"status": BatchStatus.CLOSED.value},
            note=note,
        )
    investigation.refresh_from_db()
    return investigation


@dataclass(frozen=True)
class DeliveriesImported:
    created: int
    updated: int
    contacts_added: int
    investigations: int


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from error


def deliveries_read(*, data: bytes, identifier: str = DeliveryIdentifier.PLATE_OR_VIN) -> list[DeliveryRow]:
    """Reads and checks a deliveries CSV (UTF-8, with or without a byte-order mark; GB18030 as
    spreadsheet programs in China save it) whose items are identified by the `identifier` column
    (the category's). Raises DeliveriesRefused listing every bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise DeliveriesRefused([(1, _("The file is not text in UTF-8 or GB18030."))]) from None
    if "\x00" in text:  # the database cannot store it; a spreadsheet never writes it
        line = text[: text.index("\x00")].count("\n") + 1
        raise DeliveriesRefused([(line, _("The file contains a NUL character; save it again as CSV text."))])
    reader = csv.reader(io.StringIO(text))
    lines = []
    try:
        for cells in reader:
            lines.append((reader.line_num, cells))
    except csv.Error as error:
        raise DeliveriesRefused(
            [(reader.line_num, _("Not a readable CSV line: %(error)s") % {"error": error})]
        ) from None
    parsed = read_delivery_rows(lines, phone=_phone, identifier=identifier)
    if parsed.errors:
        raise DeliveriesRefused(parsed.errors)
    return parsed.rows


def deliveries_import(
    *, data: bytes, actor: Any, identifier: str = DeliveryIdentifier.PLATE_OR_VIN
) -> DeliveriesImported:
    """Imports a deliveries CSV in one transaction: every row is checked first and a file with any
    bad row imports nothing (DeliveriesRefused lists each bad line and why). Items are identified
    by the `identifier` column (the category's: plate/VIN, serial number or customer PO). Rows
    already known (same batch and identifier) are updated, not added twice. The outreach lists of the open
    investigations of those batches are filled. Returns what happened."""
    if not is_batch_investigator(actor):
        raise BatchRefused(_("Only quality engineers import deliveries."))
    rows = deliveries_read(data=data, identifier=identifier)
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            _delivery, was_created = Delivery.objects.update_or_create(
                batch_number=row.batch_number,
                plate_or_vin=row.plate_or_vin,
                defaults={
                    "product_model": row.product_model,
                    "production_date": row.production_date,
                    "customer_name": row.customer_name,
                    "phone": row.phone,
                    "delivery_date": row.delivery_date,
                    "imported_by": acting_user(actor),
                },
            )
            created += was_created
            updated += not was_created
        batches = {row.batch_number for row in rows}
        models = {row.product_model for row in rows if row.product_model}
        touched = BatchInvestigation.objects.filter(status=BatchStatus.OPEN).filter(
            batch_number__in=batches
        ) | BatchInvestigation.objects.filter(status=BatchStatus.OPEN, batch_number="", product_model__in=models)
        added = 0
        investigations = list(touched.distinct())
        for investigation in investigations:
            count = outreach_fill(investigation=investigation)
            added += count
            batch_event(
                investigation=investigation,
                kind=BatchEventKind.IMPORTED,
                actor=actor,
                new={"rows": len(rows), "created": created, "updated": updated, "contacts_added": count},
            )
    return DeliveriesImported(
        created=created, updated=updated, contacts_added=added, investigations=len(investigations)
    )
