"""How a countdown reads, in the user's language; the page's script uses the same formats."""

from typing import Any

from django.utils.translation import gettext_lazy as _

SECONDS_PER_MINUTE, SECONDS_PER_HOUR, SECONDS_PER_DAY = 60, 3600, 86400

# {d} days, {h} hours, {m} minutes, {s} seconds; {time} the countdown of an overdue clock.
FORMATS = {
    "days": _("{d}d {h}h"),
    "hours": _("{h}h {m}m"),
    "minutes": _("{m}m {s}s"),
    "overdue": _("overdue {time}"),
}


def format_left(seconds: float) -> str:
    """Returns time left as the two largest units ("2h 05m"), or how long overdue ("overdue 1d 3h")."""
    overdue = seconds < 0
    total = int(abs(seconds))
    days, rest = divmod(total, SECONDS_PER_DAY)
    hours, rest = divmod(rest, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    if days:
        text = str(FORMATS["days"]).format(d=days, h=hours)
    elif hours:
        text = str(FORMATS["hours"]).format(h=hours, m=f"{minutes:02d}")
    else:
        text = str(FORMATS["minutes"]).format(m=minutes, s=f"{secs:02d}")
    return str(FORMATS["overdue"]).format(time=text) if overdue else text


def script_formats() -> dict[str, Any]:
    """The formats and labels for static/redress/worklist-countdown.js (json_script on the list page)."""
    return {key: str(value) for key, value in FORMATS.items()}
