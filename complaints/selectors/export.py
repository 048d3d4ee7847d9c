"""Complaints as a table (CSV export), with one column per question of the category forms."""

from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Answer, Complaint, CustomStepRun, FormField, FormVersion
from complaints.rules.intake_forms import FILE_KINDS
from complaints.rules.names import person_name
from complaints.rules.privacy import mask_text
from complaints.rules.text import csv_cell
from complaints.selectors.intake_forms import category_label, display_value
from complaints.selectors.privacy import shield

# The standard columns, in order; their headers are the fields' names in the reader's language.
STANDARD_COLUMNS = (
    "reference",
    "received_at",
    "customer_name",
    "customer_phone",
    "category",
    "priority",
    "level",
    "stage",
    "outcome",
    "department",
    "channel",
    "demand",
    "requested_amount",
    "emotion",
    "product_model",
    "batch_number",
    "order_number",
    "plate_or_vin",
    "purchase_date",
    "occurred_at",
    "occurred_place",
    "customer_words",
)


# Complaints read (with their related rows) per round of an export: bounds the memory a year's
# export takes, and each round's queries are the same fixed few.
EXPORT_CHUNK = 1000


def complaints_by_ids(ids: list[int]) -> QuerySet[Complaint]:
    """The complaints of a stored selection (an admin's export of records). On PostgreSQL the ids
    travel as one array: as `pk IN (%s, %s, …)` a selection of a million made every statement that
    named it a million parameters to compile and send (850 MB of the worker's memory)."""
    if connection.vendor == "postgresql":
        return Complaint.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [list(ids)]))
    return Complaint.objects.filter(pk__in=ids)


def _standard(complaint: Complaint, name: str) -> str:
    value: Any = getattr(complaint, name)
    display = getattr(complaint, f"get_{name}_display", None)
    if display is not None and value:
        return str(display())
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if name == "priority":
        return str(value.code)
    if name == "category":
        return category_label(value)
    return str(value)


def complaint_table(
    queryset: QuerySet[Complaint], *, language: str, personal: bool = True
) -> tuple[list[str], Iterator[list[str]]]:
    """Returns the headers and the rows of an export in `language`: the standard fields, then one
    column per question key found among the complaints (its label, then the key in brackets), then
    the form versions. Each answer is shown as the version it was filed with defines it. Without
    `personal` (the reader may not export personal data), the same columns come masked. Cells that
    a spreadsheet would run as a formula are neutralised (rules.text.csv_cell). The complaints are
    read EXPORT_CHUNK at a time (the question columns first, from their answers' keys), each chunk
    in a fixed number of queries, as the rows are consumed."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    chunks = [ids[start : start + EXPORT_CHUNK] for start in range(0, len(ids), EXPORT_CHUNK)]
    with translation.override(language):
        # The question columns, in the order the rows meet them: each key's first field (its label),
        # read as ids (the rows read the answers themselves), then those fields once.
        first_field: dict[str, int] = {}
        for chunk in chunks:
            answers = Answer.objects.filter(complaint_id__in=chunk).order_by(
                "complaint_id", *(Answer._meta.ordering or [])
            )
            for key, field_id in answers.values_list("key", "field_id"):
                first_field.setdefault(key, field_id)
        fields = FormField.objects.in_bulk(set(first_field.values()))
        keys = {key: fields[field_id].label(language) for key, field_id in first_field.items()}
        labels = [str(Complaint._meta.get_field(name).verbose_name) for name in STANDARD_COLUMNS]
        headers = (
            labels
            + [f"{label} [{key}]" for key, label in keys.items()]
            + [str(_("intake forms")), str(_("custom steps"))]
        )

    def rows() -> Iterator[list[str]]:
        for chunk in chunks:
            complaints = (
                Complaint.objects.filter(pk__in=chunk)
                .select_related("category", "priority", "level", "department")
                .prefetch_related(
                    Prefetch("answers", queryset=Answer.objects.select_related("field").prefetch_related("files")),
                    Prefetch("form_versions", queryset=FormVersion.objects.select_related("category")),
                    Prefetch(
                        "step_runs", queryset=CustomStepRun.objects.select_related("step").order_by("created", "pk")
                    ),
                )
                .order_by("pk")
            )
            with translation.override(language):
                for complaint in complaints:
                    row = _row(shield(complaint, full=personal), keys, language, personal)
                    # Every cell a customer or an admin wrote is made inert for spreadsheets.
                    yield [str(csv_cell(cell)) for cell in row]

    return [str(csv_cell(h)) for h in headers], rows()


def _row(complaint: Complaint, keys: dict[str, str], language: str, personal: bool) -> list[str]:
    row = [_standard(complaint, name) for name in STANDARD_COLUMNS]
    by_key = {answer.key: answer for answer in complaint.answers.all()}
    for key in keys:
        answer = by_key.get(key)
        if answer is None:
            row.append("")
        elif answer.field.kind in FILE_KINDS:
            row.append(", ".join(f.name for f in answer.files.all()))
        else:
            shown = display_value(answer.field.definition(), answer.value, language)
            row.append(shown if personal else mask_text(str(shown)))
    row.append("; ".join(f"{v.category.code} v{v.number}" for v in complaint.form_versions.all() if v.category))
    # Answers of custom steps are columns like the intake questions (the latest run's answer).
    row.append("; ".join(f"{run.step.code}: {run.get_outcome_display()}" for run in complaint.step_runs.all()))
    return row


# The managers' export: what the list shows plus what a review asks of each complaint.
MANAGEMENT_COLUMNS = (
    "reference",
    "received_at",
    "closed_at",
    "category",
    "priority",
    "level",
    "department",
    "owner",
    "stage",
    "outcome",
    "resolution_due",
)


def management_table(queryset: QuerySet[Complaint]) -> tuple[list[str], Iterator[list[Any]]]:
    """Returns the headers and rows of the managers' export, in the queryset's order: the list's
    columns, then hours at each level (rules.kpi.level_durations), escalations up, breached
    deadlines, satisfaction, the root cause and its 6M categories, compensation agreed or approved
    and corrective-action cost. No contact details. The rows are read EXPORT_CHUNK complaints at a
    time, each chunk in a fixed number of queries, as they are consumed."""
    from complaints.models import EscalationLevel

    levels = list(EscalationLevel.objects.order_by("rank"))
    labels = [str(Complaint._meta.get_field(name).verbose_name) for name in MANAGEMENT_COLUMNS]
    headers = labels + [str(_("hours at %(level)s") % {"level": level}) for level in levels]
    headers += [
        str(_("escalations")),
        str(_("breached deadlines")),
        str(_("satisfaction (1–5)")),
        str(_("root cause")),
        str(_("cause categories")),
        str(_("compensation (CNY)")),
        str(_("corrective-action cost (CNY)")),
    ]
    ids = list(dict.fromkeys(queryset.values_list("pk", flat=True)))  # (a sort by a joined rank may repeat one)
    now = timezone.now()

    def rows() -> Iterator[list[Any]]:
        for start in range(0, len(ids), EXPORT_CHUNK):
            chunk = ids[start : start + EXPORT_CHUNK]
            by_pk = _management_rows(chunk, levels=levels, now=now)
            for pk in chunk:
                if pk in by_pk:  # (deleted since the ids were read)
                    yield [csv_cell(x) if isinstance(x, str) else x for x in by_pk[pk]]

    return [str(csv_cell(h)) for h in headers], rows()


def _management_rows(ids: list[int], *, levels: list[Any], now: Any) -> dict[int, list[Any]]:
    from django.db.models import Count, Q, Sum

    from complaints.choices import CauseVerdict
    from complaints.models import Cause, Escalation
    from complaints.rules.kpi import level_durations
    from complaints.selectors.kpi import compensation_by_complaint

    complaints = (
        Complaint.objects.filter(pk__in=ids)
        .select_related("category", "priority", "level", "department", "owner", "root_cause")
        .annotate(
            kpi_escalations=Count(
                "escalations", filter=Q(escalations__direction=Escalation.Direction.UP), distinct=True
            ),
            kpi_breaches=Count("clocks", filter=Q(clocks__breached_at__isnull=False), distinct=True),
        )
        .prefetch_related(
            Prefetch("escalations", queryset=Escalation.objects.exclude(direction=Escalation.Direction.REFUSED)),
            Prefetch(
                "root_cause__causes",
                queryset=Cause.objects.filter(verdict=CauseVerdict.CONFIRMED).select_related("category"),
                to_attr="kpi_confirmed",
            ),
        )
        .order_by()
    )
    compensation = compensation_by_complaint(ids)
    costs = dict(Complaint.objects.filter(pk__in=ids).annotate(total=Sum("actions__cost")).values_list("pk", "total"))
    rows: dict[int, list[Any]] = {}
    for c in complaints:
        row: list[Any] = [
            person_name(c.owner) if name == "owner" and c.owner else _standard(c, name) for name in MANAGEMENT_COLUMNS
        ]
        moves = [(e.at, e.to_level_id) for e in c.escalations.all()]
        hours = level_durations(
            start_level=c.start_level_id, received=c.received_at, moves=moves, end=c.closed_at or now
        )
        row += [hours.get(level.pk, "") for level in levels]
        analysis = _analysis(c)
        confirmed = getattr(analysis, "kpi_confirmed", []) if analysis else []
        row += [
            c.kpi_escalations,
            c.kpi_breaches,
            c.satisfaction or "",
            (analysis.description if analysis else "") or "; ".join(x.text for x in confirmed),
            ", ".join(dict.fromkeys(x.category.label for x in confirmed)),
            compensation.get(c.pk, ""),
            costs.get(c.pk) or "",
        ]
        rows[c.pk] = row
    return rows


def _analysis(complaint: Complaint) -> Any:
    """The complaint's root-cause analysis, or None (the reverse one-to-one raises when missing)."""
    from complaints.models import RootCauseAnalysis

    try:
        return complaint.root_cause
    except RootCauseAnalysis.DoesNotExist:
        return None
