"""The XLSX handout reopens with the same numbers as the screen, Vietnamese headers and formats, and notes."""

from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
from openpyxl import load_workbook

from exports.spreadsheet import rankings_xlsx


def test_rankings_xlsx_round_trip():
    frame = pl.DataFrame(
        {
            "code": ["01", "02"],
            "rank": [1, 2],
            "rank_change": [2, None],
            "name": ["Hà Nội", '=HYPERLINK("x")'],
            "region_name": ["R", "R"],
            "cumulative": [1234567, 5],
            "denominator": [1000000, 100],
            "coverage": [1.234567, 0.05],
            "pace": [1234.4, 0.0],
            "required_daily_rate": [0.0, 3.2],
            "projected_completion": [None, date(2021, 8, 6)],
            "status": ["achieved", "off_track"],
            "completeness": [1.0, 0.5],
            "over_100": [True, False],
            "reporting_incomplete": [False, True],
        }
    )
    data = rankings_xlsx(frame, as_of=date(2021, 6, 15), title="Xếp hạng", notes=["Dữ liệu mô phỏng", "Tỷ lệ = lũy kế ÷ mẫu số"])
    book = load_workbook(io.BytesIO(data))
    sheet = book["Xếp hạng"]
    assert sheet["A2"].value == "Số liệu đến ngày 15/06/2021"
    headers = [c.value for c in sheet[4]]
    assert headers[:3] == ["Hạng", "Thay đổi 7 ngày", "Tỉnh/thành phố"] and "Tỷ lệ" in headers
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    col = {h: i for i, h in enumerate(headers)}
    assert rows[0][col["Lũy kế"]] == 1234567 and rows[0][col["Tỷ lệ"]] == 1.234567
    assert sheet.cell(row=5, column=col["Tỷ lệ"] + 1).number_format == "0.0%"
    assert sheet.cell(row=5, column=col["Lũy kế"] + 1).number_format == "#,##0"
    assert rows[1][col["Dự kiến hoàn thành"]] == datetime(2021, 8, 6)
    assert rows[0][col["Trạng thái"]] == "Đã đạt" and rows[0][col["Thay đổi 7 ngày"]] == "▲ 2"
    assert rows[1][col["Tỉnh/thành phố"]] == '=HYPERLINK("x")'  # kept as text, never a formula
    assert sheet.cell(row=6, column=col["Tỉnh/thành phố"] + 1).data_type == "s"
    assert "⚑" in rows[0][col["Ghi chú"]] and "⚠" in rows[1][col["Ghi chú"]]
    assert [r[0].value for r in book["Ghi chú"].iter_rows()] == ["Dữ liệu mô phỏng", "Tỷ lệ = lũy kế ÷ mẫu số"]
