"""Upgrades keep data: a database holding the demo organisation and its complaints goes back to the
previous release's schema (complaints 0010, the last migration of the release before this one) and
up to head again, and every row of every table that release had is still there, with its values.

The demo data is seeded at head (the previous release's seed code is not importable any more) and
the downgrade drops only what this release added; what the upgrade then has to carry is exactly the
previous release's tables. The same run proves this release's migrations reverse cleanly, which is
the rollback an operator reaches for when an upgrade goes wrong (docs/deployment.md)."""

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

PREVIOUS_RELEASE = ("complaints", "0010_merged_choices")
# Rows compared value by value (the facts a customer and an auditor would miss).
COMPARED = {
    "complaints_complaint": "SELECT process_ptr_id, reference, customer_name, customer_phone, customer_words"
    " FROM complaints_complaint ORDER BY process_ptr_id",
    "complaints_complaintevent": "SELECT id, complaint_id, kind, at, note FROM complaints_complaintevent ORDER BY id",
    "viewflow_task": "SELECT id, process_id, flow_task, status, owner_id FROM viewflow_task ORDER BY id",
}


def _previous_release_tables() -> list[str]:
    state = MigrationExecutor(connection).loader.project_state([PREVIOUS_RELEASE])
    return sorted(model._meta.db_table for model in state.apps.get_models() if model._meta.managed)


def _snapshot(tables: list[str]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (table names from the migration state)
            counts[table] = cursor.fetchone()[0]
        rows = {}
        for table, sql in COMPARED.items():
            cursor.execute(sql)
            rows[table] = cursor.fetchall()
    return {"counts": counts, "rows": rows}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_demo_data_survives_the_upgrade_from_the_previous_release() -> None:
    call_command("seed_demo", force=True, verbosity=0)  # tests run with DEBUG off
    from complaints.models import FormVersion

    # This release's custom steps keep their forms in the previous release's form tables; going back
    # drops them (migration 0025), so the comparison starts without them.
    FormVersion.objects.filter(custom_step__isnull=False).delete()
    # Every demo complaint has a process running (a follow-up at least): one is made finished, with
    # its side processes, for 0047 to find without work open.
    from django.db.models import Q
    from django.utils import timezone
    from viewflow.workflow.models import Process

    from complaints.models import Complaint
    from complaints.selectors.common import side_of

    done = Complaint.objects.order_by("pk").first()
    Process.objects.filter(Q(pk=done.pk) | side_of(done.pk)).update(status="DONE", finished=timezone.now())
    tables = _previous_release_tables()
    before = _snapshot(tables)
    assert before["counts"]["complaints_complaint"] >= 9  # the demo's complaints are there to lose

    call_command("migrate", *PREVIOUS_RELEASE, verbosity=0)
    at_previous = _snapshot(tables)
    call_command("migrate", verbosity=0)
    after = _snapshot(tables)

    assert at_previous == before
    assert after == before
    # Whether each complaint has work open (0047) worked out from its processes, as the flows keep it.
    from complaints.services.open_work import unfinished_processes

    flags = dict(Complaint.objects.values_list("reference", "work_open"))
    assert flags == {c.reference: unfinished_processes(c.pk).exists() for c in Complaint.objects.all()}
    # Each complaint's copy of its process's status (0054), the finished one's too.
    copies = dict(Complaint.objects.values_list("reference", "process_status"))
    assert copies == dict(Complaint.objects.values_list("reference", "status"))
    assert copies[done.reference] == "DONE"
    assert flags[done.reference] is False and set(flags.values()) == {True, False}
    # Head again: nothing left unapplied.
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
