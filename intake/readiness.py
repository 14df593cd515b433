"""Readiness updates (items, milestones, ministry/agency connections): read a CSV/XLSX with intake.read,
check it whole (declared pandera cell rules, then the register and the other rows) with Vietnamese
row/column messages, and write it in one transaction as one audited batch (kind "readiness") with
history — or write nothing. The page's form and the simulation go through the same `apply`.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

import pandera.polars as pa
import polars as pl
from sqlalchemy import Connection, Engine, delete, insert, select, update

import settings
from db import audit
from db.access import Actor, Permission, require
from db.schema import (
    admin_unit,
    agency_connection,
    agency_connection_history,
    import_batch,
    milestone,
    milestone_history,
    readiness_item,
    readiness_item_history,
)
from db.text import clean_text
from intake import cells, problems
from intake.lock import serialize_writes
from intake.problems import Problem, column_letter
from intake.read import (
    ZIP_MAGIC,
    FileRejected,
    RawTable,
    read_table,
    read_workbook_tables,
)
from intake.spec import INSTRUCTIONS_SHEET, fold
from intake.xlsx_print import form_print_setup
from queries.readiness import CONNECTION_STATUSES, ITEMS, MILESTONES

BATCH_KIND = "readiness"
ACCEPTED, UNCHANGED, REJECTED, DRY_RUN = "accepted", "unchanged", "rejected", "dry_run"
EARLIEST_DATE = date(2019, 1, 1)  # readiness work began before the reporting period (Decision 1368 prepared in 2019–20)

# Labels in the order of the definitions in queries.readiness (one name per value everywhere).
ITEM_LABEL_VI = dict(zip(ITEMS, ("Bộ thiết bị thu nhận", "Đường truyền", "Cán bộ đã tập huấn", "Tổ lưu động"), strict=True))
ITEM_UNIT_VI = dict(zip(ITEMS, ("bộ", "đường", "người", "tổ"), strict=True))
MILESTONE_LABEL_VI = dict(zip(MILESTONES, ("Bắt đầu thu thập", "Hoàn thành thu thập", "Kết nối CSDL"), strict=True))
STATUS_LABEL_VI = dict(zip(CONNECTION_STATUSES, ("Đã kết nối", "Đang thử nghiệm", "Chưa kết nối"), strict=True))
_WORDS = {  # what a cell may say for each value (compared folded: no case, no diacritics)
    "item": {
        "equipment_sets": (ITEM_LABEL_VI["equipment_sets"], "equipment_sets", "bộ thiết bị", "thiết bị", "thiết bị thu nhận"),
        "transmission_lines": (ITEM_LABEL_VI["transmission_lines"], "transmission_lines", "đường truyền kết nối"),
        "staff_trained": (ITEM_LABEL_VI["staff_trained"], "staff_trained", "cán bộ tập huấn", "tập huấn"),
        "mobile_teams": (ITEM_LABEL_VI["mobile_teams"], "mobile_teams", "tổ công tác lưu động", "tổ cấp lưu động"),
    },
    "milestone": {
        "collection_started": (MILESTONE_LABEL_VI["collection_started"], "collection_started", "bắt đầu thu thập dữ liệu"),
        "collection_finished": (MILESTONE_LABEL_VI["collection_finished"], "collection_finished", "hoàn thành thu thập dữ liệu"),
        "db_connected": (MILESTONE_LABEL_VI["db_connected"], "db_connected", "kết nối csdl quốc gia về dân cư", "kết nối"),
    },
    "status": {
        "connected": (STATUS_LABEL_VI["connected"], "connected", "kết nối"),
        "testing": (STATUS_LABEL_VI["testing"], "testing", "thử nghiệm"),
        "not_connected": (STATUS_LABEL_VI["not_connected"], "not_connected", "chưa"),
    },
}
VOCABULARY = {kind: {fold(w): key for key, words in table.items() for w in words} for kind, table in _WORDS.items()}


@dataclass(frozen=True)
class Col:
    """One column of a readiness sheet."""

    id: str
    label_vi: str
    label_en: str
    kind: str  # province | agency | item | milestone | status | count | plan_date | done_date | text
    required: bool  # the column must be there
    nullable: bool  # a cell may be empty
    todo_vi: str
    todo_en: str
    example: str
    aliases: tuple[str, ...] = ()


_PROVINCE = Col("province_code", "Mã tỉnh", "Province code", "province", True, False, "nhập mã tỉnh 2 chữ số (ví dụ 01)",
                "enter the 2-digit GSO province code (e.g. 01)", "01", ("mã tỉnh/thành phố",))
_PROVINCE_NAME = Col("province_name", "Tên tỉnh", "Province name", "text", False, True, "tên tỉnh (chỉ để đọc, không bắt buộc)",
                     "province name (for reading only)", "Hà Nội", ("tỉnh/thành phố",))


@dataclass(frozen=True)
class Sheet:
    kind: str  # items | milestones | agencies
    title: str  # the sheet name in the template
    key: tuple[str, ...]
    columns: tuple[Col, ...]


SHEETS = (
    Sheet("items", "Hạng mục", ("province_code", "item"), (
        _PROVINCE, _PROVINCE_NAME,
        Col("item", "Hạng mục", "Item", "item", True, False, "chọn hạng mục: " + ", ".join(ITEM_LABEL_VI.values()),
            "choose the item: equipment sets, transmission lines, staff trained, mobile teams", ITEM_LABEL_VI["equipment_sets"]),
        Col("planned", "Kế hoạch", "Planned", "count", True, False, "nhập số lượng theo kế hoạch (số nguyên ≥ 0)",
            "enter the planned quantity (whole number ≥ 0)", "120", ("số lượng kế hoạch",)),
        Col("done", "Đã hoàn thành", "Done", "count", True, False, "nhập số lượng đã hoàn thành (số nguyên ≥ 0)",
            "enter the quantity done (whole number ≥ 0)", "80", ("số lượng đã hoàn thành", "đã lắp đặt")),
        Col("planned_date", "Ngày kế hoạch", "Planned date", "plan_date", True, True,
            "nhập ngày phải hoàn thành theo kế hoạch dạng dd/mm/yyyy, hoặc để trống", "enter the planned completion date or leave empty",
            "15/12/2020", ("hạn hoàn thành",)),
        Col("done_date", "Ngày hoàn thành", "Done date", "done_date", True, True,
            "nhập ngày đạt số lượng ở cột „Đã hoàn thành“ dạng dd/mm/yyyy (để trống khi chưa làm được gì)",
            "enter the day the quantity done was reached (empty while nothing is done)", "20/12/2020", ("ngày đạt",)),
    )),
    Sheet("milestones", "Mốc", ("province_code", "kind"), (
        _PROVINCE, _PROVINCE_NAME,
        Col("kind", "Mốc", "Milestone", "milestone", True, False, "chọn mốc: " + ", ".join(MILESTONE_LABEL_VI.values()),
            "choose the milestone: collection started, collection finished, connected to the database", MILESTONE_LABEL_VI["db_connected"],
            ("mốc tiến độ",)),
        Col("day", "Ngày đạt mốc", "Day reached", "done_date", True, True, "nhập ngày đạt mốc dạng dd/mm/yyyy (để trống nếu chưa đạt)",
            "enter the day the milestone was reached (empty if not yet)", "25/09/2020", ("ngày",)),
    )),
    Sheet("agencies", "Kết nối", ("agency_code",), (
        Col("agency_code", "Mã bộ ngành", "Ministry/agency code", "agency", True, False, "nhập mã bộ, ngành theo danh mục (ví dụ BYT)",
            "enter the ministry/agency code from the list (e.g. BYT)", "BYT", ("mã bộ, ngành", "mã cơ quan")),
        Col("agency_name", "Tên bộ ngành", "Ministry/agency name", "text", False, True, "tên bộ, ngành (chỉ để đọc, không bắt buộc)",
            "name (for reading only)", "Bộ Y tế", ("tên bộ, ngành", "tên cơ quan")),
        Col("status", "Trạng thái", "Status", "status", True, False, "chọn trạng thái: " + ", ".join(STATUS_LABEL_VI.values()),
            "choose the status: connected, testing, not connected", STATUS_LABEL_VI["connected"], ("trạng thái kết nối",)),
        Col("connected_on", "Ngày kết nối", "Connected on", "done_date", True, True,
            "nhập ngày kết nối dạng dd/mm/yyyy khi trạng thái là „Đã kết nối“, để trống trong các trường hợp khác",
            "enter the connection day when the status is connected; empty otherwise", "28/09/2020", ("ngày kết nối csdl",)),
    )),
)
SHEET = {s.kind: s for s in SHEETS}
COL = {(s.kind, c.id): c for s in SHEETS for c in s.columns}

# Messages of this format (the report's own problem codes are reused where their words fit).
MESSAGES = {
    "sheet_unknown": ("không nhận ra bảng: dòng tiêu đề phải là của một trong ba bảng mẫu — „Hạng mục“ (Mã tỉnh, Hạng mục, Kế hoạch, "
                      "Đã hoàn thành, Ngày kế hoạch, Ngày hoàn thành), „Mốc“ (Mã tỉnh, Mốc, Ngày đạt mốc) hoặc „Kết nối“ (Mã bộ ngành, "
                      "Trạng thái, Ngày kết nối). Tải mẫu và chép số liệu vào đúng bảng.",
                      "unrecognised table: the header must be that of one of the three template sheets (items, milestones, connections)."),
    "unknown_column": ("tên cột không có trong bảng „{sheet}“ của mẫu — đổi tên cho đúng mẫu hoặc xóa cột này.",
                       "this column is not in the template's “{sheet}” sheet — rename it as in the template or delete it."),
    "header_only": ("tệp chỉ có dòng tiêu đề, không có dòng số liệu nào — nhập mỗi tỉnh mỗi hạng mục (hoặc mốc, bộ ngành) một dòng.",
                    "the file has a header but no data rows."),
    "date_future": ("ngày {day} chưa tới (hôm nay là {today}) — ngày đã hoàn thành, đạt mốc hay kết nối không thể ở tương lai; kiểm tra lại "
                    "(nhầm ngày và tháng, hoặc nhầm năm?).", "{day} is in the future (today is {today}) — a day something was done cannot be."),
    "date_too_early": ("ngày {day} trước {start} — kiểm tra lại ngày (nhầm năm?).", "{day} is before {start} — check the year."),
    "vocabulary": ("giá trị „{value}“ không phải {what} — chọn một trong: {choices}.", "“{value}” is not a {what_en} — choose one of: {choices}."),
    "unknown_agency": ("không có bộ, ngành mã {code} trong danh mục — xem danh mục mã ở trang „Hướng dẫn“ của mẫu (ví dụ BYT là Bộ Y tế).",
                       "there is no ministry/agency with code {code} — see the code list on the template's instructions sheet."),
    "duplicate_key": ("{what} này đã có ở dòng {first_row} — mỗi {what} chỉ một dòng; xóa dòng trùng hoặc sửa lại mã.",
                      "this {what_en} is already on row {first_row} — one row each; delete the duplicate or correct the code."),
    "done_date_required": ("đã hoàn thành {done} nhưng chưa ghi ngày — nhập ngày đạt số lượng này (dd/mm/yyyy).",
                           "{done} done but no date — enter the day that quantity was reached."),
    "connected_date_required": ("trạng thái „Đã kết nối“ cần ngày kết nối — nhập ngày dạng dd/mm/yyyy.",
                                "status connected needs the connection day."),
    "connected_date_not_connected": ("có ngày kết nối nhưng trạng thái là „{status}“ — xóa ngày, hoặc đổi trạng thái thành „Đã kết nối“.",
                                     "a connection day is given but the status is “{status}” — clear the day or set the status to connected."),
    "finished_before_started": ("ngày hoàn thành thu thập {day} trước ngày bắt đầu thu thập {started} ({where}) — kiểm tra lại hai ngày này.",
                                "collection finished on {day}, before it started on {started} ({where}) — check both days."),
}


def make(code: str, /, **kwargs) -> Problem:
    """A Problem from this format's messages, or the report intake's own (intake.problems)."""
    if code not in MESSAGES:
        return problems.make(code, **kwargs)
    vi, en = MESSAGES[code]
    keys = ("row", "column", "letter", "header", "value")
    where = {k: kwargs.pop(k, None) for k in keys}
    params = dict(kwargs)
    if where["value"] is not None:
        params["value"] = where["value"]
    return Problem(code, where["row"], where["column"], where["letter"], where["header"], problems._render(vi, "vi", params),
                   problems._render(en, "en", params), where["value"], params)


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


# --- reading --------------------------------------------------------------------------------------


def read_sheets(data: bytes, filename: str, *, max_bytes: int) -> list[tuple[str | None, RawTable]]:
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


# --- checking -------------------------------------------------------------------------------------


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
        rows = conn.execute(select(milestone.c.province_code, milestone.c.kind, milestone.c.day)).all()
        stored = pl.DataFrame([tuple(r) for r in rows], schema={"province_code": pl.String, "kind": pl.String, "day": pl.Date}, orient="row")
        return cls(provinces, agencies, stored)


@dataclass(frozen=True)
class Parsed:
    """Typed rows per sheet kind (items, milestones, agencies), each with `_row` (spreadsheet row, or the
    line on screen) and the sheet's column ids (TYPED_SCHEMA); `sheet_names` as the file names them."""

    frames: dict[str, pl.DataFrame]
    sheet_names: dict[str, str] = field(default_factory=dict)


TYPED_SCHEMA = {
    "items": {"_row": pl.Int64, "province_code": pl.String, "item": pl.String, "planned": pl.Int64, "done": pl.Int64,
              "planned_date": pl.Date, "done_date": pl.Date},
    "milestones": {"_row": pl.Int64, "province_code": pl.String, "kind": pl.String, "day": pl.Date},
    "agencies": {"_row": pl.Int64, "agency_code": pl.String, "status": pl.String, "connected_on": pl.Date},
}


def _vocabulary(kind: str):
    table = VOCABULARY[kind]
    return lambda col: col.map_batches(lambda s: s.map_elements(lambda v: table.get(fold(v)), return_dtype=pl.String, skip_nulls=True),
                                       return_dtype=pl.String)


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


class _Where:
    def __init__(self, sheet: Sheet, positions: dict[str, int], headers: list[str]):
        self.sheet, self.positions, self.headers = sheet, positions, headers

    def at(self, column: str) -> dict:
        if column in self.positions:
            i = self.positions[column]
            return {"column": column, "letter": column_letter(i), "header": self.headers[i]}
        return {"column": column, "letter": None, "header": COL[(self.sheet.kind, column)].label_vi}


def _sheet_kind(headers: list[str]) -> Sheet | None:
    """The sheet whose columns the header names best (at least its key columns)."""
    best, score = None, 0
    for sheet in SHEETS:
        names = {fold(n): c.id for c in sheet.columns for n in (c.id, c.label_vi, c.label_en, *c.aliases)}
        found = {names[fold(h)] for h in headers if h and fold(h) in names}
        if set(sheet.key) <= found and len(found) > score:
            best, score = sheet, len(found)
    return best


def _header(raw: RawTable, sheet: Sheet) -> tuple[dict[str, int], list[Problem]]:
    names = {fold(n): c.id for c in sheet.columns for n in (c.id, c.label_vi, c.label_en, *c.aliases)}
    positions: dict[str, int] = {}
    found: list[Problem] = []
    row = raw.header_row
    for i, header in enumerate(raw.headers):
        letter = column_letter(i)
        if not header.strip():
            if raw.frame[f"c{i}"].null_count() < raw.frame.height:
                found.append(problems.make("unnamed_column", row=row, letter=letter))
            continue
        col_id = names.get(fold(header))
        if col_id is None:
            found.append(make("unknown_column", row=row, column=header, letter=letter, header=header, sheet=sheet.title))
        elif col_id in positions:
            c = COL[(sheet.kind, col_id)]
            found.append(problems.make("duplicate_column", row=row, column=col_id, letter=letter, header=header,
                                       other=column_letter(positions[col_id]), label=c.label_vi, label_en=c.label_en))
        else:
            positions[col_id] = i
    for c in sheet.columns:
        if c.required and c.id not in positions:
            found.append(problems.make("missing_column", row=row, column=c.id, label=c.label_vi, label_en=c.label_en,
                                       todo=c.todo_vi, todo_en=c.todo_en))
    return positions, found


def _cell_problems(text: pl.DataFrame, sheet: Sheet, where: _Where, *, today: date) -> list[Problem]:
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
            params = {"day": pl.select(cells.parse_date(pl.lit(value, dtype=pl.String))).item(), "today": today,
                      "start": EARLIEST_DATE}
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


def _duplicates(frame: pl.DataFrame, sheet: Sheet, where: _Where) -> list[Problem]:
    key = list(sheet.key)
    keyed = frame.drop_nulls(key).with_columns(pl.col("_row").min().over(key).alias("first_row"))
    what = {"items": ("hạng mục của tỉnh", "province item"), "milestones": ("mốc của tỉnh", "province milestone"),
            "agencies": ("bộ, ngành", "ministry/agency")}[sheet.kind]
    return [make("duplicate_key", row=r["_row"], first_row=r["first_row"], what=what[0], what_en=what[1], **where.at(key[-1]))
            for r in keyed.filter(pl.col("_row") != pl.col("first_row")).iter_rows(named=True)]


def check_rows(kind: str, frame: pl.DataFrame, ref: Reference, where: _Where | None = None) -> list[Problem]:
    """Register and row rules on typed rows: codes exist, one row per key, dates that go with the values."""
    sheet = SHEET[kind]
    where = where or _Where(sheet, {}, [])
    found = _duplicates(frame, sheet, where)
    for r in frame.iter_rows(named=True):
        row = r["_row"]
        if "province_code" in r and r["province_code"] is not None and r["province_code"] not in ref.provinces:
            found.append(problems.make("unknown_province", row=row, code=r["province_code"], **where.at("province_code")))
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


def _order_problems(frame: pl.DataFrame, ref: Reference, where: _Where) -> list[Problem]:
    """Collection cannot finish before it started (the file's day wins over the stored one)."""
    found = []
    started = {r["province_code"]: (r["day"], f"dòng {r['_row']}") for r in frame.filter(pl.col("kind") == "collection_started").iter_rows(named=True)}
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
            where = _Where(sheet, positions, raw.headers)
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


# --- writing --------------------------------------------------------------------------------------

_STORED = {
    "items": (readiness_item, readiness_item_history, ("province_code", "item"), ("planned", "done", "planned_date", "done_date")),
    "milestones": (milestone, milestone_history, ("province_code", "kind"), ("day",)),
    "agencies": (agency_connection, agency_connection_history, ("agency_code",), ("status", "connected_on")),
}


@dataclass(frozen=True)
class Result:
    """What happened to one update (file, form or simulated report)."""

    status: str  # accepted | unchanged | rejected | dry_run
    source_name: str
    content_hash: str
    problems: list[SheetProblem] = field(default_factory=list)
    batch_id: int | None = None
    duplicate_of: dict | None = None
    changes: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet kind -> new / replaced / unchanged

    @property
    def ok(self) -> bool:
        return self.status != REJECTED


def frames_hash(frames: dict[str, pl.DataFrame]) -> str:
    """Content hash of typed rows (form and simulated updates have no file bytes)."""
    digest = hashlib.sha256()
    for kind in sorted(frames):
        digest.update(kind.encode())
        digest.update(frames[kind].drop("_row", strict=False).sort(list(SHEET[kind].key)).write_csv().encode())
    return digest.hexdigest()


def _stored(conn: Connection, kind: str) -> pl.DataFrame:
    table, _, key, values = _STORED[kind]
    cols = [*key, *values, "batch_id", "updated_by", "updated_at"]
    schema = {c: t for c, t in TYPED_SCHEMA[kind].items() if c in cols} | {"batch_id": pl.Int64, "updated_by": pl.String,
                                                                           "updated_at": pl.Datetime("us")}
    rows = conn.execute(select(*[table.c[c] for c in cols])).all()
    return pl.DataFrame([tuple(r) for r in rows], schema={c: schema[c] for c in cols}, orient="row")


def _classify(frame: pl.DataFrame, stored: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Adds `change`: new (nothing stored), same (every value equal) or replace."""
    _, _, key, values = _STORED[kind]
    old = stored.select(*key, *[pl.col(v).alias(f"old_{v}") for v in values], pl.lit(True).alias("stored"))
    joined = frame.join(old, on=list(key), how="left")
    same = pl.all_horizontal([pl.col(v).eq_missing(pl.col(f"old_{v}")) for v in values])
    return joined.with_columns(
        pl.when(pl.col("stored").is_null()).then(pl.lit("new")).when(same).then(pl.lit("same")).otherwise(pl.lit("replace")).alias("change")
    ).drop("stored", *[f"old_{v}" for v in values])


def _earlier(conn: Connection, digest: str) -> dict | None:
    row = conn.execute(
        select(import_batch.c.id, import_batch.c.received_at, import_batch.c.submitted_by, import_batch.c.source_name)
        .where(import_batch.c.content_hash == digest, import_batch.c.kind == BATCH_KIND, import_batch.c.status == "active")
        .order_by(import_batch.c.id).limit(1)
    ).first()
    return dict(row._mapping) if row else None


def _dates(changed: dict[str, pl.DataFrame]) -> list[date]:
    out = []
    for kind, frame in changed.items():
        for c in {"items": ("done_date",), "milestones": ("day",), "agencies": ("connected_on",)}[kind]:
            out += frame[c].drop_nulls().to_list()
    return out


def apply(conn: Connection, parsed: Parsed, *, source_name: str, submitted_by: str, received_at: datetime, content_hash: str,
          dry_run: bool = False, note: str | None = None, actor: Actor | None = None) -> Result:
    """Inside the caller's transaction: compare with what is stored and write the changed rows as one
    batch — previous values to the history tables with the replacing batch and time. Same content hash
    already imported, or nothing changed: no batch. Call with checked rows only (see check_rows)."""
    earlier = _earlier(conn, content_hash)
    if earlier is not None:
        return Result(UNCHANGED, source_name, content_hash, duplicate_of=earlier)
    classified = {kind: _classify(frame, _stored(conn, kind), kind) for kind, frame in parsed.frames.items()}
    changes = {kind: {"new": 0, "replace": 0, "same": 0} | dict(f.group_by("change").len().iter_rows()) for kind, f in classified.items()}
    changed = {kind: f.filter(pl.col("change") != "same") for kind, f in classified.items()}
    if not any(f.height for f in changed.values()):
        return Result(UNCHANGED, source_name, content_hash, changes=changes)
    if dry_run:
        return Result(DRY_RUN, source_name, content_hash, changes=changes)
    provinces = {p for kind in ("items", "milestones") if kind in changed for p in changed[kind]["province_code"].to_list()}
    batch_province = next(iter(provinces)) if len(provinces) == 1 else None
    days = _dates(changed)
    batch_id = conn.execute(insert(import_batch).returning(import_batch.c.id), {
        "kind": BATCH_KIND, "source_name": source_name[:255], "content_hash": content_hash, "submitted_by": submitted_by[:120],
        "received_at": received_at, "province_code": batch_province,
        "row_count": sum(f.height for f in changed.values()), "date_from": min(days, default=None), "date_to": max(days, default=None),
        "status": "active", "note": note, "user_id": actor.user_id if actor else None,
    }).scalar_one()
    if actor is not None:
        audit.record(conn, actor, "readiness_update", province_code=sorted(provinces)[0] if len(provinces) == 1 else None,
                     target=f"batch #{batch_id}", detail={"source": source_name[:120], **{k: f.height for k, f in changed.items()}},
                     at=received_at)
    for kind, frame in changed.items():
        if frame.height:
            _write(conn, kind, frame, batch_id=batch_id, who=submitted_by[:120], when=received_at)
    return Result(ACCEPTED, source_name, content_hash, batch_id=batch_id, changes=changes)


def _write(conn: Connection, kind: str, frame: pl.DataFrame, *, batch_id: int, who: str, when: datetime) -> None:
    table, history, key, values = _STORED[kind]
    replaced = frame.filter(pl.col("change") == "replace")
    if replaced.height:
        keys = replaced.select(*key).rows()
        for k in keys:
            match = [table.c[c] == v for c, v in zip(key, k, strict=True)]
            old = conn.execute(select(*[table.c[c] for c in (*key, *values, "batch_id", "updated_by", "updated_at")]).where(*match)).one()
            conn.execute(insert(history), {**old._mapping, "replaced_by_batch_id": batch_id, "replaced_at": when})
    rows = [{**{c: r[c] for c in (*key, *values)}, "batch_id": batch_id, "updated_by": who, "updated_at": when}
            for r in frame.iter_rows(named=True)]
    if kind == "agencies":  # the list is reference data: every agency row exists already
        for r in rows:
            conn.execute(update(table).where(table.c.agency_code == r["agency_code"]).values(**{c: v for c, v in r.items() if c != "agency_code"}))
        return
    for k in replaced.select(*key).rows():
        conn.execute(delete(table).where(*[table.c[c] == v for c, v in zip(key, k, strict=True)]))
    conn.execute(insert(table), rows)


def import_file(engine: Engine, data: bytes, filename: str, *, actor: Actor | None, dry_run: bool = False,
                now: datetime | None = None) -> Result:
    """Check the whole file, then in one transaction write it as one batch — or nothing (rejected,
    unchanged, dry run). Database errors propagate after the rollback: nothing partial. AccessDenied
    (nothing written) when a row concerns a province, or the ministries' list, the actor may not change."""
    require(actor, Permission.edit_readiness)
    now = (now or datetime.now()).replace(microsecond=0)
    name = clean_text(PurePath(filename).name, limit=255) or "(không tên)"
    digest = hashlib.sha256(data).hexdigest()
    with engine.connect() as conn:
        parsed, found = check_file(conn, data, name, today=now.date())
    if found:
        return Result(REJECTED, name, digest, found)
    with engine.begin() as conn:
        serialize_writes(conn)
        return _checked_apply(conn, parsed, source_name=name, actor=actor, now=now, digest=digest, dry_run=dry_run)


def submit(engine: Engine, frames: dict[str, pl.DataFrame], *, source_name: str, actor: Actor | None, dry_run: bool = False,
           now: datetime | None = None) -> Result:
    """The form's path: typed rows (with `_row` = the line on screen) checked like a file, then written as one batch."""
    require(actor, Permission.edit_readiness)
    now = (now or datetime.now()).replace(microsecond=0)
    frames = {k: f.select([pl.col(c).cast(t) for c, t in TYPED_SCHEMA[k].items()]) for k, f in frames.items()}
    with engine.begin() as conn:
        serialize_writes(conn)
        return _checked_apply(conn, Parsed(frames), source_name=source_name, actor=actor, now=now, digest=frames_hash(frames),
                              dry_run=dry_run)


def _require_scope(actor: Actor, parsed: Parsed) -> None:
    """Every row of the update must be the actor's to change: provinces' rows need the readiness
    permission for that province, ministry rows the national one. Refused whole, before any write."""
    provinces = {p for kind in ("items", "milestones") if kind in parsed.frames for p in parsed.frames[kind]["province_code"].to_list()}
    require(actor, Permission.edit_readiness, provinces)
    if "agencies" in parsed.frames and parsed.frames["agencies"].height:
        require(actor, Permission.edit_agencies)


def _checked_apply(conn: Connection, parsed: Parsed, *, source_name: str, actor: Actor, now: datetime, digest: str, dry_run: bool) -> Result:
    """Row checks again inside the write transaction (the register or stored milestones may have changed), then apply."""
    _require_scope(actor, parsed)
    ref = Reference.load(conn)
    found = [SheetProblem(parsed.sheet_names.get(kind, SHEET[kind].title), p)
             for kind, frame in parsed.frames.items() for p in check_rows(kind, frame, ref)]
    found += [SheetProblem(SHEET[kind].title, p) for kind, frame in parsed.frames.items() for p in _typed_rules(kind, frame, now.date())]
    if found:
        return Result(REJECTED, source_name, digest, found)
    return apply(conn, parsed, source_name=source_name, submitted_by=actor.label, received_at=now, content_hash=digest, dry_run=dry_run,
                 actor=actor)


def _typed_rules(kind: str, frame: pl.DataFrame, today: date) -> list[Problem]:
    """Typed rows (the form) get the cell rules a file's text gets from the schema: required values, no future dates."""
    sheet = SHEET[kind]
    where = _Where(sheet, {}, [])
    found = []
    for col in sheet.columns:
        if col.id in frame.columns and not col.nullable:
            for r in frame.filter(pl.col(col.id).is_null()).iter_rows(named=True):
                found.append(make("required", row=r["_row"], todo=col.todo_vi, todo_en=col.todo_en, **where.at(col.id)))
        if col.id in frame.columns and col.kind == "done_date":
            for r in frame.filter(pl.col(col.id) > today).iter_rows(named=True):
                found.append(make("date_future", row=r["_row"], day=r[col.id], today=today, **where.at(col.id)))
    return found


# --- in words -------------------------------------------------------------------------------------


def headline(result: Result) -> str:
    """One Vietnamese sentence: accepted / unchanged / dry run / rejected."""
    name = f"„{result.source_name}“"
    if result.status == ACCEPTED:
        return f"Đã ghi {name}: lô #{result.batch_id} ({change_text(result)})."
    if result.status == UNCHANGED and result.duplicate_of:
        d = result.duplicate_of
        return (f"{name} đã được nhập trước đó (lô #{d['id']}, {d['received_at']:%d/%m/%Y %H:%M}, người gửi {d['submitted_by']}): "
                "không có gì thay đổi.")
    if result.status == UNCHANGED:
        return f"{name} không có gì mới: mọi dòng đã có đúng số liệu này; không ghi gì."
    if result.status == DRY_RUN:
        return f"{name} hợp lệ ({change_text(result)}). Chạy thử: chưa ghi gì."
    return (f"{name} bị từ chối: {len(result.problems)} lỗi, không có dòng nào được ghi. "
            "Sửa các lỗi dưới đây rồi gửi lại.")


def change_text(result: Result) -> str:
    parts = []
    for kind, c in result.changes.items():
        parts.append(f"{SHEET[kind].title}: mới {c.get('new', 0)}, sửa {c.get('replace', 0)}, không đổi {c.get('same', 0)}")
    return "; ".join(parts)


def result_lines(result: Result) -> list[str]:
    return [headline(result), *[p.message() for p in result.problems]]


# --- the template ---------------------------------------------------------------------------------

TEMPLATE_ROWS = 2000  # rows with cell validation per sheet (63 provinces × 4 items = 252)
NOTES_VI = (
    "Ba bảng: „Hạng mục“ (mỗi tỉnh mỗi hạng mục một dòng), „Mốc“ (mỗi tỉnh mỗi mốc một dòng), „Kết nối“ (mỗi bộ, ngành một dòng). "
    "Chỉ điền bảng cần cập nhật; bảng để trống được bỏ qua. Cũng có thể gửi một tệp CSV UTF-8 cho một bảng (dòng tiêu đề như trong mẫu).",
    "Hạng mục: Bộ thiết bị thu nhận (bộ), Đường truyền (đường, từ công an tỉnh và từng huyện), Cán bộ đã tập huấn (người), Tổ lưu động (tổ).",
    "„Đã hoàn thành“ là số lượng đạt được đến „Ngày hoàn thành“; cập nhật tiến độ bằng cách gửi số mới với ngày mới. "
    "Số đã hoàn thành được phép lớn hơn kế hoạch (lắp thêm, tập huấn thêm).",
    "Một dòng gửi sau thay cho số liệu của hạng mục đó từ ngày ghi trên dòng trở về sau (sửa số liệu); số liệu cũ vẫn được lưu "
    "trong lịch sử (ai gửi, lúc nào, lô nào). Gửi các báo cáo theo thứ tự ngày.",
    "Mốc: Bắt đầu thu thập, Hoàn thành thu thập (thông tin dân cư), Kết nối CSDL (tỉnh đã kết nối, chia sẻ dữ liệu với CSDL quốc gia "
    "về dân cư). Ngày để trống = chưa đạt. Ngày hoàn thành thu thập không thể trước ngày bắt đầu.",
    "Kết nối: trạng thái Đã kết nối (phải có ngày kết nối), Đang thử nghiệm hoặc Chưa kết nối (không ghi ngày). Mã bộ, ngành ở bảng dưới đây.",
    "Ngày dạng dd/mm/yyyy (ví dụ 15/12/2020) hoặc ô ngày của Excel; ngày đã làm xong không thể ở tương lai. Mã tỉnh 2 chữ số (Excel bỏ số 0 "
    "ở đầu thì hệ thống tự thêm lại). Số lượng là số nguyên ≥ 0.",
    "Tệp bị từ chối thì không có dòng nào được ghi; danh sách lỗi ghi rõ bảng, dòng, cột và cách sửa. Gửi lại đúng tệp đã nhập: không có gì thay đổi.",
)


def _template_validation(col: Col) -> dict | None:
    words = {"item": ITEM_LABEL_VI, "milestone": MILESTONE_LABEL_VI, "status": STATUS_LABEL_VI}
    if col.kind in words:
        return {"validate": "list", "source": list(words[col.kind].values()), "input_title": col.label_vi,
                "error_title": col.label_vi, "error_message": "Chọn một giá trị trong danh sách."}
    if col.kind == "count":
        return {"validate": "integer", "criteria": ">=", "value": 0, "ignore_blank": True, "input_title": col.label_vi,
                "error_title": "Số không hợp lệ", "error_message": "Nhập số nguyên ≥ 0."}
    if col.kind in ("plan_date", "done_date"):
        return {"validate": "date", "criteria": ">=", "value": EARLIEST_DATE, "ignore_blank": True, "input_title": col.label_vi,
                "input_message": "Ngày dạng dd/mm/yyyy.", "error_title": "Ngày không hợp lệ",
                "error_message": f"Nhập ngày dạng dd/mm/yyyy, từ {EARLIEST_DATE:%d/%m/%Y} trở đi."}
    return None


def template_xlsx(*, provinces: dict[str, str], agencies: dict[str, str], rows: dict[str, pl.DataFrame] | None = None) -> bytes:
    """The update template: sheets "Hạng mục", "Mốc", "Kết nối" (header, dropdowns, validated cells;
    prefilled with `rows` when given — the stored values, to edit and send back) and "Hướng dẫn"
    (notes, columns, province and ministry/agency codes)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    header = book.add_format({"bold": True, "bg_color": "#f3f4f6", "border": 1, "text_wrap": True, "valign": "top"})
    formats = {"province": book.add_format({"num_format": "@"}), "agency": book.add_format({"num_format": "@"}),
               "plan_date": book.add_format({"num_format": "dd/mm/yyyy"}), "done_date": book.add_format({"num_format": "dd/mm/yyyy"}),
               "count": book.add_format({"num_format": "0"})}
    labels = {"item": ITEM_LABEL_VI, "kind": MILESTONE_LABEL_VI, "status": STATUS_LABEL_VI}
    for sheet in SHEETS:
        ws = book.add_worksheet(sheet.title)
        for j, col in enumerate(sheet.columns):
            ws.write_string(0, j, col.label_vi, header)
            ws.set_column(j, j, 26 if col.kind in ("text", "item", "milestone", "status") else 16, formats.get(col.kind))
            rule = _template_validation(col)
            if rule:
                ws.data_validation(1, j, TEMPLATE_ROWS, j, rule)
        ws.set_row(0, 32)
        ws.freeze_panes(1, 0)
        form_print_setup(ws, f"Sẵn sàng triển khai — {sheet.title}")
        frame = (rows or {}).get(sheet.kind)
        if frame is None:
            continue
        for i, r in enumerate(frame.iter_rows(named=True), start=1):
            for j, col in enumerate(sheet.columns):
                value = r.get(col.id)
                if col.id == "province_name":
                    value = provinces.get(r.get("province_code"))
                elif col.id == "agency_name":
                    value = agencies.get(r.get("agency_code"))
                elif col.id in labels and value is not None:
                    value = labels[col.id][value]
                if value is None:
                    continue
                if isinstance(value, date):
                    ws.write_datetime(i, j, datetime.combine(value, datetime.min.time()), formats[col.kind])
                elif isinstance(value, int):
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, str(value))
    notes = book.add_worksheet(INSTRUCTIONS_SHEET)
    bold = book.add_format({"bold": True})
    notes.write_string(0, 0, "Mẫu cập nhật tình hình sẵn sàng triển khai và kết nối CSDL quốc gia về dân cư",
                       book.add_format({"bold": True, "font_size": 14}))
    line = 2
    for i, text in enumerate(NOTES_VI, start=1):
        notes.write_string(line, 0, f"{i}. {text}")
        line += 1
    line += 1
    for j, title in enumerate(("Bảng", "Cột", "Bắt buộc", "Cách nhập", "Ví dụ")):
        notes.write_string(line, j, title, header)
    for sheet in SHEETS:
        for col in sheet.columns:
            line += 1
            notes.write_string(line, 0, sheet.title)
            notes.write_string(line, 1, col.label_vi, bold)
            notes.write_string(line, 2, "có" if col.required and not col.nullable else ("có cột, ô được để trống" if col.required else "không"))
            notes.write_string(line, 3, col.todo_vi[0].upper() + col.todo_vi[1:] + ".")
            notes.write_string(line, 4, col.example)
    for title, table in (("Mã tỉnh", provinces), ("Mã bộ ngành", agencies)):
        line += 2
        notes.write_string(line, 0, title, header)
        notes.write_string(line, 1, "Tên", header)
        for code, name in sorted(table.items()):
            line += 1
            notes.write_string(line, 0, code)
            notes.write_string(line, 1, name)
    notes.set_column(0, 0, 16)
    notes.set_column(1, 1, 40)
    notes.set_column(2, 2, 22)
    notes.set_column(3, 3, 90)
    notes.set_column(4, 4, 14)
    form_print_setup(notes, "Hướng dẫn cập nhật sẵn sàng triển khai", header_row=None)
    book.close()
    return buffer.getvalue()


def stored_rows(conn: Connection) -> dict[str, pl.DataFrame]:
    """The current values of every sheet (to prefill the template)."""
    return {kind: _stored(conn, kind).drop("batch_id", "updated_by", "updated_at").sort(list(SHEET[kind].key)) for kind in _STORED}


def template_for(conn: Connection, *, prefill: bool = False) -> bytes:
    """The template with this database's province and agency codes (and its current values when `prefill`)."""
    ref = Reference.load(conn)
    return template_xlsx(provinces=ref.provinces, agencies=ref.agencies, rows=stored_rows(conn) if prefill else None)


def clear_all(conn: Connection) -> None:
    """Remove every readiness update, its history and its batches; ministries/agencies go back to the
    list's state (not connected). Only the simulated data set's rebuild calls this."""
    for table in (readiness_item_history, milestone_history, agency_connection_history, readiness_item, milestone):
        conn.execute(delete(table))
    conn.execute(update(agency_connection).values(status="not_connected", connected_on=None, batch_id=None, updated_by=None,
                                                  updated_at=None))
    conn.execute(delete(import_batch).where(import_batch.c.kind == BATCH_KIND))
