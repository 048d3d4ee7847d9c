"""The review pack as documents: its page (and the page the PDF is printed from) and its workbook,
from the context complaints.services.review.pack_context reads. The pack is a record the
organisation issues and archives (beat, the `review_pack` command and the archive page all use the
bytes made here), so it is rendered beside the domain, with its template in the app's own template
folder (complaints/templates/complaints/), not by a door: the web pages only show what was archived.
`workbook` is the one .xlsx writer (the managers' list exports with it too)."""

import io
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.rules.names import person_name


def pack_html(context: dict[str, Any], *, for_pdf: bool = False) -> str:
    from config.fonts import pdf_font_face_css

    return render_to_string(
        "complaints/review_pack.html", {**context, "for_pdf": for_pdf, "font_face": pdf_font_face_css()}
    )


# Rows a worksheet holds under its header (Excel opens at most 1,048,576 rows a sheet).
SHEET_ROWS = 1_048_575


def workbook(sheets: list[tuple[str, list[str], Iterable[list[Any]]]]) -> bytes:
    """An .xlsx with one sheet per (title, headers, rows); headers bold and the top row frozen."""
    out = io.BytesIO()
    workbook_write(out, sheets)
    return out.getvalue()


def workbook_write(handle: IO[bytes], sheets: list[tuple[str, list[str], Iterable[list[Any]]]]) -> None:
    """Writes the .xlsx of `workbook` to a file as its rows are consumed (openpyxl's write-only
    mode: a year's export never holds its cells in memory). Rows past a sheet's capacity continue
    on a sheet of the same title and a number ("Complaints (2)")."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)

    def sheet_of(title: str, headers: list[str]) -> Any:
        sheet = book.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        bold = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = Font(bold=True)
            bold.append(cell)
        sheet.append(bold)
        return sheet

    for title, headers, rows in sheets:
        sheet, written, number = sheet_of(title, headers), 0, 1
        for row in rows:
            if written == SHEET_ROWS:
                number += 1
                suffix = f" ({number})"
                sheet, written = sheet_of(title[: 31 - len(suffix)] + suffix, headers), 0
            sheet.append([_excel(v) for v in row])
            written += 1
    book.save(handle)


def _excel(value: Any) -> Any:
    from complaints.rules.text import csv_cell

    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str):
        return csv_cell(value)
    return value


def pack_workbook(context: dict[str, Any]) -> bytes:
    s = context["summary"]

    def pct(value: float | None) -> Any:
        return "" if value is None else value

    kpis = [
        [_("Volume"), s.volume, ""],
        [_("Invalid"), s.invalid, ""],
        [_("Duplicates"), s.duplicate, ""],
        [str(context["definitions"]["fcr"].title), pct(s.fcr.percent), f"{s.fcr.part}/{s.fcr.whole}"],
        [_("Follow-up satisfaction"), pct(s.satisfaction.percent), f"{s.satisfaction.part}/{s.satisfaction.whole}"],
        [_("Satisfaction target (%)"), s.satisfaction.target, ""],
        [_("Satisfaction recovery"), pct(s.recovery.percent), f"{s.recovery.part}/{s.recovery.whole}"],
        [_("Repeat-complaint rate"), pct(s.repeat.percent), f"{s.repeat.part}/{s.repeat.whole}"],
        [_("Compensation (CNY)"), float(s.compensation), ""],
        [_("Corrective-action cost (CNY)"), float(s.action_cost), ""],
        [_("Open batch investigations"), s.open_batches, ""],
        [_("Appeals"), s.appeals, ""],
    ]
    kpis += [
        [_("Escalation rate: %(level)s") % {"level": r.label}, pct(r.percent), f"{r.part}/{r.whole}"]
        for r in s.escalation
    ]
    kpis += [
        [_("Deadlines met: %(clock)s") % {"clock": r.label}, pct(r.percent), f"{r.part}/{r.whole}"] for r in s.deadlines
    ]
    headers_kpi = [_("KPI"), _("Value (percent or count)"), _("Part / whole")]
    times = [[c.level, c.priority, c.count, c.median_hours, c.p90_hours] for c in s.resolution_times]
    pareto_headers = [_("Name"), _("Count"), _("Share (%)"), _("Cumulative (%)")]
    return workbook(
        [
            (_("KPIs"), headers_kpi, kpis),
            (
                _("Resolution time"),
                [_("Level"), _("Priority"), _("Complaints"), _("Median (h)"), _("90th percentile (h)")],
                times,
            ),
            (_("Categories"), pareto_headers, [[r.label, r.count, r.share, r.cumulative] for r in s.categories]),
            (_("Root causes"), pareto_headers, [[r.label, r.count, r.share, r.cumulative] for r in s.causes]),
            (
                _("Breaches"),
                [_("Complaint"), _("Clock"), _("Due"), _("Breached")],
                [[str(c.complaint), c.get_kind_display(), c.due_at, c.breached_at] for c in context["breaches"]],
            ),
            (
                _("Open actions"),
                [_("Complaint"), _("Action"), _("Owner"), _("Due"), _("Status"), _("Overdue")],
                [
                    [
                        str(a.complaint),
                        a.description,
                        str(a.owner or a.department or ""),
                        a.due_date,
                        a.get_status_display(),
                        _("yes") if overdue else "",
                    ]
                    for a, overdue in context["actions"]
                ],
            ),
            (
                _("Open decisions"),
                [_("Decided in"), _("Decision"), _("Owner"), _("Due"), _("Overdue")],
                [
                    [
                        str(d.pack),
                        d.description,
                        person_name(d.owner),
                        d.due_date,
                        _("yes") if overdue else "",
                    ]
                    for d, overdue in context.get("decisions", [])
                ],
            ),
            (
                _("Don't do"),
                [_("Cause category"), _("Confirmed cause"), _("Complaints"), _("Permanent actions")],
                [[d.category, d.cause, d.complaints, d.actions] for d in context["dont_do"]],
            ),
        ]
    )
