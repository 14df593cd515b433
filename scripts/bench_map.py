"""Map benchmark in a real Chromium: navigation → 63 provinces drawn, on a cold and a warm server, and
the bytes the map costs (figure over the websocket, shipped geometry).

Usage: python -m scripts.bench_map [--sqlite data/cccd.sqlite] [--cold 3] [--warm 5] [--cpu-slowdown N] [--write]
Budget (issue: national map): ≤ 3 s warm, ≤ 300 KB of geometry. With --write the results replace the
block between the bench_map markers in docs/map.md (a separate block for each --cpu-slowdown).
--cpu-slowdown N (≥ 1) runs every page with Chromium's CPU throttled N× (DevTools' CPU throttling, as
in its Performance panel): a slower client than this machine, such as an old projector PC.
Chromium resolves no host name (the app is reached by IP), so nothing leaves the machine; any request
to another host is recorded and reported. Requests are not intercepted, because interception switches
the browser's HTTP cache off.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from datetime import date, datetime
from pathlib import Path

from scripts.local_server import streamlit_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
DOC = ROOT / "docs" / "map.md"
START, END = "<!-- bench_map: start -->", "<!-- bench_map: end -->"
LOCAL = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1", "data:", "blob:", "about:")
AS_OF = "2021-04-27"
PATH = f"/ban-do?as_of={AS_OF}"
BUDGET_WARM_S = 3.0
# The map page's plotly.js (ui/chart.py's geo bundle); only one version is vendored at a time.
[_BUNDLE] = (ROOT / "static" / "vendor").glob("plotly-geo-*.min.js")
GEO_BUNDLE, GEO_BUNDLE_BYTES = _BUNDLE.name, _BUNDLE.stat().st_size
BUDGET_GEOMETRY_BYTES = 300 * 1000
# Resolves (with the time since navigation start, in ms) once all 63 shapes and both labels are in the page.
DRAWN = """() => {
  const shapes = document.querySelectorAll('.choroplethlayer path.choroplethlocation').length;
  const labels = [...document.querySelectorAll('.js-plotly-plot text')].filter(t => t.textContent.startsWith('QĐ.')).length;
  return shapes >= 63 && labels >= 2 ? performance.now() : false;
}"""


# When the page's title is in the document: Streamlit's shell, the sidebar and the page's first element
# drawn — what any page of this app costs before its own content (the floor under the map).
TITLE_MARK = """new MutationObserver((_, observer) => {
  if (document.querySelector('h1')) { window.__titleAt = performance.now(); observer.disconnect(); }
}).observe(document, {subtree: true, childList: true});"""
PHASES = """() => {
  const entries = performance.getEntriesByType('resource');
  const find = (part) => entries.find(e => e.name.includes(part));
  const mark = (name) => { const m = performance.getEntriesByName(name)[0]; return m ? m.startTime : null; };
  const plotly = find('/plotly-geo-'), first = find('/DateInput.');
  return {first_widget: first ? first.startTime : null, title: window.__titleAt || null,
          mounted: mark('chart:mounted'), plotly_loaded: plotly ? plotly.responseEnd : null,
          plotly_ready: mark('chart:plotly-ready'), topojson_requests: entries.filter(e => e.name.includes('topojson')).length};
}"""
# The overview page's first chart drawn (st.plotly_chart: Streamlit's full 4,7 MB Plotly chunk), for comparison.
OVERVIEW_PATH = f"/?as_of={AS_OF}"
OVERVIEW_DRAWN = "() => document.querySelector('.js-plotly-plot .main-svg .cartesianlayer') ? performance.now() : false"
# In-app navigation: from the overview (drawn), a click on "Bản đồ" in the sidebar → the map drawn.
SIDEBAR_LINK = "Bản đồ"
# After a page is drawn: the time from a click on "Trạng thái" to the status map drawn (a rerun).
RERUN_DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot .legendtext')].some(t => t.textContent.includes('tiến độ'))
  && document.querySelectorAll('.choroplethlayer path.choroplethlocation').length >= 63 ? performance.now() : false"""


# A fixed piece of JavaScript, timed in the same Chromium before and after the runs: how fast this
# machine's cores were at the time (they are shared; the same code ran 2–3× slower on busy hours).
SPEED_CHECK = (
    "() => { const t = performance.now(); let x = 0; for (let i = 0; i < 1e8; i++) x = (x + i) % 1000003; return performance.now() - t + x * 0; }"
)


def speed_check(browser, rate: float = 1) -> float:
    page = browser.new_page()
    throttle(page, rate)
    try:
        return min(page.evaluate(SPEED_CHECK) for _ in range(3)) / 1000
    finally:
        page.close()


# Outside requests are not intercepted: Playwright's request routing switches the HTTP cache off, which
# would time every "cached" visit as a first one. Instead Chromium resolves no host name at all (the app
# is reached by IP), and every request to anything but this machine is recorded and reported.
NO_OUTSIDE_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


def throttle(page, rate: float) -> None:
    """Slow this page's CPU rate× (Chromium DevTools Emulation.setCPUThrottlingRate); 1 = as the machine is."""
    if rate > 1:
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": rate})


def markers(rate: float) -> tuple[str, str]:
    """The docs/map.md block a run with this CPU slowdown writes to."""
    return (START, END) if rate == 1 else (f"<!-- bench_map cpu-slowdown {rate:g}: start -->", f"<!-- bench_map cpu-slowdown {rate:g}: end -->")


def replace_block(text: str, rate: float, report: str) -> str:
    """`text` with the block for this CPU slowdown replaced by `report`; exactly one such block must exist."""
    start, end = markers(rate)
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise SystemExit(f"{DOC.name} must hold exactly one {start} … {end} block")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    return before + start + "\n" + report + "\n" + end + after


def record_outside(outside: list[str]):
    """A request listener: any request not to this machine is recorded (and fails: no host resolves)."""

    def listen(request):
        if not request.url.startswith(LOCAL):
            outside.append(request.url)

    return listen


class Visit:
    """One navigation to the map in a browser context: time to drawn, websocket and HTTP bytes, requests off the machine."""

    def __init__(self, context, base: str, slowdown: float = 1):
        self.page = context.new_page()
        throttle(self.page, slowdown)
        self.outside: list[str] = []
        self.ws_received: list[int] = []
        self.http_bytes = 0
        self.page.on("request", record_outside(self.outside))
        self.page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: self.ws_received.append(len(payload))))
        self.page.on("response", self._response)
        self.page.add_init_script(TITLE_MARK)
        self.page.goto(base + PATH, timeout=300_000)
        self.drawn_ms = self.page.wait_for_function(DRAWN, polling="raf", timeout=300_000).json_value()
        # Where the time went: Streamlit's first element, the geo bundle downloaded, Plotly ready to draw.
        self.phases = self.page.evaluate(PHASES)

    def _response(self, response):
        try:
            self.http_bytes += int(response.headers.get("content-length") or 0)
        except ValueError:
            pass

    def settle_and_close(self) -> None:
        self.page.wait_for_timeout(1500)  # let the last websocket frames arrive before counting
        self.page.close()


def figure_bytes(sqlite: Path) -> dict[str, int]:
    """Size of the map's figure JSON as Streamlit sends it, and the geometry inside it."""
    import json

    os.environ["DATABASE_URL"] = f"sqlite:///{sqlite.resolve()}"
    import plotly.io

    from db.engine import make_engine
    from geo.boundaries import archipelago_labels, load_provinces_geojson
    from queries.progress import progress
    from present.maps import MapValue, province_choropleth, with_map_values

    engine = make_engine(os.environ["DATABASE_URL"])
    with engine.connect() as conn:
        frame = with_map_values(progress(conn, level="province", as_of=date.fromisoformat(AS_OF), metric="applications_received"))
    engine.dispose()
    sizes = {}
    for value in MapValue:
        fig = province_choropleth(
            frame,
            load_provinces_geojson(),
            archipelago_labels(),
            value=value,
            unit="hồ sơ",
            denominator_label="công dân từ 14 tuổi (ước tính)",
            as_of=date.fromisoformat(AS_OF),
            title="t",
        )
        spec = plotly.io.to_json(fig, validate=False)
        geometry = sum(len(json.dumps(t.geojson, separators=(",", ":"))) for t in fig.data if t.type == "choropleth")
        sizes[value.value] = (len(spec.encode()), geometry)
    return sizes


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def kb(n: float) -> str:
    return f"{n / 1000:,.0f} KB".replace(",", ".")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", type=Path, default=ROOT / "data" / "cccd.sqlite")
    ap.add_argument("--cold", type=int, default=3, help="fresh servers, one first visit each")
    ap.add_argument("--warm", type=int, default=5, help="visits per warm mode on the last server")
    ap.add_argument("--cpu-slowdown", type=float, default=1, help="throttle Chromium's CPU this many times (a slower client)")
    ap.add_argument("--write", action="store_true", help="write the results into docs/map.md")
    args = ap.parse_args(argv)
    if args.cpu_slowdown < 1:
        ap.error("--cpu-slowdown must be 1 (no throttling) or more")
    if not args.sqlite.exists():
        raise SystemExit(f"{args.sqlite} not found: build it with `python cli.py demo` first")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    url = f"sqlite:///{args.sqlite.resolve()}"
    cold, warm_fresh_browser, warm_cached_browser = [], [], []
    phases: list[dict] = []
    reruns: list[float] = []
    rerun_bytes: list[int] = []
    overview: list[float] = []
    in_app: list[float] = []
    load = os.getloadavg()
    outside: list[str] = []
    first_ws = 0
    http_first = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                NO_OUTSIDE_HOSTS,
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        speed_before = speed_check(browser)
        speed_throttled = speed_check(browser, args.cpu_slowdown) if args.cpu_slowdown > 1 else None
        for i in range(args.cold):
            with streamlit_server(url) as base:
                # bypass_csp: the timing marks are read with wait_for_function, which evaluates a string in the
                # page; the app's policy forbids that (tests/test_headers_browser.py checks the policy itself).
                context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
                visit = Visit(context, base, args.cpu_slowdown)
                cold.append(visit.drawn_ms / 1000)
                visit.settle_and_close()
                outside += visit.outside
                if i == args.cold - 1:
                    first_ws, http_first = sum(visit.ws_received), visit.http_bytes
                    # Warm server: new browser contexts (empty HTTP cache), then pages of one context (cached JS).
                    for _ in range(args.warm):
                        fresh = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
                        visit = Visit(fresh, base, args.cpu_slowdown)
                        warm_fresh_browser.append(visit.drawn_ms / 1000)
                        visit.settle_and_close()
                        outside += visit.outside
                        fresh.close()
                    cached = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
                    Visit(cached, base, args.cpu_slowdown).settle_and_close()  # fills the HTTP cache
                    for _ in range(args.warm):
                        visit = Visit(cached, base, args.cpu_slowdown)
                        warm_cached_browser.append(visit.drawn_ms / 1000)
                        phases.append(visit.phases | {"drawn": visit.drawn_ms})
                        # A rerun: colour by status instead (the figure changes, the JavaScript is loaded).
                        visit.page.wait_for_timeout(1500)
                        before_bytes = sum(visit.ws_received)
                        start = visit.page.evaluate("performance.now()")
                        visit.page.get_by_text("Trạng thái", exact=True).first.click()
                        end = visit.page.wait_for_function(RERUN_DRAWN, polling="raf", timeout=300_000).json_value()
                        reruns.append((end - start) / 1000)
                        visit.page.wait_for_timeout(1500)
                        rerun_bytes.append(sum(visit.ws_received) - before_bytes)
                        visit.settle_and_close()
                        outside += visit.outside
                    for _ in range(args.warm):
                        page = cached.new_page()
                        throttle(page, args.cpu_slowdown)
                        page.on("request", record_outside(outside))
                        page.goto(base + OVERVIEW_PATH, timeout=300_000)
                        overview.append(page.wait_for_function(OVERVIEW_DRAWN, polling="raf", timeout=300_000).json_value() / 1000)
                        # Then to the map the way a user goes there: the sidebar link (no new page load).
                        page.wait_for_timeout(1500)
                        start = page.evaluate("performance.now()")
                        page.locator('[data-testid="stSidebarNav"] a', has_text=SIDEBAR_LINK).first.click()
                        in_app.append((page.wait_for_function(DRAWN, polling="raf", timeout=300_000).json_value() - start) / 1000)
                        page.close()
                    cached.close()
                context.close()
        speed_after = speed_check(browser)
        browser.close()

    figures = figure_bytes(args.sqlite)
    geometry_file = (ROOT / "geo" / "data" / "provinces.geojson").stat().st_size
    topojson_file = (ROOT / "static" / "topojson" / "world_110m.json").stat().st_size
    median_warm = statistics.median(warm_fresh_browser)
    median_cached = statistics.median(warm_cached_browser)

    def phase(name: str) -> str:
        values = [p[name] for p in phases if p.get(name) is not None]
        return f"{statistics.median(values) / 1000:.2f} s" if values else "—"

    geometry_sent = figures["coverage"][1]
    lines = [
        f"Measured {datetime.now().strftime('%d/%m/%Y %H:%M')} on {machine()}; Chromium {CHROMIUM}, viewport 1920×1080;",
        *(
            [
                f"**Chromium's CPU throttled {args.cpu_slowdown:g}×** (DevTools CPU throttling on every page; the server is not throttled): a client {args.cpu_slowdown:g} times slower than this machine."
            ]
            if args.cpu_slowdown > 1
            else []
        ),
        f"data `{args.sqlite.name}` ({args.sqlite.stat().st_size / 2**20:,.0f} MiB, full national simulation); page `{PATH}`.",
        "Time = navigation start → all 63 province shapes and both archipelago labels in the page (`performance.now()`).",
        "",
        "| run | n | median | min | max | budget |",
        "|---|---|---|---|---|---|",
        f"| cold server (fresh `streamlit run`, first visit, empty browser cache) | {len(cold)} | {statistics.median(cold):.2f} s | {min(cold):.2f} s | {max(cold):.2f} s | — |",
        f"| warm server, new browser context (empty HTTP cache) | {len(warm_fresh_browser)} | {median_warm:.2f} s | {min(warm_fresh_browser):.2f} s | {max(warm_fresh_browser):.2f} s | ≤ {BUDGET_WARM_S:.0f} s {'OK' if median_warm <= BUDGET_WARM_S else 'OVER'} |",
        f"| warm server, new page, JavaScript cached | {len(warm_cached_browser)} | {median_cached:.2f} s | {min(warm_cached_browser):.2f} s | {max(warm_cached_browser):.2f} s | ≤ {BUDGET_WARM_S:.0f} s {'OK' if median_cached <= BUDGET_WARM_S else 'OVER'} |",
        f"| for comparison: overview page, warm server, JavaScript cached → its first chart drawn | {len(overview)} | {statistics.median(overview):.2f} s | {min(overview):.2f} s | {max(overview):.2f} s | — |",
        f'| warm, in the app: overview drawn, click "{SIDEBAR_LINK}" in the sidebar → map drawn (no page load) | {len(in_app)} | {statistics.median(in_app):.2f} s | {min(in_app):.2f} s | {max(in_app):.2f} s | — |',
        f'| warm, after load: click "Trạng thái" → status map drawn (a rerun) | {len(reruns)} | {statistics.median(reruns):.2f} s | {min(reruns):.2f} s | {max(reruns):.2f} s | — |',
        "",
        "Where the time of a warm load (JavaScript cached) goes, medians from navigation start:",
        "",
        "| phase | at |",
        "|---|---|",
        f"| first sidebar widget requested (Streamlit shell up, websocket open, first deltas in) | {phase('first_widget')} |",
        f"| page title drawn (Streamlit's shell, the sidebar and the page's first element: what every page pays) | {phase('title')} |",
        f"| the map element mounted (its code starts and asks for the geo bundle) | {phase('mounted')} |",
        f"| the map's plotly.js geo bundle (`{GEO_BUNDLE}`, {kb(GEO_BUNDLE_BYTES)}) loaded (from the browser's cache on these runs) | {phase('plotly_loaded')} |",
        f"| plotly.js evaluated and set up, the map's drawing starts | {phase('plotly_ready')} |",
        f"| 63 shapes and both labels drawn | {phase('drawn')} |",
        "",
        f"Load average (1, 5, 15 min) at the start: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}; at the end: "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg())
        + " (the cores are shared with other work).",
        f"Speed check (a fixed JavaScript loop in this Chromium, best of 3): {speed_before:.2f} s before the runs, {speed_after:.2f} s after;",
        *([f"The same check with the throttle on: {speed_throttled:.2f} s."] if speed_throttled is not None else []),
        "compare it between two measurements before comparing their times.",
        "",
        "| bytes | size | budget |",
        "|---|---|---|",
        f"| shipped geometry `geo/data/provinces.geojson` | {kb(geometry_file)} | ≤ {kb(BUDGET_GEOMETRY_BYTES)} {'OK' if geometry_file <= BUDGET_GEOMETRY_BYTES else 'OVER'} |",
        f"| geometry inside the map's figure (63 shapes, split over its traces, sent once) | {kb(geometry_sent)} | ≤ {kb(BUDGET_GEOMETRY_BYTES)} {'OK' if geometry_sent <= BUDGET_GEOMETRY_BYTES else 'OVER'} |",
        "| map figure JSON (coverage / status / pace) | " + " / ".join(kb(figures[v][0]) for v in ("coverage", "status", "pace_ratio")) + " | — |",
        f"| websocket payload received on first load of the map page (all elements, uncompressed) | {kb(first_ws)} | — |",
        f"| HTTP responses on a first load (Streamlit's JavaScript, the geo bundle, fonts; content-length) | {kb(http_first)} | — |",
        f"| websocket payload of the rerun above (the new figure) | {kb(statistics.median(rerun_bytes))} | — |",
        f"| `static/topojson/world_110m.json` (the empty topology plotly.js asks for, handed over with the figure; requests for it during the warm loads: {sum(p['topojson_requests'] for p in phases)}) | {topojson_file} B | — |",
        "",
        f"Requests to hosts other than this machine: {len(outside)}" + (f" ({', '.join(sorted(set(outside)))})" if outside else "") + ".",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        DOC.write_text(replace_block(DOC.read_text(encoding="utf-8"), args.cpu_slowdown, report), encoding="utf-8")
        print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
