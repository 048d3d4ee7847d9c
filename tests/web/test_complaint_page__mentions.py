"""Internal notes with @mentions: the named colleague finds a "read the note" task in their own
inbox (and an e-mail); naming someone who cannot see the complaint is refused and stores nothing."""

import pytest
from django.core import mail
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from complaints.models import Mention, Note
from flows.flows import MentionFlow
from tests.conftest import make_user, task_url
from tests.web.page_helpers import as_user, new_complaint, page, page_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(org):
    """Store A's manager: sees store A's complaints (a colleague to mention)."""
    user = make_user("manager_a", org["store_a"], "store_manager")
    user.email = "manager_a@example.com"
    user.save()
    return user


def post_note(user, complaint, text):
    return as_user(user).post(page_url(complaint, "note"), {"text": text})


def test_a_mention_puts_the_note_in_the_colleagues_inbox(org, agent, manager, django_capture_on_commit_callbacks):
    complaint = new_complaint(org, agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_note(agent, complaint, "@manager_a the customer asks for you.")
    assert response.status_code == 302
    mention = Mention.objects.get(case=complaint)
    assert mention.mentioned == manager and mention.note.text.startswith("@manager_a")
    task = Task.objects.get(process=mention, flow_task=MentionFlow.read)
    assert task.owner == manager and task.status == STATUS.ASSIGNED
    inbox = as_user(manager).get("/workflow/inbox/").content.decode()
    assert complaint.reference in inbox
    assert [m.to for m in mail.outbox if "manager_a@example.com" in m.to]
    # the timeline names who was mentioned, and the task's life shows too
    html = page(as_user(agent), complaint)
    assert "Internal note, for manager_a:" in html
    assert "Task “Read the note” created; manager_a holds it." in html


def test_the_colleague_reads_the_note_and_the_task_ends(org, agent, manager):
    complaint = new_complaint(org, agent)
    post_note(agent, complaint, "Please call back @manager_a")
    task = Task.objects.get(process__mention__case=complaint, flow_task=MentionFlow.read)
    client = as_user(manager)
    form = client.get(task_url(task, "execute")).content.decode()
    assert "Please call back @manager_a" in form and complaint.reference in form
    assert "Mark as read" in form
    assert client.post(task_url(task, "execute"), {}).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert Mention.objects.get(case=complaint).read_at is not None


def test_mentioning_someone_outside_the_complaints_scope_is_refused(org, agent, agent_b):
    complaint = new_complaint(org, agent)
    response = post_note(agent, complaint, "@agent_b have a look")
    assert response.status_code == 200
    assert "@agent_b cannot see this complaint" in response.content.decode()
    assert not Note.objects.filter(complaint=complaint).exists()
    assert not Mention.objects.exists()


def test_mentioning_an_unknown_login_is_refused(org, agent):
    complaint = new_complaint(org, agent)
    response = post_note(agent, complaint, "@nobody_here look")
    assert "No active colleague is called @nobody_here" in response.content.decode()
    assert not Note.objects.filter(complaint=complaint).exists()


def test_the_note_form_lists_colleagues_who_can_see_the_complaint(org, agent, manager, agent_b):
    complaint = new_complaint(org, agent)
    html = as_user(agent).get(page_url(complaint, "note")).content.decode()
    assert 'data-mention="manager_a"' in html
    assert 'data-mention="agent_b"' not in html
    assert "redress/mention.js" in html


def test_a_mention_task_of_another_complaint_is_not_shown_to_outsiders(org, agent, manager, agent_b):
    complaint = new_complaint(org, agent)
    post_note(agent, complaint, "@manager_a FYI")
    mention = Mention.objects.get()
    url = f"/workflow/flows/mention/{mention.pk}/"
    assert as_user(agent_b).get(url).status_code == 404


def test_a_released_mention_waits_for_its_reader_only(org, agent, manager, regional_lead):
    complaint = new_complaint(org, agent)
    post_note(agent, complaint, "@manager_a please check")
    task = Task.objects.get(process__mention__case=complaint, flow_task=MentionFlow.read)
    assert as_user(manager).post(task_url(task, "unassign")).status_code == 302
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW
    # the regional lead sees the complaint but may not take the colleague's note
    assert as_user(regional_lead).post(task_url(task, "assign")).status_code in (403, 404)
    task.refresh_from_db()
    assert task.owner is None
    assert complaint.reference in as_user(manager).get("/workflow/queue/").content.decode()
    assert as_user(manager).post(task_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert task.owner == manager
