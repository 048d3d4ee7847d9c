"""The complaint list's search (issue 17): the worklists' search (reference, customer name, phone,
plate/VIN, order number), a whole reference, order number or phone number found exactly before the
fuzzy match, the term kept by the pager and the filters, masked customers and the access log, and a
page that costs the same however many rows it shows."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import AccessLog, Complaint
from complaints.selectors.worklist import complaint_search
from tests.complaints import test_privacy__matrix as matrix
from tests.complaints.test_privacy__matrix import NAME, PHONE
from tests.web.test_viewsets__inbox import INBOX, QUEUE, SEARCHES, client_for, register, three

pytestmark = pytest.mark.django_db
case, tech_contact = matrix.case, matrix.tech_contact  # the matrix's case: the agent's, masked to quality
__all__ = ["case", "tech_contact", "three"]

LIST = "/workflow/flows/complaint/flows/"
REFERENCE = re.compile(r"\b[A-Z]+-\d{4}-\d+\b")


def found(user: Any, **params: str) -> set[str]:
    response = client_for(user).get(LIST, params)
    assert response.status_code == 200
    return set(REFERENCE.findall(response.content.decode()))


def matching(term: str) -> set[str]:
    return set(complaint_search(term).values_list("reference", flat=True))


@pytest.mark.parametrize(
    ("term", "expected"),
    SEARCHES,
)
def test_the_complaint_list_finds_a_case_by_each_field_and_not_another(org, agent, three, term, expected):
    assert found(agent) == {three[name].reference for name in "abc"}
    assert found(agent, _search=term) == {three[expected].reference}


def test_the_complaint_list_finds_a_whole_reference_in_any_case_and_nothing_for_a_stranger(org, agent, three):
    assert found(agent, _search=three["b"].reference.lower()) == {three["b"].reference}
    assert found(agent, _search="Nobody Atall") == set()


def test_a_search_keeps_working_with_a_filter(org, agent, three):
    a, b = three["a"], three["b"]
    assert found(agent, _search="Li Lei", category=str(a.category_id)) == {a.reference}
    assert found(agent, _search="Li Lei", category=str(b.category_id)) == set()


# Exact hits first -------------------------------------------------------------------------------


def test_a_whole_reference_finds_that_case_alone_and_a_part_of_it_finds_every_case_containing_it(org, agent, three):
    a = three["a"]
    quoting = register(org, agent, customer_name="Zhao Lan", order_number=f"{a.reference}-R1")
    assert matching(a.reference) == {a.reference}  # exact: the order number containing it is not shown
    assert matching(a.reference[:-1]) >= {a.reference, quoting.reference}  # no exact hit: the fuzzy match
    assert found(agent, _search=a.reference) == {a.reference}


def test_a_whole_order_number_finds_its_cases_alone_in_any_case(org, agent, three):
    longer = register(org, agent, customer_name="Zhao Lan", order_number="SO-7788991")
    assert matching("so-778899") == {three["b"].reference}
    assert matching("SO-77889") == {three["b"].reference, longer.reference}
    assert found(agent, _search="SO-7788991") == {longer.reference}


def test_a_whole_phone_number_finds_the_callers_cases_alone_however_it_is_typed(org, agent, three):
    again = register(org, agent, customer_name="Li Lei", customer_phone="+8613800138000")
    plate = register(org, agent, customer_name="Zhao Lan", plate_or_vin="X13800138000")
    callers = {three["a"].reference, again.reference}
    for typed in ("13800138000", "+86 138 0013 8000", "138-0013-8000"):
        assert matching(typed) == callers, typed
    assert matching("0013 8000") == {*callers, plate.reference}  # a part of it: the fuzzy match
    assert found(agent, _search="138 0013 8000") == callers


def test_the_worklists_search_the_same_way(org, agent, three):
    register(org, agent, customer_name="Zhao Lan", order_number=f"{three['a'].reference}-R1")
    page = client_for(agent).get(INBOX, {"_search": three["a"].reference}).content.decode()
    assert set(REFERENCE.findall(page)) == {three["a"].reference}


# Part of a number: the digit grams ------------------------------------------------------------------


@pytest.fixture
def numbered(org, agent, three) -> dict[str, Complaint]:
    """A run of digits in each searched value of its own complaint, none a whole value."""
    values = {
        "phone": {"customer_phone": "+8613957246801"},
        "order": {"order_number": "SO-95724-12"},
        "plate": {"plate_or_vin": "粤B·95724"},
        "name": {"customer_name": "Room 957245"},
    }
    return {name: register(org, agent, **fields) for name, fields in values.items()}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("5724", {"phone", "order", "plate", "name"}),  # a caller's last four digits, in every value
        ("57246", {"phone"}),
        ("9572 46", {"phone"}),  # typed with a space: the phone's digits; no value holds "9572 46"
        ("95724-1", {"order"}),  # the order number as typed; no phone holds 957241
        ("1395724", {"phone"}),
        ("0957246", {"phone"}),  # a trunk 0: dropped for the phone
        ("957245", {"name"}),
    ],
)
def test_part_of_a_number_finds_every_value_holding_it_and_only_those(org, agent, numbered, term, expected):
    assert matching(term) == {numbered[name].reference for name in expected}, term
    assert found(agent, _search=term) == {numbered[name].reference for name in expected}, term


def test_the_digit_grams_of_a_term_are_those_every_form_of_it_holds():
    from complaints.selectors.worklist import digit_grams

    assert digit_grams("13812345678", "138 1234 5678") == ["1234", "5678"]  # the typed form's runs
    assert digit_grams("2168888888", "021-6888 8888") == ["6888", "8888"]  # the trunk 0 dropped
    assert digit_grams("57246", "57246") == ["5724", "7246"]
    assert digit_grams("957", "957") == []  # no run of four: the trigram match alone
    assert digit_grams("１２３４５", "１２３４５") == []  # full-width digits: no ASCII run


def test_part_of_a_number_reads_the_digit_grams_index_on_postgresql(org, agent, numbered):
    """The fuzzy match of a run of four digits or more is narrowed by complaint_digit_grams (one
    posting list per four digits); a run shorter than that keeps the trigram match alone."""
    from complaints.selectors.worklist import _fuzzy_search

    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's; SQLite scans")
    assert "redress_digit_grams" in str(_fuzzy_search("5724").query)
    assert "redress_digit_grams" not in str(_fuzzy_search("957-246").query)  # runs of three: no gram
    plan = bitmap_plan(_fuzzy_search("57246"))
    assert "complaint_digit_grams" in plan, plan


def bitmap_plan(found: Any) -> str:
    """EXPLAIN of the query of what `found` matches. The test database is tiny: every plain scan is
    made dearer than any index (a bitmap scan is left, which only an index whose expression, and
    condition, the query's conditions match can serve)."""
    sql, params = found.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_part_of_a_number_on_a_list_of_open_work_finds_the_open_complaints_and_the_others_elsewhere(
    org, agent, quality_engineer
):
    """The lists that show open work (the complaint list unfiltered, the inbox, the queue) look for part
    of a number among the complaints with work open (Complaint.work_open); the complaint list filtered
    by status and the archive among all of them."""
    from tests.flows.test_flows__open_work import closed_as_invalid

    open_one = register(org, agent, customer_phone="13957246801")
    closed = closed_as_invalid(org, agent, quality_engineer, customer_phone="13857246802")
    assert not Complaint.objects.get(pk=closed.pk).work_open
    assert matching("5724") == {open_one.reference, closed.reference}
    assert found(agent, _search="5724") == {open_one.reference}  # unfinished: viewflow's default filter
    assert found(agent, _search="5724", status="DONE") == {closed.reference}
    assert worklists_found(agent, "5724") == {open_one.reference}
    archive = client_for(agent).get("/workflow/archive/", {"_search": "5724"}).content.decode()
    assert closed.reference in set(REFERENCE.findall(archive))


def test_part_of_a_number_on_a_list_of_open_work_reads_the_open_complaints_index_on_postgresql(org, agent, numbered):
    from complaints.selectors.worklist import _fuzzy_search

    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's; SQLite scans")
    plan = bitmap_plan(_fuzzy_search("57246", open_work=True))
    assert "complaint_open_digit_grams" in plan, plan


# The page ---------------------------------------------------------------------------------------


def test_the_page_has_the_search_box_with_the_term_and_keeps_it_in_its_pager_and_filters(org, agent, three):
    response = client_for(agent).get(LIST, {"_search": "Li Lei", "category": str(three["a"].category_id)})
    html = response.content.decode()
    box = re.search(r'<form method="get" class="rd-list-search".*?</form>', html, re.S)
    assert box is not None
    assert re.search(r'<input type="search" name="_search" value="Li Lei"', box.group())
    assert f'<input type="hidden" name="category" value="{three["a"].category_id}">' in box.group()  # filter kept
    assert '<input type="hidden" name="_search" value="Li Lei">' in html  # the filter form keeps the term
    assert "Reference, customer, phone, plate/VIN, order no." in box.group()
    assert "<vf-page-search" not in html  # one box: viewflow's own is off


def test_the_pager_keeps_the_search(org, agent, three, monkeypatch):
    from web.process_pages import ComplaintListView

    register(org, agent, customer_name="Li Lei")
    monkeypatch.setattr(ComplaintListView, "paginate_by", 1)
    html = client_for(agent).get(LIST, {"_search": "Li Lei"}).content.decode()
    assert re.search(r'href="\?_search=Li\+Lei&amp;page=2#pagination"', html)


def test_the_search_box_speaks_chinese(org, agent, three):
    client = client_for(agent)
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Reference, customer, phone, plate/VIN, order no." not in html
    assert "编号、客户、电话、车牌/VIN、订单号" in html


FLOWS = ["complaint", "approval", "collaboration", "action", "mention", "customstep", "appeal"]


@pytest.mark.parametrize("flow", FLOWS)
def test_every_process_and_task_list_heads_its_columns_in_chinese(org, agent, three, flow):
    """viewflow names these columns after its methods ("Process id", "Brief", "Active tasks",
    "Process summary"), English in every language, and shows a task's step by its node's name
    ("Customer Confirmation"); ours are translated, and the steps shown by their titles."""
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("boss", password="x")
    client = client_for(admin)
    for page, headers in [("flows", ["编号", "摘要", "未完成任务"]), ("tasks", ["编号", "步骤", "摘要"])]:
        response = client.get(f"/workflow/flows/{flow}/{page}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, (flow, page)
        heads = re.findall(r"<th\b[^>]*>(.*?)</th>", response.content.decode(), re.S)
        shown = [re.sub(r"<[^>]+>|\s+", " ", head).strip() for head in heads]
        for english in ("Process id", "Brief", "Active tasks", "Process summary"):
            assert not any(english in head for head in shown), (flow, page, shown)
        for header in headers:
            assert any(header in head for head in shown), (flow, page, header, shown)
    if flow == "complaint":  # the agent's three complaints wait at their first response
        tasks = client.get("/workflow/flows/complaint/tasks/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "首次响应" in tasks and "First Response" not in tasks


# Privacy ----------------------------------------------------------------------------------------


def test_a_search_by_phone_shows_the_customer_masked_and_is_logged_with_its_term(case, quality_engineer, agent_b):
    html = client_for(quality_engineer).get(LIST, {"_search": PHONE}).content.decode()
    assert case.reference in html, html
    assert NAME not in html
    (row,) = AccessLog.objects.filter(kind=AccessLog.Kind.LIST)
    assert row.user == quality_engineer and PHONE in row.reason and row.references == []
    assert found(agent_b, _search=PHONE) == set()  # another store's agent: not their case


def test_the_list_without_a_search_writes_no_access_log(case, quality_engineer):
    assert case.reference in client_for(quality_engineer).get(LIST).content.decode()
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.LIST).exists()


# Cost ---------------------------------------------------------------------------------------------


def _queries(user: Any, **params: str) -> int:
    client = client_for(user)
    client.get(LIST, params)  # viewflow keeps the last list in the session: written on the first visit
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("term", "hits_read"), [("Li Lei", 0), ("13800138000", 1)])
def test_a_searched_page_costs_the_same_for_2_and_8_rows(org, agent, term, hits_read):
    for _ in range(2):
        register(org, agent, customer_name="Li Lei", customer_phone="13800138000")
    few = _queries(agent, _search=term)
    for _ in range(6):
        register(org, agent, customer_name="Li Lei", customer_phone="13800138000")
    assert Complaint.objects.count() == 8
    many = _queries(agent, _search=term)
    assert many == few, (few, many)
    # The unsearched page's queries, the ids of what a whole phone number names (search_matches; two
    # words name nothing whole: the fuzzy match, a subquery of the list's one statement), and the
    # access log's row for the search (one INSERT).
    assert few == _queries(agent) + hits_read + 1, few


def test_a_search_finding_more_than_a_page_of_ids_keeps_its_query(org, agent, monkeypatch):
    """search_matches hands a list at most EXACT_IDS_MAX ids, exact or (for the worklists) fuzzy;
    past it the match stays a subquery of the list, with the same result."""
    from complaints.selectors import worklist

    cases = [register(org, agent, customer_name="Han Meimei", order_number="SO-4242") for _ in range(3)]
    every, pks = {c.reference for c in cases}, sorted(c.pk for c in cases)
    assert matching("Meimei") == every and matching("SO-4242") == every
    assert sorted(worklist.search_matches("Meimei", fuzzy_as_ids=True)) == pks  # the worklists: ids
    assert not isinstance(worklist.search_matches("Meimei"), list)  # the complaint list: its query
    assert worklists_found(agent, "Meimei") == every
    monkeypatch.setattr(worklist, "EXACT_IDS_MAX", 2)
    assert not isinstance(worklist.search_matches("Meimei", fuzzy_as_ids=True), list)  # the fuzzy match's query
    assert not isinstance(worklist.search_matches("SO-4242"), list)  # the exact match's query
    assert matching("Meimei") == every and matching("SO-4242") == every
    assert found(agent, _search="Meimei") == every
    assert worklists_found(agent, "Meimei") == every


def worklists_found(user: Any, term: str) -> set[str]:
    """The references the user's inbox and queue show for a search."""
    shown: set[str] = set()
    for page in (INBOX, QUEUE):
        response = client_for(user).get(page, {"_search": term})
        assert response.status_code == 200
        shown |= set(REFERENCE.findall(response.content.decode()))
    return shown


def test_a_name_of_two_characters_finds_that_whole_name_and_a_longer_one_any_name_containing_it(org, agent, three):
    short = register(org, agent, customer_name="周超")
    longer = register(org, agent, customer_name="周超群")
    assert matching("周超") == {short.reference}  # two characters: the whole name alone (no trigram)
    assert matching("超群") == set()  # two characters that are nobody's whole name: nothing, no scan
    assert matching("周超群") == {longer.reference}  # three: the fuzzy match, as before
    assert matching("meimei") == {three["b"].reference}
    assert found(agent, _search="周超") == {short.reference}
