"""What every browser test shares: the Debian-chromium guard, a Streamlit server on a database, a
headless Chromium, and pages whose requests off this machine are blocked and recorded.

The `server` and `browser` fixtures (tests/conftest.py) are built from these; playwright is imported
only when a browser is actually launched.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts import local_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
LOCAL = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1", "data:", "blob:", "about:")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    """Call at the top of a browser test module: without Debian's chromium the module fails when
    CCCD_REQUIRE_BROWSER=1 (test.sh, CI) and is skipped otherwise. Playwright never downloads one."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CCCD_REQUIRE_BROWSER") == "1":
            raise RuntimeError(f"{CHROMIUM} is required (CCCD_REQUIRE_BROWSER=1): apt-get install -y chromium")
        pytest.skip("Debian chromium not installed", allow_module_level=True)


@contextmanager
def streamlit_server(database_url: str, *, log_name: str = "streamlit-server.log"):
    """`streamlit run app.py` on a free port against `database_url` (scripts/local_server.py); yields
    its base URL. Output goes to test-artifacts/`log_name`."""
    ARTIFACTS.mkdir(exist_ok=True)
    with local_server.streamlit_server(database_url, log=ARTIFACTS / log_name, start_timeout=120) as base:
        yield base


@contextmanager
def chromium():
    """Debian's headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def offline_page(browser, width: int, height: int, **options):
    """A page whose requests to anywhere but this machine are blocked and recorded in `page.outside`."""
    outside: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": height}, **options)

    def route(r):
        if r.request.url.startswith(LOCAL):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.outside = outside
    return page


def overflowing_text(page) -> list[str]:
    """Headings, text blocks, metric cards and charts whose right edge runs past the window (tables may
    scroll inside their own frame; nothing else should need sideways scrolling)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('h1, h2, h3, [data-testid="stMarkdownContainer"], [data-testid="stMetric"], .js-plotly-plot')]
            .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.innerText.slice(0, 60) || e.className)"""
    )
