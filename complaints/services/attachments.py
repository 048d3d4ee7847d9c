"""Files attached to a complaint."""

import mimetypes
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from complaints.choices import EventKind
from complaints.models import Answer, Attachment, Complaint
from complaints.services.events import event_record


def attachment_add(
    *, complaint: Complaint, upload: UploadedFile, actor: Any, answer: Answer | None = None
) -> Attachment:
    """Stores one uploaded file (already validated by the form) and records it; `answer` when the
    file answers a question of the category form."""
    content_type = upload.content_type or mimetypes.guess_type(upload.name or "")[0] or ""
    attachment = Attachment.objects.create(
        complaint=complaint,
        answer=answer,
        file=upload,
        name=(upload.name or "")[:200],
        content_type=content_type[:100],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    event_record(complaint=complaint, kind=EventKind.ATTACHMENT, actor=actor, new={"name": attachment.name})
    return attachment
