"""Need to know: each role × each page, list, export and message that shows a customer's details
→ in full or masked as the privacy policy says; reveal with a reason; the access log."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from viewflow.workflow.models import Task

from complaints.models import AccessLog, Complaint, Department, NotificationTemplate, PrivacyPolicy, Role
from complaints.selectors.privacy import may_see_contact
from complaints.services.collaboration import collaboration_request
from complaints.services.notify import notify_event
from tests.api.conftest import client_for
from tests.conftest import make_user, task_url
from tests.exports import admin_exported
from tests.flows.test_flows__journey import first_response
from tests.web.page_helpers import as_user, new_complaint, page, page_url

pytestmark = pytest.mark.django_db

NAME, PHONE = "Zhou Wei", "13700137004"
MASKED_NAME, MASKED_PHONE = "Z*** ***", "137****7004"
WORDS = "Call me back on 13700137004 or zhou.wei@example.com please."


@pytest.fixture
def store_manager(org: dict[str, Any]) -> Any:
    """Store A's manager: handles the store level, so sees store-A customers in full."""
    return make_user("manager_a", org["store_a"], "store_manager")


@pytest.fixture
def tech_contact(org: dict[str, Any]) -> Any:
    """The technical department's contact: answers collaboration requests, handles no level."""
    technical, _new = Department.objects.get_or_create(
        code="technical", defaults={"name": "Technical", "kind": "functional", "parent": org["hq"]}
    )
    return make_user("tech_1", technical, "department_contact")


@pytest.fixture
def case(org, agent, quality_engineer, tech_contact):
    """A store-level complaint owned by the agent, its first response given (verification waits in
    quality's queue) and one question asked of the technical department: quality and the technical
    contact may see the case but do not handle it."""
    complaint = new_complaint(org, agent, customer_words=WORDS)
    first_response(agent, complaint)
    collaboration_request(
        complaint=complaint, actor=agent, department=tech_contact.memberships.get().department, question="Why?"
    )
    return Complaint.objects.get(pk=complaint.pk)


WHO = {
    "owner": "agent",
    "level handler": "store_manager",
    "higher level": "regional_lead",
    "quality": "quality_engineer",
    "other department": "tech_contact",
}
FULL = {"owner": True, "level handler": True, "higher level": True, "quality": False, "other department": False}


def assert_shows(html: str, *, full: bool, who: str = "") -> None:
    if full:
        assert NAME in html and PHONE in html, who
    else:
        assert NAME not in html and PHONE not in html, f"a full detail leaked to {who}"
        assert MASKED_NAME in html and MASKED_PHONE in html, who
        assert "zhou.wei@example.com" not in html, who


def test_each_role_sees_the_complaint_page_package_and_api_in_full_or_masked(request, case):
    for who, fixture in WHO.items():
        user = request.getfixturevalue(fixture)
        for language in ("en", "zh-hans"):
            client = as_user(user)
            client.cookies["django_language"] = language
            assert_shows(page(client, case), full=FULL[who], who=f"{who} {language}")
            package = client.get(page_url(case, "package"))
            assert package.status_code == 200
            html = package.content.decode()
            assert (PHONE in html) is FULL[who] and (NAME in html) is FULL[who], f"package {who}"
        # every look in full is traceable; a masked look shows no personal data
        logged = AccessLog.objects.filter(user=user, complaint=case, kind=AccessLog.Kind.VIEW).count()
        assert logged == (2 if FULL[who] else 0), who

        data = client_for(user).get(f"/api/complaints/{case.pk}/").json()
        api_logged = AccessLog.objects.filter(user=user, complaint=case, kind=AccessLog.Kind.API).count()
        if FULL[who]:
            assert data["customer_phone"].endswith(PHONE) and data["customer_name"] == NAME
            assert api_logged == 1
        else:
            assert data["customer_phone"].endswith(MASKED_PHONE) and data["customer_name"] == MASKED_NAME, who
            assert PHONE not in data["customer_words"] and api_logged == 0


def test_collaboration_task_page_shows_the_package_masked_to_the_department_contact(case, tech_contact):
    task = Task.objects.get(owner_permission__isnull=False, process__collaborationrequest__case=case)
    client = as_user(tech_contact)
    if task.status == "NEW":
        client.post(task_url(task, "assign"))
    html = client.get(task_url(task, "execute")).content.decode()
    assert case.reference in html
    assert NAME not in html and PHONE not in html and MASKED_PHONE in html


def test_queue_row_shows_the_customer_masked_to_quality(case, quality_engineer):
    html = as_user(quality_engineer).get("/workflow/queue/").content.decode()
    assert case.reference in html
    assert NAME not in html and MASKED_NAME in html


def test_eight_d_page_masks_for_quality(case, quality_engineer, agent):
    html = as_user(quality_engineer).get(page_url(case, "eight_d")).content.decode()
    assert NAME not in html and MASKED_NAME in html
    assert NAME in as_user(agent).get(page_url(case, "eight_d")).content.decode()


def test_staff_mail_carries_the_masked_name_to_those_who_see_the_case_masked(case, agent, quality_engineer):
    NotificationTemplate.objects.update_or_create(
        event="mention", language="en", defaults={"subject": "{reference}", "body": "Customer: {customer_name}"}
    )
    rows = notify_event(event="mention", complaint=case, occasion="t", recipients=[agent, quality_engineer])
    bodies = {row.recipient_id: row.body for row in rows}
    assert bodies[agent.pk] == f"Customer: {NAME}"
    assert bodies[quality_engineer.pk] == f"Customer: {MASKED_NAME}"


def staff_with(user: Any, *codenames: str) -> Client:
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="complaints", codename__in=codenames))
    return as_user(type(user).objects.get(pk=user.pk))


def test_csv_export_carries_personal_data_only_with_the_permission(
    case, regional_lead, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    rows = admin_exported(staff_with(regional_lead, "view_complaint"), [case.pk], captured)
    assert PHONE not in str(rows) and MASKED_PHONE in str(rows)
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT).exists()

    rows = admin_exported(staff_with(regional_lead, "view_complaint", "export_personal_data"), [case.pk], captured)
    assert PHONE in str(rows)
    assert AccessLog.objects.filter(user=regional_lead, complaint=case, kind=AccessLog.Kind.EXPORT).count() == 1


def test_admin_record_and_list_are_masked_for_a_reader_who_does_not_handle_the_case(case, quality_engineer):
    client = staff_with(quality_engineer, "view_complaint")
    listing = client.get("/admin/complaints/complaint/").content.decode()
    assert case.reference in listing and NAME not in listing and MASKED_NAME in listing
    record = client.get(f"/admin/complaints/complaint/{case.pk}/change/").content.decode()
    assert PHONE not in record and NAME not in record


def test_task_summaries_never_carry_the_full_name(case):
    task = case.task_set.filter(finished__isnull=True).first()
    assert NAME not in task.brief and MASKED_NAME in task.brief


# Reveal with a reason --------------------------------------------------------------------------


@pytest.fixture
def reveal_policy(org):
    policy = PrivacyPolicy.objects.create(reveal_minutes=30)
    policy.reveal_roles.set(Role.objects.filter(code="quality_engineer"))
    return policy


def test_reveal_with_a_reason_shows_the_details_for_the_window_and_is_logged(case, quality_engineer, reveal_policy):
    client = as_user(quality_engineer)
    html = page(client, case)
    assert "Show contact details" in html and PHONE not in html
    url = page_url(case, "reveal")
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and not AccessLog.objects.filter(kind=AccessLog.Kind.REVEAL).exists()
    response = client.post(url, {"reason": "Check the delivery date with the customer"})
    assert response.status_code == 302
    row = AccessLog.objects.get(user=quality_engineer, complaint=case, kind=AccessLog.Kind.REVEAL)
    assert row.reason == "Check the delivery date with the customer"
    assert PHONE in page(client, case)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert PHONE not in page(as_user(quality_engineer), case)


def test_a_reveal_shows_the_customer_in_full_on_the_worklists_for_its_window(case, quality_engineer, reveal_policy):
    """The lists read whether the reader revealed each row's case with the page's cases
    (complaints.selectors.worklist.attach_cases): in full while the reveal runs, masked after."""
    client = as_user(quality_engineer)
    queue = client.get("/workflow/queue/").content.decode()
    assert case.reference in queue and MASKED_NAME in queue and NAME not in queue
    assert client.post(page_url(case, "reveal"), {"reason": "Call back"}).status_code == 302
    assert NAME in client.get("/workflow/queue/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        later = as_user(quality_engineer).get("/workflow/queue/").content.decode()
        assert case.reference in later and NAME not in later


def test_a_role_the_admin_did_not_name_may_not_reveal(case, tech_contact, reveal_policy):
    client = as_user(tech_contact)
    assert "Show contact details" not in page(client, case)
    assert client.post(page_url(case, "reveal"), {"reason": "curious"}).status_code == 404
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.REVEAL).exists()


def test_roles_the_admin_names_see_details_in_full(case, quality_engineer):
    policy = PrivacyPolicy.objects.create()
    policy.full_roles.set(Role.objects.filter(code="quality_engineer"))
    assert may_see_contact(quality_engineer, case)


def test_access_log_is_read_only_in_the_admin_and_searchable_by_phone(case, agent, quality_engineer):
    page(as_user(agent), case)  # a look in full
    officer = make_user("dpo")
    client = staff_with(officer, "view_accesslog")
    listing = client.get("/admin/complaints/accesslog/", {"q": PHONE}).content.decode()
    assert case.reference in listing
    assert client.get("/admin/complaints/accesslog/add/").status_code == 403
    row = AccessLog.objects.first()
    assert client.post(f"/admin/complaints/accesslog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()
    assert as_user(quality_engineer).get("/admin/complaints/accesslog/").status_code == 302  # not staff


# The customer's side: the staff card, the appeal and the in-app notices -----------------------------


@pytest.fixture
def customer_side(case, org, agent):
    """The case with what the customer's side adds: a message sent to the customer (to their phone
    and e-mail), information they added through their link (their number in it), an appeal (grounds
    with their number) and an in-app notice naming the customer to every role of the matrix."""
    from complaints.choices import EventKind, NotificationEvent
    from complaints.models import Appeal, ComplaintEvent, Notification
    from flows.flows import AppealFlow
    from tests.portal.appeal_setup import open_appeals

    portal = open_appeals(org)
    Notification.objects.create(
        key="cs-1",
        event=NotificationEvent.CUSTOMER_MESSAGE,
        complaint=case,
        address=f"+86{PHONE}",
        subject=f"Dear {NAME}",
        body=WORDS,
    )
    ComplaintEvent.objects.create(complaint=case, kind=EventKind.CUSTOMER_ADDED, note=f"Call {PHONE}, {NAME}")
    Appeal.objects.create(
        flow_class=AppealFlow,
        case=case,
        department=portal.appeal_department,
        grounds=f"{NAME}: ring {PHONE}",
        due_at=timezone.now() + timedelta(hours=48),
    )
    for language in ("en", "zh-hans"):
        NotificationTemplate.objects.update_or_create(
            event="mention",
            language=language,
            defaults={"subject": "{reference} {customer_name}", "body": "{customer_name}"},
        )
    return case


def test_each_role_sees_the_customer_card_appeal_and_notices_in_full_or_masked(request, customer_side):
    from complaints.services.notify import notify_event

    case = customer_side
    users = {who: request.getfixturevalue(fixture) for who, fixture in WHO.items()}
    notify_event(event="mention", complaint=case, occasion="matrix", recipients=list(users.values()))
    for who, user in users.items():
        for language in ("en", "zh-hans"):
            client = as_user(user)
            client.cookies["django_language"] = language
            html = page(client, case)
            card = html[html.index('id="rd-customer-side"') :]
            card = card[: card.index('<div class="rd-actions">')] if '<div class="rd-actions">' in card else card
            if FULL[who]:
                assert PHONE in card and NAME in card, f"card {who} {language}"
            else:
                assert PHONE not in card and NAME not in card, f"card leaked to {who} {language}"
                assert MASKED_PHONE in card and MASKED_NAME in card, f"card {who} {language}"
            notices = client.get("/workflow/notifications/").content.decode()
            assert case.reference in notices, f"notices {who}"
            assert (NAME in notices) is FULL[who] and (MASKED_NAME in notices) is not FULL[who], f"notices {who}"


def test_the_office_deciding_an_appeal_reads_the_case_and_the_grounds_masked(org, agent, quality_engineer):
    """The customer-experience office handles no level: by default it reads the case masked, the
    appeal's grounds included, on the task page where it decides."""
    from complaints.services.appeal import appeal_open
    from flows.flows import AppealFlow
    from tests.portal.appeal_setup import closed_complaint, officer, open_appeals

    open_appeals(org)
    cx = officer()
    c = closed_complaint(org, agent, quality_engineer)
    appeal = appeal_open(complaint=c, actor=agent, grounds=f"Call me on {PHONE}, {NAME}")
    task = Task.objects.get(process_id=appeal.pk, flow_task=AppealFlow.decide)
    client = as_user(cx)
    client.post(task_url(task, "assign"))
    for language in ("en", "zh-hans"):
        client.cookies["django_language"] = language
        html = client.get(task_url(task, "execute")).content.decode()
        assert c.reference in html and PHONE not in html and NAME not in html, language
