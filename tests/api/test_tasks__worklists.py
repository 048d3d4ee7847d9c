"""The API's task lists as the staff worklists: most urgent first, read through the same selectors,
each row with its governing deadline, paged by number without counting, and narrowed to a token's
departments."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from api.models import ApiToken
from complaints.models import Complaint, TaskUrgency
from complaints.services.urgency import urgency_rebuild
from tests.api.conftest import client_for
from tests.conftest import FLOW, open_task
from tests.worklists import register, release_first_responses, set_clock, two_stores

pytestmark = pytest.mark.django_db

INBOX, QUEUE = "/api/tasks/inbox/", "/api/tasks/queue/"


def every_row(client: Any, url: str) -> list[dict[str, Any]]:
    """The whole list, following `next` from the first page."""
    rows: list[dict[str, Any]] = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        rows += answer.json()["results"]
        url = answer.json()["next"]
    return rows


def references(rows: list[dict[str, Any]]) -> list[str]:
    return [row["reference"] for row in rows]


def test_the_inbox_is_most_urgent_first_with_each_rows_deadline(org, agent, api_agent):
    """Breached (most overdue first), then least time left, then paused, then no deadline: the staff
    inbox's order, not the newest first (the rows are registered in the opposite order)."""
    names = ["none", "paused", "warned", "running", "late", "later"]
    made = {name: register(org, agent) for name in names}
    set_clock(made["later"], due=timedelta(hours=-3))
    set_clock(made["late"], due=timedelta(hours=-1))
    set_clock(made["running"], due=timedelta(hours=1), warn=timedelta(minutes=30))
    set_clock(made["warned"], due=timedelta(hours=2), warn=timedelta(minutes=-5))
    set_clock(made["paused"], due=timedelta(minutes=10), paused=True)
    set_clock(made["none"], due=None)
    ref = {name: Complaint.objects.get(pk=c.pk).reference for name, c in made.items()}

    rows = api_agent.get(INBOX).json()["results"]

    expected = ["later", "late", "running", "warned", "paused", "none"]
    assert references(rows) == [ref[name] for name in expected]
    by_name = dict(zip(expected, rows, strict=True))
    states = {name: row["deadline_state"] for name, row in by_name.items()}
    assert states == {
        "later": "breached",
        "late": "breached",
        "running": "running",
        "warned": "warning",
        "paused": "paused",
        "none": "none",
    }
    now = timezone.now()
    late = by_name["later"]
    assert timedelta(hours=-3, minutes=-1) < parse_datetime(late["due"]) - now < timedelta(hours=-2, minutes=59)
    assert late["warn"] is None and late["paused_left"] is None
    running = by_name["running"]
    assert parse_datetime(running["warn"]) < parse_datetime(running["due"])
    assert by_name["paused"]["due"] is None and by_name["paused"]["paused_left"] == "P0DT00H10M00S"
    assert by_name["none"]["due"] is None and by_name["none"]["warn"] is None


def test_paging_by_one_follows_next_through_every_row_and_previous_back(org, agent, api_agent):
    made = [register(org, agent) for _ in range(3)]
    for complaint, hours in zip(made, [2, -1, 1], strict=True):
        set_clock(complaint, due=timedelta(hours=hours))
    whole = api_agent.get(INBOX).json()["results"]

    pages, url = [], f"{INBOX}?page_size=1"
    while url:
        page = api_agent.get(url).json()
        assert len(page["results"]) == 1
        pages.append(page)
        url = page["next"]

    assert [p["results"][0]["id"] for p in pages] == [row["id"] for row in whole]
    assert len(pages) == 3 and pages[0]["previous"] is None
    back, url = [], pages[-1]["previous"]
    while url:
        page = api_agent.get(url).json()
        back.append(page["results"][0]["id"])
        url = page["previous"]
    assert back == [row["id"] for row in whole[:2]][::-1]
    # Past the end, or not a page number: 404, as DRF's page-number pagination answers.
    for wrong in ("4", "0", "x", "9" * 20):  # (the last: past any offset the database takes)
        answer = api_agent.get(f"{INBOX}?page_size=1&page={wrong}")
        assert answer.status_code == 404, (wrong, answer.content)
        assert answer["Content-Type"] == "application/problem+json"
    assert api_agent.get(f"{INBOX}?page_size=1&page=").json()["results"][0]["id"] == whole[0]["id"]


def test_rows_alike_in_all_else_keep_their_places_page_after_page(org, agent, api_agent):
    """The same deadline and creation time (a batch registered at once): the task's number decides,
    latest first, so that paging by one meets each row once."""
    made = [register(org, agent) for _ in range(4)]
    for complaint in made:
        set_clock(complaint, due=timedelta(hours=1))
    tasks = Task.objects.filter(process__in=made, status=STATUS.ASSIGNED)
    same = timezone.now().replace(microsecond=0)
    tasks.update(created=same)
    TaskUrgency.objects.filter(task__in=tasks).update(created=same, due=same + timedelta(hours=1))
    ids = sorted(tasks.values_list("pk", flat=True), reverse=True)

    assert [row["id"] for row in every_row(api_agent, f"{INBOX}?page_size=1")] == ids
    assert [row["id"] for row in api_agent.get(INBOX).json()["results"]] == ids


def test_a_member_of_two_queues_sees_both_merged_in_urgency_order(org, agent, agent_b):
    both, made = two_stores(org, agent, agent_b)
    release_first_responses()
    ref = {name: Complaint.objects.get(pk=c.pk).reference for name, c in made.items()}
    client = client_for(both)

    merged = [ref[name] for name in ["b_later", "a_late", "b_sooner", "a_soon"]]
    assert references(client.get(QUEUE).json()["results"]) == merged
    assert references(every_row(client, f"{QUEUE}?page_size=1")) == merged
    assert references(every_row(client_for(agent_b), QUEUE)) == [ref["b_later"], ref["b_sooner"]]

    # A token narrowed to store B sees store B's part of the same queue, in the same order; its
    # inbox, the task it claimed from store A's part, not.
    narrowed = client_for(both)
    token = ApiToken.objects.filter(owner=both).latest("pk")
    token.departments.set([org["store_b"]])
    assert references(every_row(narrowed, f"{QUEUE}?page_size=1")) == [ref["b_later"], ref["b_sooner"]]
    task = open_task(made["a_late"], FLOW.first_response)
    Task.objects.filter(pk=task.pk).update(owner=both, status=STATUS.ASSIGNED)
    urgency_rebuild()
    assert references(client.get(INBOX).json()["results"]) == [ref["a_late"]]
    assert narrowed.get(INBOX).json()["results"] == []


def test_a_superusers_queue_is_every_queued_task_most_urgent_first(org, agent, agent_b):
    admin = get_user_model().objects.create_superuser("root", password="x")
    made = {
        "a_soon": register(org, agent),
        "b_late": register(org, agent_b, department=str(org["store_b"].pk)),
        "a_paused": register(org, agent),
    }
    set_clock(made["a_soon"], due=timedelta(hours=1))
    set_clock(made["b_late"], due=timedelta(hours=-1))
    set_clock(made["a_paused"], due=timedelta(hours=1), paused=True)
    release_first_responses()
    ref = {name: Complaint.objects.get(pk=c.pk).reference for name, c in made.items()}

    rows = every_row(client_for(admin), f"{QUEUE}?page_size=2")

    assert references(rows) == [ref["b_late"], ref["a_soon"], ref["a_paused"]]
    assert [row["deadline_state"] for row in rows] == ["breached", "running", "paused"]


def test_claim_and_release_answer_with_the_tasks_deadline(org, agent, api_agent):
    complaint = register(org, agent)
    set_clock(complaint, due=timedelta(hours=-1))
    task = open_task(complaint, FLOW.first_response)

    released = api_agent.post(f"/api/tasks/{task.pk}/release/").json()
    claimed = api_agent.post(f"/api/tasks/{task.pk}/claim/").json()

    assert released["owner"] is None and claimed["owner"] == agent.username
    assert released["deadline_state"] == claimed["deadline_state"] == "breached"
    assert claimed["due"] == api_agent.get(INBOX).json()["results"][0]["due"]
