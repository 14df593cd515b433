"""The one definition of the meeting slides: what each slide says, built only from queries/ frames.

Meeting mode (app_pages/meeting.py) draws these Slides in the browser and the handout deck
(exports/deck.py) writes the same Slides to PowerPoint. No Streamlit here: `load_inputs` reads the
frames through queries/, `build_slides` turns them into slides (pure). Every number is formatted
from a queries frame with present.format; every figure comes from the shared builders (present.figures,
present.maps), restyled for a projector: no text under FONT_PX pixels.

Over 400 lines on purpose: the one definition of every slide, read top to bottom in the order the
steering committee sees them; the deck writer, its layout and the text metrics are their own modules.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar, cast

import plotly.graph_objects as go
import polars as pl
from sqlalchemy import Connection, inspect

from queries import annotations as chart_events
from queries import dataset, readiness, scorecard, trend
from queries.metrics import DEADLINE, Denominator, Metric, Status
from queries.progress import progress
from queries.rankings import most_at_risk, province_rankings
from present import format as fmt
from present.figures import FONT, rank_bump, region_bars, trend_figure
from present.labels import METRIC_LABEL, METRIC_UNIT, SIMULATED_LABEL, STATUS_COLOR, STATUS_LABEL, denominator_label

FONT_PX = 24  # the smallest text on a slide, in CSS pixels at 1280×720 (people sit 4–8 m away)
FIGURE_WIDTH_PX = 1200  # a slide figure's nominal width (meeting at 1280 px; the deck renders at this width)
TOP_N = 5
# present.maps.NATIONAL_LON / NATIONAL_LAT with room east and south for the archipelago labels at FONT_PX.
MAP_LON, MAP_LAT = (101.6, 118.6), (5.6, 23.65)
DISTRICTS_SHOWN = 10
RANK_WEEKS = 12


@dataclass(frozen=True)
class BigNumber:
    value: str
    label: str
    status: str | None = None  # a queries.metrics.Status value: the number takes its colour


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  # right-aligned columns
    title: str | None = None
    highlight: tuple[int, ...] = ()  # rows to emphasise ("my province")
    status: tuple[str | None, ...] = ()  # per row: colours the column headed "Trạng thái"


@dataclass(frozen=True)
class Slide:
    key: str  # stable id: headline, map, at_risk, rankings, regions, trend, notes; province_* for a director
    title: str
    message: str  # the one message of the slide, one sentence
    as_of: date
    simulated: bool
    context: str  # what is counted against what, e.g. "Hồ sơ CCCD đã thu nhận so với chỉ tiêu giao"
    numbers: tuple[BigNumber, ...] = ()
    figure: go.Figure | None = None
    tables: tuple[Table, ...] = ()
    bullets: tuple[str, ...] = ()
    figure_side: bool = False  # figure beside the numbers (map), not below them


@dataclass(frozen=True)
class SlideInputs:
    """The queries/ frames the slides are made of (see load_inputs)."""

    as_of: date
    metric: Metric
    denominator: Denominator
    info: dataset.DatasetInfo
    national: dict  # queries.progress level national, one row
    provinces: pl.DataFrame  # queries.rankings.province_rankings
    regions: pl.DataFrame  # queries.progress level region
    trend: pl.DataFrame  # queries.trend.trend of the nation, or of `province`
    events: pl.DataFrame  # queries.annotations.events (of `province` when given)
    geojson: dict | None = None  # geo.boundaries.load_provinces_geojson
    archipelagos: list[dict] = field(default_factory=list)
    province: str | None = None
    card: scorecard.Scorecard | None = None  # queries.scorecard.scorecard of `province`
    districts: pl.DataFrame | None = None  # queries.progress level district within `province`
    rank_history: pl.DataFrame | None = None  # queries.scorecard.rank_history
    readiness: readiness.ReadinessHeadline | None = None  # queries.readiness.readiness_headline, None without data


@dataclass(frozen=True)
class Deck:
    """Title-page facts of a slide set."""

    title: str
    subtitle: str
    as_of: date
    simulated: bool


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema={c: t for c, t in chart_events.COLUMNS.items() if not c.startswith("deleted")})


def load_inputs(
    conn: Connection,
    *,
    as_of: date,
    metric: Metric | str,
    denominator: Denominator | str,
    province: str | None = None,
    geojson: dict | None = None,
    archipelagos: list[dict] | None = None,
) -> SlideInputs:
    """Read every frame the slides need through queries/ (one connection)."""
    from geo import boundaries

    metric, denominator = Metric(metric), Denominator(denominator)
    national = progress(conn, level="national", as_of=as_of, metric=metric, denominator=denominator).row(0, named=True)
    as_of = national["as_of"]  # clamped to the last reported day
    events = chart_events.events(conn, province=province) if inspect(conn).has_table("annotation") else empty_events()
    ready = readiness.readiness_headline(conn, as_of=as_of) if inspect(conn).has_table("readiness_item") else None
    card = districts = history = None
    if province:
        card = scorecard.scorecard(conn, province=province, as_of=as_of, metric=metric, denominator=denominator)
        districts = progress(conn, level="district", as_of=as_of, metric=metric, denominator=denominator, province=province)
        history = scorecard.rank_history(conn, as_of=as_of, metric=metric, denominator=denominator, weeks=RANK_WEEKS)
    return SlideInputs(
        as_of=as_of,
        metric=metric,
        denominator=denominator,
        info=dataset.dataset_info_of(conn),
        national=national,
        provinces=province_rankings(conn, as_of=as_of, metric=metric, denominator=denominator),
        regions=progress(conn, level="region", as_of=as_of, metric=metric, denominator=denominator),
        trend=trend.trend(conn, metric=metric, denominator=denominator, unit=province, until=as_of),
        events=events,
        geojson=geojson if geojson is not None else (None if province else boundaries.load_provinces_geojson()),
        archipelagos=archipelagos if archipelagos is not None else boundaries.archipelago_labels(),
        province=province,
        card=card,
        districts=districts,
        rank_history=history,
        readiness=ready if ready is not None and ready.has_data else None,
    )


# --- words -----------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]  # "Hồ sơ CCCD" → "hồ sơ CCCD": keeps CCCD, CSDL in capitals


def context_line(metric: Metric, denominator: Denominator) -> str:
    return f"{METRIC_LABEL[metric]} so với {denominator_label(metric, denominator)}"


def status_message(row: dict, unit: str) -> str:
    """One sentence on where a unit stands: its status with the pace against the required rate."""
    status = Status(row["status"])
    pace, required = row["pace"], row["required_daily_rate"]
    if status == Status.achieved:
        return f"Đã đạt mục tiêu: {fmt.percent(row['coverage'])}, tốc độ 7 ngày {fmt.per_day(pace)}"
    if status == Status.overdue:
        missing = max(row["denominator"] - row["cumulative"], 0)
        return f"Quá hạn, chưa đạt: còn thiếu {fmt.number(missing)} {unit}"
    ratio = fmt.percent(pace / required, 0) if required else fmt.DASH
    if status == Status.on_track:
        return f"Đúng tiến độ: tốc độ {fmt.per_day(pace)}, đủ so với mức cần {fmt.per_day(required)}"
    label = STATUS_LABEL[status]
    return f"{label}: tốc độ {fmt.per_day(pace)}, bằng {ratio} mức cần đạt {fmt.per_day(required)}"


def _forecast_text(row: dict) -> str:
    status = Status(row["status"])
    if status == Status.achieved:
        return "đã đạt"
    if row["projected_completion"] is None:
        return "không xác định"
    return fmt.day(row["projected_completion"])


def headline_numbers(row: dict, metric: Metric, denominator: Denominator, *, rank_total: int | None = None) -> tuple[BigNumber, ...]:
    """The big numbers of a headline slide (national, or a province with its rank first)."""
    unit = METRIC_UNIT[metric]
    status = row["status"]
    numbers = []
    if rank_total is not None:
        change = row["rank_change"]
        change_text = (
            "chưa có hạng 7 ngày trước"
            if change is None
            else ("giữ hạng so với 7 ngày trước" if change == 0 else f"{fmt.rank_change(change)} bậc so với 7 ngày trước")
        )
        numbers.append(BigNumber(f"{row['rank']}/{rank_total}", f"hạng cả nước, {change_text}"))
    numbers.append(BigNumber(fmt.number(row["cumulative"]), f"{unit} lũy kế, +{fmt.number(row['daily'])} trong ngày"))
    flag = " ⚑" if row["over_100"] else ""
    numbers.append(
        BigNumber(fmt.percent(row["coverage"]) + flag, f"{denominator_label(metric, denominator)} ({fmt.number(row['denominator'])})", status)
    )
    numbers.append(BigNumber(fmt.days_left_short(row["days_left"]), f"hạn chót {fmt.day(DEADLINE)}"))
    numbers.append(BigNumber(fmt.number(row["pace"]), f"{unit}/ngày: tốc độ trung bình 7 ngày"))
    if status != Status.achieved.value and row["days_left"] > 0:
        numbers.append(BigNumber(fmt.number(row["required_daily_rate"]), f"{unit}/ngày cần đạt để kịp hạn", status))
    forecast = _forecast_text(row)
    late = row["projected_completion"] is not None and row["projected_completion"] > DEADLINE
    numbers.append(BigNumber(forecast, "dự kiến hoàn thành" + (" — sau hạn" if late else ""), status if late else None))
    return tuple(numbers)


# --- figures for a projector ------------------------------------------------------------------------


def projector_style(fig: go.Figure, *, show_legend: bool | None = None) -> go.Figure:
    """Restyle a shared figure for the wall: every text at least FONT_PX, no chart title (the slide has
    one), white background, height left to whoever draws it (browser or deck)."""
    fig.update_layout(
        title=dict(text="", font_size=FONT_PX),
        font=dict(family=FONT["family"], size=FONT_PX, color="#111827"),
        hoverlabel=dict(font_size=FONT_PX),
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    fig.layout.height = None
    fig.update_annotations(font_size=FONT_PX)
    # automargin: tick labels this large must push the plot in, not be cut at the figure's edge.
    fig.update_xaxes(tickfont_size=FONT_PX, title_font_size=FONT_PX, automargin=True)
    fig.update_yaxes(tickfont_size=FONT_PX, title_font_size=FONT_PX, automargin=True)
    if fig.layout.legend is not None:
        fig.update_layout(legend_font_size=FONT_PX, legend_title_font_size=FONT_PX)
    if show_legend is not None:
        fig.update_layout(showlegend=show_legend)
    for trace in fig.data:
        if getattr(trace, "textfont", None) is not None and trace.type in ("bar", "scatter", "scattergeo"):
            trace.textfont.size = FONT_PX
    return fig


def _trend_figure(frame: pl.DataFrame, events: pl.DataFrame, *, metric: Metric, as_of: date, goal_label: str) -> go.Figure:
    start = trend.CAMPAIGN_START[metric] - timedelta(days=7)
    frame = frame.filter(pl.col("day") >= start) if frame.height and cast(date, frame["day"].max()) >= start else frame
    fig = trend_figure(
        frame,
        title="",
        unit=METRIC_UNIT[metric],
        as_of=as_of,
        deadline=DEADLINE,
        goal_label=goal_label,
        events=events,
        event_font_size=FONT_PX,
        plot_width_px=FIGURE_WIDTH_PX - 120,
    )
    projector_style(fig)
    fig.update_layout(
        margin=dict(l=10, r=30, t=48, b=10),
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.08, yanchor="top"),
        xaxis=dict(tickformat="%m/%Y", nticks=8),
    )
    return fig


def _map_figure(inputs: SlideInputs, unit: str) -> go.Figure | None:
    if inputs.geojson is None:
        return None
    from present.maps import province_choropleth

    fig = province_choropleth(
        inputs.provinces,
        inputs.geojson,
        inputs.archipelagos,
        value="status",
        unit=unit,
        denominator_label=denominator_label(inputs.metric, inputs.denominator),
        as_of=inputs.as_of,
        title="",
    )
    projector_style(fig, show_legend=False)  # the counts beside the map are its legend
    # More sea east and south, so that the archipelago labels (hanging below the islands) stay
    # inside the frame at projector size.
    fig.update_geos(lonaxis_range=list(MAP_LON), lataxis_range=list(MAP_LAT), center_lon=sum(MAP_LON) / 2, center_lat=sum(MAP_LAT) / 2)
    for trace in fig.data:
        if trace.type == "scattergeo" and trace.mode and "text" in trace.mode:
            # Hoàng Sa's label hangs to the east of its islands: centred, it would cover the coast at this size.
            trace.textposition = ["bottom right" if lat > 13 else "bottom center" for lat in trace.lat]
    fig.update_layout(margin=dict(l=0, r=0, t=0, b=0))
    return fig


# --- tables ------------------------------------------------------------------------------------------


def _name(row: dict) -> str:
    return row["name"] + (" ⚠" if row.get("reporting_incomplete") else "")


def _status_table(frame: pl.DataFrame, *, title: str | None, my_province: str | None, with_rates: bool) -> Table:
    columns = ["Hạng", "Tỉnh/thành phố", "Tỷ lệ"]
    numeric = [True, False, True]
    if with_rates:
        columns += ["Tốc độ/ngày", "Cần/ngày", "Trạng thái"]
        numeric += [True, True, False]
    else:
        columns += ["7 ngày"]
        numeric += [True]
    rows, highlight, status = [], [], []
    for i, row in enumerate(frame.iter_rows(named=True)):
        cells = [str(row["rank"]), _name(row), fmt.percent(row["coverage"])]
        if with_rates:
            required = row["required_daily_rate"]
            cells += [fmt.number(row["pace"]), fmt.number(required) if required is not None else fmt.DASH, STATUS_LABEL[Status(row["status"])]]
        else:
            cells += [fmt.rank_change(row["rank_change"])]
        rows.append(tuple(cells))
        status.append(row["status"])
        if row["code"] == my_province:
            highlight.append(i)
    return Table(tuple(columns), tuple(rows), tuple(numeric), title, tuple(highlight), tuple(status))


# --- the national slides -----------------------------------------------------------------------------


def _base(inputs: SlideInputs) -> dict:
    return dict(as_of=inputs.as_of, simulated=inputs.info.simulated, context=context_line(inputs.metric, inputs.denominator))


def _headline(inputs: SlideInputs) -> Slide:
    row, unit = inputs.national, METRIC_UNIT[inputs.metric]
    return Slide(
        key="headline",
        title=f"Toàn quốc — {_lower_first(METRIC_LABEL[inputs.metric])}",
        message=f"{fmt.deadline_phrase(row['days_left'], DEADLINE)}. {status_message(row, unit)}",
        numbers=headline_numbers(row, inputs.metric, inputs.denominator),
        # Readiness decides whether the pace can rise at all: one line each (queries.readiness).
        bullets=(inputs.readiness.ready_line(), inputs.readiness.connected_line()) if inputs.readiness else (),
        **_base(inputs),
    )


def _status_counts(frame: pl.DataFrame) -> dict[str, int]:
    counts = dict(frame.group_by("status").len().iter_rows())
    return {s.value: int(counts.get(s.value, 0)) for s in Status}


def _map(inputs: SlideInputs) -> Slide:
    from present.maps import NO_DATA_LABEL, with_map_values

    # Counted as the map colours them: a province without any data is grey, not "off track".
    frame = with_map_values(inputs.provinces)
    counts = _status_counts(frame.filter(pl.col("has_data")))
    no_data = int((~frame["has_data"]).sum())
    before_deadline = inputs.national["days_left"] > 0
    if before_deadline:
        message = (
            f"{counts[Status.off_track.value]} tỉnh chậm tiến độ, {counts[Status.at_risk.value]} tỉnh có nguy cơ chậm; "
            f"{counts[Status.on_track.value] + counts[Status.achieved.value]} tỉnh đúng tiến độ hoặc đã đạt"
        )
        shown: tuple[Status, ...] = (Status.off_track, Status.at_risk, Status.on_track, Status.achieved)
    else:
        message = f"{counts[Status.overdue.value]} tỉnh quá hạn chưa đạt, {counts[Status.achieved.value]} tỉnh đã đạt"
        shown = (Status.overdue, Status.achieved)
    numbers = tuple(BigNumber(f"{counts[s.value]} tỉnh", STATUS_LABEL[s], s.value) for s in shown)
    if no_data:
        numbers += (BigNumber(f"{no_data} tỉnh", NO_DATA_LABEL, "no_data"),)
    return Slide(
        key="map",
        title="Bản đồ trạng thái 63 tỉnh, thành phố",
        message=message,
        numbers=numbers,
        figure=_map_figure(inputs, METRIC_UNIT[inputs.metric]),
        figure_side=True,
        **_base(inputs),
    )


def _at_risk(inputs: SlideInputs) -> Slide:
    risky = most_at_risk(inputs.provinces, n=TOP_N)
    if risky.height == 0:
        message = "Không có tỉnh nào chậm: tất cả đã đạt mục tiêu"
    else:
        first = risky.row(0, named=True)
        ratio = first["pace_ratio"]
        message = (
            f"Xa mục tiêu nhất: {first['name']} — tốc độ chỉ bằng {fmt.percent(ratio, 0)} mức cần đạt"
            if ratio is not None
            else f"Xa mục tiêu nhất: {first['name']} — {fmt.percent(first['coverage'])}"
        )
    tables = (_status_table(risky, title=None, my_province=inputs.province, with_rates=True),) if risky.height else ()
    return Slide(key="at_risk", title=f"{TOP_N} tỉnh có nguy cơ không kịp hạn nhất", message=message, tables=tables, **_base(inputs))


def _rankings(inputs: SlideInputs) -> Slide:
    frame = inputs.provinces.sort(["rank", "code"])
    top, bottom = frame.head(TOP_N), frame.tail(TOP_N)
    best, worst = top.row(0, named=True), bottom.row(bottom.height - 1, named=True)
    message = f"Dẫn đầu: {best['name']} ({fmt.percent(best['coverage'])}); cuối bảng: {worst['name']} ({fmt.percent(worst['coverage'])})"
    bullets = (incomplete_note(frame),) if frame["reporting_incomplete"].any() else ()
    return Slide(
        key="rankings",
        title=f"Xếp hạng {frame.height} tỉnh: {TOP_N} dẫn đầu và {TOP_N} cuối bảng",
        message=message,
        tables=(
            _status_table(top, title=f"{TOP_N} tỉnh dẫn đầu", my_province=inputs.province, with_rates=False),
            _status_table(bottom, title=f"{TOP_N} tỉnh cuối bảng", my_province=inputs.province, with_rates=False),
        ),
        bullets=bullets,
        **_base(inputs),
    )


def incomplete_note(frame: pl.DataFrame) -> str:
    """Which provinces' reports for the day are incomplete (⚠): named when few, counted otherwise."""
    names = frame.filter(pl.col("reporting_incomplete")).sort("rank")["name"].to_list()
    who = ", ".join(names) if len(names) <= 3 else f"{len(names)} tỉnh"
    return f"⚠ Báo cáo trong ngày chưa đủ: {who} — có thể xếp thấp vì thiếu báo cáo, không phải vì chậm."


def _regions(inputs: SlideInputs) -> Slide:
    ordered = inputs.regions.sort("coverage", descending=True, nulls_last=True)
    best, worst = ordered.row(0, named=True), ordered.row(ordered.height - 1, named=True)
    fig = region_bars(inputs.regions, title="", denominator_label=denominator_label(inputs.metric, inputs.denominator))
    projector_style(fig)
    fig.update_layout(margin=dict(l=10, r=40, t=10, b=10), bargap=0.3)
    return Slide(
        key="regions",
        title="So sánh 6 vùng kinh tế - xã hội",
        message=f"Cao nhất: {best['name']} ({fmt.percent(best['coverage'])}); thấp nhất: {worst['name']} ({fmt.percent(worst['coverage'])})",
        figure=fig,
        **_base(inputs),
    )


def trend_message(frame: pl.DataFrame, unit: str) -> str:
    """Cumulative against the target trajectory on the last day of `frame` (queries.trend.trend)."""
    if frame.height == 0:
        return "Chưa có số liệu"
    last = frame.row(frame.height - 1, named=True)
    gap = last["cumulative"] - last["trajectory"]
    if last["day"] >= DEADLINE:
        return (
            f"Vượt mục tiêu {fmt.number(gap)} {unit}" if gap >= 0 else f"Còn thiếu {fmt.number(-gap)} {unit} so với mục tiêu"
        ) + f" (lũy kế {fmt.number(last['cumulative'])})"
    word = f"Cao hơn lộ trình {fmt.number(gap)}" if gap >= 0 else f"Thấp hơn lộ trình {fmt.number(-gap)}"
    return f"{word} {unit}: lũy kế {fmt.number(last['cumulative'])}, lộ trình {fmt.number(last['trajectory'])} ngày {fmt.day(last['day'])}"


def _trend(inputs: SlideInputs, *, key: str, title: str, goal: int) -> Slide:
    unit = METRIC_UNIT[inputs.metric]
    goal_label = f"{fmt.number(goal)} {unit}"
    fig = _trend_figure(inputs.trend, inputs.events, metric=inputs.metric, as_of=inputs.as_of, goal_label=goal_label)
    return Slide(key=key, title=title, message=trend_message(inputs.trend, unit), figure=fig, **_base(inputs))


def _notes(inputs: SlideInputs, row: dict, *, key: str) -> Slide:
    info = inputs.info
    metric, denominator = inputs.metric, inputs.denominator
    whose = f" của {row['name']}" if inputs.province else ""
    bullets = [
        f"Báo cáo ngày {fmt.day(inputs.as_of)}{whose}: {fmt.percent(row['completeness'])} đơn vị cấp xã đã gửi, "
        f"{fmt.percent(row['timeliness'])} gửi trước 17:00.",
        f"Tỷ lệ = lũy kế ÷ {denominator_label(metric, denominator)}; tốc độ = trung bình 7 ngày; "
        f"cần đạt = phần còn thiếu ÷ số ngày còn lại đến {fmt.day(DEADLINE)}.",
    ]
    if inputs.provinces["reporting_incomplete"].any():
        bullets.append(incomplete_note(inputs.provinces))
    if denominator == Denominator.target:
        bullets.append("Chỉ tiêu 50.000.000 thẻ phân bổ cho 63 tỉnh theo dân số từ 14 tuổi (ước tính).")
    else:
        bullets.append("Dân số từ 14 tuổi ước tính bằng 77,32% dân số 2019 của mỗi tỉnh (chưa có cơ cấu tuổi theo tỉnh).")
    if info.simulated:
        bullets.append(f"{SIMULATED_LABEL}: không phải số liệu thật của Bộ Công an.")
    received = fmt.timestamp(info.last_received_at)
    return Slide(
        key=key,
        title="Ghi chú số liệu",
        message=f"Số liệu đến ngày {fmt.day(inputs.as_of)}; báo cáo mới nhất trong hệ thống nhận lúc {received}",
        bullets=tuple(bullets),
        **_base(inputs),
    )


# --- the director's slides (one province) -------------------------------------------------------------

_T = TypeVar("_T")


def _loaded(value: _T | None) -> _T:
    """What load_inputs reads for a province (its scorecard, districts, rank history): there whenever `province` is."""
    assert value is not None, "a province's slides need load_inputs(..., province=…)"
    return value


def _province_headline(inputs: SlideInputs) -> Slide:
    row, unit = _loaded(inputs.card).province, METRIC_UNIT[inputs.metric]
    return Slide(
        key="province_headline",
        title=f"{row['name']} — {_lower_first(METRIC_LABEL[inputs.metric])}",
        message=status_message(row, unit),
        numbers=headline_numbers(row, inputs.metric, inputs.denominator, rank_total=inputs.provinces.height),
        **_base(inputs),
    )


def gap_message(card: scorecard.Scorecard, unit: str) -> str:
    gap = card.above
    if gap is None:
        return "Đang đứng đầu cả nước"
    text = f"Cần thêm {fmt.number(gap.people)} {unit} để lên hạng {gap.rank} (bằng {gap.name}, {fmt.percent(gap.coverage)})"
    if gap.days_own_pace:
        text += f" — khoảng {fmt.number(gap.days_own_pace)} ngày với tốc độ hiện tại"
    return text


def _province_neighbours(inputs: SlideInputs) -> Slide:
    card = _loaded(inputs.card)
    table = _status_table(card.neighbours, title=None, my_province=inputs.province, with_rates=True)
    return Slide(
        key="province_neighbours",
        title="Các tỉnh xếp liền trên, liền dưới",
        message=gap_message(card, METRIC_UNIT[inputs.metric]),
        tables=(table,),
        **_base(inputs),
    )


def _province_districts(inputs: SlideInputs) -> Slide:
    from present.maps import unit_bars

    districts = _loaded(inputs.districts).filter(pl.col("denominator") > 0)
    achieved = int((districts["status"] == Status.achieved.value).sum())
    lowest = districts.sort(["coverage", "code"], nulls_last=False).head(DISTRICTS_SHOWN)
    name = _loaded(inputs.card).province["name"]
    if lowest.height:
        worst = lowest.row(0, named=True)
        message = f"{achieved}/{districts.height} quận, huyện đã đạt; thấp nhất: {worst['name']} ({fmt.percent(worst['coverage'])})"
    else:
        message = "Chưa có số liệu quận, huyện"
    title = f"Các quận, huyện của {name}" if districts.height <= DISTRICTS_SHOWN else f"{DISTRICTS_SHOWN} quận, huyện thấp nhất — {name}"
    fig = unit_bars(
        lowest, title="", unit=METRIC_UNIT[inputs.metric], denominator_label=denominator_label(inputs.metric, inputs.denominator), as_of=inputs.as_of
    )
    projector_style(fig)
    fig.update_layout(margin=dict(l=10, r=40, t=10, b=10), legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    return Slide(
        key="province_districts",
        title=title,
        message=message,
        figure=fig,
        **_base(inputs),
    )


def _province_rank_history(inputs: SlideInputs) -> Slide:
    codes = _loaded(inputs.card).neighbours["code"].to_list()
    position = codes.index(inputs.province)
    shown = codes[max(position - 2, 0) : position + 3]
    history = _loaded(inputs.rank_history)
    fig = rank_bump(history, codes=shown, my_province=inputs.province, title="")
    projector_style(fig)
    # At projector size, names at the line ends collide when ranks are adjacent: a legend instead,
    # in today's rank order.
    last_rank = {t.name: t.y[-1] for t in fig.data}
    fig.data = tuple(sorted(fig.data, key=lambda t: last_rank[t.name]))
    fig.layout.annotations = ()
    fig.update_layout(
        showlegend=True,
        legend=dict(x=1.02, xanchor="left", y=1, yanchor="top", title_text="Hạng hôm nay"),
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(tickformat="%d/%m"),
    )
    for trace in fig.data:
        trace.name = f"{last_rank[trace.name]}. {trace.name}"
        trace.line.width = 6 if trace.line.width and trace.line.width > 3 else 3.5
    mine = history.filter(pl.col("code") == inputs.province).sort("day")
    if mine.height >= 2:
        first, last = mine.row(0, named=True), mine.row(mine.height - 1, named=True)
        moved = first["rank"] - last["rank"]
        verb = f"lên {moved} bậc" if moved > 0 else (f"xuống {-moved} bậc" if moved < 0 else "giữ nguyên hạng")
        message = f"{last['name']} {verb} trong {mine.height - 1} tuần: hạng {first['rank']} ngày {fmt.day(first['day'])} → hạng {last['rank']}"
    else:
        message = "Chưa đủ số liệu để so sánh theo tuần"
    return Slide(key="province_rank", title=f"Thứ hạng {RANK_WEEKS} tuần qua", message=message, figure=fig, **_base(inputs))


# --- entry points --------------------------------------------------------------------------------------


def inputs_from(
    source: Connection | SlideInputs, *, as_of: date | None, metric: Metric | str | None, denominator: Denominator | str | None, province: str | None
) -> SlideInputs:
    """`source` itself when it is already read, else load_inputs on it (which needs the day, metric and denominator)."""
    if isinstance(source, SlideInputs):
        return source
    if as_of is None or metric is None or denominator is None:
        raise ValueError("reading the slides' frames needs as_of, metric and denominator")
    return load_inputs(source, as_of=as_of, metric=metric, denominator=denominator, province=province)


def build_slides(
    source: Connection | SlideInputs,
    *,
    as_of: date | None = None,
    metric: Metric | str | None = None,
    denominator: Denominator | str | None = None,
    province: str | None = None,
) -> list[Slide]:
    """The meeting's slides: from a connection (frames read with load_inputs) or from frames already
    read. Nation: headline, map, 5 most at risk, rankings top and bottom, regions, trend, data notes.
    With a province (the director's deck): its headline, the gap to its neighbours, its districts,
    its trend, its rank over 12 weeks, data notes."""
    inputs = inputs_from(source, as_of=as_of, metric=metric, denominator=denominator, province=province)
    if inputs.province:
        row = _loaded(inputs.card).province
        return [
            _province_headline(inputs),
            _province_neighbours(inputs),
            _province_districts(inputs),
            _trend(inputs, key="province_trend", title=f"Xu hướng lũy kế của {row['name']} so với lộ trình", goal=row["denominator"]),
            _province_rank_history(inputs),
            _notes(inputs, row, key="notes"),
        ]
    row = inputs.national
    return [
        _headline(inputs),
        _map(inputs),
        _at_risk(inputs),
        _rankings(inputs),
        _regions(inputs),
        _trend(inputs, key="trend", title="Xu hướng lũy kế toàn quốc so với lộ trình", goal=row["denominator"]),
        _notes(inputs, row, key="notes"),
    ]


def deck_cover(inputs: SlideInputs) -> Deck:
    """The title page: whose deck, what it counts, as of when."""
    scope = inputs.card.province["name"] if inputs.province and inputs.card else "Toàn quốc"
    return Deck(
        title=f"Tiến độ cấp CCCD gắn chip — {scope}",
        subtitle=context_line(inputs.metric, inputs.denominator),
        as_of=inputs.as_of,
        simulated=inputs.info.simulated,
    )


# --- HTML for the meeting page (every text escaped) ------------------------------------------------------


def table_html(table: Table) -> str:
    """A slide table as HTML; cell texts are escaped, colours come from the status list only."""
    status_col = table.columns.index("Trạng thái") if "Trạng thái" in table.columns else None
    head = "".join(f'<th class="{"num" if n else ""}">{html.escape(c)}</th>' for c, n in zip(table.columns, table.numeric, strict=True))
    body = []
    for i, row in enumerate(table.rows):
        cells = []
        for j, (cell, numeric) in enumerate(zip(row, table.numeric, strict=True)):
            style = ""
            if j == status_col and i < len(table.status) and (status := table.status[i]):
                style = f' style="color:{STATUS_COLOR[Status(status)]};font-weight:700"'
            cells.append(f'<td class="{"num" if numeric else ""}"{style}>{html.escape(cell)}</td>')
        mine = ' class="mine"' if i in table.highlight else ""
        body.append(f"<tr{mine}>{''.join(cells)}</tr>")
    caption = f"<caption>{html.escape(table.title)}</caption>" if table.title else ""
    return f'<table class="slide-table">{caption}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
