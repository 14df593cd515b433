"""Reading and checking a readiness update whole: every table of the file, its header, its cells, the register and the other rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

import pandera.polars as pa
import polars as pl
from sqlalchemy import Connection, select

import settings
from db.frames import read_frame
from db.schema import admin_unit, agency_connection, milestone
from intake import cells, headers, problems
from intake.headers import Columns, fold
from intake.problems import Problem
from intake.read import ZIP_MAGIC, FileRejected, RawTable, read_table, read_workbook_tables
from intake.readiness_spec import (
    COL,
    EARLIEST_DATE,
    HEADER_INDEX,
    ITEM_LABEL_VI,
    MILESTONE_LABEL_VI,
    SHEET,
    SHEETS,
    STATUS_LABEL_VI,
    TYPED_SCHEMA,
    VOCABULARY,
    Col,
    Sheet,
    make,
)


@dataclass(frozen=True)
class SheetProblem:
    """A problem and the sheet it is on (a workbook holds up to three tables)."""

    sheet: str
    problem: Problem

    def where(self, lang: str = "vi") -> str:
        """'Dòng 7, cột E „Đã hoàn thành“'; rows typed on screen have no column letter: 'Dòng 2, cột „Đã hoàn thành“'."""
        p = self.problem
        if p.letter or p.row is None or not p.header:
            return p.where(lang)
        return f"Dòng {p.row}, cột „{p.header}“" if lang == "vi" else f"Row {p.row}, column “{p.header}”"

    def column_text(self) -> str:
        p = self.problem
        return p.column_text("vi") if p.letter else (f"„{p.header}“" if p.header and p.row is not None else "")

    def message(self, lang: str = "vi") -> str:
        prefix = f"Bảng „{self.sheet}“" if lang == "vi" else f"Sheet “{self.sheet}”"
        where = self.where(lang)
        return f"{prefix} — {where}: {self.problem.detail(lang)}" if where else f"{prefix} — {self.problem.detail(lang)}"


# --- reading -----------------------------------------------------------------------------------------


def read_sheets(data: bytes, filename: str, *, max_bytes: int) -> Sequence[tuple[str | None, RawTable]]:
    """The tables of a file: a CSV is one; a workbook gives every sheet but the instructions, skipping
    empty ones. The report intake's checks (size, type, old .xls, damaged, empty) apply first."""
    name = PurePath(filename).name
    try:
        first = read_table(data, filename, max_bytes=max_bytes)
    except FileRejected as exc:
        # A workbook whose first sheet is blank may still hold the other tables.
        if exc.problem.code != "file_empty" or not data.startswith(ZIP_MAGIC):
            raise
        first = None
    if first is not None and first.kind == "csv":
        return [(None, first)]
    # Every sheet streamed with the report intake's reader and its limits (a sheet padded to column XFD
    # or inflating to hundreds of MB is refused, not read).
    tables = read_workbook_tables(data, filename, max_bytes=max_bytes)
    with_data = [(t, raw) for t, raw in tables if raw.frame.height > 0]
    if with_data or tables:
        return with_data or tables[:1]
    raise FileRejected(problems.make("file_empty", name=name))


# --- checking ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """What the checks compare with: province codes and names, agency codes, stored milestones."""

    provinces: dict[str, str]
    agencies: dict[str, str]
    milestones: pl.DataFrame  # province_code, kind, day

    @classmethod
    def load(cls, conn: Connection) -> Reference:
        provinces = dict(conn.execute(select(admin_unit.c.code, admin_unit.c.name).where(admin_unit.c.level == "province")).all())
        agencies = dict(conn.execute(select(agency_connection.c.agency_code, agency_connection.c.name_vi)).all())
        stmt = select(milestone.c.province_code, milestone.c.kind, milestone.c.day)
        stored = read_frame(conn, stmt, {"province_code": pl.String, "kind": pl.String, "day": pl.Date})
        return cls(provinces, agencies, stored)


@dataclass(frozen=True)
class Parsed:
    """Typed rows per sheet kind (items, milestones, agencies), each with `_row` (spreadsheet row, or the
    line on screen) and the sheet's column ids (TYPED_SCHEMA); `sheet_names` as the file names them."""

    frames: dict[str, pl.DataFrame]
    sheet_names: dict[str, str] = field(default_factory=dict)


def _vocabulary(kind: str):
    table = VOCABULARY[kind]
    return lambda col: col.map_batches(
        lambda s: s.map_elements(lambda v: table.get(fold(v)), return_dtype=pl.String, skip_nulls=True), return_dtype=pl.String
    )


def _parser(col: Col):
    if col.kind == "province":
        return lambda c: cells.parse_code(c, "province_code")
    if col.kind == "agency":
        return lambda c: c.str.to_uppercase()
    if col.kind in ("item", "milestone", "status"):
        return _vocabulary(col.kind)
    if col.kind == "count":
        return cells.parse_count
    if col.kind in ("plan_date", "done_date"):
        return cells.parse_date
    return lambda c: c


def cell_schema(sheet: Sheet, present: list[str], *, today: date) -> pa.DataFrameSchema:
    """The declared cell rules of one sheet: required cells, code shape, vocabulary, whole numbers ≥ 0, dates."""
    spec = {}
    for col in sheet.columns:
        if col.id not in present:
            continue
        if col.kind == "province":
            checks = [cells._check("code_format", lambda c: cells.parse_code(c, "province_code").is_not_null())]
        elif col.kind in ("item", "milestone", "status"):
            checks = [cells._check("vocabulary", lambda c, p=_parser(col): p(c).is_not_null())]
        elif col.kind == "count":
            checks = cells._count_checks()
        elif col.kind == "plan_date":
            checks = cells._date_checks(today, EARLIEST_DATE)[:2]
        elif col.kind == "done_date":
            checks = cells._date_checks(today, EARLIEST_DATE)
        else:
            checks = []
        spec[col.id] = pa.Column(pl.String, checks=checks, nullable=col.nullable)
    return pa.DataFrameSchema(spec, strict=False, name=f"readiness {sheet.kind} cells")


def _places(sheet: Sheet, positions: dict[str, int] | None = None, names: list[str] | None = None) -> Columns:
    """Where each column of `sheet` sits in the file (none for typed rows: named by their labels)."""
    return Columns.of(positions or {}, names or [], sheet.labels)


def _sheet_kind(names: list[str]) -> Sheet | None:
    """The sheet whose columns the header names best (at least its key columns)."""
    best, score = None, 0
    for sheet in SHEETS:
        index = HEADER_INDEX[sheet.kind]
        found = {index[fold(h)] for h in names if h and fold(h) in index}
        if set(sheet.key) <= found and len(found) > score:
            best, score = sheet, len(found)
    return best


def _header(raw: RawTable, sheet: Sheet) -> tuple[dict[str, int], list[Problem]]:
    """The report intake's header mapping with this sheet's columns (an unknown column names the sheet)."""
    return headers.map_headers(raw, sheet.columns, index=HEADER_INDEX[sheet.kind], wording="readiness", sheet=sheet.title)


def _cell_problems(text: pl.DataFrame, sheet: Sheet, where: Columns, *, today: date) -> list[Problem]:
    present = [c for c in text.columns if c != "_row"]
    try:
        cell_schema(sheet, present, today=today).validate(text, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.filter(pl.col("index").is_not_null())
    found = []
    for fail in cases.iter_rows(named=True):
        col = COL[(sheet.kind, fail["column"])]
        code = "required" if fail["check"] == "not_nullable" else fail["check"]
        index, value = int(fail["index"]), fail["failure_case"]
        params: dict = {}
        if code == "required":
            params, value = {"todo": col.todo_vi, "todo_en": col.todo_en}, None
        elif code in ("date_future", "date_too_early"):
            params = {"day": pl.select(cells.parse_date(pl.lit(value, dtype=pl.String))).item(), "today": today, "start": EARLIEST_DATE}
        elif code == "code_format":
            params = {"level": "tỉnh", "level_en": "province", "width": "2", "example": "01"}
        elif code in ("not_numeric", "negative", "fractional"):
            params = {"what": col.label_vi.lower(), "what_en": col.label_en.lower()}
        elif code == "vocabulary":
            choices = {"item": ITEM_LABEL_VI, "milestone": MILESTONE_LABEL_VI, "status": STATUS_LABEL_VI}[col.kind]
            params = {"what": col.label_vi.lower(), "what_en": col.label_en.lower(), "choices": ", ".join(choices.values())}
        found.append(make(code, row=int(text["_row"][index]), value=value, **where.at(col.id), **params))
    return found


def typed(text: pl.DataFrame, sheet: Sheet) -> pl.DataFrame:
    """Cells as values (a cell that failed its check is null), in the sheet's typed schema."""
    by_id = {c.id: c for c in sheet.columns}
    exprs = [pl.col("_row")] + [_parser(by_id[c])(pl.col(c)).alias(c) for c in text.columns if c != "_row"]
    frame = text.select(exprs)
    schema = TYPED_SCHEMA[sheet.kind]
    return frame.with_columns(*[pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns]).select(
        [pl.col(c).cast(t) for c, t in schema.items()]
    )


def _duplicates(frame: pl.DataFrame, sheet: Sheet, where: Columns) -> list[Problem]:
    key = list(sheet.key)
    keyed = frame.drop_nulls(key).with_columns(pl.col("_row").min().over(key).alias("first_row"))
    what = {
        "items": ("hạng mục của tỉnh", "province item"),
        "milestones": ("mốc của tỉnh", "province milestone"),
        "agencies": ("bộ, ngành", "ministry/agency"),
    }[sheet.kind]
    return [
        make("duplicate_key", row=r["_row"], first_row=r["first_row"], what=what[0], what_en=what[1], **where.at(key[-1]))
        for r in keyed.filter(pl.col("_row") != pl.col("first_row")).iter_rows(named=True)
    ]


def check_rows(kind: str, frame: pl.DataFrame, ref: Reference, where: Columns | None = None) -> list[Problem]:
    """Register and row rules on typed rows: codes exist, one row per key, dates that go with the values."""
    sheet = SHEET[kind]
    where = where or _places(sheet)
    found = _duplicates(frame, sheet, where)
    for r in frame.iter_rows(named=True):
        row = r["_row"]
        if "province_code" in r and r["province_code"] is not None and r["province_code"] not in ref.provinces:
            found.append(make("unknown_province", row=row, code=r["province_code"], **where.at("province_code")))
        if kind == "items" and r["done"] and r["done_date"] is None:
            found.append(make("done_date_required", row=row, done=r["done"], **where.at("done_date")))
        if kind == "agencies" and r["agency_code"] is not None:
            if r["agency_code"] not in ref.agencies:
                found.append(make("unknown_agency", row=row, code=r["agency_code"], **where.at("agency_code")))
            if r["status"] == "connected" and r["connected_on"] is None:
                found.append(make("connected_date_required", row=row, **where.at("connected_on")))
            if r["status"] not in (None, "connected") and r["connected_on"] is not None:
                found.append(make("connected_date_not_connected", row=row, status=STATUS_LABEL_VI[r["status"]], **where.at("connected_on")))
    if kind == "milestones":
        found += _order_problems(frame, ref, where)
    return found


def _order_problems(frame: pl.DataFrame, ref: Reference, where: Columns) -> list[Problem]:
    """Collection cannot finish before it started (the file's day wins over the stored one)."""
    found = []
    started = {
        r["province_code"]: (r["day"], f"dòng {r['_row']}") for r in frame.filter(pl.col("kind") == "collection_started").iter_rows(named=True)
    }
    for r in ref.milestones.filter(pl.col("kind") == "collection_started").iter_rows(named=True):
        started.setdefault(r["province_code"], (r["day"], "đã lưu"))
    for r in frame.filter(pl.col("kind") == "collection_finished").iter_rows(named=True):
        day, (start, whence) = r["day"], started.get(r["province_code"], (None, ""))
        if day is not None and start is not None and day < start:
            found.append(make("finished_before_started", row=r["_row"], day=day, started=start, where=whence, **where.at("day")))
    return found


def check_file(conn: Connection, data: bytes, filename: str, *, today: date) -> tuple[Parsed | None, list[SheetProblem]]:
    """Read and check every table of a file; typed rows when nothing is wrong, else every problem."""
    try:
        tables = read_sheets(data, filename, max_bytes=settings.load().max_upload_bytes)
    except FileRejected as exc:
        return None, [SheetProblem(PurePath(filename).name, exc.problem)]
    ref = Reference.load(conn)
    frames: dict[str, pl.DataFrame] = {}
    names: dict[str, str] = {}
    found: list[SheetProblem] = []
    for title, raw in tables:
        sheet = _sheet_kind(raw.headers)
        label = title or (sheet.title if sheet else PurePath(filename).name)
        if sheet is None:
            found.append(SheetProblem(label, make("sheet_unknown", row=raw.header_row)))
            continue
        positions, header_problems = _header(raw, sheet)
        mine = list(header_problems)
        if raw.frame.height == 0:
            mine.append(make("header_only", row=raw.header_row))
        else:
            where = _places(sheet, positions, raw.headers)
            text = raw.frame.select("_row", *[pl.col(f"c{i}").alias(cid) for cid, i in positions.items()])
            cell_problems = _cell_problems(text, sheet, where, today=today)
            mine += cell_problems
            frame = typed(text, sheet)
            if not any(p.code == "missing_column" for p in header_problems):
                # A cell that is wrong already says so; the row rules do not repeat it (an invalid date is not "missing").
                failed = {(p.row, p.column) for p in cell_problems}
                mine += [p for p in check_rows(sheet.kind, frame, ref, where) if (p.row, p.column) not in failed]
            if sheet.kind in frames:
                frame = pl.concat([frames[sheet.kind], frame])
            frames[sheet.kind] = frame
            names[sheet.kind] = label
        found += [SheetProblem(label, p) for p in sorted(mine, key=problems.sort_key)]
    return (None, found) if found else (Parsed(frames, names), [])


def typed_rules(kind: str, frame: pl.DataFrame, today: date) -> list[Problem]:
    """Typed rows (the form) get the cell rules a file's text gets from the schema: required values, no future dates."""
    sheet = SHEET[kind]
    where = _places(sheet)
    found = []
    for col in sheet.columns:
        if col.id in frame.columns and not col.nullable:
            for r in frame.filter(pl.col(col.id).is_null()).iter_rows(named=True):
                found.append(make("required", row=r["_row"], todo=col.todo_vi, todo_en=col.todo_en, **where.at(col.id)))
        if col.id in frame.columns and col.kind == "done_date":
            for r in frame.filter(pl.col(col.id) > today).iter_rows(named=True):
                found.append(make("date_future", row=r["_row"], day=r[col.id], today=today, **where.at(col.id)))
    return found
