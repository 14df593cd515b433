"""Benchmark: build the simulated national rollout and time the progress queries, per backend.

Run from the project root; backends are --sqlite PATH and/or --postgres URL (neither: SQLite at
data/bench.sqlite):

    python -m scripts.bench                                   # SQLite only
    python -m scripts.bench --sqlite data/bench.sqlite \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/cccd_bench --markdown
    python -m scripts.bench --skip-build --repeat 50          # queries only, on the data there

For each backend it (1) builds the data set with simulate.demo.build_demo (unless --skip-build),
(2) times warm progress queries on one open connection, (3) prints the machine, and (4) checks
every figure against its budget: build <= 60 s, each progress query <= 100 ms warm (judged on p95).
The SQLite file is deleted before a build; the PostgreSQL database is created if missing and its
public schema dropped and recreated before a build. Results of the same query must be identical
on every backend; a mismatch is printed.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from db.engine import make_engine
from queries.progress import progress
from simulate.demo import build_demo

BUILD_BUDGET_S = 60.0
QUERY_BUDGET_MS = 100.0
DEFAULT_SQLITE = Path("data/bench.sqlite")
AS_OF_DATES = (date(2021, 4, 27), date(2021, 12, 31))
# (label, progress() keyword arguments); the metric is always applications_received.
QUERIES = (
    ("national", dict(level="national")),
    ("province, all 63", dict(level="province")),
    ("district, province 01", dict(level="district", province="01")),
    ("district, all 705", dict(level="district")),
    ("commune, district 001", dict(level="commune", district="001")),
)


@dataclass
class Result:
    backend: str
    url: str
    build: dict | None = None  # wall, simulate, write, rows, batches
    size_bytes: int | None = None
    server_version: str = ""
    # (query label, as-of) -> (rows returned, median ms, p95 ms)
    queries: dict = field(default_factory=dict)
    frames: dict = field(default_factory=dict)  # first result of each query, for the cross-check


def verdict(value: float, budget: float) -> str:
    return "OK" if value <= budget else "OVER"


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile (with 20 samples: the 19th smallest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def prepare_sqlite(path: Path, build: bool) -> str:
    if build:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif not path.exists():
        sys.exit(f"--skip-build, but {path} does not exist")
    return f"sqlite:///{path}"


def prepare_postgres(url: str, build: bool) -> None:
    """Create the database if missing (via the `postgres` database); empty it before a build."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()
    if build:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()


def database_size(engine: Engine, sqlite_path: Path | None) -> int:
    if sqlite_path is not None:  # main file plus the write-ahead log not yet checkpointed
        return sum(p.stat().st_size for p in (sqlite_path, Path(f"{sqlite_path}-wal")) if p.exists())
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()


def run_backend(res: Result, sqlite_path: Path | None, build: bool, repeat: int) -> None:
    engine = make_engine(res.url)
    if build:
        t0 = time.perf_counter()
        demo = build_demo(engine)
        wall = time.perf_counter() - t0
        res.build = dict(wall=wall, simulate=demo.seconds_simulate, write=demo.seconds_write, rows=demo.rows, batches=demo.batches)
        print(
            f"[{res.backend}] build: {wall:.1f} s wall ({demo.seconds_simulate:.1f} s simulate, "
            f"{demo.seconds_write:.1f} s write), {demo.rows:,} fact rows, {demo.batches:,} batches"
        )
    res.size_bytes = database_size(engine, sqlite_path)
    print(f"[{res.backend}] database size: {res.size_bytes / 2**20:,.1f} MiB")
    # One connection for every query, as a Streamlit session would hold it.
    with engine.connect() as conn:
        if sqlite_path is None:
            res.server_version = conn.execute(text("SHOW server_version")).scalar_one()
        for as_of in AS_OF_DATES:
            for label, kwargs in QUERIES:
                frame = progress(conn, as_of=as_of, metric="applications_received", **kwargs)  # warm-up
                samples = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    progress(conn, as_of=as_of, metric="applications_received", **kwargs)
                    samples.append((time.perf_counter() - t0) * 1000)
                res.queries[(label, as_of)] = (frame.height, statistics.median(samples), p95(samples))
                res.frames[(label, as_of)] = frame
                print(
                    f"[{res.backend}] {label:<22} as of {as_of}: {frame.height:>4} rows, "
                    f"median {statistics.median(samples):7.1f} ms, p95 {p95(samples):7.1f} ms"
                )
            national = res.frames[("national", as_of)]
            print(f"[{res.backend}] national cumulative as of {as_of}: {national['cumulative'][0]:,} " f"(coverage {national['coverage'][0]:.1%})")
    engine.dispose()


def cpu_reference() -> float:
    """Seconds for a pure-Python loop summing range(10_000_000): a CPU speed yardstick."""
    t0 = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - t0


def machine(results: list[Result], loop_start: float) -> list[tuple[str, str]]:
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:"))
    servers = ", ".join(r.server_version for r in results if r.server_version) or "n/a (not benchmarked)"
    return [
        ("Platform", platform.platform()),
        ("CPUs (os.cpu_count)", str(os.cpu_count())),
        ("RAM", f"{mem_kb / 2**20:.1f} GiB"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL server", servers),
        # Timed before and after the run: a big difference means other work shared the CPUs.
        ("Pure-Python loop, sum of range(10_000_000)", f"{loop_start:.2f} s at start, {cpu_reference():.2f} s at end"),
        ("Load average (1/5/15 min) at the end", " / ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def budget_lines(results: list[Result]) -> list[tuple[str, str, str, str, str]]:
    """(backend, figure, value, budget, OK/OVER) for every budgeted figure."""
    rows = []
    for r in results:
        if r.build:
            rows.append(
                (r.backend, "build (wall)", f"{r.build['wall']:.1f} s", f"<= {BUILD_BUDGET_S:.0f} s", verdict(r.build["wall"], BUILD_BUDGET_S))
            )
        for (label, as_of), (_, med, p) in r.queries.items():
            rows.append((r.backend, f"{label}, as of {as_of} (p95)", f"{p:.1f} ms", f"<= {QUERY_BUDGET_MS:.0f} ms", verdict(p, QUERY_BUDGET_MS)))
    return rows


def cross_check(results: list[Result]) -> None:
    """Every backend must return the same frame for the same query."""
    if len(results) < 2:
        return
    first = results[0]
    for other in results[1:]:
        for key, frame in first.frames.items():
            if not frame.equals(other.frames[key]):
                print(f"MISMATCH: {key[0]} as of {key[1]} differs between {first.backend} and {other.backend}")
        print(f"cross-check {first.backend} vs {other.backend}: done")


def md_table(header: list[str], rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(results: list[Result], mach: list[tuple[str, str]]) -> str:
    parts = ["### Machine", md_table(["", ""], mach)]
    built = [r for r in results if r.build]
    if built:
        parts += [
            "### Build",
            md_table(
                ["Backend", "Wall (s)", "Simulate (s)", "Write (s)", "Fact rows", "Batches", "DB size (MiB)", f"Budget {BUILD_BUDGET_S:.0f} s"],
                [
                    (
                        r.backend,
                        f"{r.build['wall']:.1f}",
                        f"{r.build['simulate']:.1f}",
                        f"{r.build['write']:.1f}",
                        f"{r.build['rows']:,}",
                        f"{r.build['batches']:,}",
                        f"{r.size_bytes / 2**20:,.1f}",
                        verdict(r.build["wall"], BUILD_BUDGET_S),
                    )
                    for r in built
                ],
            ),
        ]
    header = ["Query", "As of", "Rows"] + [f"{r.backend} median / p95 (ms)" for r in results] + [f"Budget {QUERY_BUDGET_MS:.0f} ms (p95)"]
    rows = []
    for key in results[0].queries:
        cells = [f"{r.queries[key][1]:.1f} / {r.queries[key][2]:.1f}" for r in results]
        ok = " / ".join(verdict(r.queries[key][2], QUERY_BUDGET_MS) for r in results)
        rows.append([key[0], str(key[1]), results[0].queries[key][0], *cells, ok])
    parts += ["### Query latency (warm)", md_table(header, rows)]
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", type=Path, default=None, help=f"SQLite file (default {DEFAULT_SQLITE} when --postgres is not given)")
    ap.add_argument("--postgres", default=None, help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/cccd_bench")
    ap.add_argument("--skip-build", action="store_true", help="time queries on the data already there")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per query after one warm-up (default 20)")
    ap.add_argument("--markdown", action="store_true", help="also print the results as markdown tables")
    args = ap.parse_args(argv)
    build = not args.skip_build
    loop_start = cpu_reference()

    # SQLite always runs unless only --postgres was asked for.
    sqlite_path = args.sqlite or (DEFAULT_SQLITE if not args.postgres else None)
    results: list[Result] = []
    if sqlite_path is not None:
        results.append(Result("SQLite", prepare_sqlite(sqlite_path, build)))
        run_backend(results[-1], sqlite_path, build, args.repeat)
    if args.postgres:
        prepare_postgres(args.postgres, build)
        results.append(Result("PostgreSQL", args.postgres))
        run_backend(results[-1], None, build, args.repeat)

    cross_check(results)
    mach = machine(results, loop_start)
    print("\nMachine:")
    for name, value in mach:
        print(f"  {name}: {value}")
    print("\nBudgets:")
    for backend, figure, value, budget, ok in budget_lines(results):
        print(f"  {ok:<4} [{backend}] {figure}: {value} (budget {budget})")
    if args.markdown:
        print("\n" + markdown(results, mach))


if __name__ == "__main__":
    main()
