"""Engine from settings, and the clear error raised when the database cannot be reached."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

import settings


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached; the message is meant for people."""

    def __init__(self, url: str, cause: Exception):
        self.url = url
        self.cause = cause
        super().__init__(f"Cannot reach the database {url}: {str(cause).splitlines()[0] if str(cause) else cause!r}")

    message_vi = (
        "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau hoặc báo cho quản trị hệ thống "
        "(kiểm tra DATABASE_URL / .streamlit/secrets.toml)."
    )


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str | None = None) -> Engine:
    """One code path for SQLite and PostgreSQL; SQLite gets WAL and foreign keys on."""
    url = url or settings.database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA cache_size=-200000")
            cur.close()

        return engine
    # Pool sizes are set on purpose (settings.db_pool, docs/deploy.md): PostgreSQL's max_connections is shared by every process.
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, **settings.db_pool())


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable (not a driver traceback) when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailable(safe_url(str(engine.url.render_as_string(hide_password=False))), exc) from exc
