"""The managers' exports (complaints.services.exports): made by a worker from the list's query, in
the list's order and the manager's language, told in their notification list, downloaded by them
alone, made once however often asked or delivered, read in chunks of a fixed number of queries,
and deleted after the admin's number of days."""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from complaints.models import Complaint, ComplaintExport, InAppNotice, KpiSettings
from complaints.services.exports import export_run, exports_sweep
from tests.web.page_helpers import as_user

pytestmark = pytest.mark.django_db
WEEK = "start=2026-11-23&end=2026-11-29"


def ask(c: Client, query: str, fmt: str, captured: Any, **headers: Any) -> Any:
    """Asks for an export as the list's buttons do; the worker runs it when the request commits."""
    with captured(execute=True):
        response = c.post("/dashboard/complaints/export/", {"query": query, "format": fmt}, **headers)
    return response


def downloaded(c: Client, export: ComplaintExport) -> bytes:
    response = c.get(f"/dashboard/exports/{export.pk}/download/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_has_durations_escalations_breaches_and_costs(
    week: Any, boss: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c = as_user(boss)
    response = ask(c, f"{WEEK}&part=escalated&page=3&columns=owner", "csv", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/dashboard/exports/"
    export = ComplaintExport.objects.get()
    assert export.status == ComplaintExport.Status.DONE and export.rows == 2
    assert export.query == f"{WEEK}&part=escalated"  # the page and the shown columns do not change it
    rows = csv_rows(downloaded(c, export))
    header, by_ref = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert sorted(by_ref) == ["C2", "C6"]
    level1 = str(week["levels"][1])
    assert by_ref["C2"][f"hours at {level1}"] == "5.0"  # escalated after 5 h
    assert by_ref["C2"]["escalations"] == "1" and by_ref["C2"]["breached deadlines"] == "1"
    assert by_ref["C2"]["corrective-action cost (CNY)"] == "500.00"
    assert by_ref["C6"]["compensation (CNY)"] == "1200.00"
    assert "customer phone" not in header
    page = c.get("/dashboard/exports/").content.decode()
    assert "Ready" in page and f"/dashboard/exports/{export.pk}/download/" in page
    # The filter as the manager chose it, in words.
    assert export.description == "From: 2026-11-23; Until: 2026-11-29; dashboard number: escalated"
    assert export.description in page
    notice = InAppNotice.objects.get(recipient=boss)
    assert notice.event == "export_ready" and "2 complaints" in notice.body
    link = settings.REDRESS_BASE_URL + "/dashboard/exports/"
    assert notice.body.endswith(link)
    # The notification list shows it with its link.
    assert f'<a href="{link}"' in c.get(reverse("workflow:notifications:index")).content.decode()


def test_the_export_follows_the_lists_order_and_filters(
    week: Any, boss: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c = as_user(boss)
    ask(c, f"{WEEK}&sort=priority", "csv", django_capture_on_commit_callbacks)
    listed = c.get(f"/dashboard/complaints/?{WEEK}&sort=priority").content.decode()
    references = [r[0] for r in csv_rows(downloaded(c, ComplaintExport.objects.get()))[1:]]
    assert len(references) == 7
    positions = [listed.index(f">{ref}<") for ref in references]
    assert positions == sorted(positions)  # the rows in the order the list shows them


def test_xlsx_export_opens(week: Any, boss: Any, django_capture_on_commit_callbacks: Any) -> None:
    from openpyxl import load_workbook

    c = as_user(boss)
    ask(c, WEEK, "xlsx", django_capture_on_commit_callbacks)
    export = ComplaintExport.objects.get()
    book = load_workbook(io.BytesIO(downloaded(c, export)))
    sheet = book.active
    assert sheet.max_row == 8 and sheet.freeze_panes == "A2" and sheet["A1"].font.b


def test_a_workbook_continues_on_a_second_sheet_past_a_sheets_rows(monkeypatch: Any) -> None:
    from openpyxl import load_workbook

    from complaints.documents import review_pack

    monkeypatch.setattr(review_pack, "SHEET_ROWS", 3)
    data = review_pack.workbook([("Complaints", ["a"], [[n] for n in range(7)])])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Complaints", "Complaints (2)", "Complaints (3)"]
    assert [[c.value for c in row] for row in book["Complaints (3)"].iter_rows()] == [["a"], [6]]


def test_the_export_is_in_the_askers_language(week: Any, boss: Any, django_capture_on_commit_callbacks: Any) -> None:
    c = as_user(boss)
    ask(c, WEEK, "csv", django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="zh-hans")
    export = ComplaintExport.objects.get()
    assert export.language == "zh-hans"
    header = csv_rows(downloaded(c, export))[0]
    with translation.override("zh-hans"):
        chinese = str(Complaint._meta.get_field("reference").verbose_name)
    assert header[0] == chinese != "reference"
    with translation.override("zh-hans"):
        assert InAppNotice.objects.get(recipient=boss).subject == gettext("Your export of the managers' list is ready")


def test_asking_twice_makes_one_export_until_it_is_made(
    week: Any, boss: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from complaints.services import exports

    monkeypatch.setattr(exports, "export_enqueue", lambda **kw: None)  # the worker is busy
    c = as_user(boss)
    for _ in range(2):
        ask(c, WEEK, "csv", django_capture_on_commit_callbacks)
    export = ComplaintExport.objects.get()
    assert export.status == ComplaintExport.Status.QUEUED
    page = c.get("/dashboard/exports/").content.decode()
    assert "Waiting" in page and 'http-equiv="refresh"' in page
    ask(c, WEEK, "xlsx", django_capture_on_commit_callbacks)  # another format is another export
    assert ComplaintExport.objects.count() == 2
    export_run(export_id=export.pk)
    ask(c, WEEK, "csv", django_capture_on_commit_callbacks)  # made: asking again makes a new one
    assert ComplaintExport.objects.filter(format="csv").count() == 2


def test_a_message_delivered_twice_makes_the_file_once(
    week: Any, boss: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask(as_user(boss), WEEK, "csv", django_capture_on_commit_callbacks)
    export = ComplaintExport.objects.get()
    assert export_run(export_id=export.pk) is None
    export.refresh_from_db()
    assert export.attempts == 1 and InAppNotice.objects.filter(recipient=boss).count() == 1


def test_a_killed_worker_is_made_again_on_redelivery(week: Any, boss: Any) -> None:
    """A worker that died mid-file left the export 'being made'; the message comes back
    (acks_late) and the export is made once."""
    export = ComplaintExport.objects.create(requested_by=boss, query=WEEK, format="csv", language="en")
    ComplaintExport.objects.filter(pk=export.pk).update(status=ComplaintExport.Status.RUNNING, attempts=1)
    assert export_run(export_id=export.pk) is not None
    export.refresh_from_db()
    assert export.status == ComplaintExport.Status.DONE and export.rows == 7 and export.attempts == 2


def test_only_the_asker_downloads_and_only_managers_ask(
    week: Any,
    boss: Any,
    store_b_manager: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ask(as_user(boss), WEEK, "csv", django_capture_on_commit_callbacks)
    export = ComplaintExport.objects.get()
    other = as_user(store_b_manager)
    assert other.get(f"/dashboard/exports/{export.pk}/download/").status_code == 404
    assert f"/dashboard/exports/{export.pk}/" not in other.get("/dashboard/exports/").content.decode()
    outsider = as_user(agent)
    assert outsider.post("/dashboard/complaints/export/", {"query": WEEK, "format": "csv"}).status_code == 403
    assert outsider.get(f"/dashboard/exports/{export.pk}/download/").status_code == 403
    assert ComplaintExport.objects.count() == 1


def test_a_store_manager_exports_their_store_only(
    week: Any, store_b_manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c = as_user(store_b_manager)
    ask(c, WEEK, "csv", django_capture_on_commit_callbacks)
    references = {r[0] for r in csv_rows(downloaded(c, ComplaintExport.objects.get()))[1:]}
    assert "C6" in references and "C8" in references and "C1" not in references


def test_a_manager_who_lost_the_dashboard_gets_a_failed_export(
    week: Any, store_b_manager: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from complaints.services import exports

    monkeypatch.setattr(exports, "export_enqueue", lambda **kw: None)
    ask(as_user(store_b_manager), WEEK, "csv", django_capture_on_commit_callbacks)
    KpiSettings.objects.get().dashboard_roles.clear()
    export = export_run(export_id=ComplaintExport.objects.get().pk)
    assert export is not None and export.status == ComplaintExport.Status.FAILED and not export.file.name
    assert "no longer see the dashboard" in export.error
    assert InAppNotice.objects.get(recipient=store_b_manager).event == "export_failed"


def test_bad_input_is_told_on_the_list_and_changes_nothing(week: Any, boss: Any) -> None:
    c = as_user(boss)
    response = c.post("/dashboard/complaints/export/", {"query": WEEK, "format": "pdf"}, follow=True)
    assert "Choose CSV or XLSX." in response.content.decode()
    response = c.post("/dashboard/complaints/export/", {"query": "part=nonsense", "format": "csv"}, follow=True)
    assert "No such number on the dashboard." in response.content.decode()
    backwards = "start=2026-11-29&end=2026-11-23"
    response = c.post("/dashboard/complaints/export/", {"query": backwards, "format": "csv"}, follow=True)
    assert "The period ends before it starts." in response.content.decode()
    assert c.get("/dashboard/complaints/export/").status_code == 405
    assert not ComplaintExport.objects.exists()


def test_chunks_give_the_same_rows_in_a_fixed_number_of_queries_each(
    week: Any, boss: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from complaints.selectors import export as export_selectors
    from complaints.services import exports

    monkeypatch.setattr(exports, "export_enqueue", lambda **kw: None)
    c = as_user(boss)

    def made(chunk: int) -> tuple[int, list[list[str]]]:
        monkeypatch.setattr(export_selectors, "EXPORT_CHUNK", chunk)
        ask(c, WEEK, "csv", django_capture_on_commit_callbacks)
        export = ComplaintExport.objects.get(status=ComplaintExport.Status.QUEUED)
        with CaptureQueriesContext(connection) as queries:
            export_run(export_id=export.pk)
        export.refresh_from_db()
        return len(queries.captured_queries), csv_rows(downloaded(c, export))

    with time_machine.travel(timezone.now(), tick=False):  # the open complaints' hours at their level
        whole_queries, whole = made(1000)  # one chunk of 7
        small_queries, small = made(3)  # chunks of 3, 3 and 1
    assert small == whole
    # Each further chunk reads its complaints, escalations, causes, compensation and costs: at most
    # six queries (fewer where a chunk has no analysis to read causes of), whatever its size.
    assert 0 < small_queries - whole_queries <= 2 * 6


def test_the_clean_up_deletes_old_exports_and_sends_lost_ones_again(
    week: Any, boss: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from complaints.services import exports

    c = as_user(boss)
    ask(c, WEEK, "csv", django_capture_on_commit_callbacks)
    made = ComplaintExport.objects.get()
    storage, name = made.file.storage, made.file.name
    monkeypatch.setattr(exports, "export_enqueue", lambda **kw: None)  # the broker was down
    ask(c, WEEK, "xlsx", django_capture_on_commit_callbacks)
    lost = ComplaintExport.objects.get(format="xlsx")
    monkeypatch.undo()
    KpiSettings.objects.update(export_keep_days=2)
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        assert exports_sweep() == 0
    lost.refresh_from_db()
    assert lost.status == ComplaintExport.Status.DONE  # sent again, made
    assert storage.exists(name)
    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        assert exports_sweep() == 2
    assert not storage.exists(name) and not ComplaintExport.objects.exists()


def test_an_exports_queries_do_not_grow_with_its_complaints(
    week: Any, boss: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Categories (with their parents), owners, priorities and levels: no query per row."""
    from complaints.models import Category
    from complaints.services import exports

    monkeypatch.setattr(exports, "export_enqueue", lambda **kw: None)
    c = as_user(boss)

    def queries() -> int:
        ask(c, WEEK, "csv", django_capture_on_commit_callbacks)
        export = ComplaintExport.objects.get(status=ComplaintExport.Status.QUEUED)
        with CaptureQueriesContext(connection) as captured:
            export_run(export_id=export.pk)
        return len(captured.captured_queries)

    child = Category.objects.create(code="kpi-child", name="Child", parent=week["roadside"])
    Complaint.objects.filter(reference="C1").update(owner=boss, category=child)
    queries()  # the process reads the configuration's copies once (kept under its token)
    seven = queries()
    template = Complaint.objects.get(reference="C1")
    for i in range(5):
        template.pk = template.id = None
        template.process_ptr_id = None
        template.reference = f"Y{i}"
        template.save()
    assert queries() == seven
    rows = csv_rows(downloaded(c, ComplaintExport.objects.latest("pk")))
    assert sum("Towing / Child" in row for row in rows) == 6
