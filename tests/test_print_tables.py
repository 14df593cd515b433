"""Tables that print whole: on paper every grid of the pages is replaced by an HTML table with all its rows
and columns (present.tables.print_table_html, ui.controls.grid). The grid itself is a canvas, which the
browser prints as one picture cut at the sheet's edge and at the grid's on-screen height."""

from __future__ import annotations

import ast
import json
import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from present.tables import print_table_html
from tests.conftest import open_page

ROOT = Path(__file__).resolve().parent.parent


def body_rows(printed: str) -> list[list[str]]:
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", printed.split("<tbody>")[1])]


def headers(printed: str) -> list[str]:
    return re.findall(r"<th[^>]*>([^<]*)</th>", printed)


def test_a_styled_table_prints_its_screen_texts_styles_and_headers_and_escapes_every_text():
    frame = pd.DataFrame(
        {"name": ["Hà Nội", "Bến <i>Tre</i> & Co"], "coverage": [0.856, 1.2], "hidden": ["x", "y"], "day": [date(2021, 7, 14), None]},
        index=["01", "83"],
    )
    styler = frame.style.format({"coverage": lambda v: f"{v * 100:.1f}%".replace(".", ","), "day": lambda d: d.strftime("%d/%m/%Y")}, na_rep="—")
    styler = styler.map(lambda v: 'color: red" onclick="alert(1)' if v > 1 else "", subset=["coverage"])
    printed = print_table_html(
        styler,
        {"name": {"label": "Tỉnh <thành>", "pinned": True}, "coverage": "Tỷ lệ"},
        column_order=["name", "coverage", "day"],
    )
    assert headers(printed) == ["Tỉnh &lt;thành&gt;", "Tỷ lệ", "day"]  # a config's label, a plain label, none: the column's name
    assert body_rows(printed) == [["Hà Nội", "85,6%", "14/07/2021"], ["Bến &lt;i&gt;Tre&lt;/i&gt; &amp; Co", "120,0%", "—"]]
    assert "<i>" not in printed and 'onclick="' not in printed
    # The cell's own style comes along (escaped), on its own cell only; numbers to the right.
    cells = [re.findall(r"<td[^>]*>", row) for row in re.findall(r"<tr>(.*?)</tr>", printed.split("<tbody>")[1])]
    assert cells[1][1] == '<td class="num" style="color:red&quot; onclick=&quot;alert(1)">'
    assert cells[0] == ["<td>", '<td class="num">', "<td>"]
    # Only a column with a word too long for its share of the sheet (a file's path) may break inside a word.
    files = print_table_html(pl.DataFrame({"Tệp": ["bao-cao/bac-ninh/2021-06-15-lan-2.xlsx", "a.csv"], "Ngày": ["15/06/2021", "16/06/2021 08:15"]}))
    assert re.findall(r"<td[^>]*>", files.split("<tbody>")[1])[:2] == ['<td class="long">', "<td>"]


def test_a_plain_table_prints_the_vietnamese_way():
    frame = pl.DataFrame(
        {
            "Tỉnh": ["Cần Thơ", None],
            "Hồ sơ": [1234567, None],
            "Tỷ số": [1234.4, 2.0],
            "Ngày": [date(2021, 2, 11), date(2021, 7, 1)],
            "Lúc": [datetime(2021, 6, 15, 19, 38), datetime(2021, 6, 16, 0, 0)],
            "Xong": [True, False],
        }
    )
    printed = print_table_html(frame)
    assert headers(printed) == ["Tỉnh", "Hồ sơ", "Tỷ số", "Ngày", "Lúc", "Xong"]
    assert body_rows(printed) == [
        ["Cần Thơ", "1.234.567", "1.234", "11/02/2021", "15/06/2021 19:38", "✓"],
        ["—", "—", "2", "01/07/2021", "16/06/2021 00:00", ""],
    ]


def test_a_long_table_prints_its_first_rows_and_says_how_many_were_left_off():
    frame = pd.DataFrame({"Xã": [f"Xã {i}" for i in range(1, 1235)]})
    printed = print_table_html(frame, max_rows=1000)
    assert [r[0] for r in body_rows(printed)] == [f"Xã {i}" for i in range(1, 1001)]
    assert printed.endswith('<p class="print-note">Bản in có 1.000 dòng đầu trong 1.234 dòng.</p>')
    assert "print-note" not in print_table_html(frame.head(1000), max_rows=1000)


def test_every_display_table_of_the_pages_goes_through_controls_grid():
    """st.dataframe anywhere else would be a table that prints cut (st.table and st.data_editor are not grids
    that print as a picture: the one is HTML already, the other an input)."""
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dataframe"
    ]
    assert len(calls) == 1 and calls[0].startswith("ui/controls.py:"), calls


# --- each page: as many printed tables as grids, with the grid's rows and headers -----------------------


@pytest.mark.parametrize(
    "page,params,grids",
    [
        ("app_pages/rankings.py", {"as_of": "2021-06-15", "province": "48"}, 1),
        ("app_pages/province.py", {"as_of": "2021-06-15", "province": "26"}, 1),
        ("app_pages/province.py", {"as_of": "2021-06-15", "province": "26", "district": "248"}, 2),
        ("app_pages/scorecard.py", {"as_of": "2021-06-15", "province": "48"}, 2),
        ("app_pages/quality.py", {"as_of": "2021-06-15", "province": "48"}, 3),
        ("app_pages/readiness.py", {"as_of": "2021-03-01", "province": "26"}, 4),
        ("app_pages/events.py", {}, 1),
    ],
)
def test_each_grid_of_a_page_prints_all_its_rows_under_its_headers(monkeypatch, demo_sqlite, page, params, grids):
    at = open_page(monkeypatch, demo_sqlite, page, **params)
    assert not at.exception
    printed = [h.proto.body for h in at.get("html") if 'class="print-only"' in h.proto.body]
    assert len(at.dataframe) >= grids and len(printed) == len(at.dataframe)
    for element, paper in zip(at.dataframe, printed, strict=True):
        value = element.value
        config = json.loads(element.proto.columns) if element.proto.columns else {}
        order = list(element.proto.column_order) or list(value.columns)
        shown = [c for c in order if c in value.columns]
        assert headers(paper) == [config.get(c, {}).get("label") or c for c in shown]
        rows = body_rows(paper)
        assert len(rows) == len(value) and all(len(r) == len(shown) for r in rows)
        assert "None" not in paper and "nan" not in paper
