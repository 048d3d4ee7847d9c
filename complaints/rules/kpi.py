"""The management numbers: what each KPI means, periods, percentiles and Pareto shares.

Pure functions over plain values: no ORM, no I/O. The selectors (complaints/selectors/kpi.py)
count; this module says what the counts mean.
"""

import calendar
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Definition:
    code: str
    title: Promise
    text: Promise


# One entry per KPI of DOMAIN.md, in the order the dashboard shows them. The cohort of every KPI is
# the same: the complaints received in the period that the user may see and that match the filters.
DEFINITIONS = (
    Definition(
        "volume",
        _("Volume"),
        _(
            "Complaints received in the period (registered ones only). Invalid complaints and duplicates "
            "are counted here and shown apart; every other KPI leaves them out."
        ),
    ),
    Definition(
        "fcr",
        _("First-contact resolution"),
        _(
            "Of the valid complaints received in the period and closed as resolved, the share closed at the "
            "level triage gave them: never escalated and never reopened."
        ),
    ),
    Definition(
        "escalation",
        _("Escalation rate per level"),
        _(
            "For each level: of the valid complaints received in the period that were handled at that level "
            "(started there or were escalated to it), the share escalated further up from it."
        ),
    ),
    Definition(
        "resolution_time",
        _("Resolution time per level and priority"),
        _(
            "From receipt to closing, for the valid complaints received in the period and closed as resolved, "
            "grouped by the level at which they closed and their priority: the median (half took less) and the "
            "90th percentile (nine in ten took less). Calendar time, including time waiting for the customer. "
            "Read from a histogram of the durations (buckets 5 % wide): each figure is within 2.5 % "
            "(and one minute) of the exact one."
        ),
    ),
    Definition(
        "deadlines",
        _("Deadlines met per clock kind"),
        _(
            "For each kind of clock (first response, level response, resolution, follow-up…): of the valid "
            "complaints received in the period that had such a clock finish, the share where none of those "
            "clocks passed its due time."
        ),
    ),
    Definition(
        "satisfaction",
        _("Follow-up satisfaction"),
        _(
            "Of the complaints received in the period with a follow-up score, the share scoring at least the "
            "“satisfied from” score of the KPI settings; compared with the target set there."
        ),
    ),
    Definition(
        "recovery",
        _("Satisfaction recovery"),
        _(
            "Of the complaints received in the period whose customer was at or above the recovery emotion of the "
            "KPI settings at intake (before) and gave a follow-up score (after), the share that ended satisfied."
        ),
    ),
    Definition(
        "repeat",
        _("Repeat-complaint rate"),
        _(
            "Of the valid complaints received in the period, the share triage marked as a repeat (the same "
            "customer about the same category or product more often than the process settings allow)."
        ),
    ),
    Definition(
        "suggestions",
        _("Triage suggestions taken"),
        _(
            "Of the complaints received in the period for which the triage model made suggestions at intake, "
            "the share where the agent took every suggestion (category, registering department, priority) "
            "rather than overriding one. A falling share means the model should be trained again or switched off."
        ),
    ),
    Definition(
        "cost",
        _("Compensation and corrective-action cost"),
        _(
            "For the complaints received in the period: compensation agreed within a level's authority plus "
            "compensation approved above it (CNY), and the recorded cost of their corrective actions (CNY)."
        ),
    ),
    Definition(
        "batches",
        _("Open batch investigations"),
        _("Batch investigations still open that hold at least one complaint you may see (any period)."),
    ),
    Definition(
        "appeals",
        _("Appeals"),
        _(
            "Complaints received in the period that the customer (or an agent for them) appealed to the independent "
            "customer-experience office, and of the appeals the office decided, the share it upheld in full or in "
            "part (the upheld rate)."
        ),
    ),
    Definition(
        "pareto_category",
        _("Categories (Pareto)"),
        _("Valid complaints received in the period per category, largest first, with the cumulative share."),
    ),
    Definition(
        "pareto_cause",
        _("Confirmed root causes by 6M category (Pareto)"),
        _(
            "Causes confirmed on the fishbone of the complaints received in the period, per cause category, "
            "largest first, with the cumulative share."
        ),
    ),
    Definition(
        "responsibility",
        _("Responsibility shares"),
        _(
            "The responsibility shares of the root-cause analyses of the complaints received in the period, "
            "added up per department or outside party (one complaint counts as one, split by its shares)."
        ),
    ),
    Definition(
        "trend",
        _("Trend"),
        _("Complaints received per week (per month for periods longer than a quarter), valid and escalated."),
    ),
)
DEFINITION_BY_CODE = {d.code: d for d in DEFINITIONS}


def rate(part: int, whole: int) -> float | None:
    """Rule: part / whole as a percentage with one decimal, None when there is nothing to divide.
    Example: rate(3, 4) == 75.0; rate(0, 0) is None (shown as "no data", never as 0 %).
    Why: an empty cohort is not a 0 % score."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def rebased_due(*, due: datetime, own: datetime, basis: datetime) -> datetime:
    """Rule: a clock's due time on another basis (HQ's limits instead of the region's own) is its
    actual due time moved by the difference between the two limits counted from the clock's start.
    Example: a region resolves within 72 h where HQ allows 48 h; a clock started Monday 09:00 was
    due Thursday 09:00 (own: Thursday 09:00, HQ: Wednesday 09:00), so on HQ's basis it was due
    Wednesday 09:00; had the customer paused it for a day (due Friday 09:00), Thursday 09:00.
    Why: the customer's pauses and any moved deadline stay as they were; only the limit changes."""
    return due + (basis - own)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Rule: the p-th percentile (0–100) by linear interpolation between the closest ranks (the
    definition of PostgreSQL's percentile_cont and of Excel's PERCENTILE.INC); None for no values.
    Example: percentile([1, 2, 3, 4], 50) == 2.5; percentile([10], 90) == 10.
    Why: one definition for the dashboard, the packs and the database's own aggregate."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# Resolution times are kept as a histogram (the summary rows count resolved complaints per bucket):
# bucket 0 holds durations under BUCKET_FLOOR_HOURS, bucket k ≥ 1 those in
# [BUCKET_FLOOR_HOURS × BUCKET_RATIO^(k-1), BUCKET_FLOOR_HOURS × BUCKET_RATIO^k). A storage format, not
# a policy (changing it means `kpi_rebuild`); the precision it gives is stated in the definition above.
BUCKET_FLOOR_HOURS = 1 / 60  # one minute
BUCKET_RATIO = 1.05


def hours_bucket(hours: float) -> int:
    """Rule: the histogram bucket of a duration in hours: 0 under one minute, else
    1 + floor(log(hours / 1 minute) / log 1.05), so each bucket is 5 % wider than the one before.
    Example: hours_bucket(0.01) == 0; hours_bucket(4) == 113 (3.94 h to 4.13 h).
    Why: buckets whose width grows with the duration keep the same relative precision for a
    two-hour case and a two-week one, in about 270 buckets up to a year."""
    if hours < BUCKET_FLOOR_HOURS:
        return 0
    return 1 + math.floor(math.log(hours / BUCKET_FLOOR_HOURS) / math.log(BUCKET_RATIO))


def bucket_hours(bucket: int) -> float:
    """Rule: the value that stands for a bucket: 0 for bucket 0, else the geometric middle of the
    bucket's edges (BUCKET_FLOOR_HOURS × BUCKET_RATIO^(bucket - ½)).
    Example: bucket_hours(113) ≈ 4.03 (for 3.94 h to 4.13 h).
    Why: the geometric middle is at most √1.05 − 1 < 2.47 % away from every duration in the bucket."""
    if bucket <= 0:
        return 0.0
    return BUCKET_FLOOR_HOURS * BUCKET_RATIO ** (bucket - 0.5)


def histogram_percentile(counts: Mapping[int, int], p: float) -> float | None:
    """Rule: percentile() of the durations counted in a histogram {bucket: count}, each duration taken
    as its bucket's value (bucket_hours); None for an empty histogram.
    Example: {113: 2, 132: 1} (4 h, 4.1 h, 10 h) → median bucket_hours(113) ≈ 4.03.
    Why: the summary rows keep counts per bucket, not the durations. Every duration moves by at most
    2.47 % of itself (or by less than a minute in bucket 0) and the order of the durations is kept, so
    the interpolated percentile moves by at most 2.47 % of the exact one plus one minute."""
    total = sum(n for n in counts.values() if n > 0)
    if total <= 0:
        return None
    position = (total - 1) * p / 100.0
    low, high = math.floor(position), math.ceil(position)
    values: dict[int, float] = {}
    seen = 0
    for bucket in sorted(b for b, n in counts.items() if n > 0):
        first, seen = seen, seen + counts[bucket]
        for rank in (low, high):
            if first <= rank < seen:
                values[rank] = bucket_hours(bucket)
    return values[low] + (values[high] - values[low]) * (position - low)


@dataclass(frozen=True)
class ParetoRow:
    key: str
    label: str
    count: float
    share: float
    cumulative: float


def pareto(counts: Iterable[tuple[str, str, float]]) -> list[ParetoRow]:
    """Rule: rows (key, label, count) sorted by count (largest first, then label), each with its share
    and the cumulative share of the total in percent; zero counts are left out.
    Example: pareto([("a", "A", 1), ("b", "B", 3)]) → B 75 % (75 %), A 25 % (100 %).
    Why: the review starts with the few categories that make most of the complaints."""
    rows = sorted((c for c in counts if c[2] > 0), key=lambda c: (-c[2], c[1]))
    total = sum(c[2] for c in rows)
    out, running = [], 0.0
    for key, label, count in rows:
        running += count
        out.append(
            ParetoRow(
                key=key,
                label=label,
                count=count,
                share=round(100.0 * count / total, 1),
                cumulative=round(100.0 * running / total, 1),
            )
        )
    return out


@dataclass(frozen=True)
class Period:
    """A half-open span of local days [start, end), with the name the packs and the URL use."""

    start: date
    end: date
    name: str

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """The aware datetimes of the first and the day after the last day, in the time zone given."""
        return datetime.combine(self.start, time.min, tz), datetime.combine(self.end, time.min, tz)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def period_parse(name: str) -> Period:
    """Rule: "2026-W48" is that ISO week (Monday to Sunday), "2026-11" that calendar month; anything
    else raises ValueError.
    Example: period_parse("2026-W48") == Period(date(2026, 11, 23), date(2026, 11, 30), "2026-W48").
    Why: the review packs and the command name periods the way people say them."""
    name = name.strip()
    if m := WEEK.match(name):
        year, week = int(m.group(1)), int(m.group(2))
        start = date.fromisocalendar(year, week, 1)  # raises ValueError for week 0 or 54
        return Period(start, start + timedelta(weeks=1), f"{year}-W{week:02d}")
    if m := MONTH.match(name):
        year, month = int(m.group(1)), int(m.group(2))
        start = date(year, month, 1)
        return Period(start, date(year + month // 12, month % 12 + 1, 1), f"{year}-{month:02d}")
    raise ValueError(name)


def week_of(day: date) -> Period:
    """The ISO week holding the day."""
    year, week, _weekday = day.isocalendar()
    return period_parse(f"{year}-W{week}")


def month_of(day: date) -> Period:
    return period_parse(f"{day.year}-{day.month}")


def previous_period(kind: str, today: date) -> Period:
    """Rule: the last complete week ("weekly") or month ("monthly") before the one holding `today`.
    Example: previous_period("weekly", date(2026, 12, 3)) is 2026-W48.
    Why: Monday's review looks at last week, not at the day it is held."""
    if kind == "weekly":
        return week_of(week_of(today).start - timedelta(days=1))
    return month_of(month_of(today).start - timedelta(days=1))


def trend_unit(period_days: int, quarter_days: int) -> str:
    """Rule: "week" for periods up to a quarter, "month" beyond.
    Why: a year in weeks is 52 unreadable bars on a phone."""
    return "week" if period_days <= quarter_days else "month"


def money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def level_durations(
    *, start_level: int | None, received: datetime | None, moves: Sequence[tuple[datetime, int]], end: datetime
) -> dict[int, float]:
    """Rule: hours spent at each level, from receipt at the starting level through each move (when,
    to which level) until `end` (closing, or now for an open complaint); a level visited twice adds up.
    Example: received 08:00 at level 1, moved to level 2 at 10:00, closed 11:00 → {1: 2.0, 2: 1.0}.
    Why: "resolution time per level" in the export counts the time each level held the case."""
    if start_level is None or received is None:
        return {}
    hours: dict[int, float] = {}
    level, since = start_level, received
    for at, to_level in sorted(moves):
        hours[level] = hours.get(level, 0.0) + max((at - since).total_seconds(), 0.0) / 3600
        level, since = to_level, at
    hours[level] = hours.get(level, 0.0) + max((end - since).total_seconds(), 0.0) / 3600
    return {k: round(v, 2) for k, v in hours.items()}


def month_after(day: date) -> date:
    """The first day of the month after `day`'s."""
    first = day.replace(day=1)
    return first + timedelta(days=calendar.monthrange(first.year, first.month)[1])
