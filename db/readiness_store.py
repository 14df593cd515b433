"""The one write path for readiness updates (items, milestones, ministry/agency connections): one batch, history, audit.

`write_update` runs inside the caller's transaction (intake.readiness opens it with
db.transaction.write_transaction: the write lock, the permission checked inside it): it compares the checked rows with what is stored and writes the changed ones as one batch
(kind "readiness"), the replaced values to the history tables with the replacing batch and time, and
the audit record under the acting person — or nothing. Like db.store, it trusts the rows it is given
(intake.readiness checks them) but refuses an actor who may not change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, Table, delete, insert, select, update

from db import audit
from db.access import Actor, Permission, require
from db.frames import read_frame
from db.schema import (
    agency_connection,
    agency_connection_history,
    import_batch,
    milestone,
    milestone_history,
    readiness_item,
    readiness_item_history,
)

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

BATCH_KIND = "readiness"
ACCEPTED, UNCHANGED, DRY_RUN = "accepted", "unchanged", "dry_run"


@dataclass(frozen=True)
class Stored:
    """One kind of readiness row: its live and history tables, key and value columns, and their types."""

    table: Table
    history: Table
    key: tuple[str, ...]
    values: tuple[str, ...]
    types: dict[str, PolarsDataType]  # key and value columns, in order
    days: tuple[str, ...]  # the date columns that span a batch (date_from, date_to)


KINDS = {
    "items": Stored(
        readiness_item,
        readiness_item_history,
        ("province_code", "item"),
        ("planned", "done", "planned_date", "done_date"),
        {"province_code": pl.String, "item": pl.String, "planned": pl.Int64, "done": pl.Int64, "planned_date": pl.Date, "done_date": pl.Date},
        ("done_date",),
    ),
    "milestones": Stored(
        milestone, milestone_history, ("province_code", "kind"), ("day",), {"province_code": pl.String, "kind": pl.String, "day": pl.Date}, ("day",)
    ),
    "agencies": Stored(
        agency_connection,
        agency_connection_history,
        ("agency_code",),
        ("status", "connected_on"),
        {"agency_code": pl.String, "status": pl.String, "connected_on": pl.Date},
        ("connected_on",),
    ),
}
_WHO = ("batch_id", "updated_by", "updated_at")


@dataclass(frozen=True)
class Outcome:
    """What one update did: accepted (written as `batch_id`), unchanged (same content already imported:
    `duplicate_of`, or every row equal to what is stored) or dry_run (would change `changes`)."""

    status: str
    batch_id: int | None = None
    duplicate_of: dict | None = None
    changes: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> new / replace / same


def stored(conn: Connection, kind: str) -> pl.DataFrame:
    """The current rows of one kind, with the batch, person and time that wrote them."""
    spec = KINDS[kind]
    cols = [*spec.key, *spec.values, *_WHO]
    schema = spec.types | {"batch_id": pl.Int64, "updated_by": pl.String, "updated_at": pl.Datetime("us")}
    return read_frame(conn, select(*[spec.table.c[c] for c in cols]), {c: schema[c] for c in cols})


def current_rows(conn: Connection) -> dict[str, pl.DataFrame]:
    """The current values of every kind, sorted by key (to prefill the template)."""
    return {kind: stored(conn, kind).drop(*_WHO).sort(list(spec.key)) for kind, spec in KINDS.items()}


def require_scope(conn: Connection, actor: Actor | None, frames: dict[str, pl.DataFrame]) -> Actor:
    """Every row of the update must be the actor's to change: provinces' rows need the readiness
    permission for that province, ministry rows the national one. AccessDenied otherwise, before any
    write; the account is judged as it stands in this transaction (db.access.require)."""
    provinces = {p for kind in ("items", "milestones") if kind in frames for p in frames[kind]["province_code"].to_list()}
    actor = require(actor, Permission.edit_readiness, provinces, conn=conn)
    if "agencies" in frames and frames["agencies"].height:
        require(actor, Permission.edit_agencies)
    return actor


def _classify(frame: pl.DataFrame, current: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Adds `change`: new (nothing stored), same (every value equal) or replace."""
    spec = KINDS[kind]
    old = current.select(*spec.key, *[pl.col(v).alias(f"old_{v}") for v in spec.values], pl.lit(True).alias("stored"))
    joined = frame.join(old, on=list(spec.key), how="left")
    same = pl.all_horizontal([pl.col(v).eq_missing(pl.col(f"old_{v}")) for v in spec.values])
    return joined.with_columns(
        pl.when(pl.col("stored").is_null()).then(pl.lit("new")).when(same).then(pl.lit("same")).otherwise(pl.lit("replace")).alias("change")
    ).drop("stored", *[f"old_{v}" for v in spec.values])


def earlier_batch(conn: Connection, digest: str) -> dict | None:
    """The active readiness batch with this content hash, if any (id, received_at, submitted_by, source_name)."""
    row = conn.execute(
        select(import_batch.c.id, import_batch.c.received_at, import_batch.c.submitted_by, import_batch.c.source_name)
        .where(import_batch.c.content_hash == digest, import_batch.c.kind == BATCH_KIND, import_batch.c.status == "active")
        .order_by(import_batch.c.id)
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None


def _dates(changed: dict[str, pl.DataFrame]) -> list[date]:
    return [d for kind, frame in changed.items() for c in KINDS[kind].days for d in frame[c].drop_nulls().to_list()]


def write_update(
    conn: Connection,
    frames: dict[str, pl.DataFrame],
    *,
    source_name: str,
    submitted_by: str,
    received_at: datetime,
    content_hash: str,
    dry_run: bool = False,
    note: str | None = None,
    actor: Actor | None = None,
) -> Outcome:
    """Inside the caller's transaction: compare checked rows (`frames`: kind -> key and value columns,
    extra columns ignored) with what is stored and write the changed ones as one batch, audited under
    `actor` (none: the simulation, which writes as its `submitted_by`). Same content hash already
    imported, or nothing changed: no batch. AccessDenied (nothing written) when `actor` may not change a row."""
    if actor is not None:
        actor = require_scope(conn, actor, frames)
    earlier = earlier_batch(conn, content_hash)
    if earlier is not None:
        return Outcome(UNCHANGED, duplicate_of=earlier)
    classified = {kind: _classify(frame, stored(conn, kind), kind) for kind, frame in frames.items()}
    changes = {kind: {"new": 0, "replace": 0, "same": 0} | dict(f.group_by("change").len().iter_rows()) for kind, f in classified.items()}
    changed = {kind: f.filter(pl.col("change") != "same") for kind, f in classified.items()}
    if not any(f.height for f in changed.values()):
        return Outcome(UNCHANGED, changes=changes)
    if dry_run:
        return Outcome(DRY_RUN, changes=changes)
    provinces = {p for kind in ("items", "milestones") if kind in changed for p in changed[kind]["province_code"].to_list()}
    batch_province = next(iter(provinces)) if len(provinces) == 1 else None
    days = _dates(changed)
    batch_id = conn.execute(
        insert(import_batch).returning(import_batch.c.id),
        {
            "kind": BATCH_KIND,
            "source_name": source_name[:255],
            "content_hash": content_hash,
            "submitted_by": submitted_by[:120],
            "received_at": received_at,
            "province_code": batch_province,
            "row_count": sum(f.height for f in changed.values()),
            "date_from": min(days, default=None),
            "date_to": max(days, default=None),
            "status": "active",
            "note": note,
            "user_id": actor.user_id if actor else None,
        },
    ).scalar_one()
    if actor is not None:
        audit.record(
            conn,
            actor,
            "readiness_update",
            province_code=sorted(provinces)[0] if len(provinces) == 1 else None,
            target=f"batch #{batch_id}",
            detail={"source": source_name[:120], **{k: f.height for k, f in changed.items()}},
            at=received_at,
        )
    for kind, frame in changed.items():
        if frame.height:
            _write(conn, kind, frame, batch_id=batch_id, who=submitted_by[:120], when=received_at)
    return Outcome(ACCEPTED, batch_id=batch_id, changes=changes)


def _write(conn: Connection, kind: str, frame: pl.DataFrame, *, batch_id: int, who: str, when: datetime) -> None:
    """The changed rows of one kind: replaced values to history (with the replacing batch and time), then the new values."""
    spec = KINDS[kind]
    table, key, values = spec.table, spec.key, spec.values
    replaced = frame.filter(pl.col("change") == "replace")
    for k in replaced.select(*key).rows():
        match = [table.c[c] == v for c, v in zip(key, k, strict=True)]
        old = conn.execute(select(*[table.c[c] for c in (*key, *values, *_WHO)]).where(*match)).one()
        conn.execute(insert(spec.history), {**old._mapping, "replaced_by_batch_id": batch_id, "replaced_at": when})
    rows = [{**{c: r[c] for c in (*key, *values)}, "batch_id": batch_id, "updated_by": who, "updated_at": when} for r in frame.iter_rows(named=True)]
    if kind == "agencies":  # the list is reference data: every agency row exists already
        for r in rows:
            conn.execute(update(table).where(table.c.agency_code == r["agency_code"]).values(**{c: v for c, v in r.items() if c != "agency_code"}))
        return
    for k in replaced.select(*key).rows():
        conn.execute(delete(table).where(*[table.c[c] == v for c, v in zip(key, k, strict=True)]))
    conn.execute(insert(table), rows)


def clear_all(conn: Connection) -> None:
    """Remove every readiness update, its history and its batches; ministries/agencies go back to the
    list's state (not connected). Only the simulated data set's rebuild calls this."""
    for table in (readiness_item_history, milestone_history, agency_connection_history, readiness_item, milestone):
        conn.execute(delete(table))
    conn.execute(update(agency_connection).values(status="not_connected", connected_on=None, batch_id=None, updated_by=None, updated_at=None))
    conn.execute(delete(import_batch).where(import_batch.c.kind == BATCH_KIND))
