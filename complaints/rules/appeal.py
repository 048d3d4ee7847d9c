"""When a customer may appeal to the independent customer-experience office (pure: no database)."""

from datetime import datetime, timedelta
from enum import StrEnum


class AppealBar(StrEnum):
    """Why an appeal cannot be made now."""

    NOT_YET = "not_yet"  # open and the top level has not decided
    WINDOW_PASSED = "window_passed"  # closed longer ago than the admin's window


def appeal_bar(
    *,
    closed_at: datetime | None,
    at_top_level: bool,
    top_level_decided: bool,
    window_days: int,
    now: datetime,
) -> AppealBar | None:
    """Rule: a closed complaint may be appealed within the admin's window after it closed; an open
    one once it is at the top level and that level has decided (recorded a response or decision).
    Returns None when it may be appealed, else why not.

    Example: closed on 1 March, window 30 days: appealable until 31 March, not on 1 April; open at
    the top level with a compensation decision recorded there: appealable at once.
    Why: DOMAIN.md, "Beyond the top level": the office reviews what the ladder could not settle, so
    the ladder must have finished (closed) or run out (its top decided).
    """
    if closed_at is not None:
        return None if now <= closed_at + timedelta(days=window_days) else AppealBar.WINDOW_PASSED
    if at_top_level and top_level_decided:
        return None
    return AppealBar.NOT_YET
