"""Maps drawn with plotly.js's geo bundle instead of Streamlit's full Plotly bundle.

`st.plotly_chart` makes the browser load and evaluate Streamlit's 4,7 MB Plotly chunk before the
first shape is drawn: on a 2-core machine that alone took longer than the map page's 3-second budget
(docs/map.md). The map page's figures only need the geo and scatter traces, which plotly.js ships as
its "geo" partial bundle (1,4 MB). This custom component (Streamlit components v2, no iframe) draws the
same `go.Figure` with that bundle, served by the app from static/vendor/ (no CDN), and hands a click
on a shape or marker back to Python in the shape of Streamlit's plotly selection event, so
`present.maps.clicked_code` reads both.
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
# The vendored bundle: npm package plotly.js-geo-dist-min, the same plotly.js version the Python
# plotly package ships (tests/test_geo_chart.py holds them together). Provenance: static/vendor/README.md.
BUNDLE = ROOT / "static" / "vendor" / "plotly-geo-4.1.1.min.js"
# The topology plotly.js asks for as a geo subplot's base layer ("world_110m" at the default
# resolution): the app's empty one, handed over with the figure so that nothing is fetched.
TOPOJSON = ROOT / "static" / "topojson" / "world_110m.json"
ERROR_TEXT = "Không tải được thư viện vẽ bản đồ"
# plotly.js's own words on the chart (mode bar, hints) in Vietnamese, and Vietnamese number and date
# formats: registered with the bundle as the locale "vi" (Streamlit's Plotly bundle has no such locale).
LOCALE_VI = {
    "moduleType": "locale",
    "name": "vi",
    "dictionary": {
        "Download plot as a PNG": "Tải ảnh PNG của bản đồ",
        "Download plot": "Tải ảnh bản đồ",
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
    "geo_chart",
    html='<div class="geo-chart" data-testid="geo-chart"></div>',
    js=Path(__file__).with_name("geo_chart.js").read_text(encoding="utf-8"),
    # Plotly puts its styles into the document's head: the chart must not sit in a shadow root.
    isolate_styles=False,
)


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


def bundle_version(path: Path = BUNDLE) -> str:
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


@dataclass(frozen=True)
class FigureJson:
    """A figure as plotly JSON, ready to send: built once and shared (ui.figure_cache), it costs a new
    session one string instead of plotly's validation, a deep copy and a serialisation."""

    spec: str
    height: int


def figure_json(figure: go.Figure) -> FigureJson:
    """`figure` as FigureJson; its layout must set a height."""
    height = figure.layout.height
    if not height:
        raise ValueError("geo_chart needs figure.layout.height")
    return FigureJson(pio.to_json(figure, validate=False), int(height))


def built_json(build: Callable[..., go.Figure], *args, **kwargs) -> FigureJson:
    """FigureJson of `build(*args, **kwargs)`: for ui.figure_cache.shared(built_json, province_choropleth, …)."""
    return figure_json(build(*args, **kwargs))


def geo_chart(figure: go.Figure | FigureJson, *, key: str, config: dict, on_click: Callable[[], None] | None = None) -> dict | None:
    """Draw `figure` (its layout must set a height) and return this run's click as a Streamlit plotly
    selection event ({"selection": {"points": [{location, customdata}]}}), or None. `on_click` runs,
    like a widget callback, before the script when a shape is clicked; the click is then in
    st.session_state[key]["click"]."""
    spec = figure if isinstance(figure, FigureJson) else figure_json(figure)
    result = _draw(
        key=key,
        data={
            "figure_json": spec.spec,
            "config": {**config, **FIXED_CONFIG},
            "locale": LOCALE_VI,
            "topojson": {TOPOJSON.stem: _topojson()},
            "height": spec.height,
            "bundle": static_url(f"vendor/{BUNDLE.name}"),
            "error_text": ERROR_TEXT,
        },
        on_click_change=on_click or (lambda: None),
        height=spec.height,
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
