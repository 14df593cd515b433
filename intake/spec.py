"""The report format agreed with the provinces: columns (canonical id, Vietnamese label), types, value types, limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db.schema import COUNT_COLUMNS
from intake.headers import fold, header_index

# First day of the reporting period (preparation of the chip-card rollout; the calendar starts here).
EARLIEST_REPORT_DATE = date(2020, 9, 1)
# Digits per code at each level (GSO codes; Excel drops the leading zeros, we pad them back).
CODE_WIDTH = {"province_code": 2, "district_code": 3, "commune_code": 5}
# The template's instructions sheet; a workbook's data is on its first other sheet.
INSTRUCTIONS_SHEET = "Hướng dẫn"


@dataclass(frozen=True)
class Field:
    """One column of the report template."""

    id: str
    label_vi: str
    label_en: str
    kind: str  # date | code | count | value_type
    required: bool  # the column must be in the file
    nullable: bool  # a cell may be empty
    todo_vi: str  # what the officer should type, as an instruction
    todo_en: str
    example: str
    aliases: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field(
        "report_date",
        "Ngày báo cáo",
        "Report date",
        "date",
        True,
        False,
        "nhập ngày báo cáo dạng dd/mm/yyyy (ví dụ 15/03/2021) hoặc yyyy-mm-dd",
        "enter the report date as dd/mm/yyyy (e.g. 15/03/2021) or yyyy-mm-dd",
        "15/03/2021",
        ("ngày", "date"),
    ),
    Field(
        "province_code",
        "Mã tỉnh",
        "Province code",
        "code",
        True,
        False,
        "nhập mã tỉnh 2 chữ số theo danh mục Tổng cục Thống kê (ví dụ 01)",
        "enter the 2-digit GSO province code (e.g. 01)",
        "01",
        ("mã tỉnh/thành phố", "mã tỉnh/tp"),
    ),
    Field(
        "district_code",
        "Mã huyện",
        "District code",
        "code",
        True,
        False,
        "nhập mã huyện 3 chữ số theo danh mục Tổng cục Thống kê (ví dụ 001)",
        "enter the 3-digit GSO district code (e.g. 001)",
        "001",
        ("mã quận/huyện",),
    ),
    Field(
        "commune_code",
        "Mã xã",
        "Commune code",
        "code",
        True,
        True,
        "nhập mã xã 5 chữ số theo danh mục Tổng cục Thống kê (ví dụ 00001); để trống khi dòng báo cáo cho cả huyện",
        "enter the 5-digit GSO commune code (e.g. 00001); leave it empty for a row reporting the whole district",
        "00001",
        ("mã phường/xã", "mã xã/phường/thị trấn"),
    ),
    Field(
        "applications_received",
        "Số hồ sơ tiếp nhận",
        "Applications received",
        "count",
        True,
        False,
        "nhập số hồ sơ cấp CCCD đã tiếp nhận (số nguyên ≥ 0)",
        "enter the number of card applications received (whole number ≥ 0)",
        "125",
        ("hồ sơ cccd đã thu nhận", "số hồ sơ thu nhận"),
    ),
    Field(
        "cards_produced",
        "Số thẻ đã sản xuất",
        "Cards produced",
        "count",
        False,
        True,
        "nhập số thẻ đã sản xuất (số nguyên ≥ 0) hoặc để trống",
        "enter the number of cards produced (whole number ≥ 0) or leave empty",
        "",
        ("thẻ cccd đã sản xuất",),
    ),
    Field(
        "cards_delivered",
        "Số thẻ đã trả cho công dân",
        "Cards delivered",
        "count",
        True,
        False,
        "nhập số thẻ đã trả cho công dân (số nguyên ≥ 0)",
        "enter the number of cards delivered to citizens (whole number ≥ 0)",
        "80",
        ("số thẻ đã trả", "thẻ cccd đã trả cho công dân"),
    ),
    Field(
        "records_collected",
        "Số phiếu thu thập thông tin dân cư",
        "Population records collected",
        "count",
        True,
        False,
        "nhập số phiếu thu thập thông tin dân cư (số nguyên ≥ 0)",
        "enter the number of population record forms collected (whole number ≥ 0)",
        "300",
        ("số phiếu thu thập", "phiếu thu thập thông tin dân cư"),
    ),
    Field(
        "records_verified",
        "Số bản ghi đã cập nhật vào CSDL",
        "Records verified into the database",
        "count",
        True,
        False,
        "nhập số bản ghi đã cập nhật vào CSDL quốc gia về dân cư (số nguyên ≥ 0)",
        "enter the number of records entered into the national population database (whole number ≥ 0)",
        "280",
        ("số bản ghi đã cập nhật", "dữ liệu dân cư đã cập nhật vào csdl"),
    ),
    Field(
        "value_type",
        "Loại số liệu",
        "Value type",
        "value_type",
        False,
        True,
        "chọn „theo ngày“ (số phát sinh trong ngày) hoặc „lũy kế“ (cộng dồn đến hết ngày); để trống là theo ngày",
        "choose “daily” or “cumulative”; empty means daily",
        "theo ngày",
    ),
)
FIELD = {f.id: f for f in FIELDS}
COUNT_FIELDS: tuple[str, ...] = COUNT_COLUMNS
CODE_FIELDS: tuple[str, ...] = tuple(CODE_WIDTH)

DAILY = "daily"
CUMULATIVE = "cumulative"
VALUE_TYPE_LABEL_VI = {DAILY: "theo ngày", CUMULATIVE: "lũy kế"}
VALUE_TYPE_LABEL_EN = {DAILY: "daily", CUMULATIVE: "cumulative"}
_VALUE_TYPE_WORDS = {
    DAILY: ("daily", "theo ngày", "ngày", "trong ngày", "hằng ngày", "hàng ngày", "phát sinh"),
    CUMULATIVE: ("cumulative", "lũy kế", "cộng dồn", "tổng cộng dồn"),
}


HEADER_INDEX = header_index(FIELDS)
VALUE_TYPE_INDEX = {fold(word): value for value, words in _VALUE_TYPE_WORDS.items() for word in words}


def field_for_header(header: str) -> str | None:
    """The canonical column id a header names (id, Vietnamese label or a known alias), or None."""
    return HEADER_INDEX.get(fold(header))


def value_type_of(cell: str) -> str | None:
    """'lũy kế' → 'cumulative', 'theo ngày' → 'daily', anything else → None."""
    return VALUE_TYPE_INDEX.get(fold(cell))
