"""The declared cell rules of the report format (a pandera schema over the text cells) and the parsers behind them.

Every check is named after the problem code it raises, so a failure becomes a message without guessing.
A cell fails at most one check: the checks of a column are mutually exclusive by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandera.polars as pa
import polars as pl

from intake.spec import CODE_WIDTH, FIELD, VALUE_TYPE_INDEX, fold

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_TIME_SUFFIX = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"  # a time of day after the date (Excel date-time cells)
_SPACES = r"[\s\u00a0\u202f\u2007]"
_PLAIN = r"^\d{1,15}$"
_GROUPED = r"^\d{1,3}(\.\d{3})+$"  # 1.234.567: the Vietnamese thousands separator
_WHOLE_DECIMAL = r"^\d{1,15}[.,]0+$"  # 12.0 or 12,0 from a program that writes floats
_NEGATIVE = r"^[-\u2212]\d+([.,]\d+)*$"
_FRACTION = r"^\d+([.,]\d+)+$"


# --- parsers (shared by the checks and by the typed frame) -----------------------------------------


def parse_date(col: pl.Expr) -> pl.Expr:
    """ISO, dd/mm/yyyy (also with '-' or '.'), d/m/yyyy; a time of day is ignored; anything else null."""
    text = col.str.replace(_TIME_SUFFIX, "")
    return pl.coalesce([text.str.strptime(pl.Date, fmt, strict=False) for fmt in DATE_FORMATS])


def _count_text(col: pl.Expr) -> pl.Expr:
    return col.str.replace_all(_SPACES, "")


def parse_count(col: pl.Expr) -> pl.Expr:
    """'1250', '1.250' (grouped), '12.0' → Int64; negative, fractional or non-numeric → null.

    '1.000' is one thousand: the Vietnamese reading of the dot wins over the decimal one (a count has
    no fraction to write); '1,5' and '2.5' are fractions and refused."""
    text = _count_text(col)
    return (
        pl.when(text.str.contains(_PLAIN))
        .then(text)
        .when(text.str.contains(_GROUPED))
        .then(text.str.replace_all(".", "", literal=True))
        .when(text.str.contains(_WHOLE_DECIMAL))
        .then(text.str.extract(r"^(\d+)", 1))
        .otherwise(None)
        .cast(pl.Int64, strict=False)
    )


def parse_code(col: pl.Expr, field_id: str) -> pl.Expr:
    """'1' → '01' / '001' / '00001' by level (Excel dropped the zeros); not 1..width digits → null."""
    width = CODE_WIDTH[field_id]
    text = col.str.replace_all(_SPACES, "")
    return pl.when(text.str.contains(rf"^\d{{1,{width}}}$")).then(text.str.zfill(width)).otherwise(None)


def parse_value_type(col: pl.Expr) -> pl.Expr:
    """'lũy kế' / 'luy ke' / 'cumulative' → 'cumulative'; 'theo ngày' / 'daily' → 'daily'; else null."""
    return col.map_batches(
        lambda s: s.map_elements(lambda v: VALUE_TYPE_INDEX.get(fold(v)), return_dtype=pl.String, skip_nulls=True),
        return_dtype=pl.String,
    )


# --- the declared schema ----------------------------------------------------------------------------


def _check(name: str, ok: Callable[..., pl.Expr]) -> pa.Check:
    """A vectorised check named after its problem code; `ok(expr)` is True where the cell passes.
    Empty cells pass every check: whether a cell may be empty is the column's `nullable`."""
    return pa.Check(lambda data: data.lazyframe.select(pl.col(data.key).is_null() | ok(pl.col(data.key))), name=name)


def _date_checks(today: date, earliest: date) -> list[pa.Check]:
    return [
        _check("date_format", lambda c: parse_date(c).is_not_null()),
        _check("date_too_early", lambda c: parse_date(c).is_null() | (parse_date(c) >= earliest)),
        _check("date_future", lambda c: parse_date(c).is_null() | (parse_date(c) <= today)),
    ]


def _count_checks() -> list[pa.Check]:
    def kind_is(pattern: str):
        return lambda c: _count_text(c).str.contains(pattern)

    return [
        # not a number at all (words, units, formulas, dates)
        _check("not_numeric", lambda c: parse_count(c).is_not_null() | kind_is(_NEGATIVE)(c) | kind_is(_FRACTION)(c)),
        _check("negative", lambda c: ~kind_is(_NEGATIVE)(c)),
        _check("fractional", lambda c: parse_count(c).is_not_null() | ~kind_is(_FRACTION)(c)),
    ]


def cell_schema(columns: list[str], *, today: date, earliest: date) -> pa.DataFrameSchema:
    """Rules for each present column's text cells: required, date, code shape, whole number ≥ 0, value type."""
    spec: dict[str, pa.Column] = {}
    for field_id in columns:
        f = FIELD[field_id]
        if f.kind == "date":
            checks = _date_checks(today, earliest)
        elif f.kind == "code":
            checks = [_check("code_format", lambda c, fid=field_id: parse_code(c, fid).is_not_null())]
        elif f.kind == "count":
            checks = _count_checks()
        else:
            checks = [_check("value_type_unknown", lambda c: parse_value_type(c).is_not_null())]
        spec[field_id] = pa.Column(pl.String, checks=checks, nullable=f.nullable)
    return pa.DataFrameSchema(spec, strict=False, name="report cells")


def cell_failures(text: pl.DataFrame, columns: list[str], *, today: date, earliest: date) -> pl.DataFrame:
    """Every failing cell: `index` (position in `text`), `column` (field id), `code` (problem code), `value`."""
    schema = cell_schema(columns, today=today, earliest=earliest)
    try:
        schema.validate(text, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return cases.select(
            pl.col("index").cast(pl.Int64),
            pl.col("column").cast(pl.String),
            pl.when(pl.col("check") == "not_nullable").then(pl.lit("required")).otherwise(pl.col("check")).alias("code"),
            pl.col("failure_case").cast(pl.String).alias("value"),
        ).filter(pl.col("index").is_not_null())
    return pl.DataFrame(schema={"index": pl.Int64, "column": pl.String, "code": pl.String, "value": pl.String})


def typed(text: pl.DataFrame) -> pl.DataFrame:
    """The cells as values: Date, padded codes, Int64 counts, value type; a cell that fails its check is null."""
    exprs = [pl.col("_row")]
    for field_id in text.columns:
        if field_id == "_row":
            continue
        kind = FIELD[field_id].kind
        col = pl.col(field_id)
        if kind == "date":
            exprs.append(parse_date(col).alias(field_id))
        elif kind == "code":
            exprs.append(parse_code(col, field_id).alias(field_id))
        elif kind == "count":
            exprs.append(parse_count(col).alias(field_id))
        else:
            exprs.append(parse_value_type(col).alias(field_id))
    return text.select(exprs)
