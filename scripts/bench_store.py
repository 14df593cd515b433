"""Writes into the full national data set: corrections and a new day through db.store.write_reports.

Usage: python -m scripts.bench_store [--sqlite data/cccd.sqlite] [--repeat 3]

Works on a copy of the SQLite file (the original is never touched). Times, per round: one
province (Bắc Ninh, 126 communes) correcting the last day; every commune correcting the last day;
every commune reporting a new day. These are what the intake does after validation; budget ≤ 2 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import func, select

from db import store
from db.engine import make_engine
from db.schema import admin_unit, calendar

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 2.0


def _facts(codes: list[str], day, value: int) -> pl.DataFrame:
    n = len(codes)
    return pl.DataFrame(
        {
            "batch_index": [0] * n,
            "unit_code": codes,
            "report_date": [day] * n,
            "applications_received": [value] * n,
            "cards_produced": [None] * n,
            "cards_delivered": [1] * n,
            "records_collected": [1] * n,
            "records_verified": [1] * n,
        },
        schema_overrides={"cards_produced": pl.Int64},
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", type=Path, default=ROOT / "data" / "cccd.sqlite")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if not args.sqlite.exists():
        raise SystemExit(f"{args.sqlite} not found: build it with `python cli.py demo` first")
    results: dict[str, list[float]] = {}
    for round_ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.sqlite"
            shutil.copyfile(args.sqlite, copy)
            engine = make_engine(f"sqlite:///{copy}")
            with engine.connect() as conn:
                last = conn.execute(select(func.max(calendar.c.day))).scalar_one()
                communes = [r[0] for r in conn.execute(select(admin_unit.c.code, admin_unit.c.province_code).where(admin_unit.c.level == "commune"))]
                bac_ninh = [
                    r[0] for r in conn.execute(select(admin_unit.c.code).where(admin_unit.c.level == "commune", admin_unit.c.province_code == "27"))
                ]
            meta = [store.BatchMeta(kind="cli", source_name="bench.csv", submitted_by="bench", received_at=datetime(2022, 1, 1, 9))]
            for name, facts in (
                ("one province (126 communes) corrects the last day", _facts(bac_ninh, last, 5 + round_)),
                ("every commune corrects the last day", _facts(communes, last, 6 + round_)),
                ("every commune reports a new day", _facts(communes, last + timedelta(days=1), 7)),
            ):
                t = time.perf_counter()
                with engine.begin() as conn:
                    store.write_reports(conn, facts, meta)
                results.setdefault(f"{name} ({facts.height:,} rows)", []).append(time.perf_counter() - t)
            engine.dispose()
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:62s} median {median:6.2f} s  max {max(times):6.2f} s  {'OK' if median <= BUDGET_S else 'OVER'} (≤ {BUDGET_S} s)")


if __name__ == "__main__":
    main()
