"""The handout deck: the meeting's slides (exports/slides.py) as a 16:9 PowerPoint file.

Titles, messages, numbers and tables are real text (Vietnamese, searchable, editable); charts are
PNG pictures rendered offline by kaleido with Debian's Chromium: plotly.js from the plotly package,
no MathJax, and the app's own topojson for geo traces (BRIEF §5) — never a CDN. One Chromium
session renders every chart of a deck.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import threading
from datetime import date
from pathlib import Path

import plotly
import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Pt
from sqlalchemy import Connection

import settings
from exports.deck_layout import (
    CELL_X,
    CELL_Y,
    INSET_X,
    INSET_Y,
    SLIDE_H,
    SLIDE_W,
    Box,
    SlidePlan,
    TablePlan,
    footer_texts,
    plan_cover,
    plan_deck,
)
from exports.slides import Slide, SlideInputs, Table, build_slides, deck_cover, inputs_from
from queries.metrics import Status
from present import format as fmt
from present.labels import SIMULATED_LABEL, STATUS_COLOR

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
TOPOJSON_DIR = settings.PROJECT_ROOT / "static" / "topojson"
CHROMIUM = "/usr/bin/chromium"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# Arial is on every office PC with PowerPoint, and LibreOffice draws it with the metric-compatible
# Liberation Sans: the layout measures text with Liberation Sans (exports/text_metrics.py).
FONT_NAME = "Arial"
INK = RGBColor(0x11, 0x18, 0x27)
MUTED = RGBColor(0x37, 0x41, 0x51)
ACCENT = RGBColor(0xB9, 0x1C, 0x1C)
HIGHLIGHT = RGBColor(0xFE, 0xF3, 0xC7)
HEADER_FILL = RGBColor(0xE5, 0xE7, 0xEB)
NO_DATA = "#6b7280"
PX_PER_INCH = 96  # figures are laid out at CSS pixels; the PNG is rendered at 2× for sharpness
PNG_SCALE = 2


class _PartialPipeMessage(logging.Filter):
    """choreographer logs, with a traceback, Chromium's "{bye}" at close when it arrives stuck to another
    message, which it cannot decode as JSON and ignores; keep that out of the CLI's and the server's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "JSONError decoding message" not in record.getMessage()


class ChartRenderError(RuntimeError):
    """kaleido could not draw a chart (Chromium missing, or a figure it rejects)."""


def browser_path() -> str | None:
    """Chromium for kaleido: $BROWSER_PATH, else Debian's /usr/bin/chromium, else whatever choreographer finds."""
    return os.environ.get("BROWSER_PATH") or (CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"))


def page_generator():
    """kaleido's page with local scripts only: plotly.js from the plotly package, MathJax off."""
    from kaleido import PageGenerator

    if not PLOTLY_JS.is_file():
        raise ChartRenderError(f"plotly.js not found at {PLOTLY_JS}")
    return PageGenerator(plotly=(PLOTLY_JS.as_uri(), "utf-8"), mathjax=False)


def topojson_url() -> str:
    """Where plotly.js looks for world topojson should a geo trace ask for it: the app's own files."""
    return TOPOJSON_DIR.as_uri() + "/"


def _run_async(coro_factory):
    """Run a coroutine on a private event loop in its own thread (callers may already have a loop)."""
    box: dict = {}

    def target():
        try:
            box["value"] = asyncio.run(coro_factory())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="deck-kaleido", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def render_pngs(charts: list[tuple[go.Figure, int, int]], *, scale: int = PNG_SCALE) -> list[bytes]:
    """PNG bytes of each (figure, width px, height px), all in one kaleido/Chromium session."""
    if not charts:
        return []
    from kaleido import Kaleido

    # After the import: choreographer's loggers are logistro's (with debug2); creating this one first
    # would give choreographer a plain Logger.
    pipe_logger = logging.getLogger("choreographer.channels.pipe")
    if not any(isinstance(f, _PartialPipeMessage) for f in pipe_logger.filters):
        pipe_logger.addFilter(_PartialPipeMessage())
    path = browser_path()

    async def run() -> list[bytes]:
        kwargs = {"path": path} if path else {}
        async with Kaleido(n=1, timeout=120, page_generator=page_generator(), **kwargs) as k:
            out = []
            for fig, width, height in charts:
                opts = {"format": "png", "width": width, "height": height, "scale": scale}
                out.append(await k.calc_fig(fig, opts=opts, topojson=topojson_url()))
            return out

    try:
        return _run_async(run)
    except Exception as exc:  # noqa: BLE001 - one clear error for the CLI and the page
        raise ChartRenderError(f"could not render charts with kaleido/Chromium ({path or 'not found'}): {exc}") from exc


# --- drawing the planned frames (exports/deck_layout.py measures and places them) -----------------------


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _status_rgb(status: str | None) -> RGBColor:
    if status == "no_data":
        return _rgb(NO_DATA)
    return _rgb(STATUS_COLOR[Status(status)]) if status else INK


def _frame(frame, *, anchor=MSO_ANCHOR.TOP) -> None:
    """The text frame settings the layout measured for: wrap inside the box, fixed insets, no autofit
    (a client that grows or shrinks a box on its own would undo the plan)."""
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = INSET_X
    frame.margin_top = frame.margin_bottom = INSET_Y


def _text(slide, box: Box | None, paragraphs: list[tuple[str, float, bool, RGBColor]], *, align=PP_ALIGN.LEFT, name=None):
    """A text box; each paragraph is (text, size pt, bold, colour). Returns the shape."""
    assert box is not None, "the plan places every frame the slide fills"
    shape = slide.shapes.add_textbox(box.left, box.top, box.width, box.height)
    if name:
        shape.name = name
    frame = shape.text_frame
    _frame(frame)
    for i, (text, size, bold, colour) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        _font(run.font, size, bold, colour)
    return shape


def _font(font, size: float, bold: bool, colour: RGBColor) -> None:
    font.name = FONT_NAME
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = colour
    font.language_id = MSO_LANGUAGE_ID.VIETNAMESE


def _header(slide, item: Slide, plan: SlidePlan) -> None:
    shape = slide.shapes.title
    box = plan.title
    shape.left, shape.top, shape.width, shape.height = box.left, box.top, box.width, box.height
    frame = shape.text_frame
    frame.text = item.title
    _frame(frame)
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    paragraph.line_spacing = 1.0  # the master's title style says 90%; the plan measured single lines
    _font(paragraph.runs[0].font, plan.title_pt, True, INK)
    _text(slide, plan.message, [(item.message, plan.message_pt, True, ACCENT)], name="message")


def _footer(slide, texts: tuple[str, str], plan: SlidePlan) -> None:
    left, right = texts
    _text(slide, plan.footer_left, [(left, plan.footer_pt, False, MUTED)], name="footer")
    _text(slide, plan.footer_right, [(right, plan.footer_pt, True, ACCENT)], align=PP_ALIGN.RIGHT, name="footer-right")


def _numbers(slide, numbers, plan: SlidePlan) -> None:
    for number, cell in zip(numbers, plan.numbers, strict=True):
        _text(
            slide, cell, [(number.value, plan.value_pt, True, _status_rgb(number.status)), (number.label, plan.label_pt, False, MUTED)], name="number"
        )


def _table(slide, table: Table, plan: TablePlan) -> None:
    if table.title:
        _text(slide, plan.title, [(table.title, plan.title_pt, True, INK)], name="table-title")
    box = plan.box
    shape = slide.shapes.add_table(len(table.rows) + 1, len(table.columns), box.left, box.top, box.width, box.height)
    grid = shape.table
    for j, width in enumerate(plan.col_widths):
        grid.columns[j].width = Emu(width)
    for i, height in enumerate(plan.row_heights):
        grid.rows[i].height = Emu(height)
    status_col = table.columns.index("Trạng thái") if "Trạng thái" in table.columns else None
    for j, name in enumerate(table.columns):
        _cell(grid.cell(0, j), name, plan.font_pt, bold=True, numeric=table.numeric[j], fill=HEADER_FILL)
    for i, row in enumerate(table.rows, start=1):
        mine = (i - 1) in table.highlight
        for j, value in enumerate(row):
            colour = _status_rgb(table.status[i - 1]) if j == status_col and i - 1 < len(table.status) else INK
            _cell(
                grid.cell(i, j),
                value,
                plan.font_pt,
                bold=mine or j == status_col,
                numeric=table.numeric[j],
                fill=HIGHLIGHT if mine else RGBColor(0xFF, 0xFF, 0xFF),
                colour=colour,
            )


def _cell(cell, text: str, size: float, *, bold: bool, numeric: bool, fill: RGBColor, colour: RGBColor = INK) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = fill
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.margin_left = cell.margin_right = CELL_X
    cell.margin_top = cell.margin_bottom = CELL_Y
    frame = cell.text_frame
    frame.word_wrap = True
    frame.text = text
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.RIGHT if numeric else PP_ALIGN.LEFT
    _font(paragraph.runs[0].font, size, bold, colour)


def _bullets(slide, bullets, plan: SlidePlan) -> None:
    _text(slide, plan.bullets, [(f"• {b}", plan.bullet_pt, False, INK) for b in bullets], name="bullets")


def _px(length: int) -> int:
    return round(Emu(length).inches * PX_PER_INCH)


def chart_sizes(slides: list[Slide]) -> list[tuple[int, int] | None]:
    """(width, height) in CSS pixels of each slide's chart in the deck (None: no chart), as planned
    with every text block above or beside it measured."""
    return [(_px(p.chart.width), _px(p.chart.height)) if p.chart is not None else None for p in plan_deck(slides)]


def _title_slide(prs, cover, total: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    lines = [
        (cover.subtitle, 22, False, MUTED),
        (f"Số liệu đến ngày {fmt.day(cover.as_of)}", 28, True, ACCENT),
        (f"Ban chỉ đạo — tài liệu họp, {total} trang trình chiếu", 18, False, MUTED),
    ]
    if cover.simulated:
        lines.append((f"{SIMULATED_LABEL} — không phải số liệu thật của Bộ Công an", 20, True, ACCENT))
    plan = plan_cover(cover.title, [(t, s, b) for t, s, b, _ in lines])
    shape = slide.shapes.title
    box = plan.title
    shape.left, shape.top, shape.width, shape.height = box.left, box.top, box.width, box.height
    shape.text_frame.text = cover.title
    _frame(shape.text_frame)
    shape.text_frame.paragraphs[0].line_spacing = 1.0
    _font(shape.text_frame.paragraphs[0].runs[0].font, plan.title_pt, True, INK)
    _text(slide, plan.lines, [(t, round(s * plan.scale, 1), b, c) for t, s, b, c in lines], name="cover")


def deck_pptx(slides: list[Slide], cover, *, pictures: list[bytes | None] | None = None) -> bytes:
    """The deck as PPTX bytes: a title slide, then one slide per Slide. `pictures` are the charts'
    PNGs in slide order (None for slides without a chart); rendered here when not given."""
    if pictures is None:
        sizes = chart_sizes(slides)
        wanted = [(s.figure, *size) for s, size in zip(slides, sizes, strict=True) if size]
        rendered = iter(render_pngs(wanted))
        pictures = [next(rendered) if size else None for size in sizes]
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    prs.core_properties.title = cover.title
    prs.core_properties.subject = cover.subtitle
    prs.core_properties.language = "vi-VN"
    prs.core_properties.author = "Bảng điều hành tiến độ CCCD gắn chip"
    total = len(slides) + 1
    _title_slide(prs, cover, total)
    plans = plan_deck(slides, charts=[p is not None for p in pictures])
    for position, (item, picture, plan) in enumerate(zip(slides, pictures, plans, strict=True), start=2):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        _header(slide, item, plan)
        if picture is not None:
            box = plan.chart
            assert box is not None  # planned with a chart
            slide.shapes.add_picture(io.BytesIO(picture), box.left, box.top, box.width, box.height).name = f"chart:{item.key}"
        if item.numbers:
            _numbers(slide, item.numbers, plan)
        for table, table_plan in zip(item.tables, plan.tables, strict=True):
            _table(slide, table, table_plan)
        if item.bullets:
            _bullets(slide, item.bullets, plan)
        _footer(slide, footer_texts(item, position, total), plan)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def build_deck(
    conn: Connection | SlideInputs,
    *,
    as_of: date | None = None,
    metric: str | None = None,
    denominator: str | None = None,
    province: str | None = None,
) -> bytes:
    """The handout deck (national, or the director's deck with `province`) as PPTX bytes."""
    inputs = inputs_from(conn, as_of=as_of, metric=metric, denominator=denominator, province=province)
    return deck_pptx(build_slides(inputs), deck_cover(inputs))


def deck_file_name(as_of: date, province: str | None = None) -> str:
    return f"bao-cao-tien-do-cccd-{'tinh-' + province if province else 'toan-quoc'}-{as_of.isoformat()}.pptx"
