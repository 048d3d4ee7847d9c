"""The one countdown of the staff pages: how a deadline clock reads ("3h 05m left", "overdue by
20m", "paused · 2h left") and in which state it is (ok, warn, breached, paused). The complaint
page's clocks and the worklists' time-left column are drawn with it, and static/redress/countdown.js
keeps them running with the same phrases (countdown_labels, handed to the page as JSON)."""

from collections.abc import Mapping
from datetime import datetime

from django.utils.translation import gettext as _


def countdown_labels() -> dict[str, str]:
    """The phrases a countdown is written with, for the server's first rendering and for
    static/redress/countdown.js (same placeholders, filled the same way)."""
    return {
        "dh": _("%(days)sd %(hours)sh"),
        "hm": _("%(hours)sh %(minutes)sm"),
        "m": _("%(minutes)sm"),
        "left": _("%(time)s left"),
        "over": _("overdue by %(time)s"),
        "paused": _("paused · %(time)s left"),
    }


def duration_words(seconds: float, labels: Mapping[str, str]) -> str:
    """Rule: a duration in the two largest units (days and hours, else hours and minutes, else
    minutes), minutes two digits after hours; never negative.

    Example: duration_words(93_780, labels) == "1d 2h"; duration_words(7_500, labels) == "2h 05m".
    Why: an agent glancing at a clock needs "how long" at the precision that matters now.
    """
    total = max(int(seconds), 0) // 60
    days, rest = divmod(total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return labels["dh"] % {"days": days, "hours": hours}
    if hours:
        return labels["hm"] % {"hours": hours, "minutes": f"{minutes:02d}"}
    return labels["m"] % {"minutes": minutes}


def clock_reading(
    *,
    due: datetime,
    warn: datetime | None,
    paused: bool,
    remaining_seconds: float | None,
    now: datetime,
    labels: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """Rule: a clock's state ("paused", "breached", "warn" past its warning time, else "ok") and
    its words ("3h 05m left", "overdue by 20m", "paused · 2h left").

    Example: due in 2 h, warning passed → ("warn", "2h 00m left").
    Why: the header shows at a glance which promise is at risk; the script keeps it current.
    `labels`: countdown_labels, when the caller reads many clocks (a list's rows) in one language.
    """
    labels = labels or countdown_labels()
    if paused:
        return "paused", labels["paused"] % {"time": duration_words(remaining_seconds or 0, labels)}
    left = (due - now).total_seconds()
    if left <= 0:
        return "breached", labels["over"] % {"time": duration_words(-left, labels)}
    state = "warn" if warn is not None and now >= warn else "ok"
    return state, labels["left"] % {"time": duration_words(left, labels)}
