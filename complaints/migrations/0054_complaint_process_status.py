# Issue 17: the complaint list filtered by status and stage ("done" at "verification") tested every
# complaint at the stage (15,000 open ones at 1,000,000) for its process's status, on viewflow's table:
# 57 ms for the quality engineer. The complaint's row now holds a copy of that status,
# `process_status`, which migration 0055 indexes with the stage.
#
# The copy is kept by the database, not by Python: a process is finished by viewflow's End node,
# cancelled by the custom steps, reopened by flows.reopen, cancelled from viewflow's own admin, and
# any of them may change; a trigger sees every one. Two triggers on each database:
# - a process's status written → its complaint's copy (no row for a side process);
# - a complaint's row inserted, or its copy written by anyone → the copy read from the process (a
#   complaint's process row is inserted before it, Django's multi-table inheritance).
# Existing complaints: the column is added as "DONE" (most of a year's complaints: no rewrite of the
# table, no new row versions), new rows then default to "NEW", and the others are set.
#
# On SQLite a later migration that makes the complaint table again (an AlterField there) drops its
# triggers with it: such a migration must create them again (tests/complaints/
# test_process_status.py fails on any later migration that changes the complaint's columns).

from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION redress_complaint_process_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT status INTO STRICT NEW.process_status FROM viewflow_process WHERE id = NEW.process_ptr_id;
    RETURN NEW;
END $$;
CREATE TRIGGER complaint_process_status BEFORE INSERT OR UPDATE OF process_status ON complaints_complaint
    FOR EACH ROW EXECUTE FUNCTION redress_complaint_process_status();

CREATE FUNCTION redress_process_status_copied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE complaints_complaint SET process_status = NEW.status WHERE process_ptr_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER process_status_copied AFTER UPDATE OF status ON viewflow_process
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION redress_process_status_copied();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS process_status_copied ON viewflow_process;
DROP FUNCTION IF EXISTS redress_process_status_copied();
DROP TRIGGER IF EXISTS complaint_process_status ON complaints_complaint;
DROP FUNCTION IF EXISTS redress_complaint_process_status();
"""

# SQLite's triggers cannot change the row being written: each writes it again after.
SQLITE_FROM_PROCESS = (
    "UPDATE complaints_complaint SET process_status ="
    " (SELECT status FROM viewflow_process WHERE id = NEW.process_ptr_id)"
    " WHERE process_ptr_id = NEW.process_ptr_id;"
)
SQLITE = [
    f"""CREATE TRIGGER complaint_process_status_inserted AFTER INSERT ON complaints_complaint
    FOR EACH ROW BEGIN {SQLITE_FROM_PROCESS} END""",
    f"""CREATE TRIGGER complaint_process_status AFTER UPDATE OF process_status ON complaints_complaint
    FOR EACH ROW WHEN NEW.process_status IS NOT (SELECT status FROM viewflow_process WHERE id = NEW.process_ptr_id)
    BEGIN {SQLITE_FROM_PROCESS} END""",
    """CREATE TRIGGER process_status_copied AFTER UPDATE OF status ON viewflow_process
    FOR EACH ROW WHEN OLD.status IS NOT NEW.status
    BEGIN UPDATE complaints_complaint SET process_status = NEW.status WHERE process_ptr_id = NEW.id; END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS process_status_copied",
    "DROP TRIGGER IF EXISTS complaint_process_status",
    "DROP TRIGGER IF EXISTS complaint_process_status_inserted",
]

# Every complaint whose process is not done (the column says "DONE" until then); the trigger on the
# complaint's copy reads each one's status from its process.
BACKFILL = """
UPDATE complaints_complaint SET process_status = 'NEW' WHERE process_ptr_id IN (
    SELECT id FROM viewflow_process WHERE status <> 'DONE'
)
"""


def process_status_copied(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement)
    schema_editor.execute(BACKFILL)


def process_status_copied_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    else:
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


def status_field(db_default):
    return models.CharField(
        choices=[("CANCELED", "Canceled"), ("DONE", "Done"), ("NEW", "New")],
        db_default=db_default,
        default="NEW",
        editable=False,
        help_text="The status of the complaint's process, copied by the database for the lists' filters.",
        max_length=50,
        verbose_name="process status",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0053_words_short_grams"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.AddField(model_name="complaint", name="process_status", field=status_field("DONE")),
        migrations.AlterField(model_name="complaint", name="process_status", field=status_field("NEW")),
        # After the AlterField: SQLite makes the table again for it, and a table's triggers go with it.
        migrations.RunPython(process_status_copied, process_status_copied_drop),
    ]
