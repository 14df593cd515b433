"""Check a whole report against the format and the unit register: clean daily facts, or every problem with its row and column.

Three layers: the header (which columns are there), the cells (the declared schema in intake.cells),
then the register and the other rows (plain polars: codes exist and nest, one row per unit-day,
counts plausible, cumulative counts never decrease). `to_daily` turns cumulative counts into daily
ones against what is already stored; it is pure, the caller reads the stored totals.

Over 400 lines on purpose: the register checks and the cumulative conversion work on the same checked
frame and share its row numbering; the header mapping, cell schema and messages are already their own
modules (intake.headers, intake.cells, intake.problems).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from intake import cells, grain, headers, problems
from intake.headers import Columns
from intake.problems import Problem
from intake.read import RawTable
from intake.spec import (
    CODE_WIDTH,
    COUNT_FIELDS,
    CUMULATIVE,
    DAILY,
    EARLIEST_REPORT_DATE,
    FIELD,
    FIELDS,
    HEADER_INDEX,
    VALUE_TYPE_LABEL_VI,
)

LEVEL_OF = {"province_code": ("tỉnh", "province"), "district_code": ("huyện", "district"), "commune_code": ("xã", "commune")}
WHAT = {DAILY: ("số lượng trong ngày", "daily count"), CUMULATIVE: ("số lũy kế", "cumulative count")}
FACT_COLUMNS = ("_row", "unit_code", "unit_level", "province_code", "report_date", *COUNT_FIELDS)
_CELL_SLICE = 50_000  # rows whose cells are checked at once


@dataclass(frozen=True)
class Reference:
    """The unit register as the checks need it; `communes` is the number of communes under a district."""

    units: pl.DataFrame  # code, level, name, province_code, district_code, population, communes

    @classmethod
    def from_units(cls, units: pl.DataFrame) -> Reference:
        per_district = units.filter(pl.col("level") == "commune").group_by("district_code").len("communes").rename({"district_code": "code"})
        frame = (
            units.select("code", "level", "name", "province_code", "district_code", "population")
            .join(per_district, on="code", how="left")
            .with_columns(pl.col("communes").fill_null(0).cast(pl.Int64), pl.col("population").cast(pl.Int64))
        )
        return cls(frame)

    def level(self, level: str) -> pl.DataFrame:
        return self.units.filter(pl.col("level") == level)


@dataclass(frozen=True)
class ParsedReport:
    """Rows that passed every check: one per unit-day, counts as written (daily or cumulative)."""

    facts: pl.DataFrame  # FACT_COLUMNS + population, unit_name
    value_type: str  # daily | cumulative
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # field id -> (letter, header as in the file)


@dataclass(frozen=True)
class Checked:
    """A report that passed, or its problems: at most problems.PROBLEMS_KEPT of them (the first found,
    sorted by row); `total` counts every problem found, a lower bound when `complete` is False (the
    checks stopped once the list was full)."""

    report: ParsedReport | None
    problems: list[Problem]
    total: int | None = None  # None: len(problems)
    complete: bool = True

    @property
    def problem_count(self) -> int:
        return len(self.problems) if self.total is None else self.total


class _Found:
    """Problems as the checks find them, kept up to problems.PROBLEMS_KEPT (a file of 400,000 bad rows
    would otherwise make millions of messages); each check is told how much room is left."""

    def __init__(self, found: list[Problem]):
        self.items: list[Problem] = []
        self.total = 0
        self.complete = True
        self.add(found)

    @property
    def room(self) -> int:
        return max(problems.PROBLEMS_KEPT - len(self.items), 0)

    def add(self, new: list[Problem], *, total: int | None = None, room: int | None = None) -> None:
        """`room`: the limit the check was given (reaching it means it may have stopped early)."""
        if len(new) > self.room or (room is not None and len(new) >= room):
            self.complete = False
        self.items += new[: self.room]
        self.total += len(new) if total is None else total

    def __bool__(self) -> bool:
        return self.total > 0

    def checked(self) -> Checked:
        return Checked(None, sorted(self.items, key=problems.sort_key), self.total, self.complete)


def _in_slices(check, frame: pl.DataFrame, room: int, size: int = 20_000) -> list[Problem]:
    """A row-by-row check run on slices of `frame` until `room` problems are found."""
    found: list[Problem] = []
    for start in range(0, frame.height, size):
        if len(found) >= room:
            break
        found += check(frame.slice(start, size))
    return found


# --- header ------------------------------------------------------------------------------------------

LABELS = {f.id: f.label_vi for f in FIELDS}  # how a column absent from the file is named


def _map_headers(raw: RawTable) -> tuple[dict[str, int], list[Problem]]:
    return headers.map_headers(raw, FIELDS, index=HEADER_INDEX)


# --- cells -------------------------------------------------------------------------------------------


def _file_value_type(text: pl.DataFrame, cumulative: bool) -> str:
    if cumulative or "value_type" not in text.columns:
        return CUMULATIVE if cumulative else DAILY
    first = cells.typed(text.select("_row", "value_type"))["value_type"].drop_nulls()
    return first[0] if first.len() else DAILY


def _cell_problems(
    text: pl.DataFrame, cols: Columns, *, today: date, earliest: date, value_type: str, limit: int | None = None
) -> tuple[list[Problem], int]:
    """Problems of the first `limit` failing cells (by row), and how many cells fail in all."""
    present = [c for c in text.columns if c != "_row"]
    # In slices: pandera's failure table of a file whose every cell is wrong would be millions of rows.
    kept: list[pl.DataFrame] = []
    total = 0
    for start in range(0, text.height, _CELL_SLICE):
        part = cells.cell_failures(text.slice(start, _CELL_SLICE), present, today=today, earliest=earliest)
        total += part.height
        room = part.height if limit is None else max(limit - sum(k.height for k in kept), 0)
        if room:
            kept.append(part.sort("index", maintain_order=True).head(room).with_columns(pl.col("index") + start))
    if total == 0:
        return [], 0
    failures = pl.concat(kept)
    rows = text["_row"]
    dates = cells.typed(text.select("_row", "report_date"))["report_date"] if "report_date" in present else None
    what, what_en = WHAT[value_type]
    found = []
    for fail in failures.iter_rows(named=True):
        fid, code, index = fail["column"], fail["code"], fail["index"]
        f = FIELD[fid]
        params: dict = {}
        if code == "required":
            params = {"todo": f.todo_vi, "todo_en": f.todo_en}
        elif code in ("date_future", "date_too_early"):
            assert dates is not None  # date problems come from a report_date column
            params = {"day": dates[index], "today": today, "start": earliest}
        elif code == "code_format":
            level, level_en = LEVEL_OF[fid]
            params = {"level": level, "level_en": level_en, "width": str(CODE_WIDTH[fid]), "example": f.example}
        elif code in ("not_numeric", "negative", "fractional"):
            params = {"what": what, "what_en": what_en}
        value = None if code == "required" else fail["value"]
        found.append(problems.make(code, row=rows[index], value=value, **cols.at(fid), **params))
    return found, total


# --- register and other rows ------------------------------------------------------------------------


def _with_units(t: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """Join each row's codes to the register: what each code is, where it belongs, the reporting unit."""
    provinces = ref.level("province").select(pl.col("code").alias("province_code"), pl.col("name").alias("province_name"))
    districts = ref.level("district").select(
        pl.col("code").alias("district_code"),
        pl.col("province_code").alias("d_province"),
        pl.col("name").alias("d_name"),
        pl.col("communes").alias("d_communes"),
        pl.col("population").alias("d_population"),
    )
    communes = ref.level("commune").select(
        pl.col("code").alias("commune_code"),
        pl.col("district_code").alias("c_district"),
        pl.col("name").alias("c_name"),
        pl.col("population").alias("c_population"),
    )
    j = (
        t.join(provinces, on="province_code", how="left")
        .join(districts, on="district_code", how="left")
        .join(communes, on="commune_code", how="left")
    )
    province_ok = pl.col("province_name").is_not_null()
    district_known = pl.col("d_province").is_not_null()
    district_ok = district_known & province_ok & (pl.col("d_province") == pl.col("province_code"))
    commune_ok = pl.col("c_district").is_not_null() & district_ok & (pl.col("c_district") == pl.col("district_code"))
    district_row = grain.district_row(district_ok)
    return j.with_columns(
        province_ok.alias("province_ok"),
        district_known.alias("district_known"),
        district_ok.alias("district_ok"),
        pl.when(commune_ok).then(pl.col("commune_code")).when(district_row).then(pl.col("district_code")).alias("unit_code"),
        pl.when(commune_ok).then(pl.lit("commune")).when(district_row).then(pl.lit("district")).alias("unit_level"),
        pl.when(commune_ok).then(pl.col("c_population")).when(district_row).then(pl.col("d_population")).alias("population"),
        pl.when(commune_ok).then(pl.col("c_name")).when(district_row).then(pl.col("d_name")).alias("unit_name"),
    )


def _register_problems(j: pl.DataFrame, ref: Reference, cols: Columns) -> list[Problem]:
    names = dict(zip(ref.units["code"], ref.units["name"], strict=True))
    found = []
    for r in j.iter_rows(named=True):
        row = r["_row"]
        if r["province_code"] is not None and not r["province_ok"]:
            found.append(problems.make("unknown_province", row=row, code=r["province_code"], **cols.at("province_code")))
        if r["district_code"] is not None:
            if not r["district_known"]:
                found.append(problems.make("unknown_district", row=row, code=r["district_code"], **cols.at("district_code")))
            elif r["province_ok"] and r["d_province"] != r["province_code"]:
                found.append(
                    problems.make(
                        "district_not_in_province",
                        row=row,
                        code=r["district_code"],
                        name=r["d_name"],
                        actual=r["d_province"],
                        actual_name=names[r["d_province"]],
                        stated=r["province_code"],
                        **cols.at("district_code"),
                    )
                )
        if r["commune_code"] is not None:
            if r["c_district"] is None:
                found.append(problems.make("unknown_commune", row=row, code=r["commune_code"], **cols.at("commune_code")))
            elif r["district_known"] and r["c_district"] != r["district_code"]:
                found.append(
                    problems.make(
                        "commune_not_in_district",
                        row=row,
                        code=r["commune_code"],
                        name=r["c_name"],
                        actual=r["c_district"],
                        actual_name=names[r["c_district"]],
                        stated=r["district_code"],
                        **cols.at("commune_code"),
                    )
                )
    return found


def _unit_column(level: str) -> str:
    return "commune_code" if level == "commune" else "district_code"


def _duplicate_problems(j: pl.DataFrame, cols: Columns, limit: int | None = None) -> tuple[list[Problem], set[int]]:
    keyed = j.filter(pl.col("unit_code").is_not_null() & pl.col("report_date").is_not_null()).with_columns(
        pl.col("_row").min().over("unit_code", "report_date").alias("first_row")
    )
    dups = keyed.filter(pl.col("_row") != pl.col("first_row"))
    found = [
        problems.make(
            "duplicate_row",
            row=r["_row"],
            unit=r["unit_code"],
            day=r["report_date"],
            first_row=r["first_row"],
            **cols.at(_unit_column(r["unit_level"])),
        )
        for r in (dups if limit is None else dups.head(limit)).iter_rows(named=True)
    ]
    return found, set(dups["_row"].to_list())


def _value_type_problems(t: pl.DataFrame, cols: Columns, cumulative: bool, limit: int | None = None) -> list[Problem]:
    if "value_type" not in t.columns:
        return []
    typed = t.filter(pl.col("value_type").is_not_null())
    if typed.height == 0:
        return []
    if cumulative:
        bad = typed.filter(pl.col("value_type") == DAILY)
        bad = bad if limit is None else bad.head(limit)
        return [problems.make("value_type_conflict", row=r["_row"], **cols.at("value_type")) for r in bad.iter_rows(named=True)]
    first = typed.row(0, named=True)
    bad = typed.filter(pl.col("value_type") != first["value_type"])
    bad = bad if limit is None else bad.head(limit)
    return [
        problems.make(
            "value_type_mixed",
            row=r["_row"],
            first_row=first["_row"],
            value=VALUE_TYPE_LABEL_VI[r["value_type"]],
            first=VALUE_TYPE_LABEL_VI[first["value_type"]],
            **cols.at("value_type"),
        )
        for r in bad.iter_rows(named=True)
    ]


def _too_large_problems(facts: pl.DataFrame, cols: Columns, *, cumulative_of: pl.DataFrame | None = None, limit: int | None = None) -> list[Problem]:
    """A count above the unit's whole population in one day cannot be right (a cumulative figure sent as daily?).

    `cumulative_of`: the rows as typed when `facts` holds daily values derived from cumulative ones."""
    found: list[Problem] = []
    for c in COUNT_FIELDS:
        over = facts.filter(pl.col(c).is_not_null() & pl.col("population").is_not_null() & (pl.col(c) > pl.col("population")))
        over = over.head(max(limit - len(found), 0)) if limit is not None else over
        if cumulative_of is None:
            found += [
                problems.make(
                    "too_large", row=r["_row"], value=str(r[c]), count=r[c], unit_name=r["unit_name"], population=r["population"], **cols.at(c)
                )
                for r in over.iter_rows(named=True)
            ]
            continue
        typed = over.join(cumulative_of.select("_row", pl.col(c).alias("typed")), on="_row", how="left")
        found += [
            problems.make(
                "too_large_cumulative",
                row=r["_row"],
                value=str(r["typed"]),
                cumulative=r["typed"],
                count=r[c],
                unit_name=r["unit_name"],
                population=r["population"],
                **cols.at(c),
            )
            for r in typed.iter_rows(named=True)
        ]
    return found


def _decrease_problems(facts: pl.DataFrame, cols: Columns, limit: int | None = None) -> list[Problem]:
    """Within the file, per unit in date order, a cumulative count below the previous one."""
    ordered = facts.sort("unit_code", "report_date")
    found: list[Problem] = []
    for c in COUNT_FIELDS:
        marked = ordered.with_columns(
            pl.col(c).shift(1).forward_fill().over("unit_code").alias("prev"),
            pl.when(pl.col(c).is_not_null()).then(pl.col("_row")).shift(1).forward_fill().over("unit_code").alias("prev_row"),
            pl.when(pl.col(c).is_not_null()).then(pl.col("report_date")).shift(1).forward_fill().over("unit_code").alias("prev_day"),
        ).filter(pl.col(c) < pl.col("prev"))
        if limit is not None:
            marked = marked.head(max(limit - len(found), 0))
        for r in marked.iter_rows(named=True):
            found.append(
                problems.make(
                    "cumulative_decrease",
                    row=r["_row"],
                    value=str(r[c]),
                    count=r[c],
                    previous=r["prev"],
                    previous_day=r["prev_day"],
                    previous_row=r["prev_row"],
                    **cols.at(c),
                )
            )
    return found


# --- the whole report --------------------------------------------------------------------------------


def check_report(raw: RawTable, ref: Reference, *, today: date, cumulative: bool = False, earliest: date = EARLIEST_REPORT_DATE) -> Checked:
    """Every check that needs only the file and the register. Problems are sorted by row, then column."""
    positions, header_problems = _map_headers(raw)
    found = _Found(header_problems)
    cols = Columns.of(positions, raw.headers, LABELS)
    if raw.frame.height == 0:
        found.add([problems.make("header_only", first_row=raw.header_row + 1)])
        return found.checked()
    text = raw.frame.select("_row", *[pl.col(f"c{i}").alias(fid) for fid, i in positions.items()])
    value_type = _file_value_type(text, cumulative)
    cell_problems, failing_cells = _cell_problems(text, cols, today=today, earliest=earliest, value_type=value_type, limit=found.room)
    found.add(cell_problems, total=failing_cells)

    missing = [f.id for f in FIELDS if f.required and f.id not in positions]
    t = cells.typed(text).with_columns(
        *[pl.lit(None, dtype=pl.Int64).alias(c) for c in COUNT_FIELDS if c not in positions],
        *([pl.lit(None, dtype=pl.String).alias("value_type")] if "value_type" not in positions else []),
    )
    if not missing:
        t = t.with_columns(text["commune_code"].alias("commune_cell"))
        j = _with_units(t, ref)
        # Each row check gets the room left in the list; once it is full the rest are not run (the
        # count is then "at least"): the officer has enough to fix, and memory stays bounded.
        room = found.room
        found.add(_in_slices(lambda part: _register_problems(part, ref, cols), j, room) if room else [], room=room)
        room = found.room
        dup_problems, dup_rows = _duplicate_problems(j, cols, limit=room)
        found.add(dup_problems, total=len(dup_rows))
        room = found.room
        found.add(grain.file_problems(j, cols.at, value_type=value_type) if room else [], room=room)
        room = found.room
        found.add(_value_type_problems(t, cols, cumulative, limit=room) if room else [], room=room)
        facts = j.filter(pl.col("unit_code").is_not_null() & pl.col("report_date").is_not_null())
        room = found.room
        if not room:
            found.complete = False
        elif value_type == DAILY:
            found.add(_too_large_problems(facts, cols, limit=room), room=room)
        else:
            found.add(_decrease_problems(facts.filter(~pl.col("_row").is_in(list(dup_rows))), cols, limit=room), room=room)
    if found:
        return found.checked()
    facts = j.select(*FACT_COLUMNS, "population", "unit_name").sort("_row")
    return Checked(ParsedReport(facts, value_type, cols.where), [])


def _negative_counts(found: _Found, frame: pl.DataFrame, prefix: str, code: str, cols: Columns, params: Callable[[dict, str], dict]) -> None:
    """Problem `code` for each row and count whose `<prefix>_<count>` is below zero, on the row's `_row`
    and the count's column (`params`: the message's values, from the row and the count)."""
    for c in COUNT_FIELDS:
        below = frame.filter(pl.col(f"{prefix}_{c}") < 0).sort("_row").head(found.room)
        found.add([problems.make(code, row=r["_row"], **params(r, c), **cols.at(c)) for r in below.iter_rows(named=True)])


def to_daily(report: ParsedReport, stored_before: pl.DataFrame, stored_span: pl.DataFrame | None = None) -> Checked:
    """Daily facts ready for db.store.write_reports (unit_code, report_date, five counts, _row).

    Daily reports pass through. A cumulative count C on day d becomes C minus the cumulative stored on
    the day before d once this file is in — what is stored before the unit's first day in the file
    (`stored_before`, per unit_code; absent = 0), plus the stored days between the file's earlier days
    that the file does not replace (`stored_span`: unit_code, report_date and the counts stored from
    the unit's first to its last day in the file; None = nothing stored there), plus the file's own
    earlier days. So after the import the stored cumulative on every day of the file equals the file,
    whatever lies in the gaps or came earlier in daily files, and in whatever order the rows are.
    A count below that cumulative is a problem (`cumulative_below_stored`, with the cumulative it is
    below); so is a resulting daily count above the unit's population.
    """
    cols = Columns(report.columns, LABELS)
    facts = report.facts
    if report.value_type == DAILY:
        return Checked(ParsedReport(facts, DAILY, report.columns), [])
    base = stored_before.select("unit_code", *[pl.col(c).alias(f"base_{c}") for c in COUNT_FIELDS])
    ordered = facts.sort("unit_code", "report_date").join(base, on="unit_code", how="left")
    # gap_c: the stored values the file keeps (days it does not name), summed per unit up to each row's day.
    if stored_span is not None and stored_span.height:
        kept = stored_span.join(facts.select("unit_code", "report_date"), on=["unit_code", "report_date"], how="anti")
        marks = pl.concat(
            [
                ordered.select("unit_code", "report_date", pl.col("_row"), *[pl.lit(0, dtype=pl.Int64).alias(f"gap_{c}") for c in COUNT_FIELDS]),
                kept.select(
                    "unit_code",
                    "report_date",
                    pl.lit(None, dtype=pl.Int64).alias("_row"),
                    *[pl.col(c).cast(pl.Int64).fill_null(0).alias(f"gap_{c}") for c in COUNT_FIELDS],
                ),
            ]
        ).sort("unit_code", "report_date")
        gaps = marks.with_columns(pl.col(f"gap_{c}").cum_sum().over("unit_code") for c in COUNT_FIELDS).filter(pl.col("_row").is_not_null())
        ordered = ordered.join(gaps.select("_row", *[f"gap_{c}" for c in COUNT_FIELDS]), on="_row", how="left")
    else:
        ordered = ordered.with_columns(pl.lit(0, dtype=pl.Int64).alias(f"gap_{c}") for c in COUNT_FIELDS)
    # x = the file's cumulative minus what is stored and kept before the day; the daily count is x
    # minus x on the unit's previous day with a figure for this count (0 before its first).
    ordered = ordered.with_columns(
        (pl.col(c) - pl.col(f"base_{c}").fill_null(0) - pl.col(f"gap_{c}").fill_null(0)).alias(f"x_{c}") for c in COUNT_FIELDS
    )
    ordered = ordered.with_columns(
        (pl.col(f"x_{c}") - pl.col(f"x_{c}").shift(1).forward_fill().over("unit_code").fill_null(0)).alias(f"d_{c}") for c in COUNT_FIELDS
    )
    found = _Found([])
    # c - d_c: the cumulative on the day before, as it will be stored once this file is in.
    _negative_counts(
        found,
        ordered,
        "d",
        "cumulative_below_stored",
        cols,
        lambda r, c: {"value": str(r[c]), "count": r[c], "day": r["report_date"], "stored": r[c] - r[f"d_{c}"]},
    )
    daily = (
        ordered.with_columns(pl.col(f"d_{c}").alias(c) for c in COUNT_FIELDS)
        .drop([f"{p}_{c}" for p in ("base", "gap", "x", "d") for c in COUNT_FIELDS])
        .sort("_row")
    )
    found.add(_too_large_problems(daily, cols, cumulative_of=facts, limit=found.room), room=found.room)
    if found:
        return found.checked()
    return Checked(ParsedReport(daily, DAILY, report.columns), [])


def restate_later(report: ParsedReport, later: pl.DataFrame) -> tuple[pl.DataFrame, Checked | None]:
    """The later days a cumulative file restates, so that each keeps the cumulative it reported.

    A province that reports cumulatively and sends an earlier day late (03/03 after 04/03): 04/03's
    daily count was its cumulative minus what was stored before it, which did not hold 03/03 yet. Once
    03/03 is in, 04/03's daily count becomes its stored cumulative minus 03/03's, so the cumulative on
    04/03 stays what the province reported and nothing is counted twice. `report`: the file as typed;
    `later`: intake.load.later_cumulative_days (per unit, its next stored day when that came from a
    cumulative report, with `cum_<count>` up to it). A day reported as daily counts keeps them.
    Returns the restated rows (unit_code, report_date, the counts, late: kept as it was), only those
    that change, and None; or no rows and the file's problems, on the file's row and column: one for
    each count the file puts above the later day's cumulative (`cumulative_above_later`), and one for
    each restated daily count above the unit's population (`later_too_large`: a file that lowers a
    cumulative stored before).
    """
    rows_schema = {"unit_code": pl.String, "report_date": pl.Date, **{c: pl.Int64 for c in COUNT_FIELDS}, "late": pl.Boolean}
    if later.height == 0:
        return pl.DataFrame(schema=rows_schema), None
    cols = Columns(report.columns, LABELS)
    facts = report.facts
    last = facts.filter(pl.col("report_date") == pl.col("report_date").max().over("unit_code")).select(
        "unit_code",
        "_row",
        "population",
        "unit_name",
        pl.col("report_date").alias("file_day"),
        *[pl.col(c).alias(f"file_{c}") for c in COUNT_FIELDS],
    )
    joined = later.join(last, on="unit_code").with_columns(
        pl.when(pl.col(f"file_{c}").is_null() | pl.col(c).is_null())
        .then(pl.col(c))
        .otherwise(pl.col(f"cum_{c}").fill_null(0) - pl.col(f"file_{c}"))
        .alias(f"new_{c}")
        for c in COUNT_FIELDS
    )
    found = _Found([])
    _negative_counts(
        found,
        joined,
        "new",
        "cumulative_above_later",
        cols,
        lambda r, c: {
            "value": str(r[f"file_{c}"]),
            "count": r[f"file_{c}"],
            "day": r["file_day"],
            "later": r[f"cum_{c}"] or 0,
            "later_day": r["report_date"],
        },
    )
    # A file that lowers the cumulative a later day is restated against raises that day's daily count:
    # it may not go above the unit's whole population, as no daily count may.
    for c in COUNT_FIELDS:
        over = joined.filter(pl.col(f"new_{c}") > pl.col("population")).sort("_row").head(found.room)
        found.add(
            [
                problems.make(
                    "later_too_large",
                    row=r["_row"],
                    value=str(r[f"file_{c}"]),
                    count=r[f"file_{c}"],
                    day=r["file_day"],
                    later=r[f"cum_{c}"],
                    later_day=r["report_date"],
                    daily=r[f"new_{c}"],
                    unit_name=r["unit_name"],
                    population=r["population"],
                    **cols.at(c),
                )
                for r in over.iter_rows(named=True)
            ]
        )
    if found:
        return pl.DataFrame(schema=rows_schema), found.checked()
    changed = ~pl.all_horizontal(pl.col(f"new_{c}").eq_missing(pl.col(c)) for c in COUNT_FIELDS)
    rows = joined.filter(changed).select("unit_code", "report_date", *[pl.col(f"new_{c}").alias(c) for c in COUNT_FIELDS], "late")
    return rows.cast(pl.Schema(rows_schema)).sort("unit_code", "report_date"), None


# A daily count counts as "looks cumulative" only once the unit has reported this much before: early in
# the rollout a commune may well double all it has done in one day.
SUSPECT_MINIMUM = 200


def looks_cumulative(report: ParsedReport, before: pl.DataFrame, minimum: int = SUSPECT_MINIMUM) -> list[tuple[int, str, str, int, int]]:
    """Rows of a daily file whose count is at or above everything the unit reported before the file's
    first day for it (`before`: per unit_code, the stored sums — intake.load.stored_before, widened to a
    district's communes): almost always a running total typed as the day's count. A warning, not a
    refusal — (row, unit_code, count, value, stored before), in row order; [] for a cumulative file."""
    if report.value_type != DAILY or report.facts.height == 0:
        return []
    base = report.facts.join(before.select("unit_code", *[pl.col(c).alias(f"base_{c}") for c in COUNT_FIELDS]), on="unit_code", how="inner")
    found = [
        (r["_row"], r["unit_code"], c, r[c], r[f"base_{c}"])
        for c in COUNT_FIELDS
        for r in base.filter(pl.col(c).is_not_null() & (pl.col(f"base_{c}") >= minimum) & (pl.col(c) >= pl.col(f"base_{c}"))).iter_rows(named=True)
    ]
    return sorted(found)
