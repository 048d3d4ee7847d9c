# Issue 17: the complaint list's filters at 1,000,000 complaints walked every complaint newest first
# for what they asked. By status (viewflow's filter: new, done, cancelled): cancelled complaints,
# rare, took 0.6 s (none: the whole table), done ones 40 ms (past the 100,000 open ones, the newest);
# each status's processes newest first from their own index: 16-23 ms HTTP. By finished date (this
# week, this month…): 0.6-0.9 s when few or none finished in the range; the list so filtered is
# sorted by when each finished (web.process_pages.ComplaintListView), read from an index of the
# finished processes by that date, the range its bounds. viewflow's table, so SQL; each built
# without a lock on writes.

from django.db import migrations

INDEXES = {
    "process_status_created": "viewflow_process (status, created DESC)",
    "process_finished": "viewflow_process (finished DESC) WHERE finished IS NOT NULL",
}
# An interrupted concurrent build leaves its index behind, marked invalid: built again.
INTERRUPTED = "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(%s) AND NOT indisvalid"


def list_filters(apps, schema_editor):
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


def list_filters_drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("complaints", "0048_open_digit_grams"),
    ]

    operations = [
        migrations.RunPython(list_filters, list_filters_drop),
    ]
