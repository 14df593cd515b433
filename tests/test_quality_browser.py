"""The data-quality page in a real headless Chromium, with every request off this machine blocked and recorded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_quality import planted_day

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
LOCAL = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1", "data:", "blob:", "about:")

if not Path(CHROMIUM).exists():
    if os.environ.get("CCCD_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"{CHROMIUM} is required (CCCD_REQUIRE_BROWSER=1): apt-get install -y chromium")
    pytest.skip("Debian chromium not installed", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_sqlite):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": demo_sqlite}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError(f"streamlit did not start: {proc.stdout.read().decode()[-2000:]}")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


def offline_page(browser, width: int, height: int):
    """A page whose requests to anywhere but this machine are blocked and recorded in `page.outside`."""
    outside: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": height})

    def route(r):
        if r.request.url.startswith(LOCAL):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.outside = outside
    return page


def overflowing_text(page) -> list[str]:
    """Headings, text blocks, metric cards and charts whose right edge runs past the window."""
    return page.evaluate(
        """() => [...document.querySelectorAll('h1, h2, h3, [data-testid="stMarkdownContainer"], [data-testid="stMetric"], .js-plotly-plot')]
            .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.innerText.slice(0, 60) || e.className)"""
    )


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
