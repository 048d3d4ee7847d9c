"""Side processes written before CaseArtifact get their case as viewflow's Process.artifact, so
every side process finds its complaint the same way (complaints.models.side)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

SIDE_MODELS = ("CompensationApproval", "CollaborationRequest", "ActionTask", "Mention")


def fill_artifacts(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Process = apps.get_model("viewflow", "Process")
    complaint_type, _ = ContentType.objects.get_or_create(app_label="complaints", model="complaint")
    for name in SIDE_MODELS:
        model = apps.get_model("complaints", name)
        case = model.objects.filter(pk=OuterRef("pk")).values("case_id")[:1]
        Process.objects.filter(pk__in=model.objects.values("pk")).update(
            artifact_content_type=complaint_type, artifact_object_id=Subquery(case)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0015_customer_language"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(fill_artifacts, migrations.RunPython.noop)]
