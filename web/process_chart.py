"""The process chart (viewflow's SVG), with the custom steps written into their points: the flow's
chart lists the steps an admin defined at each point; a case's chart lists the steps the case ran
there, each marked and coloured by its outcome (done, open, refused, cancelled). viewflow lays the
chart out and draws it; this only adds the lists inside the point boxes (no layout of its own)."""

import unicodedata
from collections.abc import Mapping, Sequence

from django.utils.html import escape
from django.utils.translation import gettext as _
from viewflow.workflow.chart import Grid

from complaints.choices import StepRunStatus
from complaints.selectors.steps import PointStep

# How each outcome reads without colour (the mark) and with it (viewflow's own status colours).
MARKS = {
    StepRunStatus.DONE: ("✓", "#c8e6c9"),
    StepRunStatus.OPEN: ("…", "#90caf9"),
    StepRunStatus.REFUSED: ("✗", "#ef9a9a"),
    StepRunStatus.CANCELED: ("–", "#cfd8dc"),
    "": ("·", "#ffffff"),
}
BOX_WIDTH = 150  # viewflow's task box
BOX_HEIGHT = 100
TITLE_TOP = 14  # the point's title moves up to make room for the list
LINE = 12 * 1.2
CHIP_HEIGHT = 14
CHIP_GAP = 2
CHIP_TEXT_WIDTH = 118  # pixels of text a chip holds at 10 px


def text_width(text: str, size: int = 10) -> float:
    """Roughly how wide `text` is drawn: wide (CJK) characters a full em, others about half."""
    return sum(size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55) for ch in text)


def fit(text: str, width: float = CHIP_TEXT_WIDTH) -> str:
    """The text cut with an ellipsis to fit `width` pixels."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def outcome_label(outcome: str) -> str:
    return str(StepRunStatus(outcome).label) if outcome in StepRunStatus.values else _("defined at this point")


def chips_svg(steps: Sequence[PointStep], top: float) -> str:
    """The steps as a list of small boxes from `top` down to the box's bottom ("+ n more" when full)."""
    room = int((BOX_HEIGHT - 4 - top) // (CHIP_HEIGHT + CHIP_GAP))
    shown = list(steps) if len(steps) <= room else list(steps[: max(room - 1, 0)])
    parts = []
    y = top
    for step in shown:
        mark, fill = MARKS.get(step.outcome, MARKS[""])
        dash = "" if step.outcome else ' stroke-dasharray="2,2"'  # defined, not run: a dashed outline
        parts.append(
            f'<g class="rd-step rd-step--{step.outcome or "defined"}"><title>{escape(step.name)} · '
            f"{escape(outcome_label(step.outcome))}</title>"
            f'<rect x="8" y="{y:.0f}" width="134" height="{CHIP_HEIGHT}" rx="3" ry="3" fill="{fill}" '
            f'stroke="#455a64" stroke-width="0.6"{dash}/>'
            f'<text x="12" y="{y + 10.5:.0f}" font-size="10px" font-family="Arial, sans-serif">'
            f"{escape(fit(mark + ' ' + step.name))}</text></g>"
        )
        y += CHIP_HEIGHT + CHIP_GAP
    hidden = len(steps) - len(shown)
    if hidden > 0:
        more = _("+ %(count)s more") % {"count": hidden}
        parts.append(
            f'<text x="12" y="{y + 10.5:.0f}" font-size="10px" font-family="Arial, sans-serif">{escape(more)}</text>'
        )
    return "".join(parts)


def draw_custom_steps(grid: Grid, points: Mapping[str, Sequence[PointStep]]) -> None:
    """Writes each point's steps into its box (the node `steps_<point>` of the complaint flow): the
    title moves to the top, the list goes below it."""
    cells = {cell.node.name: cell for cell in grid.cells}
    for point, steps in points.items():
        cell = cells.get(f"steps_{point}")
        if cell is None or not steps:
            continue
        lines = cell.shape.text
        cell.shape.text = [
            (text, css, size, x, TITLE_TOP + n * size * 1.2) for n, (text, css, size, x, _y) in enumerate(lines)
        ]
        top = TITLE_TOP + max(len(lines) - 1, 0) * LINE + 10
        cell.shape.svg = cell.shape.svg + chips_svg(steps, top)
