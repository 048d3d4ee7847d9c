"""Replayed and out-of-order workflow POSTs: a finished task's form posted again, or a step's form
posted before its task exists, is refused without a 500 and changes nothing."""

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from complaints.models import Complaint
from flows import driver
from tests.conftest import FLOW, FMT, intake_data, open_task, task_url


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_finished_tasks_form_posted_again_is_refused_without_a_500(org, agent):
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    task = open_task(complaint, FLOW.first_response)
    client = client_of(agent)
    if task.owner_id is None:
        assert client.post(task_url(task, "assign")).status_code < 400
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)
    data = {"channel": "phone", "summary": "Called back.", "promise": "Call again", "promised_by": later}
    first = client.post(task_url(task, "execute"), data)
    assert first.status_code == 302
    events = Complaint.objects.get(pk=complaint.pk).events.count()
    for action in ("execute", "assign", "unassign"):
        again = client.post(task_url(task, action), data)
        assert again.status_code < 500, action
        assert again.status_code != 302 or "execute" not in again.get("Location", ""), action
    assert Complaint.objects.get(pk=complaint.pk).events.count() == events


def test_a_later_steps_form_posted_before_its_turn_changes_nothing(org, agent, quality_engineer):
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    task = open_task(complaint, FLOW.first_response)
    client = client_of(quality_engineer)
    url = task_url(task, "execute").replace("/first_response/", "/verification/")
    response = client.post(url, {"outcome": "invalid", "explanation": "Not ours."})
    assert response.status_code < 500
    complaint.refresh_from_db()
    assert complaint.outcome == "open" and complaint.stage != "closed"
