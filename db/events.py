"""Events on the trend charts (table `annotation`): the data team's add / edit / delete.

Each write is one bound statement in the caller's transaction: the actor checked first
(`db.access.require`), who and when stored on the row, and `db.audit.record` in the same transaction.
Deleting marks the row (deleted_by, deleted_at) instead of removing it, so the history of an event is
never lost. Reading the events is `queries.annotations`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, insert, select, update

from db import audit
from db.access import Actor, Permission, require
from db.schema import admin_unit, annotation
from db.text import clean_text

KINDS = ("holiday", "disruption", "deadline", "other")
LABEL_MAX = 120
AUTHOR_MAX = 120


class EventError(ValueError):
    """An event that cannot be stored; the message (Vietnamese) says why."""


@dataclass(frozen=True)
class EventInput:
    day_from: date
    day_to: date | None
    label: str
    kind: str
    provinces: tuple[str, ...] = ()  # GSO province codes; empty = the whole country


def _clean(conn: Connection, event: EventInput, actor: Actor | None) -> dict:
    """Check the actor may edit events (AccessDenied), validate the event; return its column values.
    Raises EventError with a Vietnamese message."""
    actor = require(actor, Permission.edit_events, conn=conn)
    label = clean_text(event.label, limit=10_000)
    if not label:
        raise EventError("Tên sự kiện không được để trống.")
    if len(label) > LABEL_MAX:
        raise EventError(f"Tên sự kiện dài quá {LABEL_MAX} ký tự ({len(label)}).")
    if event.kind not in KINDS:
        raise EventError(f"Loại sự kiện không hợp lệ: {event.kind!r} (chọn một trong: {', '.join(KINDS)}).")
    if event.day_to is not None and event.day_to < event.day_from:
        raise EventError(f"Ngày kết thúc ({event.day_to:%d/%m/%Y}) trước ngày bắt đầu ({event.day_from:%d/%m/%Y}).")
    author = actor.label[:AUTHOR_MAX]
    codes = sorted({c.strip().zfill(2) for c in event.provinces if c and c.strip()})
    if codes:
        known = set(conn.execute(select(admin_unit.c.code).where(admin_unit.c.level == "province", admin_unit.c.code.in_(codes))).scalars())
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise EventError(f"Không có tỉnh/thành phố mã {', '.join(unknown)} trong danh mục.")
    return {
        "day_from": event.day_from,
        "day_to": event.day_to,
        "label_vi": label,
        "kind": event.kind,
        "provinces": ",".join(codes) or None,
        "_by": author,
    }


def _where(values: dict) -> dict:
    """The audit record's province (an event of one province) and detail (its label, and its provinces
    when there are several), from an event's column values."""
    codes = values["provinces"].split(",") if values["provinces"] else []
    detail = {"label": values["label_vi"]} | ({"provinces": values["provinces"]} if len(codes) > 1 else {})
    return {"province_code": codes[0] if len(codes) == 1 else None, "detail": detail}


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def add_event(conn: Connection, event: EventInput, *, actor: Actor | None, now: datetime | None = None) -> int:
    """Store a new event, recording who and when; returns its id."""
    values = _clean(conn, event, actor)
    author = values.pop("_by")
    result = conn.execute(insert(annotation).values(**values, created_by=author, created_at=now or _now()))
    key = result.inserted_primary_key
    assert key is not None  # a single-row insert
    event_id = int(key[0])
    audit.record(conn, actor, "event_add", target=f"event #{event_id}", at=now, **_where(values))
    return event_id


def _live(event_id: int):
    return and_(annotation.c.id == event_id, annotation.c.deleted_at.is_(None))


def update_event(conn: Connection, event_id: int, event: EventInput, *, actor: Actor | None, now: datetime | None = None) -> None:
    """Replace an event's fields, recording who and when."""
    values = _clean(conn, event, actor)
    author = values.pop("_by")
    result = conn.execute(update(annotation).where(_live(event_id)).values(**values, updated_by=author, updated_at=now or _now()))
    if result.rowcount != 1:
        raise EventError(f"Không có sự kiện số {event_id} (hoặc đã bị xóa).")
    audit.record(conn, actor, "event_edit", target=f"event #{event_id}", at=now, **_where(values))


def delete_event(conn: Connection, event_id: int, *, actor: Actor | None, now: datetime | None = None) -> None:
    """Mark an event deleted (it leaves every chart), recording who and when."""
    actor = require(actor, Permission.edit_events, conn=conn)
    row = conn.execute(select(annotation.c.label_vi, annotation.c.provinces).where(_live(event_id))).first()
    result = conn.execute(update(annotation).where(_live(event_id)).values(deleted_by=actor.label[:AUTHOR_MAX], deleted_at=now or _now()))
    if row is None or result.rowcount != 1:
        raise EventError(f"Không có sự kiện số {event_id} (hoặc đã bị xóa).")
    audit.record(conn, actor, "event_delete", target=f"event #{event_id}", at=now, **_where({"label_vi": row.label_vi, "provinces": row.provinces}))
