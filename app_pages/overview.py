"""Overview: the national headline for the three headline counts, days left, pace, forecast and trend."""

from __future__ import annotations

import streamlit as st

from geo.register import POPULATION_METHOD_VI
from queries.metrics import DEADLINE, HEADLINE_METRICS, Denominator, Status
from exports.deck import PPTX_MIME, deck_file_name
from exports.spreadsheet import XLSX_MIME, handout_file_name
from ui import controls, data, meeting_data
from ui import readiness_data
from present import format as fmt
from queries.rankings import most_at_risk as most_at_risk_frame
from ui.chart import built_json, chart
from ui.figure_cache import shared
from present.figures import region_bars, trend_figure
from present.labels import BADGE_COLOR, METRIC_LABEL, METRIC_UNIT, SIMULATED_LABEL, STATUS_LABEL, denominator_label

ctx = controls.current()
info = data.dataset_info(ctx.version)

st.title("Tiến độ cấp CCCD gắn chip và thu thập dữ liệu dân cư — Toàn quốc")
labels = [f"Số liệu đến ngày **{fmt.day(ctx.as_of)}**", f"báo cáo mới nhất trong hệ thống nhận lúc {fmt.timestamp(info.last_received_at)}"]
if info.simulated:
    labels.append(f"**{SIMULATED_LABEL}**")
st.caption(" · ".join(labels))
handout = dict(as_of=ctx.as_of, metric=ctx.metric.value, denominator=ctx.denominator.value, province=None)
with st.container(horizontal=True, vertical_alignment="center", key="handouts"):
    st.page_link(
        "app_pages/meeting.py",
        label="Chế độ họp (trình chiếu)",
        icon=":material/co_present:",
        query_params={k: v for k, v in st.query_params.to_dict().items() if k in ("as_of", "metric", "denominator", "province")},
    )
    # Built only when clicked (a deck takes seconds: charts are drawn by Chromium); national, as on this page.
    st.download_button(
        "Tải bài trình chiếu (PowerPoint)",
        data=lambda: meeting_data.deck_bytes(ctx.version, **handout),
        file_name=deck_file_name(ctx.as_of),
        mime=PPTX_MIME,
        icon=":material/slideshow:",
        key="overview_deck",
        on_click="ignore",
    )
    st.download_button(
        "Tải bảng số liệu (Excel)",
        data=lambda: meeting_data.handout_bytes(ctx.version, **handout),
        file_name=handout_file_name(ctx.as_of),
        mime=XLSX_MIME,
        icon=":material/table_view:",
        key="overview_xlsx",
        on_click="ignore",
    )

national = {
    (m, d): data.progress_frame(ctx.version, level="national", as_of=ctx.as_of, metric=m.value, denominator=d.value).row(0, named=True)
    for m in HEADLINE_METRICS
    for d in Denominator
}
if not ctx.settled:
    arrived = (
        controls.arrived(info.last_day_reported, info.last_day_expected)
        if ctx.as_of == info.last_day
        else f"{fmt.percent(national[(ctx.metric, ctx.denominator)]['completeness'])} số xã"
    )
    st.warning(
        f"Báo cáo ngày {fmt.day(ctx.as_of)} đang về: mới có **{arrived}** gửi. Các tỉnh chưa gửi hiện "
        "không có số trong ngày, tốc độ và trạng thái thấp hơn thực tế — chọn ngày trước đó trong thanh bên để xem số đã đủ.",
        icon=":material/hourglass_top:",
    )
days_left = national[(HEADLINE_METRICS[0], Denominator.target)]["days_left"]
st.subheader(fmt.deadline_phrase(days_left, DEADLINE))

for column, metric in zip(st.columns(len(HEADLINE_METRICS)), HEADLINE_METRICS):
    chosen = national[(metric, ctx.denominator)]
    unit = METRIC_UNIT[metric]
    with column.container(border=True):
        st.metric(
            f"{METRIC_LABEL[metric]} (lũy kế, {unit})",
            fmt.number(chosen["cumulative"]),
            delta=f"+{fmt.number(chosen['daily'])} trong ngày",
            delta_color="off",
        )
        for d in Denominator:
            row = national[(metric, d)]
            flag = " ⚑ *vượt 100%*" if row["over_100"] else ""
            st.markdown(f"**{fmt.percent(row['coverage'])}** {denominator_label(metric, d)} ({fmt.number(row['denominator'])}){flag}")
        status = Status(chosen["status"])
        st.badge(STATUS_LABEL[status], color=BADGE_COLOR[status])
        st.markdown(
            f"Tốc độ 7 ngày: **{fmt.per_day(chosen['pace'])}**  \n"
            + (
                f"Cần đạt: **{fmt.per_day(chosen['required_daily_rate'])}** để xong trước {fmt.day(DEADLINE)}  \n"
                if chosen["days_left"] > 0 and status != Status.achieved
                else ""
            )
            + (f"Còn thiếu: **{fmt.number(chosen['denominator'] - chosen['cumulative'])} {unit}**  \n" if status not in (Status.achieved,) else "")
            + "Dự kiến hoàn thành: **"
            + (
                "đã đạt"
                if status == Status.achieved
                else (fmt.day(chosen["projected_completion"]) if chosen["projected_completion"] else "không xác định (tốc độ bằng 0)")
            )
            + "**"
        )

metric = ctx.metric
trend = data.trend_frame(ctx.version, metric=metric.value, denominator=ctx.denominator.value, as_of=ctx.as_of)
goal_row = national[(metric, ctx.denominator)]
goal_label = f"{fmt.number(goal_row['denominator'])} {METRIC_UNIT[metric]} ({denominator_label(metric, ctx.denominator)})"
figure = shared(
    built_json,
    trend_figure,
    trend,
    title=f"{METRIC_LABEL[metric]} — lũy kế toàn quốc",
    unit=METRIC_UNIT[metric],
    as_of=ctx.as_of,
    deadline=DEADLINE,
    goal_label=goal_label,
    events=meeting_data.events_frame(meeting_data.events_stamp()),
)
chart(figure, config={"displaylogo": False}, key="trend")

# --- who is at risk, how the provinces stand, how the regions compare (selected metric and denominator) ---
provinces = data.rankings_frame(ctx.version, as_of=ctx.as_of, metric=metric.value, denominator=ctx.denominator.value, regions=())
status_counts = dict(provinces.group_by("status").len().iter_rows())
if ctx.province:
    mine = provinces.filter(provinces["code"] == ctx.province).row(0, named=True)
    mine_status = Status(mine["status"])
    with st.container(border=True):
        st.markdown(
            f"**Tỉnh của tôi — {mine['name']}:** hạng **{mine['rank']}/{provinces.height}** "
            f"({fmt.rank_change_phrase(mine['rank_change'])}), {fmt.percent(mine['coverage'])} "
            f"{denominator_label(metric, ctx.denominator)}, :{BADGE_COLOR[mine_status]}[{STATUS_LABEL[mine_status]}]"
        )
        st.page_link(
            "app_pages/scorecard.py", label="Xem bảng điểm của tỉnh", icon=":material/person_pin_circle:", query_params={"province": ctx.province}
        )
readiness_data.overview_lines(ctx.version, ctx.as_of)  # N/63 tỉnh sẵn sàng · M bộ, ngành đã kết nối → /san-sang
st.subheader(f"63 tỉnh theo trạng thái — {METRIC_LABEL[metric]}, so với {denominator_label(metric, ctx.denominator)}")
for column, status in zip(st.columns(len(Status)), Status, strict=True):
    column.metric(STATUS_LABEL[status], f"{fmt.number(status_counts.get(status.value, 0))} tỉnh")

left, right = st.columns([1, 1])
with left:
    st.markdown("**5 tỉnh có nguy cơ không kịp hạn nhất** (tốc độ thấp nhất so với tốc độ cần đạt)")
    risky = most_at_risk_frame(provinces)
    if risky.height == 0:
        st.success("Không có tỉnh nào chậm: tất cả đã đạt.")
    for row in risky.iter_rows(named=True):
        status = Status(row["status"])
        mine_marker = " ← *tỉnh của tôi*" if row["code"] == ctx.province else ""
        st.markdown(
            f"**{row['rank']}. {row['name']}**{mine_marker} — {fmt.percent(row['coverage'])}, tốc độ {fmt.per_day(row['pace'])}"
            + (f", cần {fmt.per_day(row['required_daily_rate'])}" if row["required_daily_rate"] else "")
            + f" · :{BADGE_COLOR[status]}[{STATUS_LABEL[status]}]"
        )
    st.page_link("app_pages/rankings.py", label="Xem bảng xếp hạng đầy đủ", icon=":material/leaderboard:")
with right:
    regions = data.progress_frame(ctx.version, level="region", as_of=ctx.as_of, metric=metric.value, denominator=ctx.denominator.value)
    chart(
        shared(
            built_json, region_bars, regions, title="So sánh 6 vùng kinh tế - xã hội", denominator_label=denominator_label(metric, ctx.denominator)
        ),
        config={"displaylogo": False},
        key="regions",
    )

completeness = goal_row["completeness"]
with st.expander("Ghi chú số liệu", expanded=False):
    st.markdown(
        f"- Báo cáo ngày {fmt.day(ctx.as_of)}: **{fmt.percent(completeness)}** đơn vị cấp xã đã gửi, "
        f"**{fmt.percent(goal_row['timeliness'])}** gửi trước 17:00.\n"
        "- Tốc độ = trung bình số trong ngày của 7 ngày gần nhất; tốc độ cần đạt = phần còn thiếu ÷ số ngày còn lại đến hạn.\n"
        "- ⚑ vượt 100%: mẫu số là dân số Tổng điều tra 2019 (đã cũ, chưa tính người di cư, tăng dân số); tỷ lệ không bị cắt ở 100%.\n"
        f"- {POPULATION_METHOD_VI}\n"
        f"- {info.quota_note or ''}\n"
        + (f"- **{SIMULATED_LABEL}** (hạt giống {info.seed}): không phải số liệu thật; chỉ dùng để thử nghiệm hệ thống.\n" if info.simulated else "")
    )
