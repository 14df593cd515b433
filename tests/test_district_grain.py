"""District-level rows (issue 16, item 3) on SQLite and PostgreSQL, expectations hand-computed on the mini
country (tests/conftest.py): province 01 = district 001 = communes 00001 (10 a day) + 00002 (20 a day),
450 applications by 15/06/2021; 02 = 002 = 00003, 520 (no report on 15/06); 03 = 003 = 00004 (30) + 00005
(15), 675. A district-day is reported for the whole district or commune by commune, never both; a
district-level row counts exactly at every level above and as all its district's communes reported."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from sqlalchemy import select

from db import store
from db.engine import make_engine
from db.rollback import rollback
from db.schema import daily_fact, unit_day
from queries import quality
from queries.progress import progress
from tests.chart_support import chart_keys
from tests.conftest import person
from tests.test_intake import csv_file, fact, row, run, snapshot
from tests.conftest import open_page
from tests.test_map_pages import PROVINCE

D16, D17 = date(2021, 6, 16), date(2021, 6, 17)
NEXT_MORNING = datetime(2021, 6, 18, 9, 0)


def district_row(district="001", day="16/06/2021", applications=100, delivered=0, collected=0, verified=0, province=None):
    """A row for the whole district: the commune code left empty."""
    provinces = {"001": "01", "002": "02", "003": "03"}
    return [day, province or provinces[district], district, "", applications, delivered, collected, verified]


def by_code(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["code"]: r for r in frame.iter_rows(named=True)}


def rollup(engine, unit: str, day: date) -> dict:
    with engine.connect() as conn:
        return conn.execute(select(unit_day).where(unit_day.c.unit_code == unit, unit_day.c.day == day)).one()._asdict()


def codes(result) -> list[tuple]:
    return [(p.row, p.column, p.code) for p in result.problems]


# --- accepted, and counted exactly --------------------------------------------------------------------


def test_a_district_level_row_counts_exactly_at_every_level(mini_engine):
    # 16/06: district 001 as a whole (100), district 003 commune by commune (30 + 15); 02 sends nothing.
    result = run(
        mini_engine,
        csv_file([district_row("001", applications=100), row("00004", applications=30), row("00005", applications=15)]),
        now=datetime(2021, 6, 16, 15, 0),
    )
    assert result.status == "accepted", [p.message() for p in result.problems]
    assert fact(mini_engine, "001")["applications_received"] == 100
    assert fact(mini_engine, "00001") is None and fact(mini_engine, "00002") is None
    # The rollup: the district's row is its day's count and stands for its 2 communes.
    a1 = rollup(mini_engine, "001", D16)
    assert (a1["applications_received"], a1["cum_applications_received"], a1["units_reported"], a1["units_expected"]) == (100, 550, 2, 2)
    a = rollup(mini_engine, "01", D16)
    assert (a["cum_applications_received"], a["units_reported"], a["units_on_time"], a["units_expected"]) == (550, 2, 2, 2)
    with mini_engine.connect() as conn:
        args = {"as_of": D16, "metric": "applications_received", "denominator": "eligible"}
        national = progress(conn, level="national", **args).row(0, named=True)
        regions = by_code(progress(conn, level="region", **args))
        provinces = by_code(progress(conn, level="province", **args))
        districts = by_code(progress(conn, level="district", province="01", **args))
    # Nation: 550 + 520 + 675 + 45 = 1,790; Red River Delta (01 + 02) 1,070; Central Highlands (03) 720.
    assert national["cumulative"] == 1790 and national["daily"] == 145
    assert (regions["DBSH"]["cumulative"], regions["TN"]["cumulative"]) == (1070, 720)
    assert (provinces["01"]["cumulative"], provinces["01"]["daily"], provinces["01"]["completeness"]) == (550, 100, 1.0)
    assert provinces["01"]["pace"] == pytest.approx((550 - 270) / 7)  # 09/06: 9 days × 30 = 270
    assert (districts["001"]["cumulative"], districts["001"]["completeness"]) == (550, 1.0)
    # Completeness on 16/06: 2 (001 as a whole) + 2 (003's communes) of 5 communes.
    assert national["completeness"] == pytest.approx(4 / 5)
    assert all(r["reported_at_district"] is False for r in [national, *regions.values(), *provinces.values(), *districts.values()])


def test_rollups_of_district_level_rows_are_the_same_rebuilt_from_scratch(mini_engine):
    run(mini_engine, csv_file([district_row("001", applications=100), row("00004"), row("00005")]))
    run(
        mini_engine,
        csv_file([district_row("001", day="17/06/2021", applications=40), district_row("003", day="17/06/2021", applications=9)]),
        "b.csv",
        now=NEXT_MORNING,
    )
    incremental = snapshot(mini_engine)["rollups"]
    with mini_engine.begin() as conn:
        store.refresh_rollups(conn)  # every province, every day, from the facts
    assert snapshot(mini_engine)["rollups"] == incremental
    assert rollup(mini_engine, "03", D17)["cum_applications_received"] == 675 + 7 + 7 + 9  # row(): 7 applications


def test_completeness_treats_a_district_level_row_as_its_communes_reported(mini_engine):
    # On the last mini day B's commune has not reported; its district reports as a whole, after the cut-off.
    result = run(mini_engine, csv_file([district_row("002", day="15/06/2021", applications=20)]), now=datetime(2021, 6, 15, 19, 0))
    assert result.status == "accepted", [p.message() for p in result.problems]
    with mini_engine.connect() as conn:
        grid = quality.completeness_grid(conn, as_of=date(2021, 6, 15), days=1)
        missing = quality.missing_reports(conn, as_of=date(2021, 6, 15), province="02")
        late = quality.late_reports(conn, as_of=date(2021, 6, 15), province="02")
        communes = by_code(progress(conn, level="commune", province="02", as_of=date(2021, 6, 15)))
    b = grid.filter(pl.col("code") == "02").row(0, named=True)
    assert (b["units_reported"], b["units_on_time"], b["units_expected"], b["completeness"], b["timeliness"]) == (1, 0, 1, 1.0, 0.0)
    assert missing.provinces.height == 0 and missing.units.height == 0
    assert late.select("province_code", "units_late", "units_expected", "minutes_late").rows() == [("02", 1, 1, 120)]
    # The commune view: reported (the district's row), late, and its own counts unknown.
    b1a = communes["00003"]
    assert b1a["reported_at_district"] is True
    assert (b1a["completeness"], b1a["timeliness"], b1a["reporting_incomplete"]) == (1.0, 0.0, False)


def test_commune_views_of_a_district_reported_as_a_whole_say_so_instead_of_zeros(mini_engine):
    run(mini_engine, csv_file([district_row("001", applications=100), row("00004", applications=30), row("00005", applications=15)]))
    with mini_engine.connect() as conn:
        a = by_code(progress(conn, level="commune", district="001", as_of=D16))
        c = by_code(progress(conn, level="commune", province="03", as_of=D16))
        before = by_code(progress(conn, level="commune", district="001", as_of=date(2021, 6, 15)))
    for code in ("00001", "00002"):
        r = a[code]
        assert r["reported_at_district"] is True
        assert [r[k] for k in ("cumulative", "daily", "coverage", "pace", "status", "rank", "projected_completion")] == [None] * 7
        assert r["denominator"] == 1000 and r["completeness"] == 1.0 and r["over_100"] is False
    # Communes reported one by one keep their own numbers and ranks; so do 001's before its district-level day.
    assert [(k, r["cumulative"], r["rank"], r["reported_at_district"]) for k, r in c.items()] == [("00004", 480, 1, False), ("00005", 240, 2, False)]
    assert [(k, r["cumulative"], r["reported_at_district"]) for k, r in sorted(before.items())] == [("00001", 150, False), ("00002", 300, False)]


def test_a_district_partly_reported_as_a_whole_ranks_only_its_other_communes(mini_engine):
    run(mini_engine, csv_file([district_row("003", applications=45)]))
    with mini_engine.connect() as conn:
        frame = progress(conn, level="commune", province="03", as_of=D16)
        nation = progress(conn, level="national", as_of=D16).row(0, named=True)
    assert frame["rank"].to_list() == [None, None] and frame["reported_at_district"].to_list() == [True, True]
    assert nation["cumulative"] == 450 + 520 + 675 + 45


# --- refused: the same district-day at both grains ----------------------------------------------------


def test_a_file_reporting_a_district_day_at_both_grains_is_refused(mini_engine):
    before = snapshot(mini_engine)
    data = csv_file([row("00001"), district_row("001", applications=100), row("00002", applications=8), row("00004")])
    result = run(mini_engine, data)
    assert result.status == "rejected"
    assert codes(result) == [(3, "commune_code", "grain_mixed")]
    problem = result.problems[0]
    assert problem.letter == "D"
    assert "Huyện A1" in problem.detail_vi and "dòng 2, 4" in problem.detail_vi and "tính trùng" in problem.detail_vi
    assert "row(s) 2, 4" in problem.detail_en and "counted twice" in problem.detail_en
    assert snapshot(mini_engine) == before  # nothing written
    # The same district on different days of a daily file is fine: 16/06 as a whole, 17/06 commune by commune.
    ok = run(mini_engine, csv_file([district_row("001"), row("00001", day="17/06/2021"), row("00002", day="17/06/2021")]), now=NEXT_MORNING)
    assert ok.status == "accepted", [p.message() for p in ok.problems]
    assert rollup(mini_engine, "01", D17)["cum_applications_received"] == 450 + 100 + 7 + 7


def test_a_later_file_at_the_other_grain_is_refused_naming_the_batch(mini_engine):
    # The mini country's 15/06 is stored commune by commune: a whole-district row for it would double count.
    before = snapshot(mini_engine)
    refused = run(mini_engine, csv_file([district_row("001", day="15/06/2021", applications=30)]))
    assert codes(refused) == [(2, "commune_code", "grain_stored_communes")]
    with mini_engine.connect() as conn:
        batch = conn.execute(
            select(daily_fact.c.batch_id).where(daily_fact.c.unit_code == "00001", daily_fact.c.report_date == date(2021, 6, 15))
        ).scalar_one()
    assert f"2 xã, lô #{batch}" in refused.problems[0].detail_vi and "rollback" in refused.problems[0].detail_vi
    assert snapshot(mini_engine) == before
    # 16/06 stored as a whole district; then commune rows for it are refused (dry run too), once per district-day.
    first = run(mini_engine, csv_file([district_row("001")]))
    assert first.status == "accepted"
    later = csv_file([row("00004"), row("00001", applications=3), row("00002", applications=4)])
    for dry_run in (True, False):
        result = run(mini_engine, later, "later.csv", dry_run=dry_run)
        assert codes(result) == [(3, "commune_code", "grain_stored_district")]
        assert f"lô #{first.batch_id}" in result.problems[0].detail_vi and "cả huyện" in result.problems[0].detail_vi
    # Once that batch is rolled back, the day can come commune by commune.
    rollback(mini_engine, first.batch_id, actor=person("C06"))
    accepted = run(mini_engine, later, "later.csv")
    assert accepted.status == "accepted", [p.message() for p in accepted.problems]
    assert rollup(mini_engine, "01", D16)["cum_applications_received"] == 450 + 3 + 4
    assert rollup(mini_engine, "001", D16)["units_reported"] == 2


def test_correcting_a_district_level_row_with_another_is_accepted(mini_engine):
    run(mini_engine, csv_file([district_row("001", applications=100)]))
    corrected = run(mini_engine, csv_file([district_row("001", applications=90)]), "sua.csv")
    assert corrected.status == "accepted" and corrected.rows_replaced == 1
    assert rollup(mini_engine, "01", D16)["cum_applications_received"] == 540


# --- cumulative files ---------------------------------------------------------------------------------


def test_a_cumulative_district_row_is_compared_with_all_its_district_reported(mini_engine):
    # Commune by commune until 15/06 (450 applications and 30 records verified for district 001), then
    # cumulative for the whole district.
    data = csv_file([district_row("001", applications=550, verified=30), district_row("001", day="17/06/2021", applications=580, verified=32)])
    result = run(mini_engine, data, cumulative=True, now=NEXT_MORNING)
    assert result.status == "accepted", [p.message() for p in result.problems]
    assert fact(mini_engine, "001")["applications_received"] == 100
    assert fact(mini_engine, "001", D17)["applications_received"] == 30
    assert (fact(mini_engine, "001")["records_verified"], fact(mini_engine, "001", D17)["records_verified"]) == (0, 2)
    assert rollup(mini_engine, "01", D17)["cum_applications_received"] == 580
    # Below what the communes already sent is a decrease, said as such.
    low = run(mini_engine, csv_file([district_row("003", applications=600, verified=30)]), "c.csv", cumulative=True)
    assert codes(low) == [(2, "applications_received", "cumulative_below_stored")]


def test_cumulative_commune_rows_after_district_level_reports_are_refused(mini_engine):
    run(mini_engine, csv_file([district_row("001", applications=100)]))
    before = snapshot(mini_engine)
    result = run(
        mini_engine,
        csv_file([row("00001", day="17/06/2021", applications=300), row("00002", day="17/06/2021", applications=400)]),
        "luy-ke.csv",
        cumulative=True,
        now=NEXT_MORNING,
    )
    assert codes(result) == [(2, "commune_code", "grain_cumulative_after_district")]
    assert "16/06/2021" in result.problems[0].detail_vi
    assert snapshot(mini_engine) == before
    # Daily commune counts for that later day are fine (no conversion needed).
    daily = run(mini_engine, csv_file([row("00001", day="17/06/2021"), row("00002", day="17/06/2021")]), "ngay.csv", now=NEXT_MORNING)
    assert daily.status == "accepted", [p.message() for p in daily.problems]


def test_a_cumulative_file_keeps_one_grain_per_district(mini_engine):
    data = csv_file([row("00001", applications=160), row("00002", applications=320), district_row("001", day="17/06/2021", applications=500)])
    result = run(mini_engine, data, cumulative=True, now=NEXT_MORNING)
    assert codes(result) == [(4, "commune_code", "grain_switch_cumulative")]
    assert "dòng 2, 3" in result.problems[0].detail_vi


# --- quality checks at district grain -----------------------------------------------------------------


def test_impossible_cumulatives_judge_a_district_with_its_communes(mini_engine):
    # 450 applications came commune by commune; 100 cards are delivered on a district-level row: possible.
    run(mini_engine, csv_file([district_row("001", applications=0, delivered=100)]))
    with mini_engine.connect() as conn:
        totals = quality.cumulative_totals(conn, as_of=D16)
        flagged = quality.impossible_cumulatives(totals, as_of=D16)
    assert by_code(totals.rename({"unit_code": "code"}))["001"]["applications_received"] == 450
    assert "00001" not in totals["unit_code"].to_list()
    assert flagged.height == 0
    # Delivering more than the district as a whole received is flagged, on the district.
    run(mini_engine, csv_file([district_row("001", applications=0, delivered=500)]), "sua.csv")
    with mini_engine.connect() as conn:
        flagged = quality.impossible_cumulatives(quality.cumulative_totals(conn, as_of=D16), as_of=D16)
    assert flagged.select("unit_code", "kind", "value", "limit").rows() == [("001", "delivered_over_received", 500, 450)]


# --- the commune view on the province page (AppTest) -----------------------------------------------------


@pytest.fixture
def district_grain_sqlite(demo_sqlite, tmp_path) -> str:
    """The small simulated data set with Đà Nẵng's Quận Liên Chiểu (490) reporting as a whole district on
    every day: its communes' facts summed per day into one district row each, written as one new batch
    through the store (so the app's data version changes too)."""
    import shutil

    path = tmp_path / "grain.sqlite"
    shutil.copy(make_engine(demo_sqlite).url.database, path)
    engine = make_engine(f"sqlite:///{path}")
    from db.schema import COUNT_COLUMNS, admin_unit

    with engine.begin() as conn:
        communes = [c for (c,) in conn.execute(select(admin_unit.c.code).where(admin_unit.c.district_code == "490", admin_unit.c.level == "commune"))]
        rows = conn.execute(select(daily_fact).where(daily_fact.c.unit_code.in_(communes))).all()
        frame = pl.DataFrame([r._asdict() for r in rows])
        whole = (
            frame.group_by("report_date")
            .agg(pl.col(c).sum() for c in COUNT_COLUMNS)
            .with_columns(pl.lit("490").alias("unit_code"), pl.lit(0).alias("batch_index"))
        )
        conn.execute(daily_fact.delete().where(daily_fact.c.unit_code.in_(communes)))
        store.write_reports(conn, whole, [store.BatchMeta("cli", "lien-chieu.csv", "test", datetime(2021, 12, 31, 12), "48")])
    engine.dispose()
    return f"sqlite:///{path}"


def test_province_page_says_reported_at_district_level_for_such_communes(monkeypatch, demo_sqlite, district_grain_sqlite):
    as_of = date(2021, 6, 15)
    with make_engine(demo_sqlite).connect() as conn:
        original = by_code(progress(conn, level="district", province="48", as_of=as_of))["490"]
    with make_engine(district_grain_sqlite).connect() as conn:
        regrained = by_code(progress(conn, level="district", province="48", as_of=as_of))["490"]
    # The district's own numbers are the same whichever grain they came at.
    assert [regrained[k] for k in ("cumulative", "cumulative_7d_ago", "completeness")] == [
        original[k] for k in ("cumulative", "cumulative_7d_ago", "completeness")
    ]

    at = open_page(monkeypatch, district_grain_sqlite, PROVINCE, as_of="2021-06-15", province="48")
    at.selectbox(key="district_48").set_value("490").run()
    assert not at.exception
    assert [s.value for s in at.subheader][-1] == "5 xã/phường/thị trấn của Quận Liên Chiểu"
    assert any("báo cáo theo huyện" in i.value and "5 xã/phường/thị trấn" in i.value for i in at.info)
    table = at.dataframe[-1].value
    assert len(table) == 5 and set(table["Số liệu"]) == {"báo cáo theo huyện"}
    assert chart_keys(at) == ["province_trend", "district_bars"]  # no bars of zeros for the communes
    # Another district of the province still shows its communes ranked, with their bars.
    at.selectbox(key="district_48").set_value("491").run()
    assert not at.exception and not any("báo cáo theo huyện" in i.value for i in at.info)
    assert chart_keys(at)[-1] == "commune_bars"
    assert at.dataframe[-1].value["rank"].min() == 1


def test_the_template_tells_officers_the_district_level_rule():
    import io

    import openpyxl

    from intake.spec import FIELD
    from intake.template import template_xlsx

    notes = " ".join(str(c.value) for c in openpyxl.load_workbook(io.BytesIO(template_xlsx()))["Hướng dẫn"]["A"] if c.value)
    assert "Báo cáo theo huyện: để trống ô Mã xã" in notes and "không cả hai" in notes
    assert "cho cả huyện" in FIELD["commune_code"].todo_vi and "whole district" in FIELD["commune_code"].todo_en
