"""Rankings: all 63 provinces by coverage, with rank change, pace, required rate, forecast, status and flags."""

from __future__ import annotations

import streamlit as st

from exports.spreadsheet import rankings_xlsx
from geo.register import POPULATION_METHOD_VI
from queries.metrics import Status
from ui import controls, data
from present import format as fmt
from present.labels import BADGE_COLOR, METRIC_LABEL, METRIC_UNIT, SIMULATED_LABEL, STATUS_LABEL, denominator_label
from ui.chart import built_json, chart
from ui.figure_cache import shared
from present.figures import rank_bump
from present.tables import ranking_column_config, ranking_print_html, ranking_styler, ranking_table

ctx = controls.current()
info = data.dataset_info(ctx.version)
region_frame = data.regions_frame(ctx.version)
region_names = dict(zip(region_frame["code"], region_frame["name"], strict=True))

st.title("Xếp hạng 63 tỉnh/thành phố")
unit = METRIC_UNIT[ctx.metric]
caption = (
    f"{METRIC_LABEL[ctx.metric]} ({unit}) so với {denominator_label(ctx.metric, ctx.denominator)} · "
    f"số liệu đến ngày **{fmt.day(ctx.as_of)}** · xếp hạng theo tỷ lệ, bằng nhau thì cùng hạng"
)
st.caption(caption + (f" · **{SIMULATED_LABEL}**" if info.simulated else ""))

chosen_regions = st.pills("Vùng", list(region_names), selection_mode="multi", format_func=region_names.get, key="regions", default=[])
frame = data.rankings_frame(ctx.version, as_of=ctx.as_of, metric=ctx.metric.value, denominator=ctx.denominator.value, regions=tuple(chosen_regions))
my_province = ctx.province
if my_province:
    st.page_link(
        "app_pages/scorecard.py",
        label=f"Bảng điểm của {ctx.province_name}",
        icon=":material/person_pin_circle:",
        query_params={"province": my_province},
    )
counts = frame.group_by("status").len()
status_count = dict(zip(counts["status"], counts["len"], strict=True))
# One line, not five cards: on a phone the table must come into view quickly.
st.markdown(
    "**Số tỉnh theo trạng thái:** "
    + " · ".join(f":{BADGE_COLOR[s]}[{STATUS_LABEL[s]}] **{fmt.number(status_count.get(s.value, 0))}**" for s in Status)
)

table = ranking_table(frame)
controls.grid(
    ranking_styler(table, my_province=my_province),
    # Rank and name stay in view when the table scrolls sideways (a 1280 px screen shows about nine columns).
    column_config={c: st.column_config.Column(label, pinned=c in ("rank", "name")) for c, label in ranking_column_config(table).items()},
    height=min(38 * (frame.height + 1), 2400),
    printed=shared(ranking_print_html, frame, my_province=my_province),
)
st.caption(
    "Tỷ lệ = lũy kế ÷ mẫu số, không cắt ở 100% (⚑). Tốc độ 7 ngày = trung bình mỗi ngày của 7 ngày qua. Báo cáo ngày = đơn vị cấp xã đã gửi báo cáo ngày "
    f"{fmt.day(ctx.as_of)} ÷ số đơn vị phải báo cáo; ⚠ dưới 95%: tỉnh có thể bị xếp thấp vì báo cáo thiếu, không phải vì chậm."
)
notes = [
    "Tỷ lệ = lũy kế ÷ mẫu số, không cắt ở 100% (⚑). Tốc độ = trung bình 7 ngày; cần đạt = phần còn thiếu ÷ số ngày còn lại đến 01/07/2021.",
    "⚠ báo cáo chưa đủ: dưới 95% đơn vị cấp xã gửi báo cáo ngày này.",
    POPULATION_METHOD_VI,
    info.quota_note or "",
]
if info.simulated:
    notes.insert(0, f"{SIMULATED_LABEL}: không phải số liệu thật của Bộ Công an.")
left, right = st.columns(2)
left.download_button(
    "Tải bảng (Excel)",
    # Built when asked for, not on every run (a formatted workbook costs more than the page's own table).
    data=lambda: rankings_xlsx(
        frame,
        as_of=ctx.as_of,
        title=f"Xếp hạng tỉnh/thành — {METRIC_LABEL[ctx.metric]} ({unit}) so với {denominator_label(ctx.metric, ctx.denominator)}",
        notes=notes,
        simulated=info.simulated,
    ),
    file_name=f"xep-hang-{ctx.metric.value}-{ctx.as_of.isoformat()}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click="ignore",
)
right.download_button(
    "Tải bảng (CSV)",
    data=data.rankings_csv(ctx.version, as_of=ctx.as_of, metric=ctx.metric.value, denominator=ctx.denominator.value, regions=tuple(chosen_regions)),
    file_name=f"xep-hang-{ctx.metric.value}-{ctx.as_of.isoformat()}.csv",
    mime="text/csv",
    on_click="ignore",
)

st.subheader("Thứ hạng theo tuần")
# Default lines: my province and the two provinces on either side of it nationally, else the top five shown.
ordered = data.rankings_frame(ctx.version, as_of=ctx.as_of, metric=ctx.metric.value, denominator=ctx.denominator.value, regions=())["code"].to_list()
if my_province in ordered:
    position = ordered.index(my_province)
    default = ordered[max(position - 2, 0) : position + 3]
else:
    default = frame["code"].to_list()[:5]
names = data.province_names(ctx.version)
picked = st.multiselect(
    "Tỉnh trên biểu đồ (tối đa 8)",
    fmt.by_name(names),
    default=default,
    format_func=names.get,
    max_selections=8,
    key="bump_provinces",
)
history = data.rank_history_frame(ctx.version, as_of=ctx.as_of, metric=ctx.metric.value, denominator=ctx.denominator.value, weeks=12)
chart(
    shared(
        built_json,
        rank_bump,
        history,
        codes=picked,
        my_province=my_province,
        title="Hạng trong 12 tuần qua (cùng ngày trong tuần; hạng 1 ở trên cùng)",
    ),
    config={"displaylogo": False},
    key="rank_bump",
)
