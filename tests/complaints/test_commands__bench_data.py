"""The data generator (`manage.py bench_data`, issue 17) at a size that runs in seconds: a year's
complaints beside the demo organisation, coherent with what the flows keep (work open, the custom
steps' runs done no later than now or the complaint's closing), nothing in the future, and
complaints still being closed in the last days among the open ones (until the seventeenth session
nothing had closed for two months)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from complaints.models import Complaint, ComplaintEvent, CustomStepRun
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
    now = timezone.now()
    assert not Process.objects.filter(Q(created__gt=now) | Q(finished__gt=now)).exists()
    assert not Task.objects.filter(Q(created__gt=now) | Q(finished__gt=now)).exists()
    assert not ComplaintEvent.objects.filter(at__gt=now).exists()
    generated = Complaint.objects.filter(pk__in=sorted(flags)[-400:])  # after the demo's, by id
    assert generated.filter(closed_at__gte=now - timedelta(days=8)).exists()  # closed lately
    latest_closed_in = generated.exclude(closed_at=None).order_by("-received_at").values_list("received_at")[0][0]
    assert generated.filter(closed_at=None, received_at__lt=latest_closed_in).exists()  # among open ones
