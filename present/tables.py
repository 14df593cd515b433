"""Tables for people: Vietnamese headers and formats, traffic lights, flags — values stay numeric for sorting."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import polars as pl
from pandas.io.formats.style import Styler

from queries.metrics import Status
from present import format as fmt
from present.labels import STATUS_COLOR, STATUS_LABEL

RANKING_COLUMNS = {
    "rank": "Hạng",
    "rank_change": "Thay đổi 7 ngày",
    "name": "Tỉnh/thành phố",
    "region_name": "Vùng",
    "cumulative": "Lũy kế",
    "denominator": "Mẫu số",
    "coverage": "Tỷ lệ",
    "pace": "Tốc độ 7 ngày",
    "required_daily_rate": "Cần đạt/ngày",
    "projected_completion": "Dự kiến hoàn thành",
    "status": "Trạng thái",
    "completeness": "Báo cáo ngày",
    "notes": "Ghi chú",
}

OVER_100 = "⚑ vượt 100%"
INCOMPLETE = "⚠ báo cáo chưa đủ"

# st.dataframe draws a missing cell as a grey "None" whatever the Styler says, so the table holds
# stand-ins that sort to one end and read as a dash: no forecast (achieved, or pace 0 — the status
# column says which), no rank a week ago, and no required rate (past the deadline, goal not met:
# the status column says how late).
NO_FORECAST = date(9999, 12, 31)
NO_RANK_CHANGE = -9999
NO_REQUIRED_RATE = -1.0


def ranking_table(frame: pl.DataFrame) -> pd.DataFrame:
    """The columns people read, in order, indexed by province code; flags become a notes column."""
    flags = [(column, text) for column, text in (("over_100", OVER_100), ("reporting_incomplete", INCOMPLETE)) if column in frame.columns]
    if flags:
        notes = pl.concat_str([pl.when(pl.col(c)).then(pl.lit(t)) for c, t in flags], separator=" · ", ignore_nulls=True).fill_null("")
        frame = frame.with_columns(notes.alias("notes"))
    stand_ins = {"projected_completion": NO_FORECAST, "rank_change": NO_RANK_CHANGE, "required_daily_rate": NO_REQUIRED_RATE}
    frame = frame.with_columns(pl.col(c).fill_null(v) for c, v in stand_ins.items() if c in frame.columns)
    table = frame.select("code", *[c for c in RANKING_COLUMNS if c in frame.columns])
    return table.to_pandas().set_index("code")


def _date_text(value) -> str:
    """No forecast: either already achieved or pace 0 — the status column says which."""
    return fmt.DASH if value is None or pd.isna(value) or value.year == NO_FORECAST.year else fmt.day(value)


def _required_rate_text(value) -> str:
    return fmt.DASH if pd.isna(value) or value == NO_REQUIRED_RATE else fmt.number(value)


def _rank_change_text(value) -> str:
    return fmt.rank_change(None if pd.isna(value) or value == NO_RANK_CHANGE else int(value))


# Vietnamese number formats (1.234.567; 12,5%; dd/mm/yyyy) of the ranking table's columns; the rest show as they are.
RANKING_FORMATS: dict[str, Callable[[Any], str]] = {
    "cumulative": fmt.number,
    "denominator": fmt.number,
    "coverage": fmt.percent,
    "pace": fmt.number,
    "required_daily_rate": _required_rate_text,
    "projected_completion": _date_text,
    "status": lambda v: STATUS_LABEL[Status(v)],
    "rank_change": _rank_change_text,
    "completeness": lambda v: fmt.percent(v, 0),
}
RANKING_NUMERIC = frozenset({"rank", "cumulative", "denominator", "coverage", "pace", "required_daily_rate", "completeness"})
MY_PROVINCE_STYLE = "background-color: #fef3c7; font-weight: 700"


def ranking_styler(table: pd.DataFrame, *, my_province: str | None = None) -> Styler:
    """Vietnamese number formats, status colours, the chosen province highlighted. Sorting by a column
    header sorts the underlying numbers, not the texts."""
    # Styler calls formatters only for non-missing values; missing ones (no forecast, no rank a week ago) show a dash.
    styler = table.style.format({c: f for c, f in RANKING_FORMATS.items() if c in table.columns}, na_rep=fmt.DASH)
    if "status" in table.columns:
        styler = styler.map(lambda v: f"color: {STATUS_COLOR[Status(v)]}; font-weight: 600", subset=["status"])
    if my_province and my_province in table.index:
        styler = styler.apply(lambda row: [MY_PROVINCE_STYLE if row.name == my_province else "" for _ in row], axis=1)
    return styler


def _cell_text(column: str, value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return fmt.DASH
    return RANKING_FORMATS.get(column, str)(value)


def ranking_print_html(frame: pl.DataFrame, *, my_province: str | None = None) -> str:
    """The ranking table for paper, as a plain HTML table with every row: st.dataframe draws on a canvas,
    which the browser prints as one picture — pushed whole onto the second sheet and cut at its right
    edge. Same columns, formats, status colours and highlighted province as the screen's table; every
    text is escaped. Shown only in print (class print-only, ui.controls.PRINT_CSS)."""
    table = ranking_table(frame)
    columns = list(table.columns)
    head = "".join(f'<th class="{"num" if c in RANKING_NUMERIC else ""}">{html.escape(RANKING_COLUMNS[c])}</th>' for c in columns)
    body = []
    for code, row in zip(table.index, table.itertuples(index=False), strict=True):
        cells = []
        for column, value in zip(columns, row, strict=True):
            style = f' style="color:{STATUS_COLOR[Status(value)]};font-weight:600"' if column == "status" else ""
            numeric = ' class="num"' if column in RANKING_NUMERIC else ""
            cells.append(f"<td{numeric}{style}>{html.escape(_cell_text(column, value))}</td>")
        mine = f' style="{MY_PROVINCE_STYLE}"' if code == my_province else ""
        body.append(f"<tr{mine}>{''.join(cells)}</tr>")
    return f'<table class="print-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


REPORTED_AT_DISTRICT = "báo cáo theo huyện"


def district_grain_table(frame: pl.DataFrame) -> pd.DataFrame:
    """Communes whose district reported for the whole district (progress frame rows flagged
    `reported_at_district`): no counts of their own to show, so the table says so instead of zeros —
    name, denominator, the as-of day's report (the district's row counts for every commune) and the note."""
    table = frame.sort("name").select(
        "code",
        pl.col("name").alias("Xã/phường/thị trấn"),
        pl.col("denominator").map_elements(fmt.number, return_dtype=pl.String).alias("Mẫu số"),
        pl.col("completeness").map_elements(lambda v: fmt.percent(v, 0), return_dtype=pl.String).fill_null(fmt.DASH).alias("Báo cáo ngày"),
        pl.lit(REPORTED_AT_DISTRICT).alias("Số liệu"),
    )
    return table.to_pandas().set_index("code")


def ranking_column_config(table: pd.DataFrame) -> dict[str, str]:
    """Vietnamese headers for st.dataframe (it shows the Styler's values, not its relabelled header)."""
    return {c: RANKING_COLUMNS[c] for c in table.columns}
