"""The privacy rules: masking and who sees contact details in full (pure, no database)."""

from datetime import UTC, datetime

import pytest

from complaints.rules.privacy import (
    Policy,
    Viewer,
    mask_code,
    mask_email,
    mask_known,
    mask_text,
    retention_due,
    sees_contact,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 13800138001 today", "call 138****8001 today"),
        ("+86 138-0013-8001", "+86 138-****-8001"),
        ("020 8888 0003", "020 **** 0003"),
        ("on 2026-01-02 order 12345", "on 2026-01-02 order 12345"),  # dates and short numbers stay
        ("mail chen.wei@example.com", "mail c*******@example.com"),
        ("", ""),
    ],
)
def test_free_text_keeps_its_words_and_masks_numbers_and_addresses(text, expected):
    assert mask_text(text) == expected


def test_known_details_are_masked_inside_text():
    assert mask_known("陈先生 drove 沪A·D12345", {"customer_name": "陈先生", "plate_or_vin": "沪A·D12345"}) == (
        "陈** drove 沪A*****45"
    )


def test_codes_and_emails_keep_only_their_ends():
    assert mask_code("沪A·D12345") == "沪A*****45"
    assert mask_code("AB1") == "***"
    assert mask_email("a@b.cn") == "a@b.cn"


POLICY = Policy(owner_sees=True, level_handlers_see=True, full_role_ids=frozenset({9}))


def viewer(**kw):
    base = {"is_admin": False, "is_owner": False, "held_ranks": frozenset(), "role_ids": frozenset(), "revealed": False}
    return Viewer(**{**base, **kw})


@pytest.mark.parametrize(
    ("who", "rank", "full"),
    [
        (viewer(is_owner=True), 1, True),  # the case owner
        (viewer(held_ranks=frozenset({1})), 1, True),  # a handler of the current level
        (viewer(held_ranks=frozenset({2})), 1, True),  # a handler above it
        (viewer(held_ranks=frozenset({1})), 2, False),  # a handler below the case's level now
        (viewer(role_ids=frozenset({3})), 1, False),  # quality, a department contact
        (viewer(role_ids=frozenset({9})), 1, True),  # a role the admin names
        (viewer(revealed=True), 1, True),  # revealed with a reason
        (viewer(is_admin=True), None, True),
        (viewer(held_ranks=frozenset({3})), None, False),  # no level: only owner, roles, reveal
    ],
)
def test_who_sees_contact_details_in_full(who, rank, full):
    assert sees_contact(viewer=who, policy=POLICY, level_rank=rank) is full


def test_the_admin_may_switch_off_the_owner_and_the_level_handlers():
    strict = Policy(owner_sees=False, level_handlers_see=False, full_role_ids=frozenset())
    assert not sees_contact(viewer=viewer(is_owner=True, held_ranks=frozenset({3})), policy=strict, level_rank=1)


def test_retention_is_due_only_after_the_period_and_never_without_one():
    closed = datetime(2026, 1, 1, tzinfo=UTC)
    assert retention_due(closed_at=closed, days=30, now=datetime(2026, 2, 1, tzinfo=UTC))
    assert not retention_due(closed_at=closed, days=30, now=datetime(2026, 1, 30, tzinfo=UTC))
    assert not retention_due(closed_at=closed, days=None, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert not retention_due(closed_at=None, days=1, now=datetime(2030, 1, 1, tzinfo=UTC))
