"""The write path's incremental rollup refresh gives exactly what a full recompute gives."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import select

from db import store
from db.schema import unit_day
from tests.conftest import MINI_END


def rollup(conn) -> pl.DataFrame:
    result = conn.execute(select(unit_day).order_by(unit_day.c.unit_code, unit_day.c.day))
    return pl.DataFrame([tuple(r) for r in result], schema=list(result.keys()), orient="row")


def correction(day: date, values: dict[str, int], hour: int = 20) -> tuple[pl.DataFrame, list[store.BatchMeta]]:
    rows = [
        {
            "batch_index": 0,
            "unit_code": code,
            "report_date": day,
            "applications_received": value,
            "cards_produced": None,
            "cards_delivered": 0,
            "records_collected": 0,
            "records_verified": 1,
        }
        for code, value in values.items()
    ]
    meta = store.BatchMeta(
        kind="cli", source_name="fix.csv", submitted_by="test", received_at=datetime.combine(day, datetime.min.time()).replace(hour=hour)
    )
    return pl.DataFrame(rows), [meta]


def test_a_mid_period_correction_refreshes_only_later_days_and_matches_a_full_recompute(mini_engine):
    with mini_engine.begin() as conn:
        before = rollup(conn)
        facts, batches = correction(date(2021, 6, 10), {"00004": 100, "00001": 0})
        store.write_reports(conn, facts, batches)
        incremental = rollup(conn)
        store.refresh_rollups(conn, None)
        full = rollup(conn)
    assert incremental.equals(full)
    # Days before the correction are untouched; from it on, C's running total grew by 100 − 30 = 70.
    early = pl.col("day") < date(2021, 6, 10)
    assert incremental.filter(early).equals(before.filter(early))
    c_last = incremental.filter((pl.col("unit_code") == "03") & (pl.col("day") == MINI_END))
    assert c_last["cum_applications_received"][0] == 675 + 70


def test_a_report_for_a_new_day_extends_the_rollup_like_a_full_recompute(mini_engine):
    with mini_engine.begin() as conn:
        facts, batches = correction(date(2021, 6, 17), {"00002": 7}, hour=9)
        store.write_reports(conn, facts, batches)
        incremental = rollup(conn)
        store.refresh_rollups(conn, None)
        full = rollup(conn)
    assert incremental.equals(full)
    a = incremental.filter(pl.col("unit_code") == "01").sort("day")
    # 16/06 carried forward with no reports, 17/06 adds 7.
    assert a.filter(pl.col("day") == date(2021, 6, 16))["cum_applications_received"][0] == 450
    assert a.filter(pl.col("day") == date(2021, 6, 17))["cum_applications_received"][0] == 457
