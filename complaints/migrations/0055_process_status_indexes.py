# Issue 17: the complaint list filtered by status (0054's copy on the complaint's row) is read in number
# order from an index of the copy with the number (of the done ones alone, below), and filtered by status and stage from one of the
# two with the number (web.process_pages.ComplaintListView.order): "done" at "verification", none of
# them, read nothing instead of testing the stage's 15,000 open complaints (57 ms at 1,000,000). The
# index of viewflow's processes by status (0049), which the status filter read, goes: it held every
# side process too. Each built without a lock on writes.

from django.db import migrations

INDEXES = {
    "complaint_status_number": "complaints_complaint (process_status, process_ptr_id)",
    "complaint_stage_status_number": "complaints_complaint (stage, process_status, process_ptr_id)",
    # Finished complaints are most of a year's, and none of the latest (still open): PostgreSQL,
    # expecting them evenly spread, walked the numbers' own index past every open complaint for
    # "done" or "closed" (100,000 rows, 30-60 ms for whoever sees every complaint) rather than the
    # (status or stage, number) index, a little bigger. An index of theirs alone costs less than
    # either, and holds only what the list wants.
    "complaint_done_number": "complaints_complaint (process_ptr_id) WHERE process_status = 'DONE'",
    "complaint_closed_number": "complaints_complaint (process_ptr_id) WHERE stage = 'closed'",
}
REPLACED = {"process_status_created": "viewflow_process (status, created DESC)"}
# An interrupted concurrent build leaves its index behind, marked invalid: built again.
INTERRUPTED = "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(%s) AND NOT indisvalid"


def create(schema_editor, indexes):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, definition in indexes.items():
        if not postgresql:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")
            continue
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(INTERRUPTED, [name])
            if cursor.fetchone():
                schema_editor.execute(f"DROP INDEX CONCURRENTLY {name}")
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def drop(schema_editor, indexes):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in indexes:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


# How often each stage goes with each status (most stages with "new" alone, "closed" with "done"):
# PostgreSQL otherwise multiplies the two frequencies and expects 14,000 complaints done at
# verification, where there are none, and may walk the done ones' index for them.
STATISTICS = "CREATE STATISTICS IF NOT EXISTS complaint_stage_status (mcv) ON stage, process_status FROM complaints_complaint"


def status_indexes(apps, schema_editor):
    create(schema_editor, INDEXES)
    drop(schema_editor, REPLACED)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATISTICS)
        # 0054 wrote a new version of every complaint not done, each an entry in the pending list of
        # every trigram index until a vacuum merges them (as after 0047: migration 0048); a vacuum
        # takes no lock on writes, and gathers the statistics above.
        schema_editor.execute("VACUUM (ANALYZE) complaints_complaint")


def status_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS complaint_stage_status")
    create(schema_editor, REPLACED)
    drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("complaints", "0054_complaint_process_status"),
    ]

    operations = [
        migrations.RunPython(status_indexes, status_indexes_drop),
    ]
