"""The API's lists at size (issue 17): the task lists read their rows' complaints with the rows (a
constant number of queries, not two a row), and the complaint list pages newest first through the
index the staff complaint list uses."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from flows.driver import start_complaint
from tests.conftest import intake_data


def register(org: dict[str, Any], agent: Any, count: int) -> list[Complaint]:
    start = Complaint.objects.count()
    return [
        start_complaint(user=agent, data=intake_data(org, customer_phone=f"137{start + n + 1:08d}"))
        for n in range(count)
    ]


def read(client: Any, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_the_task_lists_cost_the_same_for_2_and_6_rows_and_name_each_rows_complaint(org, agent, api_agent):
    register(org, agent, 2)
    read(api_agent, "/api/tasks/inbox/")  # the token's first use is recorded once
    few, rows = read(api_agent, "/api/tasks/inbox/")
    assert len(rows) == 2
    register(org, agent, 4)
    many, rows = read(api_agent, "/api/tasks/inbox/")
    assert len(rows) == 6
    assert many == few, (few, many)
    references = dict(Complaint.objects.values_list("pk", "reference"))
    assert all(row["reference"] == references[row["complaint"]] for row in rows), rows
    queue_few, _ = read(api_agent, "/api/tasks/queue/")
    assert queue_few <= few


def test_the_complaint_list_pages_newest_first_with_its_cursor(org, agent, api_agent):
    made = register(org, agent, 3)
    newest_first = [c.reference for c in sorted(made, key=lambda c: c.created, reverse=True)]
    _, page = read(api_agent, "/api/complaints/?page_size=2")
    assert [row["reference"] for row in page["results"]] == newest_first[:2]
    _, rest = read(api_agent, page["next"])
    assert [row["reference"] for row in rest["results"]] == newest_first[2:]
    assert rest["next"] is None
