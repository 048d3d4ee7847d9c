"""The case library: closed complaints with a confirmed root cause, searchable, scoped and masked,
and the intake page's suggestions of similar closed cases."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.choices import ActionKind, ActionStatus, CauseVerdict
from complaints.models import CauseCategory, Complaint
from complaints.services import quality as services
from flows import driver
from tests.conftest import FLOW, FMT, intake_data
from tests.flows.test_flows__journey import as_user
from tests.quality_steps import FIVE_W_TWO_H


def closed_case(
    agent: Any, quality: Any, org: dict[str, Any], *, cause: str, category: str = "method", **fields: Any
) -> Complaint:
    """Registers a complaint and drives it through every step to closed, with `cause` as root cause."""
    c = driver.start_complaint(user=agent, data=intake_data(org, **fields))
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)

    def step(user: Any, node: Any, data: dict[str, Any]) -> None:
        driver.complete_step(complaint=c, node=node, user=user, data=data)

    step(agent, FLOW.first_response, {"channel": "phone", "summary": "Called.", "promise": "Fix", "promised_by": later})
    step(quality, FLOW.verification, {"outcome": "valid", "explanation": ""})
    step(agent, FLOW.containment, {"description": "Loaner car and tow.", "cost": "0"})
    services.problem_describe(complaint=c, actor=quality, answers=FIVE_W_TWO_H)
    root = services.cause_record(
        complaint=c,
        actor=quality,
        category=CauseCategory.objects.get(code=category),
        text=cause,
        evidence="Logs and records.",
        verdict=CauseVerdict.CONFIRMED,
    )
    step(quality, FLOW.root_cause, {"description": cause})
    action = services.action_plan(
        complaint=c,
        actor=quality,
        kind=ActionKind.PERMANENT,
        description="BMS firmware 2.3.1 rolled out.",
        causes=[root],
    )
    services.action_move(action=action, actor=quality, status=ActionStatus.DONE, evidence="Rolled out.")
    step(quality, FLOW.permanent_actions, {})
    services.action_verify(action=action, actor=quality, effective=True, evidence="No recurrence in 30 days.")
    step(quality, FLOW.effectiveness, {})
    step(agent, FLOW.customer_confirmation, {"outcome": "confirmed", "channel": "phone", "note": "Satisfied."})
    c.refresh_from_db()
    assert c.stage == "closed" and c.outcome == "resolved"
    return c


@pytest.fixture
def cases(org, agent, quality_engineer):
    power = closed_case(
        agent,
        quality_engineer,
        org,
        cause="BMS firmware cut the contactor on a voltage spike.",
        category="machine",
        product_model="EV-S7",
        customer_name="Chen Jun",
        customer_words="The car lost all power on the highway 高速断电.",
    )
    fridge = closed_case(
        agent,
        quality_engineer,
        org,
        cause="No corner guards used while carrying.",
        product_model="BCD-520W",
        customer_words="The fridge door arrived scratched.",
    )
    open_one = driver.start_complaint(
        user=agent, data=intake_data(org, product_model="EV-S7", customer_words="高速断电")
    )
    return {"power": power, "fridge": fridge, "open": open_one}


def test_the_library_lists_closed_cases_with_their_solution_and_masks_the_customer(cases, agent):
    page = as_user(agent).get("/workflow/cases/").content.decode()
    assert cases["power"].reference in page and cases["fridge"].reference in page
    assert cases["open"].reference not in page  # still open: not a case yet
    assert "BMS firmware cut the contactor" in page and "BMS firmware 2.3.1 rolled out." in page
    assert "Chen Jun" not in page and "C*** ***" in page
    assert "13700137004" not in page and "+8613700137004" not in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("product_model=ev-s7", ["power"]),
        ("cause_category=method", ["fridge"]),
        ("q=contactor", ["power"]),
        ("q=高速 断电", ["power"]),
        ("q=scratched", ["fridge"]),
        ("q=nothing-like-this", []),
    ],
)
def test_search_by_model_cause_and_words(cases, agent, query, found):
    page = as_user(agent).get(f"/workflow/cases/?{query}").content.decode()
    for name in ("power", "fridge"):
        assert (cases[name].reference in page) is (name in found), name


def test_search_by_category_includes_subcategories(org, cases, agent):
    from complaints.models import Category

    child = Category.objects.create(code="appliance-door", name="Door", parent=org["category"])
    Complaint.objects.filter(pk=cases["fridge"].pk).update(category=child)
    page = as_user(agent).get(f"/workflow/cases/?category={org['category'].pk}").content.decode()
    assert cases["fridge"].reference in page and cases["power"].reference in page
    page = as_user(agent).get(f"/workflow/cases/?category={child.pk}").content.decode()
    assert cases["fridge"].reference in page and cases["power"].reference not in page


def test_cases_outside_the_users_scope_are_not_in_the_library(cases, agent_b):
    page = as_user(agent_b).get("/workflow/cases/").content.decode()
    assert cases["power"].reference not in page and cases["fridge"].reference not in page
    panel = as_user(agent_b).get("/workflow/cases/similar/?product_model=EV-S7&words=断电").content.decode()
    assert cases["power"].reference not in panel


def test_the_intake_panel_suggests_the_closest_closed_case(org, cases, agent):
    url = f"/workflow/cases/similar/?category={org['category'].pk}&product_model=ev-s7&words=车在高速上断电了"
    panel = as_user(agent).get(url).content.decode()
    assert cases["power"].reference in panel and "BMS firmware cut the contactor" in panel
    assert panel.index(cases["power"].reference) < panel.index(cases["fridge"].reference)  # same category: shown after
    # The open complaint is no solved case; it may be the same incident (the triage part of the panel).
    assert f'data-case="{cases["open"].reference}"' not in panel
    empty = as_user(agent).get("/workflow/cases/similar/").content.decode()
    assert "Choose a category" in empty


def test_the_intake_page_carries_the_panel_and_its_script(org, agent):
    page = as_user(agent).get("/workflow/flows/complaint/start/").content.decode()
    assert 'id="rd-similar"' in page and "/workflow/cases/similar/" in page and "redress/similar-cases.js" in page


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_library_and_panel_cost_the_same_for_few_and_many_cases(org, cases, agent, quality_engineer):
    client = as_user(agent)
    panel = f"/workflow/cases/similar/?category={org['category'].pk}&product_model=EV-S7&words=断电"
    client.get("/workflow/cases/"), client.get(panel)  # warm: the process's configuration copy
    few = (_count(client, "/workflow/cases/"), _count(client, panel))
    for n in range(3):
        closed_case(agent, quality_engineer, org, cause=f"Cause {n} 断电", product_model="EV-S7")
    assert (_count(client, "/workflow/cases/"), _count(client, panel)) == few
    # The panel also reads the triage settings, the model in use (or the data count) and the open
    # complaints of the same incident.
    assert few[0] <= 25 and few[1] <= 22, few
