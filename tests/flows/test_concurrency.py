"""Two people acting on the same task at once: one wins, the other is told, nothing is lost."""

import threading
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from viewflow.workflow import STATUS

from complaints.models import Complaint
from flows.flows import ComplaintFlow
from tests.conftest import FLOW, START_URL, intake_data, open_task, task_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def client_for(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def queued_verification(org, agent):
    agent_client = client_for(agent)
    assert agent_client.post(START_URL, intake_data(org)).status_code == 302
    complaint = Complaint.objects.latest("pk")
    agent_client.post(
        task_url(open_task(complaint, FLOW.first_response), "execute"),
        {"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": "2099-01-01 10:00"},
    )
    task = open_task(complaint, FLOW.verification)
    assert task.status == STATUS.NEW
    return task


def race(monkeypatch, users, url):
    """Both users reach the flow lock at the same instant, then POST on."""
    barrier = threading.Barrier(len(users), timeout=10)
    original = ComplaintFlow.lock_impl

    @contextmanager
    def synchronised(flow_class, process_pk):
        barrier.wait()
        with original(flow_class, process_pk):
            yield

    monkeypatch.setattr(ComplaintFlow, "lock_impl", synchronised)
    results = {}

    def claim(user):
        try:
            results[user.username] = client_for(user).post(url)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_engineers_claiming_one_queued_task_exactly_one_gets_it(
    monkeypatch, org, agent, quality_engineer, quality_engineer_2
):
    task = queued_verification(org, agent)
    results = race(monkeypatch, [quality_engineer, quality_engineer_2], task_url(task, "assign"))
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    winner = task.owner.username
    assert winner in results and results[winner].status_code == 302
    # The loser holds the same queue: back to it with a message naming who took the task.
    loser = next(response for name, response in results.items() if name != winner)
    assert loser.status_code == 302 and loser["Location"] == reverse("workflow:queue"), loser.status_code


def test_a_lock_that_cannot_be_taken_answers_409_and_changes_nothing(org, agent, quality_engineer, monkeypatch):
    from viewflow.workflow import lock

    task = queued_verification(org, agent)
    monkeypatch.setattr(ComplaintFlow, "lock_impl", lock.SelectForUpdateLock(nowait=True, attempts=1))
    holder_ready, release = threading.Event(), threading.Event()

    def hold_lock():
        from django.db import transaction

        with transaction.atomic():
            list(Complaint.objects.select_for_update().filter(pk=task.process_id))
            holder_ready.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert holder_ready.wait(10)
    try:
        response = client_for(quality_engineer).post(task_url(task, "assign"))
    finally:
        release.set()
        holder.join(10)
    assert response.status_code == 409
    assert "Nothing you sent was saved" in response.content.decode()
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW
