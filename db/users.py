"""Accounts, passwords (argon2id), sign-in with lock-out, and browser sessions: the one writer of access data."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

import settings
from db import audit
from db.access import Actor, Permission, Role, require
from db.frames import read_frame
from db.text import clean_text
from db.schema import admin_unit, app_user, audit_log, user_session

# argon2-cffi's defaults are RFC 9106's low-memory argon2id profile (t=3, m=64 MiB, p=4).
_HASHER = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3  # zxcvbn: 0 too guessable … 4 very unguessable
SIGN_IN_FAILED_VI = "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa. Thử lại sau ít phút hoặc liên hệ quản trị hệ thống."
USER_COLUMNS = (
    "id",
    "username",
    "display_name",
    "role",
    "province_code",
    "active",
    "sso_identity",
    "failed_attempts",
    "locked_until",
    "last_sign_in_at",
    "created_by",
    "created_at",
)


class UserError(ValueError):
    """A request about an account that cannot be done as asked; the message is meant for people."""

    def __init__(self, message_vi: str):
        super().__init__(message_vi)
        self.message_vi = message_vi


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _own_words(username: str, display_name: str) -> list[str]:
    """Words a guesser knows of the account: its username, its name's words with and without accents
    (a Vietnamese name is typed unaccented in a password: Nguyễn Văn Bình → nguyen, van, binh), and the name run together."""
    plain = "".join(c for c in unicodedata.normalize("NFD", display_name.lower().replace("đ", "d")) if not unicodedata.combining(c))
    return [w for w in {username.lower(), *display_name.lower().split(), *plain.split(), plain.replace(" ", "")} if w]


def password_problem(password: str, *, username: str = "", display_name: str = "") -> str | None:
    """Why a new password is refused (Vietnamese), or None. At least 12 characters — a passphrase of
    several words is the easiest way there; not the username; not one character repeated; and not easy
    to guess by zxcvbn's estimate (score 3 of 4 or better: no common password, keyboard run, sequence
    or repeated pattern of 12 characters, such as 123456789012 or password1234, passes)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (
            f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự (hiện có {len(password)}). "
            "Gợi ý: dùng một cụm từ dễ nhớ gồm vài từ, ví dụ «mua thu ha noi 2021»."
        )
    if username and username.lower() in password.lower():
        return "Mật khẩu không được chứa tên đăng nhập."
    if len(set(password)) < 5:
        return "Mật khẩu quá đơn giản (quá ít ký tự khác nhau)."
    if zxcvbn(password[:100], user_inputs=_own_words(username, display_name))["score"] < MIN_PASSWORD_SCORE:
        return (
            "Mật khẩu quá dễ đoán (dãy số, dãy phím, mật khẩu phổ biến hay tên của chính tài khoản). "
            "Gợi ý: dùng một cụm từ dễ nhớ gồm vài từ, ví dụ «mua thu ha noi 2021»."
        )
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _check_fields(conn: Connection, *, username: str, role: str, province_code: str | None) -> tuple[Role, str | None]:
    if not USERNAME_RE.match(username):
        raise UserError("Tên đăng nhập gồm 3–64 chữ thường không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang.")
    try:
        parsed = Role(role)
    except ValueError:
        raise UserError(f"Vai trò «{role}» không có; chọn một trong: {', '.join(r.value for r in Role)}.") from None
    if parsed is Role.province:
        if not province_code:
            raise UserError("Tài khoản cán bộ tỉnh cần mã tỉnh (2 chữ số).")
        found = conn.execute(select(admin_unit.c.code).where(admin_unit.c.code == province_code, admin_unit.c.level == "province")).first()
        if found is None:
            raise UserError(f"Không có tỉnh mã «{province_code}».")
        return parsed, province_code
    return parsed, None


def add_user(
    conn: Connection,
    acting: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    province_code: str | None = None,
    password: str | None = None,
    sso_identity: str | None = None,
    client: str | None = None,
) -> int:
    """Create an account (a password, a single sign-on identity, or both); returns its id."""
    require(acting, Permission.manage_users, conn=conn)
    username = (username or "").strip().lower()
    parsed, province = _check_fields(conn, username=username, role=role, province_code=province_code)
    name = clean_text(display_name, limit=120)
    if not name:
        raise UserError("Cần họ tên hiển thị.")
    if password is None and not sso_identity:
        raise UserError("Tài khoản cần mật khẩu hoặc định danh đăng nhập một lần (SSO).")
    if password is not None and (problem := password_problem(password, username=username, display_name=display_name or "")):
        raise UserError(problem)
    if conn.execute(select(app_user.c.id).where(app_user.c.username == username)).first():
        raise UserError(f"Tên đăng nhập «{username}» đã có.")
    identity = (sso_identity or "").strip().lower() or None
    if identity and conn.execute(select(app_user.c.id).where(app_user.c.sso_identity == identity)).first():
        raise UserError(f"Định danh SSO «{identity}» đã gắn với tài khoản khác.")
    try:  # a concurrent add of the same name or identity: a clear message (the caller's transaction is void)
        user_id = conn.execute(
            insert(app_user).returning(app_user.c.id),
            {
                "username": username,
                "display_name": name,
                "role": parsed.value,
                "province_code": province,
                "active": True,
                "password_hash": hash_password(password) if password is not None else None,
                "sso_identity": identity,
                "failed_attempts": 0,
                "created_by": acting.label,
                "created_at": _now(),
            },
        ).scalar_one()
    except IntegrityError:
        raise UserError(f"Tên đăng nhập «{username}» hoặc định danh SSO đã có (vừa được tạo cùng lúc).") from None
    audit.record(
        conn,
        acting,
        "user_add",
        province_code=province,
        target=username,
        detail={"role": parsed.value, "sso": bool(identity), "password": password is not None},
        client=client,
    )
    return int(user_id)


def _user_row(conn: Connection, username: str):
    row = conn.execute(select(app_user).where(app_user.c.username == (username or "").strip().lower())).first()
    if row is None:
        raise UserError(f"Không có tài khoản «{username}».")
    return row


def end_sessions(conn: Connection, user_id: int, *, now: datetime | None = None) -> int:
    """End every open session of a user (a copied cookie stops working); returns how many."""
    result = conn.execute(
        update(user_session).where(user_session.c.user_id == user_id, user_session.c.ended_at.is_(None)).values(ended_at=now or _now())
    )
    return result.rowcount


def set_active(conn: Connection, acting: Actor, username: str, active: bool, *, client: str | None = None) -> None:
    require(acting, Permission.manage_users, conn=conn)
    row = _user_row(conn, username)
    if not active and row.id == acting.user_id:
        raise UserError("Không tự khóa tài khoản của chính mình.")
    values = {"active": active} | ({} if not active else {"failed_attempts": 0, "locked_until": None})
    conn.execute(update(app_user).where(app_user.c.id == row.id).values(**values))
    if not active:
        end_sessions(conn, row.id)
    audit.record(conn, acting, "user_enable" if active else "user_disable", province_code=row.province_code, target=row.username, client=client)


def set_role(conn: Connection, acting: Actor, username: str, role: str, province_code: str | None = None, *, client: str | None = None) -> None:
    require(acting, Permission.manage_users, conn=conn)
    row = _user_row(conn, username)
    parsed, province = _check_fields(conn, username=row.username, role=role, province_code=province_code)
    if row.id == acting.user_id and parsed is not Role.admin:
        raise UserError("Không tự bỏ vai trò quản trị của chính mình (nhờ một quản trị khác).")
    conn.execute(update(app_user).where(app_user.c.id == row.id).values(role=parsed.value, province_code=province))
    end_sessions(conn, row.id)  # the next page load asks again, with the new rights
    audit.record(
        conn, acting, "user_change", province_code=province, target=row.username, detail={"role": parsed.value, "from": row.role}, client=client
    )


def reset_password(conn: Connection, acting: Actor, username: str, password: str, *, client: str | None = None) -> None:
    """Set a new password, clear the lock-out and end the account's sessions."""
    require(acting, Permission.manage_users, conn=conn)
    row = _user_row(conn, username)
    if problem := password_problem(password, username=row.username, display_name=row.display_name):
        raise UserError(problem)
    conn.execute(update(app_user).where(app_user.c.id == row.id).values(password_hash=hash_password(password), failed_attempts=0, locked_until=None))
    end_sessions(conn, row.id)
    audit.record(conn, acting, "user_password", province_code=row.province_code, target=row.username, client=client)


def list_users(conn: Connection) -> pl.DataFrame:
    schema = {
        "id": pl.Int64,
        "username": pl.String,
        "display_name": pl.String,
        "role": pl.String,
        "province_code": pl.String,
        "active": pl.Boolean,
        "sso_identity": pl.String,
        "failed_attempts": pl.Int64,
        "locked_until": pl.Datetime,
        "last_sign_in_at": pl.Datetime,
        "created_by": pl.String,
        "created_at": pl.Datetime,
    }
    return read_frame(conn, select(*[app_user.c[c] for c in USER_COLUMNS]).order_by(app_user.c.username), schema)


def actor_of(row, *, via: str) -> Actor:
    return Actor(user_id=row.id, username=row.username, display_name=row.display_name, role=Role(row.role), province_code=row.province_code, via=via)


def find_actor(conn: Connection, username: str, *, via: str = "cli") -> Actor:
    """The active account `username` as an actor (cli.py --as)."""
    row = _user_row(conn, username)
    if not row.active:
        raise UserError(f"Tài khoản «{row.username}» đang bị khóa.")
    return actor_of(row, via=via)


# --- signing in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    actor: Actor | None
    # Seconds to wait before answering (grows with the account's failures; 0 when it succeeded).
    delay: float = 0.0


def _client_failures(conn: Connection, client: str | None, since: datetime) -> int:
    if not client:
        return 0
    return conn.execute(
        select(func.count())
        .select_from(audit_log)
        .where(audit_log.c.action == "sign_in_failed", audit_log.c.client == client[:64], audit_log.c.at >= since)
    ).scalar_one()


def sign_in(conn: Connection, username: str, password: str, *, client: str | None, now: datetime | None = None) -> SignIn:
    """Check a username and password. Success: clears the failure count, records the sign-in. Failure
    (unknown name, wrong password, disabled, locked, too many failures from this address): the same
    answer every time, a record, and a pause that grows with the account's failures."""
    cfg = settings.access()
    now = now or _now()
    name = (username or "").strip().lower()[:64]
    row = conn.execute(select(app_user).where(app_user.c.username == name)).first() if name else None
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        good = _HASHER.verify(stored, password or "") and stored is not _DUMMY_HASH
    except (VerificationError, InvalidHashError):
        good = False
    locked = row is not None and row.locked_until is not None and row.locked_until > now
    flooded = _client_failures(conn, client, now - timedelta(minutes=cfg.lock_minutes)) >= cfg.client_failure_limit
    if good and row is not None and row.active and not locked and not flooded:
        values: dict[str, object] = {"failed_attempts": 0, "locked_until": None, "last_sign_in_at": now}
        if _HASHER.check_needs_rehash(row.password_hash):
            values["password_hash"] = hash_password(password)
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(**values))
        actor = actor_of(row, via="web")
        audit.record(conn, actor, "sign_in", province_code=row.province_code, client=client, at=now)
        return SignIn(actor)
    failures = 1
    if row is not None:
        failures = row.failed_attempts + 1
        values = {"failed_attempts": failures}
        if failures >= cfg.lock_after_failures:
            values["locked_until"] = now + timedelta(minutes=cfg.lock_minutes)
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(**values))
    reason = "locked" if locked else "client_limit" if flooded else "inactive" if (row is not None and good) else "bad_credentials"
    audit.record(conn, None, "sign_in_failed", actor_name=name or "?", client=client, detail={"reason": reason}, at=now)
    delay = 0.0 if failures < 3 else min(cfg.max_failure_delay_seconds, 0.5 * 2 ** (failures - 3))
    return SignIn(None, delay=delay)


def sso_actor(conn: Connection, identity: str, *, client: str | None, record_sign_in: bool) -> Actor | None:
    """The active account whose single sign-on identity (e-mail or subject) is `identity`, or None
    (an unknown identity gets no role at all). `record_sign_in`: log this as a sign-in."""
    key = (identity or "").strip().lower()
    row = conn.execute(select(app_user).where(app_user.c.sso_identity == key)).first() if key else None
    if row is None or not row.active:
        if record_sign_in:
            audit.record(conn, None, "sso_refused", actor_name=key or "?", client=client, detail={"reason": "unknown" if row is None else "inactive"})
        return None
    actor = actor_of(row, via="sso")
    if record_sign_in:
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(last_sign_in_at=_now()))
        audit.record(conn, actor, "sign_in_sso", province_code=row.province_code, client=client)
    return actor


# --- sessions --------------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: Connection, actor: Actor, *, client: str | None, now: datetime | None = None) -> str:
    """A new session for a signed-in user: returns the random token for the cookie (only its hash is kept)."""
    cfg = settings.access()
    now = now or _now()
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(user_session).values(
            token_hash=token_hash(token),
            user_id=actor.user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=cfg.session_days),
            client=(client or "")[:64] or None,
        )
    )
    return token


# Touch last_seen_at at most this often (a write per page view would cost more than the check).
_TOUCH_EVERY = timedelta(minutes=1)


def session_actor(conn: Connection, token: str, *, now: datetime | None = None) -> Actor | None:
    """The user of a live session, or None: unknown token, ended, past its absolute lifetime, idle
    too long, or the account disabled. Keeps the session alive (last_seen_at)."""
    if not token:
        return None
    cfg = settings.access()
    now = now or _now()
    row = conn.execute(
        select(user_session.c.token_hash, user_session.c.last_seen_at, user_session.c.expires_at, app_user)
        .select_from(user_session.join(app_user, app_user.c.id == user_session.c.user_id))
        .where(user_session.c.token_hash == token_hash(token), user_session.c.ended_at.is_(None))
    ).first()
    if row is None or not row.active or now >= row.expires_at or now - row.last_seen_at > timedelta(hours=cfg.session_idle_hours):
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        conn.execute(update(user_session).where(user_session.c.token_hash == row.token_hash).values(last_seen_at=now))
    return actor_of(row, via="web")


def end_sessions_by_token(conn: Connection, token: str, *, now: datetime | None = None) -> None:
    """End the session of a token without a record (a browser signing in again replaces its session)."""
    conn.execute(
        update(user_session).where(user_session.c.token_hash == token_hash(token), user_session.c.ended_at.is_(None)).values(ended_at=now or _now())
    )


def end_session(conn: Connection, token: str, *, client: str | None = None, now: datetime | None = None) -> bool:
    """Sign out: the session ends server-side, so the cookie (or a copy of it) no longer works."""
    now = now or _now()
    row = conn.execute(
        select(user_session.c.user_id, app_user)
        .select_from(user_session.join(app_user, app_user.c.id == user_session.c.user_id))
        .where(and_(user_session.c.token_hash == token_hash(token), user_session.c.ended_at.is_(None)))
    ).first()
    if row is None:
        return False
    conn.execute(update(user_session).where(user_session.c.token_hash == token_hash(token)).values(ended_at=now))
    audit.record(conn, actor_of(row, via="web"), "sign_out", province_code=row.province_code, client=client, at=now)
    return True
