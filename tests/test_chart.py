"""The chart component (ui/chart.py): the vendored plotly.js bundles are the version the Python plotly
package writes figures for and what static/vendor/README.md says they are, each page's figure goes to a
bundle that registers every one of its traces, the figure is sent in Streamlit's theme, and a click comes
back in the shape the pages read."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import plotly.graph_objects as go
import plotly.offline
import pytest
import streamlit as st

from db.engine import make_engine
from geo.boundaries import archipelago_labels, load_provinces_geojson
from geo.tile_grid import load_tile_grid
from queries import scorecard
from queries.progress import progress
from queries.trend import trend
from ui.chart import BUNDLES, THEME, bundle_for, bundle_traces, bundle_version, click_event, figure_json, static_url
from present.figures import rank_bump, region_bars, trend_figure
from present.maps import MapValue, clicked_code, province_choropleth, tile_grid, unit_bars, with_map_values

AS_OF = date(2021, 6, 15)


@pytest.mark.parametrize("name", list(BUNDLES))
def test_each_bundle_is_the_plotly_js_that_python_plotly_writes_figures_for(name):
    assert bundle_version(BUNDLES[name]) == plotly.offline.get_plotlyjs_version()
    assert BUNDLES[name].name == f"plotly-{name}-{bundle_version(BUNDLES[name])}.min.js"


@pytest.mark.parametrize("name", list(BUNDLES))
def test_each_bundle_is_the_file_its_provenance_names(name):
    bundle = BUNDLES[name]
    readme = (bundle.parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{bundle.name}`"))
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() in row
    assert (bundle.parent / "plotly-LICENSE.txt").read_text(encoding="utf-8").startswith("MIT License")


@pytest.mark.parametrize("name", list(BUNDLES))
def test_each_bundle_is_under_a_third_of_the_full_plotly_js(name):
    full = len(plotly.offline.get_plotlyjs().encode())
    assert BUNDLES[name].stat().st_size < full / 3


def test_a_wrong_banner_is_an_error(tmp_path):
    fake = tmp_path / "plotly.js"
    fake.write_text("/* not plotly */", encoding="utf-8")
    with pytest.raises(ValueError, match="no plotly.js version"):
        bundle_version(fake)


def test_the_smallest_bundle_that_draws_every_trace_is_chosen():
    assert bundle_traces("basic") >= {"bar", "scatter"} and "choropleth" not in bundle_traces("basic")
    assert bundle_traces("geo") >= {"choropleth", "scattergeo", "scatter"} and "bar" not in bundle_traces("geo")
    assert bundle_for({"bar", "scatter"}) == "basic" and bundle_for({"scatter"}) == "basic" and bundle_for(set()) == "basic"
    assert bundle_for({"choropleth", "scatter"}) == "geo"
    # The data-quality heat map: the cartesian bundle, the largest, only when the smaller two cannot.
    assert "heatmap" in bundle_traces("cartesian") and "heatmap" not in bundle_traces("basic") | bundle_traces("geo")
    assert figure_json(go.Figure(go.Heatmap(z=[[1]]), layout={"height": 300})).bundle == "cartesian"
    assert [path.stat().st_size for path in BUNDLES.values()] == sorted(path.stat().st_size for path in BUNDLES.values())
    # A figure no bundle draws is refused where it is sent, not drawn blank in the browser.
    with pytest.raises(ValueError, match="st.plotly_chart"):
        bundle_for({"bar", "choropleth"})
    with pytest.raises(ValueError, match="st.plotly_chart"):
        figure_json(go.Figure(data=[go.Heatmap(z=[[1]]), go.Choropleth(locations=["a"], z=[1])], layout={"height": 300}))


def _frame(url: str, **kw):
    engine = make_engine(url)
    with engine.connect() as conn:
        frame = progress(conn, as_of=AS_OF, metric="applications_received", denominator="eligible", **kw)
    engine.dispose()
    return frame


@pytest.mark.parametrize("value", list(MapValue))
def test_every_trace_of_the_map_pages_figures_is_in_its_bundle(demo_sqlite, value):
    frame = with_map_values(_frame(demo_sqlite, level="province"))
    common = dict(value=value, unit="hồ sơ", denominator_label="công dân từ 14 tuổi (ước tính)", as_of=AS_OF, title="t")
    for figure in (
        province_choropleth(frame, load_provinces_geojson(), archipelago_labels(), **common),
        tile_grid(frame, load_tile_grid(), archipelago_labels(), **common),
    ):
        sent = figure_json(figure)
        assert {trace.type for trace in figure.data} <= bundle_traces(sent.bundle)
        assert sent.height == figure.layout.height  # chart sizes its element from it
    # The outlines need the geo bundle; the tiles are plain scatter traces, drawn by the smaller one.
    assert [figure_json(f).bundle for f in (province_choropleth(frame, load_provinces_geojson(), archipelago_labels(), **common),)] == ["geo"]


def test_the_cartesian_charts_of_the_pages_go_to_the_basic_bundle(demo_sqlite):
    districts = with_map_values(_frame(demo_sqlite, level="district", province="48"))
    regions = _frame(demo_sqlite, level="region")
    trend = pl_trend(demo_sqlite)
    history = rank_history(demo_sqlite)
    built = [
        trend_figure(trend, title="t", unit="hồ sơ", as_of=AS_OF, deadline=date(2021, 7, 1), goal_label="g"),
        region_bars(regions, title="t", denominator_label="d"),
        rank_bump(history, codes=["48"], my_province="48", title="t"),
        unit_bars(districts, title="t", unit="hồ sơ", denominator_label="d", as_of=AS_OF),
    ]
    for figure in built:
        sent = figure_json(figure)
        assert sent.bundle == "basic" and sent.height == figure.layout.height
        spec = json.loads(sent.spec)
        # Streamlit's theme, resolved as st.plotly_chart's front end resolves it, and its bold title.
        assert spec["layout"]["template"] == THEME and spec["layout"]["title"]["text"] == "<b>t</b>"
        assert "#000001" not in sent.spec  # none of Streamlit's placeholder colours is left for the browser
        assert spec["data"] == json.loads(figure.to_json())["data"]  # the traces as built, unchanged


def test_a_chart_has_a_height_of_its_own_or_takes_its_containers():
    bars = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout={"title": {"text": "t"}, "template": "plotly_white"})
    with pytest.raises(ValueError, match="height"):
        figure_json(bars)  # neither a height nor stretch: the chart would collapse to plotly's default
    stretched = figure_json(bars, stretch=True, themed=False)
    assert stretched.height is None
    spec = json.loads(stretched.spec)
    # Its own template and title (meeting mode's projector style), not Streamlit's theme.
    assert spec["layout"]["template"] == json.loads(bars.to_json())["layout"]["template"] != THEME
    assert spec["layout"]["title"]["text"] == "t" and "height" not in spec["layout"]
    bars.update_layout(height=300)
    with pytest.raises(ValueError, match="height"):
        figure_json(bars, stretch=True)  # a fixed height would fight the container's
    assert figure_json(bars).height == 300


def pl_trend(url: str):
    engine = make_engine(url)
    with engine.connect() as conn:
        frame = trend(conn, metric="applications_received", denominator="eligible", until=AS_OF)
    engine.dispose()
    return frame


def rank_history(url: str):
    engine = make_engine(url)
    with engine.connect() as conn:
        frame = scorecard.rank_history(conn, as_of=AS_OF, metric="applications_received", denominator="eligible", weeks=12)
    engine.dispose()
    return frame


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
