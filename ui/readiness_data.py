"""The readiness page's link to queries.readiness and intake.readiness: cached frames, the checked write
path (form and upload), the overview's two lines — and the page's pure table and figure builders."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import polars as pl
import streamlit as st
from pandas.io.formats.style import Styler
from sqlalchemy.exc import DBAPIError, OperationalError

from db.access import Actor
from db.engine import DatabaseUnavailable, unavailable
from intake import readiness as intake
from queries import readiness as R
from ui import data
from present import format as fmt
from present.figures import FONT
from present.labels import READINESS_LIGHT_LABEL

PAGE = "app_pages/readiness.py"
LIGHT_LABEL = READINESS_LIGHT_LABEL
LIGHT_MARK = {R.DONE: "✓", R.IN_PROGRESS: "…", R.OVERDUE: "!", R.MISSING: "?"}
# Background / text per light: high contrast, and the mark tells them apart without colour.
LIGHT_STYLE = {
    R.DONE: "background-color: #dcfce7; color: #14532d",
    R.IN_PROGRESS: "background-color: #fef3c7; color: #78350f",
    R.OVERDUE: "background-color: #fee2e2; color: #7f1d1d; font-weight: 700",
    R.MISSING: "background-color: #f3f4f6; color: #4b5563",
}
STATUS_STYLE = {"connected": "color: #15803d; font-weight: 600", "testing": "color: #b45309", "not_connected": "color: #6b7280"}
KIND_LABEL = {"ministry": "Bộ, cơ quan ngang bộ", "agency": "Cơ quan thuộc Chính phủ"}
MILESTONE_COLOR = {"collection_started": "#0072B2", "collection_finished": "#009E73", "db_connected": "#D55E00"}


_guard = data.run_query  # the shared query runner of ui/data.py


def _database_error(exc: Exception) -> DatabaseUnavailable:
    return unavailable(data.engine(), exc)


def tables_ready(version: str) -> bool:
    """False on a database migrated before the readiness tables (run `python cli.py init-db`). Not cached:
    an upgrade adds no batch, so the data version would not tell; the check is two catalog lookups."""
    return _guard(R.tables_present)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def headline(version: str, *, as_of: date) -> R.ReadinessHeadline:
    return _guard(R.readiness_headline, as_of=as_of)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def matrix(version: str, *, as_of: date, regions: tuple[str, ...] = ()) -> pl.DataFrame:
    return _guard(R.readiness_matrix, as_of=as_of, regions=list(regions) or None)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def capacity(version: str, *, as_of: date, regions: tuple[str, ...] = ()) -> pl.DataFrame:
    return _guard(R.capacity_check, as_of=as_of, regions=list(regions) or None)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def timeline(version: str, *, until: date) -> pl.DataFrame:
    return _guard(R.milestone_timeline, until=until)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def milestone_counts(version: str, *, as_of: date) -> dict[str, int]:
    return _guard(R.milestone_counts, as_of=as_of)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def milestones(version: str, *, province: str) -> pl.DataFrame:
    return _guard(R.milestones_frame, provinces=[province])


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def milestones_all(version: str) -> pl.DataFrame:
    return _guard(R.milestones_frame)


def not_reached(matrix_frame: pl.DataFrame, stored: pl.DataFrame, *, as_of: date, kind: str = "db_connected") -> tuple[list[str], int]:
    """Provinces (of `matrix_frame`) that had not reached `kind` by `as_of`: names of those that report
    the milestone (not reached yet, or later), and how many have never reported it."""
    rows = stored.filter(pl.col("kind") == kind)
    reached = set(rows.filter(pl.col("day") <= as_of)["province_code"].to_list())
    reporting = set(rows["province_code"].to_list())
    waiting = [n for c, n in zip(matrix_frame["code"], matrix_frame["name"], strict=True) if c in reporting and c not in reached]
    silent = sum(1 for c in matrix_frame["code"] if c not in reporting)
    return waiting, silent


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def board(version: str, *, as_of: date) -> pl.DataFrame:
    return _guard(R.connections_board, as_of=as_of)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def connections(version: str, *, as_of: date) -> R.Connections:
    return _guard(R.connections_summary, as_of=as_of)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def province_capacity_series(version: str, *, province: str, until: date) -> pl.DataFrame:
    return _guard(R.capacity_series, provinces=[province], until=until)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def province_history(version: str, *, province: str) -> pl.DataFrame:
    """Every update of the province's items, newest first, with who sent it and when."""
    return _guard(R.item_history, province=province)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def template_bytes(version: str, *, prefill: bool) -> bytes:
    return _guard(intake.template_for, prefill=prefill)


def import_upload(payload: bytes, filename: str, *, actor: Actor | None, dry_run: bool) -> intake.Result:
    """Check and (unless a dry run) store an uploaded readiness file as one batch. Never cached."""
    try:
        return intake.import_file(data.engine(), payload, filename, actor=actor, dry_run=dry_run)
    except (OperationalError, DBAPIError) as exc:
        raise _database_error(exc) from exc


def submit_form(frames: dict[str, pl.DataFrame], *, source_name: str, actor: Actor | None) -> intake.Result:
    """The edit form's rows through the same checks and the same one-batch write as a file."""
    try:
        return intake.submit(data.engine(), frames, source_name=source_name, actor=actor)
    except (OperationalError, DBAPIError) as exc:
        raise _database_error(exc) from exc


def md_escape(text: str) -> str:
    """Text typed by people (names, file names) made literal for Streamlit Markdown: present.format.md_text."""
    return fmt.md_text(text)


def problems_table(found: list[intake.SheetProblem]) -> pl.DataFrame:
    """Bảng | Dòng | Cột | Lỗi: one row per problem."""
    return pl.DataFrame(
        {
            "Bảng": [p.sheet for p in found],
            "Dòng": [p.problem.row for p in found],
            "Cột": [p.column_text() or fmt.DASH for p in found],
            "Lỗi": [p.problem.detail_vi for p in found],
        },
        schema={"Bảng": pl.String, "Dòng": pl.Int64, "Cột": pl.String, "Lỗi": pl.String},
    )


# --- the overview's two lines ---------------------------------------------------------------------


def overview_lines(version: str, as_of: date) -> None:
    """'N/63 tỉnh sẵn sàng triển khai' and 'M bộ, ngành đã kết nối…', each a link to the readiness page;
    nothing on a database without readiness tables or data."""
    if not tables_ready(version):
        return
    line = headline(version, as_of=as_of)
    if not line.has_data:
        return
    st.page_link(PAGE, label=line.ready_line(), icon=":material/checklist:")
    st.page_link(PAGE, label=line.connected_line(), icon=":material/hub:")


# --- tables and figures (pure) --------------------------------------------------------------------


def cell_text(done: int | None, planned: int | None, light: str) -> str:
    """'✓ 120/120', '! 80/120', '? —'."""
    if light == R.MISSING or done is None:
        return f"{LIGHT_MARK[R.MISSING]} {fmt.DASH}"
    return f"{LIGHT_MARK[light]} {fmt.number(done)}/{fmt.number(planned)}"


MATRIX_COLUMNS = {"name": "Tỉnh/thành phố", **{i: intake.ITEM_LABEL_VI[i] for i in R.ITEMS}, "ready": "Sẵn sàng"}


def matrix_styler(frame: pl.DataFrame, *, my_province: str | None = None) -> Styler:
    """Provinces × items as 'done/planned' with a traffic light per cell (colour and mark): provinces not
    ready first (fewest items done on top), then the ready ones, then those that have reported nothing;
    my province highlighted."""
    ordered = frame.with_columns((~pl.col("reported")).alias("silent")).sort(["silent", "ready", "items_done", "code"])
    table = pd.DataFrame(
        {
            "name": ordered["name"].to_list(),
            **{
                item: [
                    cell_text(d, p, lt)
                    for d, p, lt in zip(ordered[f"{item}_done"], ordered[f"{item}_planned"], ordered[f"{item}_light"], strict=True)
                ]
                for item in R.ITEMS
            },
            "ready": ["✓ Sẵn sàng" if r else "Chưa" for r in ordered["ready"]],
        },
        index=ordered["code"].to_list(),
    )
    lights = {item: ordered[f"{item}_light"].to_list() for item in R.ITEMS}
    styler = table.style
    for item in R.ITEMS:
        styles = [LIGHT_STYLE[lt] for lt in lights[item]]
        styler = styler.apply(lambda _col, s=styles: s, subset=[item])
    styler = styler.apply(lambda col: [LIGHT_STYLE[R.DONE] if v.startswith("✓") else "" for v in col], subset=["ready"])
    if my_province in table.index:
        styler = styler.apply(
            lambda row: ["font-weight: 700; border-left: 4px solid #b91c1c" if row.name == my_province else "" for _ in row], axis=1, subset=["name"]
        )
    return styler


def capacity_table(frame: pl.DataFrame) -> pd.DataFrame:
    """The capacity-limited provinces for people: Vietnamese headers, Vietnamese numbers (as text)."""
    return pd.DataFrame(
        {
            "Tỉnh/thành phố": frame["name"].to_list(),
            "Bộ đã lắp/kế hoạch": [
                f"{fmt.number(s or 0)}/{fmt.number(p)}" for s, p in zip(frame["sets_installed"], frame["sets_planned"], strict=True)
            ],
            "Công suất/ngày": [fmt.number(v) for v in frame["capacity_per_day"]],
            "Tốc độ 7 ngày": [fmt.number(v) for v in frame["pace"]],
            "Cần đạt/ngày": [fmt.number(v) for v in frame["required_daily_rate"]],
            "Thiếu/ngày": [fmt.number(v) for v in frame["shortfall_per_day"]],
            "Cần thêm (bộ)": [fmt.number(v) for v in frame["sets_needed"]],
        }
    )


def board_table(frame: pl.DataFrame) -> Styler:
    table = pd.DataFrame(
        {
            "Bộ, ngành": frame["name_vi"].to_list(),
            "Loại": [KIND_LABEL.get(k, k) for k in frame["kind"]],
            "Trạng thái": [intake.STATUS_LABEL_VI[s] for s in frame["status_as_of"]],
            "Ngày kết nối": [
                fmt.day(d) if s == "connected" else fmt.DASH for d, s in zip(frame["connected_on_as_of"], frame["status_as_of"], strict=True)
            ],
        }
    )
    statuses = frame["status_as_of"].to_list()
    return table.style.apply(lambda _col: [STATUS_STYLE[s] for s in statuses], subset=["Trạng thái"])


def done_day_text(r: dict) -> str:
    """An item's "Ngày hoàn thành": the day it was finished, or — while done < planned — that it is not
    finished, with the day its count was reached (the stored done_date speaks for the count, not for an end)."""
    if r["done_date"] is None:
        return fmt.DASH
    if r["planned"] and (r["done"] or 0) < r["planned"]:
        return f"chưa xong (số đến {fmt.day(r['done_date'])})"
    return fmt.day(r["done_date"])


def items_table(frame: pl.DataFrame) -> pd.DataFrame:
    """One province's items on the date: Hạng mục, Kế hoạch, Đã hoàn thành, Tỷ lệ, dates, Tình trạng."""
    rows = {r["item"]: r for r in frame.iter_rows(named=True)}
    out = []
    for item in R.ITEMS:
        r = rows.get(item)
        light = r["light"] if r else R.MISSING
        out.append(
            {
                "Hạng mục": f"{intake.ITEM_LABEL_VI[item]} ({intake.ITEM_UNIT_VI[item]})",
                "Kế hoạch": fmt.number(r["planned"]) if r else fmt.DASH,
                "Đã hoàn thành": fmt.number(r["done"]) if r else fmt.DASH,
                "Tỷ lệ": fmt.percent(r["ratio"], 0) if r else fmt.DASH,
                "Ngày kế hoạch": fmt.day(r["planned_date"]) if r else fmt.DASH,
                "Ngày hoàn thành": done_day_text(r) if r else fmt.DASH,
                "Tình trạng": f"{LIGHT_MARK[light]} {LIGHT_LABEL[light]}",
            }
        )
    return pd.DataFrame(out)


def province_items(matrix_frame: pl.DataFrame, province: str) -> pl.DataFrame:
    """The province's row of the matrix as one row per item (item, planned, done, dates, light, ratio)."""
    row = matrix_frame.filter(pl.col("code") == province)
    if row.height == 0:
        return pl.DataFrame()
    r = row.row(0, named=True)
    return pl.DataFrame(
        [
            {
                "item": item,
                "planned": r[f"{item}_planned"],
                "done": r[f"{item}_done"],
                "planned_date": r[f"{item}_planned_date"],
                "done_date": r[f"{item}_done_date"],
                "light": r[f"{item}_light"],
                "ratio": (r[f"{item}_done"] / r[f"{item}_planned"]) if r[f"{item}_planned"] else None,
            }
            for item in R.ITEMS
            if r[f"{item}_light"] != R.MISSING
        ],
        schema={
            "item": pl.String,
            "planned": pl.Int64,
            "done": pl.Int64,
            "planned_date": pl.Date,
            "done_date": pl.Date,
            "light": pl.String,
            "ratio": pl.Float64,
        },
    )


def history_table(frame: pl.DataFrame) -> pd.DataFrame:
    """Every update of a province's items (province_history): batch, when, who, item, planned, done, day."""
    return pd.DataFrame(
        {
            "Lô": [f"#{b}" for b in frame["batch_id"]],
            "Nhận lúc": [fmt.timestamp(t) for t in frame["received_at"]],
            "Người gửi": frame["submitted_by"].to_list(),
            "Hạng mục": [intake.ITEM_LABEL_VI.get(i, i) for i in frame["item"]],
            "Kế hoạch": [fmt.number(v) for v in frame["planned"]],
            "Đã hoàn thành": [fmt.number(v) for v in frame["done"]],
            "Ngày hoàn thành": [fmt.day(d) for d in frame["done_date"]],
        }
    )


def months_between(first, last: date) -> int:
    """Calendar months from `first` to `last` (05/2020 → 03/2021: 10); 0 when `first` is None."""
    return 0 if first is None else (last.year - first.year) * 12 + last.month - first.month


def month_ticks(first, last: date) -> str:
    """A tick every month (every second or third over a longer span) for a "%m/%Y" axis: left to
    itself plotly puts weekly ticks under a month-only label, naming a month twice (12/2020, 12/2020)."""
    return f"M{max(1, -(-months_between(first, last) // 12))}"


def milestone_figure(frame: pl.DataFrame, *, as_of: date, total: int, start: date = date(2020, 5, 1)) -> go.Figure:
    """Provinces that had reached each milestone, as step lines over time, up to the as-of date.

    `frame` is queries.readiness.milestone_timeline: kind, day, provinces (running count)."""
    fig = go.Figure()
    for kind in R.MILESTONES:
        rows = frame.filter(pl.col("kind") == kind).sort("day")
        days = [start, *rows["day"].to_list(), as_of]
        counts = [0, *rows["provinces"].to_list()]
        counts.append(counts[-1])
        label = intake.MILESTONE_LABEL_VI[kind]
        fig.add_trace(
            go.Scatter(
                x=days,
                y=counts,
                name=f"{label} ({counts[-1]}/{total})",
                mode="lines",
                line=dict(shape="hv", width=3, color=MILESTONE_COLOR[kind]),
                hovertemplate="%{x|%d/%m/%Y}: %{y} tỉnh<extra>" + label + "</extra>",
            )
        )
    fig.add_shape(type="line", x0=as_of, x1=as_of, y0=0, y1=1, yref="paper", line=dict(color="#b91c1c", width=1.5, dash="dot"))
    fig.add_annotation(
        x=as_of,
        y=1,
        yref="paper",
        text=f"Số liệu đến {fmt.day(as_of)}",
        showarrow=False,
        xanchor="right",
        yanchor="bottom",
        font=dict(color="#b91c1c", size=13),
    )
    fig.update_layout(
        font=FONT,
        separators=",.",
        height=340,
        margin=dict(l=10, r=10, t=30, b=10),
        plot_bgcolor="#ffffff",
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        # A tick every month but a label every second month past half a year: in the page's narrow column
        # twelve "05/2020" labels turned sideways and ran under the legend.
        xaxis=dict(
            tickformat="%m/%Y",
            dtick=month_ticks(start, as_of),
            ticklabelstep=2 if months_between(start, as_of) > 6 else 1,
            tickangle=0,
            gridcolor="#e5e7eb",
            range=[start, as_of + timedelta(days=7)],
        ),
        yaxis=dict(title="Số tỉnh", range=[0, total + 2], gridcolor="#e5e7eb", dtick=10 if total > 20 else 1),
    )
    return fig


def capacity_figure(series: pl.DataFrame, *, as_of: date, required: float | None) -> go.Figure:
    """A province's pace of applications against its installed equipment capacity (a step line), up to
    the as-of date, with the rate needed on that date. `series` is queries.readiness.capacity_series."""
    rows = series.filter(pl.col("day") >= min(date(2020, 12, 1), as_of - timedelta(days=60))).sort("day")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=rows["day"].to_list(),
            y=rows["capacity_per_day"].to_list(),
            name="Công suất thiết bị đã lắp",
            mode="lines",
            line=dict(shape="hv", width=3, color="#374151"),
            hovertemplate="%{x|%d/%m/%Y}: %{y:,.0f} hồ sơ/ngày<extra>Công suất</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=rows["day"].to_list(),
            y=rows["pace"].to_list(),
            name="Tốc độ 7 ngày",
            mode="lines",
            line=dict(width=3, color="#b91c1c"),
            hovertemplate="%{x|%d/%m/%Y}: %{y:,.0f} hồ sơ/ngày<extra>Tốc độ</extra>",
        )
    )
    if required:
        fig.add_hline(
            y=required,
            line=dict(color="#1d4ed8", dash="dash", width=2),
            annotation_text=f"Cần đạt ngày {fmt.day(as_of)}: {fmt.number(required)}/ngày",
            annotation_position="top left",
            annotation_font=dict(color="#1d4ed8", size=13),
        )
    fig.update_layout(
        title=dict(text="Tốc độ thu nhận hồ sơ và công suất thiết bị", font=dict(size=16)),
        font=FONT,
        separators=",.",
        height=340,
        margin=dict(l=10, r=10, t=50, b=10),
        plot_bgcolor="#ffffff",
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        xaxis=dict(tickformat="%m/%Y", dtick=month_ticks(rows["day"].min(), as_of), gridcolor="#e5e7eb"),
        yaxis=dict(title="Hồ sơ/ngày", tickformat=",d", gridcolor="#e5e7eb", rangemode="tozero"),
    )
    return fig


def editor_frame(items: pl.DataFrame) -> pd.DataFrame:
    """The form's table: one row per item with the current values (empty for items not reported yet)."""
    rows = {r["item"]: r for r in items.iter_rows(named=True)} if items.height else {}
    return pd.DataFrame(
        {
            "Hạng mục": [intake.ITEM_LABEL_VI[i] for i in R.ITEMS],
            "Kế hoạch": pd.array([rows[i]["planned"] if i in rows else None for i in R.ITEMS], dtype="Int64"),
            "Đã hoàn thành": pd.array([rows[i]["done"] if i in rows else None for i in R.ITEMS], dtype="Int64"),
            "Ngày kế hoạch": [rows[i]["planned_date"] if i in rows else None for i in R.ITEMS],
            "Ngày hoàn thành": [rows[i]["done_date"] if i in rows else None for i in R.ITEMS],
        }
    )


def frames_from_form(
    edited: pd.DataFrame, *, province: str, milestone_days: dict[str, date | None], stored_milestones: dict[str, date | None]
) -> dict[str, pl.DataFrame]:
    """Typed rows for intake.readiness.submit: items with a planned quantity (row = line of the table)
    and the milestones whose day was changed (rows 1–3 of the milestone fields)."""

    def _date(v):
        return None if v is None or pd.isna(v) else pd.Timestamp(v).date()

    def _int(v):
        return None if v is None or pd.isna(v) else int(v)

    items = []
    for i, r in enumerate(edited.to_dict("records"), start=1):
        planned, done = _int(r["Kế hoạch"]), _int(r["Đã hoàn thành"])
        if planned is None and done is None:
            continue
        items.append(
            {
                "_row": i,
                "province_code": province,
                "item": R.ITEMS[i - 1],
                "planned": planned,
                "done": done,
                "planned_date": _date(r["Ngày kế hoạch"]),
                "done_date": _date(r["Ngày hoàn thành"]),
            }
        )
    frames = {"items": pl.DataFrame(items, schema=intake.TYPED_SCHEMA["items"])}
    changed = [
        {"_row": i, "province_code": province, "kind": kind, "day": day}
        for i, (kind, day) in enumerate(milestone_days.items(), start=1)
        if day != stored_milestones.get(kind)
    ]
    if changed:
        frames["milestones"] = pl.DataFrame(changed, schema=intake.TYPED_SCHEMA["milestones"])
    return frames
