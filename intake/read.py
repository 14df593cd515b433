"""Read an uploaded report (CSV with or without BOM, or XLSX) into a frame of text cells with spreadsheet row numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath

import polars as pl

from intake import problems
from intake.spec import INSTRUCTIONS_SHEET, fold

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and password-protected .xlsx)
ZIP_MAGIC = b"PK\x03\x04"
# Spaces Excel and web forms put around numbers and codes (no-break, narrow no-break, zero-width).
_BLANKS = " \t\r\n\u00a0\u202f\u2007\u200b\ufeff"


class FileRejected(Exception):
    """The file cannot be read at all; `problem` says why and what to do."""

    def __init__(self, problem: problems.Problem):
        super().__init__(problem.detail_en)
        self.problem = problem


@dataclass(frozen=True)
class RawTable:
    """The report as typed: header texts by position and one text cell per column.

    `frame` has `_row` (the spreadsheet row number) and `c0`, `c1`, … (String, null when empty);
    rows where every cell is empty are dropped (Excel leaves them at the end).
    """

    headers: list[str]
    frame: pl.DataFrame
    header_row: int
    kind: str  # csv | xlsx


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip(_BLANKS)
    return value or None


def _excel_text(value) -> str | None:
    """An XLSX cell as the text a CSV export of it would hold (dates ISO, whole floats without '.0')."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return _clean(str(value))


def _table(rows: list[tuple[int, list[str | None]]], kind: str, name: str) -> RawTable:
    """Rows (row number, cells) → RawTable: the first non-empty row is the header."""
    rows = [(n, cells) for n, cells in rows if any(c is not None for c in cells)]
    if not rows:
        raise FileRejected(problems.make("file_empty", name=name))
    header_row, header_cells = rows[0]
    width = max(len(cells) for _, cells in rows)
    headers = [(c or "") for c in header_cells] + [""] * (width - len(header_cells))
    data = rows[1:]
    columns = {f"c{i}": [cells[i] if i < len(cells) else None for _, cells in data] for i in range(width)}
    frame = pl.DataFrame({"_row": [n for n, _ in data], **columns}, schema={"_row": pl.Int64, **{c: pl.String for c in columns}})
    return RawTable(headers, frame, header_row, kind)


def _delimiter(text: str) -> str:
    """Comma by default; semicolon or tab when the header uses them (Excel in a Vietnamese locale writes ';')."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _read_csv(data: bytes, name: str) -> RawTable:
    if b"\x00" in data[:4096]:
        raise FileRejected(problems.make("file_type", name=name))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(problems.make("file_encoding", name=name)) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        # One record is one spreadsheet row (a quoted cell may span lines), header = row 1.
        rows = [(n, [_clean(c) for c in record]) for n, record in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise FileRejected(problems.make("file_unreadable", name=name, detail=str(exc))) from None
    return _table(rows, "csv", name)


def _read_xlsx(data: bytes, name: str) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, openpyxl.utils.exceptions.InvalidFileException) as exc:
        raise FileRejected(problems.make("file_unreadable", name=name, detail=exc.__class__.__name__)) from None
    try:
        sheets = [s for s in book.worksheets if fold(s.title) != fold(INSTRUCTIONS_SHEET)] or book.worksheets
        if not sheets:
            raise FileRejected(problems.make("file_empty", name=name))
        sheet = sheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers store a wrong size; read every row there is
        rows = [(n, [_excel_text(v) for v in values]) for n, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    except FileRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged workbook can fail anywhere inside openpyxl
        raise FileRejected(problems.make("file_unreadable", name=name, detail=exc.__class__.__name__)) from None
    finally:
        book.close()
    return _table(rows, "xlsx", name)


def read_table(data: bytes, filename: str, *, max_bytes: int) -> RawTable:
    """The uploaded bytes as a RawTable, or FileRejected (too large, wrong type, unreadable, empty)."""
    name = PurePath(filename).name
    if len(data) > max_bytes:
        raise FileRejected(problems.make("file_too_large", name=name, size_mb=len(data) / 2**20, limit_mb=max_bytes // 2**20))
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise FileRejected(problems.make("file_empty", name=name))
    suffix = PurePath(name).suffix.lower()
    if data.startswith(OLE_MAGIC):
        raise FileRejected(problems.make("file_xls", name=name))
    if data.startswith(ZIP_MAGIC) or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data, name)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(data, name)
    raise FileRejected(problems.make("file_type", name=name))
