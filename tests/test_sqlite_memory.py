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
