"""Server-side run time of each page (Streamlit AppTest, warm caches) on a full national data set.

Usage: python -m scripts.bench_pages [--sqlite data/cccd.sqlite] [--repeat 10]
Budget: every page ≤ 0.5 s warm (overview: foundation issue; rankings and the director's
scorecard: rankings issue). A warm run is a rerun of a session whose caches are filled,
which is what a user clicking through pays; the first (cold) run is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# name → (page file, URL parameters)
PAGES = {
    "overview": (None, {"as_of": "2021-04-27"}),
    "overview after deadline": (None, {"as_of": "2021-12-31"}),
    "overview, my province 27": (None, {"as_of": "2021-04-27", "province": "27"}),
    "rankings": ("app_pages/rankings.py", {"as_of": "2021-04-27"}),
    "rankings, my province 27": ("app_pages/rankings.py", {"as_of": "2021-04-27", "province": "27"}),
    "scorecard 27 (Bắc Ninh)": ("app_pages/scorecard.py", {"as_of": "2021-04-27", "province": "27"}),
    "scorecard 01 (Hà Nội)": ("app_pages/scorecard.py", {"as_of": "2021-06-15", "province": "01"}),
    "data quality": ("app_pages/quality.py", {"as_of": "2021-04-27"}),
}
BUDGET_S = 0.5


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", type=Path, default=ROOT / "data" / "cccd.sqlite")
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args(argv)
    if not args.sqlite.exists():
        raise SystemExit(f"{args.sqlite} not found: build it with `python cli.py demo` first")
    os.environ["DATABASE_URL"] = f"sqlite:///{args.sqlite.resolve()}"
    from streamlit.testing.v1 import AppTest

    print(f"data: {args.sqlite} ({args.sqlite.stat().st_size / 2**20:.0f} MiB)")
    for name, (page, params) in PAGES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        for key, value in params.items():
            at.query_params[key] = value
        t = time.perf_counter()
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        cold = time.perf_counter() - t
        assert not at.exception, at.exception
        warm = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t)
        median = statistics.median(warm)
        verdict = "OK" if median <= BUDGET_S else "OVER"
        print(f"{name:28s} cold {cold:6.2f} s   warm median {median:5.3f} s  max {max(warm):5.3f} s   budget ≤ {BUDGET_S} s  {verdict}")


if __name__ == "__main__":
    main()
