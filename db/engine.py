"""Engine from settings, and the clear error raised when the database cannot be reached."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

import settings


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached; the message is meant for people."""

    def __init__(self, url: str, cause: Exception):
        self.url = url
        self.cause = cause
        super().__init__(f"Cannot reach the database {url}: {str(cause).splitlines()[0] if str(cause) else cause!r}")

    unreachable_vi = (
        "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau hoặc báo cho quản trị hệ thống " "(kiểm tra DATABASE_URL / .streamlit/secrets.toml)."
    )
    uninitialised_vi = (
        "Cơ sở dữ liệu chưa được khởi tạo (chưa có tệp cơ sở dữ liệu). Chạy `python cli.py init-db` (triển khai thật) "
        "hoặc `python cli.py demo` (dữ liệu mô phỏng)."
    )

    @property
    def missing_file(self) -> bool:
        """A SQLite database file that does not exist (reads never create it: see make_engine)."""
        return isinstance(self.cause, DBAPIError) and "unable to open database file" in str(self.cause.orig)

    @property
    def message_vi(self) -> str:
        return self.uninitialised_vi if self.missing_file else self.unreachable_vi


class DatabaseUrlError(DatabaseUnavailable):
    """The configured database URL cannot be used: it does not parse, names an unknown driver, or puts a
    SQLite file in a folder that does not exist. `reason` never repeats the URL (it may hold a password)."""

    def __init__(self, reason: str, reason_vi: str, cause: Exception | None = None):
        self.reason, self.reason_vi = reason, reason_vi
        super().__init__("(DATABASE_URL)", cause or ValueError(reason))

    @property
    def message_vi(self) -> str:
        return (
            f"Địa chỉ cơ sở dữ liệu không dùng được ({self.reason_vi}). Báo cho quản trị hệ thống "
            "(kiểm tra DATABASE_URL / .streamlit/secrets.toml)."
        )


# SQLite memory, chosen (docs/deploy.md, "SQLite memory"): each connection keeps its own page cache,
# filled only as pages are read, of at most SQLITE_CACHE_KIB; SQLAlchemy pools file connections
# (QueuePool: its default 5 + 10 overflow meant up to 15 connections of ~195 MiB each, per engine).
# Now at most SQLITE_POOL's 5 + 5 = 10 connections × 64 MiB = 640 MiB per engine; an app process has
# one engine (process_engine: the pages, the sign-in routes and the API share it), so at most 640 MiB
# of page cache, reached only when ten requests run queries at once (the operating system's file cache
# holds the database besides).
# 64 MiB measured as fast as 128 and 195 MiB on the national data set (scripts/bench.py, docs/deploy.md).
SQLITE_CACHE_KIB = 65_536
SQLITE_POOL = {"pool_size": 5, "max_overflow": 5}


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL (None for another backend or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def create_sqlite_file(engine: Engine) -> None:
    """Make the empty SQLite file of `engine` if it is missing — only for the commands that build a
    schema (db.migrate.upgrade: init-db, demo, tests); every other connection opens existing files only."""
    path = sqlite_file(engine.url)
    if path is not None and not path.exists():
        sqlite3.connect(path).close()


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def process_engine(url: str | None = None) -> Engine:
    """This process's one engine, and so its one connection pool, for `url` (default: the configured
    database): the pages (ui.data), the sign-in routes and the API (web/) all use it, so a process holds
    at most one pool's connections (settings.db_pool; docs/deploy.md sizes PostgreSQL from that)."""
    return _process_engine(url or settings.database_url())


@functools.lru_cache(maxsize=4)
def _process_engine(url: str) -> Engine:
    return make_engine(url)


def make_engine(url: str | None = None) -> Engine:
    """One code path for SQLite and PostgreSQL; SQLite gets WAL and foreign keys on.

    A SQLite file is opened read-write but never created here (a page or a read must not leave an
    empty database behind: a missing file is DatabaseUnavailable, "not initialised"); building a
    schema creates it (create_sqlite_file, from db.migrate). Its folder must exist — except data/ of the
    default file, made here. A URL that cannot be used raises DatabaseUrlError (not a driver traceback)."""
    url = url or settings.database_url()
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUrlError("it cannot be parsed", "không đọc được địa chỉ", exc) from None
    path = sqlite_file(parsed) if backend == "sqlite" else None
    if path is not None:
        if path.resolve() == settings.DEFAULT_SQLITE_PATH.resolve():
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.parent.is_dir():
            raise DatabaseUrlError(f"the SQLite file's folder {path.parent} does not exist", f"thư mục {path.parent} của tệp SQLite không tồn tại")
    try:
        if backend == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": 30}, **(SQLITE_POOL if path is not None else {}))
        else:
            # Pool sizes are set on purpose (settings.db_pool, docs/deploy.md): PostgreSQL's max_connections is shared by every process.
            return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5}, **settings.db_pool())
    except NoSuchModuleError as exc:
        raise DatabaseUrlError(f"unknown driver {parsed.drivername!r}", f"không có trình điều khiển „{parsed.drivername}“", exc) from None
    except (ArgumentError, ValueError, TypeError) as exc:
        raise DatabaseUrlError(f"invalid ({exc.__class__.__name__})", f"sai ({exc.__class__.__name__})", exc) from None
    if path is not None:
        uri = path.resolve().as_uri() + "?mode=rw"

        @event.listens_for(engine, "do_connect")
        def _existing_file_only(_dialect, _record, cargs, cparams):  # pragma: no cover - exercised by every test
            cargs[:] = [uri]
            cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # KiB when negative
        cur.close()

    return engine


def unavailable(engine: Engine, cause: Exception) -> DatabaseUnavailable:
    """The error for people that `engine`'s database cannot be reached (its URL with the password hidden)."""
    return DatabaseUnavailable(safe_url(engine.url.render_as_string(hide_password=False)), cause)


@contextmanager
def reachable(engine: Engine) -> Iterator[None]:
    """Run the block; a driver error (OperationalError, DBAPIError) becomes DatabaseUnavailable, chained to it:
    the one way every caller turns a database failure into the message the app and the CLI show."""
    try:
        yield
    except (OperationalError, DBAPIError) as exc:
        raise unavailable(engine, exc) from exc


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable (not a driver traceback) when the database cannot be reached."""
    with reachable(engine), engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
