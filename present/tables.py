"""Tables for people: Vietnamese headers and formats, traffic lights, flags — values stay numeric for sorting."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
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


# --- on paper ------------------------------------------------------------------------------------------
# st.dataframe draws on a canvas, which the browser prints as one picture: pushed whole onto the next
# sheet and cut at its right edge and at its on-screen height. On paper a plain HTML table takes the
# grid's place (ui.controls.grid, PRINT_CSS): every row (up to PRINT_ROWS), every column.
PRINT_ROWS = 500
LONG_WORD = 18  # characters: longer words may be broken to keep the table on the sheet
_NUMERIC_TEXT = re.compile(r"[+\-−]?\d[\d.,]*\s?%?")
_CELL_ID = re.compile(r"row\d+_col(\d+)")


def _plain_styler(frame: pd.DataFrame) -> Styler:
    """A frame without a Styler, the Vietnamese way (the grid's own number formats are not): numbers
    1.234.567, days dd/mm/yyyy (a date-and-time column whose every value falls at midnight is a column
    of days, as polars' dates arrive in pandas), times dd/mm/yyyy hh:mm, missing values a dash."""
    days = [
        c
        for c in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[c]) and bool((frame[c].dropna() == frame[c].dropna().dt.normalize()).all())
    ]
    return frame.style.format({c: fmt.day if c in days else _plain_text for c in frame.columns}, na_rep=fmt.DASH)


def _plain_text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return fmt.DASH
    if isinstance(value, datetime):
        return fmt.timestamp(value)
    if isinstance(value, date):
        return fmt.day(value)
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, (int, float)):
        return fmt.number(value)
    return str(value)


def _column_class(texts: list[str]) -> str:
    """A printed column's class: num (right-aligned, on one line) when every text is a number; long (may break
    inside a word) when a word is longer than LONG_WORD characters, such as a file's path; else none (breaks
    between words only, so a day such as 15/06/2021 is never cut in two)."""
    shown = [t for t in texts if t != fmt.DASH]
    if shown and all(_NUMERIC_TEXT.fullmatch(t) for t in shown):
        return "num"
    if any(len(word) > LONG_WORD for t in texts for word in t.split()):
        return "long"
    return ""


def _label(column: str, config: Any) -> str:
    """A column's header from st.dataframe's column_config: a label, a column-config dict, or nothing."""
    if isinstance(config, str):
        return config
    if isinstance(config, Mapping) and config.get("label"):
        return str(config["label"])
    return str(column)


def print_table_html(
    data: Styler | pd.DataFrame | pl.DataFrame,
    column_config: Mapping[str, Any] | None = None,
    *,
    column_order: Sequence[str] | None = None,
    max_rows: int = PRINT_ROWS,
) -> str:
    """`data` as the grid shows it, for paper: a plain HTML table with every row (at most `max_rows`, then a
    line saying how many were left off), the columns of `column_order` (else every column) under the
    headers of `column_config`, as st.dataframe takes them. A Styler's texts and cell styles are read the
    way st.dataframe reads them (pandas' `_compute` and `_translate`), so paper and screen agree; a frame
    without one reads the Vietnamese way (`_plain_styler`). Columns whose every text is a number are
    right-aligned (`_column_class`). Every text and style is escaped."""
    if isinstance(data, pl.DataFrame):
        data = data.to_pandas()
    styler = data if isinstance(data, Styler) else _plain_styler(data)
    frame = styler.data
    config = column_config or {}
    columns = [c for c in (column_order or frame.columns) if c in frame.columns]
    positions = {c: frame.columns.get_loc(c) for c in columns}
    styler._compute()
    translated = styler._translate(False, False, max_rows=max_rows, max_cols=len(frame.columns))
    styles = {selector: ";".join(f"{k}:{v}" for k, v in style["props"]) for style in translated["cellstyle"] for selector in style["selectors"]}
    rows: list[list[tuple[str, str]]] = []
    for body_row in translated["body"]:
        # A data cell's id is rowR_colC (R, C: its position in the data); pandas' "…" row after max_rows has none.
        cells = {int(m.group(1)): cell for cell in body_row if (m := _CELL_ID.fullmatch(str(cell.get("id", ""))))}
        if all(positions[c] in cells for c in columns):
            rows.append([(str(cells[positions[c]]["display_value"]), styles.get(cells[positions[c]]["id"], "")) for c in columns])
    kinds = [_column_class([r[i][0] for r in rows]) for i in range(len(columns))]

    def cell(tag: str, text: str, kind: str, style: str = "") -> str:
        attributes = (f' class="{kind}"' if kind else "") + (f' style="{html.escape(style)}"' if style else "")
        return f"<{tag}{attributes}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", _label(c, config.get(c)), k) for c, k in zip(columns, kinds, strict=True))
    body = "".join("<tr>" + "".join(cell("td", text, k, style) for (text, style), k in zip(row, kinds, strict=True)) + "</tr>" for row in rows)
    left_off = len(frame) - len(rows)
    note = f'<p class="print-note">Bản in có {fmt.number(len(rows))} dòng đầu trong {fmt.number(len(frame))} dòng.</p>' if left_off > 0 else ""
    return f'<table class="print-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}'


def ranking_print_html(frame: pl.DataFrame, *, my_province: str | None = None, labels: dict[str, str] | None = None) -> str:
    """A ranking table for paper (print_table_html): every row, the screen's formats, status colours and
    highlighted province; `labels` for headers other than RANKING_COLUMNS' (a district's "Quận/huyện").
    The pages share it per process and parameters (figure_cache.shared), as they share figures."""
    table = ranking_table(frame)
    return print_table_html(ranking_styler(table, my_province=my_province), {**ranking_column_config(table), **(labels or {})})


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
