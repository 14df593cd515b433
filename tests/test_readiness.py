"""Readiness, milestones and connections on SQLite and PostgreSQL: hand-computed summaries and capacity check on
the mini country (tests/conftest.py), every rejected update names row and column and writes nothing, re-import
changes nothing, corrections keep history with who and when; the simulation meets the September 2020 figures
and never issues above its equipment; the page through AppTest.

Mini country at 15/06/2021 (applications, target quotas): province 01 = 450 of 400 (achieved, pace 30/day);
02 = 520 of 600 (pace 120/7 = 17,14/day; required (600 − 520) ÷ 16 days = 5/day); 03 = 675 of 1 400 (pace
45/day; required 725 ÷ 16 = 45,3125/day)."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import streamlit as st
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from cli import app as cli_app
from db import reference, store
from db.engine import make_engine
from db.schema import (
    agency_connection,
    agency_connection_history,
    audit_log,
    import_batch,
    milestone,
    milestone_history,
    readiness_item,
    readiness_item_history,
)
from intake import readiness as intake
from queries import readiness as R
from db.access import AccessDenied
from tests.chart_support import chart_data, chart_keys
from tests.conftest import load_mini_country, mini_reports, person, sign_in_apptest

NOW = datetime(2021, 6, 17, 9, 0)
ITEMS_HEADER = "Mã tỉnh,Hạng mục,Kế hoạch,Đã hoàn thành,Ngày kế hoạch,Ngày hoàn thành"  # A..F
ITEMS_OK = (
    ITEMS_HEADER
    + """
01,Bộ thiết bị thu nhận,2,2,15/05/2021,01/05/2021
01,Đường truyền,2,2,15/05/2021,01/05/2021
01,Cán bộ đã tập huấn,4,4,15/05/2021,01/05/2021
01,Tổ lưu động,1,1,15/05/2021,01/05/2021
02,Bộ thiết bị thu nhận,3,1,20/05/2021,10/05/2021
02,Đường truyền,2,2,20/05/2021,10/05/2021
02,Cán bộ đã tập huấn,2,2,20/05/2021,10/05/2021
02,Tổ lưu động,1,1,20/05/2021,10/05/2021
03,Bộ thiết bị thu nhận,2,2,15/05/2021,01/05/2021
03,Đường truyền,1,1,15/05/2021,01/05/2021
03,Cán bộ đã tập huấn,10,12,15/05/2021,01/05/2021
"""
)
CONNECTIONS = "Mã bộ ngành,Trạng thái,Ngày kết nối\nBYT,Đã kết nối,10/09/2020\nBTP,đã kết nối,2020-10-05\nBHXH,Đang thử nghiệm,\nNHNN,Chưa kết nối,\n"
MILESTONES_OK = (
    "Mã tỉnh,Mốc,Ngày đạt mốc\n01,Kết nối CSDL,20/09/2020\n02,Kết nối CSDL,01/10/2020\n03,Kết nối CSDL,\n"
    "01,Bắt đầu thu thập,15/08/2020\n02,Bắt đầu thu thập,25/08/2020\n"
)


def send(engine, text: str | bytes, name: str = "san-sang.csv", who: str = "Nhóm dữ liệu C06", **kwargs) -> intake.Result:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return intake.import_file(engine, data, name, actor=person(who), now=kwargs.pop("now", NOW), **kwargs)


@pytest.fixture
def country(empty_engine):
    """The mini country with its June 2021 reports and the ministry/agency list."""
    with empty_engine.begin() as conn:
        load_mini_country(conn)
        facts, batches = mini_reports()
        store.write_reports(conn, facts, batches)
        reference.load_agencies(conn)
    return empty_engine


def snapshot(engine) -> dict:
    with engine.connect() as conn:
        tables = (readiness_item, readiness_item_history, milestone, milestone_history, agency_connection, agency_connection_history, import_batch)
        return {t.name: sorted(tuple(map(str, r)) for r in conn.execute(select(t))) for t in tables}


# --- summaries ---------------------------------------------------------------------------------------


def test_provinces_ready_and_traffic_lights(country):
    assert send(country, ITEMS_OK).status == intake.ACCEPTED
    with country.connect() as conn:
        assert R.provinces_ready(conn, as_of=date(2021, 6, 1)) == R.ReadyCount(1, 3)  # only 01: 02 overdue, 03 no mobile teams
        assert R.provinces_ready(conn, as_of=date(2021, 4, 30)) == R.ReadyCount(0, 3)  # nothing done before 01/05
        june = R.readiness_matrix(conn, as_of=date(2021, 6, 1))
        mid_may = R.readiness_matrix(conn, as_of=date(2021, 5, 15))
        april = R.readiness_matrix(conn, as_of=date(2021, 4, 30))
    lights = {r["code"]: [r[f"{i}_light"] for i in R.ITEMS] for r in june.iter_rows(named=True)}
    assert lights == {
        "01": ["done"] * 4,
        "02": ["overdue", "done", "done", "done"],  # 1 of 3 sets, planned by 20/05
        "03": ["done", "done", "done", "missing"],  # 12 trained of 10 planned is done; mobile teams not reported
    }
    assert june.filter(pl.col("code") == "02")["items_done"][0] == 3
    assert mid_may.filter(pl.col("code") == "02")["equipment_sets_light"][0] == "in_progress"  # not due before 20/05
    first = april.filter(pl.col("code") == "01").row(0, named=True)
    assert (first["equipment_sets_done"], first["equipment_sets_planned"], first["equipment_sets_light"]) == (0, 2, "in_progress")


def test_capacity_check_hand_computed(country):
    assert send(country, ITEMS_OK).status == intake.ACCEPTED
    with country.connect() as conn:
        frame = R.capacity_check(conn, as_of=date(2021, 6, 15), cards_per_set_per_day=20)
        default = R.capacity_check(conn, as_of=date(2021, 6, 15))
    rows = {r["code"]: r for r in frame.iter_rows(named=True)}
    one, two, three = rows["01"], rows["02"], rows["03"]
    assert (one["capacity_per_day"], one["required_daily_rate"], one["limited"], one["utilization"]) == (40, 0.0, False, 0.75)
    assert (two["capacity_per_day"], two["required_daily_rate"], two["limited"]) == (20, 5.0, False)
    assert two["pace"] == pytest.approx(120 / 7) and two["utilization"] == pytest.approx(120 / 7 / 20) and not two["at_capacity"]
    assert (three["capacity_per_day"], three["pace"], three["required_daily_rate"]) == (40, 45.0, 45.3125)
    assert three["limited"] and three["at_capacity"] and three["shortfall_per_day"] == pytest.approx(5.3125) and three["sets_needed"] == 1
    assert frame["code"].to_list()[0] == "03"  # limited provinces first
    assert default["limited"].sum() == 0  # at 300 applications per set and day, two sets are plenty


def test_connections_and_milestones_as_of_a_date(country):
    assert send(country, CONNECTIONS, "ket-noi.csv").status == intake.ACCEPTED
    assert send(country, MILESTONES_OK, "moc.csv").status == intake.ACCEPTED
    with country.connect() as conn:
        september = R.connections_summary(conn, as_of=date(2020, 9, 30))
        october = R.connections_summary(conn, as_of=date(2020, 10, 5))
        board = R.connections_board(conn, as_of=date(2020, 9, 30))
        started = R.milestone_counts(conn, as_of=date(2020, 8, 20))
        headline = R.readiness_headline(conn, as_of=date(2020, 10, 5))
    assert september == R.Connections(agencies_connected=1, agencies_total=29, ministries_connected=1, provinces_connected=1, provinces_total=3)
    assert (october.agencies_connected, october.provinces_connected) == (2, 2)
    status = dict(zip(board["agency_code"], board["status_as_of"], strict=True))
    # BTP connects on 05/10; BHXH's testing was only reported on 17/06/2021 (the import), so not on 30/09/2020.
    assert (status["BYT"], status["BTP"], status["BHXH"], status["NHNN"], status["BQP"]) == (
        "connected",
        "not_connected",
        "not_connected",
        "not_connected",
        "not_connected",
    )
    assert board.filter(pl.col("agency_code") == "BHXH")["status"][0] == "testing"  # as it stands now
    assert started == {"collection_started": 1, "collection_finished": 0, "db_connected": 0}
    assert headline.ready_line() == "0/3 tỉnh sẵn sàng triển khai"
    assert headline.connected_line() == "2 bộ, ngành đã kết nối CSDL quốc gia về dân cư"


# --- validation -------------------------------------------------------------------------------------

BAD_ITEMS = (
    ITEMS_HEADER
    + """
99,Bộ thiết bị thu nhận,2,1,15/05/2021,01/05/2021
01,Máy in,2,1,15/05/2021,01/05/2021
01,Đường truyền,-3,1,15/05/2021,01/05/2021
01,Cán bộ đã tập huấn,4,abc,15/05/2021,01/05/2021
02,Bộ thiết bị thu nhận,3,1,15/05/2021,31/02/2021
02,Đường truyền,2,2,15/05/2021,01/01/2099
02,Cán bộ đã tập huấn,2,2,15/05/2021,
03,Tổ lưu động,1,1,15/05/2021,01/05/2021
03,tổ lưu động,1,1,15/05/2021,02/05/2021
1,Bộ thiết bị thu nhận,2.5,2,15/05/2021,01/05/2021
03,Đường truyền,,1,15/05/2021,01/05/2021
"""
)
BAD_ITEMS_EXPECTED = {
    (2, "A", "unknown_province"),
    (3, "B", "vocabulary"),
    (4, "C", "negative"),
    (5, "D", "not_numeric"),
    (6, "F", "date_format"),
    (7, "F", "date_future"),
    (8, "F", "done_date_required"),
    (10, "B", "duplicate_key"),
    (11, "C", "fractional"),
    (12, "C", "required"),
}
BAD_CONNECTIONS = "Mã bộ ngành,Trạng thái,Ngày kết nối\nXYZ,Đã kết nối,01/09/2020\nBYT,Đã kết nối,\nBTP,Chưa kết nối,01/09/2020\nBHXH,Kết nối rồi,\n"
BAD_MILESTONES = "Mã tỉnh,Mốc,Ngày đạt mốc\n01,Bắt đầu thu thập,01/09/2020\n01,Hoàn thành thu thập,01/08/2020\n"


@pytest.mark.parametrize(
    "text,expected",
    [
        (BAD_ITEMS, BAD_ITEMS_EXPECTED),
        (
            BAD_CONNECTIONS,
            {(2, "A", "unknown_agency"), (3, "C", "connected_date_required"), (4, "C", "connected_date_not_connected"), (5, "B", "vocabulary")},
        ),
        (BAD_MILESTONES, {(3, "C", "finished_before_started")}),
        (
            ITEMS_HEADER.replace("Ngày hoàn thành", "Ghi chú lạ") + "\n01,Đường truyền,2,2,15/05/2021,x\n",
            {(1, "F", "unknown_column"), (1, None, "missing_column")},
        ),
        (ITEMS_HEADER + "\n", {(1, None, "header_only")}),
        ("a,b,c\n1,2,3\n", {(1, None, "sheet_unknown")}),
    ],
    ids=["items", "connections", "milestones", "header", "header-only", "unknown-table"],
)
def test_every_problem_names_row_and_column_and_nothing_is_written(country, text, expected):
    before = snapshot(country)
    result = send(country, text)
    assert result.status == intake.REJECTED
    found = {(p.problem.row, p.problem.letter, p.problem.code) for p in result.problems}
    assert found == expected
    for p in result.problems:
        message = p.message()
        assert message.startswith("Bảng „") and f"Dòng {p.problem.row}" in message
        if p.problem.letter:
            assert f"cột {p.problem.letter} „" in message
    assert snapshot(country) == before


def test_finished_before_started_is_checked_against_stored_milestones(country):
    assert send(country, "Mã tỉnh,Mốc,Ngày đạt mốc\n01,Bắt đầu thu thập,01/09/2020\n").status == intake.ACCEPTED
    result = send(country, "Mã tỉnh,Mốc,Ngày đạt mốc\n01,Hoàn thành thu thập,01/08/2020\n", "moc-2.csv")
    assert result.status == intake.REJECTED and "đã lưu" in result.problems[0].problem.detail_vi


def test_an_unreadable_file_is_rejected_whole(country):
    before = snapshot(country)
    result = send(country, b"PK\x03\x04 not really a workbook", "hong.xlsx")
    assert result.status == intake.REJECTED and result.problems[0].problem.code == "file_unreadable"
    assert snapshot(country) == before


# --- idempotency, history, form, template ---------------------------------------------------------------------


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_reimport_changes_nothing(country):
    first = send(country, ITEMS_OK)
    assert first.status == intake.ACCEPTED and first.changes["items"]["new"] == 11
    again = send(country, ITEMS_OK, who="người khác")
    assert again.status == intake.UNCHANGED and again.duplicate_of["id"] == first.batch_id
    # Other bytes (rows reordered, semicolons), same values: nothing new, no batch.
    lines = ITEMS_OK.strip().splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]).replace(",", ";")
    same = send(country, shuffled, "khac.csv")
    assert same.status == intake.UNCHANGED and same.changes["items"] == {"new": 0, "replace": 0, "same": 11}
    assert count(country, import_batch, import_batch.c.kind == "readiness") == 1
    assert count(country, readiness_item_history) == 0


def test_a_correction_keeps_the_old_value_with_who_and_when(country):
    one = send(country, ITEMS_HEADER + "\n02,Bộ thiết bị thu nhận,3,1,20/05/2021,10/05/2021\n", who="Công an tỉnh B", now=datetime(2021, 5, 11, 8))
    fix = send(
        country,
        ITEMS_HEADER + "\n02,Bộ thiết bị thu nhận,3,2,20/05/2021,10/05/2021\n",
        "sua.csv",
        who="Nhóm dữ liệu C06",
        now=datetime(2021, 5, 12, 9),
    )
    more = send(
        country,
        ITEMS_HEADER + "\n02,Bộ thiết bị thu nhận,3,3,20/05/2021,18/05/2021\n",
        "tuan.csv",
        who="Công an tỉnh B",
        now=datetime(2021, 5, 19, 9),
    )
    assert [r.status for r in (one, fix, more)] == [intake.ACCEPTED] * 3
    with country.connect() as conn:
        current = conn.execute(select(readiness_item).where(readiness_item.c.province_code == "02")).one()
        history = conn.execute(select(readiness_item_history).order_by(readiness_item_history.c.id)).all()
        may_15 = R.items_as_of(conn, as_of=date(2021, 5, 15), provinces=["02"]).row(0, named=True)
        may_20 = R.items_as_of(conn, as_of=date(2021, 5, 20), provinces=["02"]).row(0, named=True)
        batch = conn.execute(select(import_batch).where(import_batch.c.id == fix.batch_id)).one()
    assert (current.done, current.batch_id, current.updated_by) == (3, more.batch_id, "Công an tỉnh B")
    assert [(h.done, h.batch_id, h.updated_by, h.replaced_by_batch_id) for h in history] == [
        (1, one.batch_id, "Công an tỉnh B", fix.batch_id),
        (2, fix.batch_id, "Nhóm dữ liệu C06", more.batch_id),
    ]
    assert history[0].replaced_at == datetime(2021, 5, 12, 9) and history[0].updated_at == datetime(2021, 5, 11, 8)
    assert (batch.kind, batch.submitted_by, batch.source_name, batch.row_count) == ("readiness", "Nhóm dữ liệu C06", "sua.csv", 1)
    # The correction replaced 1 by 2 as of 10/05; the later update holds from 18/05.
    assert (may_15["done"], may_15["light"]) == (2, "in_progress")
    assert (may_20["done"], may_20["light"]) == (3, "done")


def test_the_form_goes_through_the_same_checks_and_batch(country):
    rows = [
        {"_row": 1, "province_code": "03", "item": "mobile_teams", "planned": None, "done": 1, "planned_date": None, "done_date": date(2021, 5, 3)}
    ]
    frames = {"items": pl.DataFrame(rows, schema=intake.TYPED_SCHEMA["items"])}
    rejected = intake.submit(country, frames, source_name="Biểu mẫu", actor=person("Nhóm dữ liệu"), now=NOW)
    assert rejected.status == intake.REJECTED
    (problem,) = rejected.problems
    assert problem.problem.code == "required" and problem.message().startswith("Bảng „Hạng mục“ — Dòng 1, cột „Kế hoạch“")
    frames = {"items": frames["items"].with_columns(pl.lit(1, dtype=pl.Int64).alias("planned"))}
    accepted = intake.submit(country, frames, source_name="Biểu mẫu", actor=person("Nhóm dữ liệu"), now=NOW)
    assert accepted.status == intake.ACCEPTED
    assert intake.submit(country, frames, source_name="Biểu mẫu", actor=person("Nhóm dữ liệu"), now=NOW).status == intake.UNCHANGED
    with pytest.raises(AccessDenied):
        intake.submit(country, frames, source_name="Biểu mẫu", actor=None, now=NOW)


def test_template_round_trip_and_a_workbook_with_two_sheets(country):
    assert send(country, ITEMS_OK).status == intake.ACCEPTED
    with country.connect() as conn:
        blank, filled = intake.template_for(conn), intake.template_for(conn, prefill=True)
    book = openpyxl.load_workbook(io.BytesIO(blank))
    assert book.sheetnames == ["Hạng mục", "Mốc", "Kết nối", "Hướng dẫn"]
    assert [c.value for c in book["Hạng mục"][1]] == ITEMS_HEADER.split(",")[:1] + ["Tên tỉnh"] + ITEMS_HEADER.split(",")[1:]
    assert send(country, blank, "mau.xlsx").problems[0].problem.code == "header_only"
    # The stored values sent back unchanged: nothing new.
    assert send(country, filled, "so-lieu.xlsx").status == intake.UNCHANGED
    book = openpyxl.load_workbook(io.BytesIO(filled))
    book["Hạng mục"]["E2"] = 5  # planned sets of Tỉnh A (row 2 = 01, equipment)
    byt = next(r for r in book["Kết nối"].iter_rows(min_row=2) if r[0].value == "BYT")
    byt[2].value, byt[3].value = "Đã kết nối", datetime(2020, 9, 10)
    buffer = io.BytesIO()
    book.save(buffer)
    result = send(country, buffer.getvalue(), "sua.xlsx")
    assert result.status == intake.ACCEPTED
    assert result.changes["items"]["replace"] == 1 and result.changes["agencies"]["replace"] == 1


# --- the command line ---------------------------------------------------------------------------------------


def test_cli_import_template_and_export(country, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", country.url.render_as_string(hide_password=False))
    runner = CliRunner()
    path = tmp_path / "san-sang.csv"
    path.write_text(BAD_MILESTONES, encoding="utf-8")
    bad = runner.invoke(cli_app, ["readiness", "import", str(path)])
    assert bad.exit_code == 1 and "Dòng 3, cột C „Ngày đạt mốc“" in bad.output
    path.write_text(ITEMS_OK, encoding="utf-8")
    dry = runner.invoke(cli_app, ["readiness", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "Chạy thử" in dry.output and count(country, readiness_item) == 0
    ok = runner.invoke(cli_app, ["readiness", "import", str(path)])
    assert ok.exit_code == 0 and "lô #" in ok.output and count(country, readiness_item) == 11
    template = tmp_path / "mau.xlsx"
    assert runner.invoke(cli_app, ["readiness", "template", "-o", str(template)]).exit_code == 0
    assert openpyxl.load_workbook(template).sheetnames[0] == "Hạng mục"
    out = runner.invoke(cli_app, ["export", "readiness", "--as-of", "2021-06-15"])
    assert out.exit_code == 0
    frame = pl.read_csv(io.StringIO(out.output), schema_overrides={"code": pl.String})
    assert frame.columns == R.EXPORT_COLUMNS and frame.height == 3
    assert frame.filter(pl.col("code") == "01")["ready"][0] is True
    boards = runner.invoke(cli_app, ["export", "readiness", "--agencies", "--as-of", "2020-09-30"])
    assert boards.exit_code == 0 and boards.output.count("\n") == 30  # header + 29 ministries/agencies


# --- the simulation ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def national_readiness(tmp_path_factory):
    """The simulated national rollout's province rollups (no commune facts: the readiness simulation reads
    province rollups only) in SQLite, then the simulated readiness written through the intake."""
    from db import migrate
    from db.schema import calendar, unit_day
    from simulate.readiness import write_simulated_readiness
    from simulate.rollout import simulate

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('national') / 'readiness.sqlite'}")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        reference.load_reference(conn)
        units = reference.units_frame()
    facts = simulate(units, seed=2021).facts
    counts = ["applications_received", "cards_produced", "cards_delivered", "records_collected", "records_verified"]
    province = (
        facts.with_columns(pl.col("unit_code").replace_strict(dict(zip(units["code"], units["province_code"], strict=True))).alias("unit_code"))
        .group_by("unit_code", "report_date")
        .agg(pl.col(counts).sum().cast(pl.Int64))
        .rename({"report_date": "day"})
        .sort("unit_code", "day")
    )
    days = pl.DataFrame({"day": pl.date_range(date(2020, 9, 1), date(2021, 12, 31), eager=True)})
    grid = days.join(province.select("unit_code").unique(), how="cross").join(province, on=["unit_code", "day"], how="left").fill_null(0)
    rollup = grid.sort("unit_code", "day").with_columns(
        *[pl.col(c).cum_sum().over("unit_code").alias(f"cum_{c}") for c in counts],
        pl.lit("province").alias("level"),
        pl.lit(0).alias("units_reported"),
        pl.lit(0).alias("units_on_time"),
        pl.lit(0).alias("units_expected"),
    )
    with engine.begin() as conn:
        store.bulk_insert(conn, calendar, days)
        store.bulk_insert(conn, unit_day, rollup)
        write_simulated_readiness(conn, seed=2021)
    yield engine
    engine.dispose()


def test_simulation_meets_the_september_2020_conference(national_readiness):
    with national_readiness.connect() as conn:
        by_20_august = R.milestone_counts(conn, as_of=date(2020, 8, 20))
        end_august = R.milestone_counts(conn, as_of=date(2020, 8, 31))
        end_2020 = R.milestone_counts(conn, as_of=date(2020, 12, 31))
        september = R.connections_summary(conn, as_of=date(2020, 9, 30))
        ready_june = R.provinces_ready(conn, as_of=date(2021, 6, 1))
        ready_new_year = R.provinces_ready(conn, as_of=date(2021, 1, 1))
    assert by_20_august["collection_started"] == 59 and end_august["collection_started"] == 63
    assert end_2020["collection_finished"] == 59  # 59/63 finished collecting in 2020 (simulate/anchors.py LATE_COLLECTORS)
    assert (september.agencies_connected, september.provinces_connected, september.provinces_total) == (14, 45, 63)
    assert ready_june == R.ReadyCount(63, 63) and 0 < ready_new_year.ready < 63


def test_no_simulated_province_issues_above_its_equipment(national_readiness):
    with national_readiness.connect() as conn:
        series = R.capacity_series(conn)
        february = R.capacity_check(conn, as_of=date(2021, 2, 15))
    assert series["code"].n_unique() == 63
    over = series.filter(pl.col("pace") > pl.col("capacity_per_day"))
    assert over.height == 0, over.head()
    # A few lagging provinces run at their capacity (≥ 95% at the peak) and are limited by it in February.
    peak = series.filter(pl.col("capacity_per_day") > 0).group_by("code").agg((pl.col("pace") / pl.col("capacity_per_day")).max().alias("u"))
    capped = set(peak.filter(pl.col("u") >= 0.95)["code"].to_list())
    limited = set(february.filter("limited")["code"].to_list())
    assert 3 <= len(capped) <= 8 and limited == capped
    assert peak.filter(~pl.col("code").is_in(list(capped)))["u"].max() < 0.9


def test_simulation_is_deterministic(national_readiness):
    from simulate.readiness import simulated_updates

    with national_readiness.connect() as conn:
        assert simulated_updates(conn, seed=2021) == simulated_updates(conn, seed=2021)
        assert simulated_updates(conn, seed=2021) != simulated_updates(conn, seed=7)


def test_demo_readiness_is_written_as_audited_batches(demo_sqlite):
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        batches = conn.execute(select(import_batch.c.kind, import_batch.c.submitted_by).where(import_batch.c.kind == "readiness")).all()
        series = R.capacity_series(conn, provinces=["26", "48", "96"])
        items = conn.execute(select(func.count()).select_from(readiness_item)).scalar_one()
    engine.dispose()
    assert len(batches) > 10 and {b.submitted_by for b in batches} == {"Mô phỏng – Cục C06 tổng hợp"}
    assert items == 12 and series.filter(pl.col("pace") > pl.col("capacity_per_day")).height == 0


# --- the page ---------------------------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "app_pages/readiness.py"


def open_page(monkeypatch, url: str, actor=None, **params) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    if actor is not None:
        sign_in_apptest(monkeypatch, actor)
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_page_shows_the_queries_numbers(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, as_of="2021-03-01", province="96")
    assert at.title[0].value == "Sẵn sàng triển khai"
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        line = R.readiness_headline(conn, as_of=date(2021, 3, 1))
        limited = R.capacity_check(conn, as_of=date(2021, 3, 1)).filter("limited")["name"].to_list()
    engine.dispose()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tỉnh sẵn sàng"] == f"{line.provinces_ready}/63"
    assert metrics["Bộ, ngành kết nối"] == f"{line.agencies_connected}/29"
    assert metrics["Thiếu thiết bị"] == str(len(limited)) and limited == ["Cà Mau"]
    assert [s.value for s in at.subheader][:2] == ["Tỉnh × hạng mục: đã làm / kế hoạch", "Tỉnh có thiết bị hạn chế tiến độ"]
    assert at.selectbox(key="readiness_province").value == "96"  # my province preselected
    # Milestones and the province's capacity, drawn with the app's basic plotly.js bundle (no Streamlit Plotly chunk).
    assert chart_keys(at) == ["readiness_milestones", "readiness_capacity_chart"] and not at.get("plotly_chart")
    for key in chart_keys(at):  # one tick per month, so no month is named twice ("12/2020, 12/2020")
        drawn = chart_data(at, key)
        assert drawn["figure"]["layout"]["xaxis"]["dtick"] == "M1" and "plotly-basic-" in drawn["bundle"]
    # Ten months of milestones in a narrow column: every month ticked, every second one named, level.
    axis = chart_data(at, "readiness_milestones")["figure"]["layout"]["xaxis"]
    assert (axis["ticklabelstep"], axis["tickangle"]) == (2, 0)
    assert any("Thiết bị hạn chế tiến độ" in md.value for md in at.markdown)
    assert "Dữ liệu mô phỏng" in at.caption[0].value


def test_region_filter_and_drill_down(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, as_of="2021-06-15")
    at.pills(key="readiness_regions").set_value(["DBSCL"]).run()
    assert not at.exception
    frame = at.dataframe[0].value  # the matrix: not ready, ready, then provinces that reported nothing
    assert len(frame) == 13 and list(frame["name"])[0] == "Cà Mau"  # the 13 Mekong provinces; the simulated one is ready
    assert frame["equipment_sets"].iloc[0].startswith("✓ ") and frame["equipment_sets"].iloc[-1] == "? —"
    at.selectbox(key="readiness_province").set_value("26").run()
    assert any(md.value.startswith("**Vĩnh Phúc:**") for md in at.markdown)


def test_upload_on_the_page_writes_one_batch(monkeypatch, demo_sqlite, tmp_path):
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_sqlite.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    at = open_page(monkeypatch, url, person("Nhóm dữ liệu C06", role="data_team"), as_of="2021-06-15")
    at.file_uploader(key="readiness_file").set_value(("ket-noi.csv", b"Ma bo nganh,Trang thai,Ngay ket noi\nVOV,Da ket noi,01/06/2021\n", "text/csv"))
    at.run()
    at.button(key="readiness_go").click().run()
    assert not at.exception
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(agency_connection).where(agency_connection.c.agency_code == "VOV")).one()
        batch = conn.execute(select(import_batch).where(import_batch.c.id == row.batch_id)).one()
    engine.dispose()
    assert (row.status, row.connected_on, batch.submitted_by, batch.source_name) == ("connected", date(2021, 6, 1), "Nhóm dữ liệu C06", "ket-noi.csv")
    assert any("Đã ghi „ket-noi.csv“" in s.value for s in at.success)


def test_overview_links_to_the_page(monkeypatch, demo_sqlite):
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["as_of"] = "2021-06-15"
    at.run()
    assert not at.exception
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        line = R.readiness_headline(conn, as_of=date(2021, 6, 15))
    engine.dispose()
    links = {p.proto.label: p.proto.page for p in at.get("page_link")}
    assert links[line.ready_line()] == links[line.connected_line()] == "san-sang"  # the readiness page's url_path


def test_the_page_form_writes_a_changed_milestone_and_keeps_items(monkeypatch, demo_sqlite, tmp_path):
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_sqlite.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    at = open_page(monkeypatch, url, person("Nhóm dữ liệu C06", role="data_team"), as_of="2021-06-15", province="26")
    at.date_input(key="readiness_day_db_connected").set_value(date(2020, 9, 1))
    submit = next(b for b in at.button if b.proto.is_form_submitter)
    submit.click().run()
    assert not at.exception
    engine = make_engine(url)
    with engine.connect() as conn:
        day = conn.execute(
            select(milestone.c.day, milestone.c.updated_by).where(milestone.c.province_code == "26", milestone.c.kind == "db_connected")
        ).one()
        kinds = conn.execute(select(import_batch.c.source_name, import_batch.c.row_count).order_by(import_batch.c.id.desc()).limit(1)).one()
    engine.dispose()
    assert tuple(day) == (date(2020, 9, 1), "Nhóm dữ liệu C06")
    assert kinds == ("Biểu mẫu trên trang — Vĩnh Phúc", 1)  # the unchanged items were not rewritten


def test_form_rows_become_typed_rows():
    import pandas as pd

    from ui.readiness_data import editor_frame, frames_from_form

    items = pl.DataFrame(
        [
            {
                "item": "equipment_sets",
                "planned": 4,
                "done": 2,
                "planned_date": date(2020, 12, 15),
                "done_date": date(2020, 12, 1),
                "light": "overdue",
                "ratio": 0.5,
            }
        ]
    )
    edited = editor_frame(items)
    assert list(edited["Hạng mục"]) == ["Bộ thiết bị thu nhận", "Đường truyền", "Cán bộ đã tập huấn", "Tổ lưu động"]
    edited.loc[1, ["Kế hoạch", "Đã hoàn thành"]] = [3, 3]
    edited.loc[1, "Ngày hoàn thành"] = pd.Timestamp(2020, 12, 5)
    frames = frames_from_form(
        edited,
        province="26",
        milestone_days={"collection_started": date(2020, 6, 1), "db_connected": None},
        stored_milestones={"collection_started": date(2020, 6, 1)},
    )
    assert frames["items"].select("_row", "item", "planned", "done", "done_date").rows() == [
        (1, "equipment_sets", 4, 2, date(2020, 12, 1)),
        (2, "transmission_lines", 3, 3, date(2020, 12, 5)),
    ]
    assert "milestones" not in frames  # nothing changed (empty stays empty)


def test_a_database_before_the_readiness_migration_says_what_to_do(monkeypatch, demo_sqlite, tmp_path):
    """Since the access tables (0004) the app asks for init-db before anything; the readiness page's own
    message remains for a database whose readiness tables are missing while the rest is current."""
    from db import migrate

    copy = tmp_path / "old.sqlite"
    shutil.copy(demo_sqlite.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = make_engine(url)
    migrate.downgrade(engine, "0002_annotation")
    engine.dispose()
    st.cache_data.clear()  # same data version as the demo: frames cached from it must not answer for this file
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception
    assert any("python cli.py init-db" in e.value for e in at.error) and not at.get("page_link")


def test_a_workbook_whose_first_sheet_is_blank(country):
    book = openpyxl.Workbook()
    book.active.title = "Trống"
    sheet = book.create_sheet("Kết nối")
    sheet.append(["Mã bộ ngành", "Trạng thái", "Ngày kết nối"])
    sheet.append(["byt", "da ket noi", datetime(2020, 9, 10)])  # lower case, no diacritics: still understood
    buffer = io.BytesIO()
    book.save(buffer)
    result = send(country, buffer.getvalue(), "ket-noi.xlsx")
    assert result.status == intake.ACCEPTED and result.changes["agencies"]["replace"] == 1


def test_the_board_is_rebuilt_for_a_date_from_the_kept_updates(country):
    steps = [
        ("Mã bộ ngành,Trạng thái,Ngày kết nối\nBHXH,Đang thử nghiệm,\n", datetime(2020, 10, 12, 9)),
        ("Mã bộ ngành,Trạng thái,Ngày kết nối\nBHXH,Đã kết nối,05/11/2020\n", datetime(2020, 11, 9, 9)),
    ]
    for i, (text, when) in enumerate(steps):
        assert send(country, text, f"ket-noi-{i}.csv", now=when).status == intake.ACCEPTED
    with country.connect() as conn:
        status = {
            day: R.connections_board(conn, as_of=day).filter(pl.col("agency_code") == "BHXH").row(0, named=True)
            for day in (date(2020, 10, 1), date(2020, 10, 20), date(2020, 11, 5))
        }
    assert [status[d]["status_as_of"] for d in sorted(status)] == ["not_connected", "testing", "connected"]
    assert status[date(2020, 11, 5)]["connected_on_as_of"] == date(2020, 11, 5)


def test_every_sheet_of_a_readiness_workbook_is_read_within_the_report_limits(country):
    """The second sheet padded to column XFD (openpyxl's own reader would pad each row to 16,384 cells):
    refused by the report intake's streaming reader, naming the limit, nothing written."""
    book = openpyxl.Workbook()
    book.active.title = "Hạng mục"
    book.active.append(ITEMS_HEADER.split(","))
    sheet = book.create_sheet("Kết nối")
    sheet.append(["Mã bộ ngành", "Trạng thái", "Ngày kết nối"])
    for row in range(2, 2002):
        sheet.cell(row=row, column=16_384, value=1)
    buffer = io.BytesIO()
    book.save(buffer)
    before = count(country, readiness_item)
    result = send(country, buffer.getvalue(), "san-sang.xlsx")
    assert result.status == intake.REJECTED
    assert [p.problem.code for p in result.problems] in (["too_many_columns"], ["sheet_too_large"])
    assert count(country, readiness_item) == before


# --- one pipeline, one writer ---------------------------------------------------------------------------------


def test_the_readiness_writer_refuses_a_province_not_its_own_inside_the_transaction(country):
    """db.readiness_store checks access itself (like every writer): a provincial account writing another
    province's rows is refused before anything is written, whoever called it."""
    from db import readiness_store

    rows = [
        {"_row": 2, "province_code": "02", "item": "equipment_sets", "planned": 3, "done": 1, "planned_date": None, "done_date": date(2021, 5, 10)}
    ]
    frames = {"items": pl.DataFrame(rows, schema=intake.TYPED_SCHEMA["items"])}
    before = snapshot(country)
    with pytest.raises(AccessDenied), country.begin() as conn:
        readiness_store.write_update(
            conn,
            frames,
            source_name="x.csv",
            submitted_by="Công an tỉnh A",
            received_at=NOW,
            content_hash="h",
            actor=person("Công an tỉnh A", role="province", province="01"),
        )
    assert snapshot(country) == before
    with country.begin() as conn:
        outcome = readiness_store.write_update(
            conn,
            frames,
            source_name="x.csv",
            submitted_by="Công an tỉnh B",
            received_at=NOW,
            content_hash="h",
            actor=person("Công an tỉnh B", role="province", province="02"),
        )
    assert outcome.status == intake.ACCEPTED and outcome.changes["items"]["new"] == 1
    with country.connect() as conn:
        audit = conn.execute(select(audit_log.c.action, audit_log.c.actor, audit_log.c.province_code, audit_log.c.target)).all()
    assert [tuple(a) for a in audit] == [("readiness_update", "công-an-tỉnh-b", "02", f"batch #{outcome.batch_id}")]


def test_readiness_headers_are_mapped_and_worded_like_a_report(country):
    """The header mapping and the problem catalogue are the report intake's: a repeated or unnamed column says
    what a report's would; only an unknown column names the readiness sheet."""
    from intake import problems

    text = "Mã tỉnh,Mốc,Ngày đạt mốc,Mốc,,Ghi chú\n01,Bắt đầu thu thập,01/09/2020,Bắt đầu thu thập,x,\n"
    result = send(country, text)
    assert result.status == intake.REJECTED
    by_code = {p.problem.code: p.problem for p in result.problems}
    assert set(by_code) == {"duplicate_column", "unnamed_column", "unknown_column"}
    assert by_code["duplicate_column"].detail_vi == problems.make("duplicate_column", other="B", label="Mốc", label_en="Milestone").detail_vi
    assert by_code["unnamed_column"].detail_vi == problems.MESSAGES["unnamed_column"][0]
    assert "bảng „Mốc“ của mẫu" in by_code["unknown_column"].detail_vi


def test_item_history_names_who_sent_each_update(country):
    assert send(country, ITEMS_OK).status == intake.ACCEPTED
    with country.connect() as conn:
        history = R.item_history(conn, province="02")
        assert R.tables_present(conn)
    assert history.height == 4 and set(history["submitted_by"]) == {"Nhóm dữ liệu C06"}
    assert set(history["source_name"]) == {"san-sang.csv"} and history["received_at"][0] == NOW


def test_an_unfinished_item_is_not_shown_with_a_completion_date():
    """The stored done_date is the day the count was reached: for 3 of 5 it is not a completion date."""
    from ui.readiness_data import items_table

    frame = pl.DataFrame(
        [
            {"item": item, "planned": 5, "done": done, "planned_date": date(2021, 5, 1), "done_date": day, "light": R.OVERDUE, "ratio": done / 5}
            for item, done, day in zip(R.ITEMS[:3], (3, 5, 0), (date(2021, 6, 1), date(2021, 5, 20), None), strict=True)
        ]
    )
    shown = items_table(frame).set_index("Hạng mục")["Ngày hoàn thành"].to_list()
    assert shown[:3] == ["chưa xong (số đến 01/06/2021)", "20/05/2021", "—"]
