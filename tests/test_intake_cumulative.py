"""Cumulative files convert against the stored cumulative on the day before each row's own date (issue 16,
item 2): after the import, the stored cumulative on every day of the file equals what the file says —
across gaps, over days sent earlier as daily counts, with rows or files out of date order — on SQLite
and PostgreSQL. Mini country (tests/conftest.py) with no reports; commune 00001 is in province 01."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from db.schema import daily_fact, unit_day
from tests.conftest import load_mini_country
from tests.test_intake import HEADER, csv_file, row, run, snapshot

CUMULATIVE_HEADER = HEADER + ["Loại số liệu"]


def day(n: int) -> date:
    return date(2021, 3, n)


@pytest.fixture
def country(empty_engine):
    with empty_engine.begin() as conn:
        load_mini_country(conn)
    return empty_engine


def send_daily(engine, values: dict[int, int], commune="00001"):
    rows = [row(commune=commune, day=day(n).strftime("%d/%m/%Y"), applications=v, delivered=0, collected=0, verified=0) for n, v in values.items()]
    result = run(engine, csv_file(rows), f"ngay-{commune}-{min(values)}.csv")
    assert result.status == "accepted", [p.message() for p in result.problems]


def send_cumulative(engine, values: dict[int, int], commune="00001", district=None, province=None, name=None):
    rows = [
        row(
            commune=commune,
            district=district,
            province=province,
            day=day(n).strftime("%d/%m/%Y"),
            applications=v,
            delivered=0,
            collected=0,
            verified=0,
        )
        + ["lũy kế"]
        for n, v in values.items()
    ]
    return run(engine, csv_file(rows, header=CUMULATIVE_HEADER), name or f"luy-ke-{commune}-{'-'.join(map(str, values))}.csv")


def stored_daily(engine, unit="00001") -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(daily_fact.c.report_date, daily_fact.c.applications_received)
            .where(daily_fact.c.unit_code == unit)
            .order_by(daily_fact.c.report_date)
        ).all()
    return {d.day: v for d, v in rows}


def stored_cumulative(engine, unit, n: int) -> int:
    """The cumulative the dashboard shows for district or province `unit` at the end of day n (the rollup)."""
    with engine.connect() as conn:
        return conn.execute(select(unit_day.c.cum_applications_received).where(unit_day.c.unit_code == unit, unit_day.c.day == day(n))).scalar_one()


def summed_cumulative(engine, unit, n: int) -> int:
    """The same from the facts themselves: every stored daily count up to day n."""
    with engine.connect() as conn:
        return conn.execute(
            select(func.coalesce(func.sum(daily_fact.c.applications_received), 0)).where(
                daily_fact.c.unit_code == unit, daily_fact.c.report_date <= day(n)
            )
        ).scalar_one()


def says(engine, values: dict[int, int], unit="00001", district="001") -> None:
    """After the import the stored cumulative on each day of the file is what the file says, in the facts
    and in the district's rollup (the commune's district has no other reports here)."""
    for n, cumulative in values.items():
        assert summed_cumulative(engine, unit, n) == cumulative, (n, stored_daily(engine, unit))
        assert stored_cumulative(engine, district, n) == cumulative


def test_a_gap_between_the_files_days_is_not_counted_twice(country):
    # The case: 10, 10, 10 stored for 01–03/03; the file says 10 on 01/03 and 50 on 03/03.
    send_daily(country, {1: 10, 2: 10, 3: 10})
    result = send_cumulative(country, {1: 10, 3: 50})
    assert result.status == "accepted", [p.message() for p in result.problems]
    says(country, {1: 10, 3: 50})
    assert stored_daily(country) == {1: 10, 2: 10, 3: 30}  # 02/03 kept, counted once
    assert result.totals["applications_received"] == 10 + 30


def test_over_days_sent_earlier_as_daily_counts(country):
    send_daily(country, {1: 10, 2: 10, 3: 10, 4: 10, 5: 10})
    result = send_cumulative(country, {2: 25, 4: 60})
    assert result.status == "accepted", [p.message() for p in result.problems]
    says(country, {2: 25, 4: 60})
    assert stored_daily(country) == {1: 10, 2: 15, 3: 10, 4: 25, 5: 10}
    assert summed_cumulative(country, "00001", 5) == 70  # a later day keeps its daily count


def test_rows_out_of_date_order_give_the_same_days(country):
    send_daily(country, {1: 10, 2: 10, 3: 10})
    result = send_cumulative(country, {6: 90, 3: 50, 1: 10})
    assert result.status == "accepted", [p.message() for p in result.problems]
    says(country, {1: 10, 3: 50, 6: 90})
    assert stored_daily(country) == {1: 10, 2: 10, 3: 30, 6: 40}


def test_files_out_of_date_order_each_hold_on_their_own_days(country):
    first = send_cumulative(country, {5: 50})
    assert first.status == "accepted"
    says(country, {5: 50})
    # An earlier day comes later: it is right on its own day; 05/03 keeps the daily count it was given
    # (50), so its cumulative now includes the earlier file's 20 — send 05/03 again to restate it.
    earlier = send_cumulative(country, {2: 20})
    assert earlier.status == "accepted"
    says(country, {2: 20})
    assert stored_daily(country) == {2: 20, 5: 50}
    again = send_cumulative(country, {2: 20, 5: 50}, name="luy-ke-lai.csv")
    assert again.status == "accepted"
    says(country, {2: 20, 5: 50})
    assert stored_daily(country) == {2: 20, 5: 30}


def test_a_figure_below_what_the_gap_already_holds_is_refused_and_writes_nothing(country):
    send_daily(country, {1: 10, 2: 10, 3: 10})
    before = snapshot(country)
    result = send_cumulative(country, {1: 10, 3: 15})  # 01/03 = 10 and 02/03 stored 10: 20 before 03/03
    assert result.status == "rejected"
    assert [(p.row, p.column, p.code) for p in result.problems] == [(3, "applications_received", "cumulative_below_stored")]
    assert result.problems[0].message() == (
        "Dòng 3, cột E „Số hồ sơ tiếp nhận“: số lũy kế 15 nhỏ hơn tổng đã báo cáo trước ngày 03/03/2021 (20) — số lũy kế "
        "không được giảm; kiểm tra lại, hoặc gửi dạng „theo ngày“ nếu đây là số trong ngày."
    )
    assert snapshot(country) == before


def test_every_count_of_a_cumulative_file_converts_the_same_way(country):
    rows = [
        ["01/03/2021", "01", "001", "00001", 10, 1, 2, 3],
        ["02/03/2021", "01", "001", "00001", 10, 1, 2, 3],
        ["03/03/2021", "01", "001", "00001", 10, 1, 2, 3],
    ]
    assert run(country, csv_file(rows), "ngay.csv").status == "accepted"
    result = run(
        country,
        csv_file(
            [["01/03/2021", "01", "001", "00001", 10, 1, 2, 3, "lũy kế"], ["03/03/2021", "01", "001", "00001", 50, 5, 8, 9, "lũy kế"]],
            header=CUMULATIVE_HEADER,
        ),
        "lk.csv",
    )
    assert result.status == "accepted", [p.message() for p in result.problems]
    with country.connect() as conn:
        third = conn.execute(select(daily_fact).where(daily_fact.c.unit_code == "00001", daily_fact.c.report_date == day(3))).one()
    # 50 − (10 + 10), 5 − (1 + 1), 8 − (2 + 2), 9 − (3 + 3)
    assert (third.applications_received, third.cards_delivered, third.records_collected, third.records_verified) == (30, 3, 4, 3)


def test_a_district_reported_whole_counts_its_communes_days_in_the_gap(country):
    # District 003 (communes 00004, 00005) reported by commune on 01, 02 and 04/03, as a whole on 03 and 05/03.
    for n in (1, 2, 4):
        send_daily(country, {n: 5}, commune="00004")
        send_daily(country, {n: 5}, commune="00005")
    result = send_cumulative(country, {3: 30, 5: 50}, commune="", district="003", province="03")
    assert result.status == "accepted", [p.message() for p in result.problems]
    assert stored_daily(country, "003") == {3: 10, 5: 10}  # 30 − 20 before; 50 − 30 − 10 on 04/03
    for n, cumulative in {3: 30, 5: 50}.items():
        assert stored_cumulative(country, "003", n) == cumulative


def test_a_month_of_daily_rows_then_its_cumulative_restatement_changes_nothing(country):
    values = {n: 3 * n for n in range(1, 32)}
    send_daily(country, values)
    running, cumulative = 0, {}
    for n, v in values.items():
        running += v
        cumulative[n] = running
    # The same month sent as cumulative figures, every third day only: the stored days stay as they are.
    sparse = {n: c for n, c in cumulative.items() if n % 3 == 0}
    result = send_cumulative(country, sparse)
    assert result.status == "unchanged", [p.message() for p in result.problems]
    assert stored_daily(country) == values
