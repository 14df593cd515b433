"""Daily series for trend charts: daily and cumulative counts against the target trajectory."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Connection, func, select

from db.frames import read_frame
from db.schema import admin_unit, target, unit_day
from queries import metrics as M
from queries.metrics import Denominator, Metric

# When each count's campaign starts: the straight line to the goal is drawn from here.
CAMPAIGN_START = {
    Metric.applications_received: date(2021, 1, 1),
    Metric.cards_produced: date(2021, 1, 1),
    Metric.cards_delivered: date(2021, 1, 1),
    Metric.records_collected: date(2020, 9, 1),
    Metric.records_verified: date(2020, 9, 1),
}


def goal(conn: Connection, *, metric: Metric | str, denominator: Denominator | str, unit: str | None = None) -> int:
    """The goal of `unit` (None: the nation) for `metric`: its target, or its eligible population
    (all residents for record metrics) — the same denominator `queries.progress` uses."""
    metric, denominator = Metric(metric), Denominator(denominator)
    level_filter = admin_unit.c.level == "province" if unit is None else admin_unit.c.code == unit
    if denominator == Denominator.target:
        stmt = (
            select(func.coalesce(func.sum(target.c.value), 0))
            .select_from(target.join(admin_unit, admin_unit.c.code == target.c.unit_code))
            .where(level_filter, target.c.metric == metric.value)
        )
    else:
        stmt = select(func.coalesce(func.sum(admin_unit.c[M.population_column(metric)]), 0)).where(level_filter)
    return int(conn.execute(stmt).scalar_one())


def trend(
    conn: Connection,
    *,
    metric: Metric | str,
    denominator: Denominator | str = Denominator.eligible,
    unit: str | None = None,
    until: date | None = None,
) -> pl.DataFrame:
    """One row per day: `daily`, `cumulative`, and `trajectory` — the straight line from 0 at the
    campaign start to the goal on the deadline (flat at the goal afterwards), in the count's unit.
    `unit` is a province or district code; None means the nation."""
    metric = Metric(metric)
    daily, cum = unit_day.c[metric.value], unit_day.c[f"cum_{metric.value}"]
    stmt = select(unit_day.c.day, func.sum(daily).label("daily"), func.sum(cum).label("cumulative")).group_by(unit_day.c.day).order_by(unit_day.c.day)
    stmt = stmt.where(unit_day.c.level == "province") if unit is None else stmt.where(unit_day.c.unit_code == unit)
    if until is not None:
        stmt = stmt.where(unit_day.c.day <= until)
    frame = read_frame(conn, stmt, {"day": pl.Date, "daily": pl.Int64, "cumulative": pl.Int64})
    target_value = goal(conn, metric=metric, denominator=denominator, unit=unit)
    start = CAMPAIGN_START[metric]
    span = (M.DEADLINE - start).days
    elapsed = (pl.col("day") - pl.lit(start)).dt.total_days().clip(0, span)
    return frame.with_columns((elapsed / span * target_value).alias("trajectory"), pl.lit(target_value).alias("goal"))
