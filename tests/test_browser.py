"""What a person sees, in a real headless Chromium with every request off this machine blocked and recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser_support import ARTIFACTS, CHROMIUM, offline_page, overflowing_text, require_chromium

require_chromium()

VIEWPORTS = [(1920, 1080), (1280, 720), (390, 844)]


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_overview_offline_in_chromium(server, browser, width, height):
    page = offline_page(browser, width, height)
    outside = page.outside
    page.goto(f"{server}/?as_of=2021-04-27", timeout=180_000)
    page.get_by_text("Còn 65 ngày đến hạn 01/07/2021").wait_for(timeout=180_000)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"overview-{width}x{height}.png"))
    body = page.inner_text("body")
    assert "Dữ liệu mô phỏng" in body
    assert "27/04/2021" in body
    value = page.locator('[data-testid="stMetricValue"]').first.inner_text()
    assert value.replace(".", "").isdigit() and "." in value  # 1.234.567
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


@pytest.mark.parametrize("path", ["/overview", "/tong-quan"])
def test_the_overview_s_other_addresses_open_the_overview(server, browser, path):
    """/overview (the default page's address in earlier links) and /tong-quan (the page's name in the
    other pages' style: /ban-do, /xep-hang) open the overview with its parameters, not Streamlit's
    "Page not found" dialog."""
    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}{path}?as_of=2021-04-27", timeout=180_000)
    page.get_by_text("Còn 65 ngày đến hạn 01/07/2021").wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[role="dialog"]').count() == 0
    assert "as_of=2021-04-27" in page.url
    # The alias is not listed, nor (for a reader who has not signed in) the upload page.
    assert page.locator('[data-testid="stSidebarNav"] a').count() == 9
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


def test_after_the_deadline_the_trend_s_axis_ends_with_the_data(server, browser):
    """On a date after 01/07/2021 (the demo's default), the overview's trend chart ends at the as-of date:
    no months without data to the right of it, and its label and the deadline's do not overlap."""
    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}/?as_of=2021-12-31", timeout=180_000)
    page.get_by_text("Đã quá hạn 183 ngày (hạn 01/07/2021)").wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
    axis_end = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => g._fullLayout.xaxis)
                 .find(a => a.type === 'date').range[1]"""
    )
    assert "2021-12-31" <= axis_end[:10] <= "2022-01-07", axis_end
    boxes = [page.get_by_text(t, exact=True).bounding_box() for t in ("Hạn chót 01/07/2021", "Số liệu đến 31/12/2021")]
    deadline, as_of = boxes
    assert deadline["x"] + deadline["width"] <= as_of["x"], boxes
    page.close()


def test_an_unknown_address_says_so_in_vietnamese_and_opens_the_overview(server, browser):
    """A mistyped address gets Streamlit's "Page not found" dialog, in Vietnamese, over the overview."""
    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}/xep_hang?as_of=2021-04-27", timeout=180_000)
    page.get_by_text("Còn 65 ngày đến hạn 01/07/2021").wait_for(timeout=180_000)
    dialog = page.locator('[role="dialog"]')
    dialog.wait_for(timeout=60_000)
    text = dialog.inner_text()
    assert "Không tìm thấy trang" in text and "Đang mở trang Tổng quan" in text, text
    assert "Page not found" not in text and "main page" not in text
    page.close()


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_rankings_in_chromium(server, browser, width, height):
    page = offline_page(browser, width, height)
    page.goto(f"{server}/xep-hang?as_of=2021-06-15&province=48", timeout=180_000)
    page.get_by_text("Xếp hạng 63 tỉnh/thành phố").wait_for(timeout=180_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
    page.wait_for_timeout(1500)  # let the grid paint before the picture; nothing is asserted on time
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"rankings-{width}x{height}.png"))
    body = page.inner_text("body")
    assert "15/06/2021" in body and "Dữ liệu mô phỏng" in body
    # My province is kept in the address and offered as a link to its scorecard.
    assert "province=48" in page.url
    assert page.get_by_text("Bảng điểm của Đà Nẵng", exact=False).count() == 1
    assert overflowing_text(page) == []
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


def test_a_page_prints_its_content_without_the_sidebar_or_buttons(server, browser):
    """ "In trang" (the ⋮ menu) or Ctrl+P: the paper gets the page's own content, across the sheet."""
    page = offline_page(browser, 1280, 900)
    page.goto(f"{server}/?as_of=2021-04-27", timeout=180_000)
    page.get_by_text("Còn 65 ngày đến hạn 01/07/2021").first.wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.is_visible() and page.get_by_role("button", name="Tải bảng số liệu (Excel)").is_visible()
    page.emulate_media(media="print")
    assert not sidebar.is_visible()
    assert not page.get_by_role("button", name="Tải bảng số liệu (Excel)").is_visible()
    assert not page.locator('[data-testid="stPageLink"]').first.is_visible()
    assert page.locator("h1").first.is_visible() and page.locator('[data-testid="stMetric"]').first.is_visible()
    # The content starts at the sheet's left edge, where the sidebar was.
    assert page.locator("h1").first.bounding_box()["x"] < 100
    # The date and the simulated label are on the paper with the numbers.
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    assert "27/04/2021" in caption and "Dữ liệu mô phỏng" in caption
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


def printed_sheets(page, pdf: Path) -> list[str]:
    """The page as Ctrl+P puts it on A4, one text per sheet (poppler's pdftotext), without spaces: bold
    runs come out of the PDF without theirs, and a long name wraps in its cell."""
    import subprocess

    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.fail("poppler's pdftotext is needed to read the printed page: apt-get install -y poppler-utils")
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4")
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return ["".join(sheet.split()) for sheet in text.split("\f") if sheet.strip()]


def test_the_rankings_print_every_province_from_the_first_sheet(server, browser, tmp_path):
    """Ctrl+P on the rankings: the grid is a canvas, which Chromium prints as one picture pushed whole onto
    the second sheet (the first left blank under the title) and cut at its right edge. On paper an HTML
    table takes its place: from the first sheet, every province and every column."""
    page = offline_page(browser, 1280, 900)
    page.goto(f"{server}/xep-hang?as_of=2021-06-15&province=48", timeout=180_000)
    page.get_by_text("Xếp hạng 63 tỉnh/thành phố").wait_for(timeout=180_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=180_000)
    printed = page.locator("table.print-table")
    assert not printed.is_visible()  # on screen, the grid only
    names = printed.locator("tbody td:nth-child(3)").all_text_contents()
    assert len(names) == 63 and len(set(names)) == 63
    sheets = printed_sheets(page, tmp_path / "xep-hang.pdf")
    assert printed.is_visible() and not page.locator('[data-testid="stDataFrame"]').is_visible()
    squashed = ["".join(name.split()) for name in names]
    assert "Xếphạng63" in sheets[0] and "Tỉnh/thànhphố" in sheets[0] and squashed[0] in sheets[0]  # the table starts on sheet 1
    assert [n for n in squashed if not any(n in sheet for sheet in sheets)] == []
    assert "Ghichú" in sheets[0]  # the last column is on the paper too
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


@pytest.mark.parametrize(
    "path,ready,grids",
    [
        ("/tinh?as_of=2021-06-15&province=26", "quận/huyện xếp theo tỷ lệ", 1),
        ("/tinh-cua-toi?as_of=2021-06-15&province=48", "Các huyện chậm nhất", 2),
        ("/chat-luong?as_of=2021-06-15&province=48", "Số liệu bất thường cần kiểm tra", 3),
        ("/san-sang?as_of=2021-03-01&province=26", "Tỉnh × hạng mục", 4),
    ],
)
def test_every_grid_prints_whole(server, browser, tmp_path, path, ready, grids):
    """Ctrl+P on the pages with grids: each grid, a canvas that would print as a picture cut at the sheet's
    right edge and at its on-screen height, is on paper as a table with every header and every row."""
    page = offline_page(browser, 1280, 900)
    page.goto(f"{server}{path}", timeout=180_000)
    page.get_by_text(ready).first.wait_for(timeout=180_000)
    page.locator('[data-testid="stDataFrame"]').nth(grids - 1).wait_for(timeout=180_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=180_000)
    tables = page.locator("table.print-table")
    assert tables.count() == page.locator('[data-testid="stDataFrame"]').count() >= grids
    assert not any(tables.nth(i).is_visible() for i in range(tables.count()))  # on screen, the grids only
    expected = [  # a grid in a closed expander is not on paper, as it is not on screen
        (tables.nth(i).locator("th").all_text_contents(), tables.nth(i).locator("tbody tr td:first-child").all_text_contents())
        for i in range(tables.count())
        if not tables.nth(i).evaluate("t => !!t.closest('details:not([open])')")
    ]
    assert len(expected) >= grids
    text = "".join(printed_sheets(page, tmp_path / "page.pdf"))
    assert not page.locator('[data-testid="stDataFrame"]').first.is_visible()
    for headers, first_cells in expected:
        assert headers and first_cells
        assert [h for h in headers if "".join(h.split()) not in text] == []  # the last column is on the paper too
        assert [c for c in first_cells if "".join(c.split()) not in text] == []  # and every row
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


def test_rankings_workbook_downloads_in_chromium(server, browser):
    """The Excel file is made when the button is pressed (not on every run of the page), and arrives whole."""
    import io

    from openpyxl import load_workbook

    page = offline_page(browser, 1280, 720)
    page.goto(f"{server}/xep-hang?as_of=2021-06-15&metric=cards_delivered", timeout=180_000)
    page.get_by_text("Xếp hạng 63 tỉnh/thành phố").wait_for(timeout=180_000)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Tải bảng (Excel)").click()
    assert download.value.suggested_filename == "xep-hang-cards_delivered-2021-06-15.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book["Xếp hạng"]
    cells = [str(c.value) for row in sheet.iter_rows(max_row=6) for c in row if c.value is not None]
    assert cells[:2] == [
        "Xếp hạng tỉnh/thành — Thẻ CCCD đã trả cho công dân (thẻ) so với công dân từ 14 tuổi (ước tính)",
        "Số liệu đến ngày 15/06/2021",
    ]
    names = [c.value for c in sheet["C"]][4:]
    assert len(names) == 63 and names[0] == "Đà Nẵng" and "Hà Nội" in names
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_scorecard_in_chromium(server, browser, width, height):
    page = offline_page(browser, width, height)
    page.goto(f"{server}/tinh-cua-toi?as_of=2021-06-15&province=48", timeout=180_000)
    rank = page.locator('[data-testid="stMetricValue"]').first
    rank.wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"scorecard-{width}x{height}.png"))
    assert rank.inner_text().endswith("/63")
    # The first thing a director reads is on the first screen, even on a phone.
    box = rank.bounding_box()
    assert box["y"] + box["height"] <= height and box["x"] + box["width"] <= width
    body = page.inner_text("body")
    for text in ("Hạng cả nước", "Các tỉnh xếp liền trên và liền dưới", "Các huyện chậm nhất", "Thứ hạng 12 tuần qua"):
        assert text in body, text
    assert overflowing_text(page) == []
    assert page.outside == [], f"requests left the machine: {page.outside}"
    page.close()


def test_browser_is_debian_chromium():
    assert shutil.which("chromium") == CHROMIUM or Path(CHROMIUM).exists()
