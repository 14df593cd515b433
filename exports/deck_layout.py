"""Where every block of a deck slide goes, measured before it is placed (pure; no PowerPoint here).

A slide is a column of blocks — headline, sub-headline, numbers, tables, bullets, chart, footer.
Each text block's height is measured with the deck's font (exports/text_metrics.py) at the width of
its frame, and the next block starts below it, so no frame can run into another whatever the
wrap: a long province name, a five-digit count, another language. The chart takes what is left.
When the blocks do not fit, their type is made smaller, step by step, and measured again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pptx.util import Emu, Inches

from exports.slides import Slide, Table
from exports.text_metrics import WIDTH_SLACK, line_count, line_height, text_height, text_width
from present import format as fmt
from present.labels import SIMULATED_LABEL

SLIDE_W, SLIDE_H = Emu(12_192_000), Emu(6_858_000)  # 13.333 × 7.5 in, PowerPoint's 16:9
MARGIN = Inches(0.45)
TOP = Inches(0.3)
BOTTOM = Inches(0.12)  # below the footer
GAP = Inches(0.12)  # between two blocks
# Text frame insets, set on every frame the deck writes (deck._text, deck._cell).
INSET_X, INSET_Y = Inches(0.05), Inches(0.05)
CELL_X, CELL_Y = Inches(0.1), Inches(0.05)

TITLE_PT, TITLE_MIN_PT, TITLE_LINES = 30, 22, 2
MESSAGE_PT, MESSAGE_MIN_PT, MESSAGE_LINES = 20, 15, 3
FOOTER_PT = 12
VALUE_PT, VALUE_SIDE_PT, LABEL_PT = 34, 30, 15
TABLE_PT, TABLE_TITLE_PT, BULLET_PT = 16, 18, 18
# Body type shrinks by these factors, in turn, until the body fits.
SCALES = (1.0, 0.92, 0.85, 0.78, 0.7, 0.62, 0.55)
MIN_CHART = Inches(2.6)  # a chart below text keeps at least this height
NUMBER_GAP_X, NUMBER_GAP_Y = Inches(0.15), Inches(0.15)
NUMBER_SPREAD = Inches(0.6)  # at most this much extra room between rows of numbers, when there is room
TABLE_GAP = Inches(0.4)
SIDE_GAP = Inches(0.4)  # between the map and the numbers beside it


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def right(self) -> int:
        return self.left + self.width


@dataclass(frozen=True)
class TablePlan:
    box: Box  # the table itself (rows measured)
    title: Box | None
    title_pt: float
    font_pt: float
    col_widths: tuple[int, ...]
    row_heights: tuple[int, ...]


@dataclass(frozen=True)
class SlidePlan:
    title: Box
    title_pt: float
    message: Box
    message_pt: float
    numbers: tuple[Box, ...] = ()
    value_pt: float = VALUE_PT
    label_pt: float = LABEL_PT
    tables: tuple[TablePlan, ...] = ()
    bullets: Box | None = None
    bullet_pt: float = BULLET_PT
    chart: Box | None = None
    footer_left: Box | None = None
    footer_right: Box | None = None
    footer_pt: float = FOOTER_PT

    def frames(self) -> list[tuple[str, Box]]:
        """Every frame on the slide, named: none may overlap another or leave the slide."""
        out = [("title", self.title), ("message", self.message)]
        out += [(f"number {i}", b) for i, b in enumerate(self.numbers)]
        for i, t in enumerate(self.tables):
            out += ([(f"table {i} title", t.title)] if t.title else []) + [(f"table {i}", t.box)]
        out += [
            (name, b)
            for name, b in (("bullets", self.bullets), ("chart", self.chart), ("footer", self.footer_left), ("footer right", self.footer_right))
            if b is not None
        ]
        return out


def _pt(emu: int) -> float:
    return emu / 12_700


def _emu(points: float) -> int:
    return int(round(points * 12_700)) + 1  # rounded up: a frame is never a hair short


def frame_height(paragraphs: list[tuple[str, float, bool]], width: int) -> int:
    """Height in EMU of a text frame `width` wide (deck insets) holding the paragraphs."""
    return _emu(text_height(paragraphs, _pt(width - 2 * INSET_X))) + 2 * INSET_Y


def fitted_size(text: str, width: int, *, bold: bool, size: float, smallest: float, max_lines: int) -> float:
    """The largest size from `size` down to `smallest` (1 pt steps) at which `text` takes at most `max_lines` lines."""
    while size > smallest and line_count(text, _pt(width - 2 * INSET_X), size, bold=bold) > max_lines:
        size -= 1
    return size


def footer_texts(slide: Slide, position: int, total: int) -> tuple[str, str]:
    right = ([SIMULATED_LABEL] if slide.simulated else []) + [f"{position}/{total}"]
    return f"Số liệu đến ngày {fmt.day(slide.as_of)} · {slide.context}", " · ".join(right)


def _footer(left_text: str, right_text: str) -> tuple[Box, Box]:
    width = SLIDE_W - 2 * MARGIN
    right_w = min(_emu(text_width(right_text, FOOTER_PT, bold=True) / WIDTH_SLACK) + 2 * INSET_X + Inches(0.1), width // 2)
    left_w = width - right_w - Inches(0.2)
    height = max(frame_height([(left_text, FOOTER_PT, False)], left_w), frame_height([(right_text, FOOTER_PT, True)], right_w))
    top = SLIDE_H - BOTTOM - height
    return Box(MARGIN, top, left_w, height), Box(SLIDE_W - MARGIN - right_w, top, right_w, height)


def _number_cells(slide: Slide, left: int, top: int, width: int, *, columns: int, value_pt: float, label_pt: float, room: int) -> tuple[Box, ...]:
    """Cells of the big numbers, `columns` to a row, each row as tall as its tallest cell; rows spread
    out over `room` (the height they may take) when it is larger than they need."""
    cell_w = (width - NUMBER_GAP_X * (columns - 1)) // columns
    rows = [slide.numbers[i : i + columns] for i in range(0, len(slide.numbers), columns)]
    heights = [max(frame_height([(n.value, value_pt, True), (n.label, label_pt, False)], cell_w) for n in row) for row in rows]
    needed = sum(heights) + NUMBER_GAP_Y * (len(rows) - 1)
    extra = min(max(room - needed, 0) // len(rows), NUMBER_SPREAD) if rows else 0
    cells, y = [], top
    for r, (row, height) in enumerate(zip(rows, heights, strict=True)):
        for c in range(len(row)):
            cells.append(Box(left + c * (cell_w + NUMBER_GAP_X), y, cell_w, height))
        y += height + NUMBER_GAP_Y + (extra if r < len(rows) - 1 else 0)
    return tuple(cells)


def _column_widths(table: Table, width: int, font_pt: float) -> tuple[int, ...]:
    """Each column as wide as its widest cell on one line when they all fit; otherwise numbers keep
    their width and the text columns share what is left (and wrap)."""
    pad = 2 * CELL_X
    natural = [
        max(_emu(text_width(c, font_pt, bold=True) / WIDTH_SLACK) for c in [name, *[r[j] for r in table.rows]]) + pad
        for j, name in enumerate(table.columns)
    ]
    if sum(natural) <= width:
        spare = width - sum(natural)
        widths = [n + spare * n // sum(natural) for n in natural]
    else:
        fixed = sum(n for n, numeric in zip(natural, table.numeric, strict=True) if numeric)
        text_cols = [n for n, numeric in zip(natural, table.numeric, strict=True) if not numeric]
        if fixed >= width * 0.7 or not text_cols:
            widths = [width * n // sum(natural) for n in natural]
        else:
            share = width - fixed
            widths = [n if numeric else share * n // sum(text_cols) for n, numeric in zip(natural, table.numeric, strict=True)]
    widths[-1] += width - sum(widths)
    return tuple(widths)


def _table(table: Table, left: int, top: int, width: int, scale: float) -> TablePlan:
    font_pt, title_pt = round(TABLE_PT * scale, 1), round(TABLE_TITLE_PT * scale, 1)
    title = None
    if table.title:
        title = Box(left, top, width, frame_height([(table.title, title_pt, True)], width))
        top = title.bottom + Inches(0.05)
    widths = _column_widths(table, width, font_pt)
    heights = []
    for row in [table.columns, *table.rows]:
        lines = max(line_count(text, _pt(w - 2 * CELL_X), font_pt, bold=True) for text, w in zip(row, widths, strict=True))
        heights.append(_emu(lines * line_height(font_pt)) + 2 * CELL_Y)
    return TablePlan(Box(left, top, width, sum(heights)), title, title_pt, font_pt, widths, tuple(heights))


def _bullets_box(slide: Slide, left: int, top: int, width: int, bullet_pt: float) -> Box:
    return Box(left, top, width, frame_height([(f"• {b}", bullet_pt, False) for b in slide.bullets], width))


def plan_slide(slide: Slide, footer: tuple[str, str], *, has_chart: bool) -> SlidePlan:
    """Boxes and type sizes for one slide; `has_chart`: a picture will be drawn (slide.figure rendered)."""
    width = SLIDE_W - 2 * MARGIN
    title_pt = fitted_size(slide.title, width, bold=True, size=TITLE_PT, smallest=TITLE_MIN_PT, max_lines=TITLE_LINES)
    title = Box(MARGIN, TOP, width, frame_height([(slide.title, title_pt, True)], width))
    message_pt = fitted_size(slide.message, width, bold=True, size=MESSAGE_PT, smallest=MESSAGE_MIN_PT, max_lines=MESSAGE_LINES)
    message = Box(MARGIN, title.bottom + Inches(0.04), width, frame_height([(slide.message, message_pt, True)], width))
    footer_left, footer_right = _footer(*footer)
    head = dict(title=title, title_pt=title_pt, message=message, message_pt=message_pt, footer_left=footer_left, footer_right=footer_right)
    body_top, body_bottom = message.bottom + GAP, footer_left.top - GAP
    plan = None
    for scale in SCALES:
        plan = (_side_body if has_chart and slide.figure_side else _stacked_body)(slide, body_top, body_bottom, scale, has_chart, head)
        if plan is not None:
            return plan
    # Nothing fits even at the smallest type: the smallest plan, with the chart (if any) squeezed.
    plan = _stacked_body(slide, body_top, body_bottom, SCALES[-1], has_chart, head, force=True)
    assert plan is not None  # forced: always a plan
    return plan


def _stacked_body(slide: Slide, top: int, bottom: int, scale: float, has_chart: bool, head: dict, *, force: bool = False) -> SlidePlan | None:
    """Numbers, tables, bullets one below the other; the chart, if any, under them in what is left."""
    width = SLIDE_W - 2 * MARGIN
    value_pt, label_pt, bullet_pt = round(VALUE_PT * scale, 1), round(LABEL_PT * scale, 1), round(BULLET_PT * scale, 1)
    y = top
    numbers: tuple[Box, ...] = ()
    tables: tuple[TablePlan, ...] = ()
    bullets: Box | None = None
    reserve = MIN_CHART if has_chart else 0
    if slide.numbers:
        after = (_bullets_box(slide, MARGIN, 0, width, bullet_pt).height + GAP) if slide.bullets else 0
        numbers = _number_cells(
            slide, MARGIN, y, width, columns=3, value_pt=value_pt, label_pt=label_pt, room=0 if has_chart or slide.tables else bottom - y - after
        )
        y = max(b.bottom for b in numbers) + GAP
    if slide.tables:
        each = (width - TABLE_GAP * (len(slide.tables) - 1)) // len(slide.tables)
        tables = tuple(_table(t, MARGIN + k * (each + TABLE_GAP), y, each, scale) for k, t in enumerate(slide.tables))
        y = max(t.box.bottom for t in tables) + GAP
    if slide.bullets:
        bullets = _bullets_box(slide, MARGIN, y, width, bullet_pt)
        y = bullets.bottom + GAP
    if y - GAP + reserve > bottom and not force:
        return None
    chart = Box(MARGIN, y, width, max(bottom - y, Inches(1))) if has_chart else None
    return SlidePlan(**head, numbers=numbers, value_pt=value_pt, label_pt=label_pt, tables=tables, bullets=bullets, bullet_pt=bullet_pt, chart=chart)


def _side_body(slide: Slide, top: int, bottom: int, scale: float, has_chart: bool, head: dict) -> SlidePlan | None:
    """The map: a square on the left as tall as the body, the numbers (and bullets) in a column beside it."""
    width = SLIDE_W - 2 * MARGIN
    side = min(bottom - top, int(width * 0.55))
    chart = Box(MARGIN, top, side, side)
    left = chart.right + SIDE_GAP
    column_w = SLIDE_W - MARGIN - left
    value_pt, label_pt, bullet_pt = round(VALUE_SIDE_PT * scale, 1), round(LABEL_PT * scale, 1), round(BULLET_PT * scale, 1)
    after = (_bullets_box(slide, left, 0, column_w, bullet_pt).height + GAP) if slide.bullets else 0
    numbers = _number_cells(slide, left, top, column_w, columns=1, value_pt=value_pt, label_pt=label_pt, room=bottom - top - after)
    y = (max(b.bottom for b in numbers) + GAP) if numbers else top
    bullets = None
    if slide.bullets:
        bullets = _bullets_box(slide, left, y, column_w, bullet_pt)
        y = bullets.bottom + GAP
    if y - GAP > bottom:
        return None
    return SlidePlan(**head, numbers=numbers, value_pt=value_pt, label_pt=label_pt, bullets=bullets, bullet_pt=bullet_pt, chart=chart)


def plan_deck(slides: list[Slide], *, charts: list[bool] | None = None) -> list[SlidePlan]:
    """The plan of each content slide (the title slide is page 1, so slide i is page i + 2)."""
    total = len(slides) + 1
    charts = charts if charts is not None else [s.figure is not None for s in slides]
    return [plan_slide(s, footer_texts(s, i, total), has_chart=c) for i, (s, c) in enumerate(zip(slides, charts, strict=True), start=2)]


@dataclass(frozen=True)
class CoverPlan:
    title: Box
    title_pt: float
    lines: Box
    scale: float


def plan_cover(title: str, lines: list[tuple[str, float, bool]]) -> CoverPlan:
    """The title slide: the title from 2 in down, its lines below; smaller type if they would pass the bottom."""
    width = SLIDE_W - 2 * MARGIN
    for scale in SCALES:
        title_pt = round(40 * scale, 1)
        title_box = Box(MARGIN, Inches(2.0), width, frame_height([(title, title_pt, True)], width))
        scaled = [(t, round(s * scale, 1), b) for t, s, b in lines]
        body = Box(MARGIN, title_box.bottom + Inches(0.1), width, frame_height(scaled, width))
        if body.bottom <= SLIDE_H - Inches(0.3):
            break
    return CoverPlan(title_box, title_pt, body, scale)
