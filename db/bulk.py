"""Bulk insert of a polars frame into one table, one fast path per dialect (SQLite executemany, PostgreSQL COPY)."""

from __future__ import annotations

import io

import polars as pl
from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import DBAPIError


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text and booleans as 0/1: what SQLAlchemy's SQLite types store."""
    return frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
        + [pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S.%6f") for c, t in frame.schema.items() if isinstance(t, pl.Datetime)]
        + [pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean]
    )


def bulk_insert(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Insert a frame whose columns are a subset of `table`'s (names come from our schema, never users)."""
    if frame.height == 0:
        return
    columns = [table.c[name].name for name in frame.columns]
    dialect = conn.dialect.name
    if dialect == "sqlite":
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        ready = _sqlite_ready(frame)
        # Chunks keep the Python row tuples few at a time (they cost more than SQLite's work).
        for chunk in ready.iter_slices(200_000):
            conn.exec_driver_sql(sql, chunk.rows())
    elif dialect == "postgresql":
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="", datetime_format="%Y-%m-%d %H:%M:%S%.f")
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            driver = conn.connection.driver_connection
            assert driver is not None  # a live connection
            with driver.cursor() as cursor, cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
        except dbapi_error as exc:
            # Same exception family as every other statement (IntegrityError, OperationalError…).
            raise DBAPIError.instance(sql, None, exc, dbapi_error) from exc
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported deployments
        conn.execute(insert(table), frame.to_dicts())
