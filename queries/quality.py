"""Data quality for the C06 data team: completeness and timeliness per unit-day, missing and late reports,
and values to follow up (spikes, impossible cumulative counts). Each figure is defined once, here.

SQL does the counting: completeness and timeliness come from the unit_day rollup; the checks on facts
read a bounded range of days per reporting unit through daily_fact's primary key (unit_code,
report_date) — there is no index on report_date alone, so a plain date-range filter would scan
millions of rows. Only small frames come back to Python.

Over 400 lines on purpose: every data-quality figure is defined once, here, on the same few bounded
reads (days per reporting unit, the cumulative spans); split, the figures would each import the others'
reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, Float, and_, case, cast, exists, func, or_, select

from db.frames import read_frame
from db.schema import COUNT_COLUMNS, admin_unit, calendar, daily_fact, import_batch, unit_day
from queries import metrics as M

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

GRID_DAYS = 28
LATE_DAYS = 7

# --- the spike rule (see day_spikes) -------------------------------------------------------------
SPIKE_CHECK_DAYS = 7  # days checked, ending at the as-of date
SPIKE_WINDOW_DAYS = 28  # the "recent range": days before the checked days
SPIKE_FACTOR = 8  # a value must be more than this many times the unit's expected count that day …
SPIKE_FLOOR = 75  # … and at least this much above the unit's usual daily count
SPIKE_MIN_REPORTS = 7  # units with fewer reports in the window are not judged

OUTLIER_LIMIT = 200


class OutlierKind(StrEnum):
    spike = "spike"  # a day far outside the unit's recent range
    delivered_over_received = "delivered_over_received"  # cumulative cards delivered > applications received
    delivered_over_produced = "delivered_over_produced"  # cumulative cards delivered > cards produced


# Cumulative impossibilities first (always an error), then spikes.
KIND_ORDER = {OutlierKind.delivered_over_received: 0, OutlierKind.delivered_over_produced: 1, OutlierKind.spike: 2}

GRID_COLUMNS = ["code", "name", "day", "units_reported", "units_on_time", "units_expected", "completeness", "timeliness"]
LATE_COLUMNS = [
    "report_date",
    "province_code",
    "province_name",
    "batch_id",
    "source_name",
    "submitted_by",
    "received_at",
    "minutes_late",
    "units_late",
    "units_expected",
]
OUTLIER_COLUMNS = [
    "kind",
    "province_code",
    "province_name",
    "district_name",
    "unit_code",
    "unit_name",
    "day",
    "metric",
    "value",
    "expected",
    "limit",
    "excess",
    "batch_id",
    "submitted_by",
]
TOTAL_COLUMNS = ["unit_code", "reports", "applications_received", "cards_produced", "produced_reports", "cards_delivered"]


def _days(as_of: date, days: int) -> tuple[date, date]:
    """The `days` days ending at as_of, both ends included."""
    return as_of - timedelta(days=days - 1), as_of


def _reported_in(province: str | None, first: date | None, last: date):
    """Facts of every reporting unit (communes and districts; of one province if given) from first to
    last. Written as `unit_code IN (units)`: SQLite then seeks each unit's days through the primary key
    instead of scanning millions of facts for a date range (measured: 0.1 s against 2 s)."""
    units = select(admin_unit.c.code).where(admin_unit.c.level != "province")
    if province:
        units = units.where(admin_unit.c.province_code == province)
    dates = daily_fact.c.report_date <= last if first is None else daily_fact.c.report_date.between(first, last)
    return and_(daily_fact.c.unit_code.in_(units), dates)


# --- completeness and timeliness -------------------------------------------------------------------


def completeness_grid(conn: Connection, *, as_of: date, days: int = GRID_DAYS, level: str = "province", province: str | None = None) -> pl.DataFrame:
    """Reporting completeness and timeliness of every province (or of the districts of `province`) for
    each of the `days` days ending at as_of, from the unit_day rollup.

    completeness = units that reported for the day ÷ units expected (communes, or a district-grain
    unit's communes); timeliness = units whose report arrived by the cut-off ÷ units expected — ratios
    (1.0 = 100%), null when nothing is expected (queries.metrics.completeness / timeliness).
    Columns: GRID_COLUMNS, one row per unit and day, ordered by code and day.
    """
    if level not in ("province", "district"):
        raise ValueError(f"level must be province or district, not {level!r}")
    if level == "district" and not province:
        raise ValueError("the district grid needs a province")
    first, last = _days(as_of, days)
    stmt = (
        select(
            unit_day.c.unit_code.label("code"),
            admin_unit.c.name,
            unit_day.c.day,
            unit_day.c.units_reported,
            unit_day.c.units_on_time,
            unit_day.c.units_expected,
        )
        .select_from(unit_day.join(admin_unit, admin_unit.c.code == unit_day.c.unit_code))
        .where(unit_day.c.level == level, unit_day.c.day.between(first, last))
        .order_by(unit_day.c.unit_code, unit_day.c.day)
    )
    if province:
        stmt = stmt.where(admin_unit.c.province_code == province)
    schema = {"code": pl.String, "name": pl.String, "day": pl.Date, "units_reported": pl.Int64, "units_on_time": pl.Int64, "units_expected": pl.Int64}
    frame = read_frame(conn, stmt, schema)
    return frame.with_columns(M.completeness().alias("completeness"), M.timeliness().alias("timeliness")).select(GRID_COLUMNS)


@dataclass(frozen=True)
class DaySummary:
    """One day of a completeness grid, summed over its units (nationally, for the province grid)."""

    day: date
    units_reported: int
    units_on_time: int
    units_expected: int
    completeness: float | None  # Σ units reported ÷ Σ units expected
    timeliness: float | None  # Σ units on time ÷ Σ units expected
    late_units: int  # units reported after the cut-off = reported − on time
    rows: int  # provinces (or districts) in the grid
    rows_complete: int  # … whose every expected unit reported
    rows_none: int  # … with units expected and no report at all
    rows_late: int  # … with at least one unit reported after the cut-off


def day_summary(grid: pl.DataFrame, day: date) -> DaySummary:
    """The headline of one day of `completeness_grid`'s frame, with the same completeness definition."""
    rows = grid.filter(pl.col("day") == day)
    sums = (
        rows.select(pl.col("units_reported", "units_on_time", "units_expected").sum())
        .with_columns(M.completeness().alias("completeness"), M.timeliness().alias("timeliness"))
        .row(0, named=True)
    )
    expected = pl.col("units_expected") > 0
    return DaySummary(
        day=day,
        units_reported=int(sums["units_reported"] or 0),
        units_on_time=int(sums["units_on_time"] or 0),
        units_expected=int(sums["units_expected"] or 0),
        completeness=sums["completeness"],
        timeliness=sums["timeliness"],
        late_units=int((sums["units_reported"] or 0) - (sums["units_on_time"] or 0)),
        rows=rows.height,
        rows_complete=rows.filter(expected & (pl.col("units_reported") >= pl.col("units_expected"))).height,
        rows_none=rows.filter(expected & (pl.col("units_reported") == 0)).height,
        rows_late=rows.filter(pl.col("units_reported") > pl.col("units_on_time")).height,
    )


# --- who has not reported --------------------------------------------------------------------------


def _expected_units():
    """Units expected to report: communes, and districts without communes (island districts) that have
    residents to serve (commune_count > 0; nobody reports for Hoàng Sa)."""
    child = admin_unit.alias("child")
    childless = ~exists(select(child.c.code).where(child.c.parent_code == admin_unit.c.code))
    return or_(admin_unit.c.level == "commune", and_(admin_unit.c.level == "district", admin_unit.c.commune_count > 0, childless))


@dataclass(frozen=True)
class MissingReports:
    """Who has not reported for a day.

    provinces: every province with units missing (code, name, units_expected, units_reported,
        units_missing = expected − reported, none_reported), most missing first.
    districts: districts with units missing (province_code, code, name, units_expected,
        units_reported, units_missing), of `province` when one was asked for, else of the country.
    units: the communes (and island districts) of `province` that have not reported (code, name,
        level, district_code, district_name); empty when no province was asked for.
    """

    day: date
    provinces: pl.DataFrame
    districts: pl.DataFrame
    units: pl.DataFrame

    @property
    def provinces_none(self) -> pl.DataFrame:
        """Provinces with units expected and not one report for the day."""
        return self.provinces.filter(pl.col("none_reported"))


def missing_reports(conn: Connection, *, as_of: date, province: str | None = None) -> MissingReports:
    """Units that have not reported for as_of, counted per province and district from the unit_day
    rollup (units missing = units expected − units reported, never below 0), and listed by name for
    one province from the facts. A commune counts as reported when it or its district (a district-grain
    report stands for all its communes) has a report for the day."""
    counts = (
        select(
            unit_day.c.unit_code.label("code"),
            admin_unit.c.name,
            admin_unit.c.province_code,
            unit_day.c.units_expected,
            unit_day.c.units_reported,
        )
        .select_from(unit_day.join(admin_unit, admin_unit.c.code == unit_day.c.unit_code))
        .where(unit_day.c.day == as_of, unit_day.c.units_reported < unit_day.c.units_expected)
    )
    schema = {"code": pl.String, "name": pl.String, "province_code": pl.String, "units_expected": pl.Int64, "units_reported": pl.Int64}
    missing = pl.col("units_expected") - pl.col("units_reported")
    provinces = (
        read_frame(conn, counts.where(unit_day.c.level == "province"), schema)
        .with_columns(missing.alias("units_missing"), (pl.col("units_reported") == 0).alias("none_reported"))
        .sort(["units_missing", "code"], descending=[True, False])
        .drop("province_code")
    )
    district_stmt = counts.where(unit_day.c.level == "district")
    if province:
        district_stmt = district_stmt.where(admin_unit.c.province_code == province)
    districts = (
        read_frame(conn, district_stmt, schema)
        .with_columns(missing.alias("units_missing"))
        .sort(["province_code", "units_missing", "code"], descending=[False, True, False])
        .select("province_code", "code", "name", "units_expected", "units_reported", "units_missing")
    )
    unit_schema = {"code": pl.String, "name": pl.String, "level": pl.String, "district_code": pl.String, "district_name": pl.String}
    if province:
        district = admin_unit.alias("district")
        own = daily_fact.alias("own")
        parent = daily_fact.alias("parent")
        stmt = (
            select(admin_unit.c.code, admin_unit.c.name, admin_unit.c.level, admin_unit.c.district_code, district.c.name.label("district_name"))
            .select_from(
                admin_unit.outerjoin(district, district.c.code == admin_unit.c.district_code)
                .outerjoin(own, and_(own.c.unit_code == admin_unit.c.code, own.c.report_date == as_of))
                .outerjoin(parent, and_(parent.c.unit_code == admin_unit.c.district_code, parent.c.report_date == as_of))
            )
            .where(admin_unit.c.province_code == province, _expected_units(), own.c.unit_code.is_(None), parent.c.unit_code.is_(None))
            .order_by(admin_unit.c.district_code, admin_unit.c.code)
        )
        units = read_frame(conn, stmt, unit_schema)
    else:
        units = pl.DataFrame(schema=unit_schema)
    return MissingReports(day=as_of, provinces=provinces, districts=districts, units=units)


# --- late reports ----------------------------------------------------------------------------------


def late_reports(conn: Connection, *, as_of: date, days: int = LATE_DAYS, province: str | None = None, cutoff_hour: int = 17) -> pl.DataFrame:
    """Reports for the `days` days ending at as_of that arrived after the cut-off (the facts' late flag:
    received after `cutoff_hour`:00 on the report day), one row per batch and report day: when the
    batch was received and by whom, minutes after the cut-off, units late (communes; a district-grain
    row counts as its communes) and the province's units expected that day. Newest first."""
    first, last = _days(as_of, days)
    unit = admin_unit.alias("unit")
    late = (
        select(
            daily_fact.c.report_date,
            daily_fact.c.batch_id,
            unit.c.province_code,
            func.sum(unit.c.commune_count).label("units_late"),
        )
        .select_from(daily_fact.join(unit, unit.c.code == daily_fact.c.unit_code))
        .where(_reported_in(province, first, last), daily_fact.c.late == True)  # noqa: E712 - SQL boolean comparison
        .group_by(daily_fact.c.report_date, daily_fact.c.batch_id, unit.c.province_code)
        .subquery("late")
    )
    prov = admin_unit.alias("prov")
    stmt = select(
        late.c.report_date,
        late.c.province_code,
        prov.c.name.label("province_name"),
        late.c.batch_id,
        import_batch.c.source_name,
        import_batch.c.submitted_by,
        import_batch.c.received_at,
        late.c.units_late,
        unit_day.c.units_expected,
    ).select_from(
        late.join(import_batch, import_batch.c.id == late.c.batch_id)
        .join(prov, prov.c.code == late.c.province_code)
        .outerjoin(unit_day, and_(unit_day.c.unit_code == late.c.province_code, unit_day.c.day == late.c.report_date))
    )
    schema: dict[str, PolarsDataType] = {
        "report_date": pl.Date,
        "province_code": pl.String,
        "province_name": pl.String,
        "batch_id": pl.Int64,
        "source_name": pl.String,
        "submitted_by": pl.String,
        "received_at": pl.Datetime("us"),
        "units_late": pl.Int64,
        "units_expected": pl.Int64,
    }
    frame = read_frame(conn, stmt, schema)
    cutoff = pl.col("report_date").cast(pl.Datetime("us")) + pl.duration(hours=cutoff_hour)
    return (
        frame.with_columns(((pl.col("received_at") - cutoff).dt.total_minutes()).cast(pl.Int64).alias("minutes_late"))
        .sort(["report_date", "received_at", "province_code"], descending=[True, True, False])
        .select(LATE_COLUMNS)
    )


# --- values to follow up ---------------------------------------------------------------------------


def _trimmed_mean(col):
    """Mean of the reported values leaving out the largest one: (Σ − max) ÷ (n − 1); null below 2 values.
    One spike (or a catch-up day) in the window cannot lift a unit's usual level."""
    n = func.count(col)
    return case((n > 1, (cast(func.sum(col), Float) - func.max(col)) / (n - 1)), else_=None)


def _usual_levels(stmt, table, key: str, name: str):
    """`stmt` (rows of `table` in a window, grouped by `key`) → subquery of key, n_<count> (reports with a
    value) and usual_<count> (_trimmed_mean) for the five counts. Computed inside the aggregate query (a
    materialised subquery): measured faster on SQLite than plain aggregates with the arithmetic outside,
    which the planner repeats for every checked row."""
    return stmt.with_only_columns(
        table.c[key].label("key"),
        *[func.count(table.c[m]).label(f"n_{m}") for m in COUNT_COLUMNS],
        *[_trimmed_mean(table.c[m]).label(f"usual_{m}") for m in COUNT_COLUMNS],
    ).subquery(name)


def day_spikes(
    conn: Connection,
    *,
    as_of: date,
    window: int = SPIKE_WINDOW_DAYS,
    days: int = SPIKE_CHECK_DAYS,
    province: str | None = None,
) -> pl.DataFrame:
    """Unit-days whose daily count is far outside the unit's recent range, for each of the five counts.

    Checked days: the `days` days ending at as_of. Window: the `window` days before them.
      usual  = the unit's mean daily count on its reported days in the window, leaving out its largest
               day ((Σ − max) ÷ (n − 1)); units with fewer than 7 reports in the window are not judged.
      factor = the rest of the province that day ÷ its usual: (province total that day − the value) ÷
               (the province's usual daily total − the unit's usual), the province's usual being the same
               trimmed mean over the window's days it reported; 1 when that is not positive (a province of
               one unit). A holiday, a lockdown or a ramp-up moves every commune of the province, not one.
      expected = usual × factor.
    A value is flagged when it exceeds both 8 × expected and usual + 75: keying errors (an extra digit),
    days lumped together, counts of the wrong column. A commune that misses a day and sends two days'
    work the next day (×2) is not. Columns: unit_code, province_code, day, metric, value, expected,
    limit (= max(8 × expected, usual + 75)), batch_id.

    Calibrated on the simulated data sets (every week of 01/10/2020–31/12/2021 checked): all 40 planted
    bad values of the national set found, plus 20 other unit-days in 65 weeks (catch-ups around Tết and
    lockdowns; at most 8 in a week); all 40 of the 3-province test set, plus 1.
    """
    check_first, check_last = _days(as_of, days)
    window_first, window_last = check_first - timedelta(days=window), check_first - timedelta(days=1)
    base = _usual_levels(
        select(daily_fact.c.unit_code).where(_reported_in(province, window_first, window_last)).group_by(daily_fact.c.unit_code),
        daily_fact,
        "unit_code",
        "base",
    )
    prov_base = _usual_levels(
        select(unit_day.c.unit_code)
        .where(unit_day.c.level == "province", unit_day.c.day.between(window_first, window_last), unit_day.c.units_reported > 0)
        .group_by(unit_day.c.unit_code),
        unit_day,
        "unit_code",
        "prov_base",
    )
    prov_day = unit_day.alias("prov_day")
    columns, flags = [], []
    for m in COUNT_COLUMNS:
        value, usual = daily_fact.c[m], base.c[f"usual_{m}"]
        # The rest of the province: its total without this unit, against its usual without this unit
        # (else one huge value in a small province would raise its own expectation).
        rest_usual = prov_base.c[f"usual_{m}"] - usual
        factor = case((rest_usual > 0, cast(prov_day.c[m] - value, Float) / rest_usual), else_=1.0)
        expected = usual * factor
        flag = and_(base.c[f"n_{m}"] >= SPIKE_MIN_REPORTS, value > SPIKE_FACTOR * expected, value > usual + SPIKE_FLOOR)
        columns += [
            value.label(f"value_{m}"),
            expected.label(f"expected_{m}"),
            (usual + SPIKE_FLOOR).label(f"floor_{m}"),
            case((flag, 1), else_=0).label(f"flag_{m}"),
        ]
        flags.append(flag)
    unit = admin_unit.alias("unit")
    stmt = (
        select(daily_fact.c.unit_code, unit.c.province_code, daily_fact.c.report_date.label("day"), daily_fact.c.batch_id, *columns)
        .select_from(
            daily_fact.join(unit, unit.c.code == daily_fact.c.unit_code)
            .join(base, base.c.key == daily_fact.c.unit_code)
            .outerjoin(prov_base, prov_base.c.key == unit.c.province_code)
            .outerjoin(prov_day, and_(prov_day.c.unit_code == unit.c.province_code, prov_day.c.day == daily_fact.c.report_date))
        )
        .where(_reported_in(province, check_first, check_last), or_(*flags))
    )
    wide = read_frame(conn, stmt)
    schema: dict[str, PolarsDataType] = {
        "unit_code": pl.String,
        "province_code": pl.String,
        "day": pl.Date,
        "metric": pl.String,
        "value": pl.Int64,
        "expected": pl.Float64,
        "limit": pl.Float64,
        "batch_id": pl.Int64,
    }
    if wide.height == 0:
        return pl.DataFrame(schema=schema)
    if wide.schema["day"] == pl.String:  # SQLite hands back ISO text for textual result columns
        wide = wide.with_columns(pl.col("day").str.to_date())
    parts = [
        wide.filter(pl.col(f"flag_{m}") == 1).select(
            "unit_code",
            "province_code",
            "day",
            pl.lit(m).alias("metric"),
            pl.col(f"value_{m}").cast(pl.Int64).alias("value"),
            pl.col(f"expected_{m}").cast(pl.Float64).alias("expected"),
            pl.max_horizontal(SPIKE_FACTOR * pl.col(f"expected_{m}").cast(pl.Float64), pl.col(f"floor_{m}").cast(pl.Float64)).alias("limit"),
            pl.col("batch_id").cast(pl.Int64),
        )
        for m in COUNT_COLUMNS
    ]
    return pl.concat(parts, how="vertical").cast(pl.Schema(schema)).select(list(schema))


def unit_totals(conn: Connection, *, day_from: date | None, day_to: date, province: str | None = None) -> pl.DataFrame:
    """Per reporting unit, sums over its reports from day_from (None: the first) to day_to: reports,
    applications received, cards produced and the reports that carried it (produced_reports; the
    column is optional), cards delivered. Columns: TOTAL_COLUMNS; units without reports are left out."""
    stmt = (
        select(
            daily_fact.c.unit_code,
            func.count().label("reports"),
            func.sum(daily_fact.c.applications_received).label("applications_received"),
            func.coalesce(func.sum(daily_fact.c.cards_produced), 0).label("cards_produced"),
            func.count(daily_fact.c.cards_produced).label("produced_reports"),
            func.sum(daily_fact.c.cards_delivered).label("cards_delivered"),
        )
        .where(_reported_in(province, day_from, day_to))
        .group_by(daily_fact.c.unit_code)
    )
    return read_frame(conn, stmt, {c: pl.String if c == "unit_code" else pl.Int64 for c in TOTAL_COLUMNS})


def month_spans(first: date, as_of: date) -> list[tuple[date, date]]:
    """[first, as_of] cut at calendar months: whole months, then the month of as_of up to as_of."""
    spans, start = [], first
    while start <= as_of:
        next_month = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(next_month - timedelta(days=1), as_of)
        spans.append((start, end))
        start = next_month
    return spans


def cumulative_spans(conn: Connection, as_of: date) -> list[tuple[date, date]]:
    """The month spans (month_spans) from the first reported day up to as_of; none before it."""
    first = conn.execute(select(func.min(calendar.c.day))).scalar()
    return [] if first is None or first > as_of else month_spans(first, as_of)


def span_stamps(conn: Connection, spans: list[tuple[date, date]]) -> list[tuple[int, int, int]]:
    """For each span, (highest id, number, rows) of the batches whose report dates overlap it: facts
    of those days change only with a new batch, so this keys a cache of the span's totals. One small
    query (batches grouped by their date range: a few hundred groups), the overlaps in Python."""
    stmt = (
        select(
            import_batch.c.date_from,
            import_batch.c.date_to,
            func.max(import_batch.c.id),
            func.count(),
            func.sum(import_batch.c.row_count),
        )
        .where(import_batch.c.date_from.is_not(None))
        .group_by(import_batch.c.date_from, import_batch.c.date_to)
    )
    groups = conn.execute(stmt).all()
    stamps = []
    for start, end in spans:
        hits = [g for g in groups if g[0] <= end and g[1] >= start]
        stamps.append((max((g[2] for g in hits), default=0), sum(g[3] for g in hits), sum(g[4] or 0 for g in hits)))
    return stamps


SpanTotals = Callable[[date, date], pl.DataFrame]


def cumulative_totals(conn: Connection, *, as_of: date, province: str | None = None, span_totals: SpanTotals | None = None) -> pl.DataFrame:
    """Per reporting unit, the sums of every report up to as_of (TOTAL_COLUMNS), added up month by month.
    A district that sent district-level rows is one unit with its communes (their sums are added into
    it): cards delivered on a district row may answer applications counted on commune rows.

    `span_totals(start, end)` gives unit_totals for one span; a cache may supply it (months before the
    current one rarely change), otherwise each month is read here. Either way the result is exact."""
    spans = cumulative_spans(conn, as_of)
    if not spans:
        return pl.DataFrame(schema={c: pl.String if c == "unit_code" else pl.Int64 for c in TOTAL_COLUMNS})
    fetch = span_totals or (lambda start, end: unit_totals(conn, day_from=start, day_to=end, province=province))
    parts = [fetch(start, end) for start, end in spans]
    totals = pl.concat(parts, how="vertical").group_by("unit_code").agg(pl.exclude("unit_code").sum())
    if province and span_totals is not None:
        codes = conn.execute(select(admin_unit.c.code).where(admin_unit.c.province_code == province)).scalars().all()
        totals = totals.filter(pl.col("unit_code").is_in(codes))
    return _fold_into_reporting_districts(conn, totals).sort("unit_code")


def _fold_into_reporting_districts(conn: Connection, totals: pl.DataFrame) -> pl.DataFrame:
    """`totals` with the rows of communes whose district has its own (district-level) row summed into it."""
    codes = totals["unit_code"].to_list()
    districts: list[str] = []
    for i in range(0, len(codes), 2000):
        stmt = select(admin_unit.c.code).where(admin_unit.c.code.in_(codes[i : i + 2000]), admin_unit.c.level == "district")
        districts += conn.execute(stmt).scalars().all()
    if not districts:
        return totals
    stmt = select(admin_unit.c.code.label("unit_code"), admin_unit.c.district_code).where(
        admin_unit.c.level == "commune", admin_unit.c.district_code.in_(districts)
    )
    parent = read_frame(conn, stmt, {"unit_code": pl.String, "district_code": pl.String})
    return (
        totals.join(parent, on="unit_code", how="left")
        .with_columns(pl.coalesce("district_code", "unit_code").alias("unit_code"))
        .drop("district_code")
        .group_by("unit_code")
        .agg(pl.exclude("unit_code").sum())
        .select(TOTAL_COLUMNS)
    )


def impossible_cumulatives(totals: pl.DataFrame, *, as_of: date) -> pl.DataFrame:
    """Units whose cumulative counts at as_of cannot be right (from cumulative_totals' frame):
      delivered_over_received — cards delivered > applications received (a card needs an application);
      delivered_over_produced — cards delivered > cards produced, judged only for units that reported
        cards produced in every report (the column is optional).
    value = cumulative cards delivered; limit = the cumulative it may not exceed; excess = value − limit."""
    received = totals.filter(pl.col("cards_delivered") > pl.col("applications_received")).select(
        pl.lit(OutlierKind.delivered_over_received.value).alias("kind"),
        "unit_code",
        pl.col("cards_delivered").alias("value"),
        pl.col("applications_received").alias("limit"),
    )
    produced = totals.filter((pl.col("produced_reports") == pl.col("reports")) & (pl.col("cards_delivered") > pl.col("cards_produced"))).select(
        pl.lit(OutlierKind.delivered_over_produced.value).alias("kind"),
        "unit_code",
        pl.col("cards_delivered").alias("value"),
        pl.col("cards_produced").alias("limit"),
    )
    return pl.concat([received, produced], how="vertical").with_columns(
        pl.lit(as_of).alias("day"), pl.lit("cards_delivered").alias("metric"), (pl.col("value") - pl.col("limit")).alias("excess")
    )


def _unit_names(conn: Connection, codes: list[str]) -> pl.DataFrame:
    district, prov = admin_unit.alias("district"), admin_unit.alias("prov")
    stmt = (
        select(
            admin_unit.c.code.label("unit_code"),
            admin_unit.c.name.label("unit_name"),
            admin_unit.c.province_code,
            prov.c.name.label("province_name"),
            district.c.name.label("district_name"),
        )
        .select_from(
            admin_unit.outerjoin(district, district.c.code == admin_unit.c.district_code).join(prov, prov.c.code == admin_unit.c.province_code)
        )
        .where(admin_unit.c.code.in_(codes))
    )
    schema = {"unit_code": pl.String, "unit_name": pl.String, "province_code": pl.String, "province_name": pl.String, "district_name": pl.String}
    return read_frame(conn, stmt, schema)


def _submitters(conn: Connection, batch_ids: list[int]) -> pl.DataFrame:
    stmt = select(import_batch.c.id.label("batch_id"), import_batch.c.submitted_by).where(import_batch.c.id.in_(batch_ids))
    return read_frame(conn, stmt, {"batch_id": pl.Int64, "submitted_by": pl.String})


def outliers(
    conn: Connection,
    *,
    as_of: date,
    window: int = SPIKE_WINDOW_DAYS,
    days: int = SPIKE_CHECK_DAYS,
    province: str | None = None,
    limit: int = OUTLIER_LIMIT,
    span_totals: SpanTotals | None = None,
) -> pl.DataFrame:
    """The follow-up list at as_of: day_spikes over the `days` days ending at as_of (against the `window`
    days before them) and impossible_cumulatives at as_of, with names and the submitter of a spike's
    batch. Impossible cumulatives first (largest excess first), then spikes (largest value ÷ limit
    first); at most `limit` rows. Columns: OUTLIER_COLUMNS (expected: spikes only; excess = value − limit)."""
    spikes = day_spikes(conn, as_of=as_of, window=window, days=days, province=province).with_columns(
        pl.lit(OutlierKind.spike.value).alias("kind"), (pl.col("value") - pl.col("limit")).alias("excess")
    )
    impossible = impossible_cumulatives(cumulative_totals(conn, as_of=as_of, province=province, span_totals=span_totals), as_of=as_of)
    rows = pl.concat(
        [
            impossible.with_columns(pl.lit(None, dtype=pl.Float64).alias("expected"), pl.lit(None, dtype=pl.Int64).alias("batch_id")),
            spikes.drop("province_code"),
        ],
        how="diagonal_relaxed",
    )
    if rows.height == 0:
        return pl.DataFrame(
            schema={
                **{c: pl.String for c in OUTLIER_COLUMNS},
                "day": pl.Date,
                "value": pl.Int64,
                "expected": pl.Float64,
                "limit": pl.Float64,
                "excess": pl.Float64,
                "batch_id": pl.Int64,
            }
        )
    order = pl.col("kind").replace_strict({k.value: v for k, v in KIND_ORDER.items()}, return_dtype=pl.Int8)
    severity = pl.when(pl.col("kind") == OutlierKind.spike.value).then(pl.col("value") / pl.col("limit")).otherwise(pl.col("excess"))
    rows = (
        rows.with_columns(order.alias("_order"), severity.cast(pl.Float64).alias("_severity"))
        .sort(["_order", "_severity", "day", "unit_code"], descending=[False, True, True, False])
        .head(limit)
        .drop("_order", "_severity")
        .with_columns(pl.col("limit").cast(pl.Float64), pl.col("excess").cast(pl.Float64))
    )
    names = _unit_names(conn, rows["unit_code"].unique().to_list())
    batches = rows["batch_id"].drop_nulls().unique().to_list()
    submitters = _submitters(conn, batches) if batches else pl.DataFrame(schema={"batch_id": pl.Int64, "submitted_by": pl.String})
    return rows.join(names, on="unit_code", how="left").join(submitters, on="batch_id", how="left").select(OUTLIER_COLUMNS)
