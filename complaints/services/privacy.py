"""Writes behind privacy: the access log, reveals with a reason, retention and a person's request
(export or erase everything held about one phone number)."""

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from complaints.choices import EventKind, Outcome, Stage
from complaints.models import (
    AccessLog,
    Answer,
    Appeal,
    Attachment,
    CollaborationRequest,
    Complaint,
    ComplaintEvent,
    CustomerContact,
    Delivery,
    Escalation,
    Notification,
    OutreachContact,
)
from complaints.rules import privacy as rules
from complaints.selectors.common import complaints_visible_to
from complaints.selectors.privacy import (
    EXPORT_PERSONAL_DATA,
    contact_policy,
    held_about_phone,
    known_details,
    mask_json,
    may_see_contact,
    phone_forms,
    privacy_policy,
    shield,
    shield_package,
    shield_rows,
    shield_timeline,
)
from complaints.selectors.together import batches_statements, statements_together
from complaints.services.errors import Refused
from complaints.services.events import acting_user
from complaints.services.held_rows import insert_sql

logger = logging.getLogger(__name__)


HOLD_PERMISSION = "complaints.change_complaint"
REQUEST_PERMISSION = "complaints.answer_privacy_request"  # export or erase what is held about a phone


class PrivacyRefused(Refused):
    """A reveal, an export or an erasure that is not allowed."""


def access_record(
    *, user: Any, complaints: Iterable[Any], kind: str, reason: str = "", until: Any = None
) -> list[AccessLog]:
    """Appends one access-log row per complaint (one INSERT, however many): who saw full contact
    details of which case, when and why. Nothing is written for no complaints."""
    user_id = getattr(user, "pk", None)
    rows = [
        AccessLog(user_id=user_id, complaint_id=getattr(c, "pk", c), kind=kind, reason=reason[:300], until=until)
        for c in complaints
    ]
    return _append(rows) if rows else []


# The access log's rows of a page that only reads (a list, a search, a complaint's page) are its
# only write, in a transaction of their own: committed without waiting for the disk (PostgreSQL's
# asynchronous commit, for that transaction alone), they cost a round trip instead of a flush of
# the write-ahead log (0.5-4 ms a page, the larger share of a searched list's database time). The
# row is written and visible at once, and survives anything but a crash of the database server in
# the following fraction of a second (3 x wal_writer_delay: 0.6 s by default). A row written
# inside a transaction (a step, a reveal) commits with it, as durably as the rest.
ASYNC_COMMIT = "SELECT set_config('synchronous_commit', 'off', true)"


def _append(rows: list[AccessLog]) -> list[AccessLog]:
    if connection.in_atomic_block or not batches_statements(connection.alias):  # (PostgreSQL's alone)
        return AccessLog.objects.bulk_create(rows)
    fields = [f for f in AccessLog._meta.concrete_fields if not f.primary_key]
    statement, params = insert_sql(AccessLog, rows, fields, returning=AccessLog._meta.pk)
    # One round trip: one implicit transaction for both statements.
    _, inserted = statements_together(connection.alias, [(ASYNC_COMMIT, []), (statement, list(params))], prepare=True)
    ids = [row[0] for row in inserted]
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding, row._state.db = False, connection.alias
    return rows


def list_seen(
    *, user: Any, complaints: Iterable[Any], where: str, search: str = "", rows_in_full: int = 0
) -> AccessLog | None:
    """Logs one page of a list or a search (the worklists, the admin's lists of complaints, messages
    and deliveries): one row per page view, not per complaint, with the references of the complaints
    it showed in full and the search term (a phone number typed into a search is a look at personal
    data, whatever the page then shows). `rows_in_full` counts rows of personal data the page showed
    in full that are no complaint (a delivery's owner, an outreach contact). Nothing is written for a
    page that showed nobody in full and searched nothing."""
    policy = contact_policy(user)
    full = list(dict.fromkeys(c.reference or str(c.pk) for c in complaints if c is not None and policy.sees(c)))
    search = (search or "").strip()
    if not full and not search and not rows_in_full:
        return None
    if rows_in_full:
        where = _("%(list)s (%(count)d rows in full)") % {"list": where, "count": rows_in_full}
    reason = _("%(list)s, search “%(term)s”") % {"list": where, "term": search} if search else where
    row = AccessLog(user=acting_user(user), kind=AccessLog.Kind.LIST, reason=reason[:300], references=full)
    return _append([row])[0]


def complaints_seen_in_full(*, user: Any, complaints: Iterable[Complaint], kind: str) -> list[Complaint]:
    """Logs, in one INSERT, the complaints of a page, list, export or API answer this user sees in
    full; returns them."""
    policy = contact_policy(user)
    full = [c for c in complaints if policy.sees(c)]
    access_record(user=user, complaints=full, kind=kind)
    return full


def complaints_export_table(
    *, user: Any, queryset: QuerySet[Complaint], language: str
) -> tuple[list[str], Iterable[list[str]]]:
    """The CSV table of an export (the admin's action, `manage.py complaints_export --user`): only
    the complaints the user may see; personal data only for holders of the export permission (the
    export logged, one row per complaint in one INSERT), the same columns masked for everyone else
    and for an export on nobody's behalf."""
    from complaints.selectors.export import EXPORT_CHUNK, complaint_table

    queryset = queryset.filter(pk__in=complaints_visible_to(user).values("pk")) if user is not None else queryset
    personal = user is not None and user.is_active and user.has_perm(EXPORT_PERSONAL_DATA)
    if personal:
        # A chunk of rows at a time: a row object per complaint of a million, held at once, took the
        # worker 1.2 GB.
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), EXPORT_CHUNK):
            access_record(user=user, complaints=ids[start : start + EXPORT_CHUNK], kind=AccessLog.Kind.EXPORT)
    return complaint_table(queryset, language=language, personal=personal)


# The texts of the records a complaint page shows with the complaint, masked for a masked reader.
SHOWN_WITH_COMPLAINT = {
    "contacts": ("summary", "promise"),
    "notes": ("text",),
    "collaborations": ("question", "answer"),
    "actions": ("description", "evidence"),
}
ANALYSIS_TEXTS = ("what", "why", "who", "where", "when", "how", "how_much", "description")


def complaint_shown(*, user: Any, complaint: Complaint, context: dict[str, Any]) -> dict[str, Any]:
    """What a complaint page shows of the customer: the complaint, its timeline and the records
    shown with it (contacts, notes, questions, actions, analysis) as this reader may see them;
    whether in full (then the look is logged); whether they may reveal them. Returns the context
    entries to replace."""
    policy = contact_policy(user)
    full = policy.sees(complaint)
    if full:
        access_record(user=user, complaints=[complaint], kind=AccessLog.Kind.VIEW)
    shown: dict[str, Any] = {
        "process": shield(complaint, full=full),
        "timeline": shield_timeline(context.get("timeline"), complaint=complaint, full=full),
        "contact_full": full,
        "may_reveal": not full and policy.may_reveal(complaint),
    }
    for key, fields in SHOWN_WITH_COMPLAINT.items():
        if context.get(key) is not None:
            shown[key] = shield_rows(context[key], fields=fields, complaint=complaint, full=full)
    if context.get("analysis") is not None:
        (shown["analysis"],) = shield_rows([context["analysis"]], fields=ANALYSIS_TEXTS, complaint=complaint, full=full)
    return shown


def eight_d_for(*, user: Any, complaint: Complaint, export: bool) -> tuple[Complaint, Any]:
    """The complaint and its 8D report as this reader sees them (the page, or its PDF when
    `export`): in full for a reader who sees the case in full (and, for an export, holds the export
    permission), the look logged; otherwise masked, the analysis and actions' texts included."""
    from complaints.selectors.quality import eight_d

    full = may_see_contact(user, complaint) and (not export or user.has_perm(EXPORT_PERSONAL_DATA))
    if full:
        kind = AccessLog.Kind.EXPORT if export else AccessLog.Kind.VIEW
        access_record(user=user, complaints=[complaint], kind=kind)
    report = eight_d(complaint)
    if not full:
        actions = SHOWN_WITH_COMPLAINT["actions"]
        report.complaint = shield(complaint, full=False)
        if report.analysis is not None:
            (report.analysis,) = shield_rows([report.analysis], fields=ANALYSIS_TEXTS, complaint=complaint, full=False)
        for name in ("containment", "permanent", "prevention"):
            setattr(report, name, shield_rows(getattr(report, name), fields=actions, complaint=complaint, full=False))
        known = known_details(complaint)
        for section, rows in report.steps.items():
            report.steps[section] = [
                replace(
                    row,
                    run=shield_rows([row.run], fields=("note",), complaint=complaint, full=False)[0],
                    answers=[(label, rules.mask_known(text, known)) for label, text in row.answers],
                )
                for row in rows
            ]
    return report.complaint, report


def contact_reveal(*, complaint: Complaint, actor: Any, reason: str) -> AccessLog:
    """Shows a case's contact details in full to someone who sees them masked, for the admin's
    reveal window, after they gave a reason; the reveal is logged. Refuses anyone whose role the
    admin has not named, an empty reason, or a case the actor may not see."""
    reason = (reason or "").strip()
    if not reason:
        raise PrivacyRefused(_("Say why you need the customer's contact details."))
    if not complaints_visible_to(actor).filter(pk=complaint.pk).exists():
        raise PrivacyRefused(_("You may not see this complaint."))
    policy = contact_policy(actor)
    if policy.sees(complaint):
        raise PrivacyRefused(_("You already see this customer's contact details."))
    if not policy.may_reveal(complaint):
        raise PrivacyRefused(_("Your role may not reveal customers' contact details."))
    until = timezone.now() + timedelta(minutes=policy.settings.reveal_minutes or 0)
    (row,) = access_record(user=actor, complaints=[complaint], kind=AccessLog.Kind.REVEAL, reason=reason, until=until)
    policy.__dict__.pop("revealed", None)  # the cached reveals of this request are stale now
    logger.info("contact details revealed", extra={"complaint": complaint.reference, "user": actor.pk})
    return row


def complaint_legal_hold(*, complaints: QuerySet[Complaint], actor: Any, on: bool, reason: str) -> int:
    """Puts complaints on legal hold (retention and erasure leave them untouched) or releases them,
    each change an event of the complaint's timeline with who and why; only a holder of the
    complaint change permission or an administrator may, and only with a reason. Returns how many
    changed."""
    if not (getattr(actor, "is_superuser", False) or (actor is not None and actor.has_perm(HOLD_PERMISSION))):
        raise PrivacyRefused(_("Only an administrator may set or release a legal hold."))
    reason = (reason or "").strip()
    if not reason:
        raise PrivacyRefused(_("Say why the legal hold is set or released."))
    with transaction.atomic():
        pks = list(
            Complaint.objects.select_for_update()
            .filter(pk__in=complaints.values("pk"))
            .exclude(legal_hold=on)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        changed = Complaint.objects.filter(pk__in=pks).update(legal_hold=on)
        who = acting_user(actor)
        ComplaintEvent.objects.bulk_create(
            ComplaintEvent(
                complaint_id=pk,
                kind=EventKind.LEGAL_HOLD,
                actor=who,
                old={"legal_hold": not on},
                new={"legal_hold": on},
                note=reason[:2000],
            )
            for pk in pks
        )
    logger.info("legal hold changed", extra={"count": changed, "on": on, "user": actor.pk})
    return changed


# Retention ------------------------------------------------------------------------------------


def _closed() -> Q:
    return Q(stage=Stage.CLOSED) | ~Q(outcome=Outcome.OPEN)


def _open_appeals() -> QuerySet[Appeal]:
    """An appeal the office has not decided keeps its complaint's data: the office reads the case."""
    return Appeal.objects.filter(case=OuterRef("pk"), decided_at__isnull=True)


def retention_due(*, now: Any = None) -> QuerySet[Complaint]:
    """Returns the complaints whose personal data is due for anonymising: closed for longer than
    their category's (or the policy's) retention period, nothing of their process still open, no
    appeal waiting for the customer-experience office, not on legal hold and not anonymised yet.
    Empty when the admin set no period."""
    now = now or timezone.now()
    policy = privacy_policy()
    overrides = {r.category_id: r.days for r in policy.category_retention.all()} if policy.pk else {}
    due = Q()
    for category_id, days in overrides.items():
        due |= Q(category_id=category_id, closed_at__lte=now - timedelta(days=days))
    if policy.retention_days:
        # (NOT IN leaves out complaints without a category: they take the general period too)
        general = Q(category_id__isnull=True) | ~Q(category_id__in=list(overrides)) if overrides else Q()
        due |= general & Q(closed_at__lte=now - timedelta(days=policy.retention_days))
    if not due:
        return Complaint.objects.none()
    open_task = Task.objects.filter(process_id=OuterRef("pk"), finished__isnull=True)
    return (
        Complaint.objects.filter(due, _closed(), closed_at__isnull=False, legal_hold=False, anonymised_at__isnull=True)
        .exclude(Exists(open_task))
        .exclude(Exists(_open_appeals()))
        .order_by("closed_at", "pk")
    )


def complaint_anonymise(*, complaint: Complaint) -> bool:
    """Replaces the personal data of one closed complaint: the customer's name, phone, contact
    person and plate; the customer's details and any phone number or e-mail address in its texts,
    contacts, form answers, events, packages and notification copies; its attachments are deleted.
    The case, its analysis, actions, clocks and KPI facts stay. Returns False (and changes nothing)
    when it was anonymised already, is open, or on legal hold."""
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        if complaint.anonymised_at is not None or complaint.legal_hold:
            return False
        if not Complaint.objects.filter(_closed(), pk=complaint.pk).exists():
            return False
        known = {name: getattr(complaint, name) for name in rules.CONTACT_FIELDS if getattr(complaint, name)}
        fields = {"customer_name": rules.ANONYMOUS, "customer_phone": "", "contact_person": "", "plate_or_vin": ""}
        for name in (*rules.FREE_TEXT_FIELDS, "satisfaction_comment"):
            fields[name] = rules.mask_known(getattr(complaint, name), known)
        Complaint.objects.filter(pk=complaint.pk).update(**fields, anonymised_at=timezone.now())
        for contact in CustomerContact.objects.filter(complaint=complaint):
            CustomerContact.objects.filter(pk=contact.pk).update(
                summary=rules.mask_known(contact.summary, known), promise=rules.mask_known(contact.promise, known)
            )
        for answer in Answer.objects.filter(complaint=complaint).exclude(text=""):
            Answer.objects.filter(pk=answer.pk).update(text=rules.mask_known(answer.text, known))
        for note in Notification.objects.filter(complaint=complaint):
            Notification.objects.filter(pk=note.pk).update(
                address="", subject=rules.mask_known(note.subject, known), body=rules.mask_known(note.body, known)
            )
        for event in ComplaintEvent.objects.filter(complaint=complaint):
            ComplaintEvent.objects.filter(pk=event.pk).update(
                old=mask_json(event.old, complaint),
                new=mask_json(event.new, complaint),
                note=rules.mask_known(event.note, known),
            )
        for appeal in Appeal.objects.filter(case=complaint):
            Appeal.objects.filter(pk=appeal.pk).update(
                grounds=rules.mask_known(appeal.grounds, known),
                decision_text=rules.mask_known(appeal.decision_text, known),
                remedy=rules.mask_known(appeal.remedy, known),
            )
        for model in (Escalation, CollaborationRequest):
            for row in model.objects.filter(**{_case_field(model): complaint}):
                model.objects.filter(pk=row.pk).update(
                    package=shield_package(row.package, full=False, complaint=complaint)
                )
        OutreachContact.objects.filter(complaint=complaint).update(
            customer_name=rules.ANONYMOUS, phone="", plate_or_vin=""
        )
        files = list(Attachment.objects.filter(complaint=complaint))
        Attachment.objects.filter(pk__in=[a.pk for a in files]).delete()
        transaction.on_commit(lambda: _delete_files(files))
    logger.info("personal data anonymised", extra={"complaint": complaint.reference})
    return True


def _case_field(model: Any) -> str:
    return "complaint" if model is Escalation else "case"


def _delete_files(files: list[Attachment]) -> None:
    for attachment in files:
        attachment.file.delete(save=False)


def retention_apply(*, batch: int, dry_run: bool = False, now: Any = None) -> dict[str, Any]:
    """Anonymises up to `batch` complaints that are due (oldest first); with dry_run, only lists
    them. Running it twice is harmless: an anonymised complaint is never due again. Returns the
    references and the count."""
    due = list(retention_due(now=now).values_list("pk", "reference")[:batch])
    if dry_run:
        return {"due": [ref for _pk, ref in due], "anonymised": 0}
    from complaints.services.exports import exports_forget

    anonymised = [pk for pk, _ref in due if complaint_anonymise(complaint=Complaint(pk=pk))]
    exports_forget(complaint_ids=anonymised)  # the admin's export files that held them
    return {"due": [ref for _pk, ref in due], "anonymised": len(anonymised)}


# A person's request -----------------------------------------------------------------------------


def person_data(*, phone: str) -> dict[str, Any]:
    """Everything held about one phone number, JSON-ready: complaints (with their contacts, form
    answers and survey answers), messages sent about them, batch deliveries and outreach rows."""

    def stamp(value: Any) -> str | None:
        return value.isoformat() if value else None

    complaints = Complaint.objects.filter(held_about_phone(phone)).order_by("pk")
    numbers = phone_forms(phone)
    out: dict[str, Any] = {"phone": phone, "complaints": [], "deliveries": [], "outreach": []}
    for c in complaints.prefetch_related("contacts", "answers__field", "notifications"):
        out["complaints"].append(
            {
                "reference": c.reference,
                "received_at": stamp(c.received_at),
                "customer_name": c.customer_name,
                "customer_phone": c.customer_phone,
                "contact_person": c.contact_person,
                "plate_or_vin": c.plate_or_vin,
                "product_model": c.product_model,
                "order_number": c.order_number,
                "customer_words": c.customer_words,
                "demand": c.demand,
                "demand_detail": c.demand_detail,
                "stage": c.stage,
                "outcome": c.outcome,
                "closed_at": stamp(c.closed_at),
                "legal_hold": c.legal_hold,
                "anonymised_at": stamp(c.anonymised_at),
                "survey": {"satisfaction": c.satisfaction, "comment": c.satisfaction_comment},
                "contacts": [
                    {"at": stamp(x.at), "channel": x.channel, "summary": x.summary, "promise": x.promise}
                    for x in c.contacts.all()
                ],
                "answers": {a.key: a.value for a in c.answers.all()},
                "messages": [
                    {"at": stamp(n.created_at), "sent_at": stamp(n.sent_at), "subject": n.subject, "body": n.body}
                    for n in c.notifications.all()
                    if n.recipient_id is None
                ],
            }
        )
    for d in Delivery.objects.filter(phone__in=numbers).order_by("pk"):
        out["deliveries"].append(
            {"batch_number": d.batch_number, "plate_or_vin": d.plate_or_vin, "customer_name": d.customer_name}
        )
    for o in OutreachContact.objects.filter(phone__in=numbers).order_by("pk"):
        out["outreach"].append(
            {"investigation": o.investigation_id, "customer_name": o.customer_name, "state": o.state}
        )
    return out


def _may_answer_requests(actor: Any) -> None:
    """Refuses unless the actor answers people's requests (the operator's command line, actor None,
    always may)."""
    if actor is not None and not (actor.is_active and actor.has_perm(REQUEST_PERMISSION)):
        raise PrivacyRefused(_("Only the data-protection role may answer a person's request."))


def person_export(*, phone: str, actor: Any = None) -> dict[str, Any]:
    """A person's request for what is held about them: the JSON, logged per complaint. Only a
    holder of the request permission (or the operator, actor None) may ask."""
    _may_answer_requests(actor)
    data = person_data(phone=phone)
    complaints = Complaint.objects.filter(held_about_phone(phone))
    access_record(user=actor, complaints=complaints, kind=AccessLog.Kind.REQUEST, reason=_("export by phone"))
    return data


def erase_blockers(*, phone: str) -> list[Complaint]:
    """The complaints of this phone number that block an erasure: open ones, those with an appeal
    waiting for the office, and those on legal hold."""
    held = Complaint.objects.filter(held_about_phone(phone), anonymised_at__isnull=True)
    return list(held.filter(Q(legal_hold=True) | ~_closed() | Exists(_open_appeals())).order_by("pk"))


def person_erase(*, phone: str, actor: Any = None) -> list[str]:
    """Anonymises everything held about one phone number (complaints, deliveries, outreach rows).
    Refuses, changing nothing, while a complaint of that number is open or on legal hold, and names
    them. Only a holder of the request permission (or the operator, actor None) may erase. Returns
    the references anonymised."""
    _may_answer_requests(actor)
    blockers = erase_blockers(phone=phone)
    if blockers:
        raise PrivacyRefused(
            _("Not erased: these complaints are open or on legal hold: %(references)s")
            % {"references": ", ".join(c.reference or str(c.pk) for c in blockers)}
        )
    from complaints.services.exports import exports_forget

    numbers = phone_forms(phone)
    done = []
    with transaction.atomic():
        erased = []
        for complaint in Complaint.objects.filter(held_about_phone(phone), anonymised_at__isnull=True).order_by("pk"):
            if complaint_anonymise(complaint=complaint):
                done.append(complaint.reference or str(complaint.pk))
                erased.append(complaint.pk)
                access_record(user=actor, complaints=[complaint], kind=AccessLog.Kind.ERASE)
        exports_forget(complaint_ids=erased)  # the admin's export files that held them
        Delivery.objects.filter(phone__in=numbers).update(customer_name=rules.ANONYMOUS, phone="")
        OutreachContact.objects.filter(phone__in=numbers).update(
            customer_name=rules.ANONYMOUS, phone="", plate_or_vin=""
        )
    logger.info("erasure by phone done", extra={"complaints": done})
    return done
