"""Batch investigations: opened at the admin's threshold (once, also with two registrations at
once), marked by quality below it, the outreach list and its states, counts, scope and queries."""

import threading

import pytest
from django.db import connection
from django.test import Client

from complaints.choices import BatchOpenedBy, EventKind, OutreachState
from complaints.models import BatchInvestigation, Complaint, OutreachContact, ProcessSettings
from complaints.services import batch as batch_service
from complaints.services.batch import BatchRefused, complaint_mark_batch, outreach_move
from tests.conftest import START_URL, intake_data
from tests.flows.test_flows__journey import as_user, first_response, register

BATCH = "BMS-2026-07B"


def file(agent, org, n, **fields):
    return [
        register(
            agent,
            org,
            batch_number=BATCH,
            customer_phone=f"1380013{8000 + i:04d}",
            plate_or_vin=f"沪A·{i:05d}",
            **fields,
        )
        for i in range(n)
    ]


def test_below_the_threshold_no_investigation_opens(org, agent):
    file(agent, org, 2)
    assert not BatchInvestigation.objects.exists()


def test_the_threshold_opens_exactly_one_investigation_and_later_complaints_join_it(org, agent):
    first = file(agent, org, 3)
    investigation = BatchInvestigation.objects.get()
    assert investigation.opened_how == BatchOpenedBy.THRESHOLD and investigation.batch_number == BATCH
    assert set(investigation.complaints.all()) == set(first)
    assert investigation.contacts.count() == 3
    assert all(c.events.filter(kind=EventKind.BATCH_LINKED).count() == 1 for c in first)
    later = register(agent, org, batch_number=" bms-2026-07b ", customer_phone="13800139999", plate_or_vin="")
    assert BatchInvestigation.objects.count() == 1
    assert investigation.complaints.filter(pk=later.pk).exists()
    contact = investigation.contacts.get(complaint=later)
    assert contact.customer_key == "tel:+8613800139999" and contact.state == OutreachState.TO_CONTACT
    assert list(investigation.events.order_by("pk").values_list("kind", flat=True)) == [
        "opened",
        "linked",
        "linked",
        "linked",
        "linked",
    ]


def test_the_threshold_is_the_admins(org, agent):
    ProcessSettings.objects.update(batch_threshold=2)
    file(agent, org, 2)
    assert BatchInvestigation.objects.count() == 1


def test_without_a_batch_number_the_model_and_delivery_window_make_the_batch(org, agent):
    for i, day in enumerate(["2026-07-05", "2026-07-20", "2026-08-01"]):
        register(agent, org, product_model="EV-S7", purchase_date=day, customer_phone=f"1390013900{i}")
    investigation = BatchInvestigation.objects.get()
    assert (investigation.product_model, str(investigation.window_start)) == ("EV-S7", "2026-07-04")
    register(agent, org, product_model="EV-S7", purchase_date="2026-08-03", customer_phone="13900139010")
    assert investigation.complaints.count() == 3  # the next window is another batch


def test_quality_marks_a_batch_issue_below_the_threshold(org, agent, quality_engineer):
    (complaint,) = file(agent, org, 1)
    first_response(agent, complaint)  # verification now waits in Quality's queue: quality sees the case
    url = f"/workflow/batch/mark/{complaint.pk}/"
    assert as_user(agent).get(url).status_code == 404  # agents do not mark batch issues
    response = as_user(quality_engineer).post(url, {"note": "BMS firmware fault P0A80 on this batch."})
    investigation = BatchInvestigation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workflow/batch/{investigation.pk}/"
    assert investigation.opened_how == BatchOpenedBy.MARKED and investigation.opened_by == quality_engineer
    assert list(investigation.complaints.all()) == [complaint]
    # marking again joins the open one
    assert complaint_mark_batch(complaint=complaint, actor=quality_engineer) == investigation
    assert BatchInvestigation.objects.count() == 1


def test_marking_a_complaint_without_batch_or_model_is_refused_with_a_reason(org, agent, quality_engineer):
    complaint = register(agent, org)
    first_response(agent, complaint)
    response = as_user(quality_engineer).post(f"/workflow/batch/mark/{complaint.pk}/", {"note": "x"})
    assert response.status_code == 200 and "there is no batch" in response.content.decode()
    assert not BatchInvestigation.objects.exists()


@pytest.fixture
def investigation(org, agent):
    file(agent, org, 3)
    return BatchInvestigation.objects.get()


def test_outreach_moves_forward_only(investigation, quality_engineer):
    contact = investigation.contacts.first()
    with pytest.raises(BatchRefused, match="cannot go"):
        outreach_move(contact=contact, actor=quality_engineer, seen_state="to_contact", new_state="fixed")
    for old, new in [("to_contact", "contacted"), ("contacted", "inspected"), ("inspected", "fixed")]:
        contact = outreach_move(contact=contact, actor=quality_engineer, seen_state=old, new_state=new, note=new)
    assert contact.state == "fixed" and contact.updated_by == quality_engineer and contact.note == "fixed"
    assert investigation.events.filter(kind="contact").count() == 3


def test_the_second_of_two_people_moving_one_contact_is_told(investigation, quality_engineer, quality_engineer_2):
    contact = investigation.contacts.first()
    seen = contact.state
    outreach_move(contact=contact, actor=quality_engineer, seen_state=seen, new_state="contacted")
    with pytest.raises(BatchRefused, match=r"changed .* meanwhile"):
        outreach_move(contact=contact, actor=quality_engineer_2, seen_state=seen, new_state="contacted")
    assert investigation.events.filter(kind="contact").count() == 1


def test_agents_cannot_record_outreach(investigation, agent):
    with pytest.raises(BatchRefused):
        outreach_move(
            contact=investigation.contacts.first(), actor=agent, seen_state="to_contact", new_state="contacted"
        )


def test_the_page_moves_a_contact_and_shows_counts(investigation, quality_engineer):
    client = as_user(quality_engineer)
    contact = investigation.contacts.first()
    url = f"/workflow/batch/{investigation.pk}/contacts/{contact.pk}/move/"
    assert client.post(url, {"seen_state": "to_contact", "state": "contacted", "note": "called"}).status_code == 302
    # The second move is refused on the same page, on that contact's row, and changes nothing.
    response = client.post(url, {"seen_state": "to_contact", "state": "contacted"})
    assert response.status_code == 400
    row = response.content.decode().split(f'id="rd-contact-{contact.pk}"')[1].split("</tr>")[0]
    assert "meanwhile" in row and "rd-row-error" in row
    assert investigation.events.filter(kind="contact").count() == 1
    OutreachContact.objects.filter(pk=contact.pk).update(state="fixed")
    page = client.get(f"/workflow/batch/{investigation.pk}/").content.decode()
    assert "<strong>3</strong><span>customers</span>" in page
    assert "<strong>1</strong><span>reached</span>" in page and "<strong>1</strong><span>fixed</span>" in page
    assert "+8613800138000" in page  # quality sees whom to call
    filtered = client.get(f"/workflow/batch/{investigation.pk}/?state=fixed").content.decode()
    assert filtered.count("rd-outreach--") == 1


def test_scope_the_department_sees_masked_contacts_others_get_404(investigation, agent, agent_b, outsider):
    page = as_user(agent).get(f"/workflow/batch/{investigation.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "+86138****8000" in text and "+8613800138000" not in text and "rd-move" not in text
    assert as_user(agent_b).get(f"/workflow/batch/{investigation.pk}/").status_code == 404
    assert as_user(outsider).get(f"/workflow/batch/{investigation.pk}/").status_code == 403  # like the whole shell
    assert investigation.batch_number not in as_user(agent_b).get("/workflow/batch/").content.decode()
    assert investigation.batch_number in as_user(agent).get("/workflow/batch/").content.decode()
    contact = investigation.contacts.first()
    move = f"/workflow/batch/{investigation.pk}/contacts/{contact.pk}/move/"
    assert as_user(agent_b).post(move, {"seen_state": "to_contact", "state": "contacted"}).status_code == 404


def test_closing_twice_is_refused(investigation, quality_engineer):
    client = as_user(quality_engineer)
    assert client.post(f"/workflow/batch/{investigation.pk}/close/", {"note": "Firmware fixed."}).status_code == 302
    response = client.post(f"/workflow/batch/{investigation.pk}/close/", {"note": "again"})
    assert response.status_code == 400
    investigation.refresh_from_db()
    assert investigation.status == "closed" and investigation.events.filter(kind="closed").count() == 1


def _contacts(investigation, count):
    OutreachContact.objects.bulk_create(
        OutreachContact(
            investigation=investigation, customer_key=f"vin:X{n}", customer_name=f"N{n}", phone="+8613800000000"
        )
        for n in range(count)
    )


def _queries(client, url, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["quality_engineer", "agent"])
def test_investigation_and_list_pages_cost_the_same_for_few_and_many_contacts(
    request, investigation, who, django_assert_max_num_queries
):
    client = as_user(request.getfixturevalue(who))
    url = f"/workflow/batch/{investigation.pk}/"
    _contacts(investigation, 10)
    client.get(url), client.get("/workflow/batch/")  # warm: the process's configuration copy
    few = _queries(client, url, django_assert_max_num_queries)
    few_list = _queries(client, "/workflow/batch/", django_assert_max_num_queries)
    _contacts(BatchInvestigation.objects.create(key="batch:OTHER", batch_number="OTHER", opened_how="marked"), 5)
    OutreachContact.objects.filter(investigation=investigation).delete()
    _contacts(investigation, 190)
    assert _queries(client, url, django_assert_max_num_queries) == few
    assert _queries(client, "/workflow/batch/", django_assert_max_num_queries) == few_list
    with django_assert_max_num_queries(30):
        client.get(url)


def _at_once(work, count=2):
    barrier = threading.Barrier(count, timeout=10)
    results = []

    def run(n):
        try:
            barrier.wait()
            results.append(work(n))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("before", [1, 2], ids=["the-two-reach-it-together", "both-above-it"])
def test_two_registrations_at_once_open_exactly_one_investigation(org, agent, before):
    file(agent, org, before)

    def post(n):
        client = Client(raise_request_exception=False)
        client.force_login(agent)
        data = intake_data(org, batch_number=BATCH, customer_phone=f"1390013{9000 + n:04d}")
        return client.post(START_URL, data).status_code

    assert _at_once(post) == [302, 302]
    investigation = BatchInvestigation.objects.get()
    assert investigation.complaints.count() == before + 2 == Complaint.objects.count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batch_checks_counting_at_the_same_instant_open_one_investigation(org, agent, monkeypatch):
    complaints = file(agent, org, 2)
    ProcessSettings.objects.update(batch_threshold=2)
    barrier = threading.Barrier(2, timeout=10)
    original = batch_service._lock_batch

    def synchronised(key):
        barrier.wait()  # both are inside their transactions, neither has counted yet
        original(key)

    monkeypatch.setattr(batch_service, "_lock_batch", synchronised)

    def check(n):
        from django.db import transaction

        with transaction.atomic():
            return batch_service.complaint_batch_check(complaint=Complaint.objects.get(pk=complaints[n].pk)).pk

    opened = _at_once(check)
    assert len(opened) == 2 and len(set(opened)) == 1
    investigation = BatchInvestigation.objects.get()
    assert set(investigation.complaints.all()) == set(complaints)
    assert investigation.events.filter(kind="opened").count() == 1


def test_the_complaint_page_offers_marking_to_quality_and_then_links_the_investigation(org, agent, quality_engineer):
    (complaint,) = file(agent, org, 1)
    first_response(agent, complaint)
    url = f"/workflow/flows/complaint/{complaint.pk}/"
    assert "/workflow/batch/mark/" not in as_user(agent).get(url).content.decode()
    assert f"/workflow/batch/mark/{complaint.pk}/" in as_user(quality_engineer).get(url).content.decode()
    investigation = complaint_mark_batch(complaint=complaint, actor=quality_engineer, note="P0A80")
    page = as_user(agent).get(url).content.decode()
    assert 'id="rd-batch-links"' in page and f"/workflow/batch/{investigation.pk}/" in page
    assert "/workflow/batch/mark/" not in as_user(quality_engineer).get(url).content.decode()


def test_masked_details_cannot_be_guessed_by_searching(investigation, agent, quality_engineer):
    url = f"/workflow/batch/{investigation.pk}/?q=13800138000"
    assert as_user(quality_engineer).get(url).content.decode().count("rd-outreach--") == 1
    assert as_user(agent).get(url).content.decode().count("rd-outreach--") == 0
    by_plate = as_user(agent).get(f"/workflow/batch/{investigation.pk}/?q=00001").content.decode()
    assert by_plate.count("rd-outreach--") == 1


def test_the_threshold_and_window_travel_with_the_configuration_and_refuse_nonsense(org):
    from complaints.services.config_io import ConfigImportError, config_export, config_import

    document = config_export()
    assert (document["process_settings"]["batch_threshold"], document["process_settings"]["batch_window_days"]) == (
        3,
        30,
    )
    document["process_settings"].update(batch_threshold=1, batch_window_days=0)
    with pytest.raises(ConfigImportError) as caught:
        config_import(document=document)
    assert any("batch_threshold" in e for e in caught.value.errors)
    assert any("batch_window_days" in e for e in caught.value.errors)
    assert ProcessSettings.objects.get().batch_threshold == 3


def test_a_refused_move_answers_on_the_list_the_user_was_looking_at(investigation, quality_engineer):
    """Bad input on one row: the message on that row, the list with the filters the user had."""
    client = as_user(quality_engineer)
    first, second = investigation.contacts.order_by("pk")[:2]
    outreach_move(contact=first, actor=quality_engineer, seen_state="to_contact", new_state="contacted")
    back = f"/workflow/batch/{investigation.pk}/?state=to_contact"
    url = f"/workflow/batch/{investigation.pk}/contacts/{second.pk}/move/"
    response = client.post(url, {"seen_state": "to_contact", "state": "", "back": back})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("rd-outreach--") == 2  # the filtered list: the contacted one is not on it
    row = page.split(f'id="rd-contact-{second.pk}"')[1].split("</tr>")[0]
    assert "Choose the contact&#x27;s new state." in row or "Choose the contact's new state." in row
    second.refresh_from_db()
    assert second.state == "to_contact"


def test_the_outreach_list_shown_in_full_or_searched_is_logged_once_per_view(investigation, agent, quality_engineer):
    from complaints.models import AccessLog

    as_user(quality_engineer).get(f"/workflow/batch/{investigation.pk}/")
    logged = AccessLog.objects.get(user=quality_engineer)
    assert logged.kind == AccessLog.Kind.LIST and "rows in full" in logged.reason
    # A masked reader's plain view writes nothing; their search by phone does (a look at personal data).
    as_user(agent).get(f"/workflow/batch/{investigation.pk}/")
    assert not AccessLog.objects.filter(user=agent).exists()
    as_user(agent).get(f"/workflow/batch/{investigation.pk}/?q=13800138000")
    assert "13800138000" in AccessLog.objects.get(user=agent).reason
