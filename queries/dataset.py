"""What data is loaded: simulated or real, reporting period, freshness, and the notes shown with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, select

import settings
from db.schema import calendar, dataset_info, import_batch, unit_day
from queries.metrics import SETTLED_SHARE

# How far back from the newest day the settled day is looked for (a longer gap: the newest day opens).
SETTLED_LOOKBACK_DAYS = 14


@dataclass(frozen=True)
class DatasetInfo:
    simulated: bool
    seed: int | None
    first_day: date | None
    last_day: date | None
    settled_day: date | None  # the day the pages open on: the newest day most communes have reported (settled_day_of)
    last_day_reported: int | None  # communes that reported the newest day, nationally (district-grain units' communes counted)
    last_day_expected: int | None  # … of the communes expected that day
    last_received_at: datetime | None
    built_at: str | None
    quota_note: str | None

    @property
    def has_reports(self) -> bool:
        return self.last_day is not None

    @property
    def last_day_completeness(self) -> float | None:
        """The newest day's national completeness (queries.metrics.completeness: reported ÷ expected, ≤ 1)."""
        if not self.last_day_expected:
            return None
        return min((self.last_day_reported or 0) / self.last_day_expected, 1.0)


def settled_day_of(conn: Connection, last: date | None) -> tuple[date | None, int | None, int | None]:
    """The default as-of date, and the communes reported and expected nationally on the newest day.

    Settled day = the newest day, up to `last`, on which the communes that reported ÷ the communes
    expected, summed over the provinces (queries.metrics.completeness nationally), is at least
    SETTLED_SHARE; a day with none expected counts as settled. If no day of the last
    SETTLED_LOOKBACK_DAYS qualifies, `last` itself (nothing better to open on)."""
    if last is None:
        return None, None, None
    rows = [
        (day, int(reported or 0), int(expected or 0))
        for day, reported, expected in conn.execute(
            select(unit_day.c.day, func.sum(unit_day.c.units_reported), func.sum(unit_day.c.units_expected))
            .where(unit_day.c.level == "province", unit_day.c.day.between(last - timedelta(days=SETTLED_LOOKBACK_DAYS), last))
            .group_by(unit_day.c.day)
            .order_by(unit_day.c.day.desc())
        )
    ]
    newest = next(((reported, expected) for day, reported, expected in rows if day == last), (None, None))
    settled = next((day for day, reported, expected in rows if reported >= SETTLED_SHARE * expected), last)
    return settled, *newest


def dataset_info_of(conn: Connection) -> DatasetInfo:
    """Read the data set's facts: period from the calendar, freshness from the newest batch."""
    info = dict(conn.execute(select(dataset_info.c.key, dataset_info.c.value)).all())
    first, last = conn.execute(select(func.min(calendar.c.day), func.max(calendar.c.day))).one()
    settled, reported, expected = settled_day_of(conn, last)
    # The newest report: readiness updates and rollbacks are batches too, but not reports.
    received = conn.execute(
        select(func.max(import_batch.c.received_at)).where(import_batch.c.status == "active", import_batch.c.kind.notin_(["readiness", "rollback"]))
    ).scalar_one()
    return DatasetInfo(
        simulated=info.get("simulated") == "1",
        seed=int(info["seed"]) if "seed" in info else None,
        first_day=first,
        last_day=last,
        settled_day=settled,
        last_day_reported=reported,
        last_day_expected=expected,
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
