"""Export frames for the data team: the same progress frame the pages show, as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import polars as pl
from sqlalchemy import Connection, select

from db.schema import admin_unit
from queries.progress import MEASURE_COLUMNS, progress

EXPORT_COLUMNS = [
    "code",
    "name",
    *MEASURE_COLUMNS,
    "rank",
    "rank_change",
    "completeness",
    "reporting_incomplete",
    "as_of",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe: cells starting with
    = + - @ and (OWASP) a tab or carriage return."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    pattern = "^[" + "".join("\\" + p if p in "-+" else p for p in FORMULA_PREFIXES) + "]"
    return frame.with_columns(pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in text)


# At commune level: whether the commune's district reported for the whole district (its own counts are then empty).
COMMUNE_EXPORT_COLUMNS = [*EXPORT_COLUMNS, "reported_at_district"]


def export_frame(frame: pl.DataFrame, *, columns: list[str] = EXPORT_COLUMNS) -> pl.DataFrame:
    """A progress frame as exported (CSV, the API's JSON): export columns, coverage as a ratio to 6
    places, pace and required rate to 0.1."""
    columns = [c for c in columns if c in frame.columns] + (["region_name"] if "region_name" in frame.columns else [])
    return frame.select(columns).with_columns(pl.col("coverage").round(6), pl.col("pace").round(1), pl.col("required_daily_rate").round(1))


def frame_csv(frame: pl.DataFrame, *, columns: list[str] = EXPORT_COLUMNS, include_header: bool = True) -> str:
    """A progress frame as CSV: export_frame, formulas neutralised."""
    return neutralise_formulas(export_frame(frame, columns=columns)).write_csv(include_header=include_header)


def progress_csv(conn: Connection, *, level: str, as_of: date, metric: str, denominator: str, province: str | None = None) -> str:
    """CSV text (UTF-8, ISO dates, coverage as a ratio, rates rounded to 0.1) of queries.progress."""
    return "".join(progress_csv_parts(conn, level=level, as_of=as_of, metric=metric, denominator=denominator, province=province))


def progress_frames(
    conn: Connection, *, level: str, as_of: date, metric: str, denominator: str, province: str | None = None
) -> Iterator[pl.DataFrame]:
    """The export's frames (export_frame) one after the other. Communes without a province: every commune
    of the country, one province at a time in code order, ranked within its province — the same rows
    as the 63 one-province exports joined — so ~10,600 rows never sit in memory at once."""
    columns = COMMUNE_EXPORT_COLUMNS if level == "commune" else EXPORT_COLUMNS
    if level == "commune" and not province:
        codes = conn.execute(select(admin_unit.c.code).where(admin_unit.c.level == "province").order_by(admin_unit.c.code)).scalars().all()
        for code in codes:
            yield export_frame(progress(conn, level=level, as_of=as_of, metric=metric, denominator=denominator, province=code), columns=columns)
        return
    yield export_frame(progress(conn, level=level, as_of=as_of, metric=metric, denominator=denominator, province=province), columns=columns)


def progress_csv_parts(conn: Connection, *, level: str, as_of: date, metric: str, denominator: str, province: str | None = None) -> Iterator[str]:
    """progress_csv in parts to write one after the other (the header once)."""
    frames = progress_frames(conn, level=level, as_of=as_of, metric=metric, denominator=denominator, province=province)
    for i, frame in enumerate(frames):
        yield neutralise_formulas(frame).write_csv(include_header=i == 0)
