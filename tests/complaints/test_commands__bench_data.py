"""The data generator (`manage.py bench_data`, issue 17) at a size that runs in seconds: a year's
complaints beside the demo organisation, coherent with what the flows keep (work open, the custom
steps' runs done no later than now or the complaint's closing)."""

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone

from complaints.models import Complaint, CustomStepRun
from complaints.services.open_work import unfinished_processes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_generated_complaints_are_as_the_flows_would_have_left_them() -> None:
    call_command("seed_demo", force=True, verbosity=0)
    demo = Complaint.objects.count()
    call_command("bench_data", complaints=400, open=50, verbosity=0)
    assert Complaint.objects.count() == demo + 400
    flags = dict(Complaint.objects.values_list("pk", "work_open"))
    assert flags == {pk: unfinished_processes(pk).exists() for pk in flags}
    assert sum(flags.values()) >= 50  # the open ones, the demo's, and closed ones whose step run waits
    runs = CustomStepRun.objects.exclude(done_at=None)
    assert runs.exists()
    assert not runs.filter(done_at__gt=timezone.now()).exists()
    assert not runs.filter(Q(case__closed_at__isnull=False), done_at__gt=F("case__closed_at")).exists()
