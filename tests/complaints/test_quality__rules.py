"""Corrective actions, the analysis and the fishbone layout: pure functions, no database."""

from decimal import Decimal

import pytest

from complaints.choices import ActionStatus as S
from complaints.rules import capa
from web.fishbone import BoneInput, CauseInput, layout, units, wrap

ALL = list(S)


@pytest.mark.parametrize(
    ("old", "new", "verifying", "allowed"),
    [
        (S.PLANNED, S.IN_PROGRESS, False, True),
        (S.PLANNED, S.DONE, False, True),
        (S.IN_PROGRESS, S.DONE, False, True),
        (S.IN_PROGRESS, S.PLANNED, False, True),
        (S.DONE, S.IN_PROGRESS, False, True),
        (S.NOT_EFFECTIVE, S.IN_PROGRESS, False, True),
        (S.NOT_EFFECTIVE, S.DONE, False, True),
        (S.DONE, S.EFFECTIVE, True, True),
        (S.DONE, S.NOT_EFFECTIVE, True, True),
        # verdicts only by verification, verification gives only verdicts
        (S.DONE, S.EFFECTIVE, False, False),
        (S.DONE, S.NOT_EFFECTIVE, False, False),
        (S.DONE, S.IN_PROGRESS, True, False),
        # only done work is judged
        (S.PLANNED, S.EFFECTIVE, True, False),
        (S.IN_PROGRESS, S.NOT_EFFECTIVE, True, False),
        (S.NOT_EFFECTIVE, S.EFFECTIVE, True, False),
        # effective is final
        (S.EFFECTIVE, S.IN_PROGRESS, False, False),
        (S.EFFECTIVE, S.NOT_EFFECTIVE, True, False),
        (S.PLANNED, S.PLANNED, False, False),
    ],
)
def test_action_status_moves(old, new, verifying, allowed):
    assert capa.move_allowed(old, new, verifying=verifying) is allowed


def test_every_status_has_its_moves_listed():
    assert set(capa.TRANSITIONS) == set(ALL)


@pytest.mark.parametrize(
    ("shares", "problem"),
    [
        ([], None),
        ([Decimal(100)], None),
        ([Decimal(60), Decimal(40)], None),
        ([Decimal("33.33"), Decimal("33.33"), Decimal("33.34")], None),
        ([Decimal(70), Decimal(40)], "total"),
        ([Decimal(0)], "share"),
        ([Decimal(-5), Decimal(50)], "share"),
        ([Decimal("100.01")], "share"),
    ],
)
def test_responsibility_shares(shares, problem):
    assert capa.shares_problem(shares) == problem


@pytest.mark.parametrize(
    ("answers", "confirmed", "gaps"),
    [
        (["x"] * 7, 1, []),
        (["x"] * 7, 2, []),
        (["x"] * 7, 0, ["confirmed_cause"]),
        (["x"] * 6 + [" "], 1, ["5w2h"]),
        ([], 0, ["5w2h", "confirmed_cause"]),
    ],
)
def test_analysis_completion(answers, confirmed, gaps):
    assert capa.analysis_gaps(answers=answers, confirmed_causes=confirmed) == gaps


@pytest.mark.parametrize(
    ("statuses", "permanent", "effectiveness", "effective"),
    [
        ([], ["none"], ["none"], False),
        ([S.PLANNED], ["not_done"], ["unverified"], False),
        ([S.DONE, S.EFFECTIVE], [], ["unverified"], False),
        ([S.EFFECTIVE, S.NOT_EFFECTIVE], ["not_done"], [], False),
        ([S.EFFECTIVE, S.EFFECTIVE], [], [], True),
    ],
)
def test_step_completion_and_the_gate(statuses, permanent, effectiveness, effective):
    assert capa.permanent_gaps(statuses) == permanent
    assert capa.effectiveness_gaps(statuses) == effectiveness
    assert capa.all_effective(statuses) is effective


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("battery management unit", 10, ["battery", "management", "unit"]),
        ("高速上突然断电", 6, ["高速上", "突然断", "电"]),
        ("BMS 固件 v2.1 缺陷", 8, ["BMS 固件", "v2.1 缺", "陷"]),
        ("aaaaaaaaaaaaaaa", 10, ["aaaaaaaaaa", "aaaaa"]),
        ("  spaced   out  ", 20, ["spaced out"]),
        ("", 10, [""]),
        ("one two three four five six seven", 5, ["one", "two", "three", "four…"]),
    ],
)
def test_wrap(text, width, lines):
    assert wrap(text, width) == lines
    assert all(units(line) <= width for line in lines)


def test_fishbone_places_bones_alternately_and_every_cause_on_its_bone():
    bones = [
        BoneInput("man", "Man", [CauseInput(1, "untrained crew", True), CauseInput(2, "night shift", False)]),
        BoneInput("machine", "Machine", []),
        BoneInput("material", "Material", [CauseInput(3, "thin carton " * 8, False)]),
        BoneInput("method", "Method", []),
        BoneInput("environment", "Environment", []),
        BoneInput("measurement", "Measurement", [CauseInput(4, "no gauge", True)]),
    ]
    drawing = layout(head="Scratched door", bones=bones)
    assert [b.top for b in drawing.bones] == [True, False, True, False, True, False]
    assert [b.code for b in drawing.bones] == ["man", "machine", "material", "method", "environment", "measurement"]
    xs = sorted({b.x1 for b in drawing.bones})
    assert len(xs) == 3 and all(b.y1 == drawing.spine_y for b in drawing.bones)
    placed = {c.key: c for b in drawing.bones for c in b.causes}
    assert set(placed) == {1, 2, 3, 4} and placed[1].root and not placed[2].root
    for bone in drawing.bones:
        for cause in bone.causes:
            # on its bone's side of the spine, within the drawing, causes not overlapping
            assert (cause.twig_y < drawing.spine_y) is bone.top
            assert 0 <= cause.twig_y <= drawing.height and cause.twig_x1 >= 0 and cause.twig_x2 <= drawing.width
        ys = [c.twig_y for c in bone.causes]
        assert ys == sorted(ys, reverse=bone.top) and len(set(ys)) == len(ys)
    assert drawing.head_x == drawing.spine_x2 and drawing.head_lines[0].text == "Scratched door"


def test_fishbone_grows_with_long_causes_and_keeps_its_size_for_short_ones():
    short = layout(head="x", bones=[BoneInput("man", "Man", [CauseInput(1, "a", False)])])
    empty = layout(head="x", bones=[BoneInput("man", "Man", [])])
    tall = layout(
        head="x", bones=[BoneInput("man", "Man", [CauseInput(i, "long cause " * 6, False) for i in range(6)])]
    )
    assert short.height == empty.height
    assert tall.height > short.height and tall.width == short.width
