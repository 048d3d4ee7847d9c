"""Where everything goes on the fishbone (Ishikawa) drawing: a pure layout over plain values.

The head (the problem) is on the right of a horizontal spine; bones (the cause categories) leave
the spine alternately up and down; each cause sits on a short horizontal twig on its bone, its
label wrapped above the twig. The template draws the result as SVG; nothing here knows about
HTML, the ORM or fonts beyond a width estimate (drawing_of at the end feeds it a complaint's
analysis from the selector).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from complaints.selectors.quality import fishbone_bones, problem_head

# Drawing geometry (pixels of the SVG's own coordinate system), not policy.
MARGIN = 20
COLUMN = 230  # horizontal room per pair of bones
SLANT = 70  # how far a bone leans left from where it meets the spine
LINE = 16  # text line height
GAP = 8  # space between two causes on a bone
LABEL = 26  # room for a bone's label at its far end
MIN_BONE = 80
TWIG = 160
CAUSE_UNITS = 28  # wrap width of a cause label, in half-width character units
HEAD_UNITS = 22
HEAD_WIDTH = 170
MAX_LINES = 4

CJK = re.compile(r"[\u2e80-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
TOKEN = re.compile(
    r"[\u2e80-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+|\s+"
)


def units(text: str) -> int:
    """Rule: a CJK or full-width character is two units wide, anything else one.

    Example: units("断电 ok") == 7
    Why: Chinese glyphs are about twice as wide as Latin ones in the same font size.
    """
    return sum(2 if CJK.match(ch) else 1 for ch in text)


def wrap(text: str, width: int, max_lines: int = MAX_LINES) -> list[str]:
    """Rule: break text into lines of at most `width` units, between words for Latin text and
    between any two characters for Chinese; a word longer than a line is cut; beyond `max_lines`
    the last line ends with "…".

    Example: wrap("battery management unit", 10) == ["battery", "management", "unit"];
    wrap("高速上突然断电", 6) == ["高速上", "突然断", "电"]
    Why: long labels must stay on their bone instead of running over the drawing.
    """
    lines: list[str] = []
    line = ""
    for token in TOKEN.findall(" ".join(text.split())):
        if token.isspace():
            if line:
                line += " "
            continue
        while units(token) > width:  # a word longer than a line: cut it
            room = width - units(line)
            cut = ""
            for ch in token:
                if units(cut + ch) > room:
                    break
                cut += ch
            if not cut:  # no room left on this line
                lines.append(line.rstrip())
                line = ""
                continue
            lines.append((line + cut).rstrip())
            line, token = "", token[len(cut) :]
        if units(line + token) > width and line.strip():
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and units(last + "…") > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines or [""]


@dataclass(frozen=True)
class CauseInput:
    key: int
    text: str
    root: bool


@dataclass(frozen=True)
class BoneInput:
    code: str
    label: str
    causes: Sequence[CauseInput]


@dataclass(frozen=True)
class TextLine:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class PlacedCause:
    key: int
    text: str
    root: bool
    twig_x1: float
    twig_x2: float
    twig_y: float
    lines: tuple[TextLine, ...]


@dataclass(frozen=True)
class PlacedBone:
    code: str
    label: str
    top: bool
    x1: float  # where the bone meets the spine
    y1: float
    x2: float  # its far end
    y2: float
    label_x: float
    label_y: float
    causes: tuple[PlacedCause, ...]


@dataclass(frozen=True)
class Fishbone:
    width: float
    height: float
    spine_x1: float
    spine_x2: float
    spine_y: float
    head_x: float
    head_y: float
    head_width: float
    head_height: float
    head_lines: tuple[TextLine, ...]
    bones: tuple[PlacedBone, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


def _length(causes: Sequence[CauseInput]) -> float:
    """Bone length that holds its causes' wrapped labels."""
    needed = sum(len(wrap(c.text, CAUSE_UNITS)) * LINE + GAP for c in causes) + GAP + LINE + LABEL
    return max(MIN_BONE, needed)


def layout(*, head: str, bones: Sequence[BoneInput]) -> Fishbone:
    """Rule: bones alternate top and bottom, left to right in the given order, two per column;
    each side is as tall as its longest bone; causes stack along their bone from the spine
    outwards; the head box sits at the spine's right end.

    Example: layout(head="Power loss", bones=[BoneInput("man", "Man", [])]) has one bone above
    the spine, in the first column.
    Why: one drawing for the page and the 8D report, the same whatever the number of causes.
    """
    columns = max(1, (len(bones) + 1) // 2)
    top_h = max([_length(b.causes) for b in bones[0::2]] or [MIN_BONE])
    bottom_h = max([_length(b.causes) for b in bones[1::2]] or [MIN_BONE])
    head_text = wrap(head, HEAD_UNITS, max_lines=5)
    head_h = max(48.0, len(head_text) * LINE + 2 * GAP)
    top_h = max(top_h, head_h / 2)
    bottom_h = max(bottom_h, head_h / 2)
    spine_y = MARGIN + LABEL + top_h
    spine_x1 = MARGIN
    spine_x2 = MARGIN + columns * COLUMN + GAP
    width = spine_x2 + HEAD_WIDTH + MARGIN
    height = spine_y + bottom_h + LABEL + MARGIN
    placed = []
    for index, bone in enumerate(bones):
        top = index % 2 == 0
        side = top_h if top else bottom_h
        sign = -1 if top else 1
        x1 = MARGIN + (index // 2 + 1) * COLUMN
        x2, y2 = x1 - SLANT, spine_y + sign * side
        causes = []
        offset = float(GAP)
        for cause in bone.causes:
            lines = wrap(cause.text, CAUSE_UNITS)
            offset += len(lines) * LINE
            twig_y = spine_y + sign * offset
            twig_x2 = x1 - SLANT * offset / side
            text_lines = []
            for i, text in enumerate(lines):
                y = twig_y - 4 - (len(lines) - 1 - i) * LINE
                # each line ends left of where the slanting bone passes its top edge
                reach = abs(spine_y - (y - LINE + 4)) if top else offset
                text_lines.append(TextLine(x=min(twig_x2, x1 - SLANT * reach / side) - 4, y=y, text=text))
            causes.append(
                PlacedCause(
                    key=cause.key,
                    text=cause.text,
                    root=cause.root,
                    twig_x1=twig_x2 - TWIG,
                    twig_x2=twig_x2,
                    twig_y=twig_y,
                    lines=tuple(text_lines),
                )
            )
            offset += GAP
        placed.append(
            PlacedBone(
                code=bone.code,
                label=bone.label,
                top=top,
                x1=x1,
                y1=spine_y,
                x2=x2,
                y2=y2,
                label_x=x2,
                label_y=y2 - 8 if top else y2 + 18,
                causes=tuple(causes),
            )
        )
    head_x = spine_x2
    head_y = spine_y - head_h / 2
    first = head_y + (head_h - len(head_text) * LINE) / 2 + LINE - 4
    head_lines = tuple(TextLine(x=head_x + HEAD_WIDTH / 2, y=first + i * LINE, text=t) for i, t in enumerate(head_text))
    return Fishbone(
        width=width,
        height=height,
        spine_x1=spine_x1,
        spine_x2=spine_x2,
        spine_y=spine_y,
        head_x=head_x,
        head_y=head_y,
        head_width=HEAD_WIDTH,
        head_height=head_h,
        head_lines=head_lines,
        bones=tuple(placed),
    )


def drawing_of(complaint: Any, analysis: Any) -> Fishbone:
    """The drawing of the complaint's analysis for the page and the 8D report: the bones the
    selector reads, causes on them, confirmed ones marked as root causes."""
    bones = [
        BoneInput(
            code=category.code,
            label=category.label,
            causes=[CauseInput(key=c.pk, text=c.text, root=c.is_root) for c in causes],
        )
        for category, causes in fishbone_bones(analysis)
    ]
    return layout(head=problem_head(complaint, analysis), bones=bones)
