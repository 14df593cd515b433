"""Text from people stays text: Markdown made literal (the browser side is in test_access_browser),
invisible and control characters stripped before storing, spreadsheet formulas neutralised in CSV."""

from __future__ import annotations

import polars as pl

from db.text import clean_text
from queries.export import neutralise_formulas
from present.format import md_text

WJ = "\u2060"


def test_markdown_characters_are_escaped_and_bare_addresses_unlinked():
    assert md_text("![p](http://h/x.png)") == "\\!\\[p\\]\\(http\\:" + WJ + "//h/x.png\\)"
    assert md_text("www.evil.example a@b.vn") == f"www{WJ}.evil.example a{WJ}@b.vn"
    assert md_text(":red[x] $x$ <b>") == "\\:red\\[x\\] \\$x\\$ \\<b\\>"
    assert md_text("dòng một\n# hai") == "dòng một \\# hai"  # one line: no heading can start
    assert md_text("Nguyễn Văn A — Công an tỉnh 1.234") == "Nguyễn Văn A — Công an tỉnh 1.234"  # plain text untouched


def test_clean_text_strips_controls_and_direction_overrides():
    assert clean_text("Báo cáo\u202egpj.exe\x07\r\n  tháng   6", limit=100) == "Báo cáogpj.exe tháng 6"
    assert clean_text("\u200b\u2066x\u2069", limit=5) == "x"
    assert clean_text("Hòa", limit=10) == "Hòa" and clean_text("Ho\u0300a", limit=10) == "Hòa"  # NFC
    assert clean_text("a" * 300, limit=255) == "a" * 255 and clean_text(None, limit=5) == ""


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    frame = pl.DataFrame({"x": ["=1+2", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", "a=b", "ok", None]})
    assert neutralise_formulas(frame)["x"].to_list() == ["'=1+2", "'+1", "'-1", "'@SUM(A1)", "'\tcmd", "'\rcmd", "a=b", "ok", None]
