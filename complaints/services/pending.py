"""Files kept for a form that came back with an error (issue 20): the agent chose them, the form
was refused for another reason, and they are kept for that draft instead of being chosen again.
Bounded per person (ProcessSettings.pending_upload_max_files), removed when the form is saved or
after the admin's time (pending_sweep, from the daily cleanup task)."""

from collections.abc import Sequence
from datetime import timedelta
from mimetypes import guess_type
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import PendingUpload
from complaints.selectors.common import process_settings
from complaints.services.errors import Refused, is_system


class PendingRefused(Refused):
    """The kept files are not the actor's to remove."""


def pending_keep(
    *, owner: Any, draft: str, uploads: Sequence[UploadedFile], question: str = ""
) -> tuple[list[PendingUpload], list[UploadedFile]]:
    """Keeps the uploads (already validated by the form) for the owner's draft, as the form's
    attachments or (`question`) as the answer to that category file question; returns the rows
    kept and the uploads it could not keep because the owner already has the most files the admin
    allows kept."""
    if not draft or not uploads:
        return [], list(uploads)
    room = process_settings().pending_upload_max_files - PendingUpload.objects.filter(owner=owner).count()
    kept, left = list(uploads[: max(room, 0)]), list(uploads[max(room, 0) :])
    rows = []
    for upload in kept:
        upload.seek(0)
        row = PendingUpload.objects.create(
            owner=owner,
            draft=draft,
            question=question,
            file=upload,
            name=(upload.name or "")[:200],
            content_type=(upload.content_type or "")[:100],
            size=upload.size or 0,
        )
        rows.append(row)
    return rows, left


def pending_files(rows: Sequence[PendingUpload]) -> list[UploadedFile]:
    """The kept files as uploads again (for the service that attaches them)."""
    files: list[UploadedFile] = []
    for row in rows:
        with row.file.open("rb") as stored:
            files.append(SimpleUploadedFile(row.name, stored.read(), row.content_type or guess_type(row.name)[0] or ""))
    return files


def pending_discard(rows: Sequence[PendingUpload], *, actor: Any = None) -> None:
    """Removes kept files (their rows, and the stored files once the transaction commits): a person
    only their own (refused otherwise, nothing removed), the daily cleanup any."""
    if not is_system(actor) and any(row.owner_id != actor.pk for row in rows):
        raise PendingRefused(_("You may remove only the files kept for you."))
    names = [row.file.name for row in rows]
    storage = PendingUpload._meta.get_field("file").storage  # type: ignore[attr-defined]
    PendingUpload.objects.filter(pk__in=[row.pk for row in rows]).delete()

    def delete_files() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)


def pending_sweep(*, now: Any = None) -> int:
    """Removes the files kept longer than the admin's time; returns how many."""
    hours = process_settings().pending_upload_hours
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    rows = list(PendingUpload.objects.filter(created_at__lt=cutoff)[:1000])
    with transaction.atomic():
        pending_discard(rows)
    return len(rows)
