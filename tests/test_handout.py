"""The spreadsheet handout reopens with the numbers of `cli.py export progress`: rankings, regions,
districts (all, or one province's) and notes, Vietnamese headers and Excel number formats."""

from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import app as cli_app
from exports.spreadsheet import HANDOUT_SHEETS, READINESS_SHEET, handout_xlsx
from queries.metrics import Status
from present.labels import STATUS_LABEL
from present.tables import RANKING_COLUMNS as H

runner = CliRunner()
AS_OF, METRIC, DENOMINATOR = "2021-06-15", "cards_delivered", "target"


def export(level: str, province: str | None = None) -> pl.DataFrame:
    args = ["export", "progress", "--level", level, "--as-of", AS_OF, "--metric", METRIC, "--denominator", DENOMINATOR]
    result = runner.invoke(cli_app, args + (["--province", province] if province else []))
    assert result.exit_code == 0, result.output
    return pl.read_csv(io.StringIO(result.stdout), schema_overrides={"code": pl.String}, try_parse_dates=True)


def sheet_rows(book, name: str) -> tuple[list[str], list[dict]]:
    sheet = book[name]
    headers = [c.value for c in sheet[4]]
    rows = [dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=5, values_only=True)]
    return headers, rows


@pytest.fixture(scope="module")
def handout(demo_sqlite, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", demo_sqlite)
    out = tmp_path_factory.mktemp("handout") / "vn.xlsx"
    result = runner.invoke(cli_app, ["handout", "--as-of", AS_OF, "--metric", METRIC, "--denominator", DENOMINATOR, "-o", str(out)])
    assert result.exit_code == 0, result.output
    yield load_workbook(out), export("province"), export("district")
    mp.undo()


def test_one_workbook_one_sheet_per_table(handout):
    book, _, _ = handout
    # The demo data set stores readiness, so its sheet comes before the notes.
    assert list(HANDOUT_SHEETS) == ["Xếp hạng tỉnh", "Vùng", "Huyện", "Ghi chú"]
    assert book.sheetnames == ["Xếp hạng tỉnh", "Vùng", "Huyện", READINESS_SHEET, "Ghi chú"]
    for name in HANDOUT_SHEETS[:3]:
        assert book[name]["A2"].value == "Số liệu đến ngày 15/06/2021"
        assert "Thẻ CCCD đã trả cho công dân" in book[name]["A1"].value


def test_rankings_sheet_has_the_export_numbers(handout):
    book, provinces, _ = handout
    headers, rows = sheet_rows(book, "Xếp hạng tỉnh")
    assert headers[:3] == [H["rank"], H["rank_change"], H["name"]] == ["Hạng", "Thay đổi 7 ngày", "Tỉnh/thành phố"]
    assert [r["Tỉnh/thành phố"] for r in rows] == provinces["name"].to_list()
    assert [r["Hạng"] for r in rows] == provinces["rank"].to_list()
    assert [r["Lũy kế"] for r in rows] == provinces["cumulative"].to_list()
    assert [r["Mẫu số"] for r in rows] == provinces["denominator"].to_list()
    assert [round(r["Tỷ lệ"], 6) for r in rows] == pytest.approx(provinces["coverage"].to_list(), abs=1e-6)
    assert [r[H["pace"]] for r in rows] == pytest.approx(provinces["pace"].to_list(), abs=0.05)
    assert [r[H["status"]] for r in rows] == [STATUS_LABEL[Status(s)] for s in provinces["status"].to_list()]
    forecasts = [r[H["projected_completion"]] for r in rows]
    expected = [None if d is None else datetime.combine(d, datetime.min.time()) for d in provinces["projected_completion"].to_list()]
    assert forecasts == expected
    sheet = book["Xếp hạng tỉnh"]
    col = {h: i + 1 for i, h in enumerate(headers)}
    assert sheet.cell(row=5, column=col["Tỷ lệ"]).number_format == "0.0%"
    assert sheet.cell(row=5, column=col["Lũy kế"]).number_format == "#,##0"


def test_districts_sheet_has_all_705_districts_of_the_export(handout):
    book, _, districts = handout
    _, rows = sheet_rows(book, "Huyện")
    assert len(rows) == districts.height == 705
    by_code = {r["Mã"]: r for r in rows}
    for expected in districts.iter_rows(named=True):
        row = by_code[expected["code"]]
        assert (row["Quận/huyện"], row["Lũy kế"], row["Mẫu số"], row["Hạng"]) == (
            expected["name"],
            expected["cumulative"],
            expected["denominator"],
            expected["rank"],
        )
    assert by_code["490"]["Tỉnh/thành phố"] == "Đà Nẵng"


def test_regions_and_notes(handout):
    book, provinces, _ = handout
    _, rows = sheet_rows(book, "Vùng")
    assert len(rows) == 6
    assert sum(r["Lũy kế"] for r in rows) == provinces["cumulative"].sum()
    notes = [r[0].value for r in book["Ghi chú"].iter_rows()]
    text = "\n".join(notes)
    assert notes[0] == "Số liệu đến ngày 15/06/2021"
    assert "Dữ liệu mô phỏng" in text and "Tỷ lệ = lũy kế ÷ mẫu số" in text and "705 quận/huyện" in text


def test_province_handout_has_only_its_districts(demo_sqlite, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    out = tmp_path / "48.xlsx"
    result = runner.invoke(
        cli_app, ["handout", "--as-of", AS_OF, "--metric", METRIC, "--denominator", DENOMINATOR, "--province", "48", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    _, rows = sheet_rows(load_workbook(out), "Huyện")
    expected = export("district", "48")
    assert [r["Mã"] for r in rows] == expected["code"].to_list()
    assert [r["Lũy kế"] for r in rows] == expected["cumulative"].to_list()
    assert {r["Tỉnh/thành phố"] for r in rows} == {"Đà Nẵng"}


def test_text_is_never_a_formula():
    frame = pl.DataFrame(
        {
            "code": ["01"],
            "rank": [1],
            "rank_change": [None],
            "name": ['=HYPERLINK("http://x")'],
            "region_name": ["R"],
            "cumulative": [5],
            "denominator": [10],
            "coverage": [0.5],
            "pace": [1.0],
            "required_daily_rate": [0.0],
            "projected_completion": [date(2021, 7, 1)],
            "status": ["on_track"],
            "completeness": [1.0],
            "over_100": [False],
            "reporting_incomplete": [False],
            "parent_code": [None],
            "province_name": ["@SUM(A1)"],
        }
    )
    data = handout_xlsx(frame, frame, frame, as_of=date(2021, 6, 15), title="T", notes=["=1+1"])
    book = load_workbook(io.BytesIO(data))
    assert book["Xếp hạng tỉnh"]["C5"].value == '\'=HYPERLINK("http://x")' and book["Xếp hạng tỉnh"]["C5"].data_type == "s"
    assert book["Huyện"]["D5"].value == "'@SUM(A1)"
    assert book["Ghi chú"]["A2"].value == "=1+1" and book["Ghi chú"]["A2"].data_type == "s"


def test_readiness_sheet_has_the_readiness_export(handout):
    from queries.readiness import EXPORT_HEADERS_VI as R

    book, _, _ = handout
    result = runner.invoke(cli_app, ["export", "readiness", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    expected = pl.read_csv(io.StringIO(result.stdout), infer_schema_length=0)
    headers, rows = sheet_rows(book, READINESS_SHEET)
    assert book[READINESS_SHEET]["A2"].value == "Số liệu đến ngày 15/06/2021"
    assert [r[R["code"]] for r in rows] == expected["code"].to_list() and len(rows) == 63
    planned = R["equipment_sets_planned"]
    assert [None if r[planned] is None else str(r[planned]) for r in rows] == expected["equipment_sets_planned"].to_list()
    # Traffic lights and yes/no in words, never codes.
    lights = {r[R["equipment_sets_light"]] for r in rows}
    assert lights <= {"Đã xong", "Đang thực hiện", "Quá hạn", "Chưa báo cáo"} and "Đã xong" in lights
    assert {r[R["ready"]] for r in rows} <= {"Có", "Không"}
    # Every number shows as Excel shows a count (1.234), none as 1234.56789; the title's row fits its 14 pt type.
    sheet = book[READINESS_SHEET]
    for column in (headers.index(R["capacity_per_day"]), headers.index(planned), headers.index(R["pace"])):
        cells = [sheet.cell(row=5 + i, column=column + 1) for i in range(63)]
        assert {c.number_format for c in cells if isinstance(c.value, int | float)} == {"#,##0"}, headers[column]
    assert sheet.row_dimensions[1].height >= 18
