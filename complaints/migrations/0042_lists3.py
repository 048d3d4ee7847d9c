# Issue 17: the queue's index kept for a superuser's queue alone, and the dashboard's roles counted as
# configuration.
#
# `urgency_queued_order` (every queued row in urgency order) was smaller than `urgency_queue` and
# PostgreSQL took it for one queue's read too, walking past the other queues' rows; the same index
# now names `owner IS NULL` (true of every queued row) in its condition, which only the superuser's
# read says.
#
# The KPI settings' dashboard roles decide who sees the Management menu entry (every staff page asks):
# a write to either table now gives the configuration token a new number (0035), so the answer is read
# from the process's configuration copy and a change still applies from the next request on.

from django.db import migrations, models

TABLES = ("complaints_kpisettings", "complaints_kpisettings_dashboard_roles")

TRIGGER = (
    "CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION complaints_config_touched();"
)


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS config_touched ON {table};")
        schema_editor.execute(TRIGGER.format(table=table))


def triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS config_touched ON {table};")


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0041_config_token_notify'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='taskurgency',
            name='urgency_queued_order',
        ),
        migrations.AddIndex(
            model_name='taskurgency',
            index=models.Index(condition=models.Q(('owner__isnull', True), ('status', 'NEW')), fields=['rank', 'due', 'paused_left', '-created'], name='urgency_queued_all'),
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
