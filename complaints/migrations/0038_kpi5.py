# 1. A refresh of a few stale days now adds each changed day row's difference to its month row
# instead of adding up the whole month again (complaints.services.kpi_summary): that needs every month
# row to be the sum of its day rows. Until now a month row was re-summed whenever one of its days was
# recounted, and months no day of which was recounted since 0036_kpi4 have none: re-sum them all once
# here (a few seconds at 1,000,000 complaints).
# 2. Custom step times come from the summary too (KpiDayBreakdown's step kinds): a run's outcome,
# answer time, complaint or step changing leaves a stale mark like the other KPI inputs; the days of
# the complaints that already have runs are marked here, for beat (or `kpi_rebuild`) to recount.

from django.db import migrations, models

TRIGGERS = """
CREATE TRIGGER kpi_stale AFTER INSERT OR DELETE OR UPDATE OF outcome, done_at, case_id, step_id
    ON complaints_customsteprun FOR EACH ROW EXECUTE FUNCTION complaints_kpi_stale_related('case_id');
"""
DROP = "DROP TRIGGER IF EXISTS kpi_stale ON complaints_customsteprun;"


# Every hour (its first and last minute, for zones off the hour) that received a complaint with a run.
MARK_RUNS = """
INSERT INTO complaints_kpistale (received_at)
SELECT DISTINCT t FROM complaints_complaint c,
    LATERAL (VALUES (date_trunc('hour', c.received_at)),
                    (date_trunc('hour', c.received_at) + interval '59 minutes')) AS m(t)
WHERE c.received_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM complaints_customsteprun r WHERE r.case_id = c.process_ptr_id)
"""


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS)
        schema_editor.execute(MARK_RUNS)


def triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)

# Per table: the columns its month rows keep (the others are left out: category NULL, channel '').
KEEPS = {
    "kpiday": ("department_id", "category_id", "priority_id", "level_id", "channel"),
    "kpidaylevel": ("department_id", "category_id", "priority_id", "level_id", "channel", "of_level_id"),
    "kpidaybreakdown": ("department_id", "priority_id", "level_id", "kind", "key"),
}
KEYS = {"id", "day", "monthly", "department_id", "category_id", "priority_id", "level_id", "channel"}
BLANK = {"category_id": "NULL", "channel": "''"}


def months_resum(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps no summary
    for name, kept in KEEPS.items():
        model = apps.get_model("complaints", name)
        table = model._meta.db_table
        columns = [f.column for f in model._meta.concrete_fields]
        summed = [c for c in columns if c not in KEYS and c not in kept]
        dropped = [c for c in ("category_id", "channel") if c not in kept]
        insert = ", ".join(["day", "monthly", *kept, *dropped, *summed])
        select = ", ".join(
            ["date_trunc('month', day)::date", "TRUE", *kept, *(BLANK[c] for c in dropped)]
            + [f"SUM({c})" for c in summed]
        )
        schema_editor.execute(f"DELETE FROM {table} WHERE monthly")
        schema_editor.execute(
            f"INSERT INTO {table} ({insert}) SELECT {select} FROM {table} WHERE NOT monthly "
            f"GROUP BY date_trunc('month', day), {', '.join(kept)}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0037_emotion_model"),
    ]

    operations = [
        migrations.AlterField(
            model_name='kpidaybreakdown',
            name='kind',
            field=models.CharField(choices=[('hours', 'resolution time bucket'), ('cause', 'confirmed cause category'), ('responsible', 'responsibility'), ('step_runs', 'custom step runs finished'), ('step_refused', 'custom step runs refused'), ('step_seconds', 'custom step time (seconds)')], max_length=12),
        ),
        migrations.RunPython(months_resum, migrations.RunPython.noop),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
