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
                sheet.write_datetime(i, j, value, formats.get(column, formats["projected_completion"]))
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


# --- the handout workbook: rankings, regions, districts and notes in one file ----------------------------

# The same headers as the rankings sheet (ui.tables), plus what only units below a province need.
UNIT_COLUMNS = {**RANKING_COLUMNS, "code": "Mã", "name": "Tên", "province_name": "Tỉnh/thành phố"}
REGION_SHEET_COLUMNS = ["name", "cumulative", "denominator", "coverage", "pace", "required_daily_rate", "projected_completion", "status", "completeness"]
DISTRICT_SHEET_COLUMNS = ["rank", "code", "name", "province_name", "cumulative", "denominator", "coverage", "pace", "required_daily_rate",
                          "projected_completion", "status", "completeness", "notes"]
HANDOUT_SHEETS = ("Xếp hạng tỉnh", "Vùng", "Huyện", "Ghi chú")
# Added before the notes when readiness data is stored (issue "Deployment readiness").
READINESS_SHEET = "Sẵn sàng"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _write_sheet(book, name: str, frame: pl.DataFrame, columns: list[str], headers: dict[str, str], *, title: str, as_of: date,
                 freeze_cols: int) -> None:
    """One table on its own sheet: title, as-of date, Vietnamese headers, Excel number formats, filter."""
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#f3f4f6", "border": 1, "text_wrap": True, "valign": "top"})
    formats = {c: book.add_format({"num_format": f}) for c, f in COLUMN_FORMATS.items()}
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.write_string(1, 0, f"Số liệu đến ngày {fmt.day(as_of)}", bold)
    for j, column in enumerate(columns):
        sheet.write_string(3, j, headers[column], header)
    for i, row in enumerate(frame.iter_rows(named=True), start=4):
        for j, column in enumerate(columns):
            value = _cell(row, column)
            if value is None:
                sheet.write_blank(i, j, None)
            elif isinstance(value, str):
                sheet.write_string(i, j, value)
            elif isinstance(value, date):
                sheet.write_datetime(i, j, value, formats.get(column, formats["projected_completion"]))
            else:
                sheet.write_number(i, j, value, formats.get(column))
    sheet.freeze_panes(4, freeze_cols)
    for j, column in enumerate(columns):
        sheet.set_column(j, j, 28 if column in ("name", "province_name", "region_name") else (9 if column in ("rank", "code") else 15))
    sheet.autofilter(3, 0, 3 + frame.height, len(columns) - 1)


def handout_xlsx(
    provinces: pl.DataFrame,
    regions: pl.DataFrame,
    districts: pl.DataFrame,
    *,
    as_of: date,
    title: str,
    notes: list[str],
    readiness: pl.DataFrame | None = None,
) -> bytes:
    """The spreadsheet handout: "Xếp hạng tỉnh" (queries.rankings.province_rankings), "Vùng" (progress
    by region), "Huyện" (progress by district, with `province_name`) and "Ghi chú". Numbers stay
    numbers with Excel formats; text is written as text, never a formula (and is neutralised too)."""
    from queries.export import neutralise_formulas

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ranking_columns = [c for c in RANKING_COLUMNS if c in provinces.columns or c == "notes"]
    _write_sheet(book, HANDOUT_SHEETS[0], neutralise_formulas(provinces), ranking_columns, RANKING_COLUMNS,
                 title=f"Xếp hạng tỉnh/thành — {title}", as_of=as_of, freeze_cols=3)
    _write_sheet(book, HANDOUT_SHEETS[1], neutralise_formulas(regions), REGION_SHEET_COLUMNS, {**UNIT_COLUMNS, "name": "Vùng"},
                 title=f"Sáu vùng kinh tế - xã hội — {title}", as_of=as_of, freeze_cols=1)
    _write_sheet(book, HANDOUT_SHEETS[2], neutralise_formulas(districts), DISTRICT_SHEET_COLUMNS, {**UNIT_COLUMNS, "name": "Quận/huyện"},
                 title=f"Quận/huyện — {title}", as_of=as_of, freeze_cols=3)
    if readiness is not None and readiness.height:
        _write_readiness_sheet(book, readiness, as_of=as_of)
    notes_sheet = book.add_worksheet(HANDOUT_SHEETS[3])
    notes_sheet.write_string(0, 0, f"Số liệu đến ngày {fmt.day(as_of)}", book.add_format({"bold": True}))
    for i, line in enumerate(notes, start=1):
        notes_sheet.write_string(i, 0, line)
    notes_sheet.set_column(0, 0, 120)
    book.close()
    return buffer.getvalue()


def _write_readiness_sheet(book, frame: pl.DataFrame, *, as_of: date) -> None:
    """queries.readiness.readiness_export as a sheet: traffic lights and yes/no in Vietnamese words."""
    from queries.readiness import EXPORT_HEADERS_VI
    from ui.labels import READINESS_LIGHT_LABEL as LIGHT_LABEL

    lights = [c for c in frame.columns if c.endswith("_light")]
    frame = frame.with_columns(
        *[pl.col(c).replace_strict(LIGHT_LABEL, default=None, return_dtype=pl.String) for c in lights],
        *[pl.when(pl.col(c)).then(pl.lit("Có")).when(~pl.col(c)).then(pl.lit("Không")).otherwise(None).alias(c) for c in ("ready", "limited")],
    )
    columns = [c for c in EXPORT_HEADERS_VI if c in frame.columns and c != "as_of"]
    _write_sheet(book, READINESS_SHEET, frame, columns, EXPORT_HEADERS_VI, title="Sẵn sàng triển khai: thiết bị, đường truyền, cán bộ, tổ lưu động, mốc",
                 as_of=as_of, freeze_cols=2)


def handout_notes(*, metric: str, denominator: str, simulated: bool, completeness: float | None, timeliness: float | None,
                  as_of: date, quota_note: str | None, district_scope: str) -> list[str]:
    """The notes sheet: what the numbers are, how they are computed, what is assumed."""
    from geo.register import POPULATION_METHOD_VI
    from queries.metrics import Denominator, Metric
    from ui.labels import METRIC_LABEL, SIMULATED_LABEL, denominator_label

    m, d = Metric(metric), Denominator(denominator)
    lines = [
        f"Chỉ số: {METRIC_LABEL[m]}; mẫu số: {denominator_label(m, d)}.",
        f"Báo cáo ngày {fmt.day(as_of)}: {fmt.percent(completeness)} đơn vị cấp xã đã gửi, {fmt.percent(timeliness)} gửi trước 17:00.",
        "Tỷ lệ = lũy kế ÷ mẫu số, không cắt ở 100% (⚑ vượt 100%). Tốc độ = trung bình 7 ngày; "
        "cần đạt = phần còn thiếu ÷ số ngày còn lại đến 01/07/2021; dự kiến hoàn thành = ngày số liệu + phần còn thiếu ÷ tốc độ.",
        "Hạng theo tỷ lệ, bằng nhau thì cùng hạng. ⚠ báo cáo chưa đủ: dưới 95% đơn vị cấp xã gửi báo cáo ngày này.",
        f"Trang \"Huyện\": {district_scope}; hạng của huyện tính trong phạm vi trang đó.",
        POPULATION_METHOD_VI,
    ]
    if quota_note:
        lines.append(quota_note)
    if simulated:
        lines.insert(0, f"{SIMULATED_LABEL}: không phải số liệu thật của Bộ Công an.")
    return lines


def build_handout(conn, *, as_of: date, metric: str, denominator: str, province: str | None = None) -> bytes:
    """Read the frames through queries/ and write the handout workbook (districts of `province` only when given)."""
    from queries.dataset import dataset_info_of
    from queries.metrics import Denominator, Metric
    from queries.progress import progress
    from queries.rankings import province_rankings
    from ui.labels import METRIC_LABEL, METRIC_UNIT, denominator_label

    national = progress(conn, level="national", as_of=as_of, metric=metric, denominator=denominator).row(0, named=True)
    as_of = national["as_of"]
    provinces = province_rankings(conn, as_of=as_of, metric=metric, denominator=denominator)
    regions = progress(conn, level="region", as_of=as_of, metric=metric, denominator=denominator)
    districts = progress(conn, level="district", as_of=as_of, metric=metric, denominator=denominator, province=province)
    names = provinces.select(pl.col("code").alias("parent_code"), pl.col("name").alias("province_name"))
    districts = districts.join(names, on="parent_code", how="left", maintain_order="left")
    info = dataset_info_of(conn)
    scope_row = national
    if province:
        scope_row = provinces.filter(pl.col("code") == province).row(0, named=True)
    m, d = Metric(metric), Denominator(denominator)
    scope = f"các quận/huyện của {scope_row['name']}" if province else f"tất cả {districts.height} quận/huyện"
    notes = handout_notes(metric=metric, denominator=denominator, simulated=info.simulated, completeness=scope_row["completeness"],
                          timeliness=scope_row["timeliness"], as_of=as_of, quota_note=info.quota_note, district_scope=scope)
    title = f"{METRIC_LABEL[m]} ({METRIC_UNIT[m]}) so với {denominator_label(m, d)}"
    return handout_xlsx(provinces, regions, districts, as_of=as_of, title=title, notes=notes, readiness=_readiness_or_none(conn, as_of))


def _readiness_or_none(conn, as_of: date) -> pl.DataFrame | None:
    """The readiness table for the handout, or None when no readiness data is stored."""
    from queries.readiness import readiness_export, readiness_headline

    if not readiness_headline(conn, as_of=as_of).has_data:
        return None
    return readiness_export(conn, as_of=as_of)


def handout_file_name(as_of: date, province: str | None = None) -> str:
    return f"so-lieu-tien-do-cccd-{'tinh-' + province if province else 'toan-quoc'}-{as_of.isoformat()}.xlsx"
