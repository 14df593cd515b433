"""The accounts page's link to db.users: the account list as a table for people, and each change in one transaction."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from db import users
from db.access import ROLE_LABEL_VI, Actor, Role
from ui import access, data
from present import format as fmt

MIN_PASSWORD_LENGTH = users.MIN_PASSWORD_LENGTH
PASSWORD_POLICY_VI = (
    f"Mật khẩu: ít nhất {MIN_PASSWORD_LENGTH} ký tự, không chứa tên đăng nhập, không lặp một vài ký tự, không dễ đoán "
    "(dãy số, dãy phím, mật khẩu phổ biến, họ tên của người dùng). "
    "Cách dễ nhất là một cụm từ gồm vài từ, ví dụ «mua thu ha noi 2021». Mật khẩu được lưu dưới dạng băm (argon2id), "
    "không ai xem lại được; hãy trao cho người dùng qua kênh riêng. Sau "
    "nhiều lần đăng nhập sai, tài khoản bị tạm khóa ít phút."
)

ROLES = list(Role)


def role_label(role: str | Role) -> str:
    try:
        return ROLE_LABEL_VI[Role(role)]
    except ValueError:
        return str(role)


def accounts() -> pl.DataFrame:
    """Every account (db.users.list_users), read on each run: a handful of rows, and a change must show at once."""
    return data.run_query(users.list_users)


def _province_text(code: str | None, names: dict[str, str]) -> str:
    return fmt.DASH if not code else f"{names.get(code, code)} ({code})"


def _status_text(row: dict, now: datetime) -> str:
    """'Hoạt động', 'Đã khóa', 'Hoạt động · 3 lần sai' or 'Tạm khóa đến 02/12/2021 15:00 · 10 lần sai' (failed sign-ins
    since the last good one; a temporary lock-out ends by itself or when an administrator enables the account)."""
    if not row["active"]:
        text = "Đã khóa"
    elif is_locked_out(row, now=now):
        text = f"Tạm khóa đến {fmt.timestamp(row['locked_until'])}"
    else:
        text = "Hoạt động"
    return text + (f" · {row['failed_attempts']} lần sai" if row["failed_attempts"] else "")


# The SSO identity last: it is empty for most accounts, and the table is wider than the page at 1280 px.
TABLE_SCHEMA = {
    "Tên đăng nhập": pl.String,
    "Họ tên": pl.String,
    "Vai trò": pl.String,
    "Tỉnh": pl.String,
    "Trạng thái": pl.String,
    "Đăng nhập gần nhất": pl.String,
    "Định danh SSO": pl.String,
}


def account_table(frame: pl.DataFrame, names: dict[str, str], *, now: datetime | None = None) -> pl.DataFrame:
    """Accounts with Vietnamese headers, role and province in words, times as dd/mm/yyyy HH:MM (text shown as
    data, never as Markdown: names come from people). Who created an account and when is in the audit log."""
    now = now or datetime.now()
    rows = [
        {
            "Tên đăng nhập": r["username"],
            "Họ tên": r["display_name"],
            "Vai trò": role_label(r["role"]),
            "Tỉnh": _province_text(r["province_code"], names),
            "Trạng thái": _status_text(r, now),
            "Đăng nhập gần nhất": fmt.timestamp(r["last_sign_in_at"]),
            "Định danh SSO": r["sso_identity"] or fmt.DASH,
        }
        for r in frame.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=TABLE_SCHEMA, orient="row") if rows else pl.DataFrame(schema=TABLE_SCHEMA)


def is_locked_out(row: dict, *, now: datetime | None = None) -> bool:
    """Temporarily locked after failed sign-ins (enabling the account again clears it)."""
    return row["locked_until"] is not None and row["locked_until"] > (now or datetime.now())


# --- changes: each in one transaction, as `acting`; db.users checks the permission before writing ---------


def add_account(
    acting: Actor | None, *, username: str, display_name: str, role: str, province_code: str | None, password: str | None, sso_identity: str | None
) -> int:
    """Raises db.users.UserError or db.access.AccessDenied (nothing written) when the account cannot be made."""
    return data.run_write(
        users.add_user,
        acting,
        username=username,
        display_name=display_name,
        role=role,
        province_code=province_code,
        password=password,
        sso_identity=sso_identity or None,
        client=access.client_address(),
    )


def set_active(acting: Actor | None, username: str, active: bool) -> None:
    data.run_write(users.set_active, acting, username, active, client=access.client_address())


def set_role(acting: Actor | None, username: str, role: str, province_code: str | None) -> None:
    data.run_write(users.set_role, acting, username, role, province_code, client=access.client_address())


def reset_password(acting: Actor | None, username: str, password: str) -> None:
    data.run_write(users.reset_password, acting, username, password, client=access.client_address())
