"""The audit log: one record shape for every write, sign-in, failed sign-in and sign-out."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, insert, select

from db.access import AccessDenied, Actor
from db.frames import read_frame
from db.schema import audit_log, app_user

# What the log records (action → Vietnamese label for the audit page and cli.py audit).
ACTION_LABEL_VI = {
    "sign_in": "đăng nhập",
    "sign_in_failed": "đăng nhập sai",
    "sign_in_sso": "đăng nhập một lần (SSO)",
    "sso_refused": "SSO: không có quyền",
    "sign_out": "đăng xuất",
    "report_import": "nhập báo cáo",
    "rollback": "hủy lô",
    "readiness_update": "cập nhật sẵn sàng",
    "event_add": "thêm sự kiện",
    "event_edit": "sửa sự kiện",
    "event_delete": "xóa sự kiện",
    "user_add": "thêm tài khoản",
    "user_change": "sửa tài khoản",
    "user_disable": "khóa tài khoản",
    "user_enable": "mở khóa tài khoản",
    "user_password": "đặt lại mật khẩu",
    "demo_build": "dựng dữ liệu mô phỏng",
    "token_create": "tạo mã API",
    "token_revoke": "thu hồi mã API",
    "api_call": "gọi API",
    "refused": "bị từ chối",
}


def record(
    conn: Connection,
    actor: Actor | None,
    action: str,
    *,
    province_code: str | None = None,
    target: str | None = None,
    detail: dict | None = None,
    client: str | None = None,
    actor_name: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append one record in the caller's transaction (so a write and its record stand or fall together).
    `actor_name` names an actor that is not a user (a failed sign-in's typed name). `client` defaults
    to the address the actor acts from (`Actor.client`: the browser's, the API caller's)."""
    if action not in ACTION_LABEL_VI:
        raise ValueError(f"unknown audit action {action!r}")
    if client is None and actor is not None:
        client = actor.client
    conn.execute(
        insert(audit_log).values(
            at=(at or datetime.now()).replace(microsecond=0),
            user_id=actor.user_id if actor else None,
            actor=(actor.username if actor else (actor_name or "?"))[:120],
            action=action,
            province_code=province_code,
            target=None if target is None else str(target)[:255],
            detail=None if detail is None else json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
            client=None if client is None else client[:64],
        )
    )


def record_refusal(conn: Connection, refused: AccessDenied, *, client: str | None = None) -> None:
    """A write that the role, the province or a disabled account did not allow, on its own transaction
    (`conn`: the refused write's transaction has rolled back). Who tried (or "chưa đăng nhập"), what
    (the permission, in `target`), for which provinces, and the message the person was shown."""
    actor = refused.actor
    provinces = [p for p in refused.provinces if p]
    own = actor.province_code if actor is not None else None
    others = [p for p in provinces if p != own]
    record(
        conn,
        actor,
        "refused",
        province_code=next(iter(others or provinces), None),
        target=refused.permission.value if refused.permission is not None else None,
        detail={"provinces": ", ".join(provinces) or None, "message": refused.message_vi[:500]},
        actor_name="(chưa đăng nhập)",
        client=client,
    )


AUDIT_SCHEMA = {
    "id": pl.Int64,
    "at": pl.Datetime,
    "actor": pl.String,
    "display_name": pl.String,
    "action": pl.String,
    "province_code": pl.String,
    "target": pl.String,
    "detail": pl.String,
    "client": pl.String,
}


def entries(
    conn: Connection,
    *,
    user: str | None = None,
    province: str | None = None,
    action: str | None = None,
    day_from=None,
    day_to=None,
    limit: int = 1000,
) -> pl.DataFrame:
    """Newest first, filtered (bound values only): user = username, day_from/day_to inclusive dates."""
    stmt = (
        select(
            audit_log.c.id,
            audit_log.c.at,
            audit_log.c.actor,
            app_user.c.display_name,
            audit_log.c.action,
            audit_log.c.province_code,
            audit_log.c.target,
            audit_log.c.detail,
            audit_log.c.client,
        )
        .select_from(audit_log.outerjoin(app_user, app_user.c.id == audit_log.c.user_id))
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    if user:
        stmt = stmt.where(audit_log.c.actor == user)
    if province:
        stmt = stmt.where(audit_log.c.province_code == province)
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    if day_from is not None:
        stmt = stmt.where(audit_log.c.at >= datetime.combine(day_from, datetime.min.time()))
    if day_to is not None:
        stmt = stmt.where(audit_log.c.at < datetime.combine(day_to, datetime.max.time()))
    return read_frame(conn, stmt, AUDIT_SCHEMA)
