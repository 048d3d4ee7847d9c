"""The complaint list's filters at size (issue 17): a filter by status reads that status's complaints
newest first from their own index (migration 0049: `process_status_created`), instead of walking
every complaint newest first for the status (cancelled ones, rare: 0.6 s at 1,000,000)."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process

from tests.flows.test_flows__journey import as_user
from tests.web.page_helpers import new_complaint

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LIST = "/workflow/flows/complaint/flows/"


def page_statement(client: Any, url: str) -> tuple[str, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    listing = [q["sql"] for q in captured.captured_queries if "LIMIT 26" in q["sql"]]
    assert len(listing) == 1, [q["sql"][:100] for q in captured.captured_queries]
    return listing[0], response.content.decode()


def test_the_list_by_status_reads_that_status_newest_first_from_its_index(org, agent, monkeypatch):
    # As for someone who sees many complaints: the list walks them newest first, each row's scope
    # tested (complaints.selectors.common.visible_listed); here everyone sees few.
    monkeypatch.setattr("complaints.selectors.common.FEW_VISIBLE", 0)
    complaints = [new_complaint(org, agent) for _ in range(3)]
    cancelled = complaints[1]
    Process.objects.filter(pk=cancelled.pk).update(status=STATUS.CANCELED, finished=cancelled.created)
    client = as_user(agent)
    sql, page = page_statement(client, f"{LIST}?status={STATUS.CANCELED}")
    assert cancelled.reference in page
    assert not any(c.reference in page for c in complaints if c != cancelled)
    with connection.cursor() as cursor:  # a tiny table: every plain scan made dearer than any index
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "process_status_created" in plan, plan
