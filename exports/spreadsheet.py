"""The rankings table and the handout workbook as formatted XLSX: Vietnamese headers, number formats, as-of date, data notes, print set-up."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import xlsxwriter

from queries.metrics import Status
from queries.progress import MEASURE_COLUMNS
from present import format as fmt
from exports.print_setup import ROW_PT, SOURCE, WORKBOOK_OPTIONS, PageFacts, column_width, print_setup, wrapped_lines
from present.labels import SIMULATED_LABEL, STATUS_LABEL
from present.tables import INCOMPLETE, OVER_100, RANKING_COLUMNS

COUNT = "#,##0"
RATE = "#,##0"
PERCENT = "0.0%"
DAY = "dd/mm/yyyy"
TITLE_ROW_PT = 20
COLUMN_FORMATS = {
    "cumulative": COUNT,
    "denominator": COUNT,
    "coverage": PERCENT,
    "pace": RATE,
    "required_daily_rate": RATE,
    "projected_completion": DAY,
    "completeness": "0%",
}


def rankings_xlsx(frame: pl.DataFrame, *, as_of: date, title: str, notes: list[str], simulated: bool | None = None, source: str = SOURCE) -> bytes:
    """One sheet "Xếp hạng" (title, as-of, table) and one "Ghi chú" (notes). Numbers stay numbers,
    formatted by Excel (it shows 1.234.567 and 12,5% in a Vietnamese locale); text is written as
    text, never as a formula. Both sheets print (exports/print_setup.py): the 63 provinces on at most
    two A4 landscape pages. `simulated` None: read from the notes (the page puts the label first)."""
    if simulated is None:
        simulated = any(line.startswith(SIMULATED_LABEL) for line in notes)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    columns = [c for c in RANKING_COLUMNS if c in frame.columns or c == "notes"]
    as_of_text = f"Số liệu đến ngày {fmt.day(as_of)}"
    _write_sheet(
        book,
        "Xếp hạng",
        frame,
        columns,
        RANKING_COLUMNS,
        title=title,
        as_of=as_of,
        freeze_cols=3,
        facts=PageFacts(title, as_of_text, simulated, source),
    )
    _write_notes(book, "Ghi chú", notes, PageFacts(f"Ghi chú số liệu — {title}", as_of_text, simulated, source))
    book.close()
    return buffer.getvalue()


def table_xlsx(frame: pl.DataFrame, headers: dict[str, str], *, sheet: str, title: str, as_of: date, simulated: bool, source: str = SOURCE) -> bytes:
    """A table for people as a one-sheet workbook, laid out like the rankings sheet: title, as-of date,
    `headers` (column → Vietnamese header, in order), numbers as counts and dates as dd/mm/yyyy, codes
    kept as text (Excel would drop a CSV's leading zeros), printable (exports/print_setup.py)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    facts = PageFacts(title, f"Số liệu đến ngày {fmt.day(as_of)}", simulated, source)
    _write_sheet(book, sheet, frame, [c for c in headers if c in frame.columns], headers, title=title, as_of=as_of, freeze_cols=1, facts=facts)
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


def _shown(value, number_format: str | None) -> str:
    """A cell as Excel shows it (for its column's width): 1.234.567, 12,5%, 15/06/2021."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return "00/00/0000"
    if number_format in (PERCENT, "0%"):
        return f"{value * 100:,.{1 if number_format == PERCENT else 0}f}%"
    if isinstance(value, float) and number_format is None:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


# --- the handout workbook: rankings, regions, districts and notes in one file ----------------------------

# The same headers as the rankings sheet (present.tables), plus what only units below a province need.
UNIT_COLUMNS = {**RANKING_COLUMNS, "code": "Mã", "name": "Tên", "province_name": "Tỉnh/thành phố"}
REGION_SHEET_COLUMNS = ["name", *MEASURE_COLUMNS, "completeness"]
DISTRICT_SHEET_COLUMNS = [
    "rank",
    "code",
    "name",
    "province_name",
    *MEASURE_COLUMNS,
    "completeness",
    "notes",
]
HANDOUT_SHEETS = ("Xếp hạng tỉnh", "Vùng", "Huyện", "Ghi chú")
# Added before the notes when readiness data is stored (issue "Deployment readiness").
READINESS_SHEET = "Sẵn sàng"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _write_sheet(
    book, name: str, frame: pl.DataFrame, columns: list[str], headers: dict[str, str], *, title: str, as_of: date, freeze_cols: int, facts: PageFacts
) -> None:
    """One table on its own sheet: title, as-of date, Vietnamese headers, Excel number formats, filter,
    columns as wide as what they show, and the print set-up (exports/print_setup.py)."""
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#f3f4f6", "border": 1, "text_wrap": True, "valign": "top"})
    formats = {c: book.add_format({"num_format": f}) for c, f in COLUMN_FORMATS.items()}
    wrapped = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.set_row(0, TITLE_ROW_PT)  # as tall as its 14 pt type (a row keeps 15 pt where it is not set)
    sheet.write_string(1, 0, f"Số liệu đến ngày {fmt.day(as_of)}", bold)
    for j, column in enumerate(columns):
        sheet.write_string(3, j, headers[column], header)
    shown: list[list[str]] = [[] for _ in columns]
    rows = [[_cell(row, column) for column in columns] for row in frame.iter_rows(named=True)]
    for cells in rows:
        for j, value in enumerate(cells):
            shown[j].append(_shown(value, COLUMN_FORMATS.get(columns[j], COUNT)))
    widths = [column_width(headers[c], texts) for c, texts in zip(columns, shown, strict=True)]
    for i, cells in enumerate(rows, start=4):
        lines = 1
        for j, (column, value) in enumerate(zip(columns, cells, strict=True)):
            if value is None:
                sheet.write_blank(i, j, None)
            elif isinstance(value, str):
                # Text longer than its column wraps onto more lines instead of running under the next column.
                fits = len(value) <= widths[j] - 2
                sheet.write_string(i, j, value, None if fits else wrapped)
                lines = lines if fits else max(lines, wrapped_lines(value, widths[j] - 1, bold=False))
            elif isinstance(value, date):
                sheet.write_datetime(i, j, value, formats.get(column, formats["projected_completion"]))
            else:  # a number of a column without its own format is a count
                sheet.write_number(i, j, value, formats.get(column, formats["cumulative"]))
        if lines > 1:  # the row as tall as its wrapped text (LibreOffice and a printout do not grow it)
            sheet.set_row(i, ROW_PT * lines)
    sheet.freeze_panes(4, freeze_cols)
    for j, width in enumerate(widths):
        sheet.set_column(j, j, width)
    # The header row as tall as its longest header wraps (Excel does not grow a row it opens).
    sheet.set_row(3, ROW_PT * max(wrapped_lines(headers[c], w) for c, w in zip(columns, widths, strict=True)))
    sheet.autofilter(3, 0, 3 + frame.height, len(columns) - 1)
    print_setup(sheet, facts, widths=widths, header_row=3, last_row=3 + frame.height)


# Characters: the notes sheet's one column within a portrait A4 page, with room to spare: LibreOffice
# without Calibri's metric twin (fonts-crosextra-carlito) draws a wider font and widens the column
# (about 1.27 times with DejaVu Sans), and does not scale a lone column down to the page.
NOTES_WIDTH = 72


def _write_notes(book, name: str, lines: list[str], facts: PageFacts, *, first: str | None = None) -> None:
    """A sheet of text lines (the notes), wrapped in one column a portrait page wide; `first` in bold above them."""
    sheet = book.add_worksheet(name)
    wrapped = book.add_format({"text_wrap": True, "valign": "top"})
    row = 0
    if first is not None:
        sheet.write_string(0, 0, first, book.add_format({"bold": True}))
        row = 1
    for i, line in enumerate(lines, start=row):
        sheet.write_string(i, 0, line, wrapped)
        sheet.set_row(i, ROW_PT * wrapped_lines(line, NOTES_WIDTH, bold=False))
    sheet.set_column(0, 0, NOTES_WIDTH)
    print_setup(sheet, facts, widths=[NOTES_WIDTH], header_row=None, last_row=row + len(lines) - 1)


def handout_xlsx(
    provinces: pl.DataFrame,
    regions: pl.DataFrame,
    districts: pl.DataFrame,
    *,
    as_of: date,
    title: str,
    notes: list[str],
    readiness: pl.DataFrame | None = None,
    simulated: bool | None = None,
    source: str = SOURCE,
) -> bytes:
    """The spreadsheet handout: "Xếp hạng tỉnh" (queries.rankings.province_rankings), "Vùng" (progress
    by region), "Huyện" (progress by district, with `province_name`) and "Ghi chú". Numbers stay
    numbers with Excel formats; text is written as text, never a formula (and is neutralised too).
    Every sheet prints (exports/print_setup.py). `simulated` None: read from the notes."""
    from queries.export import neutralise_formulas

    if simulated is None:
        simulated = any(line.startswith(SIMULATED_LABEL) for line in notes)
    as_of_text = f"Số liệu đến ngày {fmt.day(as_of)}"

    def facts(sheet_title: str) -> PageFacts:
        return PageFacts(sheet_title, as_of_text, simulated, source)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    ranking_columns = [c for c in RANKING_COLUMNS if c in provinces.columns or c == "notes"]
    sheets = [
        (HANDOUT_SHEETS[0], provinces, ranking_columns, RANKING_COLUMNS, f"Xếp hạng tỉnh/thành — {title}", 3),
        (HANDOUT_SHEETS[1], regions, REGION_SHEET_COLUMNS, {**UNIT_COLUMNS, "name": "Vùng"}, f"Sáu vùng kinh tế - xã hội — {title}", 1),
        (HANDOUT_SHEETS[2], districts, DISTRICT_SHEET_COLUMNS, {**UNIT_COLUMNS, "name": "Quận/huyện"}, f"Quận/huyện — {title}", 3),
    ]
    for name, frame, columns, headers, sheet_title, freeze in sheets:
        _write_sheet(
            book, name, neutralise_formulas(frame), columns, headers, title=sheet_title, as_of=as_of, freeze_cols=freeze, facts=facts(sheet_title)
        )
    if readiness is not None and readiness.height:
        _write_readiness_sheet(book, readiness, as_of=as_of, facts=facts(READINESS_TITLE))
    _write_notes(book, HANDOUT_SHEETS[3], notes, facts(f"Ghi chú số liệu — {title}"), first=as_of_text)
    book.close()
    return buffer.getvalue()


READINESS_TITLE = "Sẵn sàng triển khai: thiết bị, đường truyền, cán bộ, tổ lưu động, mốc"


def _write_readiness_sheet(book, frame: pl.DataFrame, *, as_of: date, facts: PageFacts) -> None:
    """queries.readiness.readiness_export as a sheet: traffic lights and yes/no in Vietnamese words."""
    from queries.readiness import EXPORT_HEADERS_VI
    from present.labels import READINESS_LIGHT_LABEL as LIGHT_LABEL

    lights = [c for c in frame.columns if c.endswith("_light")]
    frame = frame.with_columns(
        *[pl.col(c).replace_strict(LIGHT_LABEL, default=None, return_dtype=pl.String) for c in lights],
        *[pl.when(pl.col(c)).then(pl.lit("Có")).when(~pl.col(c)).then(pl.lit("Không")).otherwise(None).alias(c) for c in ("ready", "limited")],
    )
    columns = [c for c in EXPORT_HEADERS_VI if c in frame.columns and c != "as_of"]
    _write_sheet(book, READINESS_SHEET, frame, columns, EXPORT_HEADERS_VI, title=READINESS_TITLE, as_of=as_of, freeze_cols=2, facts=facts)


def handout_notes(
    *,
    metric: str,
    denominator: str,
    simulated: bool,
    completeness: float | None,
    timeliness: float | None,
    as_of: date,
    quota_note: str | None,
    district_scope: str,
) -> list[str]:
    """The notes sheet: what the numbers are, how they are computed, what is assumed."""
    from geo.register import POPULATION_METHOD_VI
    from queries.metrics import Denominator, Metric
    from present.labels import METRIC_LABEL, SIMULATED_LABEL, denominator_label

    m, d = Metric(metric), Denominator(denominator)
    lines = [
        f"Chỉ số: {METRIC_LABEL[m]}; mẫu số: {denominator_label(m, d)}.",
        f"Báo cáo ngày {fmt.day(as_of)}: {fmt.percent(completeness)} đơn vị cấp xã đã gửi, {fmt.percent(timeliness)} gửi trước 17:00.",
        "Tỷ lệ = lũy kế ÷ mẫu số, không cắt ở 100% (⚑ vượt 100%). Tốc độ = trung bình 7 ngày; "
        "cần đạt = phần còn thiếu ÷ số ngày còn lại đến 01/07/2021; dự kiến hoàn thành = ngày số liệu + phần còn thiếu ÷ tốc độ.",
        "Hạng theo tỷ lệ, bằng nhau thì cùng hạng. ⚠ báo cáo chưa đủ: dưới 95% đơn vị cấp xã gửi báo cáo ngày này.",
        f'Trang "Huyện": {district_scope}; hạng của huyện tính trong phạm vi trang đó.',
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
    from present.labels import METRIC_LABEL, METRIC_UNIT, denominator_label

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
    notes = handout_notes(
        metric=metric,
        denominator=denominator,
        simulated=info.simulated,
        completeness=scope_row["completeness"],
        timeliness=scope_row["timeliness"],
        as_of=as_of,
        quota_note=info.quota_note,
        district_scope=scope,
    )
    title = f"{METRIC_LABEL[m]} ({METRIC_UNIT[m]}) so với {denominator_label(m, d)}"
    return handout_xlsx(
        provinces, regions, districts, as_of=as_of, title=title, notes=notes, readiness=_readiness_or_none(conn, as_of), simulated=info.simulated
    )


def _readiness_or_none(conn, as_of: date) -> pl.DataFrame | None:
    """The readiness table for the handout, or None when no readiness data is stored."""
    from queries.readiness import readiness_export, readiness_headline

    if not readiness_headline(conn, as_of=as_of).has_data:
        return None
    return readiness_export(conn, as_of=as_of)


def handout_file_name(as_of: date, province: str | None = None) -> str:
    return f"so-lieu-tien-do-cccd-{'tinh-' + province if province else 'toan-quoc'}-{as_of.isoformat()}.xlsx"
