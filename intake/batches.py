"""Import batches: list them, newest first. Rolling one back is a write, so it lives in db.rollback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, select

from db.frames import read_frame
from db.rollback import ROLLBACK_KIND
from db.schema import import_batch
from intake.load import IMPORT_KINDS

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

BATCH_COLUMNS = ("id", "kind", "status", "source_name", "submitted_by", "received_at", "province_code", "row_count", "date_from", "date_to", "note")


def list_batches(conn: Connection, *, limit: int = 50, kinds: tuple[str, ...] | None = (*IMPORT_KINDS, ROLLBACK_KIND)) -> pl.DataFrame:
    """The newest batches first (imports and rollbacks by default; kinds=None: simulated ones too)."""
    stmt = select(*[import_batch.c[c] for c in BATCH_COLUMNS]).order_by(import_batch.c.id.desc()).limit(limit)
    if kinds is not None:
        stmt = stmt.where(import_batch.c.kind.in_(kinds))
    schema: dict[str, PolarsDataType] = {
        "id": pl.Int64,
        "kind": pl.String,
        "status": pl.String,
        "source_name": pl.String,
        "submitted_by": pl.String,
        "received_at": pl.Datetime("us"),
        "province_code": pl.String,
        "row_count": pl.Int64,
        "date_from": pl.Date,
        "date_to": pl.Date,
        "note": pl.String,
    }
    return read_frame(conn, stmt, schema)
