"""The admin shows a staff member only what the workspace shows them, and the configuration only
to its owners; secrets never leave in an export."""

import json
from typing import Any

from complaints.models import NotificationChannel
from complaints.services.config_io import SECRET_KEPT, config_export, config_import
from tests.exports import admin_exported
from tests.security.conftest import client_as


def test_the_admins_complaint_list_and_export_keep_to_the_staff_members_scope(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    a, b, users = world["a"], world["b"], world["users"]
    staff = client_as(users["staff_b"])
    listing = staff.get("/admin/complaints/complaint/").content.decode()
    assert b.complaint.reference in listing
    assert a.complaint.reference not in listing and a.complaint.customer_name not in listing
    body = str(admin_exported(staff, [a.complaint.pk, b.complaint.pk], django_capture_on_commit_callbacks))
    assert b.complaint.reference in body
    assert a.complaint.reference not in body and a.complaint.customer_name not in body
    assert staff.get(f"/admin/complaints/complaint/{a.complaint.pk}/change/").status_code == 302
    investigations = staff.get("/admin/complaints/batchinvestigation/").content.decode()
    assert a.objects["investigation"].batch_number not in investigations
    # viewflow's process and task tables hold every scope: administrators only.
    assert staff.get("/admin/viewflow/task/").status_code == 403
    assert client_as(users["superuser"]).get("/admin/viewflow/task/").status_code == 200


def test_configuration_pages_need_the_configuration_permission(world: dict[str, Any]) -> None:
    staff = client_as(world["users"]["staff_b"])
    for url in ("/admin/config/export/", "/admin/config/history/", "/admin/config/routing-preview/"):
        assert staff.get(url).status_code == 403, url
    assert staff.post("/admin/config/import/", {}).status_code == 403
    root = client_as(world["users"]["superuser"])
    assert root.get("/admin/config/export/").status_code == 200


def test_an_export_carries_no_secret_and_its_import_keeps_the_secret(org: dict[str, Any]) -> None:
    channel = NotificationChannel.objects.create(
        code="hook", name="Hook", kind="webhook", url="https://hook.example/in", secret="s3cr3t-key", timeout_seconds=3
    )
    document = config_export()
    assert "s3cr3t-key" not in json.dumps(document)
    assert document["notification_channels"][0]["secret"] == SECRET_KEPT
    config_import(document=json.loads(json.dumps(document)))
    channel.refresh_from_db()
    assert channel.secret == "s3cr3t-key"
    document["notification_channels"][0]["secret"] = "new-key"
    config_import(document=document)
    channel.refresh_from_db()
    assert channel.secret == "new-key"


def test_the_admins_delivery_list_shows_a_staff_member_only_the_vehicles_they_see(world: dict[str, Any]) -> None:
    from django.contrib.auth.models import Permission

    from complaints.models import Complaint, Delivery

    a, b, users = world["a"], world["b"], world["users"]
    Complaint.objects.filter(pk=a.complaint.pk).update(plate_or_vin="沪A11111")
    Complaint.objects.filter(pk=b.complaint.pk).update(plate_or_vin="沪B22222")
    for plate, name in [("沪a11111", "Alpha Qian"), (" 沪b22222", "Bravo Sun"), ("沪C33333", "Carol Elsewhere")]:
        Delivery.objects.create(batch_number="B-77", plate_or_vin=plate, customer_name=name, phone="13900000000")
    users["staff_b"].user_permissions.add(Permission.objects.get(codename="view_delivery"))
    listing = client_as(users["staff_b"]).get("/admin/complaints/delivery/")
    assert listing.status_code == 200
    body = listing.content.decode()
    # In scope, masked: staff_b may see store B's case but does not handle it (the privacy policy).
    assert "B**** ***" in body and "Bravo Sun" not in body
    assert "A**** ****" not in body and "Alpha Qian" not in body and "Carol Elsewhere" not in body
    everything = client_as(users["superuser"]).get("/admin/complaints/delivery/").content.decode()
    assert all(name in everything for name in ("Alpha Qian", "Bravo Sun", "Carol Elsewhere"))


def test_the_admins_notification_list_keeps_to_the_staff_members_scope(world: dict[str, Any]) -> None:
    """Messages are about cases: a staff member allowed to read the list sees those of the complaints
    they see; whoever owns the configuration sees every message and its failures."""
    from django.contrib.auth.models import Permission

    from complaints.models import Notification

    a, b, users = world["a"], world["b"], world["users"]
    for case in (a.complaint, b.complaint):
        Notification.objects.create(
            key=f"scope-{case.pk}", complaint=case, event="escalated", address="x@example.com", subject=case.reference
        )
    users["staff_b"].user_permissions.add(Permission.objects.get(codename="view_notification"))
    listing = client_as(users["staff_b"]).get("/admin/complaints/notification/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert b.complaint.reference in body and a.complaint.reference not in body
    shown = Notification.objects.get(complaint=a.complaint)
    assert client_as(users["staff_b"]).get(f"/admin/complaints/notification/{shown.pk}/change/").status_code == 302
    everything = client_as(users["superuser"]).get("/admin/complaints/notification/").content.decode()
    assert a.complaint.reference in everything and b.complaint.reference in everything
