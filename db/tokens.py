"""API tokens: made for an account (shown once, only the SHA-256 kept), checked on every API call, revoked; answers kept per Idempotency-Key."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import Connection, case, insert, select, update

from db import audit
from db.access import Actor, Permission, require
from db.frames import read_frame
from db.schema import api_idempotency, api_rate, api_token, app_user
from db.users import UserError, actor_of, clean_text

TOKEN_PREFIX = "cccd_"
PREFIX_SHOWN = 12  # "cccd_" and 7 characters of the random part: enough to tell tokens apart in a list
DEFAULT_DAYS = 90
MAX_DAYS = 366
# Write last_used_at at most this often: a write per call would cost more than the call's check.
TOUCH_EVERY = timedelta(minutes=1)
TOKEN_COLUMNS = ("id", "username", "name", "prefix", "created_at", "created_by", "expires_at", "last_used_at", "revoked_at")


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def token_hash(raw: str) -> str:
    """SHA-256 of the token. Enough for 32 random bytes: nothing to guess from a list of likely
    tokens, unlike a password (which gets argon2id in db.users)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class TokenCaller:
    """Who is calling the API: the token's account as an actor (via="api"), and the token."""

    actor: Actor
    token_id: int
    token_name: str
    last_used_at: datetime | None


def _may_manage(conn: Connection, acting: Actor, owner_id: int) -> None:
    """A user manages their own tokens; an administrator (or the server operator) anyone's."""
    if acting.user_id is not None and acting.user_id == owner_id:
        return
    require(acting, Permission.manage_users, conn=conn)


def create_token(
    conn: Connection, acting: Actor, *, username: str, name: str, days: int = DEFAULT_DAYS, now: datetime | None = None, client: str | None = None
) -> tuple[int, str]:
    """A new token for the active account `username`, valid `days` days; returns (id, the token). The
    token is not kept anywhere: show it once."""
    now = now or _now()
    row = conn.execute(select(app_user).where(app_user.c.username == (username or "").strip().lower())).first()
    if row is None:
        require(acting, Permission.manage_users, conn=conn)  # only an administrator learns whether a name exists
        raise UserError(f"Không có tài khoản «{username}».")
    _may_manage(conn, acting, row.id)
    if not row.active:
        raise UserError(f"Tài khoản «{row.username}» đang bị khóa: không tạo được mã API.")
    label = clean_text(name, limit=64)
    if not label:
        raise UserError("Cần đặt tên cho mã API (ví dụ «he-thong-bao-cao-tinh»).")
    if not 1 <= int(days) <= MAX_DAYS:
        raise UserError(f"Thời hạn của mã API từ 1 đến {MAX_DAYS} ngày.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(
        insert(api_token).returning(api_token.c.id),
        {
            "user_id": row.id,
            "name": label,
            "token_hash": token_hash(raw),
            "prefix": raw[:PREFIX_SHOWN],
            "created_at": now,
            "created_by": acting.label,
            "expires_at": now + timedelta(days=int(days)),
            "last_used_at": None,
            "revoked_at": None,
        },
    ).scalar_one()
    audit.record(
        conn,
        acting,
        "token_create",
        province_code=row.province_code,
        target=f"token #{token_id}",
        detail={"user": row.username, "token": label, "prefix": raw[:PREFIX_SHOWN], "days": int(days)},
        client=client,
        at=now,
    )
    return int(token_id), raw


def revoke_token(conn: Connection, acting: Actor, token_id: int, *, now: datetime | None = None, client: str | None = None) -> bool:
    """Revoke a token at once (the next call with it gets 401). False when it was already revoked."""
    now = now or _now()
    row = conn.execute(
        select(api_token, app_user.c.username, app_user.c.province_code)
        .select_from(api_token.join(app_user, app_user.c.id == api_token.c.user_id))
        .where(api_token.c.id == token_id)
    ).first()
    if row is None:
        require(acting, Permission.manage_users, conn=conn)  # someone else's token or none: say so only to an administrator
        raise UserError(f"Không có mã API #{token_id}.")
    _may_manage(conn, acting, row.user_id)
    if row.revoked_at is not None:
        return False
    conn.execute(update(api_token).where(api_token.c.id == token_id).values(revoked_at=now, revoked_by=acting.label))
    audit.record(
        conn,
        acting,
        "token_revoke",
        province_code=row.province_code,
        target=f"token #{token_id}",
        detail={"user": row.username, "token": row.name, "prefix": row.prefix},
        client=client,
        at=now,
    )
    return True


def list_tokens(conn: Connection, *, user_id: int | None = None) -> pl.DataFrame:
    """Tokens newest first (one account's, or everyone's): never the token itself, only its prefix."""
    stmt = (
        select(
            api_token.c.id,
            app_user.c.username,
            api_token.c.name,
            api_token.c.prefix,
            api_token.c.created_at,
            api_token.c.created_by,
            api_token.c.expires_at,
            api_token.c.last_used_at,
            api_token.c.revoked_at,
        )
        .select_from(api_token.join(app_user, app_user.c.id == api_token.c.user_id))
        .order_by(api_token.c.id.desc())
    )
    if user_id is not None:
        stmt = stmt.where(api_token.c.user_id == user_id)
    schema = {
        "id": pl.Int64,
        "username": pl.String,
        "name": pl.String,
        "prefix": pl.String,
        "created_at": pl.Datetime,
        "created_by": pl.String,
        "expires_at": pl.Datetime,
        "last_used_at": pl.Datetime,
        "revoked_at": pl.Datetime,
    }
    return read_frame(conn, stmt, schema)


def caller(conn: Connection, raw: str | None, *, now: datetime | None = None) -> TokenCaller | None:
    """The live token `raw` and its account, or None: unknown, revoked, expired, or the account
    disabled — one answer for all (the API says 401 without telling which). Reads only."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 128:
        return None
    now = now or _now()
    digest = token_hash(raw)
    row = conn.execute(
        select(
            api_token.c.id.label("token_id"),
            api_token.c.name.label("token_name"),
            api_token.c.token_hash,
            api_token.c.expires_at,
            api_token.c.revoked_at,
            api_token.c.last_used_at,
            app_user,
        )
        .select_from(api_token.join(app_user, app_user.c.id == api_token.c.user_id))
        .where(api_token.c.token_hash == digest)
    ).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.revoked_at is not None or now >= row.expires_at or not row.active:
        return None
    actor = actor_of(row, via="api")
    # Batches and the audit log name the person and the token ("… (API «name»)").
    actor = replace(actor, display_name=f"{row.display_name} (API «{row.token_name}»)"[:120])
    return TokenCaller(actor, int(row.token_id), row.token_name, row.last_used_at)


def authenticate(conn: Connection, raw: str | None, *, now: datetime | None = None) -> Actor | None:
    """The account a live token acts as (via="api"), or None."""
    found = caller(conn, raw, now=now)
    return found.actor if found else None


def touch(conn: Connection, found: TokenCaller, *, now: datetime | None = None) -> None:
    """Record the token's use (at most once a minute)."""
    now = now or _now()
    if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
        conn.execute(update(api_token).where(api_token.c.id == found.token_id).values(last_used_at=now))


# --- rate limit: one bucket per token, in the database -------------------------------------------------


def take_call(conn: Connection, token_id: int, *, per_minute: float, burst: float, now: float) -> float:
    """Take one call from the token's bucket (`burst` calls at once, refilled at `per_minute` a minute;
    `now` in seconds since the epoch): 0 when the call may go ahead, else the seconds until it may.
    In the database, so every app process draws on the same bucket; the taking is one conditional
    UPDATE, so two processes never both take the last call."""
    rate = per_minute / 60.0
    elapsed = case((api_rate.c.updated_at < now, now - api_rate.c.updated_at), else_=0.0)
    refilled = api_rate.c.level + elapsed * rate
    level = case((refilled > burst, burst), else_=refilled)
    for _ in range(2):
        taken = conn.execute(update(api_rate).where(api_rate.c.token_id == token_id, level >= 1).values(level=level - 1, updated_at=now))
        if taken.rowcount == 1:
            return 0.0
        row = conn.execute(select(api_rate.c.level, api_rate.c.updated_at).where(api_rate.c.token_id == token_id)).first()
        if row is not None:
            current = min(burst, row.level + max(now - row.updated_at, 0.0) * rate)
            return (1 - current) / rate
        # A token's first call: a full bucket less this call (another process may have made it first).
        first = _insert_for(conn)(api_rate).values(token_id=token_id, level=burst - 1, updated_at=now).on_conflict_do_nothing()
        if conn.execute(first.returning(api_rate.c.token_id)).first() is not None:  # rowcount is not reliable here on PostgreSQL
            return 0.0
    raise RuntimeError("the rate bucket of token %d could not be read or made" % token_id)


def _insert_for(conn: Connection):
    """INSERT … ON CONFLICT for this connection's database (SQLite or PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


# --- Idempotency-Key --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeptAnswer:
    request_hash: str
    status_code: int
    body: dict


def kept_answer(conn: Connection, token_id: int, key: str) -> KeptAnswer | None:
    row = conn.execute(select(api_idempotency).where(api_idempotency.c.token_id == token_id, api_idempotency.c.idem_key == key)).first()
    if row is None:
        return None
    return KeptAnswer(row.request_hash, int(row.status_code), json.loads(row.response))


def keep_answer(conn: Connection, token_id: int, key: str, *, request_hash: str, status_code: int, body: dict, now: datetime | None = None) -> None:
    """Keep the answer for (token, key). Raises IntegrityError when another call with the same key kept
    one first (run it in its own transaction)."""
    conn.execute(
        insert(api_idempotency).values(
            token_id=token_id,
            idem_key=key,
            request_hash=request_hash,
            status_code=status_code,
            response=json.dumps(body, ensure_ascii=False, default=str),
            created_at=now or _now(),
        )
    )
