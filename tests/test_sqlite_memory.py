"""The SQLite page cache and pool are the ones docs/deploy.md ("SQLite memory") sizes."""

from __future__ import annotations

import sqlite3

from db.engine import SQLITE_CACHE_KIB, SQLITE_POOL, make_engine


def test_sqlite_connections_use_the_documented_cache_and_pool(tmp_path):
    path = tmp_path / "x.sqlite"
    sqlite3.connect(path).close()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB == -65_536
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert engine.pool.size() == SQLITE_POOL["pool_size"] == 5
        assert engine.pool._max_overflow == SQLITE_POOL["max_overflow"] == 5
    finally:
        engine.dispose()


def test_the_pages_the_sign_in_routes_and_the_api_share_one_pool(monkeypatch, tmp_path):
    """One engine per process and database: the pool sizes in docs/deploy.md count one pool per process."""
    from db.engine import process_engine
    from ui import data
    from web import api, auth_routes

    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite", "b.sqlite"))
    monkeypatch.setenv("DATABASE_URL", first)
    assert data.engine() is auth_routes.engine() is api.engine() is process_engine()
    assert str(data.engine().url) == first
    # Another database is another pool, never the first one's.
    monkeypatch.setenv("DATABASE_URL", second)
    assert data.engine() is auth_routes.engine() and data.engine() is not process_engine(first)
    assert str(data.engine().url) == second
