"""Accounts for the administrator: the list, a new account, and per account: disable/enable, role and province, a new password."""

from __future__ import annotations

import streamlit as st

from db.access import AccessDenied, Permission, Role
from db.users import UserError
from ui import access, controls, data, users_data
from present import format as fmt

_OUTCOME = "users_outcome"
_GENERATION = "users_secret_generation"
MISMATCH = "Hai lần nhập mật khẩu không khớp. Không có gì được ghi; nhập lại."

st.title("Tài khoản")
if not access.allowed(Permission.manage_users):
    # app.py offers this page only to administrators; a page reached some other way still says no (the writers check too).
    st.warning("Chỉ quản trị hệ thống được quản lý tài khoản.", icon=":material/lock:")
    st.stop()

acting = access.actor()
ctx = controls.current()
names = data.province_names(ctx.version)
province_codes = fmt.by_name(names)


def _province_label(code: str) -> str:
    return f"{names.get(code, code)} ({code})"


def _secret(name: str) -> str:
    """Widget key of a password field. Each submit moves to new keys and reruns, so Streamlit drops the typed
    passwords' widget state at the end of that rerun (the form clears the browser's copy)."""
    return f"{name}_{st.session_state.get(_GENERATION, 0)}"


# The new-account form's fields (but the passwords): kept after a refusal, so that only the mistake needs
# typing again; emptied after the account is added.
_NEW_FIELDS = ("users_new_username", "users_new_name", "users_new_province", "users_new_sso")


def _finish(where: str, kind: str, text: str):
    """Keep the outcome for the rerun (shown next to the section it belongs to), forget the password fields, rerun."""
    st.session_state[_OUTCOME] = (where, kind, text)
    if where == "add" and kind == "success":
        for key in _NEW_FIELDS:
            st.session_state.pop(key, None)
    st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1
    st.rerun()


def _attempt(where: str, action, success: str) -> None:
    try:
        action()
    except (UserError, AccessDenied) as exc:
        _finish(where, "error", access.refused(exc))
    else:
        _finish(where, "success", success)


def _outcome(where: str) -> None:
    if outcome and outcome[0] == where:
        _, kind, text = outcome
        if kind == "success":
            st.success(text, icon=":material/check_circle:")
        else:
            st.error(text, icon=":material/error:")


st.caption(
    f"Người thực hiện: **{access.md(acting.display_name)}** ({access.md(acting.username)}). Mỗi lần thêm tài khoản, khóa, mở khóa, "
    "đổi vai trò hay đặt lại mật khẩu đều ghi vào nhật ký thao tác."
)
outcome = st.session_state.pop(_OUTCOME, None)

frame = users_data.accounts()
controls.grid(
    users_data.account_table(frame, names),
    width="stretch",
    key="users_table",
    column_config={"Tên đăng nhập": st.column_config.TextColumn(pinned=True)},
)

# --- a new account ----------------------------------------------------------------------------------
st.subheader("Thêm tài khoản")
with st.container(border=True):
    # Role and "SSO only" sit outside the form: choosing them shows the province or password fields at once.
    left, right = st.columns(2)
    new_role = left.selectbox("Vai trò", users_data.ROLES, format_func=users_data.role_label, key="users_new_role")
    sso_only = right.toggle(
        "Chỉ đăng nhập một lần (SSO), không có mật khẩu",
        key="users_new_sso_only",
        help="Người dùng đăng nhập bằng tài khoản của hệ thống đăng nhập một lần của Bộ; cần định danh SSO.",
    )
    with st.form("users_add", border=False):
        left, right = st.columns(2)
        username = left.text_input(
            "Tên đăng nhập",
            max_chars=64,
            key="users_new_username",
            placeholder="vd. nguyenvana.bacninh",
            help="3–64 chữ thường không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang.",
        )
        display_name = right.text_input(
            "Họ tên hiển thị", max_chars=120, key="users_new_name", placeholder="vd. Nguyễn Văn A — Công an tỉnh Bắc Ninh"
        )
        new_province = None
        password = again = None
        if new_role is Role.province:
            new_province = st.selectbox(
                "Tỉnh", province_codes, index=None, format_func=_province_label, key="users_new_province", placeholder="Chọn tỉnh của cán bộ"
            )
        sso_identity = st.text_input(
            "Định danh SSO" + ("" if sso_only else " (không bắt buộc)"),
            max_chars=255,
            key="users_new_sso",
            help="E-mail hoặc mã người dùng tại hệ thống đăng nhập một lần (OpenID Connect) của Bộ.",
        )
        if not sso_only:
            left, right = st.columns(2)
            password = left.text_input("Mật khẩu", type="password", max_chars=256, key=_secret("users_new_password"))
            again = right.text_input("Nhập lại mật khẩu", type="password", max_chars=256, key=_secret("users_new_password2"))
            st.caption(users_data.PASSWORD_POLICY_VI)
        add = st.form_submit_button("Thêm tài khoản", type="primary", icon=":material/person_add:")
_outcome("add")
if add:
    if password != again:
        _finish("add", "error", MISMATCH)
    _attempt(
        "add",
        lambda: users_data.add_account(
            acting,
            username=username,
            display_name=display_name,
            role=new_role.value,
            province_code=new_province,
            password=password,
            sso_identity=sso_identity.strip() or None,
        ),
        f"Đã thêm tài khoản {access.md(username.strip().lower())}.",
    )

# --- one account ------------------------------------------------------------------------------------
if frame.height == 0:
    st.stop()
st.subheader("Sửa tài khoản")
rows = {r["username"]: r for r in frame.iter_rows(named=True)}
chosen = st.selectbox("Tài khoản", list(rows), key="users_pick", format_func=lambda u: f"{u} — {rows[u]['display_name']}")
row = rows[chosen]
own = row["id"] == acting.user_id
state = "hoạt động" if row["active"] else "đã khóa"
if users_data.is_locked_out(row):
    state += f", tạm khóa đến {fmt.timestamp(row['locked_until'])} sau {row['failed_attempts']} lần đăng nhập sai"
where = f" — {_province_label(row['province_code'])}" if row["province_code"] else ""
st.caption(f"{access.md(users_data.role_label(row['role']) + where)} · {state}" + (" · tài khoản của bạn" if own else ""))

status_col, role_col, password_col = st.columns(3)
with status_col.container(border=True):
    st.markdown("**Khóa, mở khóa**")
    if row["active"]:
        st.caption("Khóa: không đăng nhập được nữa, các phiên đang mở kết thúc ngay. Lịch sử của tài khoản được giữ.")
        if st.button(
            "Khóa tài khoản",
            icon=":material/block:",
            key=f"users_disable_{chosen}",
            disabled=own,
            help="Không tự khóa tài khoản của chính mình." if own else None,
        ):
            _attempt("edit", lambda: users_data.set_active(acting, chosen, False), f"Đã khóa tài khoản {access.md(chosen)}.")
        if users_data.is_locked_out(row) and st.button("Gỡ tạm khóa", icon=":material/lock_open:", key=f"users_unlock_{chosen}"):
            _attempt("edit", lambda: users_data.set_active(acting, chosen, True), f"Đã gỡ tạm khóa của {access.md(chosen)}.")
    else:
        st.caption("Mở khóa: đăng nhập lại được (số lần đăng nhập sai được xóa).")
        if st.button("Mở khóa tài khoản", icon=":material/lock_open:", key=f"users_enable_{chosen}"):
            _attempt("edit", lambda: users_data.set_active(acting, chosen, True), f"Đã mở khóa tài khoản {access.md(chosen)}.")

with role_col.container(border=True):
    st.markdown("**Vai trò**")
    current_role = Role(row["role"])
    role = st.selectbox(
        "Vai trò mới", users_data.ROLES, index=users_data.ROLES.index(current_role), format_func=users_data.role_label, key=f"users_role_{chosen}"
    )
    province = None
    if role is Role.province:
        province = st.selectbox(
            "Tỉnh",
            province_codes,
            format_func=_province_label,
            key=f"users_role_province_{chosen}",
            index=province_codes.index(row["province_code"]) if row["province_code"] in province_codes else None,
            placeholder="Chọn tỉnh",
        )
    st.caption("Các phiên đang mở của tài khoản kết thúc; người dùng đăng nhập lại với quyền mới.")
    if st.button("Lưu vai trò", icon=":material/save:", key=f"users_role_save_{chosen}"):
        _attempt(
            "edit",
            lambda: users_data.set_role(acting, chosen, role.value, province),
            f"Đã đổi vai trò của {access.md(chosen)} thành «{users_data.role_label(role)}».",
        )

with password_col.container(border=True):
    st.markdown("**Đặt lại mật khẩu**")
    with st.form(f"users_reset_form_{chosen}", clear_on_submit=True, border=False):
        new_password = st.text_input("Mật khẩu mới", type="password", max_chars=256, key=_secret(f"users_reset_{chosen}"))
        new_again = st.text_input("Nhập lại mật khẩu mới", type="password", max_chars=256, key=_secret(f"users_reset2_{chosen}"))
        st.caption(f"Ít nhất {users_data.MIN_PASSWORD_LENGTH} ký tự (xem quy định ở trên). Tạm khóa được gỡ, " "các phiên đang mở kết thúc.")
        reset = st.form_submit_button("Đặt lại mật khẩu", icon=":material/key:")
_outcome("edit")
if reset:
    if new_password != new_again:
        _finish("edit", "error", MISMATCH)
    _attempt(
        "edit",
        lambda: users_data.reset_password(acting, chosen, new_password),
        f"Đã đặt lại mật khẩu cho {access.md(chosen)}; các phiên cũ đã kết thúc.",
    )
