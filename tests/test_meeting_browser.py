"""Meeting mode in a real headless Chromium, every request off this machine blocked: every slide at
1280×720 and 1920×1080 (screenshots in test-artifacts/), no text under 24 px, nothing overflowing,
keyboard and clicker keys, automatic advance, the URL, and the handouts downloaded from the page."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest

from db.engine import make_engine
from exports.slides import build_slides
from tests.browser_support import ARTIFACTS, offline_page as _offline_page, require_chromium

require_chromium()

MIN_FONT_PX = 24


def offline_page(browser, width: int, height: int):
    """An offline page that accepts the handouts' downloads."""
    return _offline_page(browser, width, height, accept_downloads=True)


@pytest.fixture(scope="module")
def expected(demo_sqlite):
    """The slides the page must show, from queries/ (the same builder the page uses)."""
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        national = build_slides(conn, as_of=date(2021, 4, 27), metric="applications_received", denominator="target")
        director = build_slides(conn, as_of=date(2021, 6, 15), metric="applications_received", denominator="eligible", province="48")
    engine.dispose()
    return {"national": national, "director": director}


# Every visible text node with its computed font size (Plotly's SVG text included; its hover layer,
# empty unless the mouse is over a chart, excluded), and the parts of the slide that leave the window.
SMALL_TEXT = """(minPx) => {
  const vw = innerWidth, vh = innerHeight, small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('script, style, noscript, .hoverlayer')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const seen = [...range.getClientRects()].some(r => r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < vw && r.top < vh);
    const style = getComputedStyle(el);
    if (!seen || style.visibility === 'hidden' || parseFloat(style.opacity) === 0) continue;
    const size = parseFloat(style.fontSize);
    if (size < minPx) small.push(`${text.slice(0, 40)} (${size}px)`);
  }
  return small;
}"""

OVERFLOW = """() => {
  const vw = innerWidth, vh = innerHeight, out = [];
  for (const el of [document.scrollingElement, ...document.querySelectorAll('[data-testid="stAppViewContainer"], [data-testid="stMain"]')]) {
    if (el && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)) out.push(`scrolls: ${el.getAttribute('data-testid') || el.tagName} ${el.scrollWidth}x${el.scrollHeight}`);
  }
  const footer = document.querySelector('.st-key-mt_footer');
  const footerTop = footer ? footer.getBoundingClientRect().top : vh;
  const parts = '.mt-head, .mt-message, .mt-numbers, .mt-tables, .mt-bullets, .mt-note, .js-plotly-plot, .st-key-mt_downloads, .st-key-mt_footer button, .st-key-mt_footer [data-testid="stButtonGroup"]';
  for (const el of document.querySelectorAll(parts)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    const name = (el.className.baseVal ?? el.className).toString().split(' ')[0] || el.tagName;
    if (r.right > vw + 1 || r.left < -1 || r.bottom > vh + 1) out.push(`past the window: ${name} ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`);
    if (!el.closest('.st-key-mt_footer') && r.bottom > footerTop + 1) out.push(`under the footer: ${name} bottom ${Math.round(r.bottom)} > ${Math.round(footerTop)}`);
  }
  return out;
}"""


def position(page) -> str:
    return page.locator(".mt-position").inner_text().strip()


def wait_for_slide(page, slide, n: int, total: int) -> None:
    page.locator(".mt-position", has_text=f"{n}/{total}").wait_for(timeout=120_000)
    page.locator(".mt-title", has_text=slide.title).wait_for(timeout=120_000)
    if slide.figure is not None:
        page.locator(".st-key-mt_figure .js-plotly-plot .main-svg").first.wait_for(timeout=120_000)
    page.wait_for_timeout(1200)  # let Plotly finish drawing before the picture; nothing is asserted on time


def check_slide(page, slide, *, name: str, width: int, height: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"))
    body = page.inner_text("body")
    assert slide.message in body, slide.key
    assert "Dữ liệu mô phỏng" in body and f"Số liệu đến {slide.as_of:%d/%m/%Y}" in body
    assert page.evaluate(SMALL_TEXT, MIN_FONT_PX) == [], slide.key
    assert page.evaluate(OVERFLOW) == [], slide.key
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('header[data-testid="stHeader"]').is_visible()
    if slide.figure is not None:
        # The chart fills the height the slide leaves for it (drawn at 1/zoom and scaled up by the page's CSS).
        box = page.locator(".st-key-mt_figure").bounding_box()
        plot = page.locator(".st-key-mt_figure .js-plotly-plot .main-svg").first.bounding_box()
        assert box["height"] >= 260 and plot["height"] >= 0.95 * box["height"] - 2, (slide.key, box, plot)


def fetched_urls(page) -> list[str]:
    """Every URL the page asks for from now on (the list grows as it loads)."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def assert_charts_from_the_apps_bundles(urls: list[str]) -> None:
    """The slides' charts are drawn by the app's plotly.js partial bundles (ui/chart.py), never by
    Streamlit's 4,7 MB Plotly chunk (what st.plotly_chart loads)."""
    assert [url for url in urls if "/app/static/vendor/plotly-" in url]
    assert not [url for url in urls if "/PlotlyChart." in url]


# 1024×768: the older projectors still in many meeting rooms.
@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080), (1024, 768)])
def test_every_national_slide_reads_from_the_back_of_the_room(server, browser, expected, width, height):
    slides = expected["national"]
    page = offline_page(browser, width, height)
    urls = fetched_urls(page)
    page.goto(f"{server}/?as_of=2021-04-27&denominator=target&mode=meeting", timeout=180_000)
    for n, slide in enumerate(slides, start=1):
        wait_for_slide(page, slide, n, len(slides))
        check_slide(page, slide, name=f"meeting-{n}", width=width, height=height)
        assert re.search(rf"[?&]slide={n}(&|$)", page.url) and "as_of=2021-04-27" in page.url and "/hop" in page.url
        if n < len(slides):
            page.keyboard.press("ArrowRight")
    assert_charts_from_the_apps_bundles(urls)
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080), (1024, 768)])
def test_every_director_slide_reads_from_the_back_of_the_room(server, browser, expected, width, height):
    slides = expected["director"]
    page = offline_page(browser, width, height)
    # ?mode=meeting on another page's URL: the meeting opens with the same date and province.
    urls = fetched_urls(page)
    page.goto(f"{server}/xep-hang?as_of=2021-06-15&province=48&mode=meeting", timeout=180_000)
    for n, slide in enumerate(slides, start=1):
        wait_for_slide(page, slide, n, len(slides))
        check_slide(page, slide, name=f"meeting-province-{n}", width=width, height=height)
        assert "province=48" in page.url and "as_of=2021-06-15" in page.url
        if n < len(slides):
            page.keyboard.press("PageDown")
    assert_charts_from_the_apps_bundles(urls)
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


def test_keyboard_and_clicker_keys_move_between_slides(server, browser, expected):
    slides = expected["national"]
    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}/hop?as_of=2021-04-27&denominator=target&slide=3", timeout=180_000)
    wait_for_slide(page, slides[2], 3, 7)
    for key, n in (("ArrowRight", 4), ("PageDown", 5), ("Space", 6), ("PageUp", 5), ("ArrowLeft", 4)):
        page.keyboard.press(key)
        page.locator(".mt-position", has_text=f"{n}/7").wait_for(timeout=60_000)
        page.locator(".mt-title", has_text=slides[n - 1].title).wait_for(timeout=60_000)
    # A mouse click leaves the button focused; Space must still advance exactly one slide.
    page.get_by_role("button", name="Sau").click()
    page.locator(".mt-position", has_text="5/7").wait_for(timeout=60_000)
    page.keyboard.press("Space")
    page.locator(".mt-position", has_text="6/7").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    assert position(page) == "6/7"
    assert "slide=6" in page.url
    assert page.outside == []
    page.close()


def test_slides_advance_by_themselves_at_the_chosen_interval(server, browser, expected):
    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}/hop?as_of=2021-04-27&denominator=target&auto=15", timeout=180_000)
    page.locator(".mt-position", has_text="1/7").wait_for(timeout=120_000)
    page.locator(".mt-position", has_text="2/7").wait_for(timeout=90_000)
    page.locator(".mt-title", has_text=expected["national"][1].title).wait_for(timeout=60_000)
    assert "auto=15" in page.url
    page.locator('[data-testid="stButtonGroup"] button', has_text="Tự chuyển: tắt").click()  # stop rotating
    page.wait_for_url(lambda url: "auto=" not in url, timeout=60_000)
    page.close()


def test_handouts_download_from_the_last_slide_and_exit_keeps_the_date(server, browser, expected):
    from openpyxl import load_workbook
    from pptx import Presentation

    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}/hop?as_of=2021-04-27&denominator=target&slide=7", timeout=180_000)
    wait_for_slide(page, expected["national"][6], 7, 7)
    with page.expect_download(timeout=240_000) as download:
        page.get_by_role("button", name="Tải bài trình chiếu (PowerPoint)").click()
    assert download.value.suggested_filename == "bao-cao-tien-do-cccd-toan-quoc-2021-04-27.pptx"
    deck = Presentation(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(deck.slides) == 8 and [s.shapes.title.text for s in list(deck.slides)[1:]] == [s.title for s in expected["national"]]
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Tải bảng số liệu (Excel)").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    # The demo data set has readiness data: its sheet comes before the notes.
    assert book.sheetnames == ["Xếp hạng tỉnh", "Vùng", "Huyện", "Sẵn sàng", "Ghi chú"]
    page.get_by_role("button", name="Thoát").click()
    page.get_by_text("Còn 65 ngày đến hạn 01/07/2021").wait_for(timeout=120_000)
    assert "/hop" not in page.url and "as_of=2021-04-27" in page.url and "mode=" not in page.url
    assert page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()
