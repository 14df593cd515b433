"""The rankings table as a formatted XLSX: Vietnamese headers, number formats, as-of date and data notes."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import xlsxwriter

from queries.metrics import Status
from ui import format as fmt
from ui.labels import STATUS_LABEL
from ui.tables import INCOMPLETE, OVER_100, RANKING_COLUMNS

COUNT = "#,##0"
RATE = "#,##0"
PERCENT = "0.0%"
DAY = "dd/mm/yyyy"
COLUMN_FORMATS = {
    "cumulative": COUNT,
    "denominator": COUNT,
    "coverage": PERCENT,
    "pace": RATE,
    "required_daily_rate": RATE,
    "projected_completion": DAY,
    "completeness": "0%",
}


def rankings_xlsx(frame: pl.DataFrame, *, as_of: date, title: str, notes: list[str]) -> bytes:
    """One sheet "Xếp hạng" (title, as-of, table) and one "Ghi chú" (notes). Numbers stay numbers,
    formatted by Excel (it shows 1.234.567 and 12,5% in a Vietnamese locale); text is written as
    text, never as a formula."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#f3f4f6", "border": 1, "text_wrap": True, "valign": "top"})
    formats = {c: book.add_format({"num_format": f}) for c, f in COLUMN_FORMATS.items()}
    sheet = book.add_worksheet("Xếp hạng")
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.write_string(1, 0, f"Số liệu đến ngày {fmt.day(as_of)}", bold)
    columns = [c for c in RANKING_COLUMNS if c in frame.columns or c == "notes"]
    for j, column in enumerate(columns):
        sheet.write_string(3, j, RANKING_COLUMNS[column], header)
    for i, row in enumerate(frame.iter_rows(named=True), start=4):
        for j, column in enumerate(columns):
            value = _cell(row, column)
            if value is None:
                sheet.write_blank(i, j, None)
            elif isinstance(value, str):
                sheet.write_string(i, j, value)
            elif isinstance(value, date):
                sheet.write_datetime(i, j, value, formats[column])
            else:
                sheet.write_number(i, j, value, formats.get(column))
    sheet.freeze_panes(4, 3)
    sheet.set_column(0, 1, 9)
    sheet.set_column(2, 3, 24)
    sheet.set_column(4, len(columns) - 1, 14)
    sheet.autofilter(3, 0, 3 + frame.height, len(columns) - 1)
    notes_sheet = book.add_worksheet("Ghi chú")
    for i, line in enumerate(notes):
        notes_sheet.write_string(i, 0, line)
    notes_sheet.set_column(0, 0, 120)
    book.close()
    return buffer.getvalue()


def _cell(row: dict, column: str):
    if column == "status":
        return STATUS_LABEL[Status(row["status"])]
    if column == "rank_change":
        return fmt.rank_change(row["rank_change"])
    if column == "notes":
        flags = [OVER_100] if row.get("over_100") else []
        flags += [INCOMPLETE] if row.get("reporting_incomplete") else []
        return " · ".join(flags)
    return row[column]
