"""Batch investigations: which batch a complaint belongs to, when the threshold is reached, how the
outreach to one customer may move, what the counts mean, and how a deliveries CSV is read.

Pure functions over plain values; the services fetch the settings and write the results.
"""

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from complaints.choices import OutreachState

# The columns of a deliveries CSV (the first line names them, in any order).
DELIVERY_COLUMNS = (
    "batch_number",
    "product_model",
    "production_date",
    "plate_or_vin",
    "customer_name",
    "phone",
    "delivery_date",
)
DELIVERY_REQUIRED = ("batch_number", "plate_or_vin", "customer_name", "phone")
IDENTIFIER_COLUMN = "plate_or_vin"
"""The identifying column's place in DELIVERY_COLUMNS; the category names the real header
(DeliveryIdentifier: plate_or_vin, serial_number or customer_po)."""
DELIVERY_DATES = ("production_date", "delivery_date")

# Allowed moves of one customer's outreach: forward only, each step recorded.
OUTREACH_MOVES: Mapping[str, tuple[str, ...]] = {
    OutreachState.TO_CONTACT: (OutreachState.CONTACTED,),
    OutreachState.CONTACTED: (OutreachState.INSPECTED,),
    OutreachState.INSPECTED: (OutreachState.FIXED, OutreachState.NO_ISSUE),
    OutreachState.FIXED: (),
    OutreachState.NO_ISSUE: (),
}
REACHED = (OutreachState.CONTACTED, OutreachState.INSPECTED, OutreachState.FIXED, OutreachState.NO_ISSUE)
INSPECTED = (OutreachState.INSPECTED, OutreachState.FIXED, OutreachState.NO_ISSUE)


def normalise_code(value: str) -> str:
    """Rule: batch numbers, models and plates compare after NFKC folding, without spaces, upper case.

    Example: normalise_code(" bms-2026-07b ") == "BMS-2026-07B"; normalise_code("沪A·D12345") == "沪A·D12345"
    Why: the same batch is typed by hand at intake and exported by a system for deliveries.
    """
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


@dataclass(frozen=True)
class BatchKey:
    """What makes complaints one batch: a batch number, or a model with a delivery window."""

    key: str
    batch_number: str = ""
    product_model: str = ""
    window_start: date | None = None
    window_end: date | None = None


def delivery_window(*, delivered: date, window_days: int) -> tuple[date, date]:
    """Rule: delivery dates fall into consecutive windows of `window_days` days (counted from
    1 January of year 1), so every complaint of a model computes the same window on its own.

    Example: with 30-day windows, 2026-07-04 and 2026-07-20 share the window 2026-07-04–2026-08-02;
    2026-07-03 falls into the one before.
    Why: two agents registering at once must name the same batch without seeing each other's work.
    """
    start = date.fromordinal((delivered.toordinal() - 1) // window_days * window_days + 1)
    return start, start + timedelta(days=window_days - 1)


def batch_key(*, batch_number: str, product_model: str, delivered: date | None, window_days: int) -> BatchKey | None:
    """Rule: a complaint's batch is its batch number; without one, its product model together with
    the window its delivery date falls into; with neither, it belongs to no batch.

    Example: batch_key(batch_number="bms-07b", ...) == BatchKey("batch:BMS-07B", batch_number="BMS-07B")
    Why: quality complaints carry a batch number; service complaints often only a model and a date.
    """
    number = normalise_code(batch_number)
    if number:
        return BatchKey(key=f"batch:{number}", batch_number=number)
    model = normalise_code(product_model)
    if not model or delivered is None:
        return None
    start, end = delivery_window(delivered=delivered, window_days=window_days)
    return BatchKey(
        key=f"model:{model}:{start.isoformat()}",
        product_model=model,
        window_start=start,
        window_end=end,
    )


def threshold_reached(*, complaints: int, threshold: int) -> bool:
    """Rule: an investigation opens when the batch has at least `threshold` complaints, this one
    included.

    Example: threshold_reached(complaints=3, threshold=3) is True; 2 of 3 is False.
    Why: one complaint is a case; several about one batch suggest a defect in the batch.
    """
    return complaints >= threshold


def outreach_next(state: str) -> tuple[str, ...]:
    """Rule: to contact → contacted → inspected → fixed or no issue; nothing moves back or skips.

    Example: outreach_next("inspected") == ("fixed", "no_issue"); outreach_next("fixed") == ()
    Why: the counts (reached, inspected, fixed) must mean the step really happened.
    """
    return OUTREACH_MOVES.get(state, ())


def outreach_move_allowed(*, old: str, new: str) -> bool:
    """Rule: a move is allowed when `new` is one of the states next to `old` (see outreach_next).

    Example: outreach_move_allowed(old="to_contact", new="fixed") is False
    Why: a car is not fixed before its owner was contacted and it was inspected.
    """
    return new in outreach_next(old)


@dataclass(frozen=True)
class OutreachCounts:
    total: int
    reached: int
    inspected: int
    fixed: int
    no_issue: int
    to_contact: int


def outreach_counts(states: Mapping[str, int]) -> OutreachCounts:
    """Rule: reached counts contacted or later, inspected counts inspected or later.

    Example: {"to_contact": 6, "contacted": 170, "inspected": 12, "fixed": 12} → total 200,
    reached 194, inspected 24, fixed 12.
    Why: the investigation page answers "how many owners did we reach, how many cars are fixed".
    """
    return OutreachCounts(
        total=sum(states.values()),
        reached=sum(states.get(s, 0) for s in REACHED),
        inspected=sum(states.get(s, 0) for s in INSPECTED),
        fixed=states.get(OutreachState.FIXED, 0),
        no_issue=states.get(OutreachState.NO_ISSUE, 0),
        to_contact=states.get(OutreachState.TO_CONTACT, 0),
    )


def customer_key(*, plate_or_vin: str, phone: str) -> str:
    """Rule: a customer in an outreach list is their vehicle (plate/VIN) when known, else their phone.

    Example: customer_key(plate_or_vin="沪a·d12345", phone="+8613800138001") == "vin:沪A·D12345"
    Why: the complaint and the delivery of the same car must be one contact, not two calls.
    """
    vehicle = normalise_code(plate_or_vin)
    return f"vin:{vehicle}" if vehicle else f"tel:{phone}"


@dataclass(frozen=True)
class DeliveryRow:
    line: int
    batch_number: str
    product_model: str
    production_date: date | None
    plate_or_vin: str
    customer_name: str
    phone: str
    delivery_date: date | None


@dataclass
class DeliveryParse:
    rows: list[DeliveryRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _date(value: str) -> date:
    return date.fromisoformat(value)


def delivery_columns(identifier: str = IDENTIFIER_COLUMN) -> tuple[str, ...]:
    """Rule: a deliveries file has DELIVERY_COLUMNS with the identifying column named as the
    category says.

    Example: delivery_columns("customer_po") has "customer_po" where cars have "plate_or_vin".
    Why: a B2B batch has no plates; its deliveries are known by purchase order or serial number.
    """
    return tuple(identifier if c == IDENTIFIER_COLUMN else c for c in DELIVERY_COLUMNS)


def read_delivery_rows(
    lines: Iterable[tuple[int, Sequence[str]]], *, phone: Callable[[str], str], identifier: str = IDENTIFIER_COLUMN
) -> DeliveryParse:
    """Rule: the first line names the columns (delivery_columns(identifier), any order, no
    others); every following line needs a batch number, the identifier (plate/VIN, serial number
    or customer PO), a name and a valid phone (`phone` returns it normalised or raises
    ValueError), dates as YYYY-MM-DD, and no batch and identifier twice.
    Every bad line is reported with its number and every reason; blank lines are skipped.

    Example: a line "BMS-07B,EV-S7,2026-13-01,沪A1,王,138,"  → (2, "production_date: …; phone: …")
    Why: a file with bad rows is refused as a whole, so the importer must learn every problem at once.
    """
    result = DeliveryParse()
    iterator = iter(lines)
    header_line = next(iterator, None)
    if header_line is None:
        result.errors.append((1, _("The file is empty.")))
        return result
    header_number, header = header_line
    names = [normalise_header(cell) for cell in header]
    columns = delivery_columns(identifier)
    required = tuple(identifier if c == IDENTIFIER_COLUMN else c for c in DELIVERY_REQUIRED)
    missing = [c for c in columns if c not in names]
    unknown = [c for c in names if c not in columns]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if missing or unknown or repeated:
        problems = []
        if missing:
            problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(c or "—" for c in unknown)})
        if repeated:
            problems.append(_("repeated columns: %(columns)s") % {"columns": ", ".join(repeated)})
        expected = ", ".join(columns)
        result.errors.append(
            (
                header_number,
                _("Wrong header (%(problems)s); expected: %(expected)s.")
                % {
                    "problems": "; ".join(problems),
                    "expected": expected,
                },
            )
        )
        return result
    seen: dict[tuple[str, str], int] = {}
    for number, cells in iterator:
        if not any((cell or "").strip() for cell in cells):
            continue
        if len(cells) != len(names):
            result.errors.append(
                (
                    number,
                    _("%(found)s values where the header has %(expected)s.")
                    % {
                        "found": len(cells),
                        "expected": len(names),
                    },
                )
            )
            continue
        values = {name: (cell or "").strip() for name, cell in zip(names, cells, strict=True)}
        problems = []
        for column in required:
            if not values[column]:
                problems.append(_("%(column)s: missing") % {"column": column})
        dates: dict[str, date | None] = {}
        for column in DELIVERY_DATES:
            try:
                dates[column] = _date(values[column]) if values[column] else None
            except ValueError:
                dates[column] = None
                problems.append(
                    _("%(column)s: “%(value)s” is not a date such as 2026-07-15")
                    % {"column": column, "value": values[column]}
                )
        number_phone = ""
        if values["phone"]:
            try:
                number_phone = phone(values["phone"])
            except ValueError as error:
                problems.append(_("phone: %(message)s") % {"message": str(error)})
        batch, vehicle = normalise_code(values["batch_number"]), normalise_code(values[identifier])
        if batch and vehicle:
            first = seen.setdefault((batch, vehicle), number)
            if first != number:
                problems.append(
                    _("the same batch and %(column)s as line %(line)s") % {"column": identifier, "line": first}
                )
        if problems:
            result.errors.append((number, "; ".join(problems)))
            continue
        result.rows.append(
            DeliveryRow(
                line=number,
                batch_number=batch,
                product_model=normalise_code(values["product_model"]),
                production_date=dates["production_date"],
                plate_or_vin=vehicle,
                customer_name=values["customer_name"],
                phone=number_phone,
                delivery_date=dates["delivery_date"],
            )
        )
    if not result.rows and not result.errors:
        result.errors.append((header_number, _("The file has a header but no deliveries.")))
    return result


def normalise_header(cell: str) -> str:
    """Rule: column names compare without surrounding spaces, a byte-order mark, or case.

    Example: normalise_header("\\ufeff Batch_Number ") == "batch_number"
    Why: spreadsheet programs add a byte-order mark and people retype headers.
    """
    return (cell or "").replace("\ufeff", "").strip().lower()
