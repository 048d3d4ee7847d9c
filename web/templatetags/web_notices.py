"""The header's notification bell: the reader's unread count, one query per page."""

from typing import Any

from django import template

from complaints.selectors.inbox import unread_count

register = template.Library()


@register.inclusion_tag("web/_notification_bell.html", takes_context=True)
def notification_bell(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": unread_count(user) if user is not None else 0, "user": user}
