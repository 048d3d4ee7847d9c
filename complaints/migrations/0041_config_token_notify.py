# Issue 17: the notify lists and message templates count as configuration (complaints.selectors.once).
#
# A transition that tells someone reads the event's notify list and its templates; kept by the
# process under the configuration's token, they are read again only after an admin changes them.
# A write to either table now gives the token a new number, as 0035 does for the other tables.

from django.db import migrations

TABLES = ("complaints_notificationrecipient", "complaints_notificationtemplate")

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
        ('complaints', '0040_held_rows'),
    ]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
