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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import plotly
import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt
from sqlalchemy import Connection

import settings
from exports.slides import Slide, SlideInputs, Table, build_slides, deck_cover, load_inputs
from queries.metrics import Status
from ui import format as fmt
from ui.labels import SIMULATED_LABEL, STATUS_COLOR

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
TOPOJSON_DIR = settings.PROJECT_ROOT / "static" / "topojson"
CHROMIUM = "/usr/bin/chromium"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

SLIDE_W, SLIDE_H = Emu(12_192_000), Emu(6_858_000)  # 13.333 × 7.5 in, PowerPoint's 16:9
MARGIN = Inches(0.45)
BODY_TOP, BODY_BOTTOM = Inches(1.85), Inches(6.9)
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


# --- layout ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Box:
    left: int
    top: int
    width: int
    height: int


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _status_rgb(status: str | None) -> RGBColor:
    if status == "no_data":
        return _rgb(NO_DATA)
    return _rgb(STATUS_COLOR[Status(status)]) if status else INK


def _text(slide, box: _Box, paragraphs: list[tuple[str, int, bool, RGBColor]], *, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP, name=None):
    """A text box; each paragraph is (text, size pt, bold, colour). Returns the shape."""
    shape = slide.shapes.add_textbox(box.left, box.top, box.width, box.height)
    if name:
        shape.name = name
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.05)
    for i, (text, size, bold, colour) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        _font(run.font, size, bold, colour)
    return shape


def _font(font, size: int, bold: bool, colour: RGBColor) -> None:
    font.name = FONT_NAME
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = colour
    font.language_id = MSO_LANGUAGE_ID.VIETNAMESE


def _header(slide, title: str, message: str) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.8)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.text = title
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    _font(paragraph.runs[0].font, 30, True, INK)
    _text(slide, _Box(MARGIN, Inches(1.1), SLIDE_W - 2 * MARGIN, Inches(0.7)), [(message, 20, True, ACCENT)], name="message")


def _footer(slide, slide_obj: Slide, position: int, total: int) -> None:
    top, height = Inches(6.98), Inches(0.4)
    _text(slide, _Box(MARGIN, top, Inches(8.5), height),
          [(f"Số liệu đến ngày {fmt.day(slide_obj.as_of)} · {slide_obj.context}", 12, False, MUTED)], name="footer")
    right = []
    if slide_obj.simulated:
        right.append(SIMULATED_LABEL)
    right.append(f"{position}/{total}")
    _text(slide, _Box(SLIDE_W - MARGIN - Inches(3.6), top, Inches(3.6), height), [(" · ".join(right), 12, True, ACCENT)],
          align=PP_ALIGN.RIGHT, name="footer-right")


def _numbers(slide, numbers, box: _Box, *, columns: int) -> None:
    rows = -(-len(numbers) // columns)
    cell_w, cell_h = box.width // columns, box.height // max(rows, 1)
    value_pt = 34 if columns > 1 else 30
    for i, number in enumerate(numbers):
        r, c = divmod(i, columns)
        cell = _Box(box.left + c * cell_w, box.top + r * cell_h, cell_w - Inches(0.15), cell_h - Inches(0.1))
        _text(slide, cell, [(number.value, value_pt, True, _status_rgb(number.status)), (number.label, 15, False, MUTED)],
              name="number")


def _table(slide, table: Table, box: _Box) -> None:
    top = box.top
    if table.title:
        _text(slide, _Box(box.left, top, box.width, Inches(0.45)), [(table.title, 18, True, INK)], name="table-title")
        top += Inches(0.5)
    n_rows, n_cols = len(table.rows) + 1, len(table.columns)
    row_h = min(Inches(0.5), (box.top + box.height - top) // n_rows)
    shape = slide.shapes.add_table(n_rows, n_cols, box.left, top, box.width, row_h * n_rows)
    grid = shape.table
    weights = [2.6 if not numeric else 1.0 for numeric in table.numeric]
    if "Trạng thái" in table.columns:
        weights[table.columns.index("Trạng thái")] = 2.0
    total = sum(weights)
    for j, weight in enumerate(weights):
        grid.columns[j].width = Emu(int(box.width * weight / total))
    status_col = table.columns.index("Trạng thái") if "Trạng thái" in table.columns else None
    for j, name in enumerate(table.columns):
        _cell(grid.cell(0, j), name, bold=True, numeric=table.numeric[j], fill=HEADER_FILL)
    for i, row in enumerate(table.rows, start=1):
        mine = (i - 1) in table.highlight
        for j, value in enumerate(row):
            colour = _status_rgb(table.status[i - 1]) if j == status_col and i - 1 < len(table.status) else INK
            _cell(grid.cell(i, j), value, bold=mine or j == status_col, numeric=table.numeric[j],
                  fill=HIGHLIGHT if mine else RGBColor(0xFF, 0xFF, 0xFF), colour=colour)


def _cell(cell, text: str, *, bold: bool, numeric: bool, fill: RGBColor, colour: RGBColor = INK) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = fill
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame = cell.text_frame
    frame.text = text
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.RIGHT if numeric else PP_ALIGN.LEFT
    _font(paragraph.runs[0].font, 16, bold, colour)


def _bullets(slide, bullets, box: _Box) -> None:
    _text(slide, box, [(f"• {b}", 18, False, INK) for b in bullets], name="bullets")


# Where each kind of slide puts its chart, in CSS pixels (the PNG is twice that).
def _figure_box(slide: Slide) -> _Box:
    if slide.figure_side:  # the map: a square on the left, the counts on the right
        side = BODY_BOTTOM - BODY_TOP
        return _Box(MARGIN, BODY_TOP, side, side)
    top = BODY_TOP + (Inches(0.5) if slide.bullets else 0)
    return _Box(MARGIN, top, SLIDE_W - 2 * MARGIN, BODY_BOTTOM - top)


def _px(length: int) -> int:
    return round(Emu(length).inches * PX_PER_INCH)


def chart_sizes(slides: list[Slide]) -> list[tuple[int, int] | None]:
    """(width, height) in CSS pixels of each slide's chart in the deck (None: no chart)."""
    return [(_px(_figure_box(s).width), _px(_figure_box(s).height)) if s.figure is not None else None for s in slides]


def _title_slide(prs, cover, total: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(2.0), SLIDE_W - 2 * MARGIN, Inches(1.4)
    shape.text_frame.word_wrap = True
    shape.text_frame.text = cover.title
    _font(shape.text_frame.paragraphs[0].runs[0].font, 40, True, INK)
    lines = [
        (cover.subtitle, 22, False, MUTED),
        (f"Số liệu đến ngày {fmt.day(cover.as_of)}", 28, True, ACCENT),
        (f"Ban chỉ đạo — tài liệu họp, {total} trang trình chiếu", 18, False, MUTED),
    ]
    if cover.simulated:
        lines.append((f"{SIMULATED_LABEL} — không phải số liệu thật của Bộ Công an", 20, True, ACCENT))
    _text(slide, _Box(MARGIN, Inches(3.5), SLIDE_W - 2 * MARGIN, Inches(2.6)), lines, name="cover")


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
    width = SLIDE_W - 2 * MARGIN
    for position, (item, picture) in enumerate(zip(slides, pictures, strict=True), start=2):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        _header(slide, item.title, item.message)
        if picture is not None:
            box = _figure_box(item)
            slide.shapes.add_picture(io.BytesIO(picture), box.left, box.top, box.width, box.height).name = f"chart:{item.key}"
            if item.figure_side and item.numbers:
                left = box.left + box.width + Inches(0.4)
                _numbers(slide, item.numbers, _Box(left, BODY_TOP, SLIDE_W - MARGIN - left, BODY_BOTTOM - BODY_TOP), columns=1)
        elif item.numbers:
            _numbers(slide, item.numbers, _Box(MARGIN, BODY_TOP + Inches(0.2), width, BODY_BOTTOM - BODY_TOP - Inches(0.2)), columns=3)
        if item.tables:
            gap = Inches(0.4)
            each = (width - gap * (len(item.tables) - 1)) // len(item.tables)
            for k, table in enumerate(item.tables):
                _table(slide, table, _Box(MARGIN + k * (each + gap), BODY_TOP + Inches(0.1), each, Inches(4.0)))
        if item.bullets:
            if item.tables:
                _bullets(slide, item.bullets, _Box(MARGIN, BODY_BOTTOM - Inches(0.6), width, Inches(0.6)))
            elif picture is not None:
                _bullets(slide, item.bullets, _Box(MARGIN, BODY_TOP, width, Inches(0.5)))
            else:
                _bullets(slide, item.bullets, _Box(MARGIN, BODY_TOP + Inches(0.1), width, BODY_BOTTOM - BODY_TOP))
        _footer(slide, item, position, total)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def build_deck(
    conn: Connection | SlideInputs, *, as_of: date | None = None, metric: str | None = None, denominator: str | None = None,
    province: str | None = None,
) -> bytes:
    """The handout deck (national, or the director's deck with `province`) as PPTX bytes."""
    inputs = conn if isinstance(conn, SlideInputs) else load_inputs(
        conn, as_of=as_of, metric=metric, denominator=denominator, province=province
    )
    return deck_pptx(build_slides(inputs), deck_cover(inputs))


def deck_file_name(as_of: date, province: str | None = None) -> str:
    return f"bao-cao-tien-do-cccd-{'tinh-' + province if province else 'toan-quoc'}-{as_of.isoformat()}.pptx"
