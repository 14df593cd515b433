"""What data is loaded: simulated or real, reporting period, freshness, and the notes shown with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select

import settings
from db.schema import calendar, dataset_info, import_batch


@dataclass(frozen=True)
class DatasetInfo:
    simulated: bool
    seed: int | None
    first_day: date | None
    last_day: date | None
    last_received_at: datetime | None
    built_at: str | None
    quota_note: str | None

    @property
    def has_reports(self) -> bool:
        return self.last_day is not None


def dataset_info_of(conn: Connection) -> DatasetInfo:
    """Read the data set's facts: period from the calendar, freshness from the newest batch."""
    info = dict(conn.execute(select(dataset_info.c.key, dataset_info.c.value)).all())
    first, last = conn.execute(select(func.min(calendar.c.day), func.max(calendar.c.day))).one()
    # The newest report: readiness updates and rollbacks are batches too, but not reports.
    received = conn.execute(
        select(func.max(import_batch.c.received_at)).where(import_batch.c.status == "active", import_batch.c.kind.notin_(["readiness", "rollback"]))
    ).scalar_one()
    return DatasetInfo(
        simulated=info.get("simulated") == "1",
        seed=int(info["seed"]) if "seed" in info else None,
        first_day=first,
        last_day=last,
        last_received_at=received,
        built_at=info.get("built_at"),
        quota_note=info.get("quota_note"),
    )


def public_read_of(conn: Connection) -> bool:
    """Whether pages may be read without signing in: CCCD_PUBLIC_READ when set; otherwise only a
    simulated data set whose build switched it on (cli.py demo). A real data set is never public by default."""
    forced = settings.access().public_read
    if forced is not None:
        return forced
    info = dict(conn.execute(select(dataset_info.c.key, dataset_info.c.value).where(dataset_info.c.key.in_(["simulated", "public_read"]))).all())
    return info.get("simulated") == "1" and info.get("public_read") == "1"
