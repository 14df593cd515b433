"""The provincial director's scorecard: one screen (phone-width first) on where "my province" stands
and what it takes to move up. Every figure comes from queries.scorecard / queries.progress."""

from __future__ import annotations

import streamlit as st

from queries.metrics import DEADLINE, Status
from ui import controls, data
from present import format as fmt
from ui.chart import built_json, chart
from ui.figure_cache import shared
from present.figures import rank_bump
from present.labels import BADGE_COLOR, METRIC_LABEL, METRIC_UNIT, SIMULATED_LABEL, STATUS_LABEL, denominator_label
from present.tables import ranking_column_config, ranking_print_html, ranking_styler, ranking_table

ctx = controls.current()
info = data.dataset_info(ctx.version)
names = data.province_names(ctx.version)
metric, unit = ctx.metric, METRIC_UNIT[ctx.metric]


def _choose(key: str) -> None:
    # Runs before the next script run, so the shared sidebar selector may still be set.
    st.session_state["my_province"] = st.session_state[key]


if ctx.province is None:
    st.title("Tỉnh của tôi")
    st.info("Chọn tỉnh của mình một lần: tỉnh đó được tô sáng trên mọi trang và lưu trong địa chỉ trang để đánh dấu.")
    st.selectbox(
        "Tỉnh/thành phố",
        [None, *fmt.by_name(names)],
        format_func=lambda c: "— chọn —" if c is None else names[c],
        key="pick_province",
        on_change=_choose,
        args=("pick_province",),
    )
    st.stop()

card = data.scorecard_of(ctx.version, province=ctx.province, as_of=ctx.as_of, metric=metric.value, denominator=ctx.denominator.value)
row = card.province
status = Status(row["status"])
total = len(names)

st.title(f"{row['name']}")
caption = f"{METRIC_LABEL[metric]} ({unit}) so với {denominator_label(metric, ctx.denominator)} · số liệu đến ngày **{fmt.day(card.as_of)}**"
st.caption(caption + (f" · **{SIMULATED_LABEL}**" if info.simulated else ""))

left, middle, right = st.columns(3)
change = row["rank_change"]
left.metric(
    "Hạng cả nước",
    f"{row['rank']}/{total}",
    delta=fmt.rank_change_phrase(change),
    delta_color="off" if not change else ("normal" if change > 0 else "inverse"),
    delta_arrow="off",
    border=True,
)
flag = " ⚑" if row["over_100"] else ""
middle.metric(
    f"Tỷ lệ so với {denominator_label(metric, ctx.denominator)}",
    fmt.percent(row["coverage"]) + flag,
    delta=f"{fmt.number(row['cumulative'])} / {fmt.number(row['denominator'])} {unit}",
    delta_color="off",
    delta_arrow="off",
    border=True,
)
deadline_label, deadline_value = fmt.deadline_card(row["days_left"])
right.metric(
    deadline_label,
    deadline_value,
    delta=f"hạn {fmt.day(DEADLINE)}",
    delta_color="off",
    delta_arrow="off",
    border=True,
)

with st.container(border=True):
    st.markdown(f"**Trạng thái:** :{BADGE_COLOR[status]}[**{STATUS_LABEL[status]}**]")
    pace, required = row["pace"], row["required_daily_rate"]
    lines = [f"Tốc độ 7 ngày: **{fmt.per_day(pace)}**"]
    if status == Status.achieved:
        lines.append("Đã đạt mục tiêu.")
    elif row["days_left"] > 0:
        ratio = f" ({fmt.percent(pace / required, 0)} mức cần đạt)" if required else ""
        lines.append(f"Cần đạt: **{fmt.per_day(required)}** để xong trước {fmt.day(DEADLINE)}{ratio}")
        lines.append(f"Còn thiếu: **{fmt.number(max(row['denominator'] - row['cumulative'], 0))} {unit}**")
    forecast = row["projected_completion"]
    if status != Status.achieved:
        lines.append(
            "Dự kiến hoàn thành với tốc độ hiện tại: **"
            + (fmt.day(forecast) if forecast else "không xác định (tốc độ bằng 0)")
            + "**"
            + (" — sau hạn" if forecast and forecast > DEADLINE else "")
        )
    st.markdown("  \n".join(lines))

with st.container(border=True):
    gap = card.above
    if gap is None:
        label = METRIC_LABEL[metric]
        st.markdown(f"**Đang đứng đầu cả nước** về {label[0].lower() + label[1:]}.")
    else:
        st.markdown(
            f"**Để lên hạng {gap.rank}** (bằng {gap.name}, {fmt.percent(gap.coverage)}): cần thêm **{fmt.number(gap.people)} {unit}**"
            + (f" — bằng **{fmt.number(gap.days_own_pace)} ngày** với tốc độ hiện tại." if gap.days_own_pace is not None else ".")
        )
        if gap.days_to_catch_up is None:
            st.markdown(f"Nếu hai tỉnh giữ tốc độ hiện tại: **chưa bắt kịp** — {gap.name} đang tăng tỷ lệ nhanh hơn.")
        elif gap.days_to_catch_up > 0:
            st.markdown(f"Nếu hai tỉnh giữ tốc độ hiện tại: bắt kịp sau khoảng **{fmt.number(gap.days_to_catch_up)} ngày**.")

st.subheader("Các tỉnh xếp liền trên và liền dưới")
near = card.neighbours.select("code", "rank", "rank_change", "name", "coverage", "over_100", "reporting_incomplete")
neighbours = ranking_table(near)
controls.grid(
    ranking_styler(neighbours, my_province=ctx.province),
    column_config=ranking_column_config(neighbours),
    printed=shared(ranking_print_html, near, my_province=ctx.province),
)

st.subheader("Các huyện chậm nhất")
if card.lagging_districts.height == 0:
    st.success("Không có huyện nào chưa đạt.")
else:
    slowest = card.lagging_districts.select("code", "name", "coverage", "pace", "required_daily_rate")
    lagging = ranking_table(slowest)
    labels = {"name": "Quận/huyện", "pace": "Tốc độ/ngày", "required_daily_rate": "Cần/ngày"}
    controls.grid(
        ranking_styler(lagging),
        column_config={**ranking_column_config(lagging), **labels},
        printed=shared(ranking_print_html, slowest, labels=labels),
    )
    st.caption(f"Tỷ lệ thấp nhất trước; {fmt.day(card.as_of)}; tốc độ và mức cần đạt tính theo ngày.")

history = data.rank_history_frame(ctx.version, as_of=card.as_of, metric=metric.value, denominator=ctx.denominator.value, weeks=12)
# Own line and the two provinces on either side of it in today's table.
position = card.neighbours["code"].to_list().index(ctx.province)
codes = card.neighbours["code"].to_list()[max(position - 2, 0) : position + 3]
chart(
    shared(built_json, rank_bump, history, codes=codes, my_province=ctx.province, title="Thứ hạng 12 tuần qua", height=360, right_margin=110),
    config={"displaylogo": False},
    key="rank_history",
)
st.caption(f"Đường đậm màu đỏ: {row['name']}; hạng 1 ở trên cùng; mỗi điểm là cùng ngày trong tuần với {fmt.day(card.as_of)}.")
st.page_link("app_pages/rankings.py", label="Bảng xếp hạng đầy đủ 63 tỉnh", icon=":material/leaderboard:")
