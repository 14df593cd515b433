"""What one app process costs: resident memory idle and with N open Chromium sessions, and the
PostgreSQL connections it holds (docs/deploy.md's sizing figures).

    .venv/bin/python -m deploy.measure_sessions --database-url postgresql+psycopg://…/cccd --sessions 10

Starts `streamlit run asgi.py` on a free local port against the URL, opens the pages in Debian's
Chromium (one browser context, i.e. one Streamlit session, per tab), and reads /proc and
pg_stat_activity. Reading must be open (a simulated data set, or CCCD_PUBLIC_READ=1).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scripts.local_server import streamlit_server

PAGES = ["/", "/xep-hang", "/ban-do", "/tinh-cua-toi?province=26", "/chat-luong"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_pid(port: int) -> int:
    """The process listening on `port` (the streamlit server), from /proc/net/tcp and fd links."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = str(fd.readlink())
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    raise RuntimeError(f"nobody listens on {port}")


def connections(admin_url: str, database: str, pid_filter: str = "") -> int:
    engine = create_engine(admin_url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d"), {"d": database}).scalar_one()
    engine.dispose()
    return n - 1 if make_url(admin_url).database == database else n  # not counting our own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sessions", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    url = make_url(args.database_url)
    with streamlit_server(args.database_url, log=Path("/tmp/measure-sessions.log")) as base:
        pid = server_pid(int(base.rsplit(":", 1)[1]))
        time.sleep(2)
        print(f"idle (started, no session): {rss_mb(pid):.0f} MB, {connections(args.database_url, url.database)} PostgreSQL connections")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            pages = []
            peak_conn = 0
            cpu: list[float] = []
            for i in range(args.sessions):
                before = cpu_seconds(pid)
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.goto(base + PAGES[i % len(PAGES)])
                page.locator("[data-testid=stSidebar]").first.wait_for(timeout=90_000)
                page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=90_000)
                cpu.append(cpu_seconds(pid) - before)
                pages.append(page)
                peak_conn = max(peak_conn, connections(args.database_url, url.database))
                if i + 1 in (1, 5, 10, 20, args.sessions):
                    print(f"{i + 1} open sessions: {rss_mb(pid):.0f} MB, {peak_conn} PostgreSQL connections at most so far")
            time.sleep(3)
            later = sorted(cpu[1:]) or cpu
            print(
                f"server CPU per new session (page drawn): first {cpu[0]:.2f} s (cold caches), then median {later[len(later) // 2]:.2f} s, max {max(later):.2f} s"
            )
            print(f"{args.sessions} sessions settled: {rss_mb(pid):.0f} MB, {connections(args.database_url, url.database)} PostgreSQL connections")
            for page in pages:
                page.context.close()
            browser.close()
        time.sleep(5)
        print(f"all closed: {rss_mb(pid):.0f} MB (Streamlit frees a session's state when its tab closes; caches stay)")


if __name__ == "__main__":
    main()
