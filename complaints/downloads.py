"""Serving a file once a door has found that the caller may have it: an attachment (the staff
page's door and the API's), an export (its asker's, from the dashboard or the admin)."""

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from complaints.models import Attachment, ComplaintExport

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


EXPORT_TYPES: dict[str, str] = {
    ComplaintExport.Format.CSV: "text/csv; charset=utf-8",
    ComplaintExport.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(export: ComplaintExport | None) -> HttpResponseBase:
    """The file of a finished export its door found the caller's; not found if it is none, not
    finished, or its file was deleted."""
    if export is None or export.status != ComplaintExport.Status.DONE or not export.file.name:
        raise Http404(_("No such export, or it was deleted."))
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("No such export, or it was deleted.")) from missing
    stamp = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M")
    response = FileResponse(handle, content_type=EXPORT_TYPES.get(export.format, "application/octet-stream"))
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=f"complaints-{stamp}.{export.format}") or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
