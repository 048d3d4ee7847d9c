"""Files attached to a complaint."""

import io
import mimetypes
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from complaints.choices import EventKind
from complaints.models import Answer, Attachment, Complaint
from complaints.selectors.common import complaints_visible_to
from complaints.services.errors import Refused, is_system
from complaints.services.events import event_record


def attachment_add(
    *, complaint: Complaint, upload: UploadedFile, actor: Any, answer: Answer | None = None
) -> Attachment:
    """Stores one uploaded file (already validated by the form) and records it; `answer` when the
    file answers a question of the category form. Anyone who may see the complaint may add evidence
    to it (the customer's portal and the system act without an actor)."""
    if not is_system(actor) and not complaints_visible_to(actor).filter(pk=complaint.pk).exists():
        raise Refused(_("You may not add files to this complaint."))
    reencoded = image_reencoded(upload)
    content_type = upload.content_type or mimetypes.guess_type(upload.name or "")[0] or ""
    if reencoded is not upload:
        upload, content_type = reencoded, reencoded.content_type or ""
    elif content_type in REENCODED.values():
        content_type = "application/octet-stream"  # says it is an image, but its content is not one
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


# Image formats that are re-encoded on upload and may be shown inline; anything else (SVG
# included) is stored as uploaded and only ever downloaded.
REENCODED = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def image_reencoded(upload: UploadedFile) -> UploadedFile:
    """Returns the upload re-encoded from its pixels when its content is a JPEG, PNG, GIF or WebP
    image (metadata such as GPS position dropped, anything appended to the image gone), with the
    content type the pixels say; any other file unchanged."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format or ""
            if kind not in REENCODED:
                return upload
            image.load()
            clean = image.copy()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return upload
    finally:
        upload.seek(0)
    if kind == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    buffer = io.BytesIO()
    clean.save(buffer, format=kind)
    return SimpleUploadedFile(upload.name or "image", buffer.getvalue(), content_type=REENCODED[kind])
