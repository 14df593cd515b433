"""The audit log for the administrator and the data team: who signed in, imported, rolled back, changed what, from where."""

from __future__ import annotations

from datetime import date

import streamlit as st

from db.access import Permission
from ui import access, audit_data, controls, data
from present import format as fmt

FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2030, 12, 31)

st.title("Nhật ký thao tác")
if not access.allowed(Permission.view_audit):
    # app.py offers this page only to those who may see it; a page reached some other way still says no.
    st.warning("Chỉ quản trị hệ thống và Tổ dữ liệu C06 được xem nhật ký.", icon=":material/lock:")
    st.stop()

ctx = controls.current()
names = data.province_names(ctx.version)
st.caption(
    "Mỗi lần đăng nhập (cả lần sai), đăng xuất, nhập báo cáo, hủy lô, cập nhật mức sẵn sàng, sửa sự kiện và thay đổi tài khoản "
    f"đều được ghi lại: ai, lúc nào, tỉnh nào, từ địa chỉ máy nào. Hiện tối đa {fmt.number(audit_data.LIMIT)} mục mới nhất theo bộ lọc."
)

accounts = audit_data.usernames()
first, second, third = st.columns(3)
user = first.selectbox(
    "Tài khoản",
    accounts,
    index=None,
    placeholder="Mọi tài khoản",
    accept_new_options=True,
    key="audit_user",
    help="Chọn một tài khoản, hoặc gõ tên khác (tên gõ sai khi đăng nhập, os:TÊN của dòng lệnh trên máy chủ).",
)
province = second.selectbox(
    "Tỉnh", fmt.by_name(names), index=None, placeholder="Mọi tỉnh", format_func=lambda c: f"{names.get(c, c)} ({c})", key="audit_province"
)
action = third.selectbox(
    "Thao tác", audit_data.ACTIONS, index=None, placeholder="Mọi thao tác", format_func=audit_data.action_label, key="audit_action"
)
left, right, _ = st.columns(3)
day_from = left.date_input("Từ ngày", value=None, min_value=FIRST_DAY, max_value=LAST_DAY, format="DD/MM/YYYY", key="audit_from")
day_to = right.date_input("Đến ngày", value=None, min_value=FIRST_DAY, max_value=LAST_DAY, format="DD/MM/YYYY", key="audit_to")
if day_from and day_to and day_from > day_to:
    st.warning("«Từ ngày» sau «Đến ngày»: không có mục nào trong khoảng này.")

frame = audit_data.entries(user=(user or "").strip() or None, province=province, action=action, day_from=day_from, day_to=day_to)
shown = audit_data.table(frame, names)
if shown.height == 0:
    st.info("Không có mục nào khớp bộ lọc.")
    st.stop()
more = " (giới hạn; thu hẹp bộ lọc để xem mục cũ hơn)" if shown.height >= audit_data.LIMIT else ""
st.caption(f"{fmt.number(shown.height)} mục, mới nhất trước{more}.")
# Wider than the page at 1280 px (it scrolls sideways); widths set so a mostly empty column does not cut the rest short.
widths = {"Tài khoản": 120, "Họ tên": "medium", "Tỉnh": 110, "Đối tượng": 130, "Chi tiết": "medium"}
controls.grid(
    shown,
    width="stretch",
    height=min(35 * (shown.height + 1) + 3, 640),
    key="audit_table",
    column_config={c: st.column_config.TextColumn(width=w) for c, w in widths.items()},
)
st.download_button(
    "Tải nhật ký (CSV)",
    data=audit_data.csv_bytes(shown),
    file_name=f"nhat-ky-{date.today():%Y%m%d}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="audit_csv",
    on_click="ignore",
)
