"""Complaints as a table (CSV export), with one column per question of the category forms."""

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Answer, Complaint, FormVersion
from complaints.rules.intake_forms import FILE_KINDS
from complaints.rules.privacy import mask_text
from complaints.rules.text import csv_cell
from complaints.selectors.intake_forms import display_value
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
    return str(value)


def complaint_table(
    queryset: QuerySet[Complaint], *, language: str, personal: bool = True
) -> tuple[list[str], Iterator[list[str]]]:
    """Returns the headers and the rows of an export in `language`: the standard fields, then one
    column per question key found among the complaints (its label, then the key in brackets), then
    the form versions. Each answer is shown as the version it was filed with defines it. Without
    `personal` (the reader may not export personal data), the same columns come masked. Cells that
    a spreadsheet would run as a formula are neutralised (rules.text.csv_cell). A fixed number of
    queries, whatever the number of complaints."""
    complaints = list(
        queryset.select_related("category", "priority", "level", "department")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("field").prefetch_related("files")),
            Prefetch("form_versions", queryset=FormVersion.objects.select_related("category")),
        )
        .order_by("pk")
    )
    with translation.override(language):
        keys: dict[str, str] = {}
        for complaint in complaints:
            for answer in complaint.answers.all():
                keys.setdefault(answer.key, answer.field.label(language))
        labels = [str(Complaint._meta.get_field(name).verbose_name) for name in STANDARD_COLUMNS]
        headers = labels + [f"{label} [{key}]" for key, label in keys.items()] + [str(_("intake forms"))]
        rows = [_row(shield(complaint, full=personal), keys, language, personal) for complaint in complaints]
    # Every cell a customer or an admin wrote is made inert for spreadsheets (=, +, -, @, tab, CR).
    return [str(csv_cell(h)) for h in headers], iter([[str(csv_cell(cell)) for cell in row] for row in rows])


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
    row.append("; ".join(f"{v.category.code} v{v.number}" for v in complaint.form_versions.all()))
    return row
