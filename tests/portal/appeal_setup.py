"""Shared set-up of the appeal tests: the portal with appeals open to a customer-experience office,
its officers, and complaints that may (or may not yet) be appealed."""

from typing import Any

from complaints.choices import Channel, EscalationReason
from complaints.models import Complaint, Department, PortalSettings, Role
from complaints.services.escalation import complaint_escalate
from complaints.services.stages import contact_log
from tests.conftest import make_user
from tests.flows.test_flows__journey import first_response, register, verify


def open_appeals(org: dict[str, Any], **overrides: Any) -> PortalSettings:
    """The portal with appeals going to the "cx" office's customer-relations role: 7 days after
    closing, decided within 48 h, warned at 75 %."""
    office = Department.objects.create(code="cx", name="Customer experience office", kind="functional")
    values: dict[str, Any] = {
        "receiving_department": org["store_a"],
        "filings_per_address": 5,
        "filings_per_phone": 5,
        "filing_window_minutes": 60,
        "link_valid_days": 30,
        "appeal_department": office,
        "appeal_role": Role.objects.get(code="customer_relations"),
        "appeal_window_days": 7,
        "appeal_decision_hours": 48,
        "appeal_warning_percent": 75,
    }
    values.update(overrides)
    return PortalSettings.objects.create(**values)


def officer(name: str = "cx_1") -> Any:
    """An officer of the customer-experience office: decides appeals, handles no complaint."""
    return make_user(name, Department.objects.get(code="cx"), "customer_relations")


def closed_complaint(org: dict[str, Any], agent: Any, quality: Any, **overrides: Any) -> Complaint:
    """A complaint the agent registered (the customer gave an e-mail address) and quality closed as invalid."""
    overrides.setdefault("customer_email", "zhou@example.com")
    c = register(agent, org, **overrides)
    first_response(agent, c)
    verify(quality, c, outcome="invalid", explanation="Scratch was signed off at delivery.")
    c.refresh_from_db()
    return c


def at_top_level(org: dict[str, Any], agent: Any, *, decided: bool) -> tuple[Complaint, Any]:
    """An open complaint escalated to the top level; `decided`: an executive there logged a call
    with the customer (the level's decision). Returns it and the executive."""
    c = register(agent, org, customer_email="zhou@example.com")
    first_response(agent, c)
    c.refresh_from_db()
    complaint_escalate(complaint=c, actor=agent, reason=EscalationReason.CUSTOMER_ASKED, to_top=True)
    c.refresh_from_db()
    executive = make_user("exec_1", org["hq"], "executive")
    if decided:
        contact_log(complaint=c, actor=executive, channel=Channel.PHONE, summary="We offer a replacement.")
        c.refresh_from_db()
    return c, executive
