"""The 63-province ranking table: the progress frame of every province with its region's name."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Connection, select

from db.frames import read_frame
from db.schema import admin_unit, region
from queries.progress import progress


def province_rankings(conn: Connection, *, as_of: date, metric: str, denominator: str, regions: list[str] | None = None) -> pl.DataFrame:
    """All 63 provinces ranked nationally (rank, rank change, coverage, pace, required rate, forecast,
    status, completeness flags — see queries.progress), with `region_name`; `regions` keeps only
    those regions' provinces but their national rank."""
    frame = progress(conn, level="province", as_of=as_of, metric=metric, denominator=denominator)
    names = pl.DataFrame(
        [tuple(r) for r in conn.execute(select(region.c.code, region.c.name_vi))],
        schema={"region_code": pl.String, "region_name": pl.String},
        orient="row",
    )
    frame = frame.join(names, on="region_code", how="left").sort(["rank", "code"])
    if regions:
        frame = frame.filter(pl.col("region_code").is_in(regions))
    return frame


def regions(conn: Connection) -> pl.DataFrame:
    """The six socio-economic regions in their official order."""
    stmt = select(region.c.code, region.c.name_vi.label("name")).order_by(region.c.sort_order)
    return read_frame(conn, stmt, {"code": pl.String, "name": pl.String})


def most_at_risk(frame: pl.DataFrame, n: int = 5) -> pl.DataFrame:
    """The `n` provinces furthest from meeting the goal in time, from a province progress frame.

    Before the deadline: lowest pace ÷ required daily rate first (0 pace first); ties by lower
    coverage. After it: lowest coverage first. Provinces that have achieved the goal never appear.
    """
    open_ = frame.filter(pl.col("status") != "achieved")
    ratio = pl.when(pl.col("required_daily_rate") > 0).then(pl.col("pace") / pl.col("required_daily_rate")).otherwise(None)
    return (
        open_.with_columns(ratio.alias("pace_ratio"))
        .sort([pl.col("pace_ratio").is_null(), "pace_ratio", "coverage", "code"], descending=[False, False, False, False])
        .head(n)
    )


def province_names(conn: Connection) -> dict[str, str]:
    """Code → name of the 63 provinces."""
    rows = conn.execute(select(admin_unit.c.code, admin_unit.c.name).where(admin_unit.c.level == "province")).all()
    return {code: name for code, name in rows}
