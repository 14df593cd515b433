"""Benchmark the report intake: a national day at commune grain, validated and stored, per backend.

Run from the project root:

    python -m scripts.bench_intake                                        # SQLite only (data/bench_intake.sqlite)
    python -m scripts.bench_intake --postgres postgresql+psycopg://postgres@127.0.0.1:5432/cccd_bench_intake --markdown

For each backend it (1) creates an empty database holding the reference data (schema, register,
quotas; the SQLite file is deleted first, the PostgreSQL database created if missing and its
public schema recreated), (2) builds the file a national day would be: one row per reporting unit
of the register (every commune and the island districts that report as a whole) as a
Vietnamese-header CSV, (3) times `intake.load.import_report` end to end — read, validate, one
transaction through db.store, rollups — for a first national day into an empty fact table and for
a corrected re-submission of that day in which every row changes (10,607 facts to history), and
(4) prints medians against the budget: <= 2 s each. Between timed runs the reports are removed
(untimed), so every run starts from the same state. The validation share (read + checks, no
writes) is timed separately.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

import polars as pl

from db import migrate, reference
from db.engine import make_engine
from db.access import operator
from intake.load import check_file, import_report
from intake.spec import FIELD
from scripts.bench import cpu_reference, md_table, prepare_postgres, prepare_sqlite, verdict
from simulate.demo import clear_reports

BUDGET_S = 2.0
DEFAULT_SQLITE = Path("data/bench_intake.sqlite")
DAY = date(2021, 6, 15)
RECEIVED = datetime(2021, 6, 15, 16, 30)
COLUMNS = (
    "report_date",
    "province_code",
    "district_code",
    "commune_code",
    "applications_received",
    "cards_produced",
    "cards_delivered",
    "records_collected",
    "records_verified",
)


def national_day_csv(seed: int) -> tuple[bytes, int]:
    """Every reporting unit of the register for DAY, counts drawn with random.Random(seed), as UTF-8 CSV."""
    units = reference.units_frame()
    communes = units.filter(pl.col("level") == "commune")
    districts = units.filter(pl.col("level") == "district")
    # Island districts without communes report as a whole; Hoàng Sa (no residents) does not report.
    whole = districts.filter(~pl.col("code").is_in(communes["district_code"].unique().implode()) & (pl.col("population") > 0))
    reporting = pl.concat(
        [
            communes.select("province_code", "district_code", pl.col("code").alias("commune_code"), "population"),
            whole.select("province_code", "district_code", pl.lit("").alias("commune_code"), "population"),
        ]
    ).sort("province_code", "district_code", "commune_code")
    rng = random.Random(seed)
    lines = [",".join(FIELD[c].label_vi for c in COLUMNS)]
    for p, d, c, population in reporting.iter_rows():
        top = max(1, population // 50)
        counts = [rng.randint(0, top) for _ in range(5)]
        lines.append(",".join([DAY.strftime("%d/%m/%Y"), p, d, c, *map(str, counts)]))
    return ("\n".join(lines) + "\n").encode("utf-8"), reporting.height


def _clear(engine) -> None:
    with engine.begin() as conn:
        clear_reports(conn)


def run_backend(name: str, url: str, repeat: int) -> dict:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        reference.load_reference(conn)
    first, rows = national_day_csv(seed=1)
    corrected, _ = national_day_csv(seed=2)
    figures: dict[str, list[float]] = {"validate": [], "first day": [], "corrected day": []}
    for i in range(repeat + 1):  # the first round warms caches and is not counted
        _clear(engine)
        t0 = time.perf_counter()
        with engine.connect() as conn:
            checked = check_file(conn, first, "national.csv", cumulative=False, today=DAY)
        t1 = time.perf_counter()
        assert not checked.problems, checked.problems[:3]
        result = import_report(engine, first, "national.csv", actor=operator("bench"), now=RECEIVED)
        t2 = time.perf_counter()
        fixed = import_report(engine, corrected, "national-fixed.csv", actor=operator("bench"), now=RECEIVED)
        t3 = time.perf_counter()
        assert result.status == "accepted" and result.rows_new == rows, result
        assert fixed.status == "accepted" and fixed.rows_replaced > 0.99 * rows, fixed
        if i:
            figures["validate"].append(t1 - t0)
            figures["first day"].append(t2 - t1)
            figures["corrected day"].append(t3 - t2)
        print(
            f"[{name}] round {i}{' (warm-up)' if not i else ''}: validate {t1 - t0:.2f} s, first day {t2 - t1:.2f} s, "
            f"corrected day {t3 - t2:.2f} s ({fixed.rows_replaced:,} replaced)"
        )
    _clear(engine)
    engine.dispose()
    return {"rows": rows, "bytes": len(first), **{k: (statistics.median(v), min(v), max(v)) for k, v in figures.items()}}


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", type=Path, default=None, help=f"SQLite file (default {DEFAULT_SQLITE} when --postgres is not given)")
    ap.add_argument("--postgres", default=None, help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/cccd_bench_intake")
    ap.add_argument("--repeat", type=int, default=5, help="timed rounds after one warm-up (default 5)")
    ap.add_argument("--markdown", action="store_true", help="also print the results as a markdown table")
    args = ap.parse_args(argv)
    loop_start = cpu_reference()
    results = {}
    sqlite_path = args.sqlite or (DEFAULT_SQLITE if not args.postgres else None)
    if sqlite_path is not None:
        results["SQLite"] = run_backend("SQLite", prepare_sqlite(sqlite_path, True), args.repeat)
    if args.postgres:
        prepare_postgres(args.postgres, True)
        results["PostgreSQL"] = run_backend("PostgreSQL", args.postgres, args.repeat)
    loop_end = cpu_reference()

    machine = [
        ("Platform", platform.platform()),
        ("CPUs (nproc)", str(os.cpu_count())),
        ("CPU model", cpu_model()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Pure-Python loop, sum of range(10_000_000)", f"{loop_start:.2f} s at start, {loop_end:.2f} s at end"),
        ("Load average (1/5/15 min) at the end", " / ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]
    print("\nMachine:")
    for key, value in machine:
        print(f"  {key}: {value}")
    rows = []
    for backend, r in results.items():
        for figure in ("validate", "first day", "corrected day"):
            med, lo, hi = r[figure]
            budget = "" if figure == "validate" else verdict(med, BUDGET_S)
            rows.append((backend, figure, f"{r['rows']:,}", f"{med:.2f}", f"{lo:.2f} – {hi:.2f}", budget))
            print(f"  {budget or '    ':<4} [{backend}] {figure}: median {med:.2f} s (min {lo:.2f}, max {hi:.2f}), {r['rows']:,} rows")
    if args.markdown:
        print("\n" + md_table(["", ""], machine))
        print("\n" + md_table(["Backend", "Step", "Rows", "Median (s)", "Min – max (s)", f"Budget {BUDGET_S:.0f} s"], rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
