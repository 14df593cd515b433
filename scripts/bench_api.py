"""Benchmark the HTTP API: a national day sent in one call, and 63 provinces sending their day at once, against a running server.

Run from the project root:

    python -m scripts.bench_api                                   # SQLite (a scratch file)
    python -m scripts.bench_api --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test --write

For each backend: a database holding the reference data only (schema, register, quotas), one
national data-team account and one account per province, each with an API token; the server as
run.sh serves it (`streamlit run asgi.py`, scripts/local_server.py) on 127.0.0.1. Each round
removes every report (untimed), then:

1. **national day**: the 10,607-row national day (scripts/bench_intake.national_day_csv) sent as CSV
   with the data team's token — wall time from the request to the 201, the server process's CPU;
2. **63 provinces at once**: the same day cut by province, each part sent by its own province's
   token from its own thread, all released together — wall time until the last answer, each
   answer's latency, the server's CPU; then checks that 63 batches and every row are stored.

Budget (issue 18): a national day stored in <= 5 s; 63 concurrent sends all stored, none lost.
Server CPU is the server process's user + system time (/proc); PostgreSQL's own processes are not in it.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import func, select

from db import migrate, reference, tokens, users
from db.access import operator
from db.engine import make_engine
from db.schema import daily_fact, import_batch
from scripts import local_server
from scripts.bench_intake import DAY, national_day_csv
from scripts.bench_support import backend_arguments, on_both_backends, publish
from simulate.demo import clear_reports

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench_api:begin -->", "<!-- bench_api:end -->"
BUDGET_S = 5.0
TICKS = os.sysconf("SC_CLK_TCK")


def server_pid() -> int:
    """The server: this process's child running streamlit (local_server starts it with Popen)."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me and b"streamlit" in cmd:
                return int(entry.name)
    raise RuntimeError("server process not found")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def by_province(data: bytes) -> dict[str, bytes]:
    header, *lines = data.decode("utf-8").splitlines()
    parts: dict[str, list[str]] = {}
    for line in lines:
        parts.setdefault(line.split(",")[1], []).append(line)
    return {code: ("\n".join([header, *rows]) + "\n").encode("utf-8") for code, rows in parts.items()}


def prepare(url: str) -> dict[str, str]:
    """Reference data, accounts (single sign-on identities: no password hashing to wait for) and tokens."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    op = operator("bench")
    raw: dict[str, str] = {}
    with engine.begin() as conn:
        reference.load_reference(conn)
        codes = reference.units_frame().filter(level="province")["code"].to_list()
        users.add_user(conn, op, username="bench.c06", display_name="C06 (benchmark)", role="data_team", sso_identity="bench.c06@example")
        raw["national"] = tokens.create_token(conn, op, username="bench.c06", name="bench-national")[1]
        for code in codes:
            users.add_user(
                conn,
                op,
                username=f"bench.{code}",
                display_name=f"Tỉnh {code} (benchmark)",
                role="province",
                province_code=code,
                sso_identity=f"bench.{code}@example",
            )
            raw[code] = tokens.create_token(conn, op, username=f"bench.{code}", name=f"bench-{code}")[1]
    engine.dispose()
    return raw


def stored(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(daily_fact).where(daily_fact.c.report_date == DAY)).scalar_one(),
            conn.execute(select(func.count()).select_from(import_batch)).scalar_one(),
            int(conn.execute(select(func.coalesce(func.sum(daily_fact.c.applications_received), 0))).scalar_one()),
        )


def run_backend(name: str, url: str, repeat: int) -> dict:
    raw = prepare(url)
    engine = make_engine(url)
    data, rows = national_day_csv(seed=1)
    expected_sum = sum(int(line.split(",")[4]) for line in data.decode().splitlines()[1:])
    parts = by_province(data)
    env = {"CCCD_API_RATE_PER_MINUTE": "100000", "CCCD_API_BURST": "100000"}
    figures: dict[str, list[float]] = {
        "national wall": [],
        "national cpu": [],
        "63 wall": [],
        "63 cpu": [],
        "63 latency max": [],
        "63 latency median": [],
    }
    with tempfile.TemporaryDirectory() as folder, local_server.streamlit_server(url, log=Path(folder) / "server.log", env=env) as base:
        pid = server_pid()
        for i in range(repeat + 1):  # round 0 warms the server and is not counted
            with engine.begin() as conn:
                clear_reports(conn)
            with httpx.Client(base_url=base, timeout=120) as client:
                c0, t0 = cpu_seconds(pid), time.perf_counter()
                r = client.post(
                    "/api/v1/reports",
                    content=data,
                    params={"filename": "national.csv"},
                    headers={"Authorization": f"Bearer {raw['national']}", "Content-Type": "text/csv"},
                )
                t1, c1 = time.perf_counter(), cpu_seconds(pid)
            assert r.status_code == 201 and r.json()["rows_stored"] == rows, r.text[:500]
            assert stored(engine) == (rows, 1, expected_sum)
            with engine.begin() as conn:
                clear_reports(conn)
            start = threading.Barrier(len(parts) + 1)
            answers: dict[str, tuple[int, float]] = {}

            def send(code: str, body: bytes) -> None:
                with httpx.Client(base_url=base, timeout=300) as client:
                    start.wait()
                    s = time.perf_counter()
                    resp = client.post(
                        "/api/v1/reports",
                        content=body,
                        params={"filename": f"{code}.csv"},
                        headers={"Authorization": f"Bearer {raw[code]}", "Content-Type": "text/csv"},
                    )
                    answers[code] = (resp.status_code, time.perf_counter() - s)

            threads = [threading.Thread(target=send, args=item) for item in parts.items()]
            for t in threads:
                t.start()
            start.wait()
            c2, t2 = cpu_seconds(pid), time.perf_counter()
            for t in threads:
                t.join()
            t3, c3 = time.perf_counter(), cpu_seconds(pid)
            statuses = sorted({s for s, _ in answers.values()})
            assert len(answers) == len(parts) == 63 and statuses == [201], statuses
            assert stored(engine) == (rows, 63, expected_sum), stored(engine)
            latencies = [s for _, s in answers.values()]
            print(
                f"[{name}] round {i}{' (warm-up)' if not i else ''}: national day {t1 - t0:.2f} s (server CPU {c1 - c0:.2f} s); "
                f"63 provinces at once {t3 - t2:.2f} s (server CPU {c3 - c2:.2f} s, slowest answer {max(latencies):.2f} s), "
                f"{rows:,} rows and 63 batches stored"
            )
            if i:
                figures["national wall"].append(t1 - t0)
                figures["national cpu"].append(c1 - c0)
                figures["63 wall"].append(t3 - t2)
                figures["63 cpu"].append(c3 - c2)
                figures["63 latency max"].append(max(latencies))
                figures["63 latency median"].append(statistics.median(latencies))
    engine.dispose()
    return {"rows": rows, "bytes": len(data), **{k: (statistics.median(v), min(v), max(v)) for k, v in figures.items()}}


def report(results: dict[str, dict], repeat: int) -> str:
    load = os.getloadavg()
    first = next(iter(results.values()))
    lines = [
        BEGIN,
        f"Measured {date.today():%d/%m/%Y} on {platform.node()} ({os.cpu_count()} CPUs, {platform.machine()}), load average "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the end; `python -m scripts.bench_api --repeat {repeat}"
        f"{' --postgres …' if 'PostgreSQL' in results else ''}`. {first['rows']:,} rows ({first['bytes'] / 2**20:.1f} MB of CSV); "
        f"medians of {repeat} rounds after a warm-up (min – max).",
        "",
        "| backend | national day in one call: wall, s | server CPU, s | 63 provinces at once: wall until the last answer, s | "
        "server CPU, s | answers: median / slowest, s | stored | budget 5 s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, r in results.items():

        def cell(key: str) -> str:
            med, lo, hi = r[key]
            return f"{med:.2f} ({lo:.2f} – {hi:.2f})"

        ok = "OK" if r["national wall"][0] <= BUDGET_S else "**OVER**"
        lines.append(
            f"| {backend} | {cell('national wall')} | {cell('national cpu')} | {cell('63 wall')} | {cell('63 cpu')} | "
            f"{r['63 latency median'][0]:.2f} / {r['63 latency max'][0]:.2f} | {r['rows']:,} rows, 63 batches, none lost "
            f"(every round) | {ok} |"
        )
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    args = backend_arguments(__doc__, repeat=3)
    names = iter(["SQLite", "PostgreSQL"])
    results = on_both_backends(lambda url: run_backend(next(names), url, args.repeat), args.postgres, "cccd_bench_api")
    block = report(results, args.repeat)
    publish(block, write=args.write, doc=DOC, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
