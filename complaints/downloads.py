"""Serving an attachment's file once a door has found that the caller may see it (the staff
page's door and the API's)."""

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from complaints.models import Attachment

# Shown in the page (thumbnails, preview) only because the upload service re-encoded them from
# their pixels; every other file, SVG and HTML included, is only ever downloaded.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def attachment_response(attachment: Attachment) -> HttpResponseBase:
    """The file of an attachment the caller was found to see (this page's door and the API's)."""
    inline = attachment.content_type in INLINE_TYPES
    content_type = attachment.content_type if inline else "application/octet-stream"
    accel = getattr(settings, "REDRESS_ATTACHMENT_ACCEL", "")
    response: HttpResponseBase
    if accel == "sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = attachment.file.path
    elif accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + attachment.file.name
    else:
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=attachment.name
    ) or ("inline" if inline else "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
