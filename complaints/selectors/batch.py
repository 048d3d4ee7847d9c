"""Reads behind batch investigations: a complaint's batch, the complaints and deliveries of a
batch, who investigates, which investigations a user may see, and the outreach counts."""

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Trim, Upper

from complaints.choices import BatchStatus, DeliveryIdentifier, Outcome, OutreachState, RoutedStage
from complaints.models import BatchInvestigation, Complaint, Delivery, OutreachContact, StageRoute
from complaints.rules.batch import BatchKey, OutreachCounts, batch_key, outreach_counts


def complaint_batch_key(complaint: Complaint) -> BatchKey | None:
    """Returns the batch a complaint belongs to under the admin's window, or None."""
    from complaints.selectors.common import process_settings

    return batch_key(
        batch_number=complaint.batch_number,
        product_model=complaint.product_model,
        delivered=complaint.purchase_date,
        window_days=process_settings().batch_window_days,
    )


def delivery_identifier(complaint: Complaint | None) -> str:
    """The column that identifies a delivered item in this complaint's category (plate/VIN when
    the complaint has no category)."""
    category = complaint.category if complaint is not None else None
    return category.delivery_identifier if category is not None else DeliveryIdentifier.PLATE_OR_VIN


def complaint_identifier(complaint: Complaint) -> str:
    """The complaint's value of its category's identifying column: the plate/VIN, the answer keyed
    serial_number, or the order number (the customer's PO)."""
    identifier = delivery_identifier(complaint)
    if identifier == DeliveryIdentifier.CUSTOMER_PO:
        return complaint.order_number
    if identifier == DeliveryIdentifier.SERIAL_NUMBER:
        return complaint.answers.filter(key="serial_number").values_list("text", flat=True).first() or ""
    return complaint.plate_or_vin


def investigation_identifier(investigation: BatchInvestigation) -> str:
    """The identifying column of an investigation's deliveries: its (first) complaint's category's."""
    first = investigation.complaints.select_related("category").order_by("pk").first()
    return delivery_identifier(first)


def batch_complaints(key: BatchKey) -> QuerySet[Complaint]:
    """Returns the registered complaints of a batch (invalid and duplicate ones do not count)."""
    qs = Complaint.objects.filter(reference__isnull=False).exclude(outcome__in=[Outcome.INVALID, Outcome.DUPLICATE])
    if key.batch_number:
        return qs.annotate(batch_norm=Upper(Trim("batch_number"))).filter(batch_norm=key.batch_number)
    return qs.filter(
        batch_number="",
        product_model__iexact=key.product_model,
        purchase_date__gte=key.window_start,
        purchase_date__lte=key.window_end,
    )


def batch_deliveries(investigation: BatchInvestigation) -> QuerySet[Delivery]:
    """Returns the imported deliveries of an investigation's batch (or model and window)."""
    if investigation.batch_number:
        return Delivery.objects.filter(batch_number=investigation.batch_number)
    return Delivery.objects.filter(
        product_model=investigation.product_model,
        delivery_date__gte=investigation.window_start,
        delivery_date__lte=investigation.window_end,
    )


def is_batch_investigator(user: Any) -> bool:
    """Quality: superusers and holders of the root-cause step's role in its fixed department (the
    admin's step routing decides who they are). They see every investigation, import deliveries,
    record the outreach and mark batch issues. One query, remembered on the user for the request."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_redress_batch_investigator", None)
    if cached is None:
        routes = StageRoute.objects.filter(
            stage=RoutedStage.ROOT_CAUSE, department_id=OuterRef("department_id"), role_id=OuterRef("role_id")
        )
        from complaints.selectors.common import memberships_of

        cached = memberships_of(user).filter(Exists(routes)).exists()
        user._redress_batch_investigator = cached
    return bool(cached)


def has_batch_facts(complaint: Complaint) -> bool:
    """Whether the complaint names a batch at all: a batch number, or a model with a delivery date."""
    return bool(complaint.batch_number.strip() or (complaint.product_model.strip() and complaint.purchase_date))


def may_mark_batch(*, user: Any, complaint: Complaint) -> bool:
    """Rule of the door: quality engineers (above) may mark a complaint that names a batch."""
    return has_batch_facts(complaint) and is_batch_investigator(user)


def investigations_visible_to(user: Any) -> QuerySet[BatchInvestigation]:
    """Returns the investigations a user may see: all for quality, else those with a linked
    complaint the user may see."""
    from complaints.selectors.common import complaints_visible_to

    qs = BatchInvestigation.objects.all()
    if is_batch_investigator(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    visible = complaints_visible_to(user).values("pk")
    return qs.filter(
        pk__in=BatchInvestigation.complaints.through.objects.filter(complaint_id__in=visible).values(
            "batchinvestigation_id"
        )
    )


def deliveries_visible_to(user: Any) -> QuerySet[Delivery]:
    """Returns the deliveries a user may see: all for quality (who import them), else only the
    vehicles of complaints the user may see (a deliveries file lists a whole batch's customers,
    beyond any department's scope)."""
    from complaints.selectors.common import complaints_visible_to

    qs = Delivery.objects.all()
    if is_batch_investigator(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    plates = complaints_visible_to(user).exclude(plate_or_vin="").annotate(key=Upper(Trim("plate_or_vin")))
    return qs.annotate(key=Upper(Trim("plate_or_vin"))).filter(key__in=plates.values("key"))


def _count(qs: QuerySet[Any], field: str) -> Coalesce:
    """A correlated COUNT per investigation (no join fan-out between complaints and contacts)."""
    counted = qs.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def investigation_list(user: Any) -> QuerySet[BatchInvestigation]:
    """The investigations list: newest first, with how many complaints and contacts each has, how
    many customers were reached and how many fixed (one query for the page)."""
    links = BatchInvestigation.complaints.through.objects.all()
    contacts = OutreachContact.objects.all()
    visible = investigations_visible_to(user)
    if not is_batch_investigator(user):
        # Which investigations hold a complaint the user may see is worked out once, not again by the
        # page's count and its rows: each linked complaint outside the user's departments is tested
        # for a task of theirs (75 ms for the south agent's 2,960 links at 1,000,000 complaints).
        # Investigations are few (an incident each), so their ids are.
        visible = BatchInvestigation.objects.filter(pk__in=list(visible.values_list("pk", flat=True)))
    return (
        visible.select_related("opened_by")
        .annotate(
            complaint_count=_count(links, "batchinvestigation_id"),
            contact_count=_count(contacts, "investigation_id"),
            reached_count=_count(contacts.exclude(state=OutreachState.TO_CONTACT), "investigation_id"),
            fixed_count=_count(contacts.filter(state=OutreachState.FIXED), "investigation_id"),
        )
        .order_by("-opened_at", "-pk")
    )


def investigation_counts(investigation: BatchInvestigation) -> OutreachCounts:
    """Counts of the outreach list (one query): total, reached, inspected, fixed, no issue."""
    rows = OutreachContact.objects.filter(investigation=investigation).values("state").annotate(n=Count("pk"))
    return outreach_counts({row["state"]: row["n"] for row in rows})


def open_investigation(key: str) -> BatchInvestigation | None:
    return BatchInvestigation.objects.filter(key=key, status=BatchStatus.OPEN).first()
