"""The map component (ui/geo_chart.py): the vendored plotly.js geo bundle is the version the Python
plotly package writes figures for, it is what static/vendor/README.md says it is, it can draw every
trace the map page hands it, and a click comes back in the shape the page reads."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import plotly.offline
import pytest
import streamlit as st

from db.engine import make_engine
from geo.boundaries import archipelago_labels, load_provinces_geojson
from geo.tile_grid import load_tile_grid
from queries.progress import progress
from ui.geo_chart import BUNDLE, bundle_version, click_event, static_url
from present.maps import MapValue, clicked_code, province_choropleth, tile_grid, with_map_values

AS_OF = date(2021, 6, 15)


def registered_traces() -> set[str]:
    """The trace types the vendored bundle registers (its minified module table names them)."""
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', BUNDLE.read_text(encoding="utf-8")))


def test_the_bundle_is_the_plotly_js_that_python_plotly_writes_figures_for():
    assert bundle_version() == plotly.offline.get_plotlyjs_version()
    assert BUNDLE.name == f"plotly-geo-{bundle_version()}.min.js"


def test_the_bundle_is_the_file_its_provenance_names():
    readme = (BUNDLE.parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{BUNDLE.name}`"))
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() in row
    assert (BUNDLE.parent / "plotly-LICENSE.txt").read_text(encoding="utf-8").startswith("MIT License")


def test_the_bundle_is_a_third_of_the_full_plotly_js():
    full = len(plotly.offline.get_plotlyjs().encode())
    assert BUNDLE.stat().st_size < full / 2


def test_a_wrong_banner_is_an_error(tmp_path):
    fake = tmp_path / "plotly.js"
    fake.write_text("/* not plotly */", encoding="utf-8")
    with pytest.raises(ValueError, match="no plotly.js version"):
        bundle_version(fake)


@pytest.mark.parametrize("value", list(MapValue))
def test_every_trace_of_the_map_pages_figures_is_in_the_bundle(demo_sqlite, value):
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        frame = with_map_values(progress(conn, level="province", as_of=AS_OF, metric="applications_received", denominator="eligible"))
    engine.dispose()
    common = dict(value=value, unit="hồ sơ", denominator_label="công dân từ 14 tuổi (ước tính)", as_of=AS_OF, title="t")
    figures = [
        province_choropleth(frame, load_provinces_geojson(), archipelago_labels(), **common),
        tile_grid(frame, load_tile_grid(), archipelago_labels(), **common),
    ]
    available = registered_traces()
    assert {"choropleth", "scattergeo", "scatter"} <= available
    for figure in figures:
        assert {trace.type for trace in figure.data} <= available
        assert figure.layout.height  # geo_chart sizes its element from it


def test_a_bar_chart_would_not_be_drawable():
    """The check above can fail: the bundle has no bar trace (the province page keeps st.plotly_chart)."""
    assert "bar" not in registered_traces()


def test_a_click_comes_back_as_a_plotly_selection_event():
    event = click_event({"location": "48", "customdata": ["48"]})
    assert event == {"selection": {"points": [{"location": "48", "customdata": ["48"]}]}}
    assert clicked_code(event, {"48"}) == "48"
    # A tile or an archipelago label has no location: its customdata names the province.
    assert clicked_code(click_event({"location": None, "customdata": ["96"]}), {"96"}) == "96"
    assert clicked_code(click_event({"location": None, "customdata": None}), {"96"}) is None
    assert click_event(None) is None and click_event("48") is None


@pytest.mark.parametrize(
    "payload",
    [
        {"location": 48, "customdata": 5},  # numbers where text and a list belong
        {"location": ["48"], "customdata": "96"},  # a list as location; a bare string would read "9"
        {"location": None, "customdata": [{"x": 1}]},  # not a code at all
        {"location": "<script>", "customdata": []},
        {},
    ],
)
def test_a_malformed_click_opens_nothing_and_raises_nothing(payload):
    """The click comes from the browser: whatever it carries, it opens a province only by its code."""
    assert clicked_code(click_event(payload), {"48", "96"}) is None


def test_static_urls_honour_the_base_url_path():
    assert static_url("vendor/x.js") == "/app/static/vendor/x.js"
    old = st.get_option("server.baseUrlPath")
    try:
        st.config.set_option("server.baseUrlPath", "/cccd/")
        assert static_url("vendor/x.js") == "/cccd/app/static/vendor/x.js"
        assert static_url("topojson/") == "/cccd/app/static/topojson/"
    finally:
        st.config.set_option("server.baseUrlPath", old)
