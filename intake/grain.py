"""Report grain: a district-day is reported either for the whole district (empty commune code) or commune by commune, never both.

A district-level row stands for all the district's communes (db.store counts it as `commune_count`
units reported), so a district-day that also had commune rows — in the same file or stored from an
earlier one — would be counted twice. These checks refuse that, saying which rows and which batch.
Cumulative files need one more rule: a cumulative count is turned into a daily one against what is
stored before it, and that is only exact when the stored history is at the same grain or finer:
  - a district-level cumulative count is compared with everything its district reported before
    (its own district rows and its communes' rows): `with_district_bases`;
  - a commune-level cumulative count cannot be, once its district reported at district level (the
    commune's share of those days is unknown): refused, `stored_problems`;
  - within one cumulative file a district keeps one grain (the earlier days at the other grain are
    not stored yet, so neither difference could be taken).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, cast

import polars as pl
from sqlalchemy import Connection, func, select

from db.frames import read_frame
from db.schema import admin_unit, daily_fact
from intake import problems
from intake.problems import Problem
from intake.spec import COUNT_FIELDS, CUMULATIVE, FIELD

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

COMMUNE, DISTRICT = "commune", "district"
_CHUNK = 2000
_ROWS_NAMED = 6  # at most this many row numbers in one message, then "…"
_EPOCH = date(1900, 1, 1)  # before any report: "everything stored before"

Where = Callable[[str], dict]  # field id -> column, letter, header as the file shows them


def district_row(district_ok: pl.Expr) -> pl.Expr:
    """A row that reports a whole district: no commune code typed, and a district that exists in the
    row's province. Accepted for every district (with or without communes)."""
    return pl.col("commune_cell").is_null() & district_ok


def _row_list(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:_ROWS_NAMED])
    return shown + (", …" if len(rows) > _ROWS_NAMED else "")


def _where_of(columns: dict[str, tuple[str, str]]) -> Where:
    """The `cols.at` of intake.validate from a ParsedReport's `columns`."""

    def at(field_id: str) -> dict:
        letter, header = columns.get(field_id, (None, FIELD[field_id].label_vi))
        return {"column": field_id, "letter": letter, "header": header}

    return at


# --- within one file ------------------------------------------------------------------------------


def file_problems(j: pl.DataFrame, at: Where, *, value_type: str) -> list[Problem]:
    """Rows of `j` (intake.validate's rows joined to the register: unit_code, unit_level, district_code,
    d_name, report_date, _row) that report a district-day at both grains; in a cumulative file, a
    district reported at both grains on any days. One problem on each district-level row concerned."""
    units = j.filter(pl.col("unit_code").is_not_null() & pl.col("report_date").is_not_null()).select(
        "_row", "unit_level", "district_code", "d_name", "report_date"
    )
    communes = units.filter(pl.col("unit_level") == COMMUNE)
    districts = units.filter(pl.col("unit_level") == DISTRICT)
    if communes.height == 0 or districts.height == 0:
        return []
    found: list[Problem] = []
    same_day = (
        communes.group_by("district_code", "report_date")
        .agg(pl.col("_row").sort().alias("rows"))
        .join(districts, on=["district_code", "report_date"], how="inner")
        .sort("_row")
    )
    for r in same_day.iter_rows(named=True):
        found.append(
            problems.make(
                "grain_mixed",
                row=r["_row"],
                code=r["district_code"],
                name=r["d_name"],
                day=r["report_date"],
                rows=_row_list(r["rows"]),
                **at("commune_code"),
            )
        )
    if value_type == CUMULATIVE:
        clashing = set(same_day["_row"].to_list())
        other_days = (
            communes.group_by("district_code")
            .agg(pl.col("_row").sort().alias("rows"))
            .join(districts, on="district_code", how="inner")
            .filter(~pl.col("_row").is_in(list(clashing)))
            .sort("_row")
        )
        for r in other_days.iter_rows(named=True):
            found.append(
                problems.make(
                    "grain_switch_cumulative",
                    row=r["_row"],
                    code=r["district_code"],
                    name=r["d_name"],
                    rows=_row_list(r["rows"]),
                    **at("commune_code"),
                )
            )
    return found


# --- against what is stored -----------------------------------------------------------------------


def _in_chunks(conn: Connection, make_stmt, codes: list[str], schema: dict) -> pl.DataFrame:
    frames = [read_frame(conn, make_stmt(codes[i : i + _CHUNK]), schema) for i in range(0, len(codes), _CHUNK)]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _units(conn: Connection, *, codes: list[str] | None = None, districts: list[str] | None = None) -> pl.DataFrame:
    """Register rows (code, level, district_code, name) of `codes`, or of every unit of `districts`."""
    schema = {"code": pl.String, "level": pl.String, "district_code": pl.String, "name": pl.String}
    cols = (admin_unit.c.code, admin_unit.c.level, admin_unit.c.district_code, admin_unit.c.name)
    if codes is not None:
        return _in_chunks(conn, lambda chunk: select(*cols).where(admin_unit.c.code.in_(chunk)), codes, schema)
    return _in_chunks(conn, lambda chunk: select(*cols).where(admin_unit.c.district_code.in_(chunk)), districts or [], schema)


def _names(conn: Connection, codes: list[str]) -> pl.DataFrame:
    """district_code, district_name of `codes`."""
    return _units(conn, codes=codes).select(pl.col("code").alias("district_code"), pl.col("name").alias("district_name"))


def _stored_district_rows(conn: Connection, provinces: list[str], first: date, last: date) -> pl.DataFrame:
    """Stored district-level facts (district_code, report_date, batch_id) of the districts of `provinces`
    from first to last: one query (unit_code IN the districts, each read through the primary key),
    usually empty — then commune rows need no look-up of their districts at all."""
    districts = select(admin_unit.c.code).where(admin_unit.c.level == DISTRICT, admin_unit.c.province_code.in_(provinces))
    stmt = select(daily_fact.c.unit_code.label("district_code"), daily_fact.c.report_date, daily_fact.c.batch_id).where(
        daily_fact.c.unit_code.in_(districts), daily_fact.c.report_date.between(first, last)
    )
    return read_frame(conn, stmt, {"district_code": pl.String, "report_date": pl.Date, "batch_id": pl.Int64})


def _stored(conn: Connection, codes: list[str], first, last) -> pl.DataFrame:
    """Stored facts (unit_code, report_date, batch_id) of `codes` between first and last (each unit's
    days are read through daily_fact's primary key)."""
    schema = {"unit_code": pl.String, "report_date": pl.Date, "batch_id": pl.Int64}

    def stmt(chunk):
        return select(daily_fact.c.unit_code, daily_fact.c.report_date, daily_fact.c.batch_id).where(
            daily_fact.c.unit_code.in_(chunk), daily_fact.c.report_date.between(first, last)
        )

    return _in_chunks(conn, stmt, codes, schema)


def stored_problems(conn: Connection, facts: pl.DataFrame, columns: dict[str, tuple[str, str]], *, value_type: str) -> list[Problem]:
    """What the file's rows (`facts` of a ParsedReport: _row, unit_code, unit_level, report_date) would
    double count against the stored facts, one problem per district-day on its first row in the file:
      grain_stored_communes — the file reports the district-day as a whole, communes of it are stored;
      grain_stored_district — the file reports communes of it, the whole district is stored.
    For a cumulative file also grain_cumulative_after_district: commune counts whose district has
    district-level reports stored before the commune's first day in the file."""
    if facts.height == 0:
        return []
    at = _where_of(columns)
    rows = facts.select("_row", "unit_code", "unit_level", "province_code", "report_date")
    first, last = cast(date, rows["report_date"].min()), cast(date, rows["report_date"].max())
    district_rows = rows.filter(pl.col("unit_level") == DISTRICT).rename({"unit_code": "district_code"})
    commune_rows = rows.filter(pl.col("unit_level") == COMMUNE)
    found: list[Problem] = []

    if district_rows.height:
        districts = district_rows["district_code"].unique().sort().to_list()
        communes = _units(conn, districts=districts).filter(pl.col("level") == COMMUNE)
        stored = _stored(conn, communes["code"].to_list(), first, last).join(
            communes.select(pl.col("code").alias("unit_code"), "district_code"), on="unit_code"
        )
        clash = (
            stored.group_by("district_code", "report_date")
            .agg(pl.len().alias("communes"), pl.col("batch_id").unique().sort().alias("batches"))
            .join(district_rows, on=["district_code", "report_date"], how="inner")
            .join(_names(conn, districts), on="district_code", how="left")
            .sort("_row")
        )
        for r in clash.iter_rows(named=True):
            found.append(
                problems.make(
                    "grain_stored_communes",
                    row=r["_row"],
                    code=r["district_code"],
                    name=r["district_name"],
                    day=r["report_date"],
                    communes=r["communes"],
                    batches=_batch_list(r["batches"]),
                    **at("commune_code"),
                )
            )

    if commune_rows.height:
        # A cumulative file also needs the district-level days before it (see grain_cumulative_after_district).
        since = _EPOCH if value_type == CUMULATIVE else first
        stored = _stored_district_rows(conn, commune_rows["province_code"].unique().sort().to_list(), since, last)
        if stored.height == 0:
            return found
        districts = stored["district_code"].unique().sort().to_list()
        in_those = _units(conn, districts=districts).filter(pl.col("level") == COMMUNE).select(pl.col("code").alias("unit_code"), "district_code")
        commune_rows = commune_rows.join(in_those, on="unit_code", how="inner").join(_names(conn, districts), on="district_code", how="left")
        clash = (
            commune_rows.group_by("district_code", "report_date")
            .agg(pl.col("_row").min(), pl.col("district_name").first())
            .join(stored.filter(pl.col("report_date") >= first), on=["district_code", "report_date"], how="inner")
            .sort("_row")
        )
        for r in clash.iter_rows(named=True):
            found.append(
                problems.make(
                    "grain_stored_district",
                    row=r["_row"],
                    code=r["district_code"],
                    name=r["district_name"],
                    day=r["report_date"],
                    batches=_batch_list([r["batch_id"]]),
                    **at("commune_code"),
                )
            )
        if value_type == CUMULATIVE:
            firsts = commune_rows.group_by("unit_code").agg(
                pl.col("report_date").min().alias("first"), pl.col("_row").min(), pl.col("district_code").first(), pl.col("district_name").first()
            )
            earlier = (
                firsts.join(stored, on="district_code", how="inner")
                .filter(pl.col("report_date") < pl.col("first"))
                .group_by("district_code")
                .agg(pl.col("_row").min(), pl.col("district_name").first(), pl.col("report_date").max().alias("last_day"))
                .sort("_row")
            )
            for r in earlier.iter_rows(named=True):
                found.append(
                    problems.make(
                        "grain_cumulative_after_district",
                        row=r["_row"],
                        code=r["district_code"],
                        name=r["district_name"],
                        day=r["last_day"],
                        **at("commune_code"),
                    )
                )
    return found


def _batch_list(ids: list[int]) -> str:
    return ", ".join(f"#{i}" for i in ids[:_ROWS_NAMED]) + (", …" if len(ids) > _ROWS_NAMED else "")


def scope(conn: Connection, facts: pl.DataFrame) -> pl.DataFrame:
    """What else stored counts for or with each unit of `facts`: `code` (stored unit), `unit_code` (the
    file's unit) and `counted` — True for the unit itself and a district-level row's communes (its
    cumulative covers them), False for a commune's district (a district-level day covers the commune,
    but the commune's cumulative does not hold it)."""
    units = facts.select("unit_code", "unit_level").unique()
    own = units.select(pl.col("unit_code").alias("code"), "unit_code", pl.lit(True).alias("counted"))
    districts = units.filter(pl.col("unit_level") == DISTRICT)["unit_code"].sort().to_list()
    communes = units.filter(pl.col("unit_level") == COMMUNE)["unit_code"].sort().to_list()
    parts = [own]
    if districts:
        members = _units(conn, districts=districts).filter(pl.col("level") == COMMUNE)
        parts.append(members.select("code", pl.col("district_code").alias("unit_code"), pl.lit(True).alias("counted")))
    if communes:
        register = _units(conn, codes=communes)
        parts.append(register.select(pl.col("district_code").alias("code"), pl.col("code").alias("unit_code"), pl.lit(False).alias("counted")))
    return pl.concat(parts).unique().sort("unit_code", "code")


def with_district_bases(conn: Connection, facts: pl.DataFrame, stored_before: pl.DataFrame) -> pl.DataFrame:
    """`stored_before` (per unit_code: stored sums of the counts before that unit's first day in the
    file) with the district rows' sums widened to the whole district: their communes' stored sums
    before the same day are added, so a district-level cumulative count is compared with all the
    district reported so far, whatever grain earlier days came at."""
    district_firsts = facts.filter(pl.col("unit_level") == DISTRICT).group_by("unit_code").agg(pl.col("report_date").min().alias("first"))
    if district_firsts.height == 0:
        return stored_before
    communes = _units(conn, districts=district_firsts["unit_code"].sort().to_list()).filter(pl.col("level") == COMMUNE)
    if communes.height == 0:
        return stored_before
    schema: dict[str, PolarsDataType] = {"unit_code": pl.String, **{c: pl.Int64 for c in COUNT_FIELDS}}
    frames = []
    for (district, first), in_district in communes.join(district_firsts.rename({"unit_code": "district_code"}), on="district_code").group_by(
        "district_code", "first"
    ):
        codes = in_district["code"].sort().to_list()

        def stmt(chunk, first=first):
            return select(*[func.sum(daily_fact.c[c]).label(c) for c in COUNT_FIELDS]).where(
                daily_fact.c.unit_code.in_(chunk), daily_fact.c.report_date < first
            )

        sums = _in_chunks(conn, stmt, codes, {c: pl.Int64 for c in COUNT_FIELDS})
        frames.append(sums.select(pl.lit(district).alias("unit_code"), *[pl.col(c).sum() for c in COUNT_FIELDS]))
    extra = pl.concat(frames).cast(pl.Schema(schema))
    base = stored_before.cast(pl.Schema(schema), strict=False)
    # Absent and null both mean 0 to intake.validate.to_daily: a plain sum is exact.
    return pl.concat([base, extra], how="vertical").group_by("unit_code").agg(pl.col(c).sum() for c in COUNT_FIELDS).sort("unit_code")
