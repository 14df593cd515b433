"""Build time of the handout deck (national and a director's) on a full national data set.

Usage: python -m scripts.bench_deck [--sqlite data/cccd.sqlite] [--as-of 2021-06-15] [--province 27] [--repeat 5]
Budget: the national deck ≤ 20 s. Each run is what `cli.py brief` does: read the frames through
queries/ (load_inputs), build the slides, render the charts with kaleido/Chromium (one browser per
deck), write the PPTX. Also built once: the spreadsheet handout. Prints medians and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 20.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def chromium_version() -> str:
    try:
        return subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not found"


def one_deck(engine, *, as_of: date, metric: str, denominator: str, province: str | None) -> dict[str, float]:
    from exports import deck
    from exports.slides import build_slides, deck_cover, load_inputs

    t0 = time.perf_counter()
    with engine.connect() as conn:
        inputs = load_inputs(conn, as_of=as_of, metric=metric, denominator=denominator, province=province)
    t1 = time.perf_counter()
    slides = build_slides(inputs)
    t2 = time.perf_counter()
    sizes = deck.chart_sizes(slides)
    pngs = deck.render_pngs([(s.figure, *size) for s, size in zip(slides, sizes, strict=True) if size])
    t3 = time.perf_counter()
    rendered = iter(pngs)
    data = deck.deck_pptx(slides, deck_cover(inputs), pictures=[next(rendered) if size else None for size in sizes])
    t4 = time.perf_counter()
    return {
        "total": t4 - t0,
        "queries": t1 - t0,
        "slides": t2 - t1,
        "charts": t3 - t2,
        "pptx": t4 - t3,
        "kb": len(data) / 1024,
        "charts_n": len(pngs),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", type=Path, default=ROOT / "data" / "cccd.sqlite")
    ap.add_argument("--as-of", default="2021-06-15")
    ap.add_argument("--metric", default="applications_received")
    ap.add_argument("--denominator", default="target")
    ap.add_argument("--province", default="27")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.sqlite.exists():
        raise SystemExit(f"{args.sqlite} not found: build it with `python cli.py demo` first")
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    from sqlalchemy import inspect

    from db.engine import make_engine
    from exports.spreadsheet import build_handout

    engine = make_engine(f"sqlite:///{args.sqlite.resolve()}")
    with engine.connect() as conn:
        events = inspect(conn).has_table("annotation")
    as_of = date.fromisoformat(args.as_of)
    print(f"date: {datetime.now():%Y-%m-%d %H:%M}; machine: {platform.platform()}; nproc {os.cpu_count()}; CPU {cpu_model()}")
    print(f"python {platform.python_version()}; {chromium_version()}; load average {os.getloadavg()[0]:.2f}")
    print(
        f"data: {args.sqlite} ({args.sqlite.stat().st_size / 2**20:.0f} MiB); as of {as_of}; {args.metric} / {args.denominator}; "
        f"events table: {'yes' if events else 'no (run `python cli.py init-db` to add it)'}"
    )
    for label, province in (("national deck", None), (f"director's deck {args.province}", args.province)):
        runs = [one_deck(engine, as_of=as_of, metric=args.metric, denominator=args.denominator, province=province) for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        verdict = "" if province else f"   budget ≤ {BUDGET_S:.0f} s  {'OK' if med['total'] <= BUDGET_S else 'OVER'}"
        print(
            f"{label:24s} median {med['total']:5.2f} s (min {min(r['total'] for r in runs):5.2f}, max {max(r['total'] for r in runs):5.2f}; "
            f"{args.repeat} runs) = queries {med['queries']:.2f} + slides {med['slides']:.2f} + {int(med['charts_n'])} charts {med['charts']:.2f} "
            f"+ pptx {med['pptx']:.2f}; {med['kb']:.0f} KB{verdict}"
        )
    t = time.perf_counter()
    with engine.connect() as conn:
        data = build_handout(conn, as_of=as_of, metric=args.metric, denominator=args.denominator)
    print(f"spreadsheet handout      {time.perf_counter() - t:5.2f} s; {len(data) / 1024:.0f} KB")
    engine.dispose()
    meeting_page_runs(args.sqlite, as_of=args.as_of, denominator=args.denominator, repeat=args.repeat)


def meeting_page_runs(sqlite: Path, *, as_of: str, denominator: str, repeat: int) -> None:
    """Server-side time of meeting mode (Streamlit AppTest): first run, then the "next slide" click warm
    (what the person with the clicker pays), budget ≤ 0.5 s like every page."""
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = f"sqlite:///{sqlite.resolve()}"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for key, value in {"as_of": as_of, "denominator": denominator, "mode": "meeting"}.items():
        at.query_params[key] = value
    t = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t
    assert not at.exception, at.exception
    clicks = []
    for _ in range(max(repeat, 7) * 2):  # around the deck twice: every slide warm
        t = time.perf_counter()
        at.button(key="mt_next").click().run()
        clicks.append(time.perf_counter() - t)
    warm = statistics.median(clicks[7:])
    print(
        f"meeting mode (AppTest)   first run {cold:5.2f} s; next-slide click warm median {warm:5.3f} s, max {max(clicks[7:]):5.3f} s"
        f"   budget ≤ 0.5 s  {'OK' if warm <= 0.5 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
