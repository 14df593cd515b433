"""Events on the trend charts (table `annotation`): read them. Adding, editing and deleting are db.events's writes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, func, select

from db.frames import read_frame
from db.schema import annotation

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

KIND_LABEL = {
    "holiday": "Nghỉ lễ, Tết",
    "disruption": "Gián đoạn (dịch bệnh, giãn cách)",
    "deadline": "Mốc thời hạn",
    "other": "Khác",
}

COLUMNS: dict[str, PolarsDataType] = {
    "id": pl.Int64,
    "day_from": pl.Date,
    "day_to": pl.Date,
    "label_vi": pl.String,
    "kind": pl.String,
    "provinces": pl.String,
    "created_by": pl.String,
    "created_at": pl.Datetime("us"),
    "updated_by": pl.String,
    "updated_at": pl.Datetime("us"),
    "deleted_by": pl.String,
    "deleted_at": pl.Datetime("us"),
}


def events(conn: Connection, *, province: str | None = None, until: date | None = None, include_deleted: bool = False) -> pl.DataFrame:
    """Events ordered by start day. `province`: only national events and those listing that code;
    `until`: only events that start by that day. Columns: see COLUMNS (deleted_* only with
    include_deleted)."""
    stmt = select(*[annotation.c[c] for c in COLUMNS]).order_by(annotation.c.day_from, annotation.c.id)
    if not include_deleted:
        stmt = stmt.where(annotation.c.deleted_at.is_(None))
    if until is not None:
        stmt = stmt.where(annotation.c.day_from <= until)
    frame = read_frame(conn, stmt, COLUMNS)
    if province is not None:
        frame = frame.filter(pl.col("provinces").is_null() | pl.col("provinces").str.split(",").list.contains(province))
    return frame if include_deleted else frame.drop("deleted_by", "deleted_at")


def events_stamp(conn: Connection) -> tuple:
    """Changes whenever an event is added, edited or deleted: a cache key for the events frame."""
    row = conn.execute(select(func.count(), func.max(annotation.c.id), func.max(annotation.c.updated_at), func.max(annotation.c.deleted_at))).one()
    return tuple(str(v) for v in row)
