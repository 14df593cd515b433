"""Progress per unit at an as-of date: cumulative, coverage, pace, required rate, forecast, status, rank.

One function, `progress`, serves every level (national, region, province, district, commune);
the map, tables, exports and slides all read its frame. Values are always bound parameters.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import Connection, and_, case, func, select

from db.frames import read_frame
from db.schema import admin_unit, calendar, daily_fact, region, target, unit_day
from queries import metrics as M
from queries.metrics import Denominator, Level, Metric

OUTPUT_COLUMNS = [
    "code",
    "name",
    "level",
    "parent_code",
    "region_code",
    "cumulative",
    "cumulative_7d_ago",
    "daily",
    "denominator",
    "coverage",
    "pace",
    "required_daily_rate",
    "days_left",
    "projected_completion",
    "status",
    "rank",
    "rank_7d_ago",
    "rank_change",
    "completeness",
    "timeliness",
    "reporting_incomplete",
    "over_100",
    "reported_at_district",
]
# A unit's progress as the tables, sheets and exports show it, in that order: the count, against what, how
# far, how fast, how fast it must go, when it will be done, and its status.
MEASURE_COLUMNS = ("cumulative", "denominator", "coverage", "pace", "required_daily_rate", "projected_completion", "status")
# Blank for a commune whose district reported at district level (its own share is not known).
_COMMUNE_UNKNOWN = [
    "cumulative",
    "cumulative_7d_ago",
    "daily",
    "coverage",
    "pace",
    "required_daily_rate",
    "projected_completion",
    "status",
    "rank",
    "rank_7d_ago",
    "rank_change",
]


def _rollup_at(conn: Connection, level: str, metric: Metric, days: dict[str, date], codes_filter) -> pl.DataFrame:
    """Cumulative count at each of `days` (label → date) plus the as-of day's counts, per rollup unit."""
    cum = unit_day.c[f"cum_{metric.value}"]
    cols = [unit_day.c.unit_code.label("code")]
    for label, day in days.items():
        cols.append(func.sum(case((unit_day.c.day == day, cum), else_=0)).label(label))
    as_of = days["cumulative"]
    for name, col in (
        ("daily", unit_day.c[metric.value]),
        ("units_reported", unit_day.c.units_reported),
        ("units_on_time", unit_day.c.units_on_time),
        ("units_expected", unit_day.c.units_expected),
    ):
        cols.append(func.sum(case((unit_day.c.day == as_of, col), else_=0)).label(name))
    stmt = select(*cols).where(unit_day.c.level == level, unit_day.c.day.in_(list(days.values()))).group_by(unit_day.c.unit_code)
    if codes_filter is not None:
        stmt = stmt.where(codes_filter(unit_day.c.unit_code))
    return read_frame(conn, stmt)


def _communes_at(conn: Connection, metric: Metric, days: dict[str, date], province: str | None, district: str | None) -> pl.DataFrame:
    """Commune-level sums straight from facts (only ever for one district or one province)."""
    unit = admin_unit
    value = func.coalesce(daily_fact.c[metric.value], 0)
    as_of = days["cumulative"]
    cols = [unit.c.code.label("code"), unit.c.district_code]
    for label, day in days.items():
        cols.append(func.coalesce(func.sum(case((daily_fact.c.report_date <= day, value), else_=0)), 0).label(label))
    cols += [
        func.coalesce(func.sum(case((daily_fact.c.report_date == as_of, value), else_=0)), 0).label("daily"),
        func.count(case((daily_fact.c.report_date == as_of, 1))).label("units_reported"),
        func.count(case((and_(daily_fact.c.report_date == as_of, daily_fact.c.late == False), 1))).label("units_on_time"),  # noqa: E712
        unit.c.commune_count.label("units_expected"),
    ]
    join = unit.outerjoin(daily_fact, and_(daily_fact.c.unit_code == unit.c.code, daily_fact.c.report_date <= as_of))
    stmt = select(*cols).select_from(join).where(unit.c.level == "commune").group_by(unit.c.code, unit.c.district_code, unit.c.commune_count)
    if district:
        stmt = stmt.where(unit.c.district_code == district)
    if province:
        stmt = stmt.where(unit.c.province_code == province)
    return read_frame(conn, stmt)


def _district_rows_at(conn: Connection, as_of: date, province: str | None, district: str | None) -> pl.DataFrame:
    """Per district in scope that sent district-level rows (a row for the whole district) up to as_of:
    how many, and whether one came for as_of and by the cut-off. Read per district through
    daily_fact's primary key (unit_code IN the districts)."""
    districts = select(admin_unit.c.code).where(admin_unit.c.level == "district")
    if district:
        districts = districts.where(admin_unit.c.code == district)
    if province:
        districts = districts.where(admin_unit.c.province_code == province)
    today = daily_fact.c.report_date == as_of
    stmt = (
        select(
            daily_fact.c.unit_code.label("district_code"),
            func.count().label("district_reports"),
            func.count(case((today, 1))).label("district_reported"),
            func.count(case((and_(today, daily_fact.c.late == False), 1))).label("district_on_time"),  # noqa: E712
        )
        .where(daily_fact.c.unit_code.in_(districts), daily_fact.c.report_date <= as_of)
        .group_by(daily_fact.c.unit_code)
    )
    schema = {"district_code": pl.String, "district_reports": pl.Int64, "district_reported": pl.Int64, "district_on_time": pl.Int64}
    return read_frame(conn, stmt, schema)


def _with_district_grain(communes: pl.DataFrame, district_rows: pl.DataFrame) -> pl.DataFrame:
    """Communes of a district that reported at district level up to the as-of date: flagged
    `reported_at_district`, their own counts blanked (a district row does not say each commune's
    share), and reported (on time) for the as-of day when the district's row for that day came (in
    time) — as the rollups count a district-level row as all the district's communes reported."""
    flagged = communes.join(district_rows, on="district_code", how="left").with_columns(
        (pl.col("district_reports").fill_null(0) > 0).alias("reported_at_district")
    )
    grain = pl.col("reported_at_district")
    return flagged.with_columns(
        *[pl.when(grain).then(None).otherwise(pl.col(c)).alias(c) for c in ("cumulative", "cumulative_7d_ago", "cumulative_14d_ago", "daily")],
        pl.max_horizontal("units_reported", pl.col("district_reported").fill_null(0).clip(upper_bound=1)).alias("units_reported"),
        pl.max_horizontal("units_on_time", pl.col("district_on_time").fill_null(0).clip(upper_bound=1)).alias("units_on_time"),
    ).drop("district_reports", "district_reported", "district_on_time")


def _units(conn: Connection, level: str, metric: Metric, province: str | None, district: str | None) -> pl.DataFrame:
    """Names, parents and both denominators of the units at `level`."""
    pop = admin_unit.c[M.population_column(metric)]
    stmt = (
        select(
            admin_unit.c.code,
            admin_unit.c.name,
            admin_unit.c.parent_code,
            admin_unit.c.region_code,
            pop.label("population_base"),
            func.coalesce(target.c.value, 0).label("target"),
        )
        .select_from(admin_unit.outerjoin(target, and_(target.c.unit_code == admin_unit.c.code, target.c.metric == metric.value)))
        .where(admin_unit.c.level == level)
    )
    if province:
        stmt = stmt.where(admin_unit.c.province_code == province)
    if district:
        stmt = stmt.where(admin_unit.c.district_code == district)
    return read_frame(conn, stmt)


def _regions(conn: Connection) -> pl.DataFrame:
    return read_frame(conn, select(region.c.code, region.c.name_vi.label("name"), region.c.sort_order).order_by(region.c.sort_order))


def _counts(conn, level: Level, metric: Metric, days: dict[str, date], province: str | None, district: str | None) -> pl.DataFrame:
    """Unit attributes joined to their counts at the as-of date, 7 and 14 days before."""
    if level == Level.commune:
        units = _units(conn, "commune", metric, province, district)
        counts = _communes_at(conn, metric, days, province, district).with_columns(
            pl.col([*days.keys(), "daily", "units_reported", "units_on_time"]).cast(pl.Int64), pl.col("district_code").cast(pl.String)
        )
        counts = _with_district_grain(counts, _district_rows_at(conn, days["cumulative"], province, district))
        return units.join(counts, on="code", how="left")
    rollup_level = "district" if level == Level.district else "province"
    units = _units(conn, rollup_level, metric, province if level == Level.district else None, None)
    if level == Level.district and province:
        codes = units["code"].to_list()
        counts = _rollup_at(conn, rollup_level, metric, days, lambda col: col.in_(codes))
    else:
        counts = _rollup_at(conn, rollup_level, metric, days, None)
    frame = units.join(counts, on="code", how="left")
    if level in (Level.province, Level.district):
        return frame
    sums = ["population_base", "target", *days.keys(), "daily", "units_reported", "units_on_time", "units_expected"]
    if level == Level.region:
        regions = _regions(conn)
        grouped = frame.group_by("region_code").agg(pl.col(sums).sum())
        return regions.join(grouped, left_on="code", right_on="region_code", how="left").with_columns(
            pl.lit(None, dtype=pl.String).alias("parent_code"), pl.col("code").alias("region_code")
        )
    national = frame.select(pl.col(sums).sum()).with_columns(
        pl.lit("VN").alias("code"),
        pl.lit("Toàn quốc").alias("name"),
        pl.lit(None, dtype=pl.String).alias("parent_code"),
        pl.lit(None, dtype=pl.String).alias("region_code"),
    )
    return national


def progress(
    conn: Connection,
    *,
    level: Level | str,
    as_of: date,
    metric: Metric | str = Metric.applications_received,
    denominator: Denominator | str = Denominator.eligible,
    province: str | None = None,
    district: str | None = None,
) -> pl.DataFrame:
    """Progress of every unit at `level` (optionally within `province` / `district`) at `as_of`.

    The goal behind required rate, forecast and status is the chosen denominator: eligible
    population (or all residents for record metrics), or the assigned target. `as_of` later than
    the last reported day is treated as that day. Columns: see OUTPUT_COLUMNS.

    `reported_at_district` (commune level): the commune's district sent rows for the whole district
    on some day up to as_of, so the commune's own share is not known — its counts and everything
    derived from them (coverage, pace, forecast, status, rank) are null, never zeros, and it counts
    as reported on a day its district's row came (as in the rollups). False at the other levels,
    whose numbers include district-level rows exactly.
    """
    level, metric, denominator = Level(level), Metric(metric), Denominator(denominator)
    if level == Level.commune and not (province or district):
        raise ValueError("commune level needs a province or a district")
    first, latest = conn.execute(select(func.min(calendar.c.day), func.max(calendar.c.day))).one()
    if latest is not None and as_of > latest:
        as_of = latest
    # A week before the first report there is nothing to rank: no rank change rather than a fake one.
    week_before_known = first is not None and as_of - timedelta(days=M.PACE_WINDOW_DAYS) >= first
    days = {
        "cumulative": as_of,
        "cumulative_7d_ago": as_of - timedelta(days=M.PACE_WINDOW_DAYS),
        "cumulative_14d_ago": as_of - timedelta(days=2 * M.PACE_WINDOW_DAYS),
    }
    frame = _counts(conn, level, metric, days, province, district)
    if "reported_at_district" not in frame.columns:
        frame = frame.with_columns(pl.lit(False).alias("reported_at_district"))
    frame = frame.with_columns(pl.col("reported_at_district").fill_null(False))
    # Unknown counts (a commune reported at district level) stay null: ranked last, then blanked.
    unknown = pl.col("reported_at_district")
    frame = frame.with_columns(
        *[pl.when(unknown).then(None).otherwise(pl.col(c).fill_null(0)).cast(pl.Int64).alias(c) for c in [*days.keys(), "daily"]],
        pl.col(["units_reported", "units_on_time", "units_expected"]).fill_null(0).cast(pl.Int64),
    )
    denominator_col = "target" if denominator == Denominator.target else "population_base"
    frame = (
        frame.with_columns(pl.col(denominator_col).cast(pl.Int64).alias("denominator"))
        .with_columns(
            M.coverage().alias("coverage"),
            M.coverage("cumulative_7d_ago").alias("coverage_7d_ago"),
            M.pace().alias("pace"),
            M.pace("cumulative_7d_ago", "cumulative_14d_ago").alias("pace_7d_ago"),
            M.required_daily_rate(as_of).alias("required_daily_rate"),
            pl.lit(M.days_left(as_of)).alias("days_left"),
            M.completeness().alias("completeness"),
            M.timeliness().alias("timeliness"),
        )
        .with_columns(
            M.projected_completion(as_of).alias("projected_completion"),
            M.status(as_of).alias("status"),
            M.rank("coverage").alias("rank"),
            M.rank("coverage_7d_ago").alias("rank_7d_ago"),
            (pl.col("completeness").fill_null(0) < M.COMPLETENESS_THRESHOLD).alias("reporting_incomplete"),
            (pl.col("coverage") > 1).fill_null(False).alias("over_100"),
        )
        .with_columns(
            pl.col("rank_7d_ago") if week_before_known else pl.lit(None, dtype=pl.Int32).alias("rank_7d_ago"),
        )
        .with_columns(M.rank_change().alias("rank_change"), pl.lit(level.value).alias("level"))
        .with_columns(
            *[pl.when(unknown).then(None).otherwise(pl.col(c)).alias(c) for c in _COMMUNE_UNKNOWN],
            (pl.col("over_100") & ~unknown).alias("over_100"),
        )
        .sort(["rank", "code"], nulls_last=True)
    )
    return frame.select(OUTPUT_COLUMNS).with_columns(pl.lit(as_of).alias("as_of"))
