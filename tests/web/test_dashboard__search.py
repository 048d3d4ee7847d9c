"""The managers' list's free-text search (`/dashboard/complaints/?q=`, issue 17): every word in one of
six values, any case, Chinese words of any length; the same complaints in the same order as the plain
test of each value it replaced, the trigram index on PostgreSQL, and a page whose query count does
not grow with what it finds."""

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from complaints.selectors import worklist
from complaints.selectors.worklist import WORDS_SEARCHED, complaints_words_search
from tests.complaints import kpi_fixture
from tests.web.page_helpers import as_user

pytestmark = pytest.mark.django_db
LIST = "/dashboard/complaints/"

# What each complaint of the fixture's week holds, field by field (the rest keep "words" and blanks).
TEXTS: dict[str, dict[str, str]] = {
    "C1": {"customer_words": "空调安装后一直漏水，师傅说下周再来。"},
    "C2": {"customer_words": "车辆保养后发动机故障灯亮。", "handler_understanding": "Compressor NOISE at night"},
    "C3": {"product_model": "KFR-35GW", "customer_words": "漏水"},
    "C4": {"order_number": "SO-778899", "handler_understanding": "客户要求退款"},
    "C5": {"batch_number": "BN-2026-11", "customer_words": "The delivery arrived damaged"},
    "C6": {"customer_words": "水", "handler_understanding": "发动机异响"},
}


@pytest.fixture
def texts(org: dict[str, Any]) -> dict[str, Any]:
    week = kpi_fixture.build(org)
    for reference, values in TEXTS.items():
        Complaint.objects.filter(reference=reference).update(**values)
    return week


def shown(user: Any, **params: str) -> list[str]:
    """The references the list shows, in its order."""
    response = as_user(user).get(LIST, params)
    assert response.status_code == 200
    return re.findall(r">([CX]\d+)</a>", response.content.decode())


def as_before(text: str, order: tuple[str, ...] = ("-received_at", "-pk")) -> list[str]:
    """The references the list showed before the index (each word icontains in one of the six
    values, tested value by value), in the list's order."""
    found = Complaint.objects.filter(reference__isnull=False)
    for word in text.split()[:10]:
        any_value = Q()
        for name in WORDS_SEARCHED:
            any_value |= Q(**{f"{name}__icontains": word})
        found = found.filter(any_value)
    return list(found.order_by(*order).values_list("reference", flat=True))


SEARCHES = [
    ("漏水", ["C1", "C3"]),  # two characters: no trigram, tested as it is
    ("水", ["C1", "C3", "C6"]),  # one
    ("发动机", ["C2", "C6"]),  # three: the trigram index on PostgreSQL
    ("空调安装 漏水", ["C1"]),  # every word, each in any value
    ("漏水 kfr-35", ["C3"]),  # words found in different values of one complaint
    ("noise", ["C2"]),  # any case
    ("NoIsE compressor", ["C2"]),
    ("so-7788", ["C4"]),  # part of an order number
    ("bn-2026", ["C5"]),  # of a batch number
    ("退款", ["C4"]),  # the handler's understanding
    ("c3", ["C3"]),  # the reference
    ("DAMAGED delivery", ["C5"]),
    ("漏水 noise", []),  # both words, never in one complaint
    ("下周再来。Compressor", []),  # across two complaints' values
    ("nothing-like-this", []),
    ("发机", []),  # two characters both in C2 and C6, never side by side
    ("动机", ["C2", "C6"]),
    ("。c", []),  # the end of one value and the start of the next (C2), never one value
]


@pytest.mark.parametrize(("text", "expected"), SEARCHES)
def test_the_search_finds_the_complaints_holding_every_word_in_any_value(
    texts: Any, boss: Any, text: str, expected: list[str]
) -> None:
    before = as_before(text)
    assert sorted(before) == sorted(expected)  # the table says what the old test found
    assert shown(boss, q=text) == before
    assert (
        list(
            complaints_words_search(Complaint.objects.order_by("-received_at", "-pk"), text).values_list(
                "reference", flat=True
            )
        )
        == before
    )


def test_a_word_does_not_run_from_one_value_into_the_next(texts: Any, boss: Any) -> None:
    """The index holds the six values joined by a line break: the end of one value and the start of
    the next are not a word of the complaint (nor were they before)."""
    Complaint.objects.filter(reference="C3").update(product_model="KFR", order_number="SO1")
    assert as_before("KFRSO1") == [] and shown(boss, q="KFRSO1") == []
    assert shown(boss, q="kfr so1") == ["C3"]


@pytest.mark.parametrize("sort", ["due", "priority", "level", "received"])
def test_a_search_keeps_the_list_order(texts: Any, boss: Any, sort: str) -> None:
    from complaints.selectors.kpi import LIST_SORTS as SORTS

    for text in ("水", "发动机", "words"):
        assert shown(boss, q=text, sort=sort) == as_before(text, (SORTS[sort], "-pk")), text


def test_only_the_first_ten_words_count(texts: Any, boss: Any) -> None:
    ten = " ".join(["漏水"] * 10)
    assert shown(boss, q=f"{ten} nothing-like-this") == as_before("漏水") != []
    assert shown(boss, q=f"nothing-like-this {ten}") == []


def test_sqlite_tests_each_value_and_finds_the_same(texts: Any, monkeypatch: Any) -> None:
    """Off PostgreSQL (SQLite, the demo's database) each value is tested as before; the answer is the
    one PostgreSQL's joined value gives."""
    everything = Complaint.objects.order_by("-received_at", "-pk")
    on_postgresql = {text: list(complaints_words_search(everything, text)) for text, _ in SEARCHES}
    monkeypatch.setattr(worklist, "connection", SimpleNamespace(vendor="sqlite"))
    for text, _ in SEARCHES:
        plain = complaints_words_search(everything, text)
        assert "redress_searched_words" not in str(plain.query)
        assert list(plain) == on_postgresql[text], text


@pytest.mark.parametrize(
    "knobs",
    [
        {"EXACT_IDS_MAX": 1},  # past the most ids read first: the list tests each row
        {"WORDS_SAMPLE": 4, "WORDS_COMMON": 1},  # common among the latest complaints: the same
        {"WORDS_SAMPLE": 4, "WORDS_COMMON": 4},  # not common there: read by the characters' index
    ],
)
def test_short_words_find_the_same_complaints_whichever_way_they_are_read(
    texts: Any, boss: Any, monkeypatch: Any, knobs: dict[str, int]
) -> None:
    """A search with a short word is common when enough of the list's latest complaints match it
    (the list then tests each row in its order), else read as ids where it finds a few
    (EXACT_IDS_MAX): the same complaints every way."""
    for name, value in knobs.items():
        monkeypatch.setattr(worklist, name, value)
    assert len(as_before("漏水")) > 1 and len(as_before("c3")) == 1  # past EXACT_IDS_MAX = 1, and within it
    for text in ("漏水", "水", "漏水 水", "c3", "水 发动机", "退款 c4", "退款 noise"):
        assert shown(boss, q=text) == as_before(text), text
        assert shown(boss, q=text, sort="priority") == as_before(text, ("priority__rank", "-pk")), text


def test_a_search_within_a_number_of_the_dashboard(texts: Any, boss: Any) -> None:
    """The drill-down (`part`) searched: its complaints holding the words."""
    week = "2026-11-23"
    for part in ("fcr", "escalated"):
        listed = shown(boss, part=part, start=week, end="2026-11-29")
        for text in ("水", "发动机", "c2"):
            expected = [reference for reference in listed if reference in as_before(text)]
            assert shown(boss, part=part, start=week, end="2026-11-29", q=text) == expected, (part, text)


def plan(found: Any) -> str:
    """EXPLAIN of what `found` matches, with every plain scan made dearer than any index (the test
    database is tiny): a bitmap scan is left, which only an index whose expression the query's
    conditions match can serve."""
    query, params = found.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {query}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_words_are_read_from_their_indexes_on_postgresql(texts: Any) -> None:
    """A word of three characters or more is a condition on the six values joined (ROW_WORDS), the
    expression of migration 0051's trigram index complaint_words_trgm; a shorter one is one key of the
    index of their characters and pairs of characters (complaint_words_grams, migration 0053)."""
    if connection.vendor != "postgresql":
        pytest.skip("the indexes are PostgreSQL's; SQLite scans")
    everything = Complaint.objects.all()
    long_words = complaints_words_search(everything, "发动机 noise")
    assert str(long_words.query).count("redress_searched_words") == 2, long_words.query
    assert "complaint_words_trgm" in plan(long_words)
    short = everything.alias(grams=worklist.ROW_WORDS_SHORT_GRAMS).filter(grams__contains=worklist._short_gram("漏水"))
    assert "complaint_words_grams" in plan(short)
    assert sorted(short.values_list("reference", flat=True)) == ["C1", "C3"]  # exactly the holders
    # A search with a short word that the latest complaints do not hold in numbers reads the ids of
    # its few hits by its key first.
    with CaptureQueriesContext(connection) as captured:
        found = complaints_words_search(everything, "空调安装 漏水")
    sampled, hits = (query["sql"] for query in captured)
    assert "redress_short_grams" not in sampled and "redress_short_grams" in hits
    assert "redress_short_grams" not in str(found.query)  # the list's statement: the hits by their ids
    assert [c.reference for c in found] == ["C1"]


def _queries(user: Any, **params: str) -> int:
    client = as_user(user)
    client.get(LIST, params)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST, params).status_code == 200
    return len(captured)


def test_a_searched_page_costs_the_same_queries_for_more_complaints_found(texts: Any, boss: Any) -> None:
    few = _queries(boss, q="漏水 空调")
    template = Complaint.objects.get(reference="C1")
    for i in range(10):
        template.pk = template.id = template.process_ptr_id = None
        template.reference = f"X{i}"
        template.save()
    assert len(shown(boss, q="漏水 空调")) == 11
    assert _queries(boss, q="漏水 空调") == few
    # A short word on PostgreSQL: whether the latest complaints hold it, then the ids of its few
    # hits (complaints_words_search), then the page as for a longer word. SQLite tests each row.
    probes = 2 if connection.vendor == "postgresql" else 0
    assert few == _queries(boss, q="发动机") + probes
