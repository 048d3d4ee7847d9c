"""Business time end to end: the server runs in UTC, the store level counts the office-hours
calendar of Asia/Shanghai (Mon–Fri 09:00–18:00). A complaint (P2: respond within 2 business hours,
warned at 80 % = 96 minutes) is registered on Friday 2026-09-18 at 17:00 Shanghai (09:00 UTC). The
admin then edits the calendar and recomputes the deadlines of open complaints: the response clock
follows the edit. Expected times are worked out by hand."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from complaints.models import BusinessCalendar, CalendarDay, Clock, EscalationLevel, WorkingHours
from complaints.services.clocks import clocks_sweep
from complaints.services.deadlines import complaint_deadlines_recompute_for_level
from flows import driver
from tests.conftest import intake_data

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
BER = ZoneInfo("Europe/Berlin")  # CEST (+02) until Sun 2026-10-25 03:00, then CET (+01)
FRIDAY_17_SH = datetime(2026, 9, 18, 9, 0, tzinfo=UTC)
FRIDAY_17_BERLIN_BEFORE_DST_ENDS = datetime(2026, 10, 23, 15, 0, tzinfo=UTC)


def office() -> BusinessCalendar:
    return BusinessCalendar.objects.get(code="office-hours")


def no_edit() -> None:
    return None


def monday_holiday() -> None:
    CalendarDay.objects.create(calendar=office(), date=date(2026, 9, 21), kind="holiday", name="Extra day off")


def monday_opens_late() -> None:
    CalendarDay.objects.create(
        calendar=office(), date=date(2026, 9, 21), kind="working_day", start=time(13), end=time(18)
    )


def saturday_worked() -> None:
    CalendarDay.objects.create(
        calendar=office(), date=date(2026, 9, 19), kind="working_day", start=time(9), end=time(18)
    )


def friday_closes_at_five() -> None:
    WorkingHours.objects.filter(calendar=office(), weekday=4).update(end=time(17))


def calendar_in_berlin() -> None:
    BusinessCalendar.objects.filter(code="office-hours").update(time_zone="Europe/Berlin")


@pytest.mark.parametrize(
    ("registered", "edit", "due", "warn"),
    [
        # Fri 17–18 = 1 h, Mon 09–10 = 1 h; warning after 60 + 36 minutes
        (FRIDAY_17_SH, no_edit, datetime(2026, 9, 21, 10, tzinfo=SH), datetime(2026, 9, 21, 9, 36, tzinfo=SH)),
        (FRIDAY_17_SH, monday_holiday, datetime(2026, 9, 22, 10, tzinfo=SH), datetime(2026, 9, 22, 9, 36, tzinfo=SH)),
        (
            FRIDAY_17_SH,
            monday_opens_late,
            datetime(2026, 9, 21, 14, tzinfo=SH),
            datetime(2026, 9, 21, 13, 36, tzinfo=SH),
        ),
        (FRIDAY_17_SH, saturday_worked, datetime(2026, 9, 19, 10, tzinfo=SH), datetime(2026, 9, 19, 9, 36, tzinfo=SH)),
        # Friday now closes at 17:00: nothing left on Friday, Mon 09–11
        (
            FRIDAY_17_SH,
            friday_closes_at_five,
            datetime(2026, 9, 21, 11, tzinfo=SH),
            datetime(2026, 9, 21, 10, 36, tzinfo=SH),
        ),
        # Same instant read in Berlin: 11:00 CEST on Friday, two hours left that day
        (
            FRIDAY_17_SH,
            calendar_in_berlin,
            datetime(2026, 9, 18, 13, tzinfo=BER),
            datetime(2026, 9, 18, 12, 36, tzinfo=BER),
        ),
        # Fri 17:00 CEST + 1 h; the clocks go back on Sunday; Mon 09:00–10:00 CET
        (
            FRIDAY_17_BERLIN_BEFORE_DST_ENDS,
            calendar_in_berlin,
            datetime(2026, 10, 26, 10, tzinfo=BER),
            datetime(2026, 10, 26, 9, 36, tzinfo=BER),
        ),
    ],
    ids=[
        "as-configured",
        "monday-made-a-holiday",
        "monday-opens-late",
        "saturday-made-a-working-day",
        "friday-hours-shortened",
        "calendar-moved-to-berlin",
        "berlin-across-dst",
    ],
)
def test_a_calendar_edit_moves_open_clocks_when_the_admin_recomputes(
    org: dict[str, Any], agent: Any, settings: Any, registered: datetime, edit: Any, due: datetime, warn: datetime
) -> None:
    settings.TIME_ZONE = "UTC"  # the server's zone plays no part: the calendar's zone decides
    with time_machine.travel(registered, tick=False):
        # The promise to the customer lies beyond the level's clocks (its own clock would escalate first).
        promise = (timezone.localtime() + timedelta(days=40)).strftime("%Y-%m-%d %H:%M")
        complaint = driver.start_complaint(user=agent, data=intake_data(org, promised_response_at=promise))
    assert complaint.priority.code == "P2" and complaint.level.business_time
    edit()
    level = EscalationLevel.objects.get(pk=complaint.level_id)
    complaint_deadlines_recompute_for_level(level=level)
    clock = Clock.objects.get(complaint=complaint, kind="response", state="running")
    assert (clock.due_at, clock.warn_at) == (due, warn)
    complaint.refresh_from_db()
    assert complaint.response_due == due
    # The sweep honours the recomputed times: nothing a second early, the warning on time, once.
    clocks_sweep(now=warn - timedelta(seconds=1))
    clock.refresh_from_db()
    assert clock.warned_at is None
    clocks_sweep(now=warn + timedelta(seconds=1))
    clocks_sweep(now=warn + timedelta(seconds=2))
    clock.refresh_from_db()
    assert clock.warned_at == warn + timedelta(seconds=1)
    assert complaint.events.filter(kind="deadline_warning", new__clock="response").count() == 1
