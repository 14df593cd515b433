"""The handouts open and print right in the offices' own software: the decks and workbooks converted
to PDF by LibreOffice (Debian's libreoffice-impress and libreoffice-calc, headless) and read back
from poppler's word boxes (`pdftotext -bbox-layout`).

Decks: no two words overlap on any slide, no word lies on a chart, every word is on the page.
Workbooks: each sheet's pages found by their page header; the first printed page of a table sheet
carries all its column headers (so do its later pages: the header row repeats); page counts.

CCCD_WRITE_HANDOUT_PNGS=1 also writes one PNG of each slide and of each sheet's first page to
docs/handouts/ (see docs/handouts.md).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from db.engine import make_engine
from exports import deck, deck_layout
from exports.slides import BigNumber, Slide, build_slides, deck_cover, load_inputs
from exports.spreadsheet import build_handout, rankings_xlsx
from exports.text_metrics import wrap, text_width

ROOT = Path(__file__).resolve().parent.parent
PNG_DIR = ROOT / "docs" / "handouts"
AS_OF = date(2021, 6, 15)
METRIC, DENOMINATOR = "applications_received", "eligible"  # cli.py brief's defaults
REQUIRED = os.environ.get("CCCD_REQUIRE_BROWSER") == "1"
EMU_PER_PT = 12_700
OVERLAP = 0.35  # see Word.overlaps


def _need(what: str, found: str | None, install: str) -> str:
    if found:
        return found
    message = f"{what} is needed to check the handouts as the offices open them: apt-get install -y {install}"
    if REQUIRED:
        pytest.fail(message + " (CCCD_REQUIRE_BROWSER=1)")
    pytest.skip(message)


# --- LibreOffice and poppler ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    line: int  # poppler's line number on the page

    def overlaps(self, other: Word) -> bool:
        """Ink on ink. poppler's word box is 1.3 em tall, more than a line's pitch (1.12–1.2 em), so
        the boxes of two lines of one paragraph share up to a fifth of their height (a 34 pt number
        over its 15 pt label: 23% of the label's): overlapping means sharing more than a hair across
        and over 35% of the smaller word's height (lines less than 0.85 em apart)."""
        across = min(self.x1, other.x1) - max(self.x0, other.x0)
        down = min(self.y1, other.y1) - max(self.y0, other.y0)
        return across > 0.5 and down > OVERLAP * min(self.y1 - self.y0, other.y1 - other.y0)


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: tuple[Word, ...]

    def text(self, *, top: float = 0, bottom: float | None = None) -> list[str]:
        bottom = self.height if bottom is None else bottom
        return [w.text for w in self.words if w.y0 >= top and w.y1 <= bottom]


def pdf_pages(pdf: Path) -> list[Page]:
    out = subprocess.run([PDFTOTEXT, "-bbox-layout", str(pdf), "-"], capture_output=True, check=True, timeout=120).stdout
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in ET.fromstring(out).iter("{http://www.w3.org/1999/xhtml}page"):
        words, line_no = [], 0
        for line in page.iterfind(".//x:line", ns):
            line_no += 1
            for w in line.iterfind("x:word", ns):
                words.append(Word(w.text or "", float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), line_no))
        pages.append(Page(float(page.get("width")), float(page.get("height")), tuple(words)))
    return pages


PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture(scope="module")
def office():
    """soffice and pdftotext, or a skip (a failure under test.sh)."""
    _need("LibreOffice (soffice)", shutil.which("soffice"), "libreoffice-impress libreoffice-calc")
    _need("poppler's pdftotext", PDFTOTEXT, "poppler-utils")
    return shutil.which("soffice")


def convert(soffice: str, files: list[Path], out: Path) -> dict[str, Path]:
    """All files to PDF in one LibreOffice run (a private profile: no clash with another soffice)."""
    profile = out / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        check=True,
        timeout=600,
    )
    pdfs = {f.stem: out / f"{f.stem}.pdf" for f in files}
    missing = [p.name for p in pdfs.values() if not p.exists()]
    assert not missing, f"LibreOffice wrote no PDF for {missing}"
    return pdfs


def write_pngs(pdf: Path, pages: dict[str, int], *, dpi: int) -> None:
    """docs/handouts/<name>.png of each named 1-based page, in 64 colours (only with CCCD_WRITE_HANDOUT_PNGS=1)."""
    if os.environ.get("CCCD_WRITE_HANDOUT_PNGS") != "1":
        return
    from PIL import Image

    PNG_DIR.mkdir(parents=True, exist_ok=True)
    for name, n in pages.items():
        target = PNG_DIR / name
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", str(n), "-l", str(n), "-singlefile", str(pdf), str(target)], check=True, timeout=120
        )
        png = target.with_suffix(".png")
        Image.open(png).convert("RGB").quantize(colors=64).save(png, optimize=True)


# --- the files, built once per module and converted in one LibreOffice run -----------------------------------


def _placeholder_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (229, 231, 235)).save(buffer, format="PNG")
    return buffer.getvalue()


def stress_slides(slides: list[Slide]) -> list[Slide]:
    """The director's slides with every text as long as another language or a long name makes it:
    English words, the longest province name, five-digit counts everywhere."""
    name = "Thành phố Hồ Chí Minh và Bà Rịa - Vũng Tàu"
    out = []
    for s in slides:
        numbers = tuple(
            BigNumber(f"{88_888 + i:,}".replace(",", "."), f"chip ID applications received per day against the target of {name}", n.status)
            for i, n in enumerate(s.numbers)
        )
        tables = tuple(
            replace(
                t,
                title=t.title and f"{t.title} — {name}",
                rows=tuple(tuple(f"{name} ⚠" if not num else "88.888" for cell, num in zip(r, t.numeric, strict=True)) for r in t.rows),
            )
            for t in s.tables
        )
        bullets = tuple(
            f"{b} Reports of {name} were incomplete on this day: the province may rank low for missing reports, not for being slow."
            for b in (s.bullets or ("Note:",))
        )
        out.append(
            replace(
                s,
                title=f"{name} — chip-based citizen identity card applications received against the eligible population",
                message=f"Off track: 7-day pace 88.888 applications/day is 12% of the 99.999 applications/day required to finish by 01/07/2021 in {name}",
                context=f"Chip-based citizen identity card applications received against the population aged 14 and over (estimated) — {name}",
                numbers=numbers,
                tables=tables,
                bullets=bullets,
            )
        )
    return out


@pytest.fixture(scope="module")
def handouts(office, demo_sqlite, tmp_path_factory):
    """{stem: (source file, PDF)} for the national deck, the director's deck for 27, a stress deck, the
    handout workbook and the rankings download."""
    from queries.dataset import dataset_info_of
    from queries.rankings import province_rankings
    from present.labels import SIMULATED_LABEL

    out = tmp_path_factory.mktemp("print")
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        national = load_inputs(conn, as_of=AS_OF, metric=METRIC, denominator=DENOMINATOR)
        director = load_inputs(conn, as_of=AS_OF, metric=METRIC, denominator=DENOMINATOR, province="27")
        long_name = load_inputs(conn, as_of=AS_OF, metric=METRIC, denominator=DENOMINATOR, province="77")
        handout = build_handout(conn, as_of=AS_OF, metric="cards_delivered", denominator="target")
        provinces = province_rankings(conn, as_of=AS_OF, metric=METRIC, denominator=DENOMINATOR)
        simulated = dataset_info_of(conn).simulated
    engine.dispose()
    if not Path(deck.CHROMIUM).exists() and not os.environ.get("BROWSER_PATH"):
        _need("Debian chromium (kaleido draws the deck's charts)", None, "chromium")
    files = {
        "deck-national": deck.build_deck(national),
        "deck-director-27": deck.build_deck(director),
    }
    slides = stress_slides(build_slides(long_name))
    files["deck-stress"] = deck.deck_pptx(
        slides,
        replace(deck_cover(long_name), title="Chip-based ID card rollout — Thành phố Hồ Chí Minh và Bà Rịa - Vũng Tàu"),
        pictures=[_placeholder_png() if s.figure is not None else None for s in slides],
    )
    files["workbook-handout"] = handout
    notes = [f"{SIMULATED_LABEL}: không phải số liệu thật của Bộ Công an."] if simulated else []
    files["workbook-rankings"] = rankings_xlsx(
        provinces, as_of=AS_OF, title="Xếp hạng tỉnh/thành — Hồ sơ CCCD đã thu nhận (hồ sơ)", notes=notes + ["Tỷ lệ = lũy kế ÷ mẫu số."]
    )
    paths = []
    for stem, data in files.items():
        path = out / (stem + (".pptx" if stem.startswith("deck") else ".xlsx"))
        path.write_bytes(data)
        paths.append(path)
    pdfs = convert(office, paths, out)
    return {p.stem: (p, pdfs[p.stem]) for p in paths}


# --- decks -------------------------------------------------------------------------------------------------


def picture_boxes(slide) -> list[tuple[float, float, float, float]]:
    return [
        (s.left / EMU_PER_PT, s.top / EMU_PER_PT, (s.left + s.width) / EMU_PER_PT, (s.top + s.height) / EMU_PER_PT)
        for s in slide.shapes
        if s.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]


def overlapping(words: tuple[Word, ...]) -> list[tuple[str, str]]:
    return [(f"{a.text} (line {a.line})", f"{b.text} (line {b.line})") for i, a in enumerate(words) for b in words[i + 1 :] if a.overlaps(b)]


@pytest.mark.parametrize("stem", ["deck-national", "deck-director-27", "deck-stress"])
def test_no_word_overlaps_another_or_a_chart(handouts, stem):
    source, pdf = handouts[stem]
    prs = Presentation(str(source))
    pages = pdf_pages(pdf)
    assert len(pages) == len(prs.slides)
    for n, (page, slide) in enumerate(zip(pages, prs.slides, strict=True), start=1):
        assert (round(page.width), round(page.height)) == (960, 540)
        assert page.words, f"slide {n} has no text"
        assert not overlapping(page.words), f"slide {n}: words drawn over each other: {overlapping(page.words)[:5]}"
        for w in page.words:
            assert 0 <= w.x0 and w.x1 <= page.width and 0 <= w.y0 and w.y1 <= page.height, f"slide {n}: {w.text!r} off the page"
            for x0, y0, x1, y1 in picture_boxes(slide):
                assert not (w.x0 < x1 - 1 and w.x1 > x0 + 1 and w.y0 < y1 - 1 and w.y1 > y0 + 1), f"slide {n}: {w.text!r} on the chart"
    write_pngs(pdf, {f"{stem}-{n}": n for n in range(1, len(pages) + 1)}, dpi=72)


def test_national_headline_numbers_and_readiness_lines_are_apart(handouts):
    """The case of the issue: slide 2's bullets ('63/63 tỉnh sẵn sàng…') were drawn over the first row of numbers."""
    _, pdf = handouts["deck-national"]
    page = pdf_pages(pdf)[1]
    bullets = [w for w in page.words if w.text == "sẵn"]
    numbers = [w for w in page.words if w.text.endswith("%") and w.y1 - w.y0 > 30]  # the coverage, 34 pt
    assert bullets and numbers
    assert min(b.y0 for b in bullets) > max(n.y1 for n in numbers)


# --- workbooks ---------------------------------------------------------------------------------------------


def header_bottom(page: Page) -> float:
    """Where the page header ends: below its second line, the as-of date (LibreOffice puts the header
    inside the top margin and moves the body down by its height, so no fixed line separates them)."""
    date_word = next(w for w in page.words if re.fullmatch(r"\d\d/\d\d/\d{4}", w.text))
    return date_word.y1 + 0.5


def sheet_pages(source: Path, pdf: Path) -> dict[str, list[Page]]:
    """The printed pages of each sheet, found by the title on the first line of the page header."""
    book = load_workbook(source)
    missing = [ws.title for ws in book if not ws.oddHeader.center.text]
    assert not missing, f"sheets without a page header: {missing}"
    titles = {ws.title: ws.oddHeader.center.text.split("\n")[0] for ws in book}
    by_sheet: dict[str, list[Page]] = {name: [] for name in titles}
    for page in pdf_pages(pdf):
        header = " ".join(page.text(bottom=header_bottom(page)))
        matches = [name for name, title in titles.items() if header.startswith(title)]
        assert len(matches) == 1, f"page header {header!r} matches {matches} of {list(titles.values())}"
        by_sheet[matches[0]].append(page)
    return by_sheet


def header_words(source: Path, sheet: str) -> Counter:
    ws = load_workbook(source)[sheet]
    return Counter(w for cell in ws[4] if cell.value for w in str(cell.value).split())


def assert_headers_on(page: Page, wanted: Counter, what: str) -> None:
    body = Counter(page.text(top=header_bottom(page)))
    missing = wanted - body
    assert not missing, f"{what}: column headers missing from the page: {sorted(missing)}"


SLUG = {"Xếp hạng tỉnh": "xep-hang-tinh", "Xếp hạng": "xep-hang", "Vùng": "vung", "Huyện": "huyen", "Sẵn sàng": "san-sang", "Ghi chú": "ghi-chu"}


@pytest.mark.parametrize(
    ("stem", "limits"),
    [
        ("workbook-handout", {"Xếp hạng tỉnh": 2, "Vùng": 1, "Huyện": 18, "Sẵn sàng": 1, "Ghi chú": 1}),
        ("workbook-rankings", {"Xếp hạng": 2, "Ghi chú": 1}),
    ],
)
def test_every_sheet_prints_its_columns_on_one_page_width(handouts, stem, limits):
    source, pdf = handouts[stem]
    pages = sheet_pages(source, pdf)
    assert {name: len(p) for name, p in pages.items()} == {name: len(pages[name]) for name in limits}
    for name, limit in limits.items():
        printed = pages[name]
        assert 1 <= len(printed) <= limit, f"{name}: {len(printed)} pages (at most {limit})"
        first = printed[0]
        header = " ".join(first.text(bottom=header_bottom(first)))
        assert "Số liệu đến ngày 15/06/2021" in header
        footer = " ".join(first.text(top=first.height - 0.7 * 72))
        assert "Dữ liệu mô phỏng" in footer and "Nguồn:" in footer and "Trang" in footer
        if name == "Ghi chú":
            assert first.height > first.width  # a column of text: portrait
            lines = Counter(w for row in load_workbook(source)[name].iter_rows(values_only=True) if row[0] for w in str(row[0]).split())
            assert_headers_on(first, lines, f"{stem} {name}: notes cut at the page edge")
            continue
        assert first.width > first.height  # a table wider than a portrait page: landscape
        wanted = header_words(source, name)
        for n, page in enumerate(printed, start=1):
            assert_headers_on(page, wanted, f"{stem} {name} page {n}")
    firsts = {name: sum(len(pages[n]) for n in list(pages)[:i]) + 1 for i, name in enumerate(pages)}
    write_pngs(pdf, {f"{stem}-{SLUG[name]}": n for name, n in firsts.items()}, dpi=60)


def test_workbook_page_counts_in_total(handouts):
    """88 pages before the print set-up (portrait, no fit to width), far fewer after."""
    _, pdf = handouts["workbook-handout"]
    assert len(pdf_pages(pdf)) <= 24


# --- without LibreOffice: the plan itself -------------------------------------------------------------------


def test_wrap_breaks_at_spaces_within_the_width():
    text = "Thấp hơn lộ trình 65.855.792 hồ sơ: lũy kế 1.957.192, lộ trình 67.812.984 ngày 15/06/2021"
    lines = wrap(text, 300, 20, bold=True)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(text_width(line, 20, bold=True) <= 300 for line in lines)
    long_word = wrap("Supercalifragilisticexpialidocious", 60, 20)
    assert len(long_word) > 1 and "".join(long_word) == "Supercalifragilisticexpialidocious"
    assert all(text_width(part, 20) <= 60 for part in long_word)


def test_shipped_font_has_arial_metrics():
    """Liberation Sans advances equal Arial's (2048 units per em): H 1479, a 1139, space 569, bold H 1479, bold a 1139."""
    assert text_width("H", 2048) == 1479 and text_width("a", 2048) == 1139 and text_width(" ", 2048) == 569
    assert text_width("m", 2048, bold=True) == 1821


def test_planned_frames_never_overlap(demo_sqlite):
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        inputs = [load_inputs(conn, as_of=AS_OF, metric=METRIC, denominator=DENOMINATOR, province=p) for p in (None, "77")]
    engine.dispose()
    decks = [build_slides(i) for i in inputs] + [stress_slides(build_slides(inputs[1]))]
    for slides in decks:
        for slide, plan in zip(slides, deck_layout.plan_deck(slides), strict=True):
            frames = plan.frames()
            for name, box in frames:
                assert box.left >= 0 and box.top >= 0 and box.right <= deck_layout.SLIDE_W and box.bottom <= deck_layout.SLIDE_H, (slide.key, name)
            for i, (a_name, a) in enumerate(frames):
                for b_name, b in frames[i + 1 :]:
                    apart = a.right <= b.left or b.right <= a.left or a.bottom <= b.top or b.bottom <= a.top
                    assert apart, f"{slide.key}: {a_name} {a} overlaps {b_name} {b}"


def test_the_intake_templates_print_one_page_wide_with_their_header_row():
    """The report and readiness templates are forms: printed to be filled in, every column on one page
    width, landscape, the header row on every page, title above and page numbers below."""
    import openpyxl

    from intake.readiness import template_xlsx as readiness_template
    from intake.template import template_xlsx

    for data in (template_xlsx(), readiness_template(provinces={"01": "Hà Nội"}, agencies={"BYT": "Bộ Y tế"})):
        book = openpyxl.load_workbook(io.BytesIO(data))
        for sheet in book.worksheets:
            assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize in (9, "9")
            # fitToWidth 1 is the default, left out of the file; fitToHeight 0 = as many pages tall as needed
            assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1, "1")
            assert sheet.page_setup.fitToHeight in (0, "0")
            assert "Trang &P/&N" in sheet.oddFooter.right.text
            if sheet.title not in ("Hướng dẫn",):
                assert sheet.print_title_rows == "$1:$1"
