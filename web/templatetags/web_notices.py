"""The header's notification bell: the reader's unread count, one query per page at most (kept a
short while per user: web.header_counts)."""

from typing import Any

from django import template

from complaints.selectors.inbox import unread_count
from web.header_counts import kept_for_user

register = template.Library()


@register.inclusion_tag("web/_notification_bell.html", takes_context=True)
def notification_bell(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread": 0, "user": user}
    return {"unread": kept_for_user(request, "unread", None, lambda: unread_count(user)), "user": user}
