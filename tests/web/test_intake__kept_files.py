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


# The category's own file questions (a required photo, at most two) keep their files the same way.
PHOTO_QUESTION = [
    {"key": "damage_photos", "kind": "photo", "label_en": "Damage photos", "required": True, "max_files": 2},
]


def test_a_file_questions_files_are_kept_under_it_and_answer_it_on_the_next_save(org, agent):
    from tests.complaints.test_intake_forms__acceptance import png, publish_form

    publish_form(org["category"], PHOTO_QUESTION)
    client = as_user(agent)
    data = intake_data(org, customer_phone="not a phone")
    page = client.post(START_URL, {**data, "answer_damage_photos": [png("door.png")]}).content.decode()
    kept = PendingUpload.objects.get()
    assert (kept.name, kept.question) == ("door.png", "damage_photos")
    (label, ticked), *_ = kept_choices(page).values()
    assert label.startswith("door.png (") and label.endswith(" · Damage photos") and ticked
    assert "choose these files again" not in page
    # The required question is answered by the kept file: the browser must not ask for a new one.
    assert not re.search(r'<vf-field-file[^>]*name="answer_damage_photos"[^>]*required', page)

    response = client.post(START_URL, {**intake_data(org), "draft": draft_of(page), "kept": [str(kept.pk)]})
    assert response.status_code == 302, response.context["form"].errors
    complaint = Complaint.objects.get()
    answer = complaint.answers.get(key="damage_photos")
    assert [f.name for f in answer.files.all()] == ["door.png"]
    assert not complaint.attachments.filter(answer__isnull=True).exists()  # not an attachment of the form
    assert not PendingUpload.objects.exists()


def test_a_kept_file_question_file_unticked_leaves_the_question_unanswered(org, agent):
    from tests.complaints.test_intake_forms__acceptance import png, publish_form

    publish_form(org["category"], PHOTO_QUESTION)
    client = as_user(agent)
    page = client.post(
        START_URL, {**intake_data(org, customer_phone="not a phone"), "answer_damage_photos": [png("door.png")]}
    ).content.decode()
    response = client.post(START_URL, {**intake_data(org), "draft": draft_of(page)})
    assert response.status_code == 200
    assert response.context["form"].errors["answer_damage_photos"] == ["This field is required."]
    assert not Complaint.objects.exclude(reference__isnull=True).exists()


def test_kept_and_new_files_together_stay_within_the_questions_number(org, agent):
    from tests.complaints.test_intake_forms__acceptance import png, publish_form

    publish_form(org["category"], PHOTO_QUESTION)
    client = as_user(agent)
    page = client.post(
        START_URL,
        {**intake_data(org, customer_phone="not a phone"), "answer_damage_photos": [png("a.png"), png("b.png")]},
    ).content.decode()
    kept = [str(row.pk) for row in PendingUpload.objects.all()]
    assert len(kept) == 2
    response = client.post(
        START_URL, {**intake_data(org), "draft": draft_of(page), "kept": kept, "answer_damage_photos": [png("c.png")]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["answer_damage_photos"] == ["Attach at most 2 file(s)."]
    assert not Complaint.objects.exclude(reference__isnull=True).exists()
    assert PendingUpload.objects.count() == 2  # the new file is refused with its question; the kept stay


def test_kept_files_are_seen_read_only_by_administrators(org, agent, admin_client):
    from django.urls import reverse

    refused_once(as_user(agent), org, note())
    kept = PendingUpload.objects.get()
    assert admin_client.get(reverse("admin:complaints_pendingupload_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:complaints_pendingupload_change", args=[kept.pk]))
    assert page.status_code == 200 and "receipt.txt" in page.content.decode()
    assert 'name="name"' not in page.content.decode()  # nothing to edit
    delete = reverse("admin:complaints_pendingupload_delete", args=[kept.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:complaints_pendingupload_add")).status_code == 403
    assert PendingUpload.objects.filter(pk=kept.pk).exists()
    # Staff without the administrator's rights do not see them at all.
    agent.is_staff = True
    agent.save(update_fields=["is_staff"])
    assert as_user(agent).get(reverse("admin:complaints_pendingupload_changelist")).status_code == 403
