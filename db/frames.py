"""Query rows → polars frames: one way for every reader (polars' own `read_database` on the caller's connection)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.sql.expression import Selectable, TextClause

if TYPE_CHECKING:
    from polars._typing import PolarsDataType


def polars_type(sql_type) -> PolarsDataType:
    """The polars type of a SQLAlchemy column type (text when it cannot tell)."""
    for python_type, polars_type in ((bool, pl.Boolean), (int, pl.Int64), (float, pl.Float64), (datetime, pl.Datetime), (date, pl.Date)):
        try:
            if issubclass(sql_type.python_type, python_type):
                return polars_type
        except NotImplementedError:
            break
    return pl.String


def read_frame(conn: Connection, stmt: Selectable | TextClause, schema: Mapping[str, PolarsDataType] | None = None) -> pl.DataFrame:
    """The rows of `stmt` as a frame, on `conn` (its transaction, its bound values).

    With `schema` (every column the statement selects, by name and in order, with its type): exactly
    those columns and types, also when no row comes back. Without: each column's type inferred from all
    its values; when no row comes back, from the statement's column types, so that joins and filters
    on an empty frame (an unknown code, a day before any report) still work."""
    frame = pl.read_database(stmt, conn, schema_overrides=schema, infer_schema_length=None)
    if schema is not None:
        if frame.columns != list(schema):
            raise ValueError(f"the statement selects {frame.columns}, the schema names {list(schema)}")
        return frame
    if frame.height == 0 and hasattr(stmt, "selected_columns"):
        return pl.DataFrame(schema={c.name: polars_type(c.type) for c in stmt.selected_columns})
    return frame
