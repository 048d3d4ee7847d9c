"""The dashboard, its drill-down list and saved filters: who may open them, what they show, and
that their query count does not grow with the complaints (the list's exports: test_dashboard__exports)."""

from datetime import timedelta
from typing import Any

import pytest

from complaints.models import SavedFilter
from tests.complaints import kpi_fixture
from tests.web.page_helpers import as_user

pytestmark = pytest.mark.django_db
WEEK = "start=2026-11-23&end=2026-11-29"


def test_the_dashboard_shows_the_figures_with_their_definitions(week: Any, boss: Any) -> None:
    response = as_user(boss).get(f"/dashboard/?{WEEK}")
    assert response.status_code == 200
    text = response.content.decode()
    assert "First-contact resolution" in text and "50.0 %" in text and "66.7 %" in text
    assert "never escalated and never reopened" in text  # the definition, one click away
    assert 'id="rd-kpi-data"' in text and "<script>" not in text  # chart data as JSON, no inline script
    assert "part=fcr" in text


def test_only_the_roles_the_admin_allows_see_the_dashboard(week: Any, agent: Any, outsider: Any) -> None:
    assert as_user(agent).get("/dashboard/").status_code == 403
    assert as_user(outsider).get("/dashboard/complaints/").status_code == 403


def test_a_store_manager_sees_their_store_only(week: Any, store_b_manager: Any) -> None:
    response = as_user(store_b_manager).get(f"/dashboard/complaints/?{WEEK}")
    assert response.status_code == 200
    text = response.content.decode()
    # As the table cells show them (a bare "C1" may turn up inside a random token or nonce of the page).
    assert ">C6<" in text and ">C8<" in text and ">C1<" not in text


def test_a_number_drills_down_to_its_complaints(week: Any, boss: Any) -> None:
    text = as_user(boss).get(f"/dashboard/complaints/?{WEEK}&part=fcr").content.decode()
    assert ">C1<" in text and ">C8<" in text and ">C2<" not in text
    assert as_user(boss).get(f"/dashboard/complaints/?{WEEK}&part=nonsense").status_code == 404


def test_free_text_search(week: Any, boss: Any) -> None:
    text = as_user(boss).get("/dashboard/complaints/?q=C3").content.decode()
    assert ">C3<" in text and ">C1<" not in text


def test_saved_filters_belong_to_their_user(week: Any, boss: Any, store_b_manager: Any) -> None:
    as_user(boss).post("/dashboard/complaints/saved/", {"name": "P0 this week", "query": WEEK + "&priority=1"})
    saved = SavedFilter.objects.get(user=boss)
    assert saved.query.endswith("priority=1")
    as_user(store_b_manager).post("/dashboard/complaints/saved/", {"delete": saved.pk})
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    as_user(boss).post("/dashboard/complaints/saved/", {"delete": saved.pk})
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_the_dashboard_query_count_does_not_grow_with_the_complaints(
    week: Any, boss: Any, org: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from complaints.models import Complaint

    c = as_user(boss)
    c.get(f"/dashboard/?{WEEK}")  # the fixture's days counted
    template = Complaint.objects.get(reference="C1")

    def add(refs: range) -> None:
        for i in refs:
            template.pk = template.id = None
            template.process_ptr_id = None
            template.reference = f"X{i}"
            template.received_at = kpi_fixture.MONDAY + timedelta(hours=i)
            template.save()

    # Both requests first recount the summary of the days the new complaints were received on: the
    # days' counts and breakdowns, the rows that changed and their months' rows rewritten, whatever
    # the number of complaints on those days.
    add(range(1))
    with django_assert_max_num_queries(70) as few:
        c.get(f"/dashboard/?{WEEK}")
    add(range(1, 40))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = c.get(f"/dashboard/?{WEEK}")
    assert ">47<" in response.content.decode()


def _references(text: str) -> list[str]:
    import re

    return re.findall(r'process_detail[^"]*"?[^>]*>([A-Z]\d+)<', text) or re.findall(r">(C\d+)</a>", text)


@pytest.mark.parametrize(
    ("sort", "order"), [("priority", ("priority__rank", "-pk")), ("level", ("-level__rank", "-pk"))]
)
def test_a_sort_by_rank_pages_through_every_complaint_in_rank_order(
    week: Any, boss: Any, sort: str, order: tuple[str, ...], monkeypatch: Any
) -> None:
    """Read one priority (level) at a time from its index, page after page: the same complaints, in
    the same order, as the whole list sorted by rank, none twice, none missing."""
    from complaints.models import Complaint
    from web.dashboard import lists

    Complaint.objects.filter(reference="C3").update(priority=None, level=None)  # the ones without come too
    monkeypatch.setattr(lists, "ROWS_PER_PAGE", 3)
    listed = Complaint.objects.filter(reference__isnull=False).order_by(*order)
    expected = list(listed.values_list("reference", flat=True))
    seen: list[str] = []
    c = as_user(boss)
    for number in range(1, 10):
        text = c.get(f"/dashboard/complaints/?sort={sort}&page={number}").content.decode()
        seen += _references(text)
        if "page=" + str(number + 1) not in text:
            break
    assert seen == expected and len(expected) >= 7


def test_the_list_is_not_counted_and_says_how_far_it_goes(week: Any, boss: Any, monkeypatch: Any) -> None:
    from web.dashboard import lists

    monkeypatch.setattr(lists, "ROWS_PER_PAGE", 3)
    c = as_user(boss)
    first = c.get(f"/dashboard/complaints/?{WEEK}").content.decode()
    assert "1–3 of 3+" in first and "page=2" in first
    last = c.get(f"/dashboard/complaints/?{WEEK}&page=3").content.decode()
    assert "7–7 of 7" in last and "page=4" not in last
    # A page past the end, or not a number: the first page.
    assert "1–3 of 3+" in c.get(f"/dashboard/complaints/?{WEEK}&page=99").content.decode()
    assert "1–3 of 3+" in c.get(f"/dashboard/complaints/?{WEEK}&page=x").content.decode()
    assert "No complaint matches." in c.get("/dashboard/complaints/?q=nothing-like-this").content.decode()


def test_the_list_costs_the_same_queries_for_more_complaints(
    week: Any, boss: Any, org: dict[str, Any], django_assert_num_queries: Any
) -> None:
    """Child categories, owners, priorities and levels come from the configuration copies and one
    read of the page's owners: no query per row (str(category) read each parent)."""
    from complaints.models import Category, Complaint

    child = Category.objects.create(code="kpi-child", name="Child", parent=week["roadside"])
    template = Complaint.objects.get(reference="C1")
    Complaint.objects.filter(pk=template.pk).update(owner=boss)  # the page's owners are read at all
    c = as_user(boss)
    url = "/dashboard/complaints/?columns=reference&columns=category&columns=owner&columns=priority&columns=level"
    c.get(url)

    def counted(path: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert c.get(path).status_code == 200
        return len(queries.captured_queries)

    page = counted(url)
    for i in range(12):
        template.pk = template.id = None
        template.process_ptr_id = None
        template.reference = f"Y{i}"
        template.category = child
        template.owner = boss
        template.save()
    with django_assert_num_queries(page) as read:
        text = c.get(url).content.decode()
    assert "Towing / Child" in text
    # The filter's category choices too: one read of the categories, not one per parent.
    assert sum('FROM "complaints_category"' in q["sql"] for q in read.captured_queries) <= 1


def test_an_owner_is_named_as_everywhere_else_in_the_list_and_its_export(week: Any, boss: Any) -> None:
    """A Chinese name family name first, without a space (rules.names.person_name): Django's
    get_full_name() wrote "芳 王"."""
    from complaints.models import Complaint
    from complaints.selectors.export import management_table

    boss.first_name, boss.last_name = "芳", "王"
    boss.save()
    Complaint.objects.filter(reference="C1").update(owner=boss)
    page = as_user(boss).get(f"/dashboard/complaints/?{WEEK}&columns=reference&columns=owner").content.decode()
    assert "王芳" in page and "芳 王" not in page
    _headers, rows = management_table(Complaint.objects.filter(reference="C1"))
    (row,) = list(rows)
    assert "王芳" in row and "芳 王" not in row, row
