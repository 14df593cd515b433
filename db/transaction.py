"""The one transaction pattern of every write: one writer at a time, who acts checked inside the transaction, audited in it.

A writer in db/ runs in its caller's transaction (it takes a Connection: events, accounts, tokens,
`db.store.write_reports`) or opens one with `write_transaction` (rollback). Either way, inside that
transaction it calls `db.access.require` before it writes (again with the provinces it touches once
it knows them), writes, and appends `db.audit.record` naming the acting person — so a write and its
record stand or fall together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from db.access import Actor, Permission, require

# Any constant shared by every writer that serializes ("CCCDINT" in ASCII).
_PG_LOCK_KEY = 0x43434344494E54


def serialize_writes(conn: Connection) -> None:
    """Call first in the transaction. PostgreSQL: a transaction-scoped advisory lock. SQLite: take the
    write lock now (BEGIN IMMEDIATE) so every read of this transaction already sees the last commit and
    the busy timeout applies (a deferred transaction that reads first cannot wait for a writer later).

    Two writes of overlapping unit-days must not interleave (both would move the same facts to history,
    or insert the same key twice): the second waits for the first to commit, then runs on what it wrote."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        driver = conn.connection.driver_connection
        assert driver is not None  # a live connection
        if not driver.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def write_transaction(engine: Engine, actor: Actor | None, permission: Permission) -> Iterator[Connection]:
    """One transaction holding the write lock, for a writer allowed `permission` at all (AccessDenied
    otherwise: refused before the database is touched, and checked again inside the transaction).
    The writer then checks the provinces it touches, writes and audits on the connection yielded;
    everything commits together when the block ends, or nothing does."""
    require(actor, permission)
    with engine.begin() as conn:
        serialize_writes(conn)
        require(actor, permission, conn=conn)
        yield conn
