"""One intake writer at a time: imports and rollbacks lock the database at the start of their transaction.

Two imports of overlapping unit-days must not interleave (both would move the same facts to history,
or insert the same key twice); the content-hash check must see the other import's batch. So the
second writer waits for the first to commit, then runs on what it wrote.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# Any constant shared by every intake writer ("CCCDINT" in ASCII).
_PG_LOCK_KEY = 0x43434344494E54


def serialize_writes(conn: Connection) -> None:
    """Call first in the transaction. PostgreSQL: a transaction-scoped advisory lock. SQLite: take the
    write lock now (BEGIN IMMEDIATE) so every read of this transaction already sees the last commit and
    the busy timeout applies (a deferred transaction that reads first cannot wait for a writer later)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        driver = conn.connection.driver_connection
        if not driver.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
