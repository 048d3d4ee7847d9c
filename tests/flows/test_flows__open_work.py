"""Whether a complaint has work open (Complaint.work_open, kept by services.open_work) follows its
processes: set while the complaint's process or a side process of it is unfinished, cleared when the
last one finishes, set again by a side process opened on a closed complaint or by a reopening. The
searches of the lists of open work read it (tests/web/test_complaint_list__search.py). Through the same
paths, the complaint's copy of its process's status follows the process (checked with the flag)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from viewflow.workflow import PROCESS, STATUS
from viewflow.workflow.models import Task

from complaints.models import Complaint, Mention
from complaints.services.open_work import open_work_refresh, unfinished_processes
from complaints.services.timers import workflow_timers_fire
from flows.flows import MentionFlow
from flows.reopen import complaint_reopen_process
from tests.conftest import FLOW, make_user, open_task, task_url
from tests.flows.test_flows__journey import as_user, confirmed_by_the_customer, do, first_response, register, verify
from tests.web.page_helpers import page_url

pytestmark = pytest.mark.django_db


def work_open(complaint: Complaint) -> bool:
    """The stored flag, checked against the processes themselves; with it, the complaint's copy of
    its process's status (Complaint.process_status, kept by migration 0054's triggers)."""
    stored, copied, status = Complaint.objects.values_list("work_open", "process_status", "status").get(pk=complaint.pk)
    assert stored == unfinished_processes(complaint.pk).exists(), "work_open disagrees with the processes"
    assert copied == status, f"the complaint's copy says {copied}, its process {status}"
    return stored


def closed_as_invalid(org: dict[str, Any], agent: Any, quality: Any, **intake: Any) -> Complaint:
    complaint = register(agent, org, **intake)
    assert work_open(complaint)
    first_response(agent, complaint)
    verify(quality, complaint, outcome="invalid", explanation="Scratch was signed off at delivery.")
    complaint.refresh_from_db()
    assert complaint.status == PROCESS.DONE
    return complaint


def test_a_complaint_has_work_open_until_its_process_finishes(org, agent, quality_engineer):
    complaint = closed_as_invalid(org, agent, quality_engineer)
    assert not work_open(complaint)


def test_a_mention_on_a_closed_complaint_opens_its_work_until_it_is_read(org, agent, quality_engineer):
    complaint = closed_as_invalid(org, agent, quality_engineer, customer_phone="13957246801")
    manager = make_user("manager_a", org["store_a"], "store_manager")
    stale = Complaint.objects.get(pk=complaint.pk)
    response = as_user(agent).post(page_url(complaint, "note"), {"text": "@manager_a the customer called again."})
    assert response.status_code == 302
    assert work_open(complaint)
    # The colleague finds it in their inbox by the caller's last four digits (a list of open work).
    inbox = as_user(manager).get("/workflow/inbox/", {"_search": "6801"}).content.decode()
    assert complaint.reference in inbox
    # A save of the whole complaint read before the note (the admin's form) leaves the flag as it is.
    assert stale.work_open is False
    stale.customer_words += " (typed again)"
    stale.save()
    assert work_open(complaint)
    assert Complaint.objects.get(pk=complaint.pk).customer_words.endswith("(typed again)")
    task = Task.objects.get(process__mention__case=complaint, flow_task=MentionFlow.read)
    assert as_user(manager).post(task_url(task, "execute"), {}).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.DONE and Mention.objects.get(case=complaint).status == PROCESS.DONE
    assert not work_open(complaint)


def followed_up(org: dict[str, Any], agent: Any, quality: Any) -> Complaint:
    """Resolved, closed, followed up: its process done."""
    complaint = confirmed_by_the_customer(agent, quality, org)
    assert work_open(complaint)  # closed, the follow-up to come
    wait = open_task(complaint, FLOW.follow_up_wait)
    with time_machine.travel(wait.scheduled + timedelta(minutes=1)):
        assert workflow_timers_fire() == 1
    do(agent, complaint, FLOW.follow_up, {"satisfaction": "5", "comment": "Quick and polite."})
    complaint.refresh_from_db()
    assert complaint.status == PROCESS.DONE
    return complaint


def test_reopening_a_followed_up_complaint_opens_its_work_again(org, agent, quality_engineer):
    complaint = followed_up(org, agent, quality_engineer)
    assert not work_open(complaint)
    complaint_reopen_process(complaint=complaint, actor=agent, reason="The scratch came back.")
    assert work_open(complaint)


def test_the_refresh_outside_a_transition_reads_the_processes_now(org, agent, quality_engineer):
    complaint = closed_as_invalid(org, agent, quality_engineer)
    Complaint.objects.filter(pk=complaint.pk).update(work_open=True)  # as a path that does not refresh leaves it
    open_work_refresh(complaint.pk)
    assert not work_open(complaint)
