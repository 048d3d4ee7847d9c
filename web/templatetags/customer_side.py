"""The complaint page's card of what the customer was sent and did."""

from typing import Any

from django import template

from complaints.choices import EventKind
from complaints.models import Complaint, ComplaintEvent, CustomerLink, Notification

register = template.Library()

CUSTOMER_DID = (EventKind.CUSTOMER_ADDED, EventKind.CONFIRMATION, EventKind.FOLLOWED_UP)


@register.inclusion_tag("web/complaint/_customer_card.html", takes_context=True)
def customer_card(context: dict[str, Any], complaint: Complaint) -> dict[str, Any]:
    """Messages to the customer with their delivery state, the links and when they were opened,
    and what the customer did through them (three queries)."""
    return {
        "complaint": complaint,
        "can_act": context.get("can_escalate") or context.get("can_reopen"),
        "sent": Notification.objects.filter(complaint=complaint, recipient__isnull=True).order_by("-created_at")[:50],
        "links": CustomerLink.objects.filter(complaint=complaint).order_by("-created_at")[:20],
        "did": ComplaintEvent.objects.filter(complaint=complaint, kind__in=CUSTOMER_DID, actor__isnull=True).order_by(
            "-at"
        )[:50],
    }
