# Issue 17: the complaint list filtered by the complaint's stage, priority or level (and the API's
# list by those and the outcome) walked every complaint newest first by its process's creation time
# and tested each: a rare choice (the top level's 2,000 open complaints of 1,000,000) read thousands
# (20-40 ms, and PostgreSQL's JIT compiled the statement for 80-100 ms more), a choice the status
# rules out (finished complaints at an early stage) every finished one (11 s), an outcome none has
# every complaint (3.8 s). So filtered, the list is in the order of the complaints' numbers (the
# order they were registered in; web.process_pages.ComplaintListView.order, api.views.NewestFirst),
# read from an index of the column with the number: the walk meets only complaints of the chosen
# value. (A department or category stands for its subtree, several values no one index walk gives
# in order; their complaints are common enough for the newest-first walk.) Each built without a lock
# on writes.

from django.db import migrations

INDEXES = {
    "complaint_stage_number": "complaints_complaint (stage, process_ptr_id)",
    "complaint_priority_number": "complaints_complaint (priority_id, process_ptr_id)",
    "complaint_level_number": "complaints_complaint (level_id, process_ptr_id)",
    # The API's outcome filter (api.views.NewestFirst): 3.8 s for an outcome no complaint has.
    "complaint_outcome_number": "complaints_complaint (outcome, process_ptr_id)",
}
# An interrupted concurrent build leaves its index behind, marked invalid: built again.
INTERRUPTED = "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(%s) AND NOT indisvalid"


def case_filters(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, definition in INDEXES.items():
        if not postgresql:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")
            continue
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(INTERRUPTED, [name])
            if cursor.fetchone():
                schema_editor.execute(f"DROP INDEX CONCURRENTLY {name}")
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def case_filters_drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("complaints", "0049_process_list_filters"),
    ]

    operations = [
        migrations.RunPython(case_filters, case_filters_drop),
    ]
