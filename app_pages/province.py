"""Province page (/tinh?province=48): coverage, rank, pace, required rate and forecast; the trend against
the target trajectory; the districts ranked (bars and table with status); a district's communes."""

from __future__ import annotations

import polars as pl
import streamlit as st

from geo.boundaries import BoundaryError
from queries.metrics import DEADLINE, Status
from queries.progress import MEASURE_COLUMNS
from ui import controls, data, map_data
from ui.chart import built_json, chart, click_event
from ui.figure_cache import shared
from present import format as fmt
from ui import meeting_data
from present.figures import trend_figure
from present.labels import BADGE_COLOR, METRIC_LABEL, METRIC_UNIT, SIMULATED_LABEL, STATUS_LABEL, denominator_label
from present.maps import MapValue, clicked_code, province_choropleth, unit_bars, with_map_values
from present.tables import REPORTED_AT_DISTRICT, district_grain_table, ranking_column_config, ranking_print_html, ranking_styler, ranking_table

MAP_PAGE = "app_pages/map.py"
CHART_CONFIG = {"displaylogo": False, "locale": "vi"}
TABLE_COLUMNS = (
    "code",
    "rank",
    "rank_change",
    "name",
    *MEASURE_COLUMNS,
    "completeness",
    "over_100",
    "reporting_incomplete",
)

ctx = controls.current()
info = data.dataset_info(ctx.version)
names = data.province_names(ctx.version)
metric, unit = ctx.metric, METRIC_UNIT[ctx.metric]
denominator_text = denominator_label(metric, ctx.denominator)


def _choose_province() -> None:
    # Runs before the next script run, so the shared sidebar selector may still be set.
    st.session_state["my_province"] = st.session_state["province_page_pick"]


if ctx.province not in names:
    st.title("Trang tỉnh")
    st.info("Chọn một tỉnh/thành phố ở đây hoặc bấm vào tỉnh đó trên bản đồ.")
    st.selectbox(
        "Tỉnh/thành phố",
        [None, *fmt.by_name(names)],
        format_func=lambda c: "— chọn —" if c is None else names[c],
        key="province_page_pick",
        on_change=_choose_province,
    )
    st.page_link(MAP_PAGE, label="Bản đồ toàn quốc", icon=":material/map:")
    st.stop()

code = ctx.province
args = dict(as_of=ctx.as_of, metric=metric.value, denominator=ctx.denominator.value)
provinces = data.progress_frame(ctx.version, level="province", **args)
row = provinces.filter(pl.col("code") == code).row(0, named=True)
status = Status(row["status"])
as_of = row["as_of"]

st.title(row["name"])
caption = f"{METRIC_LABEL[metric]} ({unit}) so với {denominator_text} · số liệu đến ngày **{fmt.day(as_of)}**"
st.caption(caption + (f" · **{SIMULATED_LABEL}**" if info.simulated else ""))
st.page_link(MAP_PAGE, label="Bản đồ toàn quốc", icon=":material/map:")

# Two rows of three cards: five in a row truncate their numbers at 1280 px with the sidebar open.
first, second = st.columns(3), st.columns(3)
first[0].metric(
    "Tỷ lệ hoàn thành",
    fmt.percent(row["coverage"]) + (" ⚑" if row["over_100"] else ""),
    delta=f"{fmt.number(row['cumulative'])} / {fmt.number(row['denominator'])} {unit}",
    delta_color="off",
    delta_arrow="off",
    border=True,
    help=f"Lũy kế ÷ {denominator_text}; không cắt ở 100% (⚑ vượt 100%).",
)
change = row["rank_change"]
first[1].metric(
    "Hạng cả nước",
    f"{row['rank']}/{provinces.height}",
    delta=None if change is None else ("giữ hạng so với 7 ngày trước" if change == 0 else f"{fmt.rank_change(change)} bậc so với 7 ngày trước"),
    delta_color="off" if not change else ("normal" if change > 0 else "inverse"),
    delta_arrow="off",
    border=True,
)
forecast = row["projected_completion"]
if status == Status.achieved:
    forecast_text, forecast_note = "Đã đạt", f"{fmt.number(row['cumulative'])} {unit}"
elif forecast is None:
    forecast_text, forecast_note = "Không xác định", "tốc độ bằng 0"
else:
    forecast_text, forecast_note = fmt.day(forecast), ("sau hạn chót" if forecast > DEADLINE else "trước hạn chót")
first[2].metric("Dự kiến hoàn thành", forecast_text, delta=forecast_note, delta_color="off", delta_arrow="off", border=True)
second[0].metric(
    f"Tốc độ 7 ngày ({unit}/ngày)",
    fmt.number(row["pace"]),
    delta=f"{fmt.number(row['daily'])} trong ngày {fmt.day(as_of)}",
    delta_color="off",
    delta_arrow="off",
    border=True,
)
if status == Status.achieved:
    required_text, required_note = "0", "đã đạt mục tiêu"
elif row["days_left"] <= 0:
    required_text, required_note = fmt.DASH, f"quá hạn {fmt.day(DEADLINE)}"
else:
    required_text = fmt.number(row["required_daily_rate"])
    ratio = row["pace"] / row["required_daily_rate"] if row["required_daily_rate"] else None
    required_note = f"hạn {fmt.day(DEADLINE)}" + ("" if ratio is None else f"; đang đạt {fmt.percent(ratio, 0)}")
second[1].metric(f"Cần đạt mỗi ngày ({unit}/ngày)", required_text, delta=required_note, delta_color="off", delta_arrow="off", border=True)
with second[2].container(border=True, height="stretch"):
    st.markdown(f"Trạng thái  \n:{BADGE_COLOR[status]}[**{STATUS_LABEL[status]}**]")
    notes = []
    if status != Status.achieved:
        notes.append(f"Còn thiếu **{fmt.number(max(row['denominator'] - row['cumulative'], 0))} {unit}**")
    if row["reporting_incomplete"]:
        notes.append(f"⚠ báo cáo ngày {fmt.day(as_of)} chưa đủ ({fmt.percent(row['completeness'])} đơn vị cấp xã)")
    if notes:
        st.markdown("  \n".join(notes))

trend = data.trend_frame(ctx.version, metric=metric.value, denominator=ctx.denominator.value, as_of=ctx.as_of, unit=code)
goal_label = f"{fmt.number(row['denominator'])} {unit} ({denominator_text})"
chart(
    shared(
        built_json,
        trend_figure,
        trend,
        title=f"{METRIC_LABEL[metric]} — lũy kế {row['name']}",
        unit=unit,
        as_of=as_of,
        deadline=DEADLINE,
        goal_label=goal_label,
        events=meeting_data.events_frame(meeting_data.events_stamp(), province=code),
    ),
    config=CHART_CONFIG,
    key="province_trend",
)

# --- districts ------------------------------------------------------------------------------------
districts = with_map_values(data.progress_frame(ctx.version, level="district", province=code, **args))
district_names = dict(zip(districts["code"], districts["name"], strict=True))
district_key = f"district_{code}"


def _pick_district(chart_key: str) -> None:
    # A click on a district's bar (or shape) chooses it in the selector below (callbacks run first).
    unit_code = clicked_code(click_event((st.session_state.get(chart_key) or {}).get("click")), district_names)
    if unit_code:
        st.session_state[district_key] = unit_code


st.subheader(f"{districts.height} quận/huyện xếp theo tỷ lệ")
official = None
try:
    official = map_data.official_district_geojson(code)
except BoundaryError as exc:
    st.warning(f"Không dùng được tệp ranh giới cấp huyện: {exc}")
if official is not None:
    chart(
        shared(
            built_json,
            province_choropleth,
            districts,
            official,
            [],
            value=MapValue.coverage,
            unit=unit,
            denominator_label=denominator_text,
            as_of=as_of,
            title=f"Tỷ lệ theo quận/huyện — {row['name']}",
            national=False,
            height=520,
        ),
        config=CHART_CONFIG,
        key="district_map",
        on_click=lambda: _pick_district("district_map"),
    )
    st.caption("Ranh giới cấp huyện từ tệp chính thức đã nạp, đối chiếu từng mã với danh mục đơn vị hành chính.")
else:
    st.caption(
        "Chưa nạp tệp ranh giới chính thức cấp huyện cho tỉnh này, nên các quận/huyện được so sánh bằng biểu đồ cột và bảng; "
        "không vẽ ranh giới phỏng đoán. Bấm vào một cột để xem các xã/phường/thị trấn của quận/huyện đó."
    )


def ranked_units(frame: pl.DataFrame, *, level_text: str, name_label: str, rank_label: str, key: str, clickable: bool) -> None:
    """Bars of the units' coverage, then their ranking table (districts of the province, communes of a district)."""
    chart(
        shared(
            built_json,
            unit_bars,
            frame,
            title=f"Tỷ lệ so với {denominator_text}, theo {level_text}",
            unit=unit,
            denominator_label=denominator_text,
            as_of=as_of,
        ),
        config=CHART_CONFIG,
        key=key,
        on_click=(lambda: _pick_district(key)) if clickable else None,
    )
    columns = frame.select(TABLE_COLUMNS)
    table = ranking_table(columns)
    labels = {"name": name_label, "rank": rank_label}
    controls.grid(
        ranking_styler(table),
        # Rank and name stay in view when the table scrolls sideways.
        column_config={c: st.column_config.Column(label, pinned=c in labels) for c, label in {**ranking_column_config(table), **labels}.items()},
        height=min(36 * (len(table) + 1) + 4, 760),
        printed=shared(ranking_print_html, columns, labels=labels),
    )


ranked_units(districts, level_text="quận/huyện", name_label="Quận/huyện", rank_label="Hạng trong tỉnh", key="district_bars", clickable=True)

# --- communes of one district ------------------------------------------------------------------------
options = [None, *fmt.by_name(district_names)]
wanted = st.query_params.get("district")
chosen = st.selectbox(
    "Xem xã/phường/thị trấn của quận/huyện",
    options,
    index=options.index(wanted) if wanted in district_names else 0,
    format_func=lambda c: "— chọn quận/huyện —" if c is None else district_names[c],
    key=district_key,
)
if chosen:
    st.query_params["district"] = chosen
elif "district" in st.query_params:
    del st.query_params["district"]

if chosen:
    communes = with_map_values(data.progress_frame(ctx.version, level="commune", district=chosen, **args))
    if communes.height == 0:
        st.info(f"{district_names[chosen]} không có đơn vị cấp xã (huyện đảo): số liệu chỉ có ở cấp huyện.")
    else:
        st.subheader(f"{communes.height} xã/phường/thị trấn của {district_names[chosen]}")
        # A district that reported for the whole district: its communes' own counts are not known — said, not zeros.
        at_district = communes.filter(pl.col("reported_at_district"))
        communes = communes.filter(~pl.col("reported_at_district"))
        if at_district.height:
            st.info(
                f"{district_names[chosen]} {REPORTED_AT_DISTRICT} (một dòng cho cả quận/huyện, không tách từng xã) trong kỳ đến "
                f"{fmt.day(as_of)}, nên {at_district.height} xã/phường/thị trấn dưới đây không có số liệu riêng: số liệu của chúng "
                "nằm trong dòng của quận/huyện ở bảng trên, và báo cáo của quận/huyện được tính là báo cáo của mọi xã trong đó."
            )
            controls.grid(district_grain_table(at_district), height=min(36 * (at_district.height + 1) + 4, 760))
        if communes.height:
            ranked_units(
                communes,
                level_text="xã/phường/thị trấn",
                name_label="Xã/phường/thị trấn",
                rank_label="Hạng trong huyện",
                key="commune_bars",
                clickable=False,
            )
else:
    st.caption("Chọn một quận/huyện (hoặc bấm vào cột của nó) để xem các xã/phường/thị trấn.")

st.caption(
    "Tỷ lệ = lũy kế ÷ mẫu số, không cắt ở 100% (⚑). Tốc độ = trung bình 7 ngày; cần đạt = phần còn thiếu ÷ số ngày còn lại đến "
    f"{fmt.day(DEADLINE)}. Xám: chưa có số liệu. Dân số cấp huyện, xã là ước tính (phân bổ từ dân số tỉnh)."
)
