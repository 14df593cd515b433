"""The provincial director's scorecard and the rank of provinces week by week.

Every figure comes from `queries.progress` (coverage, pace, required rate, forecast, rank); this
module only adds what follows from two rows of it: the gap to the province ranked just above.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, func, select

from db.frames import read_frame
from db.schema import calendar, unit_day
from queries import metrics as M
from queries.progress import progress
from queries.rankings import province_rankings

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

NEIGHBOURS = 3
LAGGING_DISTRICTS = 5


@dataclass(frozen=True)
class Gap:
    """How far a province is behind the province ranked just above it.

    people: how many more (people, cards or records) the province needs today to reach the other's
        coverage = ⌈other cumulative ÷ other denominator × own denominator − own cumulative⌉.
        Reaching equal coverage shares the rank, i.e. moves up.
    days_own_pace: people ÷ own 7-day pace, rounded up (None when the pace is 0): how many days of
        the province's own work the gap is.
    days_to_catch_up: coverage gap ÷ (own coverage pace − other's coverage pace), rounded up, where a
        coverage pace is the 7-day pace ÷ the denominator: when the gap closes if both keep their
        current pace; None when it does not close at those paces.
    """

    code: str
    name: str
    rank: int
    coverage: float | None
    people: int
    days_own_pace: int | None
    days_to_catch_up: int | None


@dataclass(frozen=True)
class Scorecard:
    province: dict  # the province's row of the ranking frame (see queries.progress.OUTPUT_COLUMNS)
    above: Gap | None  # None for a province ranked first
    neighbours: pl.DataFrame  # the provinces ranked up to 3 places above and below, the province among them
    lagging_districts: pl.DataFrame  # its districts with the lowest coverage, lowest first
    as_of: date


def _fraction(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(int(numerator), int(denominator)) if denominator else None


def gap_to(own: dict, other: dict) -> Gap:
    """The gap from `own` to `other` (two rows of the same progress frame). Exact arithmetic: no
    floating-point rounding turns 590 into 591."""
    own_cov, other_cov = _fraction(own["cumulative"], own["denominator"]), _fraction(other["cumulative"], other["denominator"])
    if other_cov is None or own["denominator"] == 0:
        people = 0
    else:
        people = max(0, math.ceil(other_cov * own["denominator"] - own["cumulative"]))
    own_pace = Fraction(own["cumulative"] - own["cumulative_7d_ago"], M.PACE_WINDOW_DAYS)
    days_own = math.ceil(people / own_pace) if own_pace > 0 else None
    if people == 0:
        days_own = 0
    catch_up = None
    if own_cov is not None and other_cov is not None:
        own_speed = own_pace / own["denominator"]
        other_speed = Fraction(other["cumulative"] - other["cumulative_7d_ago"], M.PACE_WINDOW_DAYS) / other["denominator"]
        if other_cov <= own_cov:
            catch_up = 0
        elif own_speed > other_speed:
            catch_up = math.ceil((other_cov - own_cov) / (own_speed - other_speed))
    return Gap(other["code"], other["name"], other["rank"], other["coverage"], people, days_own, catch_up)


def scorecard(conn: Connection, *, province: str, as_of: date, metric: str, denominator: str) -> Scorecard:
    """Everything a provincial director reads first about `province` at `as_of`."""
    frame = province_rankings(conn, as_of=as_of, metric=metric, denominator=denominator).with_row_index("position").cast({"position": pl.Int64})
    rows = frame.filter(pl.col("code") == province)
    if rows.height == 0:
        raise KeyError(f"unknown province code {province!r}")
    own = rows.row(0, named=True)
    better = frame.filter(pl.col("rank") < own["rank"])
    above = None
    if better.height:
        # With ties above, the nearest rank is shared: any of them is "the province above"; take the first by code.
        nearest = better.filter(pl.col("rank") == better["rank"].max()).sort("code").row(0, named=True)
        above = gap_to(own, nearest)
    position = own["position"]
    neighbours = frame.filter((pl.col("position") - position).abs() <= NEIGHBOURS).drop("position")
    districts = progress(conn, level="district", as_of=own["as_of"], metric=metric, denominator=denominator, province=province)
    lagging = (
        districts.filter(pl.col("coverage").is_not_null() & (pl.col("status") != M.Status.achieved.value))
        .sort(["coverage", "code"])
        .head(LAGGING_DISTRICTS)
    )
    own.pop("position")
    return Scorecard(province=own, above=above, neighbours=neighbours, lagging_districts=lagging, as_of=own["as_of"])


def weekly_days(conn: Connection, *, as_of: date, weeks: int) -> list[date]:
    """The as-of date and the same weekday in each of the `weeks` − 1 weeks before it, oldest first,
    keeping only days with data."""
    first, last = conn.execute(select(func.min(calendar.c.day), func.max(calendar.c.day))).one()
    if first is None:
        return []
    as_of = min(as_of, last)
    days = [as_of - timedelta(weeks=k) for k in range(weeks)]
    return sorted(d for d in days if d >= first)


def rank_history(conn: Connection, *, as_of: date, metric: str, denominator: str, weeks: int = 12) -> pl.DataFrame:
    """The national rank of every province on the as-of weekday of each of the last `weeks` weeks.

    Columns: day, code, name, coverage, rank — rank as in `queries.progress` (by coverage, ties share
    the best rank) against the same denominator, which does not change over time.
    """
    days = weekly_days(conn, as_of=as_of, weeks=weeks)
    schema: dict[str, PolarsDataType] = {"day": pl.Date, "code": pl.String, "name": pl.String, "coverage": pl.Float64, "rank": pl.Int32}
    if not days:
        return pl.DataFrame(schema=schema)
    units = progress(conn, level="province", as_of=days[-1], metric=metric, denominator=denominator).select("code", "name", "denominator")
    cum = unit_day.c[f"cum_{M.Metric(metric).value}"]
    stmt = select(unit_day.c.day, unit_day.c.unit_code.label("code"), cum.label("cumulative")).where(
        unit_day.c.level == "province", unit_day.c.day.in_(days)
    )
    counts = read_frame(conn, stmt, {"day": pl.Date, "code": pl.String, "cumulative": pl.Int64})
    grid = pl.DataFrame({"day": days}, schema={"day": pl.Date}).join(units, how="cross")
    return (
        grid.join(counts, on=["day", "code"], how="left")
        .with_columns(pl.col("cumulative").fill_null(0))
        .with_columns(M.coverage().alias("coverage"))
        .with_columns(M.rank("coverage").over("day").alias("rank"))
        .select(list(schema))
        .cast(pl.Schema(schema))
        .sort(["day", "rank", "code"])
    )
