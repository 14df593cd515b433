"""Charts drawn with one of plotly.js's partial bundles instead of Streamlit's full Plotly bundle.

`st.plotly_chart` makes the browser load and evaluate Streamlit's 4,7 MB Plotly chunk before the
first shape is drawn: on a 2-core machine that alone took longer than the map page's 3-second budget
(docs/map.md), and it was most of a new visitor's wait on the overview, rankings, scorecard and
province pages (issue 15, docs/benchmarks.md). Their figures need few trace types, which plotly.js
ships as partial bundles: "basic" (bar, scatter, pie; 1,2 MB), "geo" (choropleth, scattergeo,
scatter; 1,4 MB) and "cartesian" (basic's traces and heatmap, box, histogram, contour…; 1,5 MB).
This custom component (Streamlit components v2, no iframe) draws the same `go.Figure` with the
smallest bundle that holds every trace of the figure (`bundle_for`), served by the app from
static/vendor/ (no CDN), and hands a click on a shape, marker or bar back to Python in the shape of
Streamlit's plotly selection event, so `present.maps.clicked_code` reads both.

A figure without a height (meeting mode's slides, `figure_json(…, stretch=True)`) takes the height of
its container, as `st.plotly_chart(height="stretch")` would.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
# The vendored bundles: npm packages plotly.js-basic-dist-min and plotly.js-geo-dist-min, the same
# plotly.js version the Python plotly package ships (tests/test_chart.py holds them together).
# Provenance: static/vendor/README.md. Smallest first: a figure goes to the first that can draw it.
BUNDLES = {
    "basic": VENDOR / "plotly-basic-4.1.1.min.js",
    "geo": VENDOR / "plotly-geo-4.1.1.min.js",
    "cartesian": VENDOR / "plotly-cartesian-4.1.1.min.js",
}
# The topology plotly.js asks for as a geo subplot's base layer ("world_110m" at the default
# resolution): the app's empty one, handed over with the figure so that nothing is fetched.
TOPOJSON = ROOT / "static" / "topojson" / "world_110m.json"
ERROR_TEXT = "Không tải được thư viện vẽ biểu đồ"
# plotly.js's own words on the chart (mode bar, hints) in Vietnamese, and Vietnamese number and date
# formats: registered with the bundle as the locale "vi" (Streamlit's Plotly bundle has no such locale).
LOCALE_VI = {
    "moduleType": "locale",
    "name": "vi",
    "dictionary": {
        "Download plot as a PNG": "Tải ảnh PNG của biểu đồ",
        "Download plot": "Tải ảnh biểu đồ",
        "Zoom in": "Phóng to",
        "Zoom out": "Thu nhỏ",
        "Reset": "Đặt lại",
        "Reset view": "Về khung ban đầu",
        "Pan": "Kéo",
        "Zoom": "Thu phóng",
        "Autoscale": "Tự co giãn",
        "Reset axes": "Đặt lại trục",
        "Produced with Plotly.js": "Vẽ bằng Plotly.js",
        "Double-click to zoom back out": "Bấm đúp để trở về khung ban đầu",
        "Double-click on legend to isolate one trace": "Bấm đúp vào chú giải để chỉ xem một nhóm",
    },
    "format": {
        "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
        "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
        "months": [f"Tháng {m}" for m in range(1, 13)],
        "shortMonths": [f"Th{m}" for m in range(1, 13)],
        "date": "%d/%m/%Y",
        "decimal": ",",
        "thousands": ".",
    },
}

_draw = st.components.v2.component(
    "chart",
    html='<div class="app-chart" data-testid="app-chart"></div>',
    js=Path(__file__).with_name("chart.js").read_text(encoding="utf-8"),
    # Plotly puts its styles into the document's head: the chart must not sit in a shadow root.
    isolate_styles=False,
)


# What st.plotly_chart's default theme draws with this app's theme (.streamlit/config.toml): Streamlit's
# Python side gives every figure its "streamlit" template with placeholder colours (#000001, …) and its
# front end swaps them for the theme's colours and bolds the title. This component has no such front end:
# it sends the swapped template, captured from st.plotly_chart in Chromium (tests/test_chart_browser.py
# fails when Streamlit or the theme changes it), so a chart looks the same in either.
THEME = json.loads(Path(__file__).with_name("chart_theme.json").read_text(encoding="utf-8"))

# Always, whatever the page asks: plotly.js 4 shows a "Share chart..." button by default that uploads
# the figure to Plotly Cloud (Streamlit turns it off for st.plotly_chart; this component must too).
# Nothing here is selected with a box or lasso: those buttons go.
FIXED_CONFIG = {
    "showSendToCloud": False,
    "plotlyServerURL": "",
    "showLink": False,
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendChartToCloud"],
    "responsive": True,
    "locale": "vi",
}


def bundle_version(path: Path) -> str:
    """plotly.js's version as its bundle's banner states it ("plotly.js (geo - minified) v4.1.1")."""
    head = path.read_text(encoding="utf-8", errors="replace")[:300]
    found = re.search(r"plotly\.js.*? v(\d+\.\d+\.\d+)", head)
    if not found:
        raise ValueError(f"no plotly.js version in the banner of {path}")
    return found.group(1)


def static_url(relative: str) -> str:
    """URL of a file under static/, honouring a server.baseUrlPath."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(part for part in (base, "app/static", relative) if part)


@functools.cache
def bundle_traces(name: str) -> frozenset[str]:
    """The trace types a vendored bundle registers (its minified module table names them)."""
    return frozenset(re.findall(r'moduleType:"trace",name:"(\w+)"', BUNDLES[name].read_text(encoding="utf-8")))


def bundle_for(trace_types: set[str]) -> str:
    """The smallest vendored bundle that draws every one of `trace_types` (a figure with none: "basic")."""
    for name in BUNDLES:
        if trace_types <= bundle_traces(name):
            return name
    raise ValueError(f"no vendored plotly.js bundle draws {sorted(trace_types)}: use st.plotly_chart")


@dataclass(frozen=True)
class FigureJson:
    """A figure as plotly JSON, ready to send: built once and shared (ui.figure_cache), it costs a new
    session one string instead of plotly's validation, a deep copy and a serialisation."""

    spec: str
    height: int | None  # None: the container's height ("stretch")
    bundle: str


def figure_json(figure: go.Figure, *, stretch: bool = False, themed: bool = True) -> FigureJson:
    """`figure` as FigureJson; a vendored bundle must draw its traces. Its layout sets a height, or, with
    `stretch`, sets none and the chart takes its container's. `themed`: in Streamlit's theme for Plotly
    (THEME, the title in bold), as every page's chart; else in the figure's own template (meeting mode's
    projector style, the same as the deck's)."""
    height = figure.layout.height
    if stretch == bool(height):
        raise ValueError("chart needs figure.layout.height, or none with stretch=True")
    bundle = bundle_for({trace.type for trace in figure.data})
    spec = json.loads(pio.to_json(figure, validate=False))
    layout = spec.setdefault("layout", {})
    if themed:
        layout["template"] = THEME
        if isinstance(layout.get("title"), dict):
            layout["title"]["text"] = f"<b>{layout['title'].get('text') or ''}</b>"
    return FigureJson(json.dumps(spec, ensure_ascii=False, separators=(",", ":")), int(height) if height else None, bundle)


def built_json(build: Callable[..., go.Figure], *args, **kwargs) -> FigureJson:
    """FigureJson of `build(*args, **kwargs)`: for ui.figure_cache.shared(built_json, province_choropleth, …)."""
    return figure_json(build(*args, **kwargs))


def chart(figure: go.Figure | FigureJson, *, key: str, config: dict, on_click: Callable[[], None] | None = None) -> dict | None:
    """Draw `figure` (its layout sets a height, or it is a FigureJson made with stretch=True) and return this run's click as a Streamlit plotly
    selection event ({"selection": {"points": [{location, customdata}]}}), or None. `on_click` runs,
    like a widget callback, before the script when a shape, marker or bar is clicked; the click is
    then in st.session_state[key]["click"]."""
    spec = figure if isinstance(figure, FigureJson) else figure_json(figure)
    result = _draw(
        key=key,
        data={
            "figure_json": spec.spec,
            "config": {**config, **FIXED_CONFIG},
            "locale": LOCALE_VI,
            # The base topology a geo subplot asks for; a cartesian chart needs none.
            "topojson": {TOPOJSON.stem: _topojson()} if spec.bundle == "geo" else {},
            "height": spec.height,
            "bundle": static_url(f"vendor/{BUNDLES[spec.bundle].name}"),
            "error_text": ERROR_TEXT,
        },
        on_click_change=on_click or (lambda: None),
        height=spec.height or "stretch",
    )
    return click_event(getattr(result, "click", None))


@functools.cache
def _topojson() -> dict:
    return json.loads(TOPOJSON.read_text(encoding="utf-8"))


def click_event(click: dict | None) -> dict | None:
    """The component's click payload as a Streamlit plotly selection event, or None. The payload comes
    from the browser: only a text location and a list whose first item is text are passed on."""
    if not isinstance(click, dict):
        return None
    location, customdata = click.get("location"), click.get("customdata")
    location = location if isinstance(location, str) else None
    customdata = [customdata[0]] if isinstance(customdata, list) and customdata and isinstance(customdata[0], str) else None
    return {"selection": {"points": [{"location": location, "customdata": customdata}]}}
