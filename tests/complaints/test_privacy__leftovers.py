"""Privacy, the rest of issue 26: notifications ask the policy once for all recipients; the admin's
inlines and lists mask what the reader may not see in full; lists and searches that show details in
full are logged, one row per page view; the collaboration question is masked; the export command
follows the export permission; a legal hold is an event of the timeline."""

import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from viewflow.workflow.models import Task

from complaints.choices import EventKind
from complaints.models import AccessLog, Complaint, ComplaintEvent, Delivery, Notification, NotificationTemplate
from complaints.services.collaboration import collaboration_request
from complaints.services.notify import notify_event
from complaints.services.privacy import PrivacyRefused, complaint_legal_hold
from tests.complaints import test_privacy__matrix as matrix
from tests.complaints.test_privacy__matrix import MASKED_NAME, MASKED_PHONE, NAME, PHONE, WORDS, staff_with
from tests.conftest import make_user, task_url
from tests.web.page_helpers import as_user, new_complaint, page
from web.sentences import event_sentence as sentence

pytestmark = pytest.mark.django_db
case, tech_contact = matrix.case, matrix.tech_contact  # the matrix's case: owned by the agent, asked of technical


def _notify_to(case: Complaint, people: list[Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        notify_event(event="mention", complaint=case, occasion=f"n{len(people)}", recipients=people)
    return len(queries)


def test_a_notification_asks_the_privacy_policy_in_a_fixed_number_of_queries_whatever_the_recipients(
    case, org, agent, quality_engineer
):
    NotificationTemplate.objects.update_or_create(
        event="mention", language="en", defaults={"subject": "{reference}", "body": "Customer: {customer_name}"}
    )
    few = [agent, quality_engineer]
    many = few + [make_user(f"qe_{i}", org["quality"], "quality_engineer") for i in range(8)]
    many += [make_user(f"lead_{i}", org["east"], "regional_lead") for i in range(4)]
    case = Complaint.objects.select_related("level", "priority", "department", "owner").get(pk=case.pk)
    assert _notify_to(case, many) == _notify_to(case, few)
    bodies = {row.recipient.username: row.body for row in case.notifications.select_related("recipient")}
    assert bodies["agent_a"] == bodies["lead_3"] == f"Customer: {NAME}"
    assert bodies["qe_7"] == bodies["quality_1"] == f"Customer: {MASKED_NAME}"


# The admin's inlines and lists -----------------------------------------------------------------


def test_the_admin_record_masks_its_inline_rows_for_a_reader_who_sees_the_case_masked(case, agent, quality_engineer):
    ComplaintEvent.objects.create(complaint=case, kind="note", note=f"{NAME} said: call {PHONE}", new={"to": PHONE})
    Notification.objects.create(
        key="t-inline", event="registered", complaint=case, address=PHONE, subject=NAME, body="."
    )
    url = f"/admin/complaints/complaint/{case.pk}/change/"
    seeing = ("view_complaint", "view_complaintevent", "view_notification")
    masked = staff_with(quality_engineer, *seeing).get(url).content.decode()
    assert PHONE not in masked and NAME not in masked and "zhou.wei@example.com" not in masked
    assert MASKED_PHONE in masked and MASKED_NAME in masked
    full = staff_with(agent, *seeing).get(url).content.decode()
    assert f"call {PHONE}" in full and NAME in full


def test_the_admin_notification_list_and_record_mask_the_customer_for_a_masked_reader(case, quality_engineer):
    row = Notification.objects.create(
        key="t-list", event="registered", complaint=case, address=PHONE, subject=f"Dear {NAME}", body=WORDS
    )
    client = staff_with(quality_engineer, "view_notification")
    listing = client.get("/admin/complaints/notification/").content.decode()
    assert case.reference in listing and PHONE not in listing and NAME not in listing and MASKED_PHONE in listing
    record = client.get(f"/admin/complaints/notification/{row.pk}/change/").content.decode()
    assert PHONE not in record and NAME not in record and "zhou.wei@example.com" not in record


def test_deliveries_in_the_admin_show_the_owner_in_full_only_where_the_policy_shows_the_complaint(
    case, agent, tech_contact, quality_engineer
):
    plate = "沪A·D12345"
    Complaint.objects.filter(pk=case.pk).update(plate_or_vin=plate)
    Delivery.objects.create(batch_number="B-1", plate_or_vin=plate, customer_name="Qian Hao", phone="13900139001")
    asked = staff_with(tech_contact, "view_delivery").get("/admin/complaints/delivery/").content.decode()
    assert "B-1" in asked and "Qian Hao" not in asked and plate not in asked and "Q*** ***" in asked
    for reader in (agent, quality_engineer):  # the case owner; an investigator
        html = staff_with(reader, "view_delivery").get("/admin/complaints/delivery/").content.decode()
        assert "Qian Hao" in html and plate in html, reader


# Lists and searches are logged, one row per page view ---------------------------------------------


def test_a_worklist_page_showing_customers_in_full_is_logged_once_with_its_complaints(case, org, agent):
    new_complaints = [new_complaint(org, agent) for _ in range(3)]  # (the case waits in quality's queue)
    html = as_user(agent).get("/workflow/inbox/").content.decode()
    shown = [c.reference for c in new_complaints if c.reference in html]
    assert len(shown) >= 2 and NAME in html
    (row,) = AccessLog.objects.filter(kind=AccessLog.Kind.LIST)
    assert row.user == agent and row.complaint is None and row.reason == "Inbox"
    assert sorted(row.references) == sorted(shown)


def test_a_search_by_phone_is_logged_with_its_term_even_when_the_page_shows_the_customer_masked(case, quality_engineer):
    html = as_user(quality_engineer).get("/workflow/queue/", {"_search": PHONE}).content.decode()
    assert case.reference in html and NAME not in html
    (row,) = AccessLog.objects.filter(kind=AccessLog.Kind.LIST)
    assert row.user == quality_engineer and PHONE in row.reason and row.references == []


def test_a_masked_list_without_a_search_writes_nothing(case, quality_engineer):
    assert case.reference in as_user(quality_engineer).get("/workflow/queue/").content.decode()
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.LIST).exists()


def test_the_admin_complaint_list_is_logged_and_the_access_log_finds_it_by_phone(case, agent):
    client = staff_with(agent, "view_complaint")
    assert NAME in client.get("/admin/complaints/complaint/").content.decode()
    (row,) = AccessLog.objects.filter(kind=AccessLog.Kind.LIST)
    assert row.references == [case.reference]
    officer = staff_with(make_user("dpo"), "view_accesslog")
    listing = officer.get("/admin/complaints/accesslog/", {"q": PHONE}).content.decode()
    assert f"/admin/complaints/accesslog/{row.pk}/change/" in listing


def test_list_logging_costs_one_insert_whatever_the_rows(case, org, agent, django_assert_max_num_queries):
    client = as_user(agent)
    new_complaint(org, agent)  # one row (the case's first step is done: it waits in quality's queue)
    client.get("/workflow/inbox/")
    with CaptureQueriesContext(connection) as few:
        client.get("/workflow/inbox/")
    for _ in range(4):
        new_complaint(org, agent)
    with CaptureQueriesContext(connection) as many:
        client.get("/workflow/inbox/")
    inserts = [q["sql"] for q in many.captured_queries if 'INSERT INTO "complaints_accesslog"' in q["sql"]]
    assert len(inserts) == 1 and len(many) == len(few)


# The collaboration question ------------------------------------------------------------------------


def test_the_collaboration_task_shows_the_question_masked_to_the_asked_department(case, agent, tech_contact):
    department = tech_contact.memberships.get().department
    asked = collaboration_request(
        complaint=case, actor=agent, department=department, question=f"{NAME} on {PHONE}: is it a defect?"
    )
    task = Task.objects.get(owner_permission__isnull=False, process=asked, finished__isnull=True)
    client = as_user(tech_contact)
    if task.status == "NEW":
        client.post(task_url(task, "assign"))
    html = client.get(task_url(task, "execute")).content.decode()
    assert "is it a defect?" in html and f"{MASKED_NAME} on {MASKED_PHONE}" in html
    assert PHONE not in html and NAME not in html


# The export command --------------------------------------------------------------------------------


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("complaints_export", "--language", "en", *args, stdout=out)
    return out.getvalue()


def test_the_export_command_follows_the_export_permission_the_scope_and_logs(case, regional_lead, agent_b):
    assert PHONE not in _command() and MASKED_PHONE in _command()
    assert PHONE not in _command("--user", regional_lead.username)
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT).exists()
    permission = Permission.objects.get(codename="export_personal_data")
    regional_lead.user_permissions.add(permission)
    assert PHONE in _command("--user", regional_lead.username)
    assert AccessLog.objects.get(kind=AccessLog.Kind.EXPORT).user == regional_lead
    agent_b.user_permissions.add(permission)  # another store: not even the masked row
    assert case.reference not in _command("--user", agent_b.username)
    with pytest.raises(CommandError):
        _command("--user", "nobody")


# Legal hold on the timeline --------------------------------------------------------------------------


def _hold(client: Any, complaint: Complaint, reason: str) -> Any:
    return client.post(
        "/admin/complaints/complaint/",
        {"action": "legal_hold_set", "_selected_action": [complaint.pk], "reason": reason},
        follow=True,
    )


def test_a_legal_hold_needs_a_reason_and_becomes_an_event_with_who_and_why(case, agent):
    admin = type(agent).objects.create_superuser(username="root", password="x", email="r@example.com")
    client = as_user(admin)
    response = _hold(client, case, "")
    assert "Say why the legal hold is set or released." in response.content.decode()
    case.refresh_from_db()
    assert not case.legal_hold and not case.events.filter(kind=EventKind.LEGAL_HOLD).exists()

    _hold(client, case, "Court order 2026-17")
    case.refresh_from_db()
    event = case.events.get(kind=EventKind.LEGAL_HOLD)
    assert case.legal_hold and event.actor == admin and event.note == "Court order 2026-17"
    assert event.new == {"legal_hold": True}
    timeline = page(as_user(agent), case)
    assert "Put on legal hold" in timeline and "Court order 2026-17" in timeline

    with translation.override("zh-hans"):
        assert sentence(EventKind.LEGAL_HOLD, {"legal_hold": False}, {}) != sentence(
            EventKind.LEGAL_HOLD, {"legal_hold": True}, {}
        )


def test_only_an_administrator_sets_a_legal_hold(case, agent):
    with pytest.raises(PrivacyRefused):
        complaint_legal_hold(complaints=Complaint.objects.filter(pk=case.pk), actor=agent, on=True, reason="x")
    assert not Complaint.objects.get(pk=case.pk).legal_hold


# The admin's message, delivery and investigation pages are logged like its complaint list ------------


def test_the_admin_message_list_and_record_are_logged_and_a_search_by_phone_too(case, agent, quality_engineer):
    row = Notification.objects.create(
        key="t-log", event="registered", complaint=case, address=PHONE, subject=f"Dear {NAME}", body=WORDS
    )
    full = staff_with(agent, "view_notification")
    assert PHONE in full.get("/admin/complaints/notification/").content.decode()
    (listed,) = AccessLog.objects.filter(kind=AccessLog.Kind.LIST)
    assert listed.user == agent and listed.references == [case.reference]
    assert PHONE in full.get(f"/admin/complaints/notification/{row.pk}/change/").content.decode()
    assert AccessLog.objects.filter(kind=AccessLog.Kind.VIEW, complaint=case, user=agent).count() == 1
    AccessLog.objects.all().delete()
    masked = staff_with(quality_engineer, "view_notification")
    assert PHONE not in masked.get("/admin/complaints/notification/").content.decode()
    assert not AccessLog.objects.exists()  # masked, no search: nothing seen in full
    masked.get("/admin/complaints/notification/", {"q": PHONE})
    (searched,) = AccessLog.objects.all()
    assert searched.kind == AccessLog.Kind.LIST and PHONE in searched.reason and searched.references == []
    masked.get(f"/admin/complaints/notification/{row.pk}/change/")
    assert AccessLog.objects.count() == 1  # the record was shown masked


def test_the_admin_delivery_list_and_record_are_masked_and_logged_and_a_search_by_phone_or_name_too(
    case, tech_contact, quality_engineer
):
    plate = "沪A·D12345"
    Complaint.objects.filter(pk=case.pk).update(plate_or_vin=plate)
    delivery = Delivery.objects.create(
        batch_number="B-1", plate_or_vin=plate, customer_name="Qian Hao", phone="13900139001"
    )
    investigator = staff_with(quality_engineer, "view_delivery")
    assert "Qian Hao" in investigator.get("/admin/complaints/delivery/").content.decode()
    (listed,) = AccessLog.objects.filter(kind=AccessLog.Kind.LIST)
    assert listed.user == quality_engineer and "1" in listed.reason
    assert "13900139001" in investigator.get(f"/admin/complaints/delivery/{delivery.pk}/change/").content.decode()
    assert AccessLog.objects.filter(kind=AccessLog.Kind.LIST, user=quality_engineer).count() == 2
    AccessLog.objects.all().delete()
    asked = staff_with(tech_contact, "view_delivery")
    asked.get("/admin/complaints/delivery/")
    assert not AccessLog.objects.exists()  # every owner masked, no search
    for term in ("13900139001", "Qian"):
        asked.get("/admin/complaints/delivery/", {"q": term})
        assert AccessLog.objects.filter(kind=AccessLog.Kind.LIST, user=tech_contact, reason__contains=term).exists()
    record = asked.get(f"/admin/complaints/delivery/{delivery.pk}/change/").content.decode()
    assert "13900139001" not in record and "Qian Hao" not in record and plate not in record
    assert AccessLog.objects.count() == 2  # the two searches; the masked record wrote nothing


def test_the_admin_investigation_record_showing_the_outreach_list_in_full_is_logged(case, quality_engineer):
    from complaints.models import BatchInvestigation, OutreachContact

    investigation = BatchInvestigation.objects.create(key="B-9", batch_number="B-9", opened_how="marked")
    OutreachContact.objects.create(
        investigation=investigation, customer_key="13900139002", customer_name="Sun Li", phone="13900139002"
    )
    client = staff_with(quality_engineer, "view_batchinvestigation", "view_outreachcontact")
    page = client.get(f"/admin/complaints/batchinvestigation/{investigation.pk}/change/").content.decode()
    assert "13900139002" in page
    (row,) = AccessLog.objects.filter(kind=AccessLog.Kind.LIST)
    assert row.user == quality_engineer and "B-9" in row.reason


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_read_only_pages_log_row_is_one_round_trip_committed_asynchronously_and_a_transactions_is_not(org, agent):
    """A list's or a search's log row, the page's only write, commits in its own one-statement
    transaction without waiting for the disk (services.privacy.ASYNC_COMMIT); a row written inside a
    transaction (a step, a reveal) commits with it, as durably as the rest."""
    from django.db import transaction

    from complaints.services.privacy import ASYNC_COMMIT, access_record, list_seen

    with CaptureQueriesContext(connection) as queries:
        row = list_seen(user=agent, complaints=[], where="Inbox", search="13800138000")
    assert [q["sql"].startswith(ASYNC_COMMIT) for q in queries] == [True]
    assert row is not None and row.pk is not None
    stored = AccessLog.objects.get(pk=row.pk)
    assert (stored.user_id, stored.kind, stored.references) == (agent.pk, AccessLog.Kind.LIST, [])
    assert "13800138000" in stored.reason and stored.at is not None
    both = access_record(user=agent, complaints=[None, None], kind=AccessLog.Kind.VIEW, reason="probe")
    assert len({r.pk for r in both}) == 2 and AccessLog.objects.filter(reason="probe").count() == 2
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        inside = list_seen(user=agent, complaints=[], where="Inbox", search="8888")
    assert inside is not None and not any(ASYNC_COMMIT in q["sql"] for q in queries)
    assert AccessLog.objects.filter(pk=inside.pk).exists()
