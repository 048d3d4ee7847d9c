"""Nothing is kept for ever: retention anonymises only what is due and leaves the case and its KPIs;
a person's request exports or erases everything held about a phone number; logs carry no phone."""

import json
import logging
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from viewflow.workflow.models import Task

from complaints.choices import Outcome, Stage
from complaints.models import (
    AccessLog,
    Attachment,
    CategoryRetention,
    Complaint,
    CustomerContact,
    PrivacyPolicy,
)
from complaints.services.privacy import retention_apply
from complaints.tasks import privacy_retention
from tests.conftest import make_user
from tests.web.page_helpers import as_user, new_complaint

pytestmark = pytest.mark.django_db

PHONE = "13700137004"


def close(complaint: Complaint, *, days_ago: int, hold: bool = False) -> Complaint:
    """Closes a complaint `days_ago` days ago with nothing of its process left open."""
    now = timezone.now()
    Task.objects.filter(process_id=complaint.pk, finished__isnull=True).update(status="CANCELED", finished=now)
    Complaint.objects.filter(pk=complaint.pk).update(
        stage=Stage.CLOSED, outcome=Outcome.RESOLVED, closed_at=now - timedelta(days=days_ago), legal_hold=hold
    )
    return Complaint.objects.get(pk=complaint.pk)


def kpi_facts() -> list[Any]:
    """What the KPIs count from: stage, outcome, priority, level, times, and the events and clocks."""
    rows = Complaint.objects.order_by("pk").values_list(
        "pk",
        "stage",
        "outcome",
        "priority_id",
        "level_id",
        "start_level_id",
        "received_at",
        "closed_at",
        "satisfaction",
    )
    counts = [(c.pk, c.events.count(), c.clocks.count(), c.actions.count()) for c in Complaint.objects.order_by("pk")]
    return [list(rows), counts]


@pytest.fixture
def four(org, agent):
    """Due (closed 400 days ago), recent (closed 10 days ago), open, and on legal hold."""
    due = close(new_complaint(org, agent, customer_words=f"Ring {PHONE}, I am Zhou Wei."), days_ago=400)
    CustomerContact.objects.create(complaint=due, channel="phone", summary=f"Zhou Wei said call {PHONE}", by=agent)
    Attachment.objects.create(
        complaint=due, file=ContentFile(b"x", name="p.jpg"), name="p.jpg", content_type="image/jpeg", size=1
    )
    recent = close(new_complaint(org, agent, customer_phone="13900139002"), days_ago=10)
    still_open = new_complaint(org, agent, customer_phone="13900139003")
    held = close(new_complaint(org, agent, customer_phone="13900139004"), days_ago=400, hold=True)
    PrivacyPolicy.objects.create(retention_days=365)
    return {"due": due, "recent": recent, "open": still_open, "held": held}


def test_retention_anonymises_only_what_is_due_and_keeps_the_kpis(four, org):
    before = kpi_facts()
    out = StringIO()
    call_command("privacy_retention", "--dry-run", stdout=out)
    assert four["due"].reference in out.getvalue()
    for name in ("recent", "open", "held"):
        assert four[name].reference not in out.getvalue()
    assert Complaint.objects.get(pk=four["due"].pk).customer_name == "Zhou Wei"  # a dry run changes nothing

    assert privacy_retention() == {"anonymised": 1}  # the daily beat job
    due = Complaint.objects.get(pk=four["due"].pk)
    assert due.anonymised_at is not None and due.customer_name == "—" and due.customer_phone == ""
    assert PHONE not in due.customer_words and "Zhou Wei" not in due.customer_words and "Ring" in due.customer_words
    summary = CustomerContact.objects.get(complaint=due).summary
    assert PHONE not in summary and "Zhou Wei" not in summary
    assert not Attachment.objects.filter(complaint=due).exists()
    for name in ("recent", "open", "held"):
        kept = Complaint.objects.get(pk=four[name].pk)
        assert kept.anonymised_at is None and kept.customer_name == "Zhou Wei" and kept.customer_phone
    assert kpi_facts() == before
    assert privacy_retention() == {"anonymised": 0}  # idempotent


def test_a_category_may_keep_personal_data_longer(four, org):
    CategoryRetention.objects.create(policy=PrivacyPolicy.objects.get(), category=org["category"], days=1000)
    assert retention_apply(batch=10, dry_run=True)["due"] == []


def test_export_and_erase_by_phone(four, org, agent):
    out = StringIO()
    call_command("privacy_export", "--phone", PHONE, stdout=out)
    data = json.loads(out.getvalue())
    assert [c["reference"] for c in data["complaints"]] == [four["due"].reference]
    assert data["complaints"][0]["contacts"][0]["summary"].startswith("Zhou Wei")

    blocked = new_complaint(org, agent)  # the same phone, still open
    with pytest.raises(CommandError, match=blocked.reference):
        call_command("privacy_erase", "--phone", PHONE, "--yes", stdout=StringIO())
    assert Complaint.objects.get(pk=four["due"].pk).anonymised_at is None  # refused: nothing changed

    close(blocked, days_ago=1)
    out = StringIO()
    call_command("privacy_erase", "--phone", PHONE, "--yes", stdout=out)
    assert four["due"].reference in out.getvalue() and blocked.reference in out.getvalue()
    assert not Complaint.objects.filter(customer_phone__endswith=PHONE).exists()
    assert AccessLog.objects.filter(kind=AccessLog.Kind.ERASE).count() == 2
    assert Complaint.objects.get(pk=four["recent"].pk).customer_name == "Zhou Wei"  # another number


def test_admin_page_answers_a_persons_request(four):
    from django.contrib.auth.models import Permission

    officer = make_user("dpo")
    officer.is_staff = True
    officer.save()
    officer.user_permissions.add(Permission.objects.get(codename="answer_privacy_request"))
    client = as_user(officer)
    response = client.post("/admin/privacy/request/", {"phone": PHONE, "action": "export"})
    assert response.status_code == 200 and four["due"].reference in response.content.decode()
    assert AccessLog.objects.filter(user=officer, kind=AccessLog.Kind.REQUEST).exists()
    response = client.post("/admin/privacy/request/", {"phone": "13900139003", "action": "erase", "confirm": "on"})
    assert four["open"].reference in response.content.decode()  # named as blocking
    assert Complaint.objects.get(pk=four["open"].pk).anonymised_at is None
    assert as_user(make_user("nobody")).get("/admin/privacy/request/").status_code == 302


def test_no_phone_number_or_name_in_the_log_output_of_a_full_complaint_life(org, agent, quality_engineer, caplog):
    from tests.flows.test_flows__journey import test_complaint_travels_every_stage_to_closed_and_followed_up as life

    with caplog.at_level(logging.DEBUG):
        life(org, agent, quality_engineer)
    assert caplog.records, "the life logged nothing: the test would prove nothing"
    assert PHONE not in caplog.text and "137****7004" not in caplog.text and "Zhou Wei" not in caplog.text


def test_no_phone_number_or_name_in_the_log_output_of_the_customer_side_and_an_appeal(
    client, org, agent, quality_engineer, caplog, django_capture_on_commit_callbacks
):
    """The customer's side of a life: filing on the public form, the tracking page, information
    added (with the phone number in it), the messages (e-mail, and a text-message gateway that
    fails, so its failures are logged), confirmation and survey by link, an appeal and its decision."""
    import re
    from datetime import timedelta

    import time_machine
    from django.urls import reverse

    from complaints.models import NotificationChannel
    from complaints.services.appeal import appeal_decide
    from complaints.services.customer import customer_link_issue
    from complaints.services.timers import workflow_timers_fire
    from tests.conftest import FLOW, open_task
    from tests.portal.appeal_setup import officer, open_appeals
    from tests.portal.test_portal__confirm_survey import at_confirmation

    gateway = NotificationChannel.objects.create(
        code="sms", name="SMS", kind="webhook", url="http://127.0.0.1:9/", secret="s" * 32, timeout_seconds=1
    )
    open_appeals(org, customer_channel=gateway)
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        filed = client.post(
            reverse("portal:new"),
            {
                "customer_name": "Zhou Wei",
                "customer_phone": PHONE,
                "customer_email": "zhou@example.com",
                "customer_language": "en",
                "category": str(org["category"].pk),
                "customer_words": f"It leaks. Call {PHONE}.",
                "demand": "repair",
                "website": "",
            },
            REMOTE_ADDR="10.0.0.7",
        )
        assert filed.status_code == 302
        token = re.search(r"/customer/t/([^/]+)/", filed["Location"]).group(1)  # type: ignore[union-attr]
        client.get(reverse("portal:track", args=[token]))
        client.post(reverse("portal:track", args=[token]), {"text": f"Still leaking, {PHONE}."})

        c = at_confirmation(org, agent, quality_engineer)  # the staff side, with the same customer
        link = customer_link_issue(complaint=c)
        assert client.post(reverse("portal:confirm", args=[link]), {"resolved": "yes"}).status_code == 302
        with time_machine.travel(open_task(c, FLOW.follow_up_wait).scheduled + timedelta(minutes=1)):
            workflow_timers_fire()
            survey = customer_link_issue(complaint=c)
            client.post(reverse("portal:survey", args=[survey]), {"satisfaction": "2", "comment": f"Ring {PHONE}"})
            appealed = client.post(reverse("portal:appeal", args=[survey]), {"grounds": f"Call me: {PHONE}"})
            assert appealed.status_code == 302
            c.refresh_from_db()
            appeal_decide(appeal=c.appeals.get(), actor=officer(), decision="rejected", text="Handled by the book.")
    assert caplog.records, "the life logged nothing: the test would prove nothing"
    assert PHONE not in caplog.text and "137****7004" not in caplog.text and "Zhou Wei" not in caplog.text


def test_anonymising_deletes_the_admins_exports_that_held_the_complaint(
    four, agent, django_capture_on_commit_callbacks
):
    """Retention and erasure reach the export files that could carry the customer's details."""
    from complaints.models import ComplaintExport

    def made(*complaints: Complaint) -> ComplaintExport:
        return ComplaintExport.objects.create(
            requested_by=agent,
            kind="records",
            ids=[c.pk for c in complaints],
            format="csv",
            language="en",
            status="done",
            file=ContentFile(b"x", name="e.csv"),
        )

    holding, other = made(four["recent"], four["due"]), made(four["recent"])
    name = holding.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_retention() == {"anonymised": 1}
    assert list(ComplaintExport.objects.all()) == [other]
    assert not other.file.storage.exists(name) and other.file.storage.exists(other.file.name)
    Complaint.objects.filter(pk=four["recent"].pk).update(customer_phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy_erase", "--phone", PHONE, "--yes", stdout=StringIO())
    assert not ComplaintExport.objects.exists()
