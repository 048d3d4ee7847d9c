"""Issue 20, item 5: files chosen on an intake form that comes back with an error are kept for that
draft and offered ticked, so the agent need not choose them again; bounded per person by the
admin, attached when the form is saved, removed when left out or after the admin's time."""

import html
import json
import re
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Complaint, PendingUpload, ProcessSettings
from complaints.services.pending import pending_sweep
from complaints.tasks import pending_uploads_sweep
from tests.conftest import START_URL, intake_data, make_user
from tests.flows.test_flows__journey import as_user


def note(name: str = "receipt.txt", text: bytes = b"Paid 3,200 CNY on 2026-11-02.") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text, content_type="text/plain")


def draft_of(html: str) -> str:
    match = re.search(r'name="draft" value="([0-9a-f]{32})"', html) or re.search(
        r'value="([0-9a-f]{32})"[^>]*name="draft"', html
    )
    assert match, "no draft token on the page"
    return match.group(1)


def kept_choices(html_text: str) -> dict[str, tuple[str, bool]]:
    """The "files kept" field as the page renders it (viewflow's checkbox group element): each
    kept file's id → (its label, ticked or not)."""
    match = re.search(r'<vf-field-checkbox-select[^>]*name="kept"[^>]*>', html_text)
    if not match:
        return {}
    groups = json.loads(html.unescape(re.search(r'optgroups="([^"]*)"', match.group(0)).group(1)))
    return {str(g["options"]["value"]): (g["options"]["label"], bool(g["options"]["selected"])) for g in groups}


def refused_once(client: Any, org: dict[str, Any], *files: SimpleUploadedFile) -> str:
    response = client.post(START_URL, {**intake_data(org, customer_phone="not a phone"), "attachments": list(files)})
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    return response.content.decode()


def test_a_file_that_passed_its_checks_is_kept_ticked_and_attached_on_the_next_save(
    org, agent, django_capture_on_commit_callbacks
):
    client = as_user(agent)
    page = refused_once(client, org, note())
    kept = PendingUpload.objects.get()
    assert (kept.owner, kept.name) == (agent, "receipt.txt")
    assert "Files kept from your last try" in page
    assert kept_choices(page) == {str(kept.pk): ("receipt.txt (29\xa0bytes)", True)}
    assert "choose these files again" not in page
    stored = kept.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START_URL, {**intake_data(org), "draft": draft_of(page), "kept": [str(kept.pk)]})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    (attachment,) = complaint.attachments.all()
    assert attachment.name == "receipt.txt"
    assert attachment.file.read() == b"Paid 3,200 CNY on 2026-11-02."
    assert not PendingUpload.objects.exists()
    assert not kept.file.storage.exists(stored)


def test_an_unticked_kept_file_is_left_out_and_removed(org, agent):
    client = as_user(agent)
    page = refused_once(client, org, note())
    response = client.post(START_URL, {**intake_data(org), "draft": draft_of(page)})
    assert response.status_code == 302
    assert not Complaint.objects.get().attachments.exists()
    assert not PendingUpload.objects.exists()


def test_a_second_error_keeps_both_the_earlier_and_the_new_files(org, agent):
    client = as_user(agent)
    page = refused_once(client, org, note())
    first = PendingUpload.objects.get()
    data = {**intake_data(org, customer_phone="still not"), "draft": draft_of(page), "kept": [str(first.pk)]}
    page = client.post(START_URL, {**data, "attachments": [note("photo-list.txt")]}).content.decode()
    assert PendingUpload.objects.count() == 2
    assert {label.split(" ")[0]: ticked for label, ticked in kept_choices(page).values()} == {
        "receipt.txt": True,
        "photo-list.txt": True,
    }


def test_nobody_else_reaches_my_kept_files(org, agent):
    page = refused_once(as_user(agent), org, note())
    mine = PendingUpload.objects.get()
    other = make_user("agent_a2", org["store_a"], "agent")  # a colleague at the same store
    response = as_user(other).post(START_URL, {**intake_data(org), "draft": draft_of(page), "kept": [str(mine.pk)]})
    # Someone else's draft token offers nothing, and my file's id is no choice of theirs: their
    # complaint is registered without it, and my file stays mine.
    assert response.status_code == 302
    assert not Complaint.objects.get().attachments.exists()
    assert PendingUpload.objects.filter(pk=mine.pk, owner=agent).exists()


def test_files_beyond_the_admins_bound_are_named_to_choose_again(org, agent):
    ProcessSettings.objects.update(pending_upload_max_files=1)
    page = refused_once(as_user(agent), org, note("one.txt"), note("two.txt"))
    assert PendingUpload.objects.count() == 1
    assert "Nothing was saved, so choose these files again: two.txt." in page


def test_kept_files_older_than_the_admins_time_are_swept(org, agent):
    refused_once(as_user(agent), org, note("old.txt"))
    refused_once(as_user(agent), org, note("new.txt"))
    ProcessSettings.objects.update(pending_upload_hours=2)
    PendingUpload.objects.filter(name="old.txt").update(created_at=timezone.now() - timedelta(hours=3))
    assert pending_uploads_sweep() == 1
    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["new.txt"]
    assert pending_sweep() == 0  # twice is harmless


def test_an_intake_page_with_kept_files_keeps_its_query_budget(org, agent, django_assert_max_num_queries):
    client = as_user(agent)
    page = refused_once(client, org, note())
    data = {**intake_data(org, customer_phone="x"), "draft": draft_of(page)}
    with django_assert_max_num_queries(60):
        assert client.post(START_URL, {**data, "attachments": [note("b.txt")]}).status_code == 200
