"""Exports made by a worker, as the tests ask for them: the admin's action (its CSV rows once the
worker ran it on commit)."""

import csv
import io
from typing import Any

from django.test import Client
from django.urls import reverse

from complaints.models import ComplaintExport


def admin_exported(client: Client, pks: list[Any], captured: Any) -> list[list[str]]:
    """Runs the complaint list's export action on the complaints and returns the CSV's rows."""
    with captured(execute=True):
        response = client.post(
            reverse("admin:complaints_complaint_changelist"),
            {"action": "export_csv", "_selected_action": [str(pk) for pk in pks], "index": "0"},
        )
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("admin:complaints_complaintexport_changelist")
    export = ComplaintExport.objects.filter(kind=ComplaintExport.Kind.RECORDS).latest("pk")
    download = client.get(reverse("admin:complaints_complaintexport_download", args=[export.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
