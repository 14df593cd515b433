"""The data-quality page in a real headless Chromium, with every request off this machine blocked and recorded."""

from __future__ import annotations

from tests.browser_support import ARTIFACTS, offline_page, overflowing_text, require_chromium
from tests.test_quality import planted_day

require_chromium()


def test_quality_page_offline_in_chromium(server, browser, demo_sqlite):
    day = planted_day(demo_sqlite)
    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}/chat-luong?as_of={day.isoformat()}&province=48", timeout=180_000)
    page.get_by_text("Chất lượng số liệu").first.wait_for(timeout=180_000)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=180_000)
    heatmap = page.locator(".js-plotly-plot").first
    heatmap.wait_for(timeout=180_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=180_000)
    page.wait_for_timeout(1500)  # let the grid and the heatmap paint before the picture
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quality-1280x720.png"))
    body = page.inner_text("body")
    assert "Dữ liệu mô phỏng" in body and day.strftime("%d/%m/%Y") in body
    for text in ("Đơn vị đã báo cáo", "Tỉnh báo cáo đủ", "Chưa báo cáo ngày", "Số liệu bất thường cần kiểm tra"):
        assert text in body, text
    # The heatmap drew its 63 rows of cells (one label per province on the y axis).
    assert heatmap.locator(".yaxislayer-above .ytick text").count() == 63
    assert page.get_by_text("Tải danh sách cần kiểm tra (CSV)").count() == 1
    assert overflowing_text(page) == []
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()
