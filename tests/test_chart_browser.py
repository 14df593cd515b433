"""The chart component (ui/chart.py) in a real headless Chromium: the pages' charts come from the app's
own plotly.js partial bundles, never Streamlit's 4,7 MB Plotly chunk; both bundles live side by side in
one browser session; and a chart looks as st.plotly_chart would draw it (Streamlit's theme)."""

from __future__ import annotations

import json

from scripts import local_server
from tests.browser_support import ARTIFACTS, offline_page, require_chromium
from tests.test_quality import planted_day
from ui.chart import ROOT, THEME

require_chromium()

WAIT_MS = 180_000
AS_OF = "2021-06-15"


def test_the_theme_sent_is_the_one_st_plotly_chart_draws_with(browser, demo_sqlite):
    """The one-chart app (scripts/one_chart_app.py, run from the project root with the dashboard's
    .streamlit/config.toml) draws with st.plotly_chart in Streamlit's theme: the template Streamlit's front
    end resolves there is the one ui/chart_theme.json holds. When Streamlit or the app's theme changes it,
    this fails; recapture the file from `gd.layout.template` on that page."""
    page = offline_page(browser, 1280, 720)
    with local_server.streamlit_server(demo_sqlite, log=ARTIFACTS / "server-one-chart.log", script=ROOT / "scripts" / "one_chart_app.py") as base:
        page.goto(base, timeout=WAIT_MS)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=WAIT_MS)
        drawn = json.loads(page.evaluate("JSON.stringify(document.querySelector('.js-plotly-plot').layout.template)"))
    assert drawn["layout"] == THEME["layout"]
    # Streamlit also colours icicle and sankey text when a figure sets its font colour (the app's figures
    # do, this one does not); no chart of the component's has those traces. Every other trace type's defaults are equal.
    skip = {"icicle", "sankey"}
    assert {k: v for k, v in drawn["data"].items() if k not in skip} == {k: v for k, v in THEME["data"].items() if k not in skip}
    assert page.outside == []
    page.close()


def test_the_quality_heat_map_comes_from_the_cartesian_bundle(server, browser, demo_sqlite):
    page = offline_page(browser, 1280, 900)
    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(r.url) if "/static/" in r.url else None)
    page.goto(f"{server}/chat-luong?as_of={planted_day(demo_sqlite).isoformat()}", timeout=WAIT_MS)
    page.locator(".js-plotly-plot .heatmaplayer image, .js-plotly-plot .heatmaplayer .hm").first.wait_for(state="attached", timeout=WAIT_MS)
    # One row per province, the Vietnamese title and hover format of ui/quality_data.py.
    layout = json.loads(page.evaluate("JSON.stringify(document.querySelector('.js-plotly-plot').layout)"))
    assert len(page.evaluate("document.querySelector('.js-plotly-plot').data[0].y")) == 63 and layout["height"] == 16 * 63 + 90
    vendor = sorted({url.rsplit("/", 1)[-1] for url in fetched if "/app/static/vendor/" in url})
    assert vendor == ["plotly-cartesian-4.1.1.min.js"], vendor
    assert not [url for url in fetched if "/PlotlyChart." in url]  # Streamlit's 4,7 MB chunk: never asked for
    assert page.locator('[data-testid="stException"]').count() == 0 and page.get_by_text("Không tải được thư viện").count() == 0
    assert page.outside == []
    page.close()


def test_cartesian_charts_and_maps_come_from_the_apps_own_bundles(server, browser):
    page = offline_page(browser, 1280, 800)
    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(r.url) if "/static/" in r.url else None)
    # The overview: a trend line and bars, from the basic bundle.
    page.goto(f"{server}/?as_of={AS_OF}", timeout=WAIT_MS)
    page.get_by_text("Còn 16 ngày đến hạn 01/07/2021").first.wait_for(timeout=WAIT_MS)
    page.locator(".js-plotly-plot .main-svg").nth(1).wait_for(state="attached", timeout=WAIT_MS)
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 2 and page.locator(".js-plotly-plot .barlayer .point").count() == 6
    # In Streamlit's theme: bold titles, as st.plotly_chart draws them.
    assert page.locator(".js-plotly-plot .gtitle tspan[style*='bold']").count() == 2
    # Then the map, in the same browser session (Streamlit's own navigation): the geo bundle beside the basic one.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Bản đồ").click()
    page.locator(".js-plotly-plot .choroplethlayer path").first.wait_for(timeout=WAIT_MS)
    # And back: the overview's charts draw again with the bundle already loaded.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Tổng quan").click()
    page.locator(".js-plotly-plot .barlayer .point").nth(5).wait_for(state="attached", timeout=WAIT_MS)
    vendor = sorted({url.rsplit("/", 1)[-1] for url in fetched if "/app/static/vendor/" in url})
    assert vendor == ["plotly-basic-4.1.1.min.js", "plotly-geo-4.1.1.min.js"], vendor
    assert not [url for url in fetched if "/PlotlyChart." in url]  # Streamlit's 4,7 MB chunk: never asked for
    assert page.locator('[data-testid="stException"]').count() == 0 and page.get_by_text("Không tải được thư viện").count() == 0
    assert page.outside == []
    page.close()


def test_a_chart_follows_its_columns_width_when_the_sidebar_closes(server, browser):
    """plotly's own "responsive" follows the window only; the sidebar closing widens the main column."""
    page = offline_page(browser, 1280, 800)
    page.goto(f"{server}/?as_of={AS_OF}", timeout=WAIT_MS)
    trend = page.locator(".js-plotly-plot").first
    trend.locator(".main-svg").first.wait_for(timeout=WAIT_MS)
    svg_width = "e => e.querySelector('.main-svg').getBoundingClientRect().width"
    before = trend.evaluate(svg_width)
    page.get_by_test_id("stSidebar").hover()
    page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    page.wait_for_function(
        "w => document.querySelector('.js-plotly-plot .main-svg').getBoundingClientRect().width > w + 100", arg=before, timeout=WAIT_MS
    )
    after = trend.evaluate(svg_width)
    column = trend.evaluate("e => e.getBoundingClientRect().width")
    assert after > before + 100 and abs(after - column) <= 2, (before, after, column)
    assert page.outside == []
    page.close()
