"""Data quality on the hand-made mini country (SQLite and PostgreSQL; expectations computed by hand) and
the quality page on the small simulated data set (AppTest)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from db import store
from db.engine import make_engine
from queries import quality
from tests.chart_support import chart_data
from tests.conftest import MINI_END, MINI_START, mini_daily_applications

APP = str(Path(__file__).resolve().parent.parent / "app.py")
AS_OF = MINI_END  # 15/06/2021: B (02) has not reported; C's (03) report came at 18:30


def by_key(frame: pl.DataFrame, *keys: str) -> dict:
    return {tuple(row[k] for k in keys): row for row in frame.iter_rows(named=True)}


def plant(engine, code: str, province: str, day: date, **counts) -> None:
    """Replace one commune-day through the store (the one write path), received on time at 16:00."""
    row = {
        "batch_index": 0,
        "unit_code": code,
        "report_date": day,
        "applications_received": mini_daily_applications(code, day),
        "cards_produced": None,
        "cards_delivered": 0,
        "records_collected": 0,
        "records_verified": 1,
        **counts,
    }
    meta = store.BatchMeta("cli", f"fix-{code}-{day}.csv", "officer@c06", datetime.combine(day, time(16)), province)
    with engine.begin() as conn:
        store.write_reports(conn, pl.DataFrame([row]), [meta])


# --- completeness and timeliness -------------------------------------------------------------------


def test_completeness_grid_per_province_day(mini_engine):
    with mini_engine.connect() as conn:
        grid = quality.completeness_grid(conn, as_of=AS_OF, days=3)
    assert grid.columns == quality.GRID_COLUMNS
    cells = by_key(grid, "code", "day")
    assert len(cells) == 9  # 3 provinces × 13, 14, 15/06
    for day in (date(2021, 6, 13), date(2021, 6, 14)):
        for code, expected in (("01", 2), ("02", 1), ("03", 2)):
            cell = cells[(code, day)]
            assert (cell["units_reported"], cell["units_on_time"], cell["units_expected"]) == (expected, expected, expected)
            assert cell["completeness"] == 1.0 and cell["timeliness"] == 1.0
    a, b, c = cells[("01", AS_OF)], cells[("02", AS_OF)], cells[("03", AS_OF)]
    assert (a["completeness"], a["timeliness"]) == (1.0, 1.0)
    assert (b["units_reported"], b["completeness"], b["timeliness"]) == (0, 0.0, 0.0)  # no report on the last day
    assert (c["units_reported"], c["units_on_time"], c["completeness"], c["timeliness"]) == (2, 0, 1.0, 0.0)  # in, but late
    assert b["name"] == "Tỉnh B"


def test_district_grid_and_day_summary(mini_engine):
    with mini_engine.connect() as conn:
        districts = quality.completeness_grid(conn, as_of=AS_OF, days=2, level="district", province="03")
        grid = quality.completeness_grid(conn, as_of=AS_OF, days=quality.GRID_DAYS)
        with pytest.raises(ValueError):
            quality.completeness_grid(conn, as_of=AS_OF, level="district")
    assert districts["code"].to_list() == ["003", "003"]
    assert districts["timeliness"].to_list() == [1.0, 0.0]
    assert grid.height == 3 * 15  # 28 days asked, 15 in the data set
    summary = quality.day_summary(grid, AS_OF)
    # Reported 2 + 0 + 2 of 5 units; on time only A's 2.
    assert (summary.units_reported, summary.units_on_time, summary.units_expected) == (4, 2, 5)
    assert summary.completeness == pytest.approx(0.8) and summary.timeliness == pytest.approx(0.4)
    assert (summary.late_units, summary.rows, summary.rows_complete, summary.rows_none, summary.rows_late) == (2, 3, 2, 1, 1)


# --- missing and late reports ----------------------------------------------------------------------


def test_missing_reports_on_the_last_day_are_province_b(mini_engine):
    with mini_engine.connect() as conn:
        national = quality.missing_reports(conn, as_of=AS_OF)
        b = quality.missing_reports(conn, as_of=AS_OF, province="02")
        a = quality.missing_reports(conn, as_of=AS_OF, province="01")
        day_before = quality.missing_reports(conn, as_of=AS_OF - timedelta(days=1))
    assert national.provinces.select("code", "units_expected", "units_reported", "units_missing", "none_reported").rows() == [("02", 1, 0, 1, True)]
    assert national.provinces_none["name"].to_list() == ["Tỉnh B"]
    assert national.districts.select("province_code", "code", "units_missing").rows() == [("02", "002", 1)]
    assert national.units.height == 0  # names only for one province
    assert b.units.select("code", "name", "district_name").rows() == [("00003", "Xã B1a", "Huyện B1")]
    assert a.units.height == 0 and a.districts.height == 0
    assert day_before.provinces.height == 0 and day_before.districts.height == 0


def test_a_district_grain_report_counts_for_its_communes(mini_engine):
    # B's district sends the last day's report at district grain: its commune is no longer missing.
    row = {
        "batch_index": 0,
        "unit_code": "002",
        "report_date": AS_OF,
        "applications_received": 20,
        "cards_produced": None,
        "cards_delivered": 0,
        "records_collected": 0,
        "records_verified": 1,
    }
    with mini_engine.begin() as conn:
        store.write_reports(conn, pl.DataFrame([row]), [store.BatchMeta("cli", "b.csv", "officer", datetime(2021, 6, 15, 16), "02")])
    with mini_engine.connect() as conn:
        missing = quality.missing_reports(conn, as_of=AS_OF, province="02")
    assert missing.provinces.height == 0 and missing.units.height == 0


def test_late_reports_are_province_c_on_the_last_day(mini_engine):
    with mini_engine.connect() as conn:
        late = quality.late_reports(conn, as_of=AS_OF, days=7)
        only_a = quality.late_reports(conn, as_of=AS_OF, province="01")
        before = quality.late_reports(conn, as_of=AS_OF - timedelta(days=1))
    assert late.columns == quality.LATE_COLUMNS
    assert late.height == 1
    row = late.row(0, named=True)
    assert (row["report_date"], row["province_code"], row["province_name"]) == (AS_OF, "03", "Tỉnh C")
    assert row["received_at"] == datetime(2021, 6, 15, 18, 30)
    assert row["minutes_late"] == 90  # 18:30 − 17:00
    assert (row["units_late"], row["units_expected"]) == (2, 2)
    assert (row["submitted_by"], row["source_name"]) == ("test", "03-2021-06-15.csv")
    assert only_a.height == 0 and before.height == 0


# --- values to follow up ---------------------------------------------------------------------------


def test_a_planted_spike_is_found_and_normal_days_are_not(mini_engine):
    with mini_engine.connect() as conn:
        assert quality.day_spikes(conn, as_of=AS_OF).height == 0  # the mini country as built: nothing odd
    plant(mini_engine, "00001", "01", date(2021, 6, 12), applications_received=10_000)
    plant(mini_engine, "00002", "01", date(2021, 6, 13), applications_received=40)  # two days' work in one: not a spike
    with mini_engine.connect() as conn:
        spikes = quality.day_spikes(conn, as_of=AS_OF)
        outside = quality.day_spikes(conn, as_of=AS_OF + timedelta(days=7))  # 12/06 is no longer among the checked days
    assert spikes.height == 1
    row = spikes.row(0, named=True)
    assert (row["unit_code"], row["province_code"], row["day"], row["metric"], row["value"]) == (
        "00001",
        "01",
        date(2021, 6, 12),
        "applications_received",
        10_000,
    )
    # Usual: 10 a day over 01–08/06 (the window before the checked 09–15/06). The rest of province A
    # (commune 00002) sent its usual 20 that day, so the day factor is 1: expected 10; limit max(8 × 10, 10 + 75).
    assert row["expected"] == pytest.approx(10.0)
    assert row["limit"] == pytest.approx(85.0)
    assert outside.height == 0


def test_delivered_above_received_and_above_produced_are_found(mini_engine):
    plant(mini_engine, "00004", "03", date(2021, 6, 10), cards_delivered=5_000)
    for i in range(15):  # 00005 reports cards produced every day: 5 produced, 10 delivered a day
        plant(mini_engine, "00005", "03", MINI_START + timedelta(days=i), cards_produced=5, cards_delivered=10)
    with mini_engine.connect() as conn:
        rows = quality.outliers(conn, as_of=AS_OF)
        in_c = quality.outliers(conn, as_of=AS_OF, province="03")
        in_a = quality.outliers(conn, as_of=AS_OF, province="01")
        direct = quality.unit_totals(conn, day_from=None, day_to=AS_OF)
        by_month = quality.cumulative_totals(conn, as_of=AS_OF, span_totals=lambda s, e: quality.unit_totals(conn, day_from=s, day_to=e))
    assert rows.columns == quality.OUTLIER_COLUMNS
    # Impossible cumulatives first, then spikes.
    assert rows.select("kind", "unit_code", "metric", "value", "limit", "excess").rows() == [
        # 00004: 5,000 delivered against 15 × 30 = 450 received (cards produced is not reported: not judged).
        ("delivered_over_received", "00004", "cards_delivered", 5_000, 450.0, 4_550.0),
        # 00005: 15 × 10 = 150 delivered against 15 × 5 = 75 produced; 15 × 15 = 225 received is enough.
        ("delivered_over_produced", "00005", "cards_delivered", 150, 75.0, 75.0),
        # The 5,000 is also a spike: usually 0 delivered, so the limit is 0 + 75.
        ("spike", "00004", "cards_delivered", 5_000, 75.0, 4_925.0),
    ]
    first = rows.row(0, named=True)
    assert (first["day"], first["province_name"], first["district_name"], first["unit_name"]) == (AS_OF, "Tỉnh C", "Huyện C1", "Xã C1a")
    assert rows.row(2, named=True)["submitted_by"] == "officer@c06" and rows.row(2, named=True)["day"] == date(2021, 6, 10)
    assert in_c.height == 3 and in_a.height == 0
    assert by_month.sort("unit_code").equals(direct.sort("unit_code"))


def test_month_spans_and_their_stamps(mini_engine):
    assert quality.month_spans(date(2021, 5, 20), date(2021, 7, 3)) == [
        (date(2021, 5, 20), date(2021, 5, 31)),
        (date(2021, 6, 1), date(2021, 6, 30)),
        (date(2021, 7, 1), date(2021, 7, 3)),
    ]
    assert quality.month_spans(date(2021, 12, 30), date(2022, 1, 1)) == [
        (date(2021, 12, 30), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 1, 1)),
    ]
    spans = [(date(2021, 5, 1), date(2021, 5, 31)), (date(2021, 6, 1), date(2021, 6, 10)), (date(2021, 6, 11), date(2021, 6, 15))]
    with mini_engine.connect() as conn:
        before = quality.span_stamps(conn, spans)
        assert quality.cumulative_spans(conn, AS_OF) == [(MINI_START, AS_OF)]
    assert before[0] == (0, 0, 0)  # no batch reports May
    assert before[1][1] == 3 * 10  # one batch per province per day
    plant(mini_engine, "00001", "01", date(2021, 6, 12), applications_received=11)
    with mini_engine.connect() as conn:
        after = quality.span_stamps(conn, spans)
    assert after[:2] == before[:2] and after[2] != before[2]  # only the span the new batch touches changes


# --- the page on the small simulated data set ------------------------------------------------------


def planted_day(url: str) -> date:
    """A day with a bad value planted by the simulation (dataset_info.anomalies)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        anomalies = json.loads(conn.exec_driver_sql("SELECT value FROM dataset_info WHERE key = 'anomalies'").scalar_one())
    engine.dispose()
    return max(date.fromisoformat(a["report_date"]) for a in anomalies if date.fromisoformat(a["report_date"]) < date(2021, 12, 1))


def open_quality(monkeypatch, url: str, **params) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/quality.py")
    return at.run()


def heatmap_of(at: AppTest) -> dict:
    return chart_data(at, "quality_heatmap")["figure"]


def test_quality_page_on_the_simulated_data_set(monkeypatch, demo_sqlite):
    day = planted_day(demo_sqlite)
    at = open_quality(monkeypatch, demo_sqlite, as_of=day.isoformat(), province="48")
    assert not at.exception
    assert at.title[0].value == "Chất lượng số liệu"
    assert any("Dữ liệu mô phỏng" in c.value and day.strftime("%d/%m/%Y") in c.value for c in at.caption)
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {"Đơn vị đã báo cáo", "Nộp đúng hạn (trước 17:00)", "Tỉnh báo cáo đủ", "Báo cáo trễ hạn"}
    units = next(m for m in at.metric if m.label == "Đơn vị đã báo cáo")
    reported, expected = (int(x.replace(".", "")) for x in units.delta.removesuffix(" đơn vị").split("/"))
    assert 0 < reported <= expected and units.value.endswith("%")
    figure = heatmap_of(at)
    heat = figure["data"][0]
    assert heat["type"] == "heatmap" and len(heat["y"]) == 63 and len(heat["x"]) == quality.GRID_DAYS
    assert heat["y"][0] == "<b>Đà Nẵng</b>"  # my province first, in bold
    assert "Ngày %{customdata[1]}" in heat["hovertemplate"]
    assert any(shape["type"] == "rect" for shape in figure["layout"]["shapes"])
    # Only 3 of 63 provinces are simulated here: the other 60 sent nothing, and are listed first.
    text = " ".join(md.value for md in at.markdown)
    assert "**Chưa gửi báo cáo (60 tỉnh):**" in text
    tables = [df.value for df in at.dataframe]
    not_reported = tables[0]
    assert list(not_reported.columns[:2]) == ["name", "units_missing"] and len(not_reported) >= 60
    assert list(not_reported["units_missing"]) == sorted(not_reported["units_missing"], reverse=True)
    followup = tables[-1]
    assert "kind_vi" in followup.columns and "Tăng đột biến trong ngày" in set(followup["kind_vi"])
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Tải danh sách cần kiểm tra (Excel)", "Tải danh sách cần kiểm tra (CSV)"]


def test_timeliness_toggle_and_csv(monkeypatch, demo_sqlite):
    from ui import quality_data

    day = planted_day(demo_sqlite)
    at = open_quality(monkeypatch, demo_sqlite, as_of=day.isoformat())
    at.radio(key="quality_measure").set_value("timeliness").run()
    assert not at.exception
    assert "Đúng hạn: %{customdata[2]}" in heatmap_of(at)["data"][0]["hovertemplate"]
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        rows = quality.outliers(conn, as_of=day)
    engine.dispose()
    assert rows.height > 0
    csv = quality_data.neutralise_formulas(quality_data.followup_export(rows)).write_csv()
    frame = pl.read_csv(io.StringIO(csv))
    assert frame.height == rows.height and {"kind", "kind_vi", "unit_name", "value", "limit", "check_vi"} <= set(frame.columns)


def test_followup_list_in_excel_keeps_codes_as_text_and_dates_as_dates(monkeypatch, demo_sqlite):
    """The officers' list opens in Excel with Vietnamese headers, every case, the commune code with its
    leading zeros (a CSV loses them there) and the day as a date."""
    import openpyxl

    from ui import quality_data

    day = planted_day(demo_sqlite)
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        rows = quality.outliers(conn, as_of=day)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    version = quality_data.data.data_version()
    sheet = openpyxl.load_workbook(io.BytesIO(quality_data.followup_xlsx(version, as_of=day, simulated=True)))["Cần kiểm tra"]
    assert sheet["A1"].value == "Số liệu bất thường cần kiểm tra — Dữ liệu mô phỏng"
    assert sheet["A2"].value == f"Số liệu đến ngày {day:%d/%m/%Y}"
    headers = [c.value for c in sheet[4]]
    assert headers == list(quality_data.FOLLOWUP_XLSX_HEADERS.values())
    body = [dict(zip(headers, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=5)]
    assert len(body) == rows.height
    first = body[0]
    assert first["Mã đơn vị"].data_type == "s" and first["Mã đơn vị"].value == rows["unit_code"][0] and len(first["Mã đơn vị"].value) == 5
    assert first["Mã tỉnh"].value == rows["province_code"][0] and first["Ngày"].number_format == "dd/mm/yyyy"
    assert first["Ngày"].value.date() == rows["day"][0] and first["Giá trị"].number_format == "#,##0"
    # The long "what to check" text wraps, and its row is as tall as the lines it takes (not drawn over the next row).
    assert first["Cần kiểm tra"].alignment.wrap_text and sheet.row_dimensions[5].height >= 30


def test_followup_csv_neutralises_formulas():
    from ui import quality_data

    rows = pl.DataFrame(
        {
            "kind": ["spike"],
            "province_code": ["01"],
            "province_name": ["Hà Nội"],
            "district_name": ["Quận Ba Đình"],
            "unit_code": ["00001"],
            "unit_name": ["Phường Phúc Xá"],
            "day": [date(2021, 6, 1)],
            "metric": ["applications_received"],
            "value": [1000],
            "expected": [10.0],
            "limit": [80.0],
            "excess": [920.0],
            "batch_id": [7],
            "submitted_by": ['=HYPERLINK("x")'],
        }
    )
    csv = quality_data.neutralise_formulas(quality_data.followup_export(rows)).write_csv()
    assert "'=HYPERLINK" in csv and "Tăng đột biến trong ngày" in csv and "1000" in csv
