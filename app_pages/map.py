"""National map: the 63 provinces coloured by coverage, status or pace against the required rate,
as a choropleth (Hoàng Sa and Trường Sa labelled) or an equal-tile grid; a click opens the province."""

from __future__ import annotations

import streamlit as st

from geo.register import POPULATION_METHOD_VI
from queries.metrics import DEADLINE, Status
from queries.trend import CAMPAIGN_START
from ui import controls, data, map_data
from present import format as fmt
from present.labels import METRIC_LABEL, METRIC_UNIT, SIMULATED_LABEL, STATUS_LABEL, denominator_label
from ui.figure_cache import shared
from ui.chart import built_json, chart, click_event, static_url
from present.maps import MAP_VALUE_LABEL, MapValue, clicked_code, province_choropleth, tile_grid, with_map_values

PROVINCE_PAGE = "app_pages/province.py"
# Plotly.js wants world_110m.json for a geo subplot even with every base layer off (seen in Chromium):
# ui.chart hands it the app's empty topology with the figure; topojsonURL (the app's own
# static/topojson/, never cdn.plot.ly) is only the fallback.
CHART_CONFIG = {"topojsonURL": static_url("topojson/"), "scrollZoom": False}
KINDS = {"map": "Bản đồ hành chính", "tiles": "Lưới ô đều (mỗi tỉnh một ô)"}

ctx = controls.current()
info = data.dataset_info(ctx.version)
names = data.province_names(ctx.version)
metric, unit = ctx.metric, METRIC_UNIT[ctx.metric]
denominator_text = denominator_label(metric, ctx.denominator)


def _remember(code: str) -> None:
    # Callbacks run before the script, so the shared sidebar selector ("my province") may be set here;
    # the province page then shows this province and the sidebar agrees.
    st.session_state["my_province"] = code
    st.session_state["map_open_province"] = code


def _on_map_click(key: str) -> None:
    code = clicked_code(click_event((st.session_state.get(key) or {}).get("click")), names)
    if code:
        _remember(code)


def _on_choose() -> None:
    code = st.session_state.get("open_province")
    if code:
        _remember(code)


def open_province(code: str) -> None:
    if ctx.province != code and "my_province" in st.session_state:
        # No callback ran (a selection set programmatically, as AppTest does): drop the sidebar
        # selector's old value so that on the next run it takes ?province= from the URL.
        del st.session_state["my_province"]
    st.session_state.pop("map_open_province", None)
    # query_params here, not st.query_params before switching: that is lost on the switch (BRIEF §5).
    # The shared date, metric and denominator go along: a page switch from the script resets widgets.
    params = {k: v for k, v in st.query_params.to_dict().items() if k in ("as_of", "metric", "denominator")}
    st.switch_page(PROVINCE_PAGE, query_params={**params, "province": code})


pending = st.session_state.get("map_open_province")
if pending in names:
    open_province(pending)

st.title("Bản đồ tiến độ")
caption_slot = st.empty()
left, right = st.columns([3, 1])
with left:
    # The slider shows below the map but is read before the map is drawn.
    chart_slot, slider_slot = st.container(), st.container()
with right:
    value = MapValue(st.radio("Tô màu theo", list(MapValue), format_func=lambda v: MAP_VALUE_LABEL[MapValue(v)], key="map_value"))
    kind = st.radio("Kiểu bản đồ", list(KINDS), format_func=KINDS.get, key="map_kind")

days = map_data.map_days(max(info.first_day, CAMPAIGN_START[metric]), ctx.as_of)
map_day = ctx.as_of
if len(days) > 1:
    map_day = slider_slot.select_slider(
        "Xem lại theo tuần (ngày của bản đồ)",
        options=days,
        value=ctx.as_of,
        format_func=fmt.day,
        key=f"map_day_{ctx.as_of.isoformat()}_{metric.value}",
        help="Kéo để xem bản đồ từng tuần trước ngày số liệu đã chọn ở thanh bên.",
    )

frame = with_map_values(data.progress_frame(ctx.version, level="province", as_of=map_day, metric=metric.value, denominator=ctx.denominator.value))
caption = [
    f"{METRIC_LABEL[metric]} ({unit}) so với {denominator_text}",
    f"bản đồ ngày **{fmt.day(map_day)}**" + ("" if map_day == ctx.as_of else f" (số liệu đến {fmt.day(ctx.as_of)})"),
    "bấm vào một tỉnh để mở trang tỉnh",
]
if info.simulated:
    caption.append(f"**{SIMULATED_LABEL}**")
caption_slot.caption(" · ".join(caption))

title = f"{METRIC_LABEL[metric]} — {MAP_VALUE_LABEL[value].lower()}, {fmt.day(map_day)}"
subtitle = {
    MapValue.coverage: f"Lũy kế so với {denominator_text}",
    MapValue.status: "Đúng tiến độ: tốc độ 7 ngày ≥ mức cần đạt; có nguy cơ chậm: ≥ 80% mức cần đạt",
    MapValue.pace_ratio: f"Tốc độ 7 ngày ÷ mức cần đạt để xong trước {fmt.day(DEADLINE)}",
}[value]
labels = map_data.archipelago_labels()

with chart_slot:
    # The outlines of the provinces, or one tile each: the same values, labels and words on either.
    build, shapes, chart_key = (
        (province_choropleth, map_data.provinces_geojson(), "map") if kind == "map" else (tile_grid, map_data.tile_grid_positions(), "tiles")
    )
    figure = shared(
        built_json,
        build,
        frame,
        shapes,
        labels,
        value=value,
        unit=unit,
        denominator_label=denominator_text,
        as_of=map_day,
        title=title,
        subtitle=subtitle,
    )
    # Drawn with plotly.js's geo bundle, not st.plotly_chart: see ui/chart.py (the page's load budget).
    event = chart(figure, key=chart_key, config=CHART_CONFIG, on_click=lambda: _on_map_click(chart_key))
    code = clicked_code(event, names)
    if code:
        open_province(code)

with right:
    st.selectbox(
        "Mở trang tỉnh",
        [None, *fmt.by_name(names)],
        format_func=lambda c: "— chọn tỉnh/thành phố —" if c is None else names[c],
        key="open_province",
        on_change=_on_choose,
        help="Cách khác để mở trang một tỉnh, không cần bấm trên bản đồ.",
    )
    counts = dict(frame.filter(frame["has_data"]).group_by("status").len().iter_rows())
    st.markdown(
        "**Số tỉnh theo trạng thái**  \n"
        + "  \n".join(f"{STATUS_LABEL[s]}: **{fmt.number(counts.get(s.value, 0))}**" for s in Status)
        + f"  \nChưa có số liệu: **{fmt.number(frame.height - int(frame['has_data'].sum()))}**"
    )
    if ctx.province and ctx.province in names:
        mine = frame.filter(frame["code"] == ctx.province).row(0, named=True)
        st.markdown(f"**Tỉnh của tôi — {mine['name']}:** hạng **{mine['rank']}/{frame.height}**, {fmt.percent(mine['coverage'])}")
        st.page_link(PROVINCE_PAGE, label=f"Trang của {mine['name']}", icon=":material/location_city:", query_params={"province": ctx.province})

notes = [
    "Bản đồ thể hiện quần đảo Hoàng Sa (huyện Hoàng Sa, TP. Đà Nẵng) và quần đảo Trường Sa (huyện Trường Sa, tỉnh Khánh Hòa); "
    "không dùng lớp nền bản đồ thế giới nào.",
    "Ranh giới tỉnh theo Natural Earth (đã giản lược), không phải ranh giới chính thức; đã biết sai lệch ở Lai Châu, Lào Cai, "
    "Hậu Giang, Cần Thơ. Dữ liệu nối với hình theo mã tỉnh (GSO).",
    "Xám: chưa có số liệu (chưa có báo cáo nào đến ngày này)"
    + ("; với tốc độ sau hạn chót: không áp dụng (không còn mức cần đạt)." if value == MapValue.pace_ratio else "."),
    "Tốc độ = trung bình 7 ngày; mức cần đạt = phần còn thiếu ÷ số ngày còn lại đến 01/07/2021. "
    "Lưới ô đều: mỗi tỉnh một ô bằng nhau, đặt gần đúng vị trí địa lý.",
    POPULATION_METHOD_VI,
]
with st.expander("Ghi chú bản đồ", expanded=False):
    st.markdown("\n".join(f"- {note}" for note in notes))
