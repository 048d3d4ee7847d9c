"""Reads about appeals that the service, the customer's page and the staff card share: whether a
complaint may be appealed now, and to which office."""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintEvent, PortalSettings
from complaints.rules.appeal import AppealBar, appeal_bar
from complaints.rules.clocks import ANSWERING_EVENTS, is_closed
from complaints.selectors.escalation import held_ranks
from complaints.selectors.routing import levels_by_id


def appeal_office(portal: PortalSettings | None) -> tuple[Any, Any] | None:
    """The office's department and deciding role, or None while the admin has not opened appeals
    (office, role, window and decision time all set)."""
    if portal is None or None in (
        portal.appeal_department_id,
        portal.appeal_role_id,
        portal.appeal_window_days,
        portal.appeal_decision_hours,
    ):
        return None
    return portal.appeal_department, portal.appeal_role


def top_level_decided(complaint: Complaint) -> bool:
    """Whether the complaint sits at the ladder's top level and someone of that level (a holder of
    its role where it handles the complaint) recorded a response or decision since it arrived."""
    # The top of the ladder from the process's configuration copy (not a query per complaint page).
    top = max(levels_by_id().values(), key=lambda level: level.rank, default=None)
    if top is None or complaint.level_id != top.pk:
        return False
    decisions = ComplaintEvent.objects.filter(complaint=complaint, kind__in=ANSWERING_EVENTS, actor__isnull=False)
    if complaint.level_entered_at is not None:
        decisions = decisions.filter(at__gte=complaint.level_entered_at)
    deciders: set[Any] = {event.actor for event in decisions.select_related("actor")}
    return any(user.is_superuser or top.rank in held_ranks(user=user, complaint=complaint) for user in deciders)


def appeal_refusal(
    *, complaint: Complaint, portal: PortalSettings | None, now: datetime, appealed: bool | None = None
) -> str | None:
    """Why this complaint cannot be appealed now (translated, for the customer too), or None when
    it can. `appealed`: whether it has an appeal, when the caller has just read it (else asked)."""
    if appeal_office(portal) is None or portal is None:
        return _("Appeals are not open yet. Please call our hotline.")
    if complaint.appeals.exists() if appealed is None else appealed:
        return _("This complaint was already appealed; the customer-experience office reviews it once.")
    closed = is_closed(complaint)
    bar = appeal_bar(
        closed_at=complaint.closed_at if closed else None,
        at_top_level=not closed and complaint.level_id is not None,
        top_level_decided=not closed and top_level_decided(complaint),
        window_days=portal.appeal_window_days or 0,
        now=now,
    )
    if bar == AppealBar.WINDOW_PASSED:
        return _("The time to appeal (%(days)s days after closing) has passed.") % {"days": portal.appeal_window_days}
    if bar == AppealBar.NOT_YET:
        return _("You can appeal once our highest level has decided, or after the complaint is closed.")
    return None
