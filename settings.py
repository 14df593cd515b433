"""One place for configuration: database URL, report cut-off, data directory (env vars and secrets.toml)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "cccd.sqlite"


@dataclass(frozen=True)
class Settings:
    database_url: str
    # Reports received after this hour (local time) on the report day count as late.
    report_cutoff_hour: int = 17
    # Reports are rejected when larger than this (bytes).
    max_upload_bytes: int = 20 * 1024 * 1024


def _url_from_secrets(path: Path) -> str | None:
    """`url` under `[connections.cccd]` in .streamlit/secrets.toml, if the file exists."""
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return data.get("connections", {}).get("cccd", {}).get("url")


def database_url() -> str:
    """DATABASE_URL wins, then secrets.toml, then the embedded SQLite file under data/."""
    url = os.environ.get("DATABASE_URL") or _url_from_secrets(SECRETS_FILE)
    if url:
        return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def load() -> Settings:
    return Settings(
        database_url=database_url(),
        report_cutoff_hour=int(os.environ.get("CCCD_REPORT_CUTOFF_HOUR", "17")),
    )


@dataclass(frozen=True)
class AccessSettings:
    """Sign-in, sessions and lock-out (docs/access.md); every value can be set in the environment."""

    # None: the database decides (the demo build allows reading without signing in on simulated data).
    public_read: bool | None
    session_idle_hours: float = 8
    session_days: float = 7
    lock_after_failures: int = 10
    lock_minutes: int = 15
    # Failed sign-ins from one client address within lock_minutes before it is refused too.
    client_failure_limit: int = 50
    # Longest pause before answering a failed sign-in (it grows with the account's failures).
    max_failure_delay_seconds: float = 4.0
    cookie_secure: bool = False


def _flag(name: str) -> bool | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def access() -> AccessSettings:
    return AccessSettings(
        public_read=_flag("CCCD_PUBLIC_READ"),
        session_idle_hours=float(os.environ.get("CCCD_SESSION_IDLE_HOURS", "8")),
        session_days=float(os.environ.get("CCCD_SESSION_DAYS", "7")),
        lock_after_failures=int(os.environ.get("CCCD_LOCK_AFTER_FAILURES", "10")),
        lock_minutes=int(os.environ.get("CCCD_LOCK_MINUTES", "15")),
        client_failure_limit=int(os.environ.get("CCCD_CLIENT_FAILURE_LIMIT", "50")),
        max_failure_delay_seconds=float(os.environ.get("CCCD_MAX_FAILURE_DELAY", "4")),
        cookie_secure=bool(_flag("CCCD_COOKIE_SECURE")),
    )


def api_rate() -> tuple[float, float]:
    """The API's per-token rate limit: calls a minute (CCCD_API_RATE_PER_MINUTE, 120) and the burst
    allowed at once (CCCD_API_BURST, 30). One bucket per token in the database, shared by every app
    process (db.tokens.take_call, docs/api.md)."""

    def number(name: str, default: float) -> float:
        try:
            value = float(os.environ.get(name, default))
        except ValueError:
            return default
        return value if value > 0 else default

    return number("CCCD_API_RATE_PER_MINUTE", 120), number("CCCD_API_BURST", 30)


SECRET_KEY_FILE = PROJECT_ROOT / "data" / "secret_key"


def secret_key() -> str:
    """Signs session cookies and form tokens. CCCD_SECRET_KEY, else `secret_key` under [access] in
    secrets.toml, else a random key made once in data/secret_key (owner-only), which every app process
    on this machine shares. Several machines need the same key set explicitly."""
    key = os.environ.get("CCCD_SECRET_KEY")
    if key:
        return key
    if SECRETS_FILE.is_file():
        with SECRETS_FILE.open("rb") as fh:
            key = tomllib.load(fh).get("access", {}).get("secret_key")
        if key:
            return key
    if not SECRET_KEY_FILE.exists():
        import secrets

        SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(SECRET_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    for _ in range(50):  # the other process may still be writing it
        key = SECRET_KEY_FILE.read_text().strip()
        if key:
            return key
        import time

        time.sleep(0.02)
    raise RuntimeError(f"{SECRET_KEY_FILE} is empty: delete it and start again")


def db_pool() -> dict[str, int]:
    """PostgreSQL connections each engine keeps open (CCCD_DB_POOL_SIZE, 5) and may open beyond that
    under load (CCCD_DB_MAX_OVERFLOW, 5). An app process has one engine (db.engine.process_engine: the
    pages, the sign-in routes and the API share it), so it holds at most size + overflow; docs/deploy.md
    sizes PostgreSQL's max_connections from that. SQLite files use the same pool sizes (db/engine.py:
    each connection keeps a 64 MiB page cache, so at most 10 × 64 MiB per process; docs/deploy.md,
    "SQLite memory")."""
    return {
        "pool_size": int(os.environ.get("CCCD_DB_POOL_SIZE", "5")),
        "max_overflow": int(os.environ.get("CCCD_DB_MAX_OVERFLOW", "5")),
    }
