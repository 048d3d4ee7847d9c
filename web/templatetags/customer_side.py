"""The complaint page's card of what the customer was sent and did."""

from typing import Any

from django import template
from django.db.models import QuerySet
from django.utils import timezone

from complaints.choices import EventKind
from complaints.models import Appeal, Complaint, ComplaintEvent, CustomerLink, Notification
from complaints.selectors.appeal import appeal_refusal
from complaints.selectors.customer import portal_settings
from complaints.selectors.privacy import shield_rows

register = template.Library()

CUSTOMER_DID = (EventKind.CUSTOMER_ADDED, EventKind.CONFIRMATION, EventKind.FOLLOWED_UP)
CUSTOMER_CARD_ROWS = 50  # messages and customer actions the card lists (newest first)
LINK_ROWS = 20  # links the card lists (newest first)


def customer_appeal_rows(complaint: Complaint) -> QuerySet[Appeal]:
    """The complaint's appeal (at most one row), as the card shows it."""
    return Appeal.objects.filter(case=complaint).select_related("department", "decided_by")[:1]


def customer_link_rows(complaint: Complaint) -> QuerySet[CustomerLink]:
    return CustomerLink.objects.filter(complaint=complaint).order_by("-created_at")[:LINK_ROWS]


@register.inclusion_tag("web/complaint/_customer_card.html", takes_context=True)
def customer_card(context: dict[str, Any], complaint: Complaint) -> dict[str, Any]:
    """Messages to the customer with their delivery state, the links and when they were opened,
    what the customer did through them, and their appeal (or whether one can be made now, for a
    handler: the button to appeal for the customer). Like the rest of the page (services.privacy.
    complaint_shown), a reader who sees the case masked gets the addresses, the messages and the
    customer's and the office's words with the customer's details and any phone number or e-mail
    address masked."""
    full = bool(context.get("contact_full"))
    can_act = context.get("can_escalate") or context.get("can_reopen")
    # The page hands over what it read for its other cards (web.process_pages); else read here.
    if "customer_appeal" in context:
        appeal = context["customer_appeal"]
    else:
        appeal = next(iter(customer_appeal_rows(complaint)), None)
    may_appeal = (
        bool(can_act)
        and appeal is None
        and appeal_refusal(complaint=complaint, portal=portal_settings(), now=timezone.now(), appealed=False) is None
    )
    if appeal is not None:
        (appeal,) = shield_rows([appeal], fields=("grounds", "decision_text", "remedy"), complaint=complaint, full=full)
    sent = context.get("customer_sent")
    if sent is None:
        newest = Notification.objects.filter(complaint=complaint, recipient__isnull=True).order_by("-created_at")
        sent = newest[:CUSTOMER_CARD_ROWS]
    did = context.get("customer_did")
    if did is None:
        events = ComplaintEvent.objects.filter(complaint=complaint, kind__in=CUSTOMER_DID, actor__isnull=True)
        did = events.order_by("-at")[:CUSTOMER_CARD_ROWS]
    return {
        "complaint": complaint,
        "can_act": can_act,
        "appeal": appeal,
        "may_appeal": may_appeal,
        "sent": shield_rows(sent, fields=("address", "subject"), complaint=complaint, full=full),
        "links": context["customer_links"] if "customer_links" in context else customer_link_rows(complaint),
        "did": shield_rows(did, fields=("note",), complaint=complaint, full=full),
    }
