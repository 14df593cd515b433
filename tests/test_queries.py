"""Metrics of BRIEF §3 on the hand-made mini country, on SQLite and PostgreSQL; expectations computed by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from db import store
from db.schema import daily_fact, fact_history
from queries.progress import progress
from queries.trend import trend
from tests.conftest import MINI_END, mini_reports

AS_OF = MINI_END  # 15/06/2021: 16 days before the deadline of 01/07/2021


def by_code(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["code"]: row for row in frame.iter_rows(named=True)}


def test_province_progress_against_eligible_population(mini_engine):
    with mini_engine.connect() as conn:
        rows = by_code(progress(conn, level="province", as_of=AS_OF, metric="applications_received", denominator="eligible"))
    a, b, c = rows["01"], rows["02"], rows["03"]
    # A: 10 + 20 a day for 15 days = 450 of 2,000 eligible; 7 days earlier (08/06): 8 days = 240.
    assert (a["cumulative"], a["cumulative_7d_ago"], a["denominator"]) == (450, 240, 2000)
    assert a["coverage"] == pytest.approx(0.225)
    assert a["pace"] == pytest.approx(30.0)  # (450 - 240) / 7
    assert a["days_left"] == 16
    assert a["required_daily_rate"] == pytest.approx(1550 / 16)  # 96.875 a day
    assert a["status"] == "off_track"  # 30 < 0.8 × 96.875
    assert a["projected_completion"] == date(2021, 8, 6)  # ceil(1550 / 30) = 52 days after 15/06
    # B: 8 days × 50 + 6 days × 20 = 520 (no report on 15/06); 7 days earlier 400.
    assert (b["cumulative"], b["cumulative_7d_ago"]) == (520, 400)
    assert b["pace"] == pytest.approx(120 / 7)
    assert b["reporting_incomplete"] is True and b["completeness"] == 0.0
    # C: 45 a day for 15 days = 675; required (1000 - 675) / 16 = 20.3125 ≤ pace 45.
    assert c["cumulative"] == 675 and c["pace"] == pytest.approx(45.0)
    assert c["status"] == "on_track" and c["projected_completion"] == date(2021, 6, 23)  # ceil(325/45) = 8
    # Ranks: C 67.5%, B 52%, A 22.5%; a week earlier B 40% led C 36%: C up one, B down one.
    assert [(r["code"], r["rank"], r["rank_7d_ago"], r["rank_change"]) for r in rows.values()] == [("03", 1, 2, 1), ("02", 2, 1, -1), ("01", 3, 3, 0)]


def test_province_progress_against_target(mini_engine):
    with mini_engine.connect() as conn:
        rows = by_code(progress(conn, level="province", as_of=AS_OF, metric="applications_received", denominator="target"))
    a, b, c = rows["01"], rows["02"], rows["03"]
    assert a["coverage"] == pytest.approx(450 / 400) and a["over_100"] is True
    assert a["status"] == "achieved" and a["required_daily_rate"] == 0 and a["projected_completion"] is None
    assert b["required_daily_rate"] == pytest.approx(80 / 16) and b["status"] == "on_track"
    # C: (1400 - 675) / 16 = 45.3125 a day needed, pace 45 ≥ 80% of it → at risk.
    assert c["required_daily_rate"] == pytest.approx(45.3125) and c["status"] == "at_risk"
    assert [r["code"] for r in rows.values()] == ["01", "02", "03"]


def test_national_region_district_commune_levels(mini_engine):
    with mini_engine.connect() as conn:
        nation = progress(conn, level="national", as_of=AS_OF).row(0, named=True)
        regions = by_code(progress(conn, level="region", as_of=AS_OF))
        districts = by_code(progress(conn, level="district", as_of=AS_OF, province="01"))
        communes = by_code(progress(conn, level="commune", as_of=AS_OF, district="001"))
    assert (nation["cumulative"], nation["cumulative_7d_ago"], nation["denominator"]) == (1645, 1000, 4000)
    assert nation["pace"] == pytest.approx(645 / 7)
    assert nation["completeness"] == pytest.approx(4 / 5)  # B's one commune did not report
    assert nation["timeliness"] == pytest.approx(2 / 5)  # C's report came at 18:30
    assert regions["DBSH"]["cumulative"] == 970 and regions["TN"]["cumulative"] == 675
    assert regions["TN"]["rank"] == 1 and regions["DBSH"]["coverage"] == pytest.approx(970 / 3000)
    assert list(districts) == ["001"] and districts["001"]["cumulative"] == 450
    assert communes["00002"]["cumulative"] == 300 and communes["00002"]["rank"] == 1
    assert communes["00001"]["coverage"] == pytest.approx(0.15) and communes["00001"]["pace"] == pytest.approx(10.0)


def test_as_of_before_any_report_and_after_the_last_day(mini_engine):
    with mini_engine.connect() as conn:
        early = by_code(progress(conn, level="province", as_of=date(2021, 6, 3)))
        late = progress(conn, level="national", as_of=date(2022, 1, 1)).row(0, named=True)
    # 03/06: 3 days of A = 90; 7 days earlier is before the first report → 0, pace 90/7.
    assert early["01"]["cumulative"] == 90 and early["01"]["pace"] == pytest.approx(90 / 7)
    assert early["01"]["rank_change"] is None and early["03"]["rank_7d_ago"] is None  # no week of history yet
    assert late["as_of"] == MINI_END and late["cumulative"] == 1645


def test_reimport_changes_nothing_and_a_correction_keeps_history(mini_engine):
    with mini_engine.begin() as conn:
        facts, batches = mini_reports()
        summary = store.write_reports(conn, facts, batches)
        assert summary.rows_replaced == facts.height
    with mini_engine.connect() as conn:
        assert progress(conn, level="national", as_of=AS_OF)["cumulative"][0] == 1645
    correction = pl.DataFrame(
        [
            {
                "batch_index": 0,
                "unit_code": "00001",
                "report_date": date(2021, 6, 10),
                "applications_received": 110,
                "cards_produced": None,
                "cards_delivered": 0,
                "records_collected": 0,
                "records_verified": 1,
            }
        ]
    )
    with mini_engine.begin() as conn:
        store.write_reports(conn, correction, [store.BatchMeta("cli", "fix.csv", "officer", date(2021, 6, 16), "01")])
    with mini_engine.connect() as conn:
        assert progress(conn, level="national", as_of=AS_OF)["cumulative"][0] == 1745  # 10 → 110 on one day
        old = (
            conn.execute(
                select(fact_history.c.applications_received).where(
                    fact_history.c.unit_code == "00001", fact_history.c.report_date == date(2021, 6, 10)
                )
            )
            .scalars()
            .all()
        )
        assert 10 in old
        assert conn.execute(select(func.count()).select_from(daily_fact)).scalar_one() == 74  # 5 × 15 − 1 missing


def test_a_failed_write_leaves_nothing(mini_engine):
    bad = pl.DataFrame(
        [
            {
                "batch_index": 0,
                "unit_code": "00001",
                "report_date": date(2021, 6, 20),
                "applications_received": 5,
                "cards_produced": None,
                "cards_delivered": 0,
                "records_collected": 0,
                "records_verified": None,
            }
        ]
    )
    with pytest.raises(IntegrityError):  # records_verified may not be null
        with mini_engine.begin() as conn:
            store.write_reports(conn, bad, [store.BatchMeta("cli", "bad.csv", "officer", date(2021, 6, 20), "01")])
    with mini_engine.connect() as conn:
        assert progress(conn, level="national", as_of=date(2021, 6, 30))["as_of"][0] == MINI_END
        assert conn.execute(select(func.count()).select_from(daily_fact)).scalar_one() == 74


def test_trend_and_trajectory(mini_engine):
    with mini_engine.connect() as conn:
        frame = trend(conn, metric="applications_received", denominator="target")
    assert frame.height == 15 and frame["cumulative"][-1] == 1645 and frame["daily"][0] == 10 + 20 + 50 + 30 + 15
    # Goal 2,400 (400 + 600 + 1,400) on a straight line from 01/01/2021 (0) to 01/07/2021 (181 days).
    assert frame["goal"][0] == 2400
    assert frame["trajectory"][0] == pytest.approx(2400 * 151 / 181)


def test_most_at_risk_orders_by_pace_against_required(mini_engine):
    from queries.rankings import most_at_risk, province_rankings

    with mini_engine.connect() as conn:
        eligible = province_rankings(conn, as_of=AS_OF, metric="applications_received", denominator="eligible")
        target = province_rankings(conn, as_of=AS_OF, metric="applications_received", denominator="target")
    # Eligible goal: A 30/96.875 = 0.31, B (120/7)/30 = 0.57, C 45/20.3 = 2.2 (on track, still not achieved).
    assert most_at_risk(eligible)["code"].to_list() == ["01", "02", "03"]
    # Target goal: A has achieved it and is left out; C 45/45.3 = 0.99 before B (120/7)/5 = 3.4.
    assert most_at_risk(target, n=5)["code"].to_list() == ["03", "02"]
    assert eligible["region_name"].to_list() == ["Tây Nguyên", "Đồng bằng sông Hồng", "Đồng bằng sông Hồng"]


def _report_16_06(engine, communes: list[tuple[str, str]]) -> None:
    """Reports for 16/06 (one day after the mini country's last) of `communes`: (commune code, province code)."""
    from datetime import datetime

    provinces = sorted({p for _, p in communes})
    batches = [
        store.BatchMeta(kind="cli", source_name=f"{p}-16-06.csv", submitted_by="test", received_at=datetime(2021, 6, 16, 9), province_code=p)
        for p in provinces
    ]
    rows = [
        {
            "batch_index": provinces.index(p),
            "unit_code": c,
            "report_date": date(2021, 6, 16),
            "applications_received": 5,
            "cards_produced": None,
            "cards_delivered": 0,
            "records_collected": 0,
            "records_verified": 0,
        }
        for c, p in communes
    ]
    with engine.begin() as conn:
        store.write_reports(conn, pl.DataFrame(rows), batches)


def test_the_pages_open_on_the_newest_day_most_communes_have_reported(mini_engine):
    """Settled day = newest day with ≥ half of the communes expected reported (5 communes in the mini
    country; 15/06: 4 of 5 reported). A morning's first report makes 16/06 the newest day, not the default."""
    from queries.dataset import dataset_info_of

    with mini_engine.connect() as conn:
        info = dataset_info_of(conn)
    assert (info.last_day, info.settled_day, info.last_day_reported, info.last_day_expected) == (MINI_END, MINI_END, 4, 5)
    _report_16_06(mini_engine, [("00001", "01"), ("00002", "01")])  # 2 of 5: still arriving
    with mini_engine.connect() as conn:
        info = dataset_info_of(conn)
    assert (info.last_day, info.settled_day, info.last_day_completeness) == (date(2021, 6, 16), MINI_END, pytest.approx(2 / 5))
    assert (info.last_day_reported, info.last_day_expected) == (2, 5)
    _report_16_06(mini_engine, [("00004", "03")])  # 3 of 5: settled
    with mini_engine.connect() as conn:
        info = dataset_info_of(conn)
    assert (info.last_day, info.settled_day, info.last_day_completeness) == (date(2021, 6, 16), date(2021, 6, 16), pytest.approx(3 / 5))
