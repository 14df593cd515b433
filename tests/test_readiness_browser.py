"""The readiness page in a real headless Chromium (deep link as the first request of a fresh server), with every
request off this machine blocked and recorded; screenshot at 1280×720 in test-artifacts/readiness-1280x720.png."""

from __future__ import annotations

from tests.browser_support import ARTIFACTS, offline_page, overflowing_text, require_chromium

require_chromium()


def test_readiness_page_offline_at_1280x720(server, browser):
    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}/san-sang?as_of=2021-03-01&province=96", timeout=180_000)
    page.get_by_role("heading", name="Sẵn sàng triển khai").wait_for(timeout=180_000)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=180_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
    page.wait_for_timeout(1500)  # let the grid paint before the picture; nothing is asserted on time
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "readiness-1280x720.png"))
    body = page.inner_text("body")
    assert "01/03/2021" in body and "Dữ liệu mô phỏng" in body
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert values[0].endswith("/63") and values[-1].endswith("/29")
    # The first screen holds the headline numbers and the top of the matrix.
    matrix = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    assert matrix["y"] < 720
    # The deep link kept its parameters (a fresh server, first request) and my province is the drill-down's.
    assert "as_of=2021-03-01" in page.url and "province=96" in page.url
    assert "Cà Mau: chưa sẵn sàng" in body
    assert "Thiết bị hạn chế tiến độ" in body
    assert overflowing_text(page) == []
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()
