"""Read an uploaded report (CSV with or without BOM, or XLSX) into a frame of text cells with spreadsheet row numbers.

Both readers stream: rows are checked against the limits below as they come and turned into polars
chunks, so a small hostile file (a cell at column XFD, a million commas, a compressed XML bomb) is
refused at the first limit it crosses instead of being inflated in memory (issue 16, docs/intake.md).

Over 400 lines on purpose: the CSV and XLSX streaming readers share the limits, the row numbering and
the refusal messages defined here, and the readiness intake reads every sheet through the same code.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath

import polars as pl
from openpyxl.utils import column_index_from_string

from intake import problems
from intake.problems import column_letter
from intake.spec import INSTRUCTIONS_SHEET, fold

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and password-protected .xlsx)
ZIP_MAGIC = b"PK\x03\x04"
# Spaces Excel and web forms put around numbers and codes (no-break, narrow no-break, zero-width).
_BLANKS = " \t\r\n\u00a0\u202f\u2007\u200b\ufeff"

# --- limits (docs/intake.md, "Limits"); every refusal names the limit it hit ----------------------------
# Data rows (after the header). A month of a national file at commune grain is 10,607 × 31 = 328,817.
MAX_ROWS = 400_000
# Columns up to the last one holding a value. The template has 9 (10 with "Loại số liệu").
MAX_COLUMNS = 50
# Cells kept (each data row counted up to its last value), and <c> elements read in a sheet (empty
# formatted ones included): a month file at commune grain has about 3 million.
MAX_CELLS = 4_000_000
# Characters in one cell: codes, dates and counts are short; Excel itself stops at 32,767.
MAX_CELL_CHARS = 1_000
# XLSX: the zip members' declared uncompressed sizes (zipfile never inflates a member past them).
MAX_XLSX_UNCOMPRESSED_BYTES = 256 * 2**20
# …of any one part that is read whole (shared strings, styles, workbook, relationships — not the sheet, which streams).
MAX_XLSX_PART_BYTES = 16 * 2**20
# …and how much a member may inflate: Excel's sheets compress 5–20 times, a deflate bomb about 1,000.
MAX_XLSX_RATIO = 100
_RATIO_FROM_BYTES = 2**20  # tiny members compress oddly; the ratio is checked from 1 MB up
MAX_XLSX_MEMBERS = 1_000
_CHUNK_ROWS = 10_000  # rows held as Python objects before they become a polars chunk

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"  # expat's "uri}local" names
_ROW, _CELL, _VALUE, _FORMULA, _T, _PHONETIC, _DIMENSION, _SHEET_DATA = (
    f"{_NS_MAIN}{t}" for t in ("row", "c", "v", "f", "t", "rPh", "dimension", "sheetData")
)
# A formula taking a value from another workbook: [1]Sheet1!A1 (Excel's stored form) or [Book.xlsx]Sheet1!A1.
_EXTERNAL_REFERENCE = re.compile(r"\[\d+\]|\.xl\w*\]", re.IGNORECASE)
_COORDINATE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


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


def _rejected(code: str, **params) -> FileRejected:
    return FileRejected(problems.make(code, **params))


class _Rows:
    """Rows (row number, cells) → RawTable, checked against the limits as they come: the first
    non-empty row is the header; data rows are turned into polars chunks every _CHUNK_ROWS rows."""

    def __init__(self, kind: str, name: str):
        self.kind, self.name = kind, name
        self.header: list[str | None] | None = None
        self.header_row = 0
        self.pending: list[tuple[int, list[str | None]]] = []
        self.chunks: list[pl.DataFrame] = []
        self.rows = self.cells = self.width = 0

    def add(self, number: int, cells: list[str | None]) -> None:
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            return
        if len(cells) > MAX_COLUMNS:
            raise _rejected(
                "too_many_columns",
                name=self.name,
                row=number,
                letter=column_letter(len(cells) - 1),
                limit=MAX_COLUMNS,
                limit_letter=column_letter(MAX_COLUMNS - 1),
            )
        if max(map(len, filter(None, cells)), default=0) > MAX_CELL_CHARS:
            i, cell = next((i, c) for i, c in enumerate(cells) if c is not None and len(c) > MAX_CELL_CHARS)
            raise _rejected("cell_too_long", name=self.name, row=number, letter=column_letter(i), chars=len(cell), limit=MAX_CELL_CHARS)
        if self.header is None:
            self.header, self.header_row = cells, number
            return
        self.rows += 1
        self.cells += len(cells)
        if self.rows > MAX_ROWS:
            raise _rejected("too_many_rows", name=self.name, limit=MAX_ROWS)
        if self.cells > MAX_CELLS:
            raise _rejected("too_many_cells", name=self.name, limit=MAX_CELLS)
        self.width = max(self.width, len(cells))
        self.pending.append((number, cells))
        if len(self.pending) >= _CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        width = max(len(cells) for _, cells in self.pending)
        columns = {f"c{i}": [cells[i] if i < len(cells) else None for _, cells in self.pending] for i in range(width)}
        self.chunks.append(
            pl.DataFrame({"_row": [n for n, _ in self.pending], **columns}, schema={"_row": pl.Int64, **{c: pl.String for c in columns}})
        )
        self.pending = []

    def table(self) -> RawTable:
        if self.header is None:
            raise _rejected("file_empty", name=self.name)
        self._flush()
        width = max(self.width, len(self.header))
        names = [f"c{i}" for i in range(width)]
        schema = {"_row": pl.Int64, **{c: pl.String for c in names}}
        frames = [
            chunk.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in names if c not in chunk.columns).select("_row", *names)
            for chunk in self.chunks
        ]
        frame = pl.concat(frames, rechunk=True) if frames else pl.DataFrame(schema=schema)
        headers = [(c or "") for c in self.header] + [""] * (width - len(self.header))
        return RawTable(headers, frame, self.header_row, self.kind)


def _table(rows, kind: str, name: str) -> RawTable:
    """Rows (row number, cells) → RawTable: the first non-empty row is the header (same limits as the readers)."""
    builder = _Rows(kind, name)
    for number, cells in rows:
        builder.add(number, list(cells))
    return builder.table()


# --- CSV -----------------------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    """Comma by default; semicolon or tab when the header uses them (Excel in a Vietnamese locale writes ';')."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")[:100_000]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > 0 else ","


def _read_csv(data: bytes, name: str) -> RawTable:
    if b"\x00" in data[:4096]:
        raise _rejected("file_type", name=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _rejected("file_encoding", name=name) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows = _Rows("csv", name)
    try:
        # One record is one spreadsheet row (a quoted cell may span lines), header = row 1.
        for number, record in enumerate(reader, start=1):
            if len(record) > MAX_COLUMNS:  # trailing separators are no data: count up to the last value
                while record and not record[-1].strip(_BLANKS):
                    record.pop()
            rows.add(number, [_clean(c) for c in record])
    except csv.Error as exc:
        raise _rejected("file_unreadable", name=name, detail=str(exc)) from None
    return rows.table()


# --- XLSX ----------------------------------------------------------------------------------------------


def _check_archive(data: bytes, name: str) -> None:
    """Refuse a workbook that would inflate past the limits before anything is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_XLSX_MEMBERS:
                raise _rejected("file_unreadable", name=name, detail=f"{len(members)} parts")
            total = sum(m.file_size for m in members)
            if total > MAX_XLSX_UNCOMPRESSED_BYTES:
                raise _rejected("xlsx_inflated", name=name, size_mb=total / 2**20, limit_mb=MAX_XLSX_UNCOMPRESSED_BYTES // 2**20)
            for m in members:
                is_sheet = m.filename.startswith("xl/worksheets/")
                if not is_sheet and m.file_size > MAX_XLSX_PART_BYTES:
                    raise _rejected(
                        "xlsx_part_too_large", name=name, part=m.filename, size_mb=m.file_size / 2**20, limit_mb=MAX_XLSX_PART_BYTES // 2**20
                    )
                if m.file_size >= _RATIO_FROM_BYTES and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1):
                    raise _rejected("xlsx_ratio", name=name, part=m.filename, ratio=m.file_size // max(m.compress_size, 1), limit=MAX_XLSX_RATIO)
                if m.filename.endswith((".xml", ".rels")):
                    with archive.open(m) as part:
                        head = part.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:  # OOXML has no DTD: entity tricks only
                        raise _rejected("file_unreadable", name=name, detail="DOCTYPE")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise _rejected("file_unreadable", name=name, detail=exc.__class__.__name__) from None


class _SheetReader:
    """One worksheet's cells as text, streamed from its XML with expat: nothing is kept but the current
    row's texts, so memory stays flat however the XML is shaped (a row of a million <c/> included)."""

    def __init__(self, archive, path: str, name: str, *, strings: list, date_styles, timedelta_styles, epoch):
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.archive, self.path, self.name = archive, path, name
        self.from_excel, self.from_iso = from_excel, from_ISO8601
        self.strings, self.date_styles, self.timedelta_styles, self.epoch = strings, date_styles, timedelta_styles, epoch
        self.shared_external: dict[str, bool] = {}  # shared formula index → takes from another workbook

    def _text(self, kind: str, style: str | None, raw: str | None, inline: str | None) -> str | None:
        """The cell as the text a CSV export would hold (see _excel_text); plain numbers stay as written."""
        if kind == "inlineStr":
            return _clean(inline)
        if not raw:
            return None
        if kind == "n":
            if style is not None and int(style) in self.date_styles:
                try:
                    return _excel_text(self.from_excel(float(raw), self.epoch, timedelta=int(style) in self.timedelta_styles))
                except (OverflowError, ValueError):
                    return raw  # a date-formatted number no calendar has: the date check names it
            if raw.isdigit():
                return raw
            return _excel_text(float(raw) if any(ch in raw for ch in ".eE") else int(raw))
        if kind == "s":
            return _excel_text(self.strings[int(raw)])
        if kind == "b":
            return _excel_text(bool(int(raw)))
        if kind == "d":
            return _excel_text(self.from_iso(raw))
        return _clean(raw)  # str (a formula's text result), e (an error such as #REF!)

    def _check_formula(self, text: str, attrs: dict, row: int, column: int) -> None:
        index = attrs.get("si")
        external = bool(_EXTERNAL_REFERENCE.search(text))
        if attrs.get("t") == "shared" and index is not None:
            if text:
                self.shared_external[index] = external
            else:
                external = self.shared_external.get(index, False)
        if external:
            raise _rejected("external_formula", name=self.name, row=row, letter=column_letter(column), value=("=" + text)[:80])

    def rows(self, builder: _Rows) -> None:
        import pyexpat

        name, to_text, check_formula = self.name, self._text, self._check_formula
        columns: dict[str, int] = {}  # column letters → index, as met
        row = elements = 0
        column = -1
        cells: list[str | None] = []
        kind = style = value = inline = formula = formula_attrs = None
        collecting = None  # _VALUE | _FORMULA | _T while inside one
        parts: list[str] = []
        size = phonetic = 0

        def start(tag, attrs):
            nonlocal row, column, cells, elements, kind, style, value, inline, formula, formula_attrs, collecting, size, phonetic
            if tag == _CELL:
                elements += 1
                if elements > MAX_CELLS:
                    raise _rejected("too_many_cells", name=name, limit=MAX_CELLS)
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    index = columns.get(letters)
                    if index is None:
                        match = _COORDINATE.match(ref)
                        if match is None:
                            raise _rejected("file_unreadable", name=name, detail=f"cell {ref[:20]}")
                        index = columns[letters] = column_index_from_string(match.group(1)) - 1  # 1 to 3 letters (_COORDINATE)
                    column = index
                else:
                    column += 1
                kind, style = attrs.get("t", "n"), attrs.get("s")
                value = inline = formula = None
            elif tag == _VALUE or tag == _FORMULA or (tag == _T and not phonetic):
                collecting, size = tag, 0
                parts.clear()
                if tag == _FORMULA:
                    formula_attrs = attrs
            elif tag == _ROW:
                number = attrs.get("r")
                row = int(number) if number else row + 1
                column, cells = -1, []
            elif tag == _PHONETIC:
                phonetic += 1

        def text(data):
            nonlocal size
            if collecting is not None:
                size += len(data)
                if size > 4 * MAX_CELL_CHARS:
                    raise _rejected("cell_too_long", name=name, row=row, letter=column_letter(column), chars=size, limit=MAX_CELL_CHARS)
                parts.append(data)

        def end(tag):
            nonlocal cells, collecting, value, inline, formula, phonetic
            if tag == _CELL:
                if formula is not None:
                    check_formula(formula, formula_attrs, row, column)
                shown = to_text(kind, style, value, inline)
                if shown is not None:
                    if column >= MAX_COLUMNS:
                        raise _rejected(
                            "too_many_columns",
                            name=name,
                            row=row,
                            letter=column_letter(column),
                            limit=MAX_COLUMNS,
                            limit_letter=column_letter(MAX_COLUMNS - 1),
                        )
                    if column >= len(cells):
                        cells.extend([None] * (column + 1 - len(cells)))
                    cells[column] = shown
            elif tag == collecting:
                collecting = None
                joined = "".join(parts)
                if tag == _VALUE:
                    value = joined
                elif tag == _FORMULA:
                    formula = joined
                else:
                    inline = (inline or "") + joined
            elif tag == _ROW:
                builder.add(row, cells)
                cells = []
            elif tag == _PHONETIC:
                phonetic -= 1

        def refuse(*_args):
            raise _rejected("file_unreadable", name=name, detail="DOCTYPE")

        parser = pyexpat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
        parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse  # OOXML has no DTD
        with self.archive.open(self.path) as source:
            while chunk := source.read(2**20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)


def _dimension(archive, path: str) -> tuple[int, int, int, int] | None:
    """The sheet's declared range (<dimension ref="A1:I10608">) as (min column, min row, max column, max row),
    read from the top of the sheet only; None when absent (it comes before <sheetData> when present)."""
    import pyexpat

    found: list = []

    class _Stop(Exception):
        pass

    def start(tag, attrs):
        if tag == _DIMENSION:
            found.append(attrs.get("ref", ""))
            raise _Stop
        if tag == _SHEET_DATA:
            raise _Stop

    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    try:
        with archive.open(path) as source:
            while chunk := source.read(65536):
                parser.Parse(chunk, False)
    except _Stop:
        pass
    if not found:
        return None
    parts = found[0].split(":")
    corners = [m for m in (_COORDINATE.match(part) for part in parts) if m is not None]
    if len(corners) != len(parts):
        return None  # a range Excel would not write: read the cells and let the limits judge them
    (first, *rest) = corners
    last = rest[0] if rest else first
    return (column_index_from_string(first.group(1)), int(first.group(2)), column_index_from_string(last.group(1)), int(last.group(2)))


def _check_dimension(archive, path: str, sheet: str, name: str) -> None:
    """The sheet's declared size, when present, within the limits (checked before any cell is read)."""
    declared = _dimension(archive, path)
    if declared is None:
        return
    min_col, min_row, max_col, max_row = declared
    rows = max_row - min_row + 1
    if max_col > MAX_COLUMNS or rows > MAX_ROWS + 1:
        ref = f"{column_letter(min_col - 1)}{min_row}:{column_letter(max_col - 1)}{max_row}"
        raise _rejected(
            "sheet_too_large", name=name, sheet=sheet, ref=ref, rows=rows, columns=max_col, limit_rows=MAX_ROWS, limit_columns=MAX_COLUMNS
        )


def _workbook(data: bytes):
    """openpyxl's reader for the workbook's parts (strings, styles, sheet list), without touching the
    sheets themselves: read-only load_workbook reads each sheet to its end when it has no <dimension>."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    class _Parts(ExcelReader):
        def read(self):
            self.read_manifest()
            self.read_strings()
            self.read_workbook()
            apply_stylesheet(self.archive, self.wb)
            self.sheets = [
                (sheet.name, rel.target)
                for sheet, rel in self.parser.find_sheets()
                if rel.target in self.valid_files and "chartsheet" not in rel.Type
            ]

    reader = _Parts(io.BytesIO(data), read_only=True, keep_vba=False, data_only=True, keep_links=False)
    reader.read()
    return reader


def _xlsx_tables(data: bytes, name: str, *, every_sheet: bool) -> list[tuple[str, RawTable]]:
    """The first sheet but the instructions (or every such sheet, empty ones skipped), each streamed and
    held to the same limits."""
    _check_archive(data, name)
    try:
        book = _workbook(data)
    except Exception as exc:  # noqa: BLE001 - a damaged part (workbook, styles, relationships) fails anywhere inside openpyxl
        raise _rejected("file_unreadable", name=name, detail=exc.__class__.__name__) from None
    try:
        sheets = [s for s in book.sheets if fold(s[0]) != fold(INSTRUCTIONS_SHEET)] or ([] if every_sheet else book.sheets)
        if not sheets:
            raise _rejected("file_empty", name=name)
        tables = []
        for title, path in sheets if every_sheet else sheets[:1]:
            _check_dimension(book.archive, path, title, name)
            builder = _Rows("xlsx", name)
            _SheetReader(
                book.archive,
                path,
                name,
                strings=book.shared_strings,
                date_styles=book.wb._date_formats,
                timedelta_styles=book.wb._timedelta_formats,
                epoch=book.wb.epoch,
            ).rows(builder)
            if builder.header is None and every_sheet:
                continue  # an empty sheet among others: nothing to read there
            tables.append((title, builder.table()))
        if not tables:
            raise _rejected("file_empty", name=name)
        return tables
    except FileRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet can fail anywhere while it is parsed
        raise _rejected("file_unreadable", name=name, detail=exc.__class__.__name__) from None
    finally:
        book.archive.close()


def _read_xlsx(data: bytes, name: str) -> RawTable:
    return _xlsx_tables(data, name, every_sheet=False)[0][1]


def read_workbook_tables(data: bytes, filename: str, *, max_bytes: int) -> list[tuple[str, RawTable]]:
    """Every sheet of a workbook but the instructions, empty ones skipped, each read as read_table reads
    the first (streamed, the same limits); FileRejected as read_table says."""
    name = PurePath(filename).name
    if len(data) > max_bytes:
        raise _rejected("file_too_large", name=name, size_mb=len(data) / 2**20, limit_mb=max_bytes // 2**20)
    if data.startswith(OLE_MAGIC):
        raise _rejected("file_xls", name=name)
    return _xlsx_tables(data, name, every_sheet=True)


def read_table(data: bytes, filename: str, *, max_bytes: int) -> RawTable:
    """The uploaded bytes as a RawTable, or FileRejected (too large, wrong type, unreadable, empty, past a limit)."""
    name = PurePath(filename).name
    if len(data) > max_bytes:
        raise _rejected("file_too_large", name=name, size_mb=len(data) / 2**20, limit_mb=max_bytes // 2**20)
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise _rejected("file_empty", name=name)
    suffix = PurePath(name).suffix.lower()
    if data.startswith(OLE_MAGIC):
        raise _rejected("file_xls", name=name)
    if data.startswith(ZIP_MAGIC) or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data, name)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(data, name)
    raise _rejected("file_type", name=name)
