"""What checking the session costs the server (issue 14's budget: ≤ 5 ms added per rerun).

Measures, on SQLite and (with --postgres) PostgreSQL:
1. **per rerun**: `ui.access.resolve()` inside a real Streamlit script run (AppTest), where the
   verified session is read from the session (the database is asked again at most every 60 s);
2. **per new session** (and once a minute after): the full check — the cookie's signature, then the
   session's row joined to its account (`db.users.session_actor`);
3. **a sign-in**: the argon2id verification and the session's insert (`db.users.sign_in` +
   `start_session`), which happens once per browser.

    .venv/bin/python -m scripts.bench_access [--postgres URL] [--repeat 300] [--write]

`--write` replaces the access block in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import textwrap
import time
from datetime import date
from pathlib import Path

from scripts.bench_support import backend_arguments, on_both_backends, publish

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench_access:begin -->", "<!-- bench_access:end -->"
PASSWORD = "mua-thu-ha-noi-2021"

# A one-page Streamlit script that times resolve() as app.py calls it, once per rerun.
SCRIPT = textwrap.dedent(
    """
    import time
    import streamlit as st
    from ui import access

    n = int(st.session_state.get("bench_n", 300))
    access.resolve()  # the first call checks the database (a new session)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        access.resolve()
        samples.append(time.perf_counter() - t0)
    st.session_state["bench_samples"] = samples
    """
)


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def measure(url: str, repeat: int) -> dict[str, tuple[float, float]]:
    from streamlit.testing.v1 import AppTest

    from db import migrate, users
    from db.access import operator
    from db.engine import make_engine
    from tests.conftest import load_mini_country
    from web import session_cookie as sc

    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        load_mini_country(conn)
        users.add_user(conn, operator("bench"), username="canbo", display_name="Cán bộ", role="province", province_code="01", password=PASSWORD)
    out: dict[str, tuple[float, float]] = {}

    sign_ins = []
    for _ in range(max(5, repeat // 30)):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            actor = users.sign_in(conn, "canbo", PASSWORD, client="127.0.0.1").actor
            token = users.start_session(conn, actor, client="127.0.0.1")
        sign_ins.append(time.perf_counter() - t0)
    out["sign-in (argon2id + session)"] = _ms(sign_ins)

    cookie = sc.sign(token)
    checks = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            assert users.session_actor(conn, sc.unsign(cookie)) is not None
        checks.append(time.perf_counter() - t0)
    out["full check (new session, once a minute)"] = _ms(checks)

    os.environ["DATABASE_URL"] = url
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "bench_access_page.py"
        script.write_text(SCRIPT)
        at = AppTest.from_file(str(script), default_timeout=120)
        at.session_state["bench_n"] = repeat
        at.run()
        assert not at.exception, at.exception
        out["per rerun (session already checked)"] = _ms(at.session_state["bench_samples"])
    engine.dispose()
    return out


def report(results: dict[str, dict[str, tuple[float, float]]], repeat: int) -> str:
    load = os.getloadavg()
    lines = [
        BEGIN,
        f"Measured {date.today():%d/%m/%Y} on {platform.node()} ({os.cpu_count()} CPUs, {platform.processor() or platform.machine()}), "
        f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; `python -m scripts.bench_access --repeat {repeat}`.",
        "",
        "| what | " + " | ".join(f"{b} median (p95), ms" for b in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for what in next(iter(results.values())):
        lines.append(f"| {what} | " + " | ".join(f"{r[what][0]:.3f} ({r[what][1]:.3f})" for r in results.values()) + " |")
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    args = backend_arguments(__doc__, repeat=300)
    results = on_both_backends(lambda url: measure(url, args.repeat), args.postgres, "cccd_bench_access")
    block = report(results, args.repeat)
    publish(block, write=args.write, doc=DOC, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
