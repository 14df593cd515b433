"""Data quality for the C06 data team: completeness and timeliness heatmap, who has not reported, late
reports, and the values to follow up. Every figure comes from queries.quality (through ui.quality_data)."""

from __future__ import annotations

import streamlit as st

import settings
from queries import quality
from ui import controls, data
from present import format as fmt
from ui import quality_data as qd
from ui.chart import chart
from present.labels import SIMULATED_LABEL
from exports.spreadsheet import XLSX_MIME

ctx = controls.current()
info = data.dataset_info(ctx.version)
names = data.province_names(ctx.version)
cutoff = settings.load().report_cutoff_hour
as_of, my_province = ctx.as_of, ctx.province

st.title("Chất lượng số liệu")
caption = (
    f"Báo cáo ngày **{fmt.day(as_of)}** · hạn nộp {cutoff}:00 cùng ngày · đơn vị = xã/phường/thị trấn "
    "(huyện đảo không có xã tính là một đơn vị) · dữ liệu cập nhật lần cuối " + fmt.timestamp(info.last_received_at)
)
st.caption(caption + (f" · **{SIMULATED_LABEL}**" if info.simulated else ""))

grid = qd.grid_frame(ctx.version, as_of=as_of)
summary = quality.day_summary(grid, as_of)
late = qd.late_frame(ctx.version, as_of=as_of, cutoff_hour=cutoff)
missing = qd.missing(ctx.version, as_of=as_of, province=my_province)
followup = qd.outliers_frame(ctx.version, as_of=as_of)

reported, expected, on_time = summary.units_reported, summary.units_expected, summary.units_on_time
cols = st.columns(4)
cols[0].metric(
    "Đơn vị đã báo cáo",
    fmt.percent(summary.completeness),
    delta=f"{fmt.number(reported)}/{fmt.number(expected)} đơn vị",
    delta_color="off",
    delta_arrow="off",
    border=True,
)
cols[1].metric(
    f"Nộp đúng hạn (trước {cutoff}:00)",
    fmt.percent(summary.timeliness),
    delta=f"{fmt.number(on_time)}/{fmt.number(expected)} đơn vị",
    delta_color="off",
    delta_arrow="off",
    border=True,
)
cols[2].metric(
    "Tỉnh báo cáo đủ",
    f"{summary.rows_complete}/{summary.rows}",
    delta=f"{summary.rows_none} tỉnh chưa gửi báo cáo",
    delta_color="off",
    delta_arrow="off",
    border=True,
)
cols[3].metric(
    "Báo cáo trễ hạn",
    f"{summary.rows_late} tỉnh",
    delta=f"{fmt.number(summary.late_units)} đơn vị nộp sau {cutoff}:00",
    delta_color="off",
    delta_arrow="off",
    border=True,
)

st.subheader(f"Báo cáo {quality.GRID_DAYS} ngày đến {fmt.day(as_of)}")
measure = st.radio(
    "Hiển thị",
    list(qd.MEASURE_LABEL),
    format_func=lambda m: f"{qd.MEASURE_LABEL[m]} (% đơn vị)",
    horizontal=True,
    key="quality_measure",
    label_visibility="collapsed",
)
# plotly.js's cartesian bundle (ui/chart.py; 1,5 MB), not Streamlit's 4,7 MB Plotly chunk.
chart(
    qd.heatmap_figure(ctx.version, as_of=as_of, measure=measure, my_province=my_province),
    config={"displaylogo": False, "locale": "vi"},
    key="quality_heatmap",
)
st.caption(
    f"Mỗi ô: một tỉnh trong một ngày. Đầy đủ = đơn vị đã gửi báo cáo ÷ đơn vị phải báo cáo; đúng hạn = đơn vị có báo cáo "
    f"nhận trước {cutoff}:00 ÷ đơn vị phải báo cáo. Dưới {fmt.percent(0.95, 0)}: màu vàng đến đỏ. "
    + (f"{ctx.province_name} (tỉnh của tôi) ở dòng đầu, có khung viền; sau đó " if my_province else "")
    + f"tỉnh thấp nhất ngày {fmt.day(as_of)} ở trên."
)

st.subheader(f"Chưa báo cáo ngày {fmt.day(as_of)}")
if missing.provinces.height == 0:
    st.success(f"Tất cả {fmt.number(expected)} đơn vị đã gửi báo cáo ngày {fmt.day(as_of)}.")
else:
    none = missing.provinces_none
    if none.height:
        st.markdown(f"**Chưa gửi báo cáo ({none.height} tỉnh):** " + ", ".join(none["name"].to_list()))
    styler, labels = qd.missing_provinces_table(missing.provinces, my_province=my_province)
    controls.grid(styler, column_config=labels, column_order=list(labels), height=min(36 * (missing.provinces.height + 1), 420))
if my_province:
    st.markdown(f"**{ctx.province_name}** (tỉnh của tôi)")
    if missing.units.height == 0:
        st.success(f"Mọi xã/phường/thị trấn của {ctx.province_name} đã báo cáo ngày {fmt.day(as_of)}.")
    else:
        table, labels = qd.missing_units_table(missing.units)
        st.caption(f"{fmt.number(missing.units.height)} đơn vị chưa báo cáo ngày {fmt.day(as_of)}:")
        controls.grid(table, column_config=labels, column_order=list(labels), height=min(36 * (missing.units.height + 1), 420))
else:
    st.caption("Chọn “Tỉnh của tôi” ở thanh bên để xem danh sách xã/phường chưa báo cáo của tỉnh đó.")

st.subheader(f"Báo cáo trễ hạn {quality.LATE_DAYS} ngày qua")
if late.height == 0:
    st.success(f"Không có báo cáo nào nhận sau {cutoff}:00 trong {quality.LATE_DAYS} ngày đến {fmt.day(as_of)}.")
else:
    styler, labels = qd.late_table(late, my_province=my_province)
    controls.grid(styler, column_config=labels, column_order=list(labels), height=min(36 * (late.height + 1), 420))
    st.caption("Mỗi dòng: một lần gửi (tệp) cho một ngày báo cáo; sau hạn = nhận lúc − " f"{cutoff}:00 của ngày báo cáo.")

st.subheader("Số liệu bất thường cần kiểm tra")
if followup.height == 0:
    st.success(f"Không có số liệu bất thường đến {fmt.day(as_of)}.")
else:
    mine = followup.filter(followup["province_code"] == my_province).height if my_province else 0
    st.markdown(
        f"**{fmt.number(followup.height)}** trường hợp cần kiểm tra"
        + (f", trong đó **{fmt.number(mine)}** ở {ctx.province_name}." if my_province else ".")
    )
    styler, labels = qd.outliers_table(followup, my_province=my_province)
    controls.grid(styler, column_config=labels, column_order=list(labels), height=min(36 * (followup.height + 1), 460))
st.caption(qd.SPIKE_RULE_VI)
left, right = st.columns(2)
left.download_button(
    "Tải danh sách cần kiểm tra (Excel)",
    data=lambda: qd.followup_xlsx(ctx.version, as_of=as_of, simulated=info.simulated),
    file_name=f"can-kiem-tra-{as_of.isoformat()}.xlsx",
    mime=XLSX_MIME,
    icon=":material/table_view:",
    key="followup_xlsx",
    on_click="ignore",
)
right.download_button(
    "Tải danh sách cần kiểm tra (CSV)",
    data=qd.followup_csv(ctx.version, as_of=as_of),
    file_name=f"can-kiem-tra-{as_of.isoformat()}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="followup_csv",
    on_click="ignore",
)
