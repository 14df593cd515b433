"""Hostile and damaged report files (issue 16): each is refused quickly, with a message naming the limit
it crossed, and writes nothing (SQLite and PostgreSQL); a file of endless problems is cut to a bounded
list with its count, on the page, in the command line and in the CSV list. The files are made here
(scripts/hostile_files.py) at sizes that prove each limit without taking long; peak memory and the
issue's full sizes are measured by scripts/bench_hostile.py, not here."""

from __future__ import annotations

import io
import time

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from cli import app
from intake import read
from intake.problems import PROBLEMS_KEPT, PROBLEMS_SHOWN
from intake.read import FileRejected, read_table
from intake.summary import headline, result_lines
from scripts import hostile_files as hostile
from tests.test_intake import csv_file, row, run, shared_mini, snapshot, xlsx_file  # noqa: F401 - shared_mini is a fixture

QUICK_S = 3.0  # each refusal, with room for a loaded CI machine; the benchmark has the real figures
MB = 2**20


def refused(data: bytes, name: str) -> tuple[str, str]:
    """Read the bytes as an upload is read: the refusal's code and Vietnamese message (and it is quick)."""
    started = time.perf_counter()
    with pytest.raises(FileRejected) as caught:
        read_table(data, name, max_bytes=20 * MB)
    assert time.perf_counter() - started < QUICK_S
    return caught.value.problem.code, caught.value.problem.message("vi")


def test_a_sparse_xlsx_with_a_cell_at_column_xfd_is_refused_by_its_declared_range_or_its_first_such_cell():
    code, message = refused(hostile.sparse_xfd_xlsx(20_000), "xfd.xlsx")
    assert code == "sheet_too_large"
    assert "A1:XFD20001" in message and "16.384 cột" in message and "giới hạn 400.000 dòng và 50 cột" in message
    # Without a <dimension>, the first value past column AX stops the reading.
    code, message = refused(hostile.sparse_xfd_xlsx(20_000, dimension=False), "xfd.xlsx")
    assert code == "too_many_columns"
    assert message.startswith("Dòng 2, cột XFD: ") and "giới hạn 50 cột (đến cột AX)" in message


def test_a_sheet_declaring_more_rows_than_the_limit_is_refused_before_a_cell_is_read():
    sheet = [hostile._SHEET_HEAD, '<dimension ref="A1:I500001"/><sheetData>', hostile._row_xml(1, hostile.HEADER), "</sheetData></worksheet>"]
    code, message = refused(hostile.workbook(sheet), "big.xlsx")
    assert code == "sheet_too_large" and "500.001 dòng × 9 cột" in message


def test_a_million_commas_are_an_empty_file_and_a_value_past_them_names_the_column_limit():
    code, message = refused(hostile.commas_csv(MB), "phay.csv")
    assert code == "file_empty"
    code, message = refused(hostile.commas_csv(MB, header=True, value_at_end=True), "phay.csv")
    assert code == "too_many_columns" and message.startswith("Dòng 2, cột ") and "giới hạn 50 cột" in message


def test_trailing_separators_are_not_columns():
    data = (",".join(hostile.HEADER) + "," * 5000 + "\n" + ",".join(hostile.GOOD_ROW) + "," * 5000 + "\n").encode()
    raw = read_table(data, "ok.csv", max_bytes=20 * MB)
    assert raw.headers == hostile.HEADER and raw.frame.height == 1 and raw.frame.width == 1 + len(hostile.HEADER)


def test_compressed_xml_bombs_are_refused_from_the_zip_directory():
    code, message = refused(hostile.xml_bomb_xlsx(20), "bom.xlsx")  # 20 MB of XML in about 100 KB
    assert code == "xlsx_ratio" and "xl/worksheets/sheet1.xml" in message and "giới hạn 100 lần" in message
    bomb = hostile.xml_bomb_xlsx(260)  # more than the 256 MB any workbook may inflate to
    code, message = refused(bomb, "bom.xlsx")
    assert code == "xlsx_inflated" and "vượt giới hạn 256 MB" in message, message


def test_rows_cells_and_cell_length_have_their_limits(monkeypatch):
    # The limits themselves are generous (a month of a national file, 10,607 × 31 rows, fits); smaller
    # ones here prove where the reading stops without building a 400,000-row file.
    assert read.MAX_ROWS >= 10_607 * 31 and read.MAX_CELLS >= 10_607 * 31 * 9
    monkeypatch.setattr(read, "MAX_ROWS", 1_000)
    code, message = refused(hostile.good_csv(1_001), "dai.csv")
    assert code == "too_many_rows" and "hơn 1.000 dòng số liệu" in message
    assert read_table(hostile.good_csv(1_000), "du.csv", max_bytes=20 * MB).frame.height == 1_000
    monkeypatch.setattr(read, "MAX_CELLS", 5_000)
    code, message = refused(hostile.good_csv(600), "o.csv")
    assert code == "too_many_cells" and "hơn 5.000 ô" in message
    code, _ = refused(xlsx_file([row()] * 700), "o.xlsx")
    assert code == "too_many_cells"
    long_cell = csv_file([row(commune="0" * 1_001)])
    code, message = refused(long_cell, "o.csv")
    assert code == "cell_too_long" and message.startswith("Dòng 2, cột D: ô dài 1.001 ký tự")


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "xl/styles.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/worksheets/sheet1.xml"]
)
def test_a_workbook_with_a_part_cut_short_is_unreadable_not_a_traceback(part):
    code, message = refused(hostile.damaged(xlsx_file([row()]), part), "hong.xlsx")
    assert code == "file_unreadable" and "Không đọc được tệp „hong.xlsx“" in message


def test_a_dtd_in_the_sheet_is_refused():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )
    assert refused(hostile.workbook([laughs]), "dtd.xlsx")[0] == "file_unreadable"


def test_a_count_taken_from_another_workbook_is_refused_with_its_cell():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_file([row(), row(commune="00002")])))
    book.active["E3"] = "=[1]Sheet1!E3"
    buffer = io.BytesIO()
    book.save(buffer)
    code, message = refused(buffer.getvalue(), "lien-ket.xlsx")
    assert code == "external_formula" and message.startswith("Dòng 3, cột E: ô này là công thức lấy số từ một tệp khác (=[1]Sheet1!E3)")


def test_hostile_files_write_nothing_on_either_database(shared_mini):
    before = snapshot(shared_mini)
    for name, data, code in [
        ("xfd.xlsx", hostile.sparse_xfd_xlsx(5_000, dimension=False), "too_many_columns"),
        ("bom.xlsx", hostile.xml_bomb_xlsx(20), "xlsx_ratio"),
        ("hong.xlsx", hostile.damaged(xlsx_file([row()]), "xl/workbook.xml"), "file_unreadable"),
        ("phay.csv", hostile.commas_csv(MB, header=True, value_at_end=True), "too_many_columns"),
    ]:
        result = run(shared_mini, data, name)
        assert result.status == "rejected" and [p.code for p in result.problems] == [code], name
    assert snapshot(shared_mini) == before


def test_endless_problems_are_cut_at_the_ceiling_and_counted(shared_mini):
    before = snapshot(shared_mini)
    started = time.perf_counter()
    result = run(shared_mini, hostile.all_bad_csv(100_000), "sai.csv")
    assert time.perf_counter() - started < 30
    assert result.status == "rejected" and len(result.problems) == PROBLEMS_KEPT
    # Every one of the 900,000 cells is wrong; the row checks after them did not run: "at least".
    assert result.problem_count == 900_000 and not result.problems_complete
    assert "bị từ chối: ít nhất 900.000 lỗi" in headline(result)
    assert [p.row for p in result.problems] == sorted(p.row for p in result.problems)
    assert result.problems[-1].row == 2 + PROBLEMS_KEPT // 9  # the first rows' problems are the ones kept
    lines = result_lines(result, more_hint="xem --problems-csv FILE")
    assert len(lines) == 1 + PROBLEMS_SHOWN + 1
    assert lines[-1].startswith("… và ít nhất 899.000 lỗi khác (xem --problems-csv FILE); danh sách đầy đủ giữ 100.000 lỗi đầu tiên")
    assert snapshot(shared_mini) == before


def test_a_file_with_a_few_problems_lists_them_all_with_no_ceiling_line(shared_mini):
    result = run(shared_mini, hostile.all_bad_csv(3), "sai.csv")
    assert result.problem_count == len(result.problems) == 27 and result.problems_complete
    lines = result_lines(result)
    assert len(lines) == 1 + 27 and "bị từ chối: 27 lỗi" in lines[0]


def test_cli_prints_the_first_problems_and_writes_all_kept_to_a_csv(mini_engine, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", mini_engine.url.render_as_string(hide_password=False))
    path = tmp_path / "sai.csv"
    path.write_bytes(hostile.all_bad_csv(200))  # 1,800 problems
    listed = tmp_path / "loi.csv"
    result = CliRunner().invoke(app, ["import", str(path), "--dry-run", "--problems-csv", str(listed)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Tệp „sai.csv“ bị từ chối: 1.800 lỗi")
    assert len(lines) == 1 + PROBLEMS_SHOWN + 1 and lines[-1] == f"… và 800 lỗi khác (danh sách đầy đủ: {listed})."
    frame = pl.read_csv(listed, encoding="utf8-lossy")
    assert frame.columns == ["\ufeffDòng", "Cột", "Lỗi"] or frame.columns == ["Dòng", "Cột", "Lỗi"]
    assert frame.height == 1_800
    english = CliRunner().invoke(app, ["import", str(path), "--dry-run", "--lang", "en"])
    assert english.output.splitlines()[-1] == "… and 800 more problems (see --problems-csv FILE)."


def test_cli_damaged_workbook_is_one_message_not_a_traceback(mini_engine, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", mini_engine.url.render_as_string(hide_password=False))
    path = tmp_path / "hong.xlsx"
    path.write_bytes(hostile.damaged(xlsx_file([row()]), "xl/styles.xml"))
    result = CliRunner().invoke(app, ["import", str(path), "--dry-run"])
    assert result.exit_code == 1 and "Traceback" not in result.output and "Không đọc được tệp „hong.xlsx“" in result.output


def test_cli_refuses_a_file_over_the_size_limit_without_reading_it(mini_engine, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", mini_engine.url.render_as_string(hide_password=False))
    path = tmp_path / "lon.csv"
    with path.open("wb") as fh:
        fh.truncate(21 * MB)  # sparse: nothing to read
    result = CliRunner().invoke(app, ["import", str(path), "--dry-run"])
    assert result.exit_code == 1 and "nặng 21,0 MB, vượt giới hạn 20 MB" in result.output


def test_upload_page_shows_the_first_problems_and_offers_every_one_kept(monkeypatch, tmp_path):
    from tests.conftest import load_mini_country, migrated_engine
    from tests.test_upload_page import send, upload_page
    from ui import intake_data

    with migrated_engine("sqlite", tmp_path) as engine:
        with engine.begin() as conn:
            load_mini_country(conn)
        at = send(upload_page(monkeypatch, engine), "sai.csv", hostile.all_bad_csv(200))  # 1,800 problems
        assert not at.exception
        assert "bị từ chối: 1.800 lỗi" in at.error[0].value
        assert len(at.dataframe[0].value) == PROBLEMS_SHOWN
        assert any(c.value == "… và 800 lỗi khác (tải danh sách lỗi (CSV) bên dưới)." for c in at.caption)
        assert "Tải danh sách lỗi (CSV)" in [b.proto.label for b in at.get("download_button")]
        # The session keeps the first problems as objects and the full list only as the CSV's bytes.
        result = at.session_state["intake_result"]
        assert len(result.problems) == PROBLEMS_SHOWN and result.problem_count == 1_800
        listed = pl.read_csv(io.BytesIO(at.session_state["intake_problems_csv_bytes"]))
        assert listed.height == 1_800 and listed.row(0) == pl.read_csv(io.BytesIO(intake_data.problems_csv(result.problems[:1]))).row(0)
