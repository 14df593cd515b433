"""The map in a real headless Chromium with every request off this machine blocked and recorded:
63 province shapes drawn, both archipelago labels visible, real mouse clicks open province pages,
deep links work on a fresh server. Screenshots go to test-artifacts/. No timing is asserted."""

from __future__ import annotations

import pytest

from tests.browser_support import ARTIFACTS, LOCAL, require_chromium, streamlit_server

require_chromium()

WAIT_MS = 180_000  # generous: the first load of Streamlit's JavaScript on a cold 2-core VM can take a minute
SIZES = [(1280, 720), (1920, 1080)]
AS_OF = "2021-06-15"


class Offline:
    """A page whose requests to any host but this machine are aborted and recorded; local ones are logged."""

    def __init__(self, browser, width: int, height: int):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.outside: list[str] = []
        self.local: list[tuple[str, int]] = []
        self.page.route("**/*", self._route)
        self.page.on("response", lambda r: self.local.append((r.url, r.status)))

    def _route(self, route):
        if route.request.url.startswith(LOCAL):
            return route.continue_()
        self.outside.append(route.request.url)
        return route.abort()

    def close(self):
        self.page.close()


# Waits are locators, not page.wait_for_function: that evaluates a string in the page, which the
# app's Content-Security-Policy (no 'unsafe-eval', web/headers.py) rightly refuses.
def wait_for_count(page, selector: str, n: int) -> None:
    page.locator(selector).nth(n - 1).wait_for(state="attached", timeout=WAIT_MS)


def wait_for_map(page) -> None:
    wait_for_count(page, ".choroplethlayer path.choroplethlocation", 63)
    wait_idle(page)


def wait_idle(page) -> None:
    """Until the script run is over (Streamlit's running indicator gone) and no element is stale."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=WAIT_MS)
    page.locator('[data-stale="true"]').first.wait_for(state="detached", timeout=WAIT_MS)


def wait_for_charts(page, n: int) -> None:
    """Until `n` Plotly charts are drawn (their axes are in the page) and the run is over."""
    wait_for_count(page, ".js-plotly-plot .main-svg .cartesianlayer", n)
    wait_idle(page)


def my_province(page) -> str:
    """The sidebar's "Tỉnh của tôi" selector as shown (its text, or its input's value)."""
    return page.evaluate(
        """() => {
          const box = [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stSelectbox"]')]
            .find(b => b.innerText.includes('Tỉnh của tôi'));
          const input = box && box.querySelector('input');
          return box ? box.innerText + ' ' + (input ? input.value : '') : '';
        }"""
    )


def interior_point(page, code: str) -> dict:
    """A screen point inside the drawn shape of province `code` (nearest its bounding box's centre),
    found with the path's own fill test; scrolls the shape into view first."""
    return page.evaluate(
        """(code) => {
          const path = [...document.querySelectorAll('.choroplethlayer path.choroplethlocation')]
            .find(p => p.__data__ && p.__data__.loc === code);
          if (!path) return null;
          path.scrollIntoView({block: 'center'});
          const svg = path.ownerSVGElement, matrix = path.getScreenCTM(), box = path.getBBox();
          let best = null;
          for (let i = 1; i < 30; i++) for (let j = 1; j < 30; j++) {
            const p = svg.createSVGPoint();
            p.x = box.x + box.width * i / 30; p.y = box.y + box.height * j / 30;
            if (!path.isPointInFill(p)) continue;
            const d = Math.hypot(i - 15, j - 15);
            if (!best || d < best.d) { const s = p.matrixTransform(matrix); best = {d, x: s.x, y: s.y}; }
          }
          return best;
        }""",
        code,
    )


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_deep_link_to_a_province_on_a_fresh_server(demo_sqlite, browser):
    """/tinh?province=48 as the very first request of a new server (BRIEF §5: deep links)."""
    with streamlit_server(demo_sqlite) as base:
        tab = Offline(browser, 1280, 720)
        tab.page.goto(f"{base}/tinh?province=48&as_of={AS_OF}", timeout=WAIT_MS)
        tab.page.locator("h1", has_text="Đà Nẵng").wait_for(timeout=WAIT_MS)
        tab.page.get_by_text("quận/huyện xếp theo tỷ lệ").wait_for(timeout=WAIT_MS)
        wait_for_charts(tab.page, 2)  # trend and district bars drawn
        shot(tab.page, "province-deeplink-48-1280x720.png")
        assert "Đà Nẵng" in my_province(tab.page)  # "my province" agrees with the page
        assert tab.page.locator('[data-testid="stSidebarNav"] a').count() >= 5  # no duplicated or missing page entries
        assert "province=48" in tab.page.url
        assert tab.outside == [], f"requests left the machine: {tab.outside}"
        tab.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_map_draws_63_provinces_and_both_archipelagos_offline(server, browser, width, height):
    tab = Offline(browser, width, height)
    page = tab.page
    page.goto(f"{server}/ban-do?as_of={AS_OF}", timeout=WAIT_MS)
    wait_for_map(page)
    paths = page.locator(".choroplethlayer path.choroplethlocation")
    assert paths.count() == 63
    drawn = page.evaluate("[...document.querySelectorAll('.choroplethlayer path.choroplethlocation')].map(p => p.__data__.loc).sort()")
    assert len(set(drawn)) == 63
    # Each shape has a real outline (a blank map offline has none; a counter-clockwise ring fills the frame).
    sizes = page.evaluate(
        "[...document.querySelectorAll('.choroplethlayer path.choroplethlocation')].map(p => p.getBBox().width * p.getBBox().height)"
    )
    frame = page.evaluate("(() => { const r = document.querySelector('.js-plotly-plot .main-svg').getBBox(); return r.width * r.height; })()")
    assert all(size > 0 for size in sizes) and max(sizes) < 0.25 * frame
    chart = page.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    chart_box = chart.bounding_box()
    for name in ("QĐ. Hoàng Sa", "QĐ. Trường Sa"):
        label = page.locator(".js-plotly-plot text", has_text=name)
        assert label.count() == 1 and label.is_visible(), name
        box = label.bounding_box()
        # Inside the chart, not clipped at its edges.
        assert chart_box["x"] <= box["x"] and box["x"] + box["width"] <= chart_box["x"] + chart_box["width"], name
        assert chart_box["y"] <= box["y"] and box["y"] + box["height"] <= chart_box["y"] + chart_box["height"], name
    assert "Dữ liệu mô phỏng" in page.inner_text("body")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, f"map-{width}x{height}.png")
    chart.screenshot(path=str(ARTIFACTS / f"map-chart-{width}x{height}.png"))
    assert tab.outside == [], f"requests left the machine: {tab.outside}"
    # plotly.js's base topology (world_110m) comes with the figure, empty: it is not even fetched.
    assert not [url for url, _ in tab.local if "topojson" in url]
    # The map is drawn by the app's own plotly.js geo bundle (ui/chart.py), not Streamlit's 4,7 MB
    # Plotly chunk, which this page never asks for.
    bundles = [(url, status) for url, status in tab.local if "plotly-geo-" in url]
    assert bundles and all(status in (200, 304) and "/app/static/vendor/" in url for url, status in bundles), bundles
    assert not [url for url, _ in tab.local if "/PlotlyChart." in url]
    # Its mode bar speaks Vietnamese and has no "Share chart..." (an upload to Plotly Cloud).
    chart.hover()
    titles = page.evaluate("[...document.querySelectorAll('.js-plotly-plot .modebar-btn')].map(b => b.getAttribute('data-title'))")
    assert "Tải ảnh PNG của biểu đồ" in titles and "Phóng to" in titles, titles
    assert not [t for t in titles if "Share" in t or "Cloud" in t], titles
    tab.close()


def test_a_map_whose_drawing_library_cannot_load_says_so(server, browser):
    """The geo bundle is the app's own file; if it cannot be fetched the map's place says so in
    Vietnamese instead of staying blank, and the rest of the page still works."""
    tab = Offline(browser, 1280, 720)
    page = tab.page
    page.route("**/plotly-geo-*.min.js", lambda route: route.abort())
    page.goto(f"{server}/ban-do?as_of={AS_OF}", timeout=WAIT_MS)
    page.get_by_text("Không tải được thư viện vẽ biểu đồ").wait_for(timeout=WAIT_MS)
    assert page.locator(".choroplethlayer path").count() == 0
    assert page.get_by_text("Số tỉnh theo trạng thái").count() == 1
    tab.close()


@pytest.mark.parametrize("code,name,reported", [("64", "Gia Lai", False), ("48", "Đà Nẵng", True)])
def test_a_mouse_click_on_a_province_opens_its_page(server, browser, code, name, reported):
    """Gia Lai is large (and has no reports in the demo data: a grey shape opens too); Đà Nẵng's
    mainland is small (BRIEF §5: once only a few pixels wide)."""
    tab = Offline(browser, 1280, 720)
    page = tab.page
    page.goto(f"{server}/ban-do?as_of={AS_OF}", timeout=WAIT_MS)
    wait_for_map(page)
    point = interior_point(page, code)
    assert point is not None, f"no drawn shape for {code}"
    page.mouse.move(point["x"], point["y"])
    page.locator(".hoverlayer .hovertext", has_text=name).wait_for(timeout=WAIT_MS)  # the hover names the province
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/tinh?**", timeout=WAIT_MS)
    page.locator("h1", has_text=name).wait_for(timeout=WAIT_MS)
    assert f"province={code}" in page.url and f"as_of={AS_OF}" in page.url
    page.get_by_text("quận/huyện xếp theo tỷ lệ").wait_for(timeout=WAIT_MS)
    wait_for_charts(page, 2)
    assert name in my_province(page)
    shot(page, f"province-{code}-1280x720.png")
    if not reported:  # its districts have no bars to click (zero length, marked "Chưa có số liệu")
        assert tab.outside == [], f"requests left the machine: {tab.outside}"
        return tab.close()
    # A click on a district's bar shows its communes; the province stays (the sidebar agrees after a rerun).
    bars = page.locator(".js-plotly-plot").nth(1)
    bars.scroll_into_view_if_needed()
    bar = bars.locator(".barlayer .trace").first.locator(".point path").last  # the best district, drawn on top
    bar_box = bar.bounding_box()
    page.mouse.click(bar_box["x"] + bar_box["width"] / 2, bar_box["y"] + bar_box["height"] / 2)
    page.locator("h3", has_text="xã/phường/thị trấn của").wait_for(timeout=WAIT_MS)
    wait_for_charts(page, 3)  # and the communes' bars
    # The province page's charts are the app's basic bundle's, not Streamlit's 4,7 MB Plotly chunk.
    assert [url for url, _ in tab.local if "/plotly-basic-" in url] and not [url for url, _ in tab.local if "/PlotlyChart." in url]
    assert page.locator("h1").first.inner_text() == name and name in my_province(page)
    page.wait_for_url("**district=**", timeout=WAIT_MS)
    assert f"province={code}" in page.url
    shot(page, f"province-{code}-communes-1280x720.png")
    assert tab.outside == [], f"requests left the machine: {tab.outside}"
    tab.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_tile_grid_offline_and_a_click_on_a_small_province(server, browser, width, height):
    tab = Offline(browser, width, height)
    page = tab.page
    page.goto(f"{server}/ban-do?as_of={AS_OF}", timeout=WAIT_MS)
    wait_for_map(page)
    page.get_by_text("Lưới ô đều (mỗi tỉnh một ô)").click()
    wait_for_count(page, ".js-plotly-plot .shapelayer path", 63)
    wait_idle(page)
    tile = page.locator(".js-plotly-plot .textpoint", has_text="Bắc Ninh")
    tile.scroll_into_view_if_needed()
    assert tile.is_visible()
    for name in ("QĐ. Hoàng Sa", "QĐ. Trường Sa"):
        assert page.locator(".js-plotly-plot text", has_text=name).is_visible(), name
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, f"tiles-{width}x{height}.png")
    page.locator(".js-plotly-plot").first.screenshot(path=str(ARTIFACTS / f"tiles-chart-{width}x{height}.png"))
    box = tile.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator("h1", has_text="Bắc Ninh").wait_for(timeout=WAIT_MS)
    assert "province=27" in page.url
    assert tab.outside == [], f"requests left the machine: {tab.outside}"
    tab.close()
