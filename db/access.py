"""Who may change what: roles, the acting person, and the one check every writer makes before writing."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import Connection, select

from db.schema import app_user


class Role(StrEnum):
    viewer = "viewer"  # ministry leadership, the steering committee: read only
    province = "province"  # a provincial team: reports and readiness of its own province
    data_team = "data_team"  # the national data team (C06): every province, rollbacks, events
    admin = "admin"  # accounts and roles, plus everything the data team may do


ROLE_LABEL_VI = {
    Role.viewer: "Lãnh đạo, Ban chỉ đạo (chỉ xem)",
    Role.province: "Cán bộ tỉnh",
    Role.data_team: "Tổ dữ liệu C06",
    Role.admin: "Quản trị hệ thống",
}


class Permission(StrEnum):
    submit_report = "submit_report"  # store a report (a check without storing needs no permission)
    rollback = "rollback"
    edit_readiness = "edit_readiness"  # readiness items and milestones of a province
    edit_agencies = "edit_agencies"  # ministries' connections to the population database (national)
    edit_events = "edit_events"
    manage_users = "manage_users"
    view_audit = "view_audit"


# Permissions a role has for its own province only (None: every province).
_PROVINCIAL = {Permission.submit_report, Permission.rollback, Permission.edit_readiness}
_GRANTS: dict[Role, set[Permission]] = {
    Role.viewer: set(),
    Role.province: set(_PROVINCIAL),
    Role.data_team: {*_PROVINCIAL, Permission.edit_agencies, Permission.edit_events, Permission.view_audit},
    Role.admin: set(Permission),
}

PERMISSION_LABEL_VI = {  # what each permission lets a person do, in words (messages, the audit page)
    Permission.submit_report: "nhập báo cáo",
    Permission.rollback: "hủy lô báo cáo",
    Permission.edit_readiness: "cập nhật mức sẵn sàng",
    Permission.edit_agencies: "cập nhật kết nối của các bộ, ngành",
    Permission.edit_events: "sửa sự kiện trên biểu đồ",
    Permission.manage_users: "quản lý tài khoản",
    Permission.view_audit: "xem nhật ký",
}


@dataclass(frozen=True)
class Actor:
    """The person acting: a signed-in user, or the server operator at the command line."""

    user_id: int | None
    username: str
    display_name: str
    role: Role
    province_code: str | None = None
    via: str = "web"  # web | sso | cli | api
    client: str | None = None  # the address the person acts from (browser or API caller), for the audit log

    @property
    def label(self) -> str:
        """How the person is named in batches and the audit log."""
        return self.display_name[:120]


def operator(username: str | None = None) -> Actor:
    """The operating-system user running cli.py on the server: the operator may do everything."""
    name = username or getpass.getuser()
    return Actor(user_id=None, username=f"os:{name}", display_name=f"{name} (máy chủ)", role=Role.admin, via="cli")


class AccessDenied(PermissionError):
    """The role does not allow this; nothing was written. The message is meant for people; who was
    refused what (`actor`, `permission`, `provinces`) is kept for the audit log (db.audit.record_refusal)."""

    def __init__(
        self,
        message_vi: str,
        message_en: str,
        *,
        actor: Actor | None = None,
        permission: Permission | None = None,
        provinces: tuple[str, ...] = (),
    ):
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.actor = actor
        self.permission = permission
        self.provinces = provinces

    def message(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message_en


def allowed(actor: Actor | None, permission: Permission, provinces: Iterable[str | None] = ()) -> bool:
    """True when `actor` may do `permission` for every province in `provinces` (a provincial role: only
    its own; None in `provinces` means a national object, which a provincial role may never change)."""
    if actor is None or permission not in _GRANTS[actor.role]:
        return False
    if actor.role is Role.province and permission in _PROVINCIAL:
        return actor.province_code is not None and all(p == actor.province_code for p in provinces)
    return True


def as_it_stands(conn: Connection, actor: Actor | None) -> Actor | None:
    """`actor` with the role and province its account has now, read on `conn` — a browser session or a
    token remembers them from when the person signed in. AccessDenied when the account is disabled or
    gone. An actor without an account (the server operator) stays as it is."""
    if actor is None or actor.user_id is None:
        return actor
    row = conn.execute(select(app_user.c.active, app_user.c.role, app_user.c.province_code).where(app_user.c.id == actor.user_id)).first()
    if row is None or not row.active:
        raise AccessDenied(
            f"Tài khoản {actor.username} đã bị khóa hoặc không còn — đăng nhập lại bằng tài khoản đang hoạt động. Không có gì được ghi.",
            f"Account {actor.username} is disabled or gone — sign in again with an active account. Nothing was written.",
            actor=actor,
        )
    return replace(actor, role=Role(row.role), province_code=row.province_code)


def require(actor: Actor | None, permission: Permission, provinces: Iterable[str | None] = (), *, conn: Connection | None = None) -> Actor:
    """Raise AccessDenied unless `actor` may do `permission` for all of `provinces`; returns the actor
    (never None: nobody signed in may not write). Every writer calls this inside its transaction, before
    it writes, with that transaction's `conn`: then the account is judged as it stands there
    (`as_it_stands`), so a disabled account or a changed role or province counts at once, not at the
    session's next check. Without `conn` it is the early check before any work (nothing read)."""
    provinces = sorted({p or "" for p in provinces})
    if conn is not None:
        try:
            actor = as_it_stands(conn, actor)
        except AccessDenied as gone:
            gone.permission, gone.provinces = permission, tuple(provinces)
            raise
    if actor is not None and allowed(actor, permission, [p or None for p in provinces]):
        return actor
    action = PERMISSION_LABEL_VI[permission]
    if actor is None:
        vi, en = f"Cần đăng nhập để {action}.", f"Sign in to {permission.value}."
    elif permission in _GRANTS[actor.role] and actor.role is Role.province:
        others = [p for p in provinces if p != actor.province_code]
        where = ", ".join(p or "toàn quốc" for p in others)
        vi = (
            f"Tài khoản {actor.username} chỉ được {action} của tỉnh mình (mã {actor.province_code}); "
            f"yêu cầu này có số liệu của: {where}. Không có gì được ghi."
        )
        en = (
            f"Account {actor.username} may {permission.value} for its own province ({actor.province_code}) only; "
            f"this request touches: {', '.join(p or 'national' for p in others)}. Nothing was written."
        )
    else:
        vi = f"Vai trò «{ROLE_LABEL_VI[actor.role]}» không được {action}. Không có gì được ghi."
        en = f"Role {actor.role.value} may not {permission.value}. Nothing was written."
    raise AccessDenied(vi, en, actor=actor, permission=permission, provinces=tuple(provinces))
