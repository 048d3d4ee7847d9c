# Issue 17/23: configuration read once per process while it does not change.
#
# Every write to a configuration table (any statement, the admin's, an import's, a migration's)
# gives complaints_configtoken a new number from a sequence, inside the writing transaction. A
# process keeps what it read of those tables under the number it saw (complaints.selectors.once):
# the same number means the same committed configuration, because a number is never given twice
# (a rolled-back write leaves its number unused). PostgreSQL only; SQLite reads per transition.

from django.db import migrations

# The tables a shared read may depend on (complaints.selectors.once.CONFIG_TABLES must stay within them).
TABLES = (
    "complaints_businesscalendar",
    "complaints_calendarday",
    "complaints_category",
    "complaints_clockrule",
    "complaints_customstep",
    "complaints_customstepcondition",
    "complaints_customsteplimit",
    "complaints_department",
    "complaints_emotionphrase",
    "complaints_escalationlevel",
    "complaints_formfield",
    "complaints_formversion",
    "complaints_levellimit",
    "complaints_membership",
    "complaints_notificationchannel",
    "complaints_portalsettings",
    "complaints_priority",
    "complaints_privacypolicy",
    "complaints_privacypolicy_full_roles",
    "complaints_privacypolicy_reveal_roles",
    "complaints_processsettings",
    "complaints_processsettings_urgent_categories",
    "complaints_regionalbound",
    "complaints_regionalvalue",
    "complaints_role",
    "complaints_routingcondition",
    "complaints_routingrule",
    "complaints_stageprofile",
    "complaints_stageroute",
    "complaints_steplimit",
    "complaints_triagemodel",
    "complaints_triagesettings",
    "complaints_triagesignal",
    "complaints_workinghours",
)

CREATE = """
CREATE SEQUENCE IF NOT EXISTS complaints_config_token_seq;
CREATE TABLE IF NOT EXISTS complaints_configtoken (
    id smallint PRIMARY KEY CHECK (id = 1),
    token bigint NOT NULL
);
INSERT INTO complaints_configtoken (id, token) VALUES (1, nextval('complaints_config_token_seq'))
    ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION complaints_config_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaints_configtoken (id, token) VALUES (1, nextval('complaints_config_token_seq'))
        ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$;
"""

TRIGGER = (
    "CREATE TRIGGER config_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION complaints_config_touched();"
)


# A configuration object may lead to a person (a department's head): their name, address and
# whether they are active count too; a login (last_login only) does not.
USER_TRIGGER = """
CREATE TRIGGER config_touched AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF
    username, first_name, last_name, email, is_active, is_staff, is_superuser
    ON auth_user FOR EACH STATEMENT EXECUTE FUNCTION complaints_config_touched();
"""


def token_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE)
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=table))
    schema_editor.execute(USER_TRIGGER)


def token_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in (*TABLES, "auth_user"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS config_touched ON {table};")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS complaints_config_touched(); DROP TABLE IF EXISTS complaints_configtoken; "
        "DROP SEQUENCE IF EXISTS complaints_config_token_seq;"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0034_kpi3'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [migrations.RunPython(token_create, token_drop)]
