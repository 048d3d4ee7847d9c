"""The admin's complaint list and viewflow's process and task lists at size (issue 17): a page
costs the same however many rows it shows, and nothing reads every row of the table but the
paginator's one count (no DISTINCT over every complaint, no date hierarchy listing the years and
months of every row, the flows named from the code)."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task

from complaints.models import Complaint
from flows.driver import start_complaint
from flows.flows import FLOWS, ComplaintFlow
from tests.conftest import intake_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client = Client()
    client.force_login(user)
    return client


def register(org: dict[str, Any], agent: Any, count: int) -> None:
    start = Complaint.objects.count()
    for n in range(count):
        start_complaint(user=agent, data=intake_data(org, customer_phone=f"137{start + n + 1:08d}"))


def statements(client: Client, url: str) -> tuple[list[str], str]:
    client.get(url)  # the first visit fills the configuration's copies
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured], response.content.decode()


@pytest.mark.parametrize("url", ["/admin/complaints/complaint/", "/admin/viewflow/process/", "/admin/viewflow/task/"])
def test_each_list_costs_the_same_for_2_and_6_complaints(org, agent, root, url):
    register(org, agent, 2)
    few, _ = statements(root, url)
    register(org, agent, 4)
    many, page = statements(root, url)
    assert len(many) == len(few), (len(few), len(many))  # the process summaries: a query per flow
    if url == "/admin/viewflow/process/":  # each row's summary (viewflow's brief): its reference
        assert all(reference in page for reference in Complaint.objects.values_list("reference", flat=True))
    assert not any("DISTINCT" in sql or "DATE_TRUNC" in sql for sql in many), [s[:120] for s in many]
    assert sum("COUNT(" in sql for sql in many) == 1  # the page's count; no second one of the whole table
    assert "created__gte" in page  # the date filter in place of the hierarchy
    assert "_facets" not in page  # no "show counts": a count per filter choice over every row
    assert root.get(url, {"_facets": "True"}).status_code == 200


def test_the_admins_complaint_list_narrows_by_date_and_the_task_list_by_flow(org, agent, root):
    register(org, agent, 2)
    _, page = statements(root, "/admin/complaints/complaint/?created__gte=2000-01-01T00:00:00%2B00:00")
    assert all(c.reference in page for c in Complaint.objects.all())
    _, page = statements(root, "/admin/complaints/complaint/?created__gte=2999-01-01T00:00:00%2B00:00")
    assert not any(c.reference in page for c in Complaint.objects.all())
    _, page = statements(root, "/admin/viewflow/task/")
    for flow_class in FLOWS:
        assert str(flow_class.process_title) in page
    complaint_tasks = Task.objects.filter(process__flow_class=ComplaintFlow).count()
    assert complaint_tasks > 0
    _, listed = statements(root, "/admin/viewflow/task/?flow_class=flows/flows.ComplaintFlow")
    assert f"{complaint_tasks} " in listed or f">{complaint_tasks}<" in listed


@pytest.mark.postgres
@pytest.mark.parametrize("url", ["/admin/complaints/complaint/", "/admin/viewflow/process/", "/admin/viewflow/task/"])
def test_a_whole_large_table_is_numbered_from_postgresqls_estimate_and_a_narrowed_one_counted(
    org, agent, root, url, monkeypatch
):
    from complaints.admin import complaint as admin_module

    register(org, agent, 3)
    # The estimate as PostgreSQL would give it for a large table (no ANALYZE here: its figures in
    # pg_class outlive the test's transaction, and the worker's later tests would be planned on them).
    monkeypatch.setattr(admin_module, "table_estimate", lambda model, using: 1_234_567)
    whole, page = statements(root, url)
    assert not any("COUNT(" in sql for sql in whole), [s[:80] for s in whole if "COUNT(" in s]
    assert "1234567" in page.replace(",", "").replace("\u202f", "").replace(" ", "")
    narrowed, _ = statements(root, f"{url}?created__gte=2000-01-01T00:00:00%2B00:00")
    assert sum("COUNT(" in sql for sql in narrowed) == 1  # a filter: counted exactly
    monkeypatch.setattr(admin_module, "table_estimate", lambda model, using: 99_999)  # small: counted
    small, _ = statements(root, url)
    assert sum("COUNT(" in sql for sql in small) == 1


@pytest.mark.postgres
def test_the_estimate_is_postgresqls_own_figure_for_the_table():
    from complaints.admin.complaint import table_estimate

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'viewflow_task'")
        expected = cursor.fetchone()[0]
    assert table_estimate(Task, "default") == expected


def test_the_complaint_list_names_child_categories_from_one_read_of_them(org, agent, root):
    """ "Parent / child" in the rows and the category filter's choices: str() of a category read its
    parent, a query per child category on the page and per choice of the filter."""
    from complaints.models import Category

    register(org, agent, 2)
    parent = org["category"]
    children = [Category.objects.create(code=f"child-{n}", name=f"Child {n}", parent=parent) for n in range(3)]
    Complaint.objects.update(category=children[0])
    queries, page = statements(root, "/admin/complaints/complaint/")
    assert f"{parent.name} / Child 0" in page  # a row
    assert all(f"category__id__exact={child.pk}" in page for child in children)  # the filter's choices
    # One read for the filter, one for the rows (the admin reads the configuration afresh: it writes it).
    assert sum('FROM "complaints_category"' in sql for sql in queries) == 2, [s[:80] for s in queries]
