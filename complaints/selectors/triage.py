"""Reads behind the triage signals: the admin's keyword lists and thresholds, earlier complaints of
the same customer, and the texts a complaint's signals are read from."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from complaints.choices import Emotion, FieldKind, Signal
from complaints.models import Answer, Complaint, Note, TriageSignal
from complaints.rules.signals import KeywordSignal, SignalFacts, SignalPolicy

# The standard fields whose words the keyword lists look at.
SIGNAL_TEXT_FIELDS = ("customer_words", "handler_understanding", "demand_detail", "occurred_place")
TEXT_KINDS = (FieldKind.SHORT_TEXT, FieldKind.LONG_TEXT)


def signal_policy() -> SignalPolicy:
    """Builds the admin's signal values (keyword lists, emotion threshold, repeat threshold)."""
    from complaints.selectors.common import process_settings

    settings_row = process_settings()
    return SignalPolicy(
        keyword_signals=tuple(
            KeywordSignal(code=signal.code, keywords=signal.keyword_list())
            for signal in TriageSignal.objects.filter(active=True).order_by("code")
        ),
        emotion_order=tuple(Emotion.values),
        emotion_threshold=settings_row.emotion_threshold or None,
        repeat_threshold=settings_row.repeat_threshold,
    )


def signal_codes() -> tuple[str, ...]:
    """Every signal code a routing rule may test: the admin's keyword lists and the built-in ones."""
    return tuple(TriageSignal.objects.order_by("code").values_list("code", flat=True)) + tuple(Signal.values)


def same_issue_complaints(*, complaint: Complaint, since: datetime) -> QuerySet[Complaint]:
    """Returns the other complaints from the same phone number since `since` about the same issue:
    the same category, or the same product model or plate/VIN when those were given."""
    if not complaint.customer_phone:
        return Complaint.objects.none()
    issue = Q(category_id=complaint.category_id) if complaint.category_id else Q(pk__in=[])
    if complaint.product_model:
        issue |= Q(product_model__iexact=complaint.product_model)
    if complaint.plate_or_vin:
        issue |= Q(plate_or_vin__iexact=complaint.plate_or_vin)
    return (
        Complaint.objects.filter(
            customer_phone=complaint.customer_phone, received_at__gte=since, reference__isnull=False
        )
        .filter(issue)
        .exclude(pk=complaint.pk)
    )


def earlier_complaints(*, complaint: Complaint, at: datetime) -> QuerySet[Complaint]:
    """Returns the same customer's complaints about the same issue within the admin's window
    before `at` (the complaint's receipt)."""
    from complaints.selectors.common import process_settings

    window = timedelta(days=process_settings().repeat_window_days)
    return same_issue_complaints(complaint=complaint, since=at - window).filter(received_at__lte=at)


def signal_texts(complaint: Complaint) -> tuple[str, ...]:
    """Returns every text the keyword lists read: the standard fields, text answers and notes."""
    texts = [getattr(complaint, name) or "" for name in SIGNAL_TEXT_FIELDS]
    if complaint.pk is not None:
        texts += Answer.objects.filter(complaint=complaint, field__kind__in=TEXT_KINDS).values_list("text", flat=True)
        texts += Note.objects.filter(complaint=complaint).values_list("text", flat=True)
    return tuple(t for t in texts if t)


def signal_facts(*, complaint: Complaint, at: datetime) -> SignalFacts:
    """What the signals look at in a (possibly unsaved) complaint; authority is filled in by triage
    once the level is known."""
    earlier = earlier_complaints(complaint=complaint, at=at).count() if complaint.customer_phone else 0
    return SignalFacts(
        texts=signal_texts(complaint),
        manager_requested=bool(complaint.manager_requested),
        emotion=complaint.emotion or "",
        earlier_complaints=earlier,
        requested_amount=complaint.requested_amount,
    )
