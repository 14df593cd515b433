"""How a worksheet prints: column widths from its content, A4 landscape when the table is wider than
a portrait page, every column on one page width, the header row on every page, a page header with
the title and the as-of date, a footer with "Dữ liệu mô phỏng" (when simulated), the source and
"Trang X/Y". xlsxwriter writes it; Excel and LibreOffice Calc both honour it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from present.labels import SIMULATED_LABEL

SOURCE = "Nguồn: báo cáo ngày của công an các tỉnh, thành phố — Bảng điều hành tiến độ CCCD gắn chip"
A4 = 9  # xlsxwriter's paper code
# Inches. The page header and footer sit in the top and bottom margins.
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM, HEADER_MARGIN = 0.4, 0.85, 0.7, 0.3
PAGE_W, PAGE_H = 8.27, 11.69  # A4 portrait
PORTRAIT_WIDTH_PT = (PAGE_W - 2 * MARGIN_X) * 72
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
ROW_PT = 15  # a row of xlsxwriter's default font, Calibri 11
MIN_WIDTH, MAX_TEXT_WIDTH = 5, 32  # column widths in characters; longer text wraps
HEADER_MAX_CHARS = 255  # Excel's limit for a header or footer string


@dataclass(frozen=True)
class PageFacts:
    """What every printed page of a sheet says in its header and footer."""

    title: str
    as_of_text: str  # "Số liệu đến ngày 15/06/2021"
    simulated: bool
    source: str = SOURCE


def column_width(header: str, texts: list[str]) -> int:
    """Width in characters: the longest cell as displayed (capped: longer text wraps) and the
    longest word of the header (headers wrap between words), plus room for the filter button."""
    content = max((len(t) for t in texts), default=0)
    word = max((len(w) for w in header.split()), default=0)
    return max(MIN_WIDTH, min(content, MAX_TEXT_WIDTH), word + 1, math.ceil(len(header) / 4)) + 2


def wrapped_lines(text: str, width_chars: float, *, bold: bool = True) -> int:
    """Lines `text` wraps into in a column `width_chars` wide. A column's character is a digit's width;
    letters of Vietnamese text average less, but a bold one is counted 1.15 wide."""
    limit, lines, used = width_chars / (1.15 if bold else 1.0), 1, 0.0
    for word in text.split():
        need = len(word) if used == 0 else used + 1 + len(word)
        if need <= limit or used == 0:
            used = need
        else:
            lines, used = lines + 1, len(word)
    return lines


def width_points(width_chars: float) -> float:
    """A column's width as printed: Excel's character width is 7 px of Calibri 11 plus 5 px padding."""
    return (width_chars * 7 + 5) * 0.75


def _escape(text: str) -> str:
    return text.replace("&", "&&")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header_string(facts: PageFacts) -> str:
    """Centre of the page header: the title (bold) on the first line, the as-of date below."""
    date_part = f'\n&"-,Regular"&9{_escape(facts.as_of_text)}'
    room = HEADER_MAX_CHARS - len(date_part) - 20
    return f'&C&"-,Bold"&10{_escape(_clip(facts.title, room // 2))}{date_part}'


def footer_string(facts: PageFacts) -> str:
    left = ([SIMULATED_LABEL] if facts.simulated else []) + [facts.source]
    return f"&L&8{_escape(_clip(' · '.join(left), 180))}&R&8Trang &P/&N"


def print_setup(sheet, facts: PageFacts, *, widths: Sequence[float], header_row: int | None, last_row: int) -> None:
    """Orientation, fit to one page width, repeated header row, page header and footer on `sheet`
    (`widths` in characters; rows 0-based; `header_row` None for a sheet of text lines)."""
    sheet.set_paper(A4)
    if sum(width_points(w) for w in widths) > PORTRAIT_WIDTH_PT:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)  # all columns on one page width, as many pages down as the rows need
    sheet.set_margins(left=MARGIN_X, right=MARGIN_X, top=MARGIN_TOP, bottom=MARGIN_BOTTOM)
    sheet.set_header(header_string(facts), {"margin": HEADER_MARGIN})
    sheet.set_footer(footer_string(facts), {"margin": HEADER_MARGIN})
    if header_row is not None:
        sheet.repeat_rows(header_row)
    sheet.print_area(0, 0, max(last_row, 0), max(len(widths) - 1, 0))
    sheet.hide_gridlines(0)  # gridlines on screen and on paper: a printed table without rules is hard to follow
    sheet.center_horizontally()
