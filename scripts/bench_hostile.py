"""Benchmark hostile report files (issue 16): peak memory and wall time of `cli.py import FILE --dry-run` per file.

Run from the project root:

    python -m scripts.bench_hostile            # print the table
    python -m scripts.bench_hostile --write    # and replace the bench_hostile block in docs/benchmarks.md

Each file is made on the spot (scripts/hostile_files.py) at the size the issue reported, plus two
honest files at the largest size a province sends (a national month at commune grain, as CSV and as
XLSX, rows of the real register). Each is checked in its own process — `cli.py import FILE --dry-run`
against a scratch SQLite database holding the register (`cli.py init-db`) — and the child's peak
resident memory (ru_maxrss from os.wait4) and wall time are read. Budget (issue 16): every file refused
or read within 512 MB and 30 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from intake.problems import column_letter
from scripts import hostile_files as hostile
from scripts.bench_support import write_block

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench_hostile:begin -->", "<!-- bench_hostile:end -->"
BUDGET_MB, BUDGET_S = 512, 30.0
MONTH_START = date(2021, 5, 1)

# What the issue measured before the limits (issue 16; no figure was measured again for "before").
BEFORE = {
    "sparse XFD": "web server 389 MB → 4.0 GB in 29 s; `cli.py import` past 3.5 GB",
    "commas": "1.4 GB",
    "all bad": "900,000 problems printed, 1.5 GB",
    "bomb": "ran past two minutes",
}


@dataclass
class Case:
    name: str
    before_key: str | None
    file_name: str
    make: callable


def _register_rows() -> pl.DataFrame:
    """Every reporting unit of the register: communes, and the island districts that report whole."""
    from db import reference

    units = reference.units_frame()
    communes = units.filter(pl.col("level") == "commune")
    districts = units.filter(pl.col("level") == "district")
    whole = districts.filter(~pl.col("code").is_in(communes["district_code"].unique().implode()) & (pl.col("population") > 0))
    return pl.concat(
        [
            communes.select("province_code", "district_code", pl.col("code").alias("commune_code"), "population"),
            whole.select("province_code", "district_code", pl.lit("").alias("commune_code"), "population"),
        ]
    ).sort("province_code", "district_code", "commune_code")


def national_month(days: int = 31, seed: int = 1) -> list[list[str]]:
    """A national month at commune grain: one row per reporting unit per day (daily counts)."""
    rng = random.Random(seed)
    units = _register_rows().rows()
    rows = []
    for d in range(days):
        day = (MONTH_START + timedelta(days=d)).strftime("%d/%m/%Y")
        for p, di, c, population in units:
            top = max(1, population // 400)
            rows.append([day, p, di, c, str(rng.randint(0, top)), "", str(rng.randint(0, top)), str(rng.randint(0, top)), str(rng.randint(0, top))])
    return rows


def month_csv() -> bytes:
    return (",".join(hostile.HEADER) + "\n" + "\n".join(",".join(r) for r in national_month()) + "\n").encode()


def _month_row(number: int, values: list[str]) -> str:
    """As openpyxl writes it: the date and the codes as text (inline strings), the counts as numbers."""
    cells = []
    for i, v in enumerate(values):
        ref = f"{column_letter(i)}{number}"
        if i >= 4 and v:
            cells.append(f'<c r="{ref}" t="n"><v>{v}</v></c>')
        elif v:
            cells.append(hostile._inline(ref, v))
    return f'<row r="{number}">{"".join(cells)}</row>'


def month_xlsx() -> bytes:
    rows = national_month()

    def chunks():
        yield hostile._SHEET_HEAD + f'<dimension ref="A1:I{len(rows) + 1}"/><sheetData>' + hostile._row_xml(1, hostile.HEADER)
        for start in range(0, len(rows), 10_000):
            yield "".join(_month_row(n + 2, r) for n, r in enumerate(rows[start : start + 10_000], start=start))
        yield "</sheetData></worksheet>"

    return hostile.workbook(chunks())


CASES = [
    Case("sparse XLSX, one value at column XFD per row, declared A1:XFD…", "sparse XFD", "xfd.xlsx", lambda: hostile.sparse_xfd_xlsx(200_000)),
    Case("the same without a `<dimension>`", "sparse XFD", "xfd-nodim.xlsx", lambda: hostile.sparse_xfd_xlsx(200_000, dimension=False)),
    Case("1 MB of commas", "commas", "commas.csv", lambda: hostile.commas_csv(2**20)),
    Case("header, then 1 MB of commas and a value", "commas", "commas-value.csv", lambda: hostile.commas_csv(2**20, header=True, value_at_end=True)),
    Case("100,000 rows, every cell wrong", "all bad", "all-bad.csv", lambda: hostile.all_bad_csv(100_000)),
    Case("400,000 rows (the row limit), every cell wrong", None, "all-bad-400k.csv", lambda: hostile.all_bad_csv(400_000)),
    Case("XML bomb: sheet inflating to 860 MB", "bomb", "bomb.xlsx", lambda: hostile.xml_bomb_xlsx(860)),
    Case("XML bomb: sheet inflating to 200 MB (under the size limit)", "bomb", "bomb-200.xlsx", lambda: hostile.xml_bomb_xlsx(200)),
    Case(
        "workbook with xl/workbook.xml cut in half",
        None,
        "damaged.xlsx",
        lambda: hostile.damaged(
            hostile.workbook([hostile._SHEET_HEAD, "<sheetData>", hostile._row_xml(1, hostile.HEADER), "</sheetData></worksheet>"]), "xl/workbook.xml"
        ),
    ),
    Case("honest: national month at commune grain, CSV (31 × 10,607 rows)", None, "month.csv", month_csv),
    Case("honest: the same month as XLSX", None, "month.xlsx", month_xlsx),
]


def run_one(path: Path, env: dict) -> tuple[float, float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS in MB, exit code and what it said (a refusal's first problem, else the headline),
    of `cli.py import path --dry-run`."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "import", str(path), "--dry-run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    lines = output.decode("utf-8", "replace").strip().splitlines()
    said = lines[1] if child.returncode == 1 and len(lines) > 1 else (lines[0] if lines else "")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode, said


def baseline(env: dict) -> tuple[float, float]:
    """The same process importing what `cli.py import` imports, and nothing read: its floor."""
    code = "import cli, intake.load, intake.summary, queries.export, openpyxl, pandera.polars"
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the bench_hostile block in docs/benchmarks.md")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/register.sqlite", "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "init-db"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        floor = baseline(env)
        print(f"baseline (imports only): {floor[1]:.0f} MB, {floor[0]:.1f} s")
        for case in CASES:
            data = case.make()
            path = Path(folder) / case.file_name
            path.write_bytes(data)
            del data
            wall, cpu, rss, code, first = run_one(path, env)
            ok = rss <= BUDGET_MB and wall <= BUDGET_S
            results.append((case, path.stat().st_size, wall, cpu, rss, code, first, ok))
            print(
                f"{'OK  ' if ok else 'OVER'} {case.name}: {path.stat().st_size / 2**20:.2f} MB file, {wall:.1f} s ({cpu:.1f} s CPU), {rss:.0f} MB, "
                f"exit {code}: {first[:150]}"
            )
            path.unlink()
    load = os.getloadavg()
    lines = [
        BEGIN,
        f"Measured {date.today():%d/%m/%Y} on {platform.node()} ({os.cpu_count()} CPUs, {platform.machine()}), load average "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; `python -m scripts.bench_hostile`. Each file checked by "
        f"`cli.py import FILE --dry-run` in its own process; peak RSS of that process (its imports alone: {floor[1]:.0f} MB, "
        f"{floor[0]:.1f} s). Budget: {BUDGET_MB} MB and {BUDGET_S:.0f} s per file.",
        "",
        "| file | size | before (issue 16) | after: wall (CPU) | after: peak RSS | outcome |",
        "|---|---|---|---|---|---|",
    ]
    for case, size, wall, cpu, rss, code, first, ok in results:
        outcome = ("refused: " if code else "read and checked: ") + first.replace("|", "\\|")
        lines.append(
            f"| {case.name} | {size / 2**20:.2f} MB | {BEFORE.get(case.before_key, '—') if case.before_key else '—'} | "
            f"{wall:.1f} s ({cpu:.1f} s) | {rss:.0f} MB{'' if ok else ' **over budget**'} | {outcome[:170]}{'…' if len(outcome) > 170 else ''} |"
        )
    lines.append(END)
    block = "\n".join(lines)
    print("\n" + block)
    if args.write:
        write_block(DOC, BEGIN, END, block)
    if not all(r[-1] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
