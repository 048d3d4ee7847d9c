"""Review packs: the weekly review and the monthly analysis as a page, a PDF and a workbook, made
once per period (the row is unique per kind and period), e-mailed to the admin's recipients once,
and kept in the archive. Beat (complaints.tasks.review_packs) and `manage.py review_pack` call
the same functions."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.choices import ActionStatus, BatchStatus, CauseVerdict, EscalationTrigger
from complaints.documents.review_pack import pack_html, pack_workbook
from complaints.models import (
    BatchInvestigation,
    Cause,
    Clock,
    CorrectiveAction,
    Escalation,
    KpiSettings,
    ReviewDecision,
    ReviewPack,
)
from complaints.rules import kpi as rules
from complaints.selectors.kpi import REPEAT, KpiFilters, cohort, kpi_settings, kpi_summary

log = logging.getLogger(__name__)
OPEN_ACTION = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.NOT_EFFECTIVE)
# How many rows each list of the pack shows at most (a pack is read in a meeting, not a database).
PACK_ROWS = 50


@dataclass(frozen=True)
class DontDo:
    category: str
    cause: str
    complaints: int
    actions: str


def pack_kind(period: rules.Period) -> str:
    return ReviewPack.Kind.WEEKLY if "-W" in period.name else ReviewPack.Kind.MONTHLY


def pack_context(*, period: rules.Period) -> dict[str, Any]:
    """Everything a pack shows for the whole organisation, read in the current language."""
    filters = KpiFilters(period=period)
    summary = kpi_summary(user=None, filters=filters)
    base = cohort(user=None, filters=filters)
    ids = base.values("pk")
    start, end = period.bounds(timezone.get_current_timezone())
    breaches = (
        Clock.objects.filter(complaint_id__in=ids, breached_at__isnull=False)
        .select_related("complaint", "level")
        .order_by("breached_at")[:PACK_ROWS]
    )
    late = (
        Escalation.objects.filter(
            at__gte=start, at__lt=end, trigger=EscalationTrigger.DEADLINE, direction=Escalation.Direction.UP
        )
        .select_related("complaint", "from_level", "to_level")
        .order_by("at")[:PACK_ROWS]
    )
    today = timezone.localdate()
    actions = (
        CorrectiveAction.objects.filter(status__in=OPEN_ACTION)
        .filter(Q(complaint_id__in=ids) | Q(due_date__lt=today))
        .select_related("complaint", "owner", "department")
        .order_by("due_date", "pk")[:PACK_ROWS]
    )
    repeats = (
        base.annotate(kpi_signals=_signals_text())
        .filter(REPEAT)
        .select_related("category")
        .order_by("received_at")[:PACK_ROWS]
    )
    batches = BatchInvestigation.objects.filter(Q(status=BatchStatus.OPEN) | Q(opened_at__gte=start, opened_at__lt=end))
    # Decisions of earlier reviews still open when this pack is made: the meeting checks on them.
    decisions = (
        ReviewDecision.objects.filter(status=ReviewDecision.Status.OPEN)
        .select_related("owner", "pack", "category")
        .order_by("due_date", "pk")[:PACK_ROWS]
    )
    low_scores = (
        base.filter(satisfaction__lt=kpi_settings().satisfied_from)
        .select_related("category")
        .order_by("satisfaction", "received_at")[:PACK_ROWS]
    )
    return {
        "period": period,
        "period_last_day": period.end - timedelta(days=1),
        "kind": pack_kind(period),
        "summary": summary,
        "definitions": {d.code: d for d in rules.DEFINITIONS},
        "breaches": list(breaches),
        "late_escalations": list(late),
        "actions": [(a, a.due_date is not None and a.due_date < today) for a in actions],
        "decisions": [(d, d.due_date < today) for d in decisions],
        "repeats": list(repeats),
        "batches": list(batches.order_by("-opened_at")[:PACK_ROWS]),
        "low_scores": list(low_scores),
        "dont_do": dont_do(ids),
        "generated_at": timezone.localtime(),
    }


def _signals_text() -> Any:
    from django.db.models import TextField
    from django.db.models.functions import Cast

    return Cast("signals", TextField())


def dont_do(ids: Any) -> list[DontDo]:
    """The "don't do" list: each confirmed root cause of the period's complaints (by 6M category,
    the most frequent first) with the permanent actions that answer it."""
    causes = (
        Cause.objects.filter(analysis__complaint_id__in=ids, verdict=CauseVerdict.CONFIRMED)
        .select_related("category")
        .prefetch_related("actions")
        .order_by("category__order", "pk")
    )
    grouped: dict[tuple[str, str], list[Cause]] = {}
    for cause in causes:
        grouped.setdefault((cause.category.label, cause.text.strip()), []).append(cause)
    rows = []
    for (category, text), items in grouped.items():
        actions = dict.fromkeys(a.description for c in items for a in c.actions.all() if a.kind == "permanent")
        rows.append(DontDo(category=category, cause=text, complaints=len(items), actions="; ".join(actions)))
    rows.sort(key=lambda r: (-r.complaints, r.category, r.cause))
    return rows


def review_pack_make(*, period: rules.Period, language: str | None = None) -> tuple[ReviewPack, bool]:
    """Returns the pack of the period and whether it was made now: an existing pack is returned
    as it is (a pack is a record of what was sent), so running this twice makes one pack."""
    from config.fonts import pdf_write

    kind = pack_kind(period)
    existing = ReviewPack.objects.filter(kind=kind, period=period.name).first()
    if existing is not None:
        return existing, False
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = pack_context(period=period)
        html = pack_html(context)
        pdf = pdf_write(pack_html(context, for_pdf=True))
        xlsx = pack_workbook(context)
    try:
        with transaction.atomic():
            pack = ReviewPack.objects.create(
                kind=kind,
                period=period.name,
                starts=period.start,
                ends=period.end,
                language=language,
                html=html,
                pdf=pdf,
                xlsx=xlsx,
            )
    except IntegrityError:  # another beat or command made it meanwhile
        return ReviewPack.objects.get(kind=kind, period=period.name), False
    return pack, True


def review_pack_send(*, pack: ReviewPack) -> int:
    """E-mails the pack (PDF and workbook attached) to the recipients of the KPI settings, once:
    the pack is claimed with a conditional update first. Returns how many were addressed."""
    recipients = [u.email for u in kpi_settings().recipients.filter(is_active=True) if u.email]
    if not recipients:
        return 0
    claimed = ReviewPack.objects.filter(pk=pack.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), sent_to=", ".join(recipients)
    )
    if not claimed:
        return 0
    with translation.override(pack.language):
        subject = f"{pack.get_kind_display()} {pack.period}"
        body = _("The review pack of %(period)s is attached (PDF and workbook); the archive keeps it.") % {
            "period": pack.period
        }
    message = EmailMessage(subject=subject, body=body, to=recipients)
    message.attach(f"review-{pack.period}.pdf", bytes(pack.pdf), "application/pdf")
    message.attach(
        f"review-{pack.period}.xlsx",
        bytes(pack.xlsx),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    try:
        message.send()
    except Exception:
        # Let the next beat run try again: the pack is kept, only the claim is released.
        ReviewPack.objects.filter(pk=pack.pk).update(sent_at=None, sent_to="")
        log.exception("review pack %s could not be sent", pack.pk)
        raise
    return len(recipients)


def due_periods(*, now: datetime, settings_row: KpiSettings) -> list[rules.Period]:
    """The packs due at `now` (local time): last week's from this week's pack day and time on, last
    month's from the first of this month at the pack time on."""
    local = timezone.localtime(now)
    today: date = local.date()
    week = rules.week_of(today)
    due_weekly = datetime.combine(
        week.start + timedelta(days=settings_row.weekly_weekday), settings_row.pack_time, local.tzinfo
    )
    due_monthly = datetime.combine(rules.month_of(today).start, settings_row.pack_time, local.tzinfo)
    periods = []
    if local >= due_weekly:
        periods.append(rules.previous_period("weekly", today))
    if local >= due_monthly:
        periods.append(rules.previous_period("monthly", today))
    return periods


def review_packs_due(*, now: datetime | None = None) -> list[int]:
    """Makes and sends the packs that are due and not made yet (beat calls this every few minutes;
    a pack is made once and sent once). Returns the ids of the packs made now."""
    now = now or timezone.now()
    made = []
    settings_row = KpiSettings.objects.order_by("pk").first()
    if settings_row is None:
        return []
    for period in due_periods(now=now, settings_row=settings_row):
        pack, new = review_pack_make(period=period)
        if new:
            made.append(pack.pk)
        if pack.sent_at is None:
            review_pack_send(pack=pack)
    return made
