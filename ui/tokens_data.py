"""The account page's link to db.tokens: my API tokens as a table for people, and each change in one transaction."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from db import tokens
from db.access import Actor
from ui import access, data
from present import format as fmt


def my_tokens(actor: Actor) -> pl.DataFrame:
    """The account's tokens, read on each run (a handful of rows; a change must show at once)."""
    return data.run_query(tokens.list_tokens, user_id=actor.user_id)


def state_text(row: dict, now: datetime | None = None) -> str:
    now = now or datetime.now()
    if row["revoked_at"] is not None:
        return f"đã thu hồi {fmt.timestamp(row['revoked_at'])}"
    if row["expires_at"] <= now:
        return "đã hết hạn"
    return "đang dùng được"


def token_table(frame: pl.DataFrame) -> pl.DataFrame:
    """# | Tên | Tiền tố | Tạo lúc | Hết hạn | Dùng gần nhất | Trạng thái — never the token itself."""
    rows = list(frame.iter_rows(named=True))
    return pl.DataFrame(
        {
            "#": [r["id"] for r in rows],
            "Tên": [r["name"] for r in rows],
            "Tiền tố": [r["prefix"] + "…" for r in rows],
            "Tạo lúc": [fmt.timestamp(r["created_at"]) for r in rows],
            "Hết hạn": [fmt.timestamp(r["expires_at"]) for r in rows],
            "Dùng gần nhất": [fmt.timestamp(r["last_used_at"]) if r["last_used_at"] else fmt.DASH for r in rows],
            "Trạng thái": [state_text(r) for r in rows],
        },
        schema={"#": pl.Int64, **{c: pl.String for c in ("Tên", "Tiền tố", "Tạo lúc", "Hết hạn", "Dùng gần nhất", "Trạng thái")}},
    )


def create(actor: Actor, *, name: str, days: int) -> tuple[int, str]:
    return data.run_write(
        lambda conn: tokens.create_token(conn, actor, username=actor.username, name=name, days=days, client=access.client_address())
    )


def revoke(actor: Actor, token_id: int) -> bool:
    return data.run_write(lambda conn: tokens.revoke_token(conn, actor, token_id, client=access.client_address()))
