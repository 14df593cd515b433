"""My account: who I am (role, province) and my API tokens — create one (shown once), see them, revoke one."""

from __future__ import annotations

import streamlit as st

from db.access import ROLE_LABEL_VI, AccessDenied
from db.tokens import DEFAULT_DAYS, MAX_DAYS
from db.users import UserError
from ui import access, controls, data, tokens_data

_NEW = "my_account_new_token"  # the token just made: shown on the next run only, then forgotten
_OUTCOME = "my_account_outcome"
_CONFIRM = "my_account_revoke_confirm"  # the token id whose revocation waits for "Xác nhận thu hồi"

st.title("Tài khoản của tôi")
acting = access.actor()
if acting is None or acting.user_id is None:
    st.info("Đăng nhập để xem tài khoản và mã API của mình.", icon=":material/login:")
    st.stop()

names = data.province_names(controls.current().version)
where = f" — {names.get(acting.province_code, acting.province_code)} ({acting.province_code})" if acting.province_code else ""
st.markdown(f"**{access.md(acting.display_name)}** ({access.md(acting.username)}) · {access.md(ROLE_LABEL_VI[acting.role] + where)}")

st.subheader("Mã API")
st.caption(
    "Hệ thống của tỉnh gửi báo cáo và lấy số liệu qua API bằng mã này (`Authorization: Bearer …`; mô tả đầy đủ các lệnh: [/api/v1/openapi.json](/api/v1/openapi.json)). "
    "Mã có quyền như tài khoản của bạn; mỗi lần gọi được ghi vào nhật ký thao tác kèm tên mã. Hệ thống chỉ lưu "
    "dạng băm của mã: mã chỉ hiện một lần khi tạo."
)

new = st.session_state.pop(_NEW, None)
if new:
    st.success(f"Đã tạo mã API #{new[0]}. Sao chép và lưu ngay — mã sẽ không hiện lại:", icon=":material/key:")
    st.code(new[1], language=None)
outcome = st.session_state.pop(_OUTCOME, None)
if outcome:
    (st.success if outcome[0] == "success" else st.error)(outcome[1])

with st.form("my_account_create", clear_on_submit=True):
    left, right = st.columns([3, 1])
    name = left.text_input("Tên mã (dùng để làm gì)", max_chars=64, placeholder="vd. he-thong-bao-cao-tinh")
    days = right.number_input("Hiệu lực (ngày)", min_value=1, max_value=MAX_DAYS, value=DEFAULT_DAYS, step=1)
    if st.form_submit_button("Tạo mã API", icon=":material/add:"):
        try:
            st.session_state[_NEW] = tokens_data.create(acting, name=name, days=int(days))
        except (UserError, AccessDenied) as exc:
            st.session_state[_OUTCOME] = ("error", access.refused(exc))
        st.rerun()

frame = tokens_data.my_tokens(acting)
if frame.height == 0:
    st.caption("Bạn chưa có mã API nào.")
    st.stop()
controls.grid(tokens_data.token_table(frame), width="stretch", key="my_account_tokens")
live = [r for r in frame.iter_rows(named=True) if r["revoked_at"] is None]
if live:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        "Thu hồi mã",
        [r["id"] for r in live],
        key="my_account_revoke_pick",
        format_func=lambda i: next(f"#{r['id']} {r['name']} ({r['prefix']}…)" for r in live if r["id"] == i),
    )
    if right.button("Thu hồi", icon=":material/block:", key="my_account_revoke"):
        st.session_state[_CONFIRM] = int(chosen)
    pending = next((r for r in live if r["id"] == st.session_state.get(_CONFIRM)), None)
    if pending is not None and controls.confirmed(
        _CONFIRM,
        f"Thu hồi mã API #{pending['id']} «{access.md(pending['name'])}»: mọi hệ thống đang dùng mã này bị từ chối ngay "
        "từ lần gọi sau, và không mở lại được (tạo mã mới nếu cần).",
        "Xác nhận thu hồi",
        key="my_account_revoke",
    ):
        st.session_state.pop(_CONFIRM, None)
        try:
            tokens_data.revoke(acting, int(pending["id"]))
            st.session_state[_OUTCOME] = ("success", f"Đã thu hồi mã API #{pending['id']}: mọi lần gọi sau bằng mã này bị từ chối.")
        except (UserError, AccessDenied) as exc:
            st.session_state[_OUTCOME] = ("error", access.refused(exc))
        st.rerun()
