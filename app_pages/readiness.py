"""Deployment readiness: provinces × items with traffic lights, provinces whose equipment limits their pace,
milestones, the connections board, a province drill-down, and the data team's form and upload."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from db.access import AccessDenied, Permission
from db.engine import DatabaseUnavailable
from intake.readiness import ACCEPTED, MILESTONE_LABEL_VI, REJECTED, headline
from queries.readiness import CARDS_PER_SET_PER_DAY, MILESTONES
from ui import access, controls, data, intake_data
from ui import readiness_data as rd
from ui.chart import chart
from present import format as fmt
from present.labels import SIMULATED_LABEL

_RESULT = "readiness_result"
# Drawn with plotly.js's basic bundle (ui/chart.py), not Streamlit's 4,7 MB Plotly chunk: both are lines.
CHART_CONFIG = {"displaylogo": False, "locale": "vi"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ctx = controls.current()
info = data.dataset_info(ctx.version)
st.title("Sẵn sàng triển khai")
st.caption(
    f"Số liệu đến ngày **{fmt.day(ctx.as_of)}** · thiết bị, đường truyền, cán bộ, tổ lưu động của 63 tỉnh; mốc thu thập dữ liệu dân cư; "
    "kết nối CSDL quốc gia về dân cư" + (f" · **{SIMULATED_LABEL}**" if info.simulated else "")
)
if not rd.tables_ready(ctx.version):
    st.warning("Cơ sở dữ liệu chưa có bảng sẵn sàng triển khai. Chạy `python cli.py init-db` để cập nhật cấu trúc và danh mục bộ, ngành.")
    st.stop()

line = rd.headline(ctx.version, as_of=ctx.as_of)
links = rd.connections(ctx.version, as_of=ctx.as_of)
counts = rd.milestone_counts(ctx.version, as_of=ctx.as_of)
capacity_all = rd.capacity(ctx.version, as_of=ctx.as_of)
limited_count = int(capacity_all["limited"].sum())
total = line.provinces_total
for column, (label, value, helptext) in zip(
    st.columns([1, 1, 1, 1, 1.35]),
    (
        (
            "Tỉnh sẵn sàng",
            f"{line.provinces_ready}/{total}",
            "Tỉnh sẵn sàng triển khai: cả 4 hạng mục đã hoàn thành (đã làm ≥ kế hoạch) đến ngày số liệu.",
        ),
        (
            "Thiếu thiết bị",
            fmt.number(limited_count),
            "Số tỉnh có công suất thiết bị đã lắp thấp hơn tốc độ cần đạt để kịp chỉ tiêu (xem bảng dưới).",
        ),
        (
            "Thu thập xong",
            f"{counts['collection_finished']}/{total}",
            f"Tỉnh đã hoàn thành thu thập thông tin dân cư; đã bắt đầu thu thập: {counts['collection_started']}/{total} tỉnh.",
        ),
        ("Tỉnh kết nối", f"{links.provinces_connected}/{links.provinces_total}", "Tỉnh đã kết nối, chia sẻ dữ liệu với CSDL quốc gia về dân cư."),
        (
            "Bộ, ngành kết nối",
            f"{links.agencies_connected}/{links.agencies_total}",
            f"Bộ, ngành đã kết nối CSDL quốc gia về dân cư; trong đó {links.ministries_connected} bộ, cơ quan ngang bộ. "
            "Danh mục không gồm Bộ Công an (cơ quan quản lý CSDL).",
        ),
    ),
    strict=True,
):
    column.metric(label, value, help=helptext, border=True)

regions = data.regions_frame(ctx.version)
region_names = dict(zip(regions["code"], regions["name"], strict=True))
chosen = tuple(st.pills("Vùng", list(region_names), selection_mode="multi", format_func=region_names.get, key="readiness_regions", default=[]))

# --- the matrix ---------------------------------------------------------------------------------------
st.subheader("Tỉnh × hạng mục: đã làm / kế hoạch")
frame = rd.matrix(ctx.version, as_of=ctx.as_of, regions=chosen)
everything = rd.matrix(ctx.version, as_of=ctx.as_of)
controls.grid(
    rd.matrix_styler(frame, my_province=ctx.province),
    column_config={k: v for k, v in rd.MATRIX_COLUMNS.items()},
    height=min(38 * (frame.height + 1), 420),
    key="readiness_matrix",
)
st.caption(
    "✓ đã xong (đã làm ≥ kế hoạch; được phép vượt kế hoạch) · … đang thực hiện, chưa đến hạn · ! quá hạn kế hoạch, chưa xong · "
    "? tỉnh chưa báo cáo hạng mục này. Tỉnh sẵn sàng = cả 4 hạng mục đã xong. Thứ tự: tỉnh chưa sẵn sàng, tỉnh đã sẵn sàng, "
    "rồi tỉnh chưa gửi báo cáo nào."
)

# --- capacity -------------------------------------------------------------------------------------------
st.subheader("Tỉnh có thiết bị hạn chế tiến độ")
limited = rd.capacity(ctx.version, as_of=ctx.as_of, regions=chosen).filter(pl.col("limited"))
if limited.height == 0:
    st.success(
        f"Không có tỉnh nào{' trong vùng đã chọn' if chosen else ''}: công suất thiết bị đã lắp đủ cho tốc độ cần đạt ngày {fmt.day(ctx.as_of)}."
    )
else:
    controls.grid(rd.capacity_table(limited), height=min(38 * (limited.height + 1), 320), key="readiness_capacity")
st.caption(
    f"Công suất = số bộ thiết bị thu nhận đã lắp × {fmt.number(CARDS_PER_SET_PER_DAY)} hồ sơ/bộ/ngày (giả định: mỗi xe lưu động ở TP.HCM "
    "đặt mục tiêu 300 hồ sơ/ngày, tháng 3/2021). Cần đạt = (chỉ tiêu giao − hồ sơ đã thu nhận) ÷ số ngày còn lại đến 01/07/2021. "
    "Tỉnh bị hạn chế khi công suất thấp hơn mức cần đạt: lắp thêm thiết bị mới tăng được tốc độ."
)

left, right = st.columns([3, 2])
with left:
    st.subheader("Mốc triển khai")
    chart(
        rd.milestone_figure(rd.timeline(ctx.version, until=ctx.as_of), as_of=ctx.as_of, total=total),
        config=CHART_CONFIG,
        key="readiness_milestones",
    )
with right:
    st.subheader("Tỉnh đến ngày số liệu")
    st.markdown(
        "  \n".join(
            [
                f"Bắt đầu thu thập dữ liệu dân cư: **{counts['collection_started']}/{total}**",
                f"Hoàn thành thu thập: **{counts['collection_finished']}/{total}**",
                f"Đã kết nối CSDL quốc gia về dân cư: **{counts['db_connected']}/{total}**",
            ]
        )
    )
    waiting, silent = rd.not_reached(everything, rd.milestones_all(ctx.version), as_of=ctx.as_of)
    if waiting:
        st.markdown("**Chưa kết nối CSDL:** " + ", ".join(waiting))
    if silent:
        st.caption(f"{silent} tỉnh chưa báo cáo mốc kết nối CSDL.")

st.subheader("Kết nối CSDL quốc gia về dân cư: bộ, ngành")
st.markdown(
    f"**{links.agencies_connected}/{links.agencies_total}** bộ, ngành (trong đó {links.ministries_connected} bộ, cơ quan ngang bộ) "
    f"và **{links.provinces_connected}/{links.provinces_total}** tỉnh đã kết nối đến ngày {fmt.day(ctx.as_of)}."
)
controls.grid(rd.board_table(rd.board(ctx.version, as_of=ctx.as_of)), height=300, key="readiness_board")

# --- one province -----------------------------------------------------------------------------------------
st.subheader("Chi tiết tỉnh")
names = data.province_names(ctx.version)
codes = fmt.by_name(names)
default = ctx.province or (limited["code"][0] if limited.height else codes[0])
province = st.selectbox("Tỉnh", codes, index=codes.index(default) if default in codes else 0, format_func=names.get, key="readiness_province")
items = rd.province_items(everything, province)
row = everything.filter(pl.col("code") == province).row(0, named=True)
st.markdown(
    f"**{names[province]}:** "
    + ("✓ sẵn sàng triển khai" if row["ready"] else f"chưa sẵn sàng — {row['items_done']}/4 hạng mục đã xong")
    + f" (đến ngày {fmt.day(ctx.as_of)})"
)
controls.grid(rd.items_table(items), key="readiness_items")
left, right = st.columns([1, 2])
with left:
    days = {r["kind"]: r["day"] for r in rd.milestones(ctx.version, province=province).iter_rows(named=True)}
    st.markdown(
        "  \n".join(
            f"{MILESTONE_LABEL_VI[k]}: **{fmt.day(days.get(k)) if days.get(k) and days[k] <= ctx.as_of else 'chưa đạt'}**" for k in MILESTONES
        )
    )
    check = capacity_all.filter(pl.col("code") == province).row(0, named=True)
    st.markdown(
        f"Công suất thiết bị: **{fmt.per_day(check['capacity_per_day'])}** ({fmt.number(check['sets_installed'] or 0)} bộ)  \n"
        f"Tốc độ 7 ngày: **{fmt.per_day(check['pace'])}**  \nCần đạt: **{fmt.per_day(check['required_daily_rate'])}**"
        + ("  \n:red[**Thiết bị hạn chế tiến độ**]" if check["limited"] else "")
    )
with right:
    series = rd.province_capacity_series(ctx.version, province=province, until=ctx.as_of)
    chart(
        rd.capacity_figure(series, as_of=ctx.as_of, required=check["required_daily_rate"]),
        config=CHART_CONFIG,
        key="readiness_capacity_chart",
    )

# --- updates: a provincial team for its own province, the data team for every province ------------------
actor = access.actor()
may_edit = access.allowed(Permission.edit_readiness, [province])
with st.expander("Cập nhật số liệu sẵn sàng", expanded=False):
    st.caption(
        "Mọi cập nhật được kiểm tra trước khi ghi: có lỗi thì không ghi gì; mỗi lần ghi là một lô có người gửi và thời điểm; "
        "số cũ được giữ trong lịch sử. Cán bộ tỉnh cập nhật tỉnh mình; Tổ dữ liệu C06 cập nhật mọi tỉnh và các bộ, ngành."
    )
    if not access.allowed(Permission.edit_readiness):
        st.info("Đăng nhập bằng tài khoản cán bộ tỉnh hoặc Tổ dữ liệu C06 để cập nhật.", icon=":material/lock:")
    else:
        st.caption(f"Người cập nhật: **{access.md(actor.display_name)}** ({access.md(actor.username)}).")
    if may_edit:
        with st.form("readiness_form"):
            st.markdown(f"**{names[province]}** — hạng mục và mốc (số hiện có đến hôm nay)")
            today_items = rd.province_items(rd.matrix(ctx.version, as_of=date.today()), province)
            edited = st.data_editor(
                rd.editor_frame(today_items),
                hide_index=True,
                disabled=["Hạng mục"],
                key="readiness_editor",
                column_config={
                    "Kế hoạch": st.column_config.NumberColumn(min_value=0, step=1, format="%d"),
                    "Đã hoàn thành": st.column_config.NumberColumn(min_value=0, step=1, format="%d"),
                    "Ngày kế hoạch": st.column_config.DateColumn(format="DD/MM/YYYY"),
                    "Ngày hoàn thành": st.column_config.DateColumn(format="DD/MM/YYYY", max_value=date.today()),
                },
            )
            columns = st.columns(len(MILESTONES))
            picked = {
                k: col.date_input(
                    MILESTONE_LABEL_VI[k],
                    value=days.get(k),
                    min_value=date(2019, 1, 1),
                    max_value=date.today(),
                    format="DD/MM/YYYY",
                    key=f"readiness_day_{k}",
                )
                for k, col in zip(MILESTONES, columns, strict=True)
            }
            send = st.form_submit_button("Kiểm tra và ghi", type="primary")
        if send:
            frames = rd.frames_from_form(edited, province=province, milestone_days=picked, stored_milestones=days)
            try:
                st.session_state[_RESULT] = rd.submit_form(frames, source_name=f"Biểu mẫu trên trang — {names[province]}", actor=actor)
            except DatabaseUnavailable as exc:
                st.error(f"Không ghi được vào cơ sở dữ liệu, không có gì được ghi. ({exc.cause.__class__.__name__})")
            except AccessDenied as exc:
                st.error(access.refused(exc), icon=":material/block:")
            else:
                if st.session_state[_RESULT].status == ACCEPTED:
                    st.rerun()
    elif access.allowed(Permission.edit_readiness):
        st.info(f"Biểu mẫu chỉ mở cho {access.province_label(actor)}: chọn tỉnh đó ở trên để sửa.", icon=":material/lock:")

    if access.allowed(Permission.edit_readiness):
        st.markdown("**Hoặc gửi tệp** (Excel theo mẫu, hoặc CSV UTF-8 một bảng)")
        a, b = st.columns(2)
        a.download_button(
            "Tải mẫu trống (Excel)",
            data=rd.template_bytes(ctx.version, prefill=False),
            file_name="mau-san-sang-trien-khai.xlsx",
            mime=XLSX,
            icon=":material/download:",
            key="readiness_template",
            on_click="ignore",
        )
        b.download_button(
            "Tải mẫu kèm số liệu hiện có",
            data=rd.template_bytes(ctx.version, prefill=True),
            file_name="so-lieu-san-sang-trien-khai.xlsx",
            mime=XLSX,
            icon=":material/download:",
            key="readiness_template_filled",
            on_click="ignore",
        )
        uploaded = st.file_uploader("Tệp cập nhật", type=["csv", "xlsx"], key="readiness_file")
        dry_run = st.toggle("Chỉ kiểm tra (không ghi)", key="readiness_dry_run")
        if st.button("Kiểm tra" if dry_run else "Kiểm tra và ghi tệp", key="readiness_go", disabled=uploaded is None):
            try:
                st.session_state[_RESULT] = rd.import_upload(uploaded.getvalue(), uploaded.name, actor=actor, dry_run=dry_run)
            except DatabaseUnavailable as exc:
                st.error(f"Không ghi được vào cơ sở dữ liệu, không có gì được ghi. ({exc.cause.__class__.__name__})")
            except AccessDenied as exc:
                st.session_state.pop(_RESULT, None)
                st.error(access.refused(exc), icon=":material/block:")
            else:
                if st.session_state[_RESULT].status == ACCEPTED:
                    st.rerun()

    result = st.session_state.get(_RESULT)
    if result is not None:
        (st.success if result.status == ACCEPTED else st.error if result.status == REJECTED else st.info)(rd.md_escape(headline(result)))
        if result.problems:
            intake_data.show_problems(rd.problems_table(result.problems), key="readiness_problems", max_height=400)
    history = rd.province_history(ctx.version, province=province)
    st.markdown(f"**Lịch sử cập nhật hạng mục của {names[province]}** (mới nhất trước)")
    controls.grid(rd.history_table(history), height=240, key="readiness_history")
