"""Every flow's own process and task lists (viewflow's pages under /workflow/flows/<flow>/) cost the
same number of queries for one row as for two: no count of every row (a page reads one row past
itself), no DISTINCT over every task for the filter's steps (named from the flow), no GROUP BY over
every process for the open tasks, and no query per row for its summary (the page's cases and side
processes come in a query each). At 1,000,000 complaints the complaint flow's task list took 12 s
and the custom steps' process list 52 queries for 25 rows."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import CustomStepRun, Mention
from tests.conftest import make_user
from tests.flows.test_flows__custom_steps import at_verification, make_step
from tests.flows.test_flows__journey import as_user, verify
from tests.web.page_helpers import page_url

pytestmark = pytest.mark.django_db

FLOWS = ("complaint", "mention", "customstep")


def queries(client: Client, url: str) -> int:
    client.get(url)  # viewflow keeps the last list in the session: written on the first visit
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def costs(client: Client) -> dict[str, int]:
    return {
        **{
            f"{flow}/{page}": queries(client, f"/workflow/flows/{flow}/{page}/")
            for flow in FLOWS
            for page in ("flows", "tasks")
        },
        # viewflow's process admin, every flow's processes in one list, each with its summary
        "admin/processes": queries(client, "/admin/viewflow/process/"),
    }


def test_each_flows_lists_cost_the_same_for_one_row_and_two(org, agent, quality_engineer):
    make_step()  # a custom step after verification: a run per complaint
    make_user("manager_a", org["store_a"], "store_manager")

    def one_more() -> None:
        complaint = at_verification(agent, org)
        verify(quality_engineer, complaint)
        note = {"text": "@manager_a please call the customer."}
        assert as_user(agent).post(page_url(complaint, "note"), note).status_code == 302

    one_more()
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("lists_admin", password="x"))
    one = costs(client)
    one_more()
    assert CustomStepRun.objects.count() == Mention.objects.count() == 2
    assert costs(client) == one, one


def test_a_flows_task_list_offers_its_steps_by_name_without_reading_the_tasks(org, agent):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("lists_admin", password="x"))
    html = client.get("/workflow/flows/complaint/tasks/").content.decode()
    # No complaint yet: the steps come from the flow.
    assert "flows/flows.ComplaintFlow.verification" in html
    assert "flows/flows.ComplaintFlow.root_cause" in html


def test_every_flow_opens_on_its_own_scoped_process_list(org, agent, outsider):
    """A flow's index (the Processes menu) is its process list, scoped to the visitor, not viewflow's
    kanban (a statement per step over every task of the flow, a query per card)."""
    from flows.flows import FLOWS as FLOW_CLASSES

    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("flows_admin", password="x"))
    labels = [flow.instance.flow_label for flow in FLOW_CLASSES]
    assert {"complaint", "approval", "mention", "customstep"} <= set(labels), labels
    for label in labels:
        response = admin.get(f"/workflow/flows/{label}/")
        assert response.status_code == 302, label
        assert response["Location"] == f"/workflow/flows/{label}/flows/", label
        assert admin.get(response["Location"]).status_code == 200, label
    # Someone who may not see a flow's list is still refused there.
    stranger = as_user(outsider)
    assert stranger.get("/workflow/flows/customstep/", follow=True).status_code == 403
