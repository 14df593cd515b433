"""The data-quality page's cache over queries/quality.py, and its pure presentation helpers (heatmap,
tables, Vietnamese labels, the follow-up CSV). Numbers are never computed here, only shown."""

from __future__ import annotations

import functools
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import polars as pl
import streamlit as st
from pandas.io.formats.style import Styler

from exports.spreadsheet import table_xlsx
from queries import quality
from queries.export import neutralise_formulas
from queries.metrics import COMPLETENESS_THRESHOLD, Metric
from ui import data
from present import format as fmt
from present.labels import METRIC_LABEL, SIMULATED_LABEL

# --- cache -----------------------------------------------------------------------------------------


_guard = data.run_query  # the shared query runner of ui/data.py


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def grid_frame(version: str, *, as_of: date, days: int = quality.GRID_DAYS, level: str = "province", province: str | None = None) -> pl.DataFrame:
    return _guard(quality.completeness_grid, as_of=as_of, days=days, level=level, province=province)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def heatmap_figure(version: str, *, as_of: date, measure: str, my_province: str | None) -> go.Figure:
    """The heatmap, built once per view (≈1,800 cells formatted the Vietnamese way cost ~0.1 s)."""
    return completeness_heatmap(grid_frame(version, as_of=as_of), measure=measure, as_of=as_of, my_province=my_province)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def missing(version: str, *, as_of: date, province: str | None = None) -> quality.MissingReports:
    return _guard(quality.missing_reports, as_of=as_of, province=province)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def late_frame(version: str, *, as_of: date, days: int = quality.LATE_DAYS, cutoff_hour: int = 17) -> pl.DataFrame:
    return _guard(quality.late_reports, as_of=as_of, days=days, cutoff_hour=cutoff_hour)


@st.cache_data(ttl=86_400, max_entries=64, show_spinner=False)
def _span_totals(_conn, stamp: tuple, start: date, end: date) -> pl.DataFrame:
    # Keyed by the database and the batches that touch the span (not the data version): a new day's report leaves the
    # totals of earlier months cached, so a national cumulative check reads one month, not the history.
    return quality.unit_totals(_conn, day_from=start, day_to=end)


def _outliers(conn, *, as_of: date, limit: int) -> pl.DataFrame:
    spans = quality.cumulative_spans(conn, as_of)
    stamps = dict(zip(spans, quality.span_stamps(conn, spans), strict=True))
    return quality.outliers(conn, as_of=as_of, limit=limit, span_totals=lambda s, e: _span_totals(conn, (data.database_key(), *stamps[(s, e)]), s, e))


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def outliers_frame(version: str, *, as_of: date, limit: int = quality.OUTLIER_LIMIT) -> pl.DataFrame:
    return _guard(_outliers, as_of=as_of, limit=limit)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def followup_csv(version: str, *, as_of: date) -> bytes:
    """The follow-up list as CSV (UTF-8 with BOM so Excel reads the diacritics; formulas neutralised)."""
    return ("\ufeff" + neutralise_formulas(followup_export(outliers_frame(version, as_of=as_of))).write_csv()).encode("utf-8")


# The Excel list's columns and headers, in order (codes as text: Excel would drop their leading zeros).
FOLLOWUP_XLSX_HEADERS = {
    "kind_vi": "Loại",
    "province_code": "Mã tỉnh",
    "province_name": "Tỉnh/thành phố",
    "district_name": "Quận/huyện",
    "unit_code": "Mã đơn vị",
    "unit_name": "Đơn vị",
    "day": "Ngày",
    "metric_vi": "Chỉ số",
    "value": "Giá trị",
    "expected": "Mức dự kiến",
    "limit": "Ngưỡng",
    "batch_id": "Lô",
    "submitted_by": "Người gửi",
    "check_vi": "Cần kiểm tra",
}


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def followup_xlsx(version: str, *, as_of: date, simulated: bool) -> bytes:
    """The follow-up list as an Excel sheet with Vietnamese headers, for the provinces' officers."""
    title = "Số liệu bất thường cần kiểm tra" + (f" — {SIMULATED_LABEL}" if simulated else "")
    frame = followup_export(outliers_frame(version, as_of=as_of))
    return table_xlsx(frame, FOLLOWUP_XLSX_HEADERS, sheet="Cần kiểm tra", title=title, as_of=as_of, simulated=simulated)


# --- words -----------------------------------------------------------------------------------------

KIND_LABEL = {
    quality.OutlierKind.spike: "Tăng đột biến trong ngày",
    quality.OutlierKind.delivered_over_received: "Thẻ đã trả vượt hồ sơ đã thu nhận",
    quality.OutlierKind.delivered_over_produced: "Thẻ đã trả vượt thẻ đã sản xuất",
}

KIND_CHECK = {
    quality.OutlierKind.spike: "Đối chiếu sổ sách của đơn vị ngày này: nhập thừa chữ số, cộng dồn nhiều ngày hoặc nhầm cột.",
    quality.OutlierKind.delivered_over_received: "Không thể xảy ra (lũy kế): kiểm tra số thẻ đã trả các ngày gần đây và hồ sơ thu nhận bị báo thiếu.",
    quality.OutlierKind.delivered_over_produced: "Không thể xảy ra (lũy kế): kiểm tra số thẻ đã trả hoặc số thẻ sản xuất bị báo thiếu.",
}

MEASURE_LABEL = {"completeness": "Đầy đủ", "timeliness": "Đúng hạn"}

HIGHLIGHT = "background-color: #fef3c7; font-weight: 700"
MY_PROVINCE_COLOR = "#b45309"

SPIKE_RULE_VI = (
    f"Tăng đột biến: số trong ngày lớn hơn {quality.SPIKE_FACTOR} lần mức dự kiến và vượt mức thường ngày của đơn vị ít nhất "
    f"{quality.SPIKE_FLOOR} — mức thường ngày là trung bình {quality.SPIKE_WINDOW_DAYS} ngày trước đó (bỏ ngày cao nhất), "
    "mức dự kiến là mức thường ngày nhân với nhịp của cả tỉnh hôm đó (ngày lễ, giãn cách). "
    f"Xét {quality.SPIKE_CHECK_DAYS} ngày gần nhất; thẻ đã trả vượt hồ sơ hoặc vượt thẻ sản xuất: lũy kế đến ngày xem."
)


def late_text(minutes: int | None) -> str:
    """125 → '2 giờ 05 phút'; 45 → '45 phút'."""
    if minutes is None:
        return fmt.DASH
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} giờ {rest:02d} phút" if hours else f"{rest} phút"


# --- the heatmap -----------------------------------------------------------------------------------

# Quiet when reports are in, loud when not: 95% and up in pale greens, below it amber to dark red.
_SCALE = [
    [0.0, "#450a0a"],
    [0.5, "#b91c1c"],
    [0.8, "#f97316"],
    [COMPLETENESS_THRESHOLD - 0.0001, "#fcd34d"],
    [COMPLETENESS_THRESHOLD, "#86efac"],
    [1.0, "#f0fdf4"],
]


def heatmap_order(grid: pl.DataFrame, *, measure: str, as_of: date, my_province: str | None = None) -> list[str]:
    """Row order: my province first (a provincial officer comes for that row); then the lowest value on
    the as-of day, the lowest mean over the grid's days, the code."""
    last = grid.filter(pl.col("day") == as_of).select("code", pl.col(measure).fill_null(2.0).alias("_last"))
    mean = grid.group_by("code").agg(pl.col(measure).mean().fill_null(2.0).alias("_mean"))
    codes = mean.join(last, on="code", how="left").sort(["_last", "_mean", "code"])["code"].to_list()
    return ([my_province] if my_province is not None and my_province in codes else []) + [c for c in codes if c != my_province]


def completeness_heatmap(
    grid: pl.DataFrame, *, measure: str = "completeness", as_of: date, my_province: str | None = None, unit_word: str = "Tỉnh"
) -> go.Figure:
    """Units × days of completeness (or timeliness) from queries.quality.completeness_grid's frame;
    Vietnamese hover (unit, dd/mm/yyyy, percentage, x/y units); `my_province` outlined and in bold."""
    if measure not in MEASURE_LABEL:
        raise ValueError(f"measure must be one of {list(MEASURE_LABEL)}")
    codes = heatmap_order(grid, measure=measure, as_of=as_of, my_province=my_province)
    days = sorted(grid["day"].unique().to_list())
    count = "units_reported" if measure == "completeness" else "units_on_time"
    cells = {(r["code"], r["day"]): r for r in grid.iter_rows(named=True)}
    names = dict(zip(grid["code"], grid["name"], strict=False))
    day_text = {d: fmt.day(d) for d in days}
    # Babel is slow per call (~1,800 cells × 3 numbers): format each distinct value once.
    percent = functools.lru_cache(maxsize=None)(fmt.percent)
    number = functools.lru_cache(maxsize=None)(fmt.number)
    z, custom = [], []
    for code in codes:
        z_row, c_row = [], []
        for day in days:
            row = cells.get((code, day))
            value = None if row is None else row[measure]
            z_row.append(value)
            c_row.append(
                [
                    names[code],
                    day_text[day],
                    percent(value),
                    fmt.DASH if row is None else f"{number(row[count])}/{number(row['units_expected'])} đơn vị",
                ]
            )
        z.append(z_row)
        custom.append(c_row)
    labels = [f"<b>{names[c]}</b>" if c == my_province else names[c] for c in codes]
    x_labels = [day_text[d][:5] for d in days]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x_labels,
            y=labels,
            customdata=custom,
            zmin=0.0,
            zmax=1.0,
            colorscale=_SCALE,
            xgap=1,
            ygap=1,
            hovertemplate=(
                f"<b>%{{customdata[0]}}</b><br>Ngày %{{customdata[1]}}<br>{MEASURE_LABEL[measure]}: %{{customdata[2]}}"
                "<br>%{customdata[3]}<extra></extra>"
            ),
            colorbar=dict(
                title=dict(text=MEASURE_LABEL[measure]),
                tickvals=[0, 0.5, 0.8, COMPLETENESS_THRESHOLD, 1.0],
                ticktext=[fmt.percent(v, 0) for v in (0, 0.5, 0.8, COMPLETENESS_THRESHOLD, 1.0)],
                thickness=14,
                len=min(1.0, 500 / (16 * len(codes) + 80)),
                y=1.0,
                yanchor="top",
            ),
        )
    )
    fig.update_layout(
        height=16 * len(codes) + 90,
        margin=dict(l=10, r=10, t=50, b=10),
        plot_bgcolor="#e5e7eb",
        # A label a week (ending at the as-of day): 28 labels side by side do not fit at 1280 px.
        xaxis=dict(side="top", type="category", tickangle=0, tickfont=dict(size=12), title=None, tickmode="array", tickvals=x_labels[::-7][::-1]),
        yaxis=dict(autorange="reversed", type="category", tickfont=dict(size=12), title=None),
        font=dict(size=13),
    )
    if my_province in codes:
        position = codes.index(my_province)
        fig.add_shape(
            type="rect",
            xref="paper",
            yref="y",
            x0=0,
            x1=1,
            y0=position - 0.5,
            y1=position + 0.5,
            line=dict(color=MY_PROVINCE_COLOR, width=3),
            fillcolor="rgba(0,0,0,0)",
        )
    return fig


# --- tables ----------------------------------------------------------------------------------------


# Tables go to st.dataframe with column_config=labels and column_order=list(labels): the Styler's own
# header and hidden columns are not used there, so helper columns (province_code) are left out this way.


def _highlight(table: pd.DataFrame, styler: Styler, column: str | None, my_province: str | None) -> Styler:
    """Rows of `my_province` (matched on `column`, or on the index when None) in amber, bold."""
    if not my_province:
        return styler
    keys = table.index if column is None else table[column]
    mine = set(table.index[keys == my_province])
    if not mine:
        return styler
    return styler.apply(lambda row: [HIGHLIGHT if row.name in mine else "" for _ in row], axis=1)


MISSING_PROVINCE_COLUMNS = {
    "name": "Tỉnh/thành phố",
    "units_missing": "Chưa báo cáo (đơn vị)",
    "units_expected": "Phải báo cáo",
    "share": "Đã báo cáo",
    "note": "Ghi chú",
}


def missing_provinces_table(provinces: pl.DataFrame, *, my_province: str | None) -> tuple[Styler, dict]:
    """Provinces with units missing (most first), indexed by code; a province with no report at all says so."""
    frame = provinces.with_columns(
        pl.when(pl.col("units_expected") > 0).then(pl.col("units_reported") / pl.col("units_expected")).otherwise(None).alias("share"),
        pl.when(pl.col("none_reported")).then(pl.lit("Chưa gửi báo cáo")).otherwise(pl.lit("")).alias("note"),
    )
    table = frame.select("code", *MISSING_PROVINCE_COLUMNS).to_pandas().set_index("code")
    styler = table.style.format({"units_missing": fmt.number, "units_expected": fmt.number, "share": lambda v: fmt.percent(v)}, na_rep=fmt.DASH)
    styler = styler.map(lambda v: "color: #b91c1c; font-weight: 600" if v else "", subset=["note"])
    return _highlight(table, styler, None, my_province), MISSING_PROVINCE_COLUMNS


MISSING_UNIT_COLUMNS = {"district_name": "Quận/huyện", "name": "Xã/phường/thị trấn"}


def missing_units_table(units: pl.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The named units of one province that have not reported, by district."""
    return units.select("code", *MISSING_UNIT_COLUMNS).to_pandas().set_index("code"), MISSING_UNIT_COLUMNS


LATE_COLUMNS = {
    "report_date": "Ngày báo cáo",
    "province_name": "Tỉnh/thành phố",
    "received_at": "Nhận lúc",
    "late": "Sau hạn",
    "units_late": "Đơn vị trễ",
    "submitted_by": "Người gửi",
    "source_name": "Tệp",
}


def late_table(late: pl.DataFrame, *, my_province: str | None) -> tuple[Styler, dict]:
    frame = late.with_columns(pl.col("minutes_late").map_elements(late_text, return_dtype=pl.String).alias("late"))
    table = frame.with_row_index("row").select("row", "province_code", *LATE_COLUMNS).to_pandas().set_index("row")
    styler = table.style.format({"report_date": fmt.day, "received_at": fmt.timestamp, "units_late": fmt.number}, na_rep=fmt.DASH)
    return _highlight(table, styler, "province_code", my_province), LATE_COLUMNS


# In reading order: what, where, when, how much against what limit, what to check; details after.
OUTLIER_TABLE_COLUMNS = {
    "kind_vi": "Loại",
    "province_name": "Tỉnh/thành phố",
    "unit_name": "Đơn vị",
    "day": "Ngày",
    "metric_vi": "Chỉ số",
    "value": "Giá trị",
    "limit": "Ngưỡng",
    "check_vi": "Cần kiểm tra",
    "district_name": "Quận/huyện",
    "expected": "Mức dự kiến",
    "submitted_by": "Người gửi",
}


def _with_words(outliers: pl.DataFrame) -> pl.DataFrame:
    kinds = {k.value: v for k, v in KIND_LABEL.items()}
    checks = {k.value: v for k, v in KIND_CHECK.items()}
    metrics = {m.value: METRIC_LABEL[m] for m in Metric}
    return outliers.with_columns(
        pl.col("kind").replace_strict(kinds, return_dtype=pl.String).alias("kind_vi"),
        pl.col("kind").replace_strict(checks, return_dtype=pl.String).alias("check_vi"),
        pl.col("metric").replace_strict(metrics, return_dtype=pl.String).alias("metric_vi"),
    )


def outliers_table(outliers: pl.DataFrame, *, my_province: str | None) -> tuple[Styler, dict]:
    """The follow-up list for people: kind and what to check in Vietnamese; numbers the Vietnamese way."""
    frame = _with_words(outliers).with_row_index("row")
    table = frame.select("row", "province_code", *OUTLIER_TABLE_COLUMNS).to_pandas().set_index("row")
    styler = table.style.format({"day": fmt.day, "value": fmt.number, "expected": lambda v: fmt.number(v, 1), "limit": fmt.number}, na_rep=fmt.DASH)
    return _highlight(table, styler, "province_code", my_province), OUTLIER_TABLE_COLUMNS


def followup_export(outliers: pl.DataFrame) -> pl.DataFrame:
    """The CSV's columns: codes for machines, Vietnamese words for people, numbers unformatted."""
    return _with_words(outliers).select(
        "kind",
        "kind_vi",
        "province_code",
        "province_name",
        "district_name",
        "unit_code",
        "unit_name",
        "day",
        "metric",
        "metric_vi",
        "value",
        pl.col("expected").round(1),
        pl.col("limit").round(1),
        pl.col("excess").round(1),
        "batch_id",
        "submitted_by",
        "check_vi",
    )
