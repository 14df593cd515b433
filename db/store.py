"""The one write path for reports: batches, facts (replace with history), calendar and rollups.

Both the simulation and the importer call `write_reports`. It runs inside the caller's
transaction, so a failure anywhere leaves nothing partial behind. Bulk inserts are `db.bulk`'s,
rollups `db.rollups`'s (named here too: the writers call them through this module).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

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

from db import readiness_store
from db.access import Actor, Permission, require
from db.bulk import bulk_insert
from db.rollups import ROLLUP_COLUMNS, affected_provinces, carry_forward, compute_rollups, refresh_rollups
from db.schema import (
    COUNT_COLUMNS,
    calendar,
    daily_fact,
    dataset_info,
    fact_history,
    import_batch,
    unit_day,
)

__all__ = [
    "ROLLUP_COLUMNS",
    "BatchMeta",
    "WriteSummary",
    "affected_provinces",
    "bulk_insert",
    "calendar_bounds",
    "clear_reports",
    "compute_rollups",
    "refresh_rollups",
    "require_rebuild",
    "write_dataset_info",
    "write_reports",
]

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
    value_type: str | None = None  # daily | cumulative: how the report gave its counts (none: the simulation)


@dataclass(frozen=True)
class WriteSummary:
    batch_ids: list[int]
    rows_written: int
    rows_replaced: int
    districts_refreshed: int


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
                "value_type": meta.value_type,
            }
        )
    stmt = insert(import_batch).returning(import_batch.c.id, sort_by_parameter_order=True)
    return [r.id for r in conn.execute(stmt, rows)]


def calendar_bounds(conn: Connection) -> tuple[date | None, date | None]:
    first, last = conn.execute(select(func.min(calendar.c.day), func.max(calendar.c.day))).one()
    return first, last


def trim_calendar(conn: Connection) -> None:
    """Take the newest days that no longer hold any report out of the period — the calendar and their
    rollup rows — after a rollback removed the last reports of those days, so that no page opens on a
    day nobody has reported. Costs one short lookup when the newest day still holds a report (the
    usual case); only when it does not is the newest report day searched for."""
    _, last = calendar_bounds(conn)
    if last is None or conn.execute(select(daily_fact.c.unit_code).where(daily_fact.c.report_date == last).limit(1)).first():
        return
    newest_report = conn.execute(select(func.max(daily_fact.c.report_date))).scalar()
    if newest_report is None:  # nothing reported at all any more
        conn.execute(delete(unit_day))
        conn.execute(delete(calendar))
        return
    conn.execute(delete(unit_day).where(unit_day.c.day > newest_report))
    conn.execute(delete(calendar).where(calendar.c.day > newest_report))


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
    A fact is late when its batch arrived after `cutoff_hour`:00 on the report day, unless `facts` has a
    `late` column with a value for it: a day restated by a later batch keeps whether it came in on time.
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
        .with_columns((pl.col("received_at") > pl.col("report_date").cast(pl.Datetime("us")) + pl.duration(hours=cutoff_hour)).alias("_late"))
        .with_columns((pl.coalesce(pl.col("late").cast(pl.Boolean), pl.col("_late")) if "late" in facts.columns else pl.col("_late")).alias("late"))
        .select(*FACT_COLUMNS, "batch_id", "late")
    )
    if rows.height == 0:
        return WriteSummary(batch_ids, 0, 0, 0)
    was_empty = conn.execute(select(daily_fact.c.unit_code).limit(1)).first() is None
    replaced = _replace_existing(conn, rows, now)
    bulk_insert(conn, daily_fact, rows)
    first_day, last_day = cast(date, rows["report_date"].min()), cast(date, rows["report_date"].max())
    old_last, appended, prepended = _extend_calendar(conn, first_day, last_day)
    if full_refresh or old_last is None or prepended:
        # Everything is rebuilt; when the table held nothing else, the incoming rows are all facts.
        refreshed = refresh_rollups(conn, None, facts=rows if was_empty else None)
    else:
        carry_forward(conn, old_last, appended)
        refreshed = refresh_rollups(conn, affected_provinces(conn, rows["unit_code"].unique().sort().to_list()), since=first_day)
    return WriteSummary(batch_ids, rows.height, replaced, refreshed)


# --- the simulated data set's rebuild --------------------------------------------------------------


def require_rebuild(actor: Actor | None, conn: Connection | None = None) -> None:
    """Replacing every report is a national submission and a national rollback at once: the national
    data team's or an administrator's (AccessDenied otherwise; with `conn`, as the account stands there)."""
    actor = require(actor, Permission.submit_report, [None], conn=conn)
    require(actor, Permission.rollback, [None])


def clear_reports(conn: Connection, *, actor: Actor | None) -> None:
    """Remove every report, readiness update, batch, history row and rollup and the data set's facts (the
    register, the quotas and their note stay), in the caller's transaction. The caller audits the
    rebuild it is part of."""
    require_rebuild(actor, conn)
    readiness_store.clear_all(conn)  # readiness rows refer to their batches
    for table in (unit_day, fact_history, daily_fact, import_batch, calendar):
        conn.execute(delete(table))
    conn.execute(delete(dataset_info).where(dataset_info.c.key != "quota_note"))


def write_dataset_info(conn: Connection, info: dict[str, str]) -> None:
    """Set facts about the loaded data set (key → text), replacing those keys' earlier values."""
    conn.execute(delete(dataset_info).where(dataset_info.c.key.in_(list(info))))
    bulk_insert(conn, dataset_info, pl.DataFrame({"key": list(info), "value": list(info.values())}))
