"""Deliveries CSV: a file with bad rows reports each and imports none; a good file fills the
outreach lists of the open investigations of its batches; importing again adds nothing twice."""

import html
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.choices import DeliveryIdentifier
from complaints.models import BatchInvestigation, Category, Delivery
from complaints.services.config_io import config_export, config_import
from tests.conftest import intake_data
from tests.flows.test_flows__journey import as_user
from tests.web.test_batch__investigations import BATCH, file, register


def error_rows(page: str) -> dict[int, str]:
    """The import card's bad rows: line number → the row's cells (its text in the file, the problem)."""
    return {
        int(line): re.sub(r"<[^>]+>", " ", cells)
        for line, cells in re.findall(r'<tr data-line="(\d+)">(.*?)</tr>', page, re.S)
    }


HEADER = "batch_number,product_model,production_date,plate_or_vin,customer_name,phone,delivery_date\n"


def csv_file(body: str, *, encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile("deliveries.csv", (HEADER + body).encode(encoding), content_type="text/csv")


def good_rows(count: int, start: int = 0) -> str:
    return "".join(
        f"{BATCH},EV-S7,2026-07-01,沪B·{n:05d},车主{n},1370013{n:04d},2026-07-20\n" for n in range(start, start + count)
    )


def test_a_file_with_bad_rows_reports_each_one_and_imports_none(org, agent, quality_engineer):
    file(agent, org, 3)
    investigation = BatchInvestigation.objects.get()
    body = (
        good_rows(2)
        + ",EV-S7,2026-07-01,沪B·90001,王,13700139001,2026-07-20\n"  # line 4: no batch
        + f"{BATCH},EV-S7,2026-07-32,沪B·90002,李,13700139002,2026-07-20\n"  # line 5: bad date
        + f"{BATCH},EV-S7,2026-07-01,沪B·90003,张,12345,2026-07-20\n"  # line 6: bad phone
        + f"{BATCH},EV-S7,2026-07-01,沪B·00000,赵,13700139004,2026-07-20\n"  # line 7: same car as line 2
    )
    response = as_user(quality_engineer).post(f"/workflow/batch/{investigation.pk}/import/", {"file": csv_file(body)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    rows = error_rows(page)
    # Each bad row in place: its line, its text as in the file (to find it), and why.
    for line, text, reason in [
        (4, ",EV-S7,2026-07-01,沪B·90001", "batch_number: missing"),
        (5, "2026-07-32", "production_date"),
        (6, "12345", "Enter a valid phone number"),
        (7, "沪B·00000,赵", "the same batch and plate_or_vin as line 2"),
    ]:
        assert text in html.unescape(rows[line]) and reason in html.unescape(rows[line]), (line, rows.get(line))
    assert sorted(rows) == [4, 5, 6, 7]
    assert Delivery.objects.count() == 0 and investigation.contacts.count() == 3


def test_a_wrong_header_is_reported(org, agent, quality_engineer):
    file(agent, org, 3)
    investigation = BatchInvestigation.objects.get()
    bad = SimpleUploadedFile("d.csv", b"batch,vin,name\nA,B,C\n", content_type="text/csv")
    page = as_user(quality_engineer).post(f"/workflow/batch/{investigation.pk}/import/", {"file": bad}).content.decode()
    rows = error_rows(page)
    assert list(rows) == [1] and "batch,vin,name" in rows[1] and "Wrong header" in rows[1]
    assert "missing columns: batch_number" in rows[1]
    assert Delivery.objects.count() == 0


def test_a_good_file_fills_the_outreach_list_and_a_second_import_adds_nothing_twice(org, agent, quality_engineer):
    file(agent, org, 3)
    investigation = BatchInvestigation.objects.get()
    url = f"/workflow/batch/{investigation.pk}/import/"
    # the file also delivers the first complaint's car (沪A·00000): one contact, not two
    body = good_rows(197) + f"{BATCH},EV-S7,2026-07-01,沪A·00000,王先生,13800138000,2026-07-21\n"
    response = as_user(quality_engineer).post(url, {"file": csv_file(body, encoding="gb18030")})
    assert response.status_code == 302
    assert Delivery.objects.count() == 198
    assert investigation.contacts.count() == 200
    merged = investigation.contacts.get(plate_or_vin="沪A·00000")
    assert merged.complaint is not None and merged.delivery is not None
    assert as_user(quality_engineer).post(url, {"file": csv_file(body)}).status_code == 302
    assert Delivery.objects.count() == 198 and investigation.contacts.count() == 200
    assert investigation.events.filter(kind="imported").count() == 2
    page = as_user(quality_engineer).get(f"/workflow/batch/{investigation.pk}/").content.decode()
    assert "<strong>200</strong><span>customers</span>" in page


def test_deliveries_imported_before_the_investigation_opens_are_on_its_list(org, agent, quality_engineer):
    client = as_user(quality_engineer)
    refused = client.post("/admin/complaints/delivery/import/", {"file": csv_file(good_rows(5))})
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]  # not staff: the admin's login
    admin = quality_engineer
    admin.is_staff = admin.is_superuser = True
    admin.save()
    response = client.post("/admin/complaints/delivery/import/", {"file": csv_file(good_rows(5))})
    assert response.status_code == 302 and Delivery.objects.count() == 5
    file(agent, org, 3)
    assert BatchInvestigation.objects.get().contacts.count() == 8


def test_the_admin_import_lists_bad_lines(org, quality_engineer):
    quality_engineer.is_staff = quality_engineer.is_superuser = True
    quality_engineer.save()
    response = as_user(quality_engineer).post(
        "/admin/complaints/delivery/import/", {"file": csv_file(good_rows(1) + "X,,not-a-date,,,,\n")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 3" in page and "plate_or_vin: missing" in page and Delivery.objects.count() == 0


def test_agents_cannot_import(org, agent):
    file(agent, org, 3)
    investigation = BatchInvestigation.objects.get()
    response = as_user(agent).post(f"/workflow/batch/{investigation.pk}/import/", {"file": csv_file(good_rows(1))})
    assert response.status_code == 404 and Delivery.objects.count() == 0


def test_a_file_above_the_admins_size_limit_is_refused(org, agent, quality_engineer):
    from complaints.models import ProcessSettings

    file(agent, org, 3)
    investigation = BatchInvestigation.objects.get()
    ProcessSettings.objects.update(attachment_max_mb=1)
    big = csv_file(good_rows(1) + "#" * (1024 * 1024) + "\n")
    response = as_user(quality_engineer).post(f"/workflow/batch/{investigation.pk}/import/", {"file": big})
    assert response.status_code == 400 and "larger than 1 MB" in response.content.decode()
    assert Delivery.objects.count() == 0


def b2b_batch(org, agent):
    """Three complaints of a batch in a category whose deliveries are known by the customer's PO
    (the order number at intake), no plates."""
    category = Category.objects.get(pk=intake_data(org)["category"])
    category.delivery_identifier = DeliveryIdentifier.CUSTOMER_PO
    category.save()
    for i in range(3):
        register(agent, org, batch_number=BATCH, customer_phone=f"1380013{8000 + i:04d}", order_number=f"PO-{i:04d}")
    return BatchInvestigation.objects.get()


def b2b_file(body: str, header: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("deliveries.csv", (header + body).encode(), content_type="text/csv")


def test_a_b2b_file_without_plates_imports_by_customer_po_and_matches_the_complaints(org, agent, quality_engineer):
    investigation = b2b_batch(org, agent)
    header = "batch_number,product_model,production_date,customer_po,customer_name,phone,delivery_date\n"
    body = "".join(f"{BATCH},BMS,2026-07-01,po-{n:04d},客户{n},1370013{n:04d},2026-07-20\n" for n in range(5))
    response = as_user(quality_engineer).post(
        f"/workflow/batch/{investigation.pk}/import/", {"file": b2b_file(body, header)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Delivery.objects.count() == 5
    # PO-0000..PO-0002 are the complaints' customers: one contact each, not two
    assert investigation.contacts.count() == 5
    merged = investigation.contacts.get(plate_or_vin="PO-0001")
    assert merged.complaint is not None and merged.delivery is not None


def test_a_b2b_import_names_the_missing_identifying_column(org, agent, quality_engineer):
    investigation = b2b_batch(org, agent)
    response = as_user(quality_engineer).post(
        f"/workflow/batch/{investigation.pk}/import/", {"file": csv_file(good_rows(2))}
    )
    page = response.content.decode()
    assert "missing columns: customer_po" in page and "unknown columns: plate_or_vin" in page
    assert Delivery.objects.count() == 0


def test_the_identifying_column_travels_with_the_configuration(org):
    category = Category.objects.get(pk=intake_data(org)["category"])
    category.delivery_identifier = DeliveryIdentifier.SERIAL_NUMBER
    category.save()
    document = config_export()
    assert {"code": category.code, "delivery_identifier": "serial_number"}.items() <= next(
        c for c in document["categories"] if c["code"] == category.code
    ).items()
    Category.objects.filter(pk=category.pk).update(delivery_identifier=DeliveryIdentifier.PLATE_OR_VIN)
    config_import(document=document)
    category.refresh_from_db()
    assert category.delivery_identifier == DeliveryIdentifier.SERIAL_NUMBER
