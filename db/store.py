"""The one write path for reports: batches, facts (replace with history), calendar and rollups.

Both the simulation and the importer call `write_reports`. It runs inside the caller's
transaction, so a failure anywhere leaves nothing partial behind.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
)
from sqlalchemy.exc import DBAPIError

from db.schema import (
    COUNT_COLUMNS,
    admin_unit,
    calendar,
    daily_fact,
    fact_history,
    import_batch,
    unit_day,
)

FACT_COLUMNS = ("unit_code", "report_date", *COUNT_COLUMNS)

# Session-local staging table for the keys of an incoming write (created and dropped per write).
_INCOMING_KEY = Table(
    "incoming_key",
    MetaData(),
    Column("unit_code", String(5)),
    Column("report_date", Date),
    Column("batch_id", Integer),
)


@dataclass(frozen=True)
class BatchMeta:
    """Who sent what, when: one submitted report (a file, or one simulated province-day)."""

    kind: str
    source_name: str
    submitted_by: str
    received_at: datetime
    province_code: str | None = None
    content_hash: str | None = None
    note: str | None = None
    user_id: int | None = None  # the signed-in person (app_user.id); none for the simulation


@dataclass(frozen=True)
class WriteSummary:
    batch_ids: list[int]
    rows_written: int
    rows_replaced: int
    districts_refreshed: int


# --- bulk insert, one fast path per dialect --------------------------------------------------------


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
            with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
        except dbapi_error as exc:
            # Same exception family as every other statement (IntegrityError, OperationalError…).
            raise DBAPIError.instance(sql, None, exc, dbapi_error) from exc
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported deployments
        conn.execute(insert(table), frame.to_dicts())


# --- batches, calendar, facts ----------------------------------------------------------------------


def _insert_batches(conn: Connection, facts: pl.DataFrame, batches: list[BatchMeta]) -> list[int]:
    stats = facts.group_by("batch_index").agg(
        pl.len().alias("row_count"), pl.col("report_date").min().alias("date_from"), pl.col("report_date").max().alias("date_to")
    )
    by_index = {row["batch_index"]: row for row in stats.iter_rows(named=True)}
    rows = []
    for i, meta in enumerate(batches):
        s = by_index.get(i, {"row_count": 0, "date_from": None, "date_to": None})
        rows.append(
            {
                "kind": meta.kind,
                "source_name": meta.source_name,
                "content_hash": meta.content_hash,
                "submitted_by": meta.submitted_by,
                "received_at": meta.received_at,
                "province_code": meta.province_code,
                "row_count": s["row_count"],
                "date_from": s["date_from"],
                "date_to": s["date_to"],
                "note": meta.note,
                "status": "active",
                "user_id": meta.user_id,
            }
        )
    stmt = insert(import_batch).returning(import_batch.c.id, sort_by_parameter_order=True)
    return [r.id for r in conn.execute(stmt, rows)]


def calendar_bounds(conn: Connection) -> tuple[date | None, date | None]:
    first, last = conn.execute(select(func.min(calendar.c.day), func.max(calendar.c.day))).one()
    return first, last


def _extend_calendar(conn: Connection, first: date, last: date) -> tuple[date | None, list[date], bool]:
    """Make the calendar cover [first, last].

    Returns the old last day, the days appended after it, and whether days were added before
    the old first day (then every rollup must be rebuilt).
    """
    old_first, old_last = calendar_bounds(conn)
    start = first if old_first is None else min(first, old_first)
    end = last if old_last is None else max(last, old_last)
    existing = set()
    if old_first is not None:
        existing = {r[0] for r in conn.execute(select(calendar.c.day).where(calendar.c.day.between(start, end)))}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    missing = [d for d in days if d not in existing]
    bulk_insert(conn, calendar, pl.DataFrame({"day": missing}, schema={"day": pl.Date}))
    appended = [d for d in missing if old_last is not None and d > old_last]
    prepended = old_first is not None and start < old_first
    return old_last, appended, prepended


def _replace_existing(conn: Connection, facts: pl.DataFrame, now: datetime) -> int:
    """Move facts that the incoming rows supersede into fact_history, then delete them."""
    lo, hi = facts["report_date"].min(), facts["report_date"].max()
    # daily_fact has no index on report_date (a full scan of millions of rows): the calendar says
    # cheaply whether any earlier report can fall in these days at all.
    known_day = conn.execute(select(calendar.c.day).where(calendar.c.day.between(lo, hi)).limit(1)).first()
    if known_day is None:
        return 0
    conn.exec_driver_sql("DROP TABLE IF EXISTS incoming_key")
    # A primary key on the staging table, and a delete by key (row-value IN) rather than a correlated
    # EXISTS: SQLite then looks each incoming key up in daily_fact's primary key instead of scanning
    # millions of facts (a one-province correction on the national data set: 226 s → seconds).
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE incoming_key (unit_code VARCHAR(5), report_date DATE, batch_id INTEGER, PRIMARY KEY (unit_code, report_date))"
    )
    keys = _INCOMING_KEY
    bulk_insert(conn, keys, facts.select("unit_code", "report_date", "batch_id"))
    match = and_(keys.c.unit_code == daily_fact.c.unit_code, keys.c.report_date == daily_fact.c.report_date)
    old = select(
        daily_fact.c.unit_code,
        daily_fact.c.report_date,
        *[daily_fact.c[c] for c in COUNT_COLUMNS],
        daily_fact.c.batch_id,
        daily_fact.c.late,
        keys.c.batch_id.label("replaced_by_batch_id"),
        literal(now, type_=fact_history.c.replaced_at.type).label("replaced_at"),
    ).select_from(daily_fact.join(keys, match))
    history_cols = ["unit_code", "report_date", *COUNT_COLUMNS, "batch_id", "late", "replaced_by_batch_id", "replaced_at"]
    conn.execute(insert(fact_history).from_select(history_cols, old))
    key = tuple_(daily_fact.c.unit_code, daily_fact.c.report_date)
    replaced = conn.execute(delete(daily_fact).where(key.in_(select(keys.c.unit_code, keys.c.report_date)))).rowcount
    conn.exec_driver_sql("DROP TABLE incoming_key")
    return replaced


# --- rollups ---------------------------------------------------------------------------------------

ROLLUP_COLUMNS = [
    "unit_code",
    "day",
    "level",
    *COUNT_COLUMNS,
    *[f"cum_{c}" for c in COUNT_COLUMNS],
    "units_reported",
    "units_on_time",
    "units_expected",
]


def compute_rollups(facts: pl.DataFrame, units: pl.DataFrame, days: list[date], base: pl.DataFrame | None = None) -> pl.DataFrame:
    """Dense daily rollup rows for the districts in `units` and their provinces.

    `facts`: every fact of those districts (unit_code, report_date, counts, late).
    `units`: the register rows of those districts and of their reporting units (code, level,
    district_code, province_code, commune_count). A district row sums its reporting units; a
    report from a unit counts as `commune_count` units reported (a district-grain row stands for
    all its communes); running totals are cumulative sums over `days`. Province rows are sums of
    their district rows. `base` (unit_code and the cum_ columns of districts on the day before
    `days` start) carries the running totals of earlier days when only a tail of days is recomputed.
    """
    reporting = units.select("code", "district_code", "commune_count").rename({"code": "unit_code"})
    districts = units.filter(pl.col("level") == "district").select(
        pl.col("code").alias("unit_code"), "province_code", pl.col("commune_count").alias("units_expected")
    )
    agg = (
        facts.join(reporting, on="unit_code", how="inner")
        .group_by(pl.col("district_code").alias("unit_code"), pl.col("report_date").alias("day"))
        .agg(
            *[pl.col(c).fill_null(0).sum().cast(pl.Int64) for c in COUNT_COLUMNS],
            pl.col("commune_count").sum().cast(pl.Int64).alias("units_reported"),
            pl.col("commune_count").filter(~pl.col("late")).sum().cast(pl.Int64).alias("units_on_time"),
        )
    )
    spine = districts.join(pl.DataFrame({"day": days}, schema={"day": pl.Date}), how="cross")
    district_rows = (
        spine.join(agg, on=["unit_code", "day"], how="left")
        .with_columns(pl.col([*COUNT_COLUMNS, "units_reported", "units_on_time"]).fill_null(0))
        .sort("unit_code", "day")
        .with_columns(*[pl.col(c).cum_sum().over("unit_code").alias(f"cum_{c}") for c in COUNT_COLUMNS])
        .with_columns(pl.lit("district").alias("level"))
    )
    if base is not None:
        cums = [f"cum_{c}" for c in COUNT_COLUMNS]
        district_rows = (
            district_rows.join(base.select("unit_code", *[pl.col(c).alias(f"base_{c}") for c in cums]), on="unit_code", how="left")
            .with_columns(*[(pl.col(c) + pl.col(f"base_{c}").fill_null(0)).alias(c) for c in cums])
            .drop([f"base_{c}" for c in cums])
        )
    province_rows = (
        district_rows.group_by(pl.col("province_code").alias("unit_code"), "day")
        .agg(pl.col([*COUNT_COLUMNS, *[f"cum_{c}" for c in COUNT_COLUMNS], "units_reported", "units_on_time", "units_expected"]).sum())
        .with_columns(pl.lit("province").alias("level"))
    )
    return pl.concat(
        [district_rows.select(ROLLUP_COLUMNS), province_rows.select(ROLLUP_COLUMNS)], how="vertical_relaxed"
    ).with_columns(pl.col("units_expected").cast(pl.Int64))


def _calendar_days(conn: Connection, since: date | None = None) -> list[date]:
    stmt = select(calendar.c.day).order_by(calendar.c.day)
    if since is not None:
        stmt = stmt.where(calendar.c.day >= since)
    return [r[0] for r in conn.execute(stmt)]


def _read_frame(conn: Connection, stmt) -> pl.DataFrame:
    result = conn.execute(stmt)
    return pl.DataFrame([tuple(r) for r in result], schema=list(result.keys()), orient="row", infer_schema_length=None)


def _rollup_units(conn: Connection, province_codes: list[str] | None) -> pl.DataFrame:
    stmt = select(
        admin_unit.c.code, admin_unit.c.level, admin_unit.c.district_code, admin_unit.c.province_code, admin_unit.c.commune_count
    ).where(admin_unit.c.level != "province")
    if province_codes is not None:
        stmt = stmt.where(admin_unit.c.province_code.in_(province_codes))
    return _read_frame(conn, stmt)


def _rollup_base(conn: Connection, district_codes: list[str], day: date) -> pl.DataFrame:
    """Running totals of `district_codes` on `day` (from the rollup itself)."""
    cols = [unit_day.c[f"cum_{c}"] for c in COUNT_COLUMNS]
    stmt = select(unit_day.c.unit_code, *cols).where(unit_day.c.level == "district", unit_day.c.day == day)
    frames = [_read_frame(conn, stmt.where(unit_day.c.unit_code.in_(district_codes[i : i + 2000]))) for i in range(0, len(district_codes), 2000)]
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema={"unit_code": pl.String, **{f"cum_{c}": pl.Int64 for c in COUNT_COLUMNS}})
    return pl.concat(frames, how="vertical_relaxed")


def refresh_rollups(
    conn: Connection, province_codes: list[str] | None = None, facts: pl.DataFrame | None = None, *, since: date | None = None
) -> int:
    """Recompute the rollup of `province_codes` (None: all) from their facts.

    Pass `facts` when the caller already holds every fact of those provinces (the national
    build), to skip reading millions of rows back. With `since`, only the days from `since` on are
    recomputed (facts before it are unchanged): running totals continue from the rollup's own day
    before, so a correction of one recent day reads one day of facts, not the whole history.
    """
    units = _rollup_units(conn, province_codes)
    district_codes = units.filter(pl.col("level") == "district")["code"].to_list()
    first_day = conn.execute(select(func.min(calendar.c.day))).scalar()
    if since is not None and (first_day is None or since <= first_day):
        since = None  # nothing before it: a full recompute is the same thing
    if facts is None:
        unit_codes = units["code"].to_list()
        frames = []
        for i in range(0, len(unit_codes), 2000):
            stmt = select(daily_fact.c.unit_code, daily_fact.c.report_date, *[daily_fact.c[c] for c in COUNT_COLUMNS], daily_fact.c.late)
            stmt = stmt.where(daily_fact.c.unit_code.in_(unit_codes[i : i + 2000]))
            if since is not None:
                stmt = stmt.where(daily_fact.c.report_date >= since)
            frames.append(_read_frame(conn, stmt))
        facts = pl.concat([f for f in frames if f.height], how="vertical_relaxed") if any(f.height for f in frames) else None
    elif since is not None:
        facts = facts.filter(pl.col("report_date") >= since)
    if facts is None:
        facts = pl.DataFrame(schema={"unit_code": pl.String, "report_date": pl.Date, **{c: pl.Int64 for c in COUNT_COLUMNS}, "late": pl.Boolean})
    base = _rollup_base(conn, district_codes, since - timedelta(days=1)) if since is not None else None
    rows = compute_rollups(facts.with_columns(pl.col("late").cast(pl.Boolean)), units, _calendar_days(conn, since), base=base)
    if province_codes is None and since is None:
        conn.execute(delete(unit_day))
    else:
        stale = delete(unit_day)
        if province_codes is not None:
            stale = stale.where(unit_day.c.unit_code.in_(district_codes + list(province_codes)))
        if since is not None:
            stale = stale.where(unit_day.c.day >= since)
        conn.execute(stale)
    bulk_insert(conn, unit_day, rows)
    return rows.filter(pl.col("level") == "district")["unit_code"].n_unique()


def _carry_forward(conn: Connection, old_last: date, new_days: list[date]) -> None:
    """Give every rollup unit rows for days appended to the calendar: no counts, same running totals."""
    if not new_days:
        return
    prev = unit_day.alias("prev")
    stmt = (
        select(
            prev.c.unit_code,
            calendar.c.day,
            prev.c.level,
            *[literal(0).label(c) for c in COUNT_COLUMNS],
            *[prev.c[f"cum_{c}"] for c in COUNT_COLUMNS],
            literal(0).label("units_reported"),
            literal(0).label("units_on_time"),
            prev.c.units_expected,
        )
        .select_from(prev.join(calendar, calendar.c.day > old_last))
        .where(prev.c.day == old_last)
    )
    conn.execute(insert(unit_day).from_select(ROLLUP_COLUMNS, stmt))


def affected_provinces(conn: Connection, unit_codes: list[str]) -> list[str]:
    codes: set[str] = set()
    for i in range(0, len(unit_codes), 5000):
        chunk = unit_codes[i : i + 5000]
        codes |= {r[0] for r in conn.execute(select(admin_unit.c.province_code).where(admin_unit.c.code.in_(chunk)).distinct())}
    return sorted(codes)


# --- the write path --------------------------------------------------------------------------------


def write_reports(
    conn: Connection,
    facts: pl.DataFrame,
    batches: list[BatchMeta],
    *,
    cutoff_hour: int = 17,
    full_refresh: bool = False,
) -> WriteSummary:
    """Store validated daily facts with their batches; supersede (and keep) older values; refresh rollups.

    `facts` has `batch_index` (position in `batches`), `unit_code`, `report_date` (Date) and the
    five counts (`cards_produced` may be null). Callers validate first; this function trusts
    codes and counts but still runs in the caller's transaction so nothing partial survives.
    A fact is late when its batch arrived after `cutoff_hour`:00 on the report day.
    """
    now = datetime.now().replace(microsecond=0)
    batch_ids = _insert_batches(conn, facts, batches)
    received = pl.DataFrame(
        {"batch_index": list(range(len(batches))), "batch_id": batch_ids, "received_at": [b.received_at for b in batches]},
        schema={"batch_index": pl.Int64, "batch_id": pl.Int64, "received_at": pl.Datetime("us")},
    )
    rows = (
        facts.with_columns(pl.col("batch_index").cast(pl.Int64))
        .join(received, on="batch_index", how="left")
        .with_columns(
            (pl.col("received_at") > pl.col("report_date").cast(pl.Datetime("us")) + pl.duration(hours=cutoff_hour)).alias("late")
        )
        .select(*FACT_COLUMNS, "batch_id", "late")
    )
    if rows.height == 0:
        return WriteSummary(batch_ids, 0, 0, 0)
    was_empty = conn.execute(select(daily_fact.c.unit_code).limit(1)).first() is None
    replaced = _replace_existing(conn, rows, now)
    bulk_insert(conn, daily_fact, rows)
    old_last, appended, prepended = _extend_calendar(conn, rows["report_date"].min(), rows["report_date"].max())
    if full_refresh or old_last is None or prepended:
        # Everything is rebuilt; when the table held nothing else, the incoming rows are all facts.
        refreshed = refresh_rollups(conn, None, facts=rows if was_empty else None)
    else:
        _carry_forward(conn, old_last, appended)
        refreshed = refresh_rollups(
            conn, affected_provinces(conn, rows["unit_code"].unique().sort().to_list()), since=rows["report_date"].min()
        )
    return WriteSummary(batch_ids, rows.height, replaced, refreshed)
