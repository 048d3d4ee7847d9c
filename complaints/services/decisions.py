"""Decisions of a review: action items recorded on a review pack (owner, due date, what, about
which complaints or category). Each has a clock of the one clock table (kind "decision", no
complaint), so the sweep warns and breaches it like any deadline; its owner sees it in their inbox
and reports it done with evidence; the packs list the open ones."""

from collections.abc import Iterable
from datetime import date, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.choices import NotificationEvent
from complaints.models import Category, Clock, Complaint, Notification, ReviewDecision, ReviewPack, UserPreference
from complaints.selectors.kpi import may_read_packs
from complaints.services.clocks import decision_clock_sync
from complaints.services.errors import Refused
from complaints.services.inbox import notices_add
from complaints.services.notify import notification_enqueue, notifications_enqueue


class DecisionRefused(Refused):
    """The decision cannot be recorded or closed as asked; the message says why (translated)."""


def decision_record(
    *,
    pack: ReviewPack,
    actor: Any,
    owner: Any,
    due_date: date,
    description: str,
    complaints: Iterable[Complaint] = (),
    category: Category | None = None,
    now: datetime | None = None,
) -> ReviewDecision:
    """Records a decision of the review on `pack` and starts its clock. Only those who read the
    packs (superusers, the KPI settings' recipients) decide; the owner must be an active user; the
    due date may not be in the past. Returns the decision."""
    if not may_read_packs(actor):
        raise DecisionRefused(_("Only the review packs' recipients can record decisions."))
    now = now or timezone.now()
    description = description.strip()
    if not description:
        raise DecisionRefused({"description": _("Say what was decided.")})
    if owner is None or not get_user_model().objects.filter(pk=owner.pk, is_active=True).exists():
        raise DecisionRefused({"owner": _("The owner must be an active user.")})
    if due_date < timezone.localdate(now):
        raise DecisionRefused({"due_date": _("The due date cannot be in the past.")})
    with transaction.atomic():
        decision = ReviewDecision.objects.create(
            pack=pack, description=description, owner=owner, due_date=due_date, category=category, created_by=actor
        )
        decision.complaints.set(list(complaints))
        decision_clock_sync(decision=decision, now=now)
    return decision


def decision_done(
    *, decision: ReviewDecision, actor: Any, evidence: str, now: datetime | None = None
) -> ReviewDecision:
    """The owner (or a superuser) reports the decision carried out, with the evidence; its clock
    stops. Claimed with `UPDATE … WHERE status = open`, so reporting twice changes nothing the
    second time (it is refused). Returns the decision."""
    if not (actor is not None and actor.is_active and (actor.pk == decision.owner_id or actor.is_superuser)):
        raise DecisionRefused(_("Only the decision's owner can report it done."))
    evidence = evidence.strip()
    if not evidence:
        raise DecisionRefused({"evidence": _("Say what was done (the evidence).")})
    now = now or timezone.now()
    with transaction.atomic():
        claimed = ReviewDecision.objects.filter(pk=decision.pk, status=ReviewDecision.Status.OPEN).update(
            status=ReviewDecision.Status.DONE, evidence=evidence, done_at=now, done_by=actor
        )
        if not claimed:
            raise DecisionRefused(_("This decision is already done."))
        decision.refresh_from_db()
        decision_clock_sync(decision=decision, now=now)
    return decision


def decisions_fire(*, warned: list[Clock], breached: list[Clock], now: datetime) -> tuple[int, int]:
    """Tells the owners of the decisions whose clocks the sweep claimed (warned: due soon;
    breached: overdue, also told to who recorded it), by the notification rows every message
    uses, in each recipient's language, once per clock and person. Returns (warned, breached)."""
    clocks = warned + breached
    decisions = ReviewDecision.objects.select_related("owner", "created_by", "pack").in_bulk(
        [c.subject for c in clocks]
    )
    people = {d.owner_id for d in decisions.values()} | {d.created_by_id for d in decisions.values() if d.created_by_id}
    languages = dict(
        UserPreference.objects.filter(user__in=people).exclude(language="").values_list("user", "language")
    )
    rows = []
    counts = [0, 0]
    for breach, group in ((False, warned), (True, breached)):
        for clock in group:
            decision = decisions.get(clock.subject)
            if decision is None or decision.status != ReviewDecision.Status.OPEN:
                continue
            counts[breach] += 1
            event = NotificationEvent.BREACH if breach else NotificationEvent.DEADLINE_WARNING
            recipients = [decision.owner]
            if breach and decision.created_by is not None and decision.created_by_id != decision.owner_id:
                recipients.append(decision.created_by)
            for person in recipients:
                if not person.is_active:
                    continue
                with translation.override(languages.get(person.pk) or settings.LANGUAGE_CODE):
                    subject, body = _decision_message(decision, breach=breach)
                rows.append(
                    Notification(
                        key=f"{event}:decision-{decision.pk}:clock-{clock.pk}:{person.pk}",
                        event=event,
                        complaint=None,
                        recipient=person,
                        address=person.email or "",
                        subject=subject[:300],
                        body=body,
                    )
                )
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        notices_add(rows=rows)
        ids = list(
            Notification.objects.filter(key__in=[r.key for r in rows], sent_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if len(ids) == 1:
            transaction.on_commit(partial(notification_enqueue, notification_id=ids[0]))
        elif ids:
            transaction.on_commit(partial(notifications_enqueue, notification_ids=ids))
    return counts[0], counts[1]


def _decision_message(decision: ReviewDecision, *, breach: bool) -> tuple[str, str]:
    values = {"description": decision.description[:80], "due": decision.due_date.isoformat()}
    if breach:
        subject = _("Review decision overdue (due %(due)s): %(description)s") % values
    else:
        subject = _("Review decision due %(due)s: %(description)s") % values
    url = settings.REDRESS_BASE_URL + reverse("workflow:decisions:detail", args=[decision.pk])
    pack = _("Decided in %(pack)s.") % {"pack": f"{decision.pack.get_kind_display()} {decision.pack.period}"}
    return subject, "\n".join([decision.description, pack, url])
