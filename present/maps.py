"""Pure map figure builders: the province choropleth (offline, Hoàng Sa and Trường Sa labelled), the
equal-tile grid and ranked unit bars. Data in, figure out; no Streamlit, no globals.

Every number comes from a `queries.progress` frame (code, name, cumulative, denominator, coverage,
pace, required_daily_rate, projected_completion, status, rank, rank_change, completeness, ...);
this module only chooses colours and writes Vietnamese hover text. Shapes join data by code.

Over 400 lines on purpose: the three builders share the colour scales, legends and hover text defined
here; split apart, each would import most of the others' helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast
from datetime import date
from enum import StrEnum

import plotly.graph_objects as go
import polars as pl

from queries.metrics import Status
from queries.rankings import most_at_risk
from present import format as fmt
from present.figures import FONT
from present.labels import STATUS_COLOR, STATUS_LABEL

NO_DATA_LABEL = "Chưa có số liệu"
NOT_APPLICABLE_LABEL = "Không áp dụng"
NO_DATA_COLOR = "#d1d5db"
BORDER_COLOR = "#ffffff"
# National view: the mainland and both archipelagos, set by hand. fitbounds over all polygons made
# Đà Nẵng's mainland a few pixels wide (BRIEF §5); these ranges keep the mainland as large as the
# frame allows while Hoàng Sa (≈112° E) and Trường Sa (≈111.5–116° E) stay inside.
NATIONAL_LON = (101.8, 116.6)
NATIONAL_LAT = (8.1, 23.6)
# Every island polygon of Đà Nẵng and Khánh Hòa east of this longitude belongs to Hoàng Sa or
# Trường Sa (the mainland and its coastal islands lie west of 109.5° E).
ISLANDS_MIN_LON = 110.5
TILE_WIDTH = 2.2  # tile grid: width of a tile in rows


class MapValue(StrEnum):
    coverage = "coverage"
    status = "status"
    pace_ratio = "pace_ratio"


MAP_VALUE_LABEL = {
    MapValue.coverage: "Tỷ lệ hoàn thành",
    MapValue.status: "Trạng thái",
    MapValue.pace_ratio: "Tốc độ so với mức cần đạt",
}


@dataclass(frozen=True)
class _Scale:
    colorscale: list
    zmin: float
    zmax: float
    tickvals: list[float]
    ticktext: list[str]
    title: str


# Sequential (light = low, dark = high), readable in greyscale; distinct from the no-data grey.
_COVERAGE = _Scale(
    colorscale=[[0.0, "#fff7bc"], [0.25, "#c7e9b4"], [0.5, "#41b6c4"], [0.75, "#225ea8"], [1.0, "#0c2c84"]],
    zmin=0.0,
    zmax=1.0,
    tickvals=[0, 0.25, 0.5, 0.75, 1.0],
    ticktext=["0%", "25%", "50%", "75%", "≥ 100%"],
    title="Tỷ lệ",
)
# Stepped at the status thresholds: reds below 80% of the required rate (off track), ambers from 80%
# to 100% (at risk), greens from 100% (on track), darker the further from 100%.
_PACE = _Scale(
    colorscale=[
        [0.0, "#7f1d1d"],
        [0.4, "#ef4444"],
        [0.4, "#f59e0b"],
        [0.5, "#fde68a"],
        [0.5, "#bbf7d0"],
        [0.75, "#22c55e"],
        [1.0, "#14532d"],
    ],
    zmin=0.0,
    zmax=2.0,
    tickvals=[0, 0.5, 0.8, 1.0, 1.5, 2.0],
    ticktext=["0%", "50%", "80%", "100%", "150%", "≥ 200%"],
    title="Tốc độ ÷ mức cần đạt",
)


def with_map_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `has_data` and `pace_ratio` to a progress frame.

    has_data: something was counted up to the as-of date or a report came in that day; a unit with
        neither (or with no denominator) is drawn grey, "Chưa có số liệu", never as a red 0%.
    pace_ratio: 7-day pace ÷ required daily rate (1.0 = exactly the rate needed), as defined once in
        queries.rankings.most_at_risk; null once the goal is met or the deadline has passed.
    """
    frame = frame.drop("pace_ratio", "has_data", strict=False)
    ratios = most_at_risk(frame, n=frame.height).select("code", "pace_ratio")
    return frame.join(ratios, on="code", how="left", maintain_order="left").with_columns(
        (((pl.col("cumulative").fill_null(0) > 0) | (pl.col("completeness").fill_null(0) > 0)) & pl.col("coverage").is_not_null()).alias("has_data"),
    )


def _rows_by_code(frame: pl.DataFrame) -> dict[str, dict]:
    if "has_data" not in frame.columns:
        frame = with_map_values(frame)
    return {row["code"]: row for row in frame.iter_rows(named=True)}


def hover_text(row: dict | None, *, name: str, unit: str, denominator_label: str, as_of: date, total: int) -> str:
    """Vietnamese hover for one unit: name, coverage with its denominator, count with its unit, rank,
    pace against the required rate, status, the as-of date."""
    lines = [f"<b>{name}</b>"]
    if row is None or not row["has_data"]:
        return "<br>".join([*lines, NO_DATA_LABEL, f"Số liệu đến {fmt.day(as_of)}"])
    flag = " ⚑ vượt 100%" if row["coverage"] is not None and row["coverage"] > 1 else ""
    lines.append(f"Tỷ lệ: <b>{fmt.percent(row['coverage'])}</b> {denominator_label}{flag}")
    lines.append(f"Lũy kế: {fmt.number(row['cumulative'])} / {fmt.number(row['denominator'])} {unit}")
    change = row.get("rank_change")
    lines.append(f"Hạng {row['rank']}/{total}" + ("" if change is None else f" ({fmt.rank_change(change)} trong 7 ngày)"))
    pace_line = f"Tốc độ 7 ngày: {fmt.per_day(row['pace'])}"
    if row["required_daily_rate"]:
        ratio = row.get("pace_ratio")
        pace_line += f"; cần {fmt.per_day(row['required_daily_rate'])}" + ("" if ratio is None else f" ({fmt.percent(ratio, 0)})")
    lines.append(pace_line)
    status = Status(row["status"])
    lines.append(f"Trạng thái: {STATUS_LABEL[status]}")
    if status not in (Status.achieved, Status.overdue):
        forecast = row["projected_completion"]
        lines.append("Dự kiến xong: " + (fmt.day(forecast) if forecast else "không xác định (tốc độ bằng 0)"))
    if row.get("reporting_incomplete"):
        lines.append("⚠ báo cáo trong ngày chưa đủ")
    lines.append(f"Số liệu đến {fmt.day(as_of)}")
    return "<br>".join(lines)


def _colour_value(row: dict | None, value: MapValue) -> float | str | None:
    """What colours a unit: coverage or pace ratio (numbers, capped only for colour) or status; None = grey."""
    if row is None or not row["has_data"]:
        return None
    if value == MapValue.status:
        return row["status"]
    if value == MapValue.coverage:
        return row["coverage"]
    if row["status"] == Status.achieved.value:
        return _PACE.zmax  # goal met: no rate required any more, drawn as far ahead
    return row["pace_ratio"]


def _grey_label(row: dict | None) -> str:
    return NO_DATA_LABEL if row is None or not row["has_data"] else NOT_APPLICABLE_LABEL


def _scale(value: MapValue) -> _Scale:
    return _COVERAGE if value == MapValue.coverage else _PACE


def _colorbar(scale: _Scale, *, title: str, **placement) -> dict:
    return dict(
        title=dict(text=title, side="top", font=dict(size=14)),
        tickvals=scale.tickvals,
        ticktext=scale.ticktext,
        tickfont=dict(size=13),
        thickness=16,
        outlinewidth=0,
        **placement,
    )


def _subset(geojson: dict, codes: list[str]) -> dict:
    """The features of `codes` only: each trace carries just its own shapes, so the geometry travels once."""
    wanted = set(codes)
    return {"type": "FeatureCollection", "features": [f for f in geojson["features"] if f["id"] in wanted]}


def province_choropleth(
    frame: pl.DataFrame,
    geojson: dict,
    labels: list[dict],
    *,
    value: MapValue | str,
    unit: str,
    denominator_label: str,
    as_of: date,
    title: str,
    subtitle: str | None = None,
    colorbar_title: str | None = None,
    height: int = 680,
    national: bool = True,
) -> go.Figure:
    """Choropleth of the units in `geojson` (feature id = GSO code) coloured by `value`.

    Joined by code: every feature is drawn; one without a row in `frame` (or without data) is grey
    "Chưa có số liệu"; a row whose code has no shape is an error naming it. No `locationmode`, no
    world base layer: only these shapes and the archipelago `labels` (geo.boundaries.archipelago_labels)
    are drawn. `national` fixes the view to Vietnam with both archipelagos; otherwise the view fits
    the shapes (a province's districts). customdata[0] of every point is the unit's code.
    """
    value = MapValue(value)
    rows = _rows_by_code(frame)
    names = {f["id"]: f.get("properties", {}).get("name") or f["id"] for f in geojson["features"]}
    unknown = sorted(set(rows) - set(names))
    if unknown:
        raise ValueError(f"no boundary for unit code(s) {', '.join(unknown)}: the frame and the boundary file must use the same GSO codes")
    total = len(rows) or len(names)
    codes = [f["id"] for f in geojson["features"]]
    hover = {
        c: hover_text(
            rows.get(c), name=(rows[c]["name"] if c in rows else names[c]), unit=unit, denominator_label=denominator_label, as_of=as_of, total=total
        )
        for c in codes
    }
    colour = {c: _colour_value(rows.get(c), value) for c in codes}
    common = dict(featureidkey="id", marker=dict(line=dict(color=BORDER_COLOR, width=0.6)), hovertemplate="%{hovertext}<extra></extra>")

    fig = go.Figure()
    if value == MapValue.status:
        for status in Status:
            chosen = [c for c in codes if colour[c] == status.value]
            if not chosen:
                continue
            fig.add_trace(
                go.Choropleth(
                    geojson=_subset(geojson, chosen),
                    locations=chosen,
                    z=[1] * len(chosen),
                    name=STATUS_LABEL[status],
                    colorscale=[[0, STATUS_COLOR[status]], [1, STATUS_COLOR[status]]],
                    showscale=False,
                    showlegend=True,
                    hovertext=[hover[c] for c in chosen],
                    customdata=[[c] for c in chosen],
                    legendgroup=status.value,
                    **common,
                )
            )
    else:
        scale = _scale(value)
        chosen = [c for c in codes if colour[c] is not None]
        if chosen:
            fig.add_trace(
                go.Choropleth(
                    geojson=_subset(geojson, chosen),
                    locations=chosen,
                    z=[colour[c] for c in chosen],
                    name=MAP_VALUE_LABEL[value],
                    colorscale=scale.colorscale,
                    zmin=scale.zmin,
                    zmax=scale.zmax,
                    showlegend=False,
                    # Bottom left: open sea and neighbours left blank (no world layer), clear of every shape and label.
                    colorbar=_colorbar(scale, title=colorbar_title or scale.title, x=0.0, xanchor="left", y=0.02, yanchor="bottom", len=0.45),
                    hovertext=[hover[c] for c in chosen],
                    customdata=[[c] for c in chosen],
                    **common,
                )
            )
    grey = [c for c in codes if colour[c] is None]
    if grey:
        grey_names = sorted({_grey_label(rows.get(c)) for c in grey})
        fig.add_trace(
            go.Choropleth(
                geojson=_subset(geojson, grey),
                locations=grey,
                z=[0] * len(grey),
                name=" / ".join(grey_names),
                colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
                showscale=False,
                showlegend=True,
                hovertext=[hover[c] for c in grey],
                customdata=[[c] for c in grey],
                **common,
            )
        )
    if labels:
        fig.add_traces(archipelago_traces(labels, geojson))
    geo = dict(
        visible=False,
        showframe=False,
        showland=False,
        showocean=False,
        showlakes=False,
        showrivers=False,
        showcountries=False,
        showcoastlines=False,
        showsubunits=False,
        bgcolor="rgba(0,0,0,0)",
        projection=dict(type="mercator"),
    )
    if national:
        geo.update(
            fitbounds=False,
            lonaxis=dict(range=list(NATIONAL_LON)),
            lataxis=dict(range=list(NATIONAL_LAT)),
            center=dict(lon=sum(NATIONAL_LON) / 2, lat=sum(NATIONAL_LAT) / 2),
        )
    else:
        geo.update(fitbounds="locations")
    fig.update_layout(
        title=_title(title, subtitle),
        font=FONT,
        separators=",.",
        geo=geo,
        height=height,
        margin=dict(l=0, r=0, t=80 if subtitle else 50, b=0),
        hoverlabel=dict(bgcolor="#ffffff", font=dict(size=14, color="#111827"), align="left"),
        legend=dict(
            x=0.99,
            xanchor="right",
            y=0.98,
            yanchor="top",
            font=dict(size=14),
            bgcolor="rgba(255,255,255,0.85)",
            title=dict(text="Chú giải", font=dict(size=14)),
        ),
        dragmode=False,
    )
    return fig


def island_points(geojson: dict, province_codes: list[str], *, min_lon: float = ISLANDS_MIN_LON) -> list[tuple[float, float]]:
    """(lon, lat) of every polygon of `province_codes` lying east of `min_lon`: the Hoàng Sa and
    Trường Sa islands, a few hundred metres across, invisible as shapes at national zoom."""
    points = []
    for feature in geojson["features"]:
        if feature["id"] not in province_codes:
            continue
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            ring = polygon[0]
            lon = sum(p[0] for p in ring) / len(ring)
            lat = sum(p[1] for p in ring) / len(ring)
            if lon > min_lon:
                points.append((round(lon, 3), round(lat, 3)))
    return points


def _title(text: str, subtitle: str | None) -> dict:
    title = dict(text=text, font=dict(size=18, weight=600), x=0, xanchor="left", xref="paper")
    if subtitle:
        title["subtitle"] = dict(text=subtitle, font=dict(size=14, color="#374151"))
    return title


def archipelago_traces(labels: list[dict], geojson: dict | None = None) -> list[go.Scattergeo]:
    """Hoàng Sa and Trường Sa, visible at national zoom (BRIEF §5): a dot on each island of the shipped
    file and, just south of the dots, a label naming the archipelago and its province. customdata[0]
    is the administering province, so a click on either opens Đà Nẵng or Khánh Hòa."""
    traces, anchors = [], []
    for label in labels:
        dots = island_points(geojson, [label["province_code"]]) if geojson is not None else []
        if dots:
            traces.append(
                go.Scattergeo(
                    lon=[d[0] for d in dots],
                    lat=[d[1] for d in dots],
                    mode="markers",
                    marker=dict(symbol="circle", size=6, color="#1f2937", line=dict(width=0)),
                    name=label["short_name"],
                    showlegend=False,
                    customdata=[[label["province_code"]]] * len(dots),
                    hovertemplate=f"<b>{label['name']}</b><extra></extra>",
                )
            )
        # The text hangs below its anchor: under the southernmost island, never over the dots.
        anchors.append((label["lon"], min([d[1] for d in dots], default=label["lat"]) - 0.2))
    traces.append(
        go.Scattergeo(
            lon=[a[0] for a in anchors],
            lat=[a[1] for a in anchors],
            mode="markers+text",
            text=[label["name"].replace(" (", "<br>(", 1) for label in labels],
            textposition="bottom center",
            textfont=dict(size=14, color="#111827", weight="bold"),
            marker=dict(size=1, color="rgba(0,0,0,0)"),
            name="Quần đảo",
            showlegend=False,
            customdata=[[label["province_code"]] for label in labels],
            hovertemplate="<b>%{text}</b><extra></extra>",
        )
    )
    return traces


def clicked_code(event, allowed) -> str | None:
    """The unit code of the first clicked point (a shape's `location`, else customdata[0]) that is in
    `allowed`, from a Streamlit plotly selection event ({"selection": {"points": [...]}}) or None."""
    for point in ((event or {}).get("selection") or {}).get("points") or []:
        code = point.get("location") or (point.get("customdata") or [None])[0]
        if code in allowed:
            return code
    return None


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _interpolate(colorscale: list, position: float) -> str:
    """The colour at `position` (0–1) of a colorscale of hex stops, as Plotly draws it; a repeated
    stop position is a hard step, and a value on the step takes the upper colour. Not
    plotly.colors.sample_colorscale: it raises on the pace scale's hard steps (a repeated stop) and
    rounds 9 of 10,001 positions of the coverage scale one unit apart (checked 03/12/2026, plotly 7.1.0)."""
    for (low, low_colour), (high, high_colour) in zip(colorscale, colorscale[1:]):
        if low <= position < high or (position == high == colorscale[-1][0]):
            share = 0.0 if high == low else (position - low) / (high - low)
            a = [int(low_colour[i : i + 2], 16) for i in (1, 3, 5)]
            b = [int(high_colour[i : i + 2], 16) for i in (1, 3, 5)]
            return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))
    return colorscale[-1][1] if position >= colorscale[-1][0] else colorscale[0][1]


def fill_colour(colour_value: float | str | None, value: MapValue | str) -> str:
    """The fill the choropleth gives this value, for shapes drawn outside a colorscale (the tile grid)."""
    value = MapValue(value)
    if colour_value is None:
        return NO_DATA_COLOR
    if value == MapValue.status:
        return STATUS_COLOR[Status(str(colour_value))]
    scale = _scale(value)
    position = min(max((float(colour_value) - scale.zmin) / (scale.zmax - scale.zmin), 0.0), 1.0)
    return _interpolate(scale.colorscale, position)


def _tile_value_text(row: dict | None, value: MapValue) -> str:
    if row is None or not row["has_data"]:
        return "—"
    if value == MapValue.pace_ratio:
        if row["status"] == Status.achieved.value:
            return "đã đạt"
        return fmt.percent(row["pace_ratio"], 0) if row["pace_ratio"] is not None else "—"
    return fmt.percent(row["coverage"], 0)


def tile_grid(
    frame: pl.DataFrame,
    grid: pl.DataFrame,
    labels: list[dict],
    *,
    value: MapValue | str,
    unit: str,
    denominator_label: str,
    as_of: date,
    title: str,
    subtitle: str | None = None,
    height: int = 760,
) -> go.Figure:
    """Each province one equal tile at its (row, col) in `grid` (geo.tile_grid), coloured like the
    choropleth and labelled with its short name and value. Tiles are layout shapes in data
    coordinates (they scale with the figure); one transparent marker per tile carries hover and
    click (customdata[0] = code). The archipelago labels sit east of Đà Nẵng and Khánh Hòa."""
    value = MapValue(value)
    rows = _rows_by_code(frame)
    unknown = sorted(set(rows) - set(grid["code"]))
    if unknown:
        raise ValueError(f"no tile for province code(s) {', '.join(unknown)}: add them to geo/data/tile_grid.csv")
    total = len(rows) or grid.height
    n_rows, n_cols = int(cast(int, grid["row"].max())) + 1, int(cast(int, grid["col"].max())) + 1
    # Tiles are 2.2 : 1: the grid is tall (19 rows), screens are wide, and a name must fit on one line.
    row_px = (height - 60) / (n_rows + 0.4)
    xs, ys, hover, texts, text_colours, codes = [], [], [], [], [], []
    shapes = []
    for code, row_i, col_i, short in grid.iter_rows():
        row = rows.get(code)
        colour = fill_colour(_colour_value(row, value), value)
        x, y = col_i * TILE_WIDTH, row_i
        shapes.append(
            dict(
                type="rect",
                x0=x - TILE_WIDTH / 2 + 0.05,
                x1=x + TILE_WIDTH / 2 - 0.05,
                y0=y - 0.46,
                y1=y + 0.46,
                fillcolor=colour,
                line=dict(color="#ffffff", width=1),
                layer="below",
            )
        )
        xs.append(x)
        ys.append(y)
        codes.append(code)
        name = row["name"] if row else short
        hover.append(hover_text(row, name=name, unit=unit, denominator_label=denominator_label, as_of=as_of, total=total))
        texts.append(f"<b>{short}</b><br>{_tile_value_text(row, value)}")
        text_colours.append("#ffffff" if _luminance(colour) < 0.45 else "#111827")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=texts,
            textposition="middle center",
            textfont=dict(size=max(9, min(15, int(row_px * 0.33))), color=text_colours),
            marker=dict(symbol="square", size=max(12, int(row_px * 0.9)), color="rgba(0,0,0,0)"),
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            customdata=[[c] for c in codes],
            showlegend=False,
            name="Tỉnh/thành phố",
            selected=dict(marker=dict(opacity=0)),
            unselected=dict(marker=dict(opacity=0)),
        )
    )
    _tile_legend(fig, value)
    # The islands next to the province that administers them (Đà Nẵng, Khánh Hòa), as on the map.
    positions = {code: (col_i * TILE_WIDTH, row_i) for code, row_i, col_i, _ in grid.iter_rows()}
    island_x, island_y, island_text, island_codes = [], [], [], []
    for label in labels:
        if label["province_code"] in positions:
            x, y = positions[label["province_code"]]
            island_x.append(x + TILE_WIDTH * 0.8)
            island_y.append(y)
            island_text.append(label["name"].replace(" (", "<br>(", 1))
            island_codes.append([label["province_code"]])
    if island_x:
        fig.add_trace(
            go.Scatter(
                x=island_x,
                y=island_y,
                mode="markers+text",
                text=island_text,
                textposition="middle right",
                textfont=dict(size=12, color="#111827"),
                marker=dict(symbol="circle-open", size=14, color="#374151", line=dict(width=1.5)),
                customdata=island_codes,
                hovertemplate="<b>%{text}</b><extra></extra>",
                showlegend=False,
                name="Quần đảo",
            )
        )
    fig.update_layout(
        title=_title(title, subtitle),
        font=FONT,
        separators=",.",
        shapes=shapes,
        height=height,
        margin=dict(l=0, r=0, t=80 if subtitle else 50, b=0),
        plot_bgcolor="#ffffff",
        hoverlabel=dict(bgcolor="#ffffff", font=dict(size=14, color="#111827"), align="left"),
        xaxis=dict(visible=False, range=[-TILE_WIDTH / 2 - 0.1, (n_cols - 1) * TILE_WIDTH + 5.5], fixedrange=True),
        yaxis=dict(visible=False, range=[n_rows - 0.4, -0.6], scaleanchor="x", scaleratio=1, fixedrange=True),
        legend=dict(x=0.0, xanchor="left", y=1.0, yanchor="top", font=dict(size=14), title=dict(text="Chú giải", font=dict(size=14))),
        dragmode=False,
    )
    return fig


def _tile_legend(fig: go.Figure, value: MapValue) -> None:
    """The same legend as the choropleth: a colour bar, or one entry per status, plus no data."""
    if value == MapValue.status:
        for status in Status:
            fig.add_trace(
                go.Scatter(
                    x=[None], y=[None], mode="markers", name=STATUS_LABEL[status], marker=dict(symbol="square", size=14, color=STATUS_COLOR[status])
                )
            )
    else:
        scale = _scale(value)
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                marker=dict(
                    colorscale=scale.colorscale,
                    cmin=scale.zmin,
                    cmax=scale.zmax,
                    color=[scale.zmin],
                    showscale=True,
                    colorbar=_colorbar(scale, title=scale.title, x=1.0, xanchor="right", y=1.0, yanchor="top", len=0.45),
                ),
            )
        )
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=NO_DATA_LABEL, marker=dict(symbol="square", size=14, color=NO_DATA_COLOR)))


def unit_bars(frame: pl.DataFrame, *, title: str, unit: str, denominator_label: str, as_of: date, height: int | None = None) -> go.Figure:
    """Units (districts or communes) ranked by coverage as horizontal bars, best on top, coloured by
    status, the percentage on each bar. y is the position (names can repeat), labelled with names;
    customdata[0] is the unit's code, so a click can open it."""
    rows = _rows_by_code(frame)
    ordered = sorted(rows.values(), key=lambda r: (r["coverage"] if r["coverage"] is not None else -1.0, r["name"]))
    total = len(ordered)
    colours = [STATUS_COLOR[Status(r["status"])] if r["has_data"] else NO_DATA_COLOR for r in ordered]
    fig = go.Figure(
        go.Bar(
            x=[(r["coverage"] or 0) * 100 for r in ordered],
            y=list(range(total)),
            orientation="h",
            marker_color=colours,
            text=[fmt.percent(r["coverage"]) if r["has_data"] else NO_DATA_LABEL for r in ordered],
            textposition="outside",
            cliponaxis=False,
            customdata=[[r["code"]] for r in ordered],
            hovertext=[hover_text(r, name=r["name"], unit=unit, denominator_label=denominator_label, as_of=as_of, total=total) for r in ordered],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    for status in Status:  # legend of the status colours present
        if any(r["has_data"] and r["status"] == status.value for r in ordered):
            fig.add_trace(go.Bar(x=[None], y=[None], name=STATUS_LABEL[status], marker_color=STATUS_COLOR[status], orientation="h"))
    longest = max([(r["coverage"] or 0) for r in ordered] + [0.01])
    fig.update_layout(
        title=dict(text=title, font=dict(size=18)),
        font=FONT,
        separators=",.",
        height=height or max(260, 90 + 26 * total),
        margin=dict(l=10, r=30, t=60, b=10),
        plot_bgcolor="#ffffff",
        barmode="overlay",
        bargap=0.25,
        xaxis=dict(ticksuffix="%", gridcolor="#e5e7eb", range=[0, longest * 100 * 1.18], fixedrange=True),
        yaxis=dict(tickvals=list(range(total)), ticktext=[r["name"] for r in ordered], automargin=True, fixedrange=True),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, font=dict(size=13)),
        hoverlabel=dict(bgcolor="#ffffff", font=dict(size=14, color="#111827"), align="left"),
        dragmode=False,
    )
    return fig
