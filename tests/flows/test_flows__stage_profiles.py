"""Stage profiles configure the flow without code: which optional stages run, who handles them."""

from typing import Any

from viewflow.workflow import PROCESS
from viewflow.workflow.models import Task

from complaints.choices import Outcome, Stage
from complaints.models import Category, Priority, Role, StageProfile, StageRoute
from tests.conftest import FLOW, make_user, open_task
from tests.flows.test_flows__journey import do, first_response, register


def node_names(complaint: Any) -> list[str]:
    tasks = Task.objects.filter(process_id=complaint.pk).order_by("pk")
    return [task.flow_task.name for task in tasks]


def test_enquiry_goes_intake_first_response_resolution_confirmation(org: dict[str, Any], agent: Any) -> None:
    enquiry = Category.objects.get(code="enquiry")
    c = register(agent, org, category=str(enquiry.pk), requested_amount=None)
    assert c.stage_profile is not None and c.stage_profile.category == enquiry
    assert c.priority.code == "P3"  # the preset's enquiry rule

    first_response(agent, c)
    c.refresh_from_db()
    assert c.stage == Stage.CONTAINMENT  # no verification, no root cause
    do(agent, c, FLOW.containment, {"description": "Explained the warranty terms.", "cost": "0"})
    c.refresh_from_db()
    assert c.stage == Stage.CUSTOMER_CONFIRMATION  # no permanent actions, no effectiveness check
    do(agent, c, FLOW.customer_confirmation, {"outcome": "confirmed", "channel": "phone", "note": "Clear now."})
    c.refresh_from_db()
    assert c.stage == Stage.CLOSED and c.outcome == Outcome.RESOLVED
    assert c.status == PROCESS.DONE  # no follow-up in this profile
    human = {"first_response", "verification", "root_cause", "permanent_actions", "effectiveness", "follow_up"}
    ran = set(node_names(c))
    assert ran & human == {"first_response"}
    assert {"containment", "customer_confirmation"} <= ran


def test_profile_without_confirmation_closes_as_resolved_after_resolution(org: dict[str, Any], agent: Any) -> None:
    StageProfile.objects.filter(category__code="enquiry").update(customer_confirmation=False)
    c = register(agent, org, category=str(Category.objects.get(code="enquiry").pk))
    first_response(agent, c)
    do(agent, c, FLOW.containment, {"description": "Answered.", "cost": "0"})
    c.refresh_from_db()
    assert c.stage == Stage.CLOSED and c.outcome == Outcome.RESOLVED and c.closed_at is not None


def test_a_subcategory_follows_its_parents_profile(org: dict[str, Any], agent: Any) -> None:
    child = Category.objects.create(code="enquiry-price", name="Price", parent=Category.objects.get(code="enquiry"))
    c = register(agent, org, category=str(child.pk))
    assert c.stage_profile == StageProfile.objects.get(category__code="enquiry")


def test_category_and_priority_profile_beats_category_only(org: dict[str, Any], agent: Any) -> None:
    appliance = org["category"]
    StageProfile.objects.create(name="Appliance", category=appliance, root_cause=False)
    urgent = StageProfile.objects.create(
        name="Appliance P0", category=appliance, priority_id=org_priority("P0"), follow_up=False
    )
    assert register(agent, org, risk_flagged="on").stage_profile == urgent
    assert register(agent, org).stage_profile.name == "Appliance"


def org_priority(code: str) -> int:
    return Priority.objects.get(code=code).pk


def test_profile_routes_a_step_to_another_role(org: dict[str, Any], agent: Any) -> None:
    profile = StageProfile.objects.get(category__code="enquiry")
    manager_role = Role.objects.get(code="store_manager")
    StageRoute.objects.create(profile=profile, stage="containment", role=manager_role)
    manager = make_user("manager_a", org["store_a"], "store_manager")
    c = register(agent, org, category=str(Category.objects.get(code="enquiry").pk))
    first_response(agent, c)
    task = open_task(c, FLOW.containment)
    assert task.owner_permission == "complaints.queue__store-a__store_manager"
    do(manager, c, FLOW.containment, {"description": "Manager granted a voucher.", "cost": "50"})
    # a complaint of another category still uses the general routing
    other = register(agent, org)
    first_response(agent, other)
    assert open_task(other, FLOW.verification).owner_permission == "complaints.queue__quality__quality_engineer"
