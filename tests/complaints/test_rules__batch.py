"""The batch rules as tables: batch keys and windows, the threshold, outreach moves and counts,
reading a deliveries CSV, masking, and case similarity."""

from datetime import date

import pytest

from complaints.rules.batch import (
    DELIVERY_COLUMNS,
    batch_key,
    customer_key,
    delivery_window,
    normalise_code,
    outreach_counts,
    outreach_move_allowed,
    outreach_next,
    read_delivery_rows,
    threshold_reached,
)
from complaints.rules.cases import CaseFacts, case_score, rank_cases, text_terms
from complaints.rules.privacy import mask_name, mask_phone

HEADER = list(DELIVERY_COLUMNS)


def phone(value: str) -> str:
    if not value.isdigit() or len(value) != 11:
        raise ValueError("Enter a valid phone number.")
    return "+86" + value


def lines(*rows: list[str]) -> list[tuple[int, list[str]]]:
    return list(enumerate([HEADER, *rows], start=1))


GOOD = ["BMS-07B", "EV-S7", "2026-07-01", "沪A·D12345", "王芳", "13800138001", "2026-07-20"]


@pytest.mark.parametrize(
    ("number", "model", "delivered", "expected"),
    [
        (" bms-07b ", "EV-S7", None, "batch:BMS-07B"),
        ("", "ev-s7", date(2026, 7, 20), "model:EV-S7:2026-07-04"),
        ("", "EV-S7", None, None),
        ("", "", date(2026, 7, 20), None),
    ],
    ids=["batch-number-wins", "model-and-window", "model-without-date", "nothing"],
)
def test_batch_key(number, model, delivered, expected):
    key = batch_key(batch_number=number, product_model=model, delivered=delivered, window_days=30)
    assert (key.key if key else None) == expected


def test_dates_in_one_window_share_it_and_the_day_before_does_not():
    assert delivery_window(delivered=date(2026, 7, 4), window_days=30) == (date(2026, 7, 4), date(2026, 8, 2))
    assert delivery_window(delivered=date(2026, 8, 2), window_days=30)[0] == date(2026, 7, 4)
    assert delivery_window(delivered=date(2026, 7, 3), window_days=30)[1] == date(2026, 7, 3)


@pytest.mark.parametrize(("count", "threshold", "reached"), [(2, 3, False), (3, 3, True), (4, 3, True)])
def test_threshold(count, threshold, reached):
    assert threshold_reached(complaints=count, threshold=threshold) is reached


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("to_contact", "contacted", True),
        ("contacted", "inspected", True),
        ("inspected", "fixed", True),
        ("inspected", "no_issue", True),
        ("to_contact", "inspected", False),
        ("to_contact", "fixed", False),
        ("contacted", "to_contact", False),
        ("fixed", "no_issue", False),
        ("no_issue", "fixed", False),
        ("contacted", "contacted", False),
    ],
)
def test_outreach_moves(old, new, allowed):
    assert outreach_move_allowed(old=old, new=new) is allowed


def test_final_states_have_no_next_state():
    assert outreach_next("fixed") == () and outreach_next("no_issue") == () and outreach_next("bogus") == ()


def test_counts_of_the_highway_case():
    counts = outreach_counts({"to_contact": 6, "contacted": 170, "inspected": 10, "fixed": 12, "no_issue": 2})
    assert (counts.total, counts.reached, counts.inspected, counts.fixed, counts.no_issue) == (200, 194, 24, 12, 2)


def test_customer_key_prefers_the_vehicle():
    assert customer_key(plate_or_vin="沪a·d 12345", phone="+8613800138001") == "vin:沪A·D12345"
    assert customer_key(plate_or_vin="", phone="+8613800138001") == "tel:+8613800138001"
    assert normalise_code("ＢＭＳ－07b") == "BMS-07B"


def test_good_rows_are_read_normalised():
    parsed = read_delivery_rows(lines(GOOD, ["bms-07b", "", "", "沪A·D99999", "李娜", "13900139002", ""]), phone=phone)
    assert parsed.errors == []
    assert [(r.line, r.batch_number, r.phone) for r in parsed.rows] == [
        (2, "BMS-07B", "+8613800138001"),
        (3, "BMS-07B", "+8613900139002"),
    ]
    assert parsed.rows[0].production_date == date(2026, 7, 1) and parsed.rows[1].delivery_date is None


def test_every_bad_row_is_reported_with_its_line_and_every_reason():
    parsed = read_delivery_rows(
        lines(
            GOOD,
            ["", "EV-S7", "2026-13-01", "沪A1", "张", "12", "2026-07-20"],
            GOOD,
            ["BMS-07B", "EV-S7", "", "沪A2", "", "13800138003"],
            [],
        ),
        phone=phone,
    )
    assert [line for line, _reason in parsed.errors] == [3, 4, 5]
    reasons = dict(parsed.errors)
    assert "batch_number: missing" in reasons[3] and "production_date" in reasons[3] and "phone" in reasons[3]
    assert "line 2" in reasons[4]
    assert "7 values" not in reasons[5] and "6 values" in reasons[5]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["batch", *HEADER[1:]], "missing columns: batch_number"),
        ([*HEADER, "colour"], "unknown columns: colour"),
        ([*HEADER, "phone"], "repeated columns: phone"),
    ],
)
def test_a_wrong_header_is_one_error_on_line_1(header, expected):
    parsed = read_delivery_rows([(1, header), (2, GOOD)], phone=phone)
    assert parsed.rows == [] and len(parsed.errors) == 1
    assert parsed.errors[0][0] == 1 and expected in parsed.errors[0][1]


def test_header_with_byte_order_mark_and_capitals_is_accepted_and_empty_files_are_refused():
    header = ["\ufeffBatch_Number", *[c.upper() for c in HEADER[1:]]]
    assert read_delivery_rows([(1, header), (2, GOOD)], phone=phone).errors == []
    assert read_delivery_rows([], phone=phone).errors[0][0] == 1
    assert "no deliveries" in read_delivery_rows([(1, HEADER)], phone=phone).errors[0][1]


@pytest.mark.parametrize(
    ("value", "masked"),
    [("+8613800138001", "+86138****8001"), ("02088880003", "020****0003"), ("12345", "*****"), ("", "")],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


def test_mask_name():
    assert mask_name("陈先生") == "陈**" and mask_name("Zhou Wei") == "Z*** ***" and mask_name("") == ""


def test_text_terms_pair_chinese_characters_and_keep_latin_words():
    assert text_terms("高速断电 Power loss") == frozenset({"高速", "速断", "断电", "power", "loss"})


def test_case_score_and_ranking():
    new = CaseFacts(category_ids=frozenset({5, 1}), product_model="ev-s7", terms=text_terms("高速上突然断电"))
    same = CaseFacts(category_ids=frozenset({5, 1}), product_model="EV-S7", terms=text_terms("行驶中断电"))
    other = CaseFacts(category_ids=frozenset({9}), product_model="BCD-520W", terms=text_terms("冰箱门划痕"))
    assert case_score(new=new, case=same) == 3 + 2 + 1  # 断电
    assert case_score(new=new, case=other) == 0
    assert rank_cases(new=new, cases=[(1, other), (2, same)], shown=5) == [2]
