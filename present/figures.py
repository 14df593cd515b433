"""Pure Plotly figure builders: data in, figure out, no globals and no Streamlit."""

from __future__ import annotations

import html
from typing import cast
from datetime import date, timedelta

import plotly.graph_objects as go
import polars as pl

from present import format as fmt

# "Source Sans" is the font Streamlit ships (and serves itself): charts match the page's text. Exports
# rendered outside the browser fall back to Arial.
FONT = dict(family='"Source Sans", "Source Sans Pro", Arial, sans-serif', size=15, color="#111827")


def trend_figure(
    frame: pl.DataFrame,
    *,
    title: str,
    unit: str,
    as_of: date,
    deadline: date,
    goal_label: str,
    events: pl.DataFrame | None = None,
    event_font_size: int = 13,
    plot_width_px: int = 900,
) -> go.Figure:
    """Cumulative count (solid) against the straight-line target trajectory (dashed) to the deadline.

    `frame` comes from queries.trend.trend: day, daily, cumulative, trajectory, goal.
    `events` (queries.annotations.events: day_from, day_to, label_vi, kind) are drawn as shaded
    bands (ranges) or dotted lines (days) with short labels inside the top of the plot; only events
    that had started by the as-of date are drawn, and deadlines. Labels go into rows so that none
    overlaps another at `event_font_size` on a plot about `plot_width_px` wide (see event_lanes).
    """
    days = frame["day"].to_list()
    cumulative = frame["cumulative"].to_list()
    trajectory_x, trajectory_y = list(days), frame["trajectory"].to_list()
    if days and days[-1] < deadline:  # data stops at the as-of date; the line to the goal does not
        trajectory_x.append(deadline)
        trajectory_y.append(float(frame["goal"][0]))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=trajectory_x,
            y=trajectory_y,
            name=f"Lộ trình đến {goal_label}",
            mode="lines",
            line=dict(color="#6b7280", width=2, dash="dash"),
            # d3 formats with layout.separators ",." give 1.234.567 without formatting 500 points in Python.
            hovertemplate="%{x|%d/%m/%Y}<br>Lộ trình: %{y:,.0f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=cumulative,
            name=f"Lũy kế ({unit})",
            mode="lines",
            line=dict(color="#b91c1c", width=3),
            hovertemplate="%{x|%d/%m/%Y}<br>Lũy kế: %{y:,.0f} " + unit + "<br>Trong ngày: %{customdata:,.0f}<extra></extra>",
            customdata=frame["daily"].to_list(),
        )
    )
    deadline_text, as_of_text = f"Hạn chót {fmt.day(deadline)}", f"Số liệu đến {fmt.day(as_of)}"
    deadline_side, as_of_side = _label_sides(as_of, deadline, as_of_text, days, event_font_size, plot_width_px)
    for when, text, color, side in (
        (deadline, deadline_text, "#111827", deadline_side),
        (as_of, as_of_text, "#b91c1c", as_of_side),
    ):
        fig.add_shape(type="line", x0=when, x1=when, y0=0, y1=1, yref="paper", line=dict(color=color, width=1.5, dash="dot"))
        fig.add_annotation(x=when, y=1, yref="paper", text=text, showarrow=False, yanchor="bottom", xanchor=side, font=dict(color=color, size=13))
    if events is not None and events.height and days:
        _draw_events(
            fig,
            events,
            first=days[0],
            last=max(days[-1], deadline),
            as_of=as_of,
            deadline=deadline,
            font_size=event_font_size,
            plot_width_px=plot_width_px,
        )
    fig.update_layout(
        title=dict(text=title, font=dict(size=18)),
        font=FONT,
        separators=",.",
        hovermode="x unified",
        margin=dict(l=10, r=10, t=70, b=10),
        height=420,
        legend=dict(orientation="h", yanchor="bottom", y=-0.25, x=0),
        plot_bgcolor="#ffffff",
        xaxis=dict(tickformat="%d/%m/%Y", gridcolor="#e5e7eb"),
        yaxis=dict(tickformat=",d", gridcolor="#e5e7eb", rangemode="tozero"),
    )
    return fig


def _label_sides(as_of: date, deadline: date, as_of_text: str, days: list[date], font_size: int, plot_width_px: int) -> tuple[str, str]:
    """Which side of its line the deadline's and the as-of date's labels go ("left": the text starts at
    the line, "right": it ends there), so that they never collide and the as-of label stays inside the
    data where it can: a label right of the as-of line stretches the axis by its own width into days
    with no data. Before the deadline: the deadline's right of its line, the as-of date's left of its
    own. After it, both left of their lines, unless the as-of label would then reach the deadline's line
    (a few days late): then the deadline's goes left and the as-of date's right."""
    if as_of <= deadline:
        return "left", "right"
    first, last = (days[0], max(days[-1], as_of)) if days else (deadline, as_of)
    px_per_day = plot_width_px / max((last - first).days, 1)
    as_of_label_days = (len(as_of_text) * _CHAR_EM * font_size + 8) / px_per_day
    return ("right", "right") if (as_of - deadline).days >= as_of_label_days else ("right", "left")


# Event bands: light fills that keep the curves readable; label colours dark enough for a projector.
EVENT_FILL = {"holiday": "rgba(217,119,6,0.20)", "disruption": "rgba(185,28,28,0.14)", "other": "rgba(37,99,235,0.14)"}
EVENT_TEXT = {"holiday": "#92400e", "disruption": "#7f1d1d", "deadline": "#111827", "other": "#1e3a8a"}
EVENT_LABEL_MAX = 40
_CHAR_EM = 0.56  # mean advance width of a character in em (sans-serif, Vietnamese text): for placement only


def event_text(label: str) -> str:
    """An event label as Plotly text: shortened to EVENT_LABEL_MAX characters and HTML-escaped (labels
    are typed by people; Plotly would otherwise read tags such as <a> in them)."""
    label = " ".join(label.split())
    if len(label) > EVENT_LABEL_MAX:
        label = label[: EVENT_LABEL_MAX - 1].rstrip() + "…"
    return html.escape(label, quote=False)


def event_lanes(spans: list[tuple[float, float]], gap: float = 0.0) -> list[int]:
    """Row (0 = top) for each label given its horizontal extent (start, end) in any unit, in order:
    each goes into the first row whose last label ends before it starts (greedy interval colouring)."""
    ends: list[float] = []
    lanes = []
    for start, end in spans:
        for lane, lane_end in enumerate(ends):
            if lane_end + gap <= start:
                ends[lane] = end
                lanes.append(lane)
                break
        else:
            ends.append(end)
            lanes.append(len(ends) - 1)
    return lanes


def _draw_events(
    fig: go.Figure, events: pl.DataFrame, *, first: date, last: date, as_of: date, deadline: date, font_size: int, plot_width_px: int
) -> None:
    shown = []
    for row in events.sort("day_from").iter_rows(named=True):
        start, end, kind = row["day_from"], row["day_to"], row["kind"]
        if kind == "deadline" and end is None and start == deadline:
            continue  # the deadline line is drawn already
        if kind != "deadline" and start > as_of:
            continue  # not known yet on the as-of date
        if end is not None and kind != "deadline":
            end = min(end, max(as_of, start))  # nor is how long it will last
        if (end or start) < first or start > last:
            continue
        shown.append((max(start, first), min(end, last) if end else None, kind, event_text(row["label_vi"])))
    span_days = max((last - first).days, 1)
    px_per_day = plot_width_px / span_days
    spans, anchors = [], []
    for start, end, _kind, text in shown:
        width_days = (len(text) * _CHAR_EM * font_size + 8) / px_per_day
        offset = (start - first).days
        if offset + width_days > span_days:  # would run off the right edge: ends where the event ends
            right = ((end or start) - first).days + (1 if end else 0)
            spans.append((right - width_days, right))
            anchors.append(("right", (end + timedelta(days=1)) if end else start))
        else:
            spans.append((offset, offset + width_days))
            anchors.append(("left", start))
    # Rows are filled in order of the labels' left edges, so the greedy rows stay minimal.
    order = sorted(range(len(spans)), key=lambda i: spans[i][0])
    lanes = [0] * len(spans)
    for i, lane in zip(order, event_lanes([spans[i] for i in order], gap=4 / px_per_day), strict=True):
        lanes[i] = lane
    row_px = round(font_size * 1.45)  # one label row, in pixels: independent of the figure's height
    for (start, end, kind, text), lane, (anchor, at) in zip(shown, lanes, anchors, strict=True):
        color = EVENT_TEXT.get(kind, EVENT_TEXT["other"])
        if end is not None:
            fig.add_shape(
                type="rect",
                x0=start,
                x1=end + timedelta(days=1),
                y0=0,
                y1=1,
                yref="paper",
                layer="below",
                fillcolor=EVENT_FILL.get(kind, EVENT_FILL["other"]),
                line=dict(width=0),
            )
        else:
            fig.add_shape(type="line", x0=start, x1=start, y0=0, y1=1, yref="paper", line=dict(color=color, width=1.5, dash="dot"))
        fig.add_annotation(
            x=at,
            y=1,
            yshift=-lane * row_px,
            yref="paper",
            text=text,
            showarrow=False,
            xanchor=anchor,
            yanchor="top",
            font=dict(color=color, size=font_size),
            bgcolor="rgba(255,255,255,0.75)",
            borderpad=1,
            name=f"event:{kind}",
        )


def region_bars(frame: pl.DataFrame, *, title: str, denominator_label: str) -> go.Figure:
    """Coverage of the six regions as horizontal bars, best on top, with the percentage written on each bar.

    `frame` is queries.progress at level "region" (name, coverage, cumulative, denominator).
    """
    ordered = frame.sort("coverage", descending=False, nulls_last=False)
    texts = [fmt.percent(v) for v in ordered["coverage"].to_list()]
    fig = go.Figure(
        go.Bar(
            x=[v * 100 if v is not None else 0 for v in ordered["coverage"].to_list()],
            y=ordered["name"].to_list(),
            orientation="h",
            marker_color="#b91c1c",
            text=texts,
            textposition="outside",
            cliponaxis=False,
            customdata=[
                [fmt.number(c), fmt.number(d)] for c, d in zip(ordered["cumulative"].to_list(), ordered["denominator"].to_list(), strict=True)
            ],
            hovertemplate="%{y}<br>%{text} " + denominator_label + "<br>%{customdata[0]} / %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_layout(
        title=dict(text=title, font=dict(size=18)),
        font=FONT,
        separators=",.",
        margin=dict(l=10, r=40, t=60, b=10),
        height=340,
        plot_bgcolor="#ffffff",
        # Room on the right for the longest label ("138,4%") outside its bar.
        xaxis=dict(ticksuffix="%", gridcolor="#e5e7eb", range=[0, max([v or 0 for v in ordered["coverage"].to_list()] + [0.01]) * 100 * 1.2]),
        yaxis=dict(automargin=True),
    )
    return fig


# Distinct, colour-blind-safe line colours (Okabe–Ito); "my province" is always the thick dark red line.
_LINE_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442"]
MY_PROVINCE_COLOR = "#b91c1c"


def rank_bump(
    history: pl.DataFrame, *, codes: list[str], my_province: str | None = None, title: str, height: int = 420, right_margin: int = 140
) -> go.Figure:
    """Rank over weeks for `codes`, rank 1 on top, each line labelled at its right end.

    `history` comes from queries.scorecard.rank_history: day, code, name, coverage, rank.
    """
    fig = go.Figure()
    chosen = history.filter(pl.col("code").is_in(codes))
    others = iter(_LINE_COLORS * 8)
    for code in codes:
        rows = chosen.filter(pl.col("code") == code).sort("day")
        if rows.height == 0:
            continue
        mine = code == my_province
        color = MY_PROVINCE_COLOR if mine else next(others)
        name = rows["name"][0]
        fig.add_trace(
            go.Scatter(
                x=rows["day"].to_list(),
                y=rows["rank"].to_list(),
                name=name,
                mode="lines+markers",
                line=dict(color=color, width=5 if mine else 2.5),
                marker=dict(size=9 if mine else 6),
                customdata=[fmt.percent(v) for v in rows["coverage"].to_list()],
                hovertemplate=name + "<br>%{x|%d/%m/%Y}: hạng %{y}<br>Tỷ lệ %{customdata}<extra></extra>",
            )
        )
        fig.add_annotation(
            x=rows["day"][-1].isoformat(),
            y=rows["rank"][-1],
            text=name,
            showarrow=False,
            xanchor="left",
            font=dict(color=color, size=14 if mine else 12),
            xshift=8,
        )
    days = chosen["day"].unique().sort().to_list()
    x_range = [(days[0] - timedelta(days=2)).isoformat(), (days[-1] + timedelta(days=2)).isoformat()] if days else None
    worst = int(cast(int, chosen["rank"].max()) or 1) if chosen.height else 63
    best = int(cast(int, chosen["rank"].min()) or 1) if chosen.height else 1
    fig.update_layout(
        title=dict(text=title, font=dict(size=18)),
        font=FONT,
        separators=",.",
        showlegend=False,
        hovermode="closest",
        margin=dict(l=10, r=right_margin, t=60, b=10),
        height=height,
        plot_bgcolor="#ffffff",
        xaxis=dict(tickformat="%d/%m", gridcolor="#e5e7eb", range=x_range, type="date"),
        yaxis=dict(
            title="Hạng",
            autorange=False,
            range=[worst + 0.7, max(best - 0.7, 0.3)],
            dtick=1 if worst - best <= 15 else 5,
            gridcolor="#e5e7eb",
            zeroline=False,
        ),
    )
    return fig
