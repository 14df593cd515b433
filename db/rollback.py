"""Roll one report batch back: its facts out, the values it replaced back in, rollups recomputed — one audited transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import polars as pl
from sqlalchemy import Connection, Engine, Row, and_, delete, insert, literal, select, update

from db import audit, store
from db.access import Actor, Permission, require
from db.frames import read_frame
from db.schema import COUNT_COLUMNS, daily_fact, fact_history, import_batch
from db.transaction import write_transaction

ROLLBACK_KIND = "rollback"
# Batch status: active (its facts count), rolled_back (undone), applied (a rollback that was carried out).
ACTIVE, ROLLED_BACK, APPLIED = "active", "rolled_back", "applied"
_FACT = ("unit_code", "report_date", *COUNT_COLUMNS, "batch_id", "late")
_CHUNK = 2000


class RollbackError(Exception):
    """A rollback that cannot be done; the messages say why and what to do."""

    def __init__(self, code: str, message_vi: str, message_en: str):
        super().__init__(message_en)
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en

    def message(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message_en


@dataclass(frozen=True)
class RollbackResult:
    batch_id: int
    rollback_batch_id: int
    facts_removed: int
    facts_restored: int
    provinces: list[str]


# Readiness updates (intake/readiness.py) are corrected by a newer update, never rolled back here.
READINESS_KIND = "readiness"


def _refuse(batch: Row | None, batch_id: int) -> Row:
    """The batch, when it may be rolled back (RollbackError otherwise)."""
    if batch is None:
        raise RollbackError(
            "not_found",
            f"Không có lô #{batch_id} — xem số lô trong danh sách lô (lệnh „batches“).",
            f"There is no batch #{batch_id} — see the batch list (command “batches”).",
        )
    if batch.kind == ROLLBACK_KIND:
        raise RollbackError(
            "is_rollback",
            f"Lô #{batch_id} là một lần hủy lô, không hủy được — muốn có lại số liệu thì nhập lại tệp gốc.",
            f"Batch #{batch_id} is itself a rollback and cannot be undone — import the original file again instead.",
        )
    if batch.kind == READINESS_KIND:
        raise RollbackError(
            "is_readiness",
            f"Lô #{batch_id} là cập nhật số liệu sẵn sàng triển khai — sửa bằng một lần cập nhật mới (trang „Sẵn sàng triển khai“), không hủy lô.",
            f"Batch #{batch_id} is a readiness update — correct it with a new update (page “Sẵn sàng triển khai”), not a rollback.",
        )
    if batch.status != ACTIVE:
        raise RollbackError(
            "already_rolled_back",
            f"Lô #{batch_id} đã được hủy trước đó ({batch.note or ''}) — không cần hủy lại.",
            f"Batch #{batch_id} was already rolled back ({batch.note or ''}) — nothing to do.",
        )
    return batch


def _fact_schema() -> dict:
    return {"unit_code": pl.String, "report_date": pl.Date, **{c: pl.Int64 for c in COUNT_COLUMNS}, "batch_id": pl.Int64, "late": pl.Boolean}


def _values_to_restore(conn: Connection, removed: pl.DataFrame) -> pl.DataFrame:
    """For each removed unit-day: the newest value in history from a batch that still counts (not rolled back)."""
    codes = removed["unit_code"].unique().sort().to_list()
    lo, hi = removed["report_date"].min(), removed["report_date"].max()
    h = fact_history
    frames = []
    for i in range(0, len(codes), _CHUNK):
        stmt = (
            select(h.c.id, *[h.c[c] for c in _FACT])
            .select_from(h.join(import_batch, import_batch.c.id == h.c.batch_id))
            .where(and_(import_batch.c.status == ACTIVE, h.c.unit_code.in_(codes[i : i + _CHUNK]), h.c.report_date.between(lo, hi)))
        )
        frames.append(read_frame(conn, stmt, {"id": pl.Int64, **_fact_schema()}))
    history = pl.concat(frames).join(removed.select("unit_code", "report_date"), on=["unit_code", "report_date"], how="semi")
    return history.sort("id").group_by("unit_code", "report_date").last().select(_FACT)


def rollback(engine: Engine, batch_id: int, *, actor: Actor | None, now: datetime | None = None) -> RollbackResult:
    """Undo one batch in one transaction.

    Its facts still in force move to fact_history (replaced by a new batch of kind "rollback", so who
    and when are recorded); for each of those unit-days the newest earlier value from a batch that
    still counts comes back from fact_history; the batch is marked rolled_back with who and when in
    its note; the rollups of the affected provinces are recomputed. Facts of the batch that a later
    batch already replaced stay replaced. Refuses (RollbackError) a missing batch, a rollback, or a
    batch already rolled back; AccessDenied when the actor may not roll back this batch's province
    (a batch of several provinces: the national data team only).
    """
    with write_transaction(engine, actor, Permission.rollback) as conn:
        now = (now or datetime.now()).replace(microsecond=0)
        batch = _refuse(conn.execute(select(import_batch).where(import_batch.c.id == batch_id)).first(), batch_id)
        actor = require(actor, Permission.rollback, [batch.province_code], conn=conn)
        who = actor.label
        removed = read_frame(conn, select(*[daily_fact.c[c] for c in _FACT]).where(daily_fact.c.batch_id == batch_id), _fact_schema())
        undo_id = conn.execute(
            insert(import_batch).returning(import_batch.c.id),
            {
                "kind": ROLLBACK_KIND,
                "source_name": f"Hủy lô #{batch_id}",
                "content_hash": None,
                "submitted_by": who,
                "user_id": actor.user_id,
                "received_at": now,
                "province_code": batch.province_code,
                "row_count": removed.height,
                "date_from": batch.date_from,
                "date_to": batch.date_to,
                "status": APPLIED,
                "note": f"Hủy lô #{batch_id} ({batch.source_name})",
            },
        ).scalar_one()
        done = f"Đã hủy lúc {now:%d/%m/%Y %H:%M} bởi {who} (lô hủy #{undo_id})."
        conn.execute(
            update(import_batch)
            .where(import_batch.c.id == batch_id)
            .values(status=ROLLED_BACK, note=(f"{batch.note} | {done}" if batch.note else done))
        )
        audit.record(
            conn,
            actor,
            "rollback",
            province_code=batch.province_code,
            target=f"batch #{batch_id}",
            detail={"undo_batch": undo_id, "rows": removed.height},
            at=now,
        )
        if removed.height == 0:
            return RollbackResult(batch_id, undo_id, 0, 0, [])
        kept = select(
            *[daily_fact.c[c] for c in _FACT],
            literal(undo_id).label("replaced_by_batch_id"),
            literal(now, type_=fact_history.c.replaced_at.type).label("replaced_at"),
        ).where(daily_fact.c.batch_id == batch_id)
        conn.execute(insert(fact_history).from_select([*_FACT, "replaced_by_batch_id", "replaced_at"], kept))
        conn.execute(delete(daily_fact).where(daily_fact.c.batch_id == batch_id))
        restored = _values_to_restore(conn, removed)
        store.bulk_insert(conn, daily_fact, restored)
        provinces = store.affected_provinces(conn, removed["unit_code"].unique().sort().to_list())
        store.refresh_rollups(conn, provinces, since=cast(date, removed["report_date"].min()))
        store.trim_calendar(conn)
    return RollbackResult(batch_id, undo_id, removed.height, restored.height, provinces)
