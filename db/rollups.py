"""Dense daily rollups per district and province (table unit_day): computed from the facts, refreshed by db.store's writes."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import Connection, delete, func, insert, literal, select

from db.bulk import bulk_insert
from db.frames import read_frame
from db.schema import COUNT_COLUMNS, admin_unit, calendar, daily_fact, unit_day

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
    return pl.concat([district_rows.select(ROLLUP_COLUMNS), province_rows.select(ROLLUP_COLUMNS)], how="vertical_relaxed").with_columns(
        pl.col("units_expected").cast(pl.Int64)
    )


def _calendar_days(conn: Connection, since: date | None = None) -> list[date]:
    stmt = select(calendar.c.day).order_by(calendar.c.day)
    if since is not None:
        stmt = stmt.where(calendar.c.day >= since)
    return [r[0] for r in conn.execute(stmt)]


def _rollup_units(conn: Connection, province_codes: list[str] | None) -> pl.DataFrame:
    stmt = select(admin_unit.c.code, admin_unit.c.level, admin_unit.c.district_code, admin_unit.c.province_code, admin_unit.c.commune_count).where(
        admin_unit.c.level != "province"
    )
    if province_codes is not None:
        stmt = stmt.where(admin_unit.c.province_code.in_(province_codes))
    return read_frame(conn, stmt)


def _rollup_base(conn: Connection, district_codes: list[str], day: date) -> pl.DataFrame:
    """Running totals of `district_codes` on `day` (from the rollup itself)."""
    cols = [unit_day.c[f"cum_{c}"] for c in COUNT_COLUMNS]
    stmt = select(unit_day.c.unit_code, *cols).where(unit_day.c.level == "district", unit_day.c.day == day)
    frames = [read_frame(conn, stmt.where(unit_day.c.unit_code.in_(district_codes[i : i + 2000]))) for i in range(0, len(district_codes), 2000)]
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
            frames.append(read_frame(conn, stmt))
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


def carry_forward(conn: Connection, old_last: date, new_days: list[date]) -> None:
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
