"""The API's lists at size (issue 17): the task lists read their rows' complaints with the rows (a
constant number of queries, not two a row) and page without counting, and the complaint list pages
newest first through the index the staff complaint list uses."""

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
    if url.startswith("/api/tasks/"):  # a page reads one row past itself instead (PeekPaginator)
        counting = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
        assert counting == [], counting
    return len(captured), response.json()


def test_the_task_lists_cost_the_same_for_2_and_6_rows_and_name_each_rows_complaint(org, agent, api_agent):
    register(org, agent, 2)
    read(api_agent, "/api/tasks/inbox/")  # the token's first use is recorded once
    few, page = read(api_agent, "/api/tasks/inbox/")
    assert len(page["results"]) == 2 and page["next"] is None and page["previous"] is None
    register(org, agent, 4)
    many, page = read(api_agent, "/api/tasks/inbox/")
    rows = page["results"]
    assert len(rows) == 6
    assert many == few, (few, many)
    references = dict(Complaint.objects.values_list("pk", "reference"))
    assert all(row["reference"] == references[row["complaint"]] for row in rows), rows
    queue_few, _ = read(api_agent, "/api/tasks/queue/")
    assert queue_few <= few
    # Paged by 2, the same cost a page.
    paged, first = read(api_agent, "/api/tasks/inbox/?page_size=2")
    assert paged == few and [row["id"] for row in first["results"]] == [row["id"] for row in rows[:2]]


def test_the_complaint_list_pages_newest_first_with_its_cursor(org, agent, api_agent):
    made = register(org, agent, 3)
    newest_first = [c.reference for c in sorted(made, key=lambda c: c.created, reverse=True)]
    _, page = read(api_agent, "/api/complaints/?page_size=2")
    assert [row["reference"] for row in page["results"]] == newest_first[:2]
    _, rest = read(api_agent, page["next"])
    assert [row["reference"] for row in rest["results"]] == newest_first[2:]
    assert rest["next"] is None


def test_the_complaint_list_by_priority_or_level_pages_by_number_from_the_columns_index(org, agent, api_agent):
    from complaints.models import EscalationLevel, Priority

    made = register(org, agent, 3)
    urgent = Priority.objects.order_by("rank").first()
    other = Priority.objects.exclude(pk=urgent.pk).first()
    Complaint.objects.filter(pk__in=[made[0].pk, made[2].pk]).update(priority=urgent)
    Complaint.objects.filter(pk=made[1].pk).update(priority=other)
    latest_number_first = [made[2].reference, made[0].reference]
    _, page = read(api_agent, f"/api/complaints/?priority={urgent.code}&page_size=1")
    assert [row["reference"] for row in page["results"]] == latest_number_first[:1]
    _, rest = read(api_agent, page["next"])
    assert [row["reference"] for row in rest["results"]] == latest_number_first[1:]
    assert rest["next"] is None
    level = EscalationLevel.objects.get(pk=Complaint.objects.get(pk=made[0].pk).level_id)
    _, by_level = read(api_agent, f"/api/complaints/?level={level.rank}")
    assert {row["reference"] for row in by_level["results"]} == {c.reference for c in made}
    _, none = read(api_agent, "/api/complaints/?priority=NO-SUCH-CODE")
    assert none["results"] == []
    with CaptureQueriesContext(connection) as captured:
        api_agent.get(f"/api/complaints/?priority={urgent.code}")
    listing = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"]]
    (sql,) = [statement for statement in listing if "complaints_complaint" in statement]
    # By the priority's id (the configuration copy), not a condition on the joined priority's code.
    assert '"complaints_complaint"."priority_id" IN' in sql and '"complaints_priority"."code" =' not in sql, sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaint_priority_number" in plan, plan


def test_the_schema_types_the_complaint_lists_priority_and_level_filters(api_agent):
    # Method filters (matched by ids from the configuration copy) would otherwise go untyped.
    schema = api_agent.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/complaints/"]["get"]["parameters"]}
    assert parameters["level"] == {"type": "integer"}
    assert parameters["priority"] == {"type": "string"}


def test_the_complaint_list_names_the_configuration_from_its_copy_not_by_joins(org, agent, api_agent):
    """Category, department, priority and level from the configuration's copy (attach_config): the
    page's statement joins none of their tables (six joined tables took PostgreSQL longer to plan
    than to read the page at 1,000,000 complaints)."""
    register(org, agent, 2)
    read(api_agent, "/api/complaints/")
    with CaptureQueriesContext(connection) as captured:
        response = api_agent.get("/api/complaints/")
    rows = response.json()["results"]
    assert {row["category"] for row in rows} == {org["category"].code}, rows
    assert all(row["department"] for row in rows), rows
    listing = [q["sql"] for q in captured if 'FROM "complaints_complaint"' in q["sql"] and "LIMIT" in q["sql"]]
    assert listing, [q["sql"][:80] for q in captured]
    for table in ("complaints_category", "complaints_department", "complaints_priority", "complaints_escalationlevel"):
        assert f'JOIN "{table}"' not in listing[-1], table
