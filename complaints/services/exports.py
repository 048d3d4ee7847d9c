"""Exports too large for a request (issue 17): a year of the managers' list, or the complaints an
admin selected with their form answers, take longer to write than a request may run, so an export
is a row (ComplaintExport) that a Celery task fills with a file, with what the asker may see when
it runs. They are told in their notification list when it is ready (or failed) and download it
from their exports page (the dashboard's, or the admin's); the clean-up (beat, every ten minutes)
deletes it after the admin's number of days (KPI settings). Asking twice for the same export while
the first is being made gives the first."""

import csv
import io
import logging
import tempfile
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from complaints.choices import NoticeOnlyEvent
from complaints.forms.kpi import KpiFilterForm
from complaints.models import ComplaintExport, InAppNotice
from complaints.selectors.common import visible_only
from complaints.selectors.export import complaints_by_ids, management_table
from complaints.selectors.kpi import kpi_settings, managers_list, may_see_dashboard
from complaints.selectors.once import reads_once
from complaints.services.errors import Refused
from complaints.services.privacy import complaints_export_table

logger = logging.getLogger(__name__)

# Parameters of the list that do not change what is exported (the page shown, the columns shown:
# the export always has all of its columns).
NOT_EXPORTED = ("page", "format", "columns")
PENDING = (ComplaintExport.Status.QUEUED, ComplaintExport.Status.RUNNING)
# A queued export whose message to the workers was lost (broker down at the time) is sent again by
# the clean-up; one still waiting behind a busy worker gets a second message, which finds it made.
RESEND_AFTER = timedelta(minutes=1)


class ExportRefused(Refused):
    """The export may not be made (no dashboard access, an unknown format or list part)."""


def export_query(params: QueryDict) -> str:
    """The list's query as an export keeps it (without the page, the format and the shown columns)."""
    kept = params.copy()
    for name in NOT_EXPORTED:
        kept.pop(name, None)
    return kept.urlencode()


def export_request(*, user: Any, params: QueryDict, fmt: str) -> tuple[ComplaintExport, bool]:
    """Asks for an export of the managers' list as `params` filter it, in the user's current
    language; the file is made by a worker once the transaction commits. Returns the export and
    whether it is new (the same export already waiting or being made is returned instead)."""
    if not may_see_dashboard(user):
        raise ExportRefused(_("The dashboard is for the roles the KPI settings name."))
    if fmt not in ComplaintExport.Format.values:
        raise ExportRefused(_("Choose CSV or XLSX."))
    query = export_query(params)
    form = KpiFilterForm(QueryDict(query) or None)
    if form.is_bound and not form.is_valid():
        raise ExportRefused(" ".join(str(e) for errors in form.errors.values() for e in errors))
    try:
        managers_list(user=user, params=QueryDict(query))  # checks the part; reads no complaint rows
    except (KeyError, ValueError) as unknown:
        raise ExportRefused(_("No such number on the dashboard.")) from unknown
    language = translation.get_language() or "en"
    described = form.described()
    if part := params.get("part"):
        described.append(_("dashboard number: %(part)s") % {"part": part})
    if words := (params.get("q") or "").strip():
        described.append(_("search: “%(words)s”") % {"words": words})
    with transaction.atomic():
        # The user's row serialises their requests: a double click makes one export.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        waiting = ComplaintExport.objects.filter(
            requested_by=user, query=query, format=fmt, language=language, status__in=PENDING
        ).first()
        if waiting is not None:
            return waiting, False
        export = ComplaintExport.objects.create(
            requested_by=user,
            query=query,
            description=pgettext("list separator", "; ").join(described)[:300],
            format=fmt,
            language=language,
        )
        transaction.on_commit(partial(export_enqueue, export_id=export.pk))
    return export, True


def records_export_request(*, user: Any, queryset: Any) -> tuple[ComplaintExport, bool]:
    """Asks for a CSV export of the complaints an admin selected (with their form answers:
    selectors.export.complaint_table), those of them the user may see, in the user's current
    language; personal data only if they hold the export permission when it is made (then logged),
    masked otherwise. Returns the export and whether it is new."""
    if not may_export_records(user):
        raise ExportRefused(_("Exporting complaints needs the permission to view them in the admin."))
    ids = list(visible_only(queryset, user).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ExportRefused(_("None of the selected complaints is yours to export."))
    language = translation.get_language() or "en"
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        kind = ComplaintExport.Kind.RECORDS
        pending = ComplaintExport.objects.filter(requested_by=user, kind=kind, language=language, status__in=PENDING)
        waiting = next((e for e in pending if e.ids == ids), None)
        if waiting is not None:
            return waiting, False
        count = len(ids)
        export = ComplaintExport.objects.create(
            requested_by=user,
            kind=kind,
            ids=ids,
            description=ngettext("%(count)s complaint selected", "%(count)s complaints selected", count)
            % {"count": count},
            format=ComplaintExport.Format.CSV,
            language=language,
        )
        transaction.on_commit(partial(export_enqueue, export_id=export.pk))
    return export, True


def may_export_records(user: Any) -> bool:
    """Staff who may view complaints in the admin (the action's own door)."""
    return bool(user.is_active and user.is_staff and user.has_perm("complaints.view_complaint"))


def export_enqueue(*, export_id: int) -> None:
    from complaints.tasks import complaints_export

    try:
        complaints_export.delay(export_id)
    except Exception:  # the broker is down: the clean-up sends it again (RESEND_AFTER)
        logger.exception("export %s could not be queued", export_id)


def export_run(*, export_id: int) -> ComplaintExport | None:
    """Makes the export's file (the worker's part). Claims the export first: one that is already
    made or failed is left alone (a message delivered twice makes one file). A manager who may no
    longer see the dashboard gets a failed export. Returns the export, or None if not claimed."""
    now = timezone.now()
    claimed = ComplaintExport.objects.filter(pk=export_id, status__in=PENDING).update(
        status=ComplaintExport.Status.RUNNING, started_at=now, attempts=F("attempts") + 1
    )
    export = ComplaintExport.objects.select_related("requested_by").filter(pk=export_id).first()
    if not claimed or export is None:
        return None
    user = export.requested_by
    records = export.kind == ComplaintExport.Kind.RECORDS
    with translation.override(export.language):
        if records and not may_export_records(user):
            return _finished(
                export, error=_("You may no longer view complaints in the admin, so the export was not made.")
            )
        if not records and not may_see_dashboard(user):
            return _finished(export, error=_("You may no longer see the dashboard, so the export was not made."))
        try:
            with reads_once():  # the configuration's names (categories, levels…) read once for every row
                if records:
                    selected = complaints_by_ids(export.ids or [])
                    table = complaints_export_table(user=user, queryset=selected, language=export.language)
                else:
                    table = management_table(managers_list(user=user, params=QueryDict(export.query)))
                rows = _write(export, *table)
        except (KeyError, ValueError):
            return _finished(export, error=_("No such number on the dashboard."))
        except Exception:
            logger.exception("export %s failed", export.pk)
            return _finished(export, error=_("The export could not be made. Try again, or tell your administrator."))
        return _finished(export, rows=rows)


def _write(export: ComplaintExport, headers: list[str], rows: Iterable[list[Any]]) -> int:
    """Writes the file of the export as its rows are read (through a temporary file) and returns
    its row count."""
    from complaints.documents.review_pack import workbook_write

    counted = _Counted(rows)
    with tempfile.TemporaryFile() as handle:
        if export.format == ComplaintExport.Format.CSV:
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
            text.write("\ufeff")  # Excel reads UTF-8 (Chinese) only with the byte-order mark
            writer = csv.writer(text)
            writer.writerow(headers)
            writer.writerows(counted)
            text.flush()
            text.detach()
        else:
            workbook_write(handle, [(str(_("Complaints")), headers, counted)])
        handle.seek(0)
        stamp = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M")
        export.file.save(f"complaints-{stamp}-{export.pk}.{export.format}", File(handle), save=False)
        export.size = export.file.size
    return counted.count


class _Counted:
    """Passes rows through, counting them."""

    def __init__(self, rows: Any) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Any:
        for row in self.rows:
            self.count += 1
            yield row


def _finished(export: ComplaintExport, *, rows: int | None = None, error: str = "") -> ComplaintExport:
    """Records the outcome and tells the manager in their notification list (in their language)."""
    export.status = ComplaintExport.Status.FAILED if error else ComplaintExport.Status.DONE
    export.rows, export.error, export.finished_at = rows, error, timezone.now()
    with transaction.atomic():
        updated = ComplaintExport.objects.filter(pk=export.pk, status=ComplaintExport.Status.RUNNING).update(
            status=export.status,
            rows=export.rows,
            error=export.error,
            finished_at=export.finished_at,
            file=export.file.name or "",
            size=export.size,
        )
        if not updated:  # finished meanwhile by another delivery of the same message: keep that one
            if export.file.name:
                export.file.storage.delete(export.file.name)
            return export
        records = export.kind == ComplaintExport.Kind.RECORDS
        page = settings.REDRESS_BASE_URL + reverse(
            "admin:complaints_complaintexport_changelist" if records else "dashboard:exports"
        )
        if error:
            subject = (
                _("Your export of complaints failed") if records else _("Your export of the managers' list failed")
            )
            body = f"{error}\n{page}"
        else:
            subject = (
                _("Your export of complaints is ready") if records else _("Your export of the managers' list is ready")
            )
            summary = _("%(count)s complaints, %(format)s. Download it from your exports:") % {
                "count": rows,
                "format": export.get_format_display(),
            }
            body = f"{summary}\n{page}"
        InAppNotice.objects.get_or_create(
            key=f"export:{export.pk}",
            defaults={
                "recipient_id": export.requested_by_id,
                "event": NoticeOnlyEvent.EXPORT_FAILED if error else NoticeOnlyEvent.EXPORT_READY,
                "subject": subject[:300],
                "body": body,
            },
        )
    return export


def exports_sweep(*, now: Any = None) -> int:
    """The clean-up (beat, every ten minutes): deletes the exports (and their files) asked for
    longer ago than the admin's number of days (KPI settings; one still being made so long ago is
    dead) and sends again the queued ones whose message was lost. Returns how many were deleted."""
    now = now or timezone.now()
    keep = timedelta(days=kpi_settings().export_keep_days)
    old = list(ComplaintExport.objects.filter(created_at__lt=now - keep).defer("ids"))
    for export in old:
        if export.file.name:
            export.file.storage.delete(export.file.name)
    ComplaintExport.objects.filter(pk__in=[e.pk for e in old]).delete()
    lost = ComplaintExport.objects.filter(status=ComplaintExport.Status.QUEUED, created_at__lt=now - RESEND_AFTER)
    for export_id in lost.values_list("pk", flat=True):
        export_enqueue(export_id=export_id)
    return len(old)


def exports_forget(*, complaint_ids: Iterable[int]) -> int:
    """Deletes the admin's exports (kind records, which may carry personal data) that hold any of
    these complaints, with their files: called when complaints are anonymised (retention, a
    person's erasure). Returns how many were deleted."""
    forgotten = set(complaint_ids)
    if not forgotten:
        return 0
    records = ComplaintExport.objects.filter(kind=ComplaintExport.Kind.RECORDS)
    holding = [e for e in records.only("pk", "ids", "file") if forgotten.intersection(e.ids or [])]
    files = [e.file.name for e in holding if e.file.name]
    ComplaintExport.objects.filter(pk__in=[e.pk for e in holding]).delete()
    storage = ComplaintExport._meta.get_field("file").storage  # type: ignore[attr-defined]

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return len(holding)
