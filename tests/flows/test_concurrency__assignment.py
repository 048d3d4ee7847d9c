"""Two people claiming the same queued tasks at once, in bulk: each task goes to exactly one of
them, once, and nothing is lost."""

import threading
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.choices import EventKind
from complaints.models import ComplaintEvent
from flows import driver
from flows.flows import ComplaintFlow
from tests.conftest import FLOW, intake_data, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_bulk_claims_of_the_same_tasks_give_each_task_to_one_person(monkeypatch, org, agent):
    colleague = make_user("agent_a2", org["store_a"], "agent")
    for number in range(3):
        driver.start_complaint(user=agent, data=intake_data(org, customer_phone=f"1370000000{number}"))
    Task.objects.filter(flow_task=FLOW.first_response).update(owner=None, status=STATUS.NEW)
    pks = list(Task.objects.filter(flow_task=FLOW.first_response).values_list("pk", flat=True))

    barrier = threading.Barrier(2, timeout=10)
    original = ComplaintFlow.lock_impl
    first_lock = {agent.username: True, colleague.username: True}

    @contextmanager
    def synchronised(flow_class, process_pk):
        name = threading.current_thread().name
        if first_lock[name]:  # both reach the first task's lock at the same instant
            first_lock[name] = False
            barrier.wait()
        with original(flow_class, process_pk):
            yield

    monkeypatch.setattr(ComplaintFlow, "lock_impl", synchronised)
    results = {}

    def claim(user):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        try:
            results[user.username] = client.post(reverse("workflow:tasks_assign"), {"pk": pks, "_confirm": "1"})
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,), name=user.username) for user in (agent, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(response.status_code for response in results.values()) == [302, 302]
    owners = list(Task.objects.filter(pk__in=pks).values_list("owner__username", "status"))
    assert all(owner in (agent.username, colleague.username) and status == STATUS.ASSIGNED for owner, status in owners)
    assert ComplaintEvent.objects.filter(kind=EventKind.CLAIMED).count() == 3  # once per task, never twice
