"""What a visitor costs (issue 15, goals 1–3): new Streamlit sessions in real Chromium against the running
server — server CPU per page view, time to content cold and warm, and a meeting-morning load of 100 viewers,
through one app process and through two behind nginx.

    .venv/bin/python -m scripts.bench_sessions [--views 10] [--viewers 100] [--pages overview,map,…] [--skip-proxy] [--write]

Every view is a new browser context (its own Streamlit session, empty HTTP cache) at 1920×1080 in Debian's
Chromium driven by Playwright (the browser, not the websocket protocol: the page's own JavaScript, Plotly
drawing included, is part of "time to content"). A view is *ready* when the page's content is drawn (a
selector or text of its own, see PAGES) and Streamlit's run has finished (`stApp` reports `notRunning` and
no running indicator is in the page); the time is the browser's own clock from navigation start.

1. Per page (a fresh server each): the first view after the server started (cold server, empty cache),
   2 warm-up views, then --views new-context views: server CPU per view = the server process tree's CPU
   time (/proc: utime+stime, children included) over those views ÷ their number; then 5 new tabs of one
   context (a new session each, JavaScript in the HTTP cache). Two floors, each under its own
   `streamlit run` with the same .streamlit/config.toml: scripts/one_chart_app.py (one st.plotly_chart
   and a title; goal 1's yardstick) and scripts/title_only_app.py (a title alone: Streamlit's own front
   end on this machine, what no page can go below).
2. The mix (--viewers, default 100: 63 scorecards of different provinces, 20 rankings, 15 overviews,
   2 meeting-mode projectors, scaled if fewer), arrival times drawn uniformly over --spread seconds; at most
   --cap pages loading at once (the client's cap; time waiting for it is counted in "from open"); every
   viewer stays open until all are ready (100 live sessions), then RSS is read and all close.
3. The same mix through two app processes behind nginx serving deploy/nginx/cccd.conf (rendered with
   free ports, run in the foreground with its own pid/log/temp paths), unless --skip-proxy.

CPU of the server(s), of the client (Chromium, the Playwright driver and this script) and of nginx are
read separately from /proc, with the machine's total busy time (/proc/stat): the rest is other people's.
The simulated national data set is built once into --sqlite (default data/bench_sessions.sqlite) if the
file is missing; --postgres URL runs on PostgreSQL instead (built there if it has no reports yet).
With --write the report replaces the bench_sessions block of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from scripts.local_nginx import NGINX, nginx
from scripts.local_server import free_port, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench_sessions:begin -->", "<!-- bench_sessions:end -->"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# Nothing resolves but this machine (no request interception: that would switch the HTTP cache off).
NO_OUTSIDE_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "http://localhost", "ws://localhost", "data:", "blob:", "about:")
FLOOR_SCRIPT = ROOT / "scripts" / "one_chart_app.py"
TITLE_ONLY_SCRIPT = ROOT / "scripts" / "title_only_app.py"
VIEWPORT = {"width": 1920, "height": 1080}
AS_OF = "2021-04-27"
SCORECARD_PROVINCE, PROVINCE_PAGE = "27", "48"  # Bắc Ninh's scorecard, Đà Nẵng's province page
CLK = os.sysconf("SC_CLK_TCK")
GOAL_CPU_S, GOAL_FLOOR_RATIO, GOAL_WARM_S, GOAL_COLD_S = 0.15, 1.5, 1.0, 3.0
GOAL_P95_S, GOAL_RSS_MB = 8.0, 1024

# Streamlit's run finished: the app reports `notRunning` and no running indicator is in the page.
RUN_DONE = (
    "(() => { const app = document.querySelector('[data-testid=stApp]');"
    " return !!app && app.getAttribute('data-test-script-state') === 'notRunning'"
    " && !document.querySelector('[data-testid=stStatusWidget]'); })()"
)


def heading(pattern: str) -> str:
    return f"[...document.querySelectorAll('h1, h2, h3')].some(h => {pattern}.test(h.textContent))"


def title_is(text: str) -> str:
    return f"[...document.querySelectorAll('h1')].some(h => h.textContent.trim() === {json.dumps(text)})"


PLOT_DRAWN = "!!document.querySelector('.js-plotly-plot .main-svg')"


def province_names() -> dict[str, str]:
    with open(ROOT / "geo" / "data" / "units.csv", encoding="utf-8") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f) if r["level"] == "province"}


NAMES = province_names()


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    content: str  # JavaScript expression: the page's content is drawn
    what: str  # the same, for the report

    @property
    def ready(self) -> str:
        return f"() => ({RUN_DONE}) && ({self.content}) ? performance.now() : false"


def overview() -> Page:
    return Page(
        "overview",
        f"/?as_of={AS_OF}",
        f"{heading('/Còn .* ngày đến hạn/')} && {PLOT_DRAWN}",
        "“Còn … ngày đến hạn” subheader and a Plotly chart drawn",
    )


def map_page() -> Page:
    return Page(
        "map",
        f"/ban-do?as_of={AS_OF}",
        "document.querySelectorAll('[data-testid=app-chart] path.choroplethlocation').length >= 63",
        "the 63 provinces drawn in [data-testid=app-chart]",
    )


def rankings(province: str | None = None) -> Page:
    extra = f"&province={province}" if province else ""
    return Page(
        "rankings",
        f"/xep-hang?as_of={AS_OF}{extra}",
        f"{heading('/Xếp hạng 63 tỉnh/')} && !!document.querySelector('[data-testid=stDataFrame] canvas') && {PLOT_DRAWN}",
        "its title, the stDataFrame grid and the rank chart drawn",
    )


def scorecard(province: str = SCORECARD_PROVINCE) -> Page:
    return Page(
        "scorecard",
        f"/tinh-cua-toi?as_of={AS_OF}&province={province}",
        f"{title_is(NAMES[province])} && !!document.querySelector('[data-testid=stMetricValue]') && {PLOT_DRAWN}",
        "the province's name as title, its rank card and the rank chart drawn",
    )


def province_page(province: str = PROVINCE_PAGE) -> Page:
    return Page(
        "province",
        f"/tinh?as_of={AS_OF}&province={province}",
        f"{title_is(NAMES[province])} && !!document.querySelector('[data-testid=stMetricValue]') && {PLOT_DRAWN}",
        "the province's name as title, its first card and the trend chart drawn",
    )


def meeting() -> Page:
    return Page(
        "meeting",
        f"/hop?as_of={AS_OF}",
        "!!document.querySelector('.mt-title') && [...document.querySelectorAll('.mt-position')].some(e => e.textContent.trim().startsWith('1/'))",
        "slide 1: its title and “1/7”",
    )


def one_chart() -> Page:
    return Page("one-chart", "/", f"{heading('/Một biểu đồ/')} && {PLOT_DRAWN}", "its title and the bar chart drawn")


def title_only() -> Page:
    return Page("title-only", "/", heading("/Chỉ tiêu đề/"), "its title drawn")


PAGES = {
    "overview": overview,
    "map": map_page,
    "rankings": rankings,
    "scorecard": scorecard,
    "province": province_page,
    "meeting": meeting,
    "one-chart": one_chart,
    "title-only": title_only,
}
FLOORS = {"one-chart": FLOOR_SCRIPT, "title-only": TITLE_ONLY_SCRIPT}
DASHBOARD_PAGES = ["overview", "map", "rankings", "scorecard", "province", "meeting"]


# --- /proc: CPU and memory of process trees ------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(ppid, own CPU s, reaped children's CPU s) of `pid`, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK, (int(fields[13]) + int(fields[14])) / CLK


def snapshot() -> dict[int, tuple[int, float, float]]:
    snap = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (s := _stat(int(entry))):
            snap[int(entry)] = s
    return snap


def tree(snap: dict, root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in snap.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in snap and pid not in found:
            found.add(pid)
            todo += children.get(pid, [])
    return found


def machine_busy() -> float:
    """CPU seconds this machine spent busy (all cores, everyone), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal, *_ = (int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:])
    return (user + nice + system + irq + softirq + steal) / CLK


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Meter:
    """CPU seconds of the server trees, nginx, the client (this process and its other descendants: the
    Playwright driver and Chromium) and the machine as a whole, between start() and stop().
    A tree's CPU is Σ (own + reaped children's) over its live processes: a process that exits and is
    reaped by its parent inside the tree moves its time into the parent's, so nothing is lost."""

    def __init__(self, servers: list[int], nginx: int | None = None):
        self.servers, self.nginx = servers, nginx

    def _read(self) -> dict[str, float]:
        snap = snapshot()
        out: dict[str, float] = {"machine": machine_busy()}
        taken: set[int] = set()
        for i, pid in enumerate(self.servers):
            pids = tree(snap, pid)
            taken |= pids
            out[f"server{i}"] = sum(snap[p][1] + snap[p][2] for p in pids)
        if self.nginx:
            pids = tree(snap, self.nginx)
            taken |= pids
            out["nginx"] = sum(snap[p][1] + snap[p][2] for p in pids)
        me = os.getpid()
        client = tree(snap, me) - taken - {me}
        out["client"] = snap[me][1] + sum(snap[p][1] + snap[p][2] for p in client)
        return out

    def start(self) -> Meter:
        self.t0, self.before, self.load0 = time.monotonic(), self._read(), os.getloadavg()
        return self

    def stop(self) -> dict[str, float]:
        after = self._read()
        d = {k: after[k] - self.before.get(k, 0.0) for k in after}
        d["server"] = sum(v for k, v in d.items() if k.startswith("server"))
        d["others"] = d["machine"] - d["server"] - d.get("nginx", 0.0) - d["client"]
        d["wall"] = time.monotonic() - self.t0
        d["load0"], d["load1"] = self.load0, os.getloadavg()
        return d


# --- servers ---------------------------------------------------------------------------------------------


def child_listening(port: int) -> int:
    """Our child process whose command line names `port` (a `streamlit run … --server.port PORT`)."""
    me = os.getpid()
    for pid, (ppid, _, _) in snapshot().items():
        if ppid != me:
            continue
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and str(port).encode() in args:
            return pid
    raise RuntimeError(f"no child process of ours serves port {port}")


@contextmanager
def dashboard(url: str, logs: Path, name: str, port: int | None = None):
    """The dashboard as run.sh serves it (`streamlit run asgi.py`, scripts/local_server.py): (base URL, pid)."""
    port = port or free_port()
    with streamlit_server(url, log=logs / f"{name}.log", port=port, start_timeout=240) as base:
        yield base, child_listening(port)


@contextmanager
def floor_app(logs: Path, name: str = "one-chart"):
    """A floor app (FLOORS: scripts/one_chart_app.py, scripts/title_only_app.py) under its own
    `streamlit run` from the project root (same config.toml)."""
    port = free_port()
    with open(logs / f"{name}.log", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(FLOORS[name]), "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, 120)
            yield base, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def wait_healthy(base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{base} did not answer its health check within {timeout:.0f} s")


# --- views -----------------------------------------------------------------------------------------------


@dataclass
class View:
    page: str
    path: str
    seconds: float | None = None  # navigation start → ready, the browser's clock
    from_open: float | None = None  # the viewer's arrival → ready (client queue and context creation included)
    queued: float = 0.0
    error: str | None = None
    outside: list[str] = field(default_factory=list)
    bytes: int = 0
    deltas: int = 0


async def open_view(context, base: str, page_spec: Page, *, timeout_s: float, polling="raf", view: View | None = None):
    """Open `page_spec` in a new tab of `context`; returns (tab, View)."""
    view = view or View(page_spec.name, page_spec.path)
    tab = await context.new_page()
    tab.on("request", lambda r: view.outside.append(r.url) if not r.url.startswith(LOCAL) else None)
    try:
        await tab.goto(base + page_spec.path, wait_until="commit", timeout=timeout_s * 1000)
        handle = await tab.wait_for_function(page_spec.ready, polling=polling, timeout=timeout_s * 1000)
        view.seconds = await handle.json_value() / 1000
    except Exception as exc:  # a timeout or a crashed page: counted, reported
        view.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    return tab, view


async def single_view(browser, base: str, page_spec: Page, timeout_s: float = 180) -> View:
    context = await browser.new_context(viewport=VIEWPORT)
    try:
        _, view = await open_view(context, base, page_spec, timeout_s=timeout_s)
        await asyncio.sleep(0.3)  # the session's last messages
        return view
    finally:
        await context.close()


@dataclass
class PageResult:
    name: str
    what: str
    cold: View
    warm: list[View]
    cached: list[View]
    cpu: dict[str, float]
    views: int
    cold_cpu: float
    rss_mb: float
    cached_cpu: float


async def measure_page(browser, name: str, url: str, logs: Path, n: int) -> PageResult:
    spec = PAGES[name]()
    serve = floor_app(logs, name) if name in FLOORS else dashboard(url, logs, f"page-{name}")
    with serve as (base, pid):
        meter = Meter([pid]).start()
        cold = await single_view(browser, base, spec)
        cold_cpu = meter.stop()["server"]
        for _ in range(2):
            await single_view(browser, base, spec)
        meter = Meter([pid]).start()
        warm = [await single_view(browser, base, spec) for _ in range(n)]
        cpu = meter.stop()
        cached: list[View] = []
        context = await browser.new_context(viewport=VIEWPORT)
        tab, _ = await open_view(context, base, spec, timeout_s=180)  # fills the HTTP cache
        await tab.close()
        cached_meter = Meter([pid]).start()
        for _ in range(min(5, n)):
            tab, view = await open_view(context, base, spec, timeout_s=180)
            cached.append(view)
            await asyncio.sleep(0.3)
            await tab.close()
        cached_cpu = cached_meter.stop()["server"] / max(1, len(cached))
        await context.close()
        rss = rss_mb(pid)
    result = PageResult(name, spec.what, cold, warm, cached, cpu, n, cold_cpu, rss, cached_cpu)
    ok = [v.seconds for v in warm if v.seconds is not None]
    print(
        f"  {name:10s} cold {fmt_s(cold.seconds)}  warm median {fmt_s(median(ok))}  server CPU/view {cpu['server'] / n:.3f} s"
        f"  client CPU/view {cpu['client'] / n:.2f} s  load {cpu['load1'][0]:.2f}",
        flush=True,
    )
    return result


# --- the meeting-morning mix -------------------------------------------------------------------------------


def the_mix(viewers: int, seed: int, spread: float) -> list[tuple[float, Page]]:
    """63 scorecards (every province), 20 rankings, 15 overviews, 2 meeting projectors per 100, arrivals uniform over `spread` s."""
    rnd = random.Random(seed)
    provinces = sorted(NAMES)
    shares = {"scorecard": 63, "rankings": 20, "overview": 15, "meeting": 2}
    counts = {k: round(v * viewers / 100) for k, v in shares.items()}
    counts["scorecard"] += viewers - sum(counts.values())
    pages: list[Page] = []
    pages += [scorecard(provinces[i % len(provinces)]) for i in range(counts["scorecard"])]
    pages += [rankings(rnd.choice(provinces)) for _ in range(counts["rankings"])]
    pages += [overview() for _ in range(counts["overview"])]
    pages += [meeting() for _ in range(counts["meeting"])]
    rnd.shuffle(pages)
    arrivals = sorted(rnd.uniform(0, spread) for _ in pages)
    return list(zip(arrivals, pages))


@dataclass
class MixResult:
    label: str
    processes: int
    views: list[View]
    cpu: dict[str, float]
    rss_idle: list[float]
    rss_peak: list[float]
    rss_open: list[float]
    rss_closed: list[float]
    dropped: int
    exceptions: int
    cap: int
    wall_to_last: float
    client: str


async def run_mix(
    browser, base: str, pids: list[int], nginx_pid: int | None, mix: list[tuple[float, Page]], cap: int, label: str, timeout_s: float, client: str
) -> MixResult:
    loop = asyncio.get_running_loop()
    sem = asyncio.Semaphore(cap)
    contexts, tabs, sockets = [], [], []
    peak = [rss_mb(p) for p in pids]
    idle = list(peak)
    sampling = True

    async def sample():
        while sampling:
            for i, p in enumerate(pids):
                peak[i] = max(peak[i], rss_mb(p))
            await asyncio.sleep(0.5)

    async def one(arrival: float, spec: Page) -> View:
        view = View(spec.name, spec.path)
        await asyncio.sleep(max(0.0, arrival - (loop.time() - t0)))
        opened = loop.time()
        async with sem:
            view.queued = loop.time() - opened
            if client == "browser":
                context = await browser.new_context(viewport=VIEWPORT)
                contexts.append(context)
                started = loop.time()
                tab, view = await open_view(context, base, spec, timeout_s=timeout_s, polling=100, view=view)
                tabs.append(tab)
            else:
                started = loop.time()
                try:
                    await protocol_view(base, spec, view, timeout_s, sockets)
                except Exception as exc:
                    view.seconds, view.error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
            if view.seconds is not None:
                view.from_open = (started - opened) + view.seconds
        return view

    meter = Meter(pids, nginx_pid).start()
    sampler = asyncio.create_task(sample())
    t0 = loop.time()
    views = await asyncio.gather(*(one(a, s) for a, s in mix))
    wall_to_last = loop.time() - t0
    cpu = meter.stop()
    await asyncio.sleep(2)
    # Every session still there? (browser: each tab's connection state and Streamlit exceptions shown;
    # protocol: each websocket still open)
    dropped = exceptions = 0
    for tab in tabs:
        try:
            state = await tab.evaluate(
                "() => [document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-connection-state'),"
                " document.querySelectorAll('[data-testid=stException]').length]"
            )
        except Exception:
            state = [None, 0]
        dropped += state[0] != "CONNECTED"
        exceptions += bool(state[1])
    if client != "browser":
        from websockets.protocol import State

        dropped = sum(ws.state is not State.OPEN for ws in sockets)
    sampling = False
    await sampler
    rss_open = [rss_mb(p) for p in pids]
    peak = [max(a, b) for a, b in zip(peak, rss_open)]
    for context in contexts:
        await context.close()
    for ws in sockets:
        await ws.close()
    await asyncio.sleep(5)
    rss_closed = [rss_mb(p) for p in pids]
    result = MixResult(label, len(pids), views, cpu, idle, peak, rss_open, rss_closed, dropped, exceptions, cap, wall_to_last, client)
    ok = [v.from_open for v in views if v.from_open is not None]
    print(
        f"  {label}: {len(ok)}/{len(views)} ready, p95 from open {fmt_s(p95(ok))}, server CPU {cpu['server']:.1f} s, client {cpu['client']:.1f} s,"
        f" peak RSS {' + '.join(f'{r:.0f}' for r in peak)} MB, load {cpu['load1'][0]:.2f}",
        flush=True,
    )
    return result


# --- the mix over Streamlit's own websocket protocol (lighter than a browser) ------------------------------


async def protocol_view(base: str, spec: Page, view: View, timeout_s: float, keep: list) -> View:
    """What a returning browser does on the wire, without drawing: GET the page (nginx's route cookie, the
    sign-in gate), open /_stcore/stream with the cookies, send one rerun with the page's path and query
    string, read ForwardMsgs until the run finished. The connection stays open (a live session) in `keep`."""
    import httpx
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    path, _, query = spec.path.partition("?")
    page_name = path.strip("/")
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with httpx.AsyncClient(base_url=base, timeout=timeout_s) as http:
        response = await http.get(spec.path, headers={"Accept": "text/html"})
        response.raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    ws = await connect(
        base.replace("http://", "ws://") + "/_stcore/stream",
        subprotocols=["streamlit"],
        origin=base,
        additional_headers={"Cookie": cookie} if cookie else None,
        max_size=None,
        open_timeout=timeout_s,
        ping_interval=None,
    )
    keep.append(ws)
    msg = BackMsg(
        rerun_script=ClientState(
            query_string=query,
            page_name=page_name,
            context_info=ContextInfo(
                timezone="Asia/Ho_Chi_Minh", timezone_offset=-420, locale="vi-VN", url=base + spec.path, is_embedded=False, color_scheme="light"
            ),
        )
    )
    await ws.send(msg.SerializeToString())
    deadline = started + timeout_s
    while True:
        data = await asyncio.wait_for(ws.recv(), timeout=max(0.1, deadline - loop.time()))
        view.bytes += len(data)
        forward = ForwardMsg()
        forward.ParseFromString(data)
        kind = forward.WhichOneof("type")
        if kind == "delta":
            view.deltas += 1
        elif kind == "script_finished" and forward.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            break
        elif kind == "session_event" and forward.session_event.WhichOneof("type") == "script_compilation_exception":
            raise RuntimeError("script compilation exception")
    view.seconds = loop.time() - started
    asyncio.create_task(_drain(ws))
    return view


async def _drain(ws) -> None:
    """Keep reading a live session's messages (pings answered by the library) until it closes."""
    try:
        async for _ in ws:
            pass
    except Exception:
        pass


async def warm_up(browser, base: str) -> None:
    """One view of each kind in the mix (fills the process's caches, as a morning's first visitors would)."""
    for spec in (overview(), rankings(), scorecard(), meeting()):
        await single_view(browser, base, spec)


# --- report -----------------------------------------------------------------------------------------------


def median(xs):
    return statistics.median(xs) if xs else None


def p95(xs):
    """Nearest rank."""
    if not xs:
        return None
    s = sorted(xs)
    return s[max(0, -(-95 * len(s) // 100) - 1)]


def fmt_s(x, digits=2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def load_text(load) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def yardstick() -> float:
    t = time.perf_counter()
    sum(range(10_000_000))
    return time.perf_counter() - t


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.rstrip()
    except OSError:
        return ""


def machine_line() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")) / 1024 / 1024
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} CPUs ({model}), {mem:.1f} GiB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}, {chromium}"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def report(args, backend: str, pages: list[PageResult], mixes: list[MixResult], started: datetime, loads: list, sticks: list[float]) -> str:
    dirty = [
        line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line[3:] not in ("docs/benchmarks.md", "README.md")
    ]
    lines = [
        f"Measured {started:%d/%m/%Y %H:%M} UTC on {machine_line()}; commit `{git('rev-parse', '--short', 'HEAD')}`"
        + (
            f" (working tree with other engineers' uncommitted changes to {', '.join(f'`{d}`' for d in dirty[:6])}{' …' if len(dirty) > 6 else ''})"
            if dirty
            else ""
        )
        + f"; {backend}. `python -m scripts.bench_sessions {' '.join(args.argv)}`".rstrip()
        + ".",
        f"Load average (1/5/15 min) at the start {load_text(loads[0])}, at the end {load_text(loads[-1])}; pure-Python yardstick "
        f"(sum of `range(10_000_000)`) {sticks[0]:.2f} s at the start, {sticks[-1]:.2f} s at the end.",
        "",
    ]
    if pages:
        floor = next((p for p in pages if p.name == "one-chart"), None)
        floor_cpu = floor.cpu["server"] / floor.views if floor else None
        lines += [
            f"**Goals 1 and 2, per page** (a fresh server per page; {pages[0].views} warm views each, a new browser context per view; "
            'times in s from navigation start to ready; "warm" = warm server, new context, empty HTTP cache; "cached" = warm server, '
            "a new tab of one context: a new session, JavaScript from the HTTP cache):",
            "",
            "| page | ready when | server CPU per view, s | × one-chart | cold (first view after start) | warm median / p95 / max | cached median (server CPU per view) | "
            "client CPU per view, s | server RSS at end, MB | load (1 min) during | goal 1 (≤ 0.15 s and ≤ 1.5× floor) | goal 2 (warm ≤ 1.0, cold ≤ 3.0) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for p in pages:
            warm = [v.seconds for v in p.warm if v.seconds is not None]
            cached = [v.seconds for v in p.cached if v.seconds is not None]
            per_view = p.cpu["server"] / p.views
            ratio = per_view / floor_cpu if floor_cpu else None
            failed = sum(v.seconds is None for v in p.warm + p.cached + [p.cold])
            is_floor = p.name in FLOORS
            g1 = None if is_floor else (per_view <= GOAL_CPU_S and (ratio is None or ratio <= GOAL_FLOOR_RATIO))
            g2 = None if is_floor else ((median(warm) or 99) <= GOAL_WARM_S and (p.cold.seconds or 99) <= GOAL_COLD_S)
            lines.append(
                f"| {p.name}{' (floor)' if is_floor else ''} | {p.what} | {per_view:.3f} | {fmt_s(ratio, 1) if ratio is not None else '—'} "
                f"| {fmt_s(p.cold.seconds)} (server CPU {p.cold_cpu:.2f} s) | {fmt_s(median(warm))} / {fmt_s(p95(warm))} / {fmt_s(max(warm) if warm else None)} "
                f"| {fmt_s(median(cached))} ({p.cached_cpu:.3f}) | {p.cpu['client'] / p.views:.2f} | {p.rss_mb:.0f} | {p.cpu['load0'][0]:.2f} → {p.cpu['load1'][0]:.2f} "
                f"| {verdict(g1)} | {verdict(g2)}{f' ({failed} views failed)' if failed else ''} |"
            )
        lines.append("")
    for m in mixes:
        ok = [v for v in m.views if v.seconds is not None]
        failed = [v for v in m.views if v.seconds is None]
        n = len(m.views)
        c = m.cpu
        lines += [
            f"**Goal 3, {m.label}, {'Chromium contexts' if m.client == 'browser' else 'websocket-protocol viewers'}** ({n} viewers arriving over {args.spread:g} s, "
            + (
                f"at most {m.cap} pages loading at once in one Chromium, each a new context"
                if m.client == "browser"
                else "each: GET of the page, /_stcore/stream opened, one rerun with the page's path and query; ready = `script_finished`; "
                "no JavaScript fetched or drawn (a returning browser with its cache)"
            )
            + f"; all ready {m.wall_to_last:.1f} s after the first arrival; load {c['load0'][0]:.2f} → {c['load1'][0]:.2f}):",
            "",
            f"| pages | viewers | ready | from open p50 / p95 / max, s | {'navigation' if m.client == 'browser' else 'GET'} → ready p50 / p95 / max, s | waited for the client's cap, p95 s |",
            "|---|---|---|---|---|---|",
        ]
        kinds = ["scorecard", "rankings", "overview", "meeting"]
        for kind in [*kinds, "all"]:
            vs = [v for v in m.views if kind == "all" or v.page == kind]
            if not vs:
                continue
            fo = [v.from_open for v in vs if v.from_open is not None]
            nav = [v.seconds for v in vs if v.seconds is not None]
            name = f"**{kind}**" if kind == "all" else kind
            lines.append(
                f"| {name} | {len(vs)} | {len(nav)} | {fmt_s(median(fo))} / {fmt_s(p95(fo))} / {fmt_s(max(fo) if fo else None)} "
                f"| {fmt_s(median(nav))} / {fmt_s(p95(nav))} / {fmt_s(max(nav) if nav else None)} | {fmt_s(p95([v.queued for v in vs]))} |"
            )
        share = lambda s: f"{s:.1f} s ({s / c['wall'] / (os.cpu_count() or 1):.0%} of the {os.cpu_count()} CPUs)"  # noqa: E731
        peak_total = sum(m.rss_peak)
        per_session = (sum(m.rss_open) - sum(m.rss_idle)) / max(1, len(ok))
        fo_all = [v.from_open for v in ok]
        lines += [
            "",
            f"- CPU over the {c['wall']:.1f} s from the first arrival to the last page ready: server{'s' if m.processes > 1 else ''} {share(c['server'])}"
            f" = {c['server'] / max(1, len(ok)):.2f} s per view; client (Chromium, Playwright, this script) {share(c['client'])}"
            + (f"; nginx {share(c['nginx'])}" if "nginx" in c else "")
            + f"; everything else on the machine (other engineers' jobs) {share(max(0.0, c['others']))}.",
            f"- Server RSS per process, MB: warm and idle before {', '.join(f'{r:.0f}' for r in m.rss_idle)}; peak {', '.join(f'{r:.0f}' for r in m.rss_peak)}"
            f" (total {peak_total:.0f}); with all {len(ok)} sessions open {', '.join(f'{r:.0f}' for r in m.rss_open)}; 5 s after they closed "
            f"{', '.join(f'{r:.0f}' for r in m.rss_closed)}. Per open session: {per_session:.1f} MB.",
            f"- Completed {len(ok)}/{n}; failed {len(failed)}{': ' + '; '.join(sorted({f'{v.page}: {v.error}' for v in failed})[:3]) if failed else ''}; "
            f"connection lost at the end {m.dropped}"
            + (
                f"; pages showing an exception {m.exceptions}; requests off this machine {sum(len(v.outside) for v in m.views)}."
                if m.client == "browser"
                else f"; websocket bytes per view {statistics.mean(v.bytes for v in ok) / 1000:.0f} kB (median {median([v.bytes for v in ok]) / 1000:.0f} kB)."
                if ok
                else "."
            ),
            f"- Goal 3 ({'p95 ≤ 8 s, all complete, nothing dropped, RSS ≤ 1.0 GB'}): p95 from open {fmt_s(p95(fo_all))} s → "
            f"{verdict(bool(fo_all) and p95(fo_all) <= GOAL_P95_S and not failed and not m.dropped and peak_total <= GOAL_RSS_MB)}.",
            "",
        ]
    if len(mixes) == 2:
        a, b = ([v.from_open for v in m.views if v.from_open is not None] for m in mixes)
        if a and b:
            lines += [
                f"Through two processes behind nginx the p95 from open went from {p95(a):.2f} s to {p95(b):.2f} s "
                f"({'fell' if p95(b) < p95(a) else 'did not fall'}; ×{p95(b) / p95(a):.2f}).",
                "",
            ]
    return "\n".join(lines).rstrip()


def write_doc(block: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"{DOC} must hold exactly one {BEGIN} … {END} block")
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    DOC.write_text(before + BEGIN + "\n" + block + "\n" + END + after, encoding="utf-8")


# --- main ---------------------------------------------------------------------------------------------------


def ensure_data(args) -> tuple[str, str]:
    from sqlalchemy import inspect, text

    from db.engine import make_engine
    from simulate.demo import build_demo

    if args.postgres:
        url, backend = args.postgres, "PostgreSQL"
        engine = make_engine(url)
        with engine.connect() as conn:
            built = inspect(conn).has_table("daily_fact") and conn.execute(text("SELECT EXISTS (SELECT 1 FROM daily_fact)")).scalar()
    else:
        url, backend = f"sqlite:///{args.sqlite.resolve()}", f"SQLite (`{args.sqlite.name}`)"
        built = args.sqlite.exists()
        engine = None
    if not built:
        print(f"building the simulated national data set (seed 2021) into {url} …", flush=True)
        t = time.perf_counter()
        if not args.postgres:
            args.sqlite.parent.mkdir(parents=True, exist_ok=True)
        engine = engine or make_engine(url)
        build_demo(engine, seed=2021)
        print(f"  built in {time.perf_counter() - t:.0f} s", flush=True)
    if engine is not None:
        engine.dispose()
    return url, backend + " simulated national data set (seed 2021)"


async def run(args) -> str:
    from playwright.async_api import async_playwright

    url, backend = ensure_data(args)
    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    loads, sticks = [os.getloadavg()], [yardstick()]
    pages: list[PageResult] = []
    mixes: list[MixResult] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=[NO_OUTSIDE_HOSTS, *CHROMIUM_ARGS])
        if args.views:
            print(f"per page, {args.views} warm views each:", flush=True)
            for name in args.pages:
                pages.append(await measure_page(browser, name, url, logs, args.views))
        if args.viewers:
            mix = the_mix(args.viewers, args.seed, args.spread)
            print(f"the mix, {args.viewers} viewers over {args.spread:g} s, cap {args.cap}:", flush=True)
            with dashboard(url, logs, "mix-one") as (base, pid):
                await warm_up(browser, base)
                mixes.append(await run_mix(browser, base, [pid], None, mix, args.cap, "one app process", args.timeout, args.client))
            if not args.skip_proxy:
                ports = [free_port(), free_port()]
                with ExitStack() as stack:
                    servers = [stack.enter_context(dashboard(url, logs, f"mix-proxy-{i}", port=port)) for i, port in enumerate(ports)]
                    for base, _ in servers:
                        await warm_up(browser, base)
                    proxy_port, nginx_pid = stack.enter_context(nginx(logs / "nginx", ports))
                    proxy = f"http://127.0.0.1:{proxy_port}"
                    mixes.append(
                        await run_mix(
                            browser,
                            proxy,
                            [pid for _, pid in servers],
                            nginx_pid,
                            mix,
                            args.cap,
                            "two app processes behind nginx (deploy/nginx/cccd.conf)",
                            args.timeout,
                            args.client,
                        )
                    )
        await browser.close()
    loads.append(os.getloadavg())
    sticks.append(yardstick())
    tracebacks = sum(f.read_text(errors="replace").count("Traceback") for f in logs.glob("*.log"))
    text = report(args, backend, pages, mixes, started, loads, sticks)
    if tracebacks:
        text += f"\n\nThe servers' logs ({logs}) hold {tracebacks} traceback(s)."
    return text


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sqlite", type=Path, default=ROOT / "data" / "bench_sessions.sqlite", help="SQLite file (built if missing)")
    ap.add_argument("--postgres", metavar="URL", help="use PostgreSQL at URL instead (built there if it has no reports)")
    ap.add_argument("--views", type=int, default=10, help="warm views per page for CPU per view (0: skip the per-page part)")
    ap.add_argument(
        "--pages",
        default=",".join([*DASHBOARD_PAGES, *FLOORS]),
        help=f"pages to measure one by one, comma-separated, of {', '.join(PAGES)} (default: all)",
    )
    ap.add_argument("--viewers", type=int, default=100, help="viewers in the meeting-morning mix (0: skip it)")
    ap.add_argument("--spread", type=float, default=30, help="seconds over which the viewers arrive")
    ap.add_argument(
        "--client",
        choices=["protocol", "browser"],
        default="protocol",
        help="the mix's viewers: Streamlit's websocket protocol (default; no drawing) or Chromium contexts",
    )
    ap.add_argument("--cap", type=int, default=None, help="at most this many pages loading at once (default: 100 protocol, 16 browser)")
    ap.add_argument("--timeout", type=float, default=180, help="seconds a page may take before it counts as failed")
    ap.add_argument("--seed", type=int, default=15, help="arrival times and rankings' provinces")
    ap.add_argument("--skip-proxy", action="store_true", help="skip the mix through two processes behind nginx")
    ap.add_argument("--logs", default="/tmp/bench_sessions", help="folder for the servers' and nginx's logs")
    ap.add_argument("--write", action="store_true", help=f"replace the bench_sessions block of {DOC.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.cap = args.cap or (100 if args.client == "protocol" else 16)
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in args.pages if p not in PAGES]
    if unknown:
        ap.error(f"unknown page(s): {', '.join(unknown)}; choose from {', '.join(PAGES)}")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found (apt-get install -y chromium)")
    if args.viewers and not args.skip_proxy and not Path(NGINX).exists():
        raise SystemExit("nginx not found (apt-get install -y nginx-light), or pass --skip-proxy")
    text = asyncio.run(run(args))
    print()
    print(text)
    if args.write:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
