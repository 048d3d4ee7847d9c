# Issue 17: who holds which model permission counts as configuration.
#
# Every staff page asks for the user's model permissions (their own and their groups'), one query;
# a write to the permission, group or holder tables now gives the configuration token a new number
# (0035), so a request reads them from the process's configuration copy
# (complaints.auth.model_permissions_at_once) and a change still applies from the next request on.

from django.db import migrations

TABLES = (
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "auth_user_groups",
    "auth_user_user_permissions",
)

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
        ('auth', '0012_alter_user_first_name_max_length'),
        ('complaints', '0042_lists3'),
    ]

    operations = [
        migrations.RunPython(triggers_create, triggers_drop),
    ]
