"""The complaint's copy of its process's status (Complaint.process_status, issue 17: the complaint list
filtered by status and stage reads both from one index) is kept by database triggers (migration
0054): it follows every write of the process's status, whoever makes it, and no other write. The
flows' own paths (finished, reopened) are checked with the work-open flag
(tests/flows/test_flows__open_work.py)."""

from typing import Any

import pytest
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddIndex, RemoveIndex, RunPython, RunSQL
from viewflow.workflow import PROCESS
from viewflow.workflow.models import Process

from complaints.models import Complaint
from tests.web.page_helpers import new_complaint

TRIGGERS_MADE = ("complaints", "0054_complaint_process_status")


def copied(complaint: Complaint) -> str:
    return Complaint.objects.values_list("process_status", flat=True).get(pk=complaint.pk)


@pytest.mark.django_db
def test_the_copy_follows_the_process_whoever_writes_it(org: dict[str, Any], agent: Any) -> None:
    complaint = new_complaint(org, agent)
    assert copied(complaint) == PROCESS.NEW
    # Cancelled outside the flows (viewflow's admin, a script): the copy follows.
    Process.objects.filter(pk=complaint.pk).update(status=PROCESS.CANCELED)
    assert copied(complaint) == PROCESS.CANCELED
    # Written by anyone but the database, the copy stays the process's.
    Complaint.objects.filter(pk=complaint.pk).update(process_status=PROCESS.DONE)
    assert copied(complaint) == PROCESS.CANCELED
    # A whole save of a copy read before leaves it alone, and writes the process's status as read.
    stale = Complaint.objects.get(pk=complaint.pk)
    Process.objects.filter(pk=complaint.pk).update(status=PROCESS.DONE)
    stale.customer_words += " (typed again)"
    stale.save()
    assert Process.objects.get(pk=complaint.pk).status == PROCESS.CANCELED
    assert copied(complaint) == PROCESS.CANCELED


def test_no_later_migration_makes_the_complaint_table_again() -> None:
    """SQLite makes a table again for most changes of its columns and constraints, and its triggers go
    with it: a later migration that changes the complaint's table so must create 0054's triggers again
    (and then say so here). Indexes and SQL of one's own leave the table in place."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    later = [
        key
        for key in loader.graph.forwards_plan(max(loader.graph.leaf_nodes("complaints")))
        if key[0] == "complaints" and key > TRIGGERS_MADE
    ]
    kept_in_place = (AddIndex, RemoveIndex, RunPython, RunSQL)
    changing = [
        f"{app}.{name}: {operation.describe()}"
        for app, name in later
        for operation in loader.graph.nodes[(app, name)].operations
        if not isinstance(operation, kept_in_place) and getattr(operation, "model_name", None) == "complaint"
    ]
    assert changing == [], "these remake complaints_complaint on SQLite: create 0054's triggers again after them"
