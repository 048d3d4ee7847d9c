# Issue 17: whether a complaint has work open (its process or a side process unfinished), kept by the
# flows (complaints.services.open_work), so that a search of the lists of open work tests only those
# complaints (migration 0048's index). Existing complaints get it from their processes here, in the
# migration's one transaction: the column is added false (no rewrite of the table) and set for the
# open ones (about a tenth of a year's complaints; 100,000 rows in a few seconds), then new rows
# default to true in the database too, so a complaint written by a server still running the previous
# release is open.

from django.db import migrations, models
from django.db.models import Q


def work_open_backfill(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Process = apps.get_model("viewflow", "Process")
    ContentType = apps.get_model("contenttypes", "ContentType")
    complaint_type = ContentType.objects.filter(app_label="complaints", model="complaint").first()
    unfinished = Process.objects.filter(finished__isnull=True)
    found = Q(pk__in=unfinished.values("pk"))
    if complaint_type is not None:
        found |= Q(pk__in=unfinished.filter(artifact_content_type=complaint_type).values("artifact_object_id"))
    Complaint.objects.filter(found).update(work_open=True)


HELP = (
    "Whether the complaint's process or one of its side processes (approval, collaboration, corrective action, "
    "mention, custom step, appeal) is unfinished."
)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0046_digit_grams"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="work_open",
            field=models.BooleanField(
                db_default=False, default=False, editable=False, help_text=HELP, verbose_name="work open"
            ),
        ),
        migrations.RunPython(work_open_backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="complaint",
            name="work_open",
            field=models.BooleanField(
                db_default=True, default=True, editable=False, help_text=HELP, verbose_name="work open"
            ),
        ),
    ]
