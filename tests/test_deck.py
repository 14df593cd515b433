"""The handout deck opens with python-pptx: the slides of meeting mode, real text, charts as pictures
rendered offline by kaleido with Debian's Chromium (network closed)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from typer.testing import CliRunner

from cli import app as cli_app
from db.engine import make_engine
from exports import deck
from exports.slides import build_slides, load_inputs
from queries.progress import progress
from present import format as fmt

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
AS_OF = date(2021, 4, 27)

if not Path(CHROMIUM).exists():
    if os.environ.get("CCCD_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"{CHROMIUM} is required (CCCD_REQUIRE_BROWSER=1): apt-get install -y chromium")
    pytest.skip("Debian chromium not installed (kaleido renders the deck's charts with it)", allow_module_level=True)

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"


def texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return out


def pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


@pytest.fixture(scope="module")
def national(demo_sqlite):
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        inputs = load_inputs(conn, as_of=AS_OF, metric="applications_received", denominator="target")
        row = progress(conn, level="national", as_of=AS_OF, metric="applications_received", denominator="target").row(0, named=True)
    engine.dispose()
    data = deck.build_deck(inputs)
    return Presentation(io.BytesIO(data)), build_slides(inputs), row


def test_deck_has_a_title_slide_and_the_meeting_slides(national):
    prs, slides, _ = national
    assert len(prs.slides) == len(slides) + 1 == 8
    assert prs.slide_width * 9 == prs.slide_height * 16  # 16:9
    cover = " ".join(texts(prs.slides[0]))
    assert prs.slides[0].shapes.title.text == "Tiến độ cấp CCCD gắn chip — Toàn quốc"
    assert "Số liệu đến ngày 27/04/2021" in cover and "Dữ liệu mô phỏng" in cover
    for pptx_slide, slide in zip(list(prs.slides)[1:], slides, strict=True):
        assert pptx_slide.shapes.title.text == slide.title
        body = " ".join(texts(pptx_slide))
        assert slide.message in body
        assert "Dữ liệu mô phỏng" in body and "27/04/2021" in body


def test_numbers_are_text_and_charts_are_pictures(national):
    prs, slides, row = national
    headline = " ".join(texts(prs.slides[1]))
    assert fmt.number(row["cumulative"]) in headline and fmt.percent(row["coverage"]) in headline
    for pptx_slide, slide in zip(list(prs.slides)[1:], slides, strict=True):
        found = pictures(pptx_slide)
        assert len(found) == (1 if slide.figure is not None else 0), slide.key
        for picture in found:
            assert picture.image.blob.startswith(PNG) and picture.image.size[0] >= 800
            assert len(picture.image.blob) > 20_000  # a drawn chart, not an empty frame
    at_risk = prs.slides[3]
    table = next(s for s in at_risk.shapes if s.has_table).table
    assert [c.text for c in table.rows[0].cells][:3] == ["Hạng", "Tỉnh/thành phố", "Tỷ lệ"]
    assert [table.cell(i + 1, 1).text for i in range(len(slides[2].tables[0].rows))] == [r[1] for r in slides[2].tables[0].rows]


def test_directors_deck_for_a_province(demo_sqlite, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    out = tmp_path / "da-nang.pptx"
    result = runner.invoke(cli_app, ["brief", "--as-of", "2021-06-15", "--province", "48", "-o", str(out)])
    assert result.exit_code == 0, result.output
    prs = Presentation(str(out))
    assert len(prs.slides) == 7
    assert prs.slides[0].shapes.title.text == "Tiến độ cấp CCCD gắn chip — Đà Nẵng"
    assert "15/06/2021" in " ".join(texts(prs.slides[0]))
    assert prs.slides[1].shapes.title.text.startswith("Đà Nẵng — ")
    assert "/63" in " ".join(texts(prs.slides[1]))
    assert sum(len(pictures(s)) for s in prs.slides) == 3  # districts, trend, rank over 12 weeks


def test_brief_refuses_an_unknown_province(demo_sqlite, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    result = runner.invoke(cli_app, ["brief", "--as-of", "2021-06-15", "--province", "99", "-o", str(tmp_path / "x.pptx")])
    assert result.exit_code == 2 and "unknown province" in result.output
    assert not (tmp_path / "x.pptx").exists()


def test_kaleido_page_loads_only_local_scripts():
    page = deck.page_generator().generate_index()
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources and all(s.startswith("file://") for s in sources), sources
    assert "cdn" not in page.lower() and "mathjax" not in page.lower()
    assert deck.topojson_url().startswith("file://") and (deck.TOPOJSON_DIR / "world_110m.json").is_file()


def _network_namespace_available() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


def test_deck_builds_with_the_network_closed(demo_sqlite, tmp_path):
    """The whole CLI in a network namespace with only a downed loopback: any CDN request would fail the render."""
    if not _network_namespace_available():
        if os.environ.get("CCCD_REQUIRE_BROWSER") == "1":
            raise RuntimeError("unshare -rn (user and network namespaces) is needed to prove the deck builds offline")
        pytest.skip("no unprivileged network namespaces here")
    out = tmp_path / "offline.pptx"
    env = {**os.environ, "DATABASE_URL": demo_sqlite, "BROWSER_PATH": CHROMIUM, "http_proxy": "", "https_proxy": ""}
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, "cli.py", "brief", "--as-of", "2021-04-27", "-o", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    prs = Presentation(str(out))
    assert sum(len(pictures(s)) for s in prs.slides) == 3  # map, regions, trend


def test_missing_chromium_is_one_clear_error(monkeypatch):
    import plotly.graph_objects as go

    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(deck.ChartRenderError, match="/nonexistent/chromium"):
        deck.render_pngs([(go.Figure(), 200, 100)])
