"""The readiness update format: its three sheets' columns (id, Vietnamese label, aliases), vocabularies and typed schema."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

import polars as pl

from db.readiness_store import KINDS
from intake import problems
from intake.headers import fold, header_index
from queries.readiness import CONNECTION_STATUSES, ITEMS, MILESTONES

EARLIEST_DATE = date(2019, 1, 1)  # readiness work began before the reporting period (Decision 1368 prepared in 2019–20)

# Labels in the order of the definitions in queries.readiness (one name per value everywhere).
ITEM_LABEL_VI = dict(zip(ITEMS, ("Bộ thiết bị thu nhận", "Đường truyền", "Cán bộ đã tập huấn", "Tổ lưu động"), strict=True))
ITEM_UNIT_VI = dict(zip(ITEMS, ("bộ", "đường", "người", "tổ"), strict=True))
MILESTONE_LABEL_VI = dict(zip(MILESTONES, ("Bắt đầu thu thập", "Hoàn thành thu thập", "Kết nối CSDL"), strict=True))
STATUS_LABEL_VI = dict(zip(CONNECTION_STATUSES, ("Đã kết nối", "Đang thử nghiệm", "Chưa kết nối"), strict=True))
_WORDS: dict[str, dict[str, tuple[str, ...]]] = {  # what a cell may say for each value (compared folded: no case, no diacritics)
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


_PROVINCE = Col(
    "province_code",
    "Mã tỉnh",
    "Province code",
    "province",
    True,
    False,
    "nhập mã tỉnh 2 chữ số (ví dụ 01)",
    "enter the 2-digit GSO province code (e.g. 01)",
    "01",
    ("mã tỉnh/thành phố",),
)
_PROVINCE_NAME = Col(
    "province_name",
    "Tên tỉnh",
    "Province name",
    "text",
    False,
    True,
    "tên tỉnh (chỉ để đọc, không bắt buộc)",
    "province name (for reading only)",
    "Hà Nội",
    ("tỉnh/thành phố",),
)


@dataclass(frozen=True)
class Sheet:
    kind: str  # items | milestones | agencies
    title: str  # the sheet name in the template
    key: tuple[str, ...]
    columns: tuple[Col, ...]

    @property
    def labels(self) -> dict[str, str]:
        """Column id -> Vietnamese label (how a column absent from the file, or a typed row's, is named)."""
        return {c.id: c.label_vi for c in self.columns}


SHEETS = (
    Sheet(
        "items",
        "Hạng mục",
        ("province_code", "item"),
        (
            _PROVINCE,
            _PROVINCE_NAME,
            Col(
                "item",
                "Hạng mục",
                "Item",
                "item",
                True,
                False,
                "chọn hạng mục: " + ", ".join(ITEM_LABEL_VI.values()),
                "choose the item: equipment sets, transmission lines, staff trained, mobile teams",
                ITEM_LABEL_VI["equipment_sets"],
            ),
            Col(
                "planned",
                "Kế hoạch",
                "Planned",
                "count",
                True,
                False,
                "nhập số lượng theo kế hoạch (số nguyên ≥ 0)",
                "enter the planned quantity (whole number ≥ 0)",
                "120",
                ("số lượng kế hoạch",),
            ),
            Col(
                "done",
                "Đã hoàn thành",
                "Done",
                "count",
                True,
                False,
                "nhập số lượng đã hoàn thành (số nguyên ≥ 0)",
                "enter the quantity done (whole number ≥ 0)",
                "80",
                ("số lượng đã hoàn thành", "đã lắp đặt"),
            ),
            Col(
                "planned_date",
                "Ngày kế hoạch",
                "Planned date",
                "plan_date",
                True,
                True,
                "nhập ngày phải hoàn thành theo kế hoạch dạng dd/mm/yyyy, hoặc để trống",
                "enter the planned completion date or leave empty",
                "15/12/2020",
                ("hạn hoàn thành",),
            ),
            Col(
                "done_date",
                "Ngày hoàn thành",
                "Done date",
                "done_date",
                True,
                True,
                "nhập ngày đạt số lượng ở cột „Đã hoàn thành“ dạng dd/mm/yyyy (để trống khi chưa làm được gì)",
                "enter the day the quantity done was reached (empty while nothing is done)",
                "20/12/2020",
                ("ngày đạt",),
            ),
        ),
    ),
    Sheet(
        "milestones",
        "Mốc",
        ("province_code", "kind"),
        (
            _PROVINCE,
            _PROVINCE_NAME,
            Col(
                "kind",
                "Mốc",
                "Milestone",
                "milestone",
                True,
                False,
                "chọn mốc: " + ", ".join(MILESTONE_LABEL_VI.values()),
                "choose the milestone: collection started, collection finished, connected to the database",
                MILESTONE_LABEL_VI["db_connected"],
                ("mốc tiến độ",),
            ),
            Col(
                "day",
                "Ngày đạt mốc",
                "Day reached",
                "done_date",
                True,
                True,
                "nhập ngày đạt mốc dạng dd/mm/yyyy (để trống nếu chưa đạt)",
                "enter the day the milestone was reached (empty if not yet)",
                "25/09/2020",
                ("ngày",),
            ),
        ),
    ),
    Sheet(
        "agencies",
        "Kết nối",
        ("agency_code",),
        (
            Col(
                "agency_code",
                "Mã bộ ngành",
                "Ministry/agency code",
                "agency",
                True,
                False,
                "nhập mã bộ, ngành theo danh mục (ví dụ BYT)",
                "enter the ministry/agency code from the list (e.g. BYT)",
                "BYT",
                ("mã bộ, ngành", "mã cơ quan"),
            ),
            Col(
                "agency_name",
                "Tên bộ ngành",
                "Ministry/agency name",
                "text",
                False,
                True,
                "tên bộ, ngành (chỉ để đọc, không bắt buộc)",
                "name (for reading only)",
                "Bộ Y tế",
                ("tên bộ, ngành", "tên cơ quan"),
            ),
            Col(
                "status",
                "Trạng thái",
                "Status",
                "status",
                True,
                False,
                "chọn trạng thái: " + ", ".join(STATUS_LABEL_VI.values()),
                "choose the status: connected, testing, not connected",
                STATUS_LABEL_VI["connected"],
                ("trạng thái kết nối",),
            ),
            Col(
                "connected_on",
                "Ngày kết nối",
                "Connected on",
                "done_date",
                True,
                True,
                "nhập ngày kết nối dạng dd/mm/yyyy khi trạng thái là „Đã kết nối“, để trống trong các trường hợp khác",
                "enter the connection day when the status is connected; empty otherwise",
                "28/09/2020",
                ("ngày kết nối csdl",),
            ),
        ),
    ),
)
SHEET = {s.kind: s for s in SHEETS}
COL = {(s.kind, c.id): c for s in SHEETS for c in s.columns}

# Typed rows of each sheet: `_row` (spreadsheet row, or the line on screen), then the stored key and value columns.
TYPED_SCHEMA = {kind: {"_row": pl.Int64, **stored.types} for kind, stored in KINDS.items()}
# The problem catalogue (intake.problems) with this format's own words where the report's do not fit.
make = partial(problems.make, wording="readiness")
# Folded header name -> column id, per sheet (intake.headers).
HEADER_INDEX = {s.kind: header_index(s.columns) for s in SHEETS}
