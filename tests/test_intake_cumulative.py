"""Cumulative files convert against the stored cumulative on the day before each row's own date (issue 16,
item 2): after the import, the stored cumulative on every day of the file equals what the file says —
across gaps, over days sent earlier as daily counts, with rows or files out of date order — on SQLite
and PostgreSQL. Mini country (tests/conftest.py) with no reports; commune 00001 is in province 01."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from db.rollback import rollback
from db.schema import daily_fact, import_batch, unit_day
from intake.summary import figure_lines, restated_line, suspect_line
from tests.conftest import load_mini_country, person
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


def test_a_late_earlier_day_restates_the_later_cumulative_day_so_nothing_is_counted_twice(country):
    first = send_cumulative(country, {5: 50})
    assert first.status == "accepted"
    says(country, {5: 50})
    # 02/03 arrives after 05/03: it holds on its own day, and 05/03 — itself a cumulative report — keeps
    # the 50 it reported: its daily count becomes 50 − 20, so the 20 is not counted twice.
    earlier = send_cumulative(country, {2: 20})
    assert earlier.status == "accepted", [p.message() for p in earlier.problems]
    says(country, {2: 20, 5: 50})
    assert stored_daily(country) == {2: 20, 5: 30}
    assert earlier.restated == [("00001", day(5))]
    assert earlier.totals["applications_received"] == 20  # the file's own days
    assert restated_line(earlier) == (
        "Đã tính lại số theo ngày của 1 ngày báo cáo lũy kế sau tệp, để lũy kế của các ngày đó giữ đúng số đã báo cáo: 00001 ngày 05/03/2021."
    )
    assert restated_line(earlier) in figure_lines(earlier)
    # Sending both days again changes nothing: they already say what the file says.
    again = send_cumulative(country, {2: 20, 5: 50}, name="luy-ke-lai.csv")
    assert again.status == "unchanged"
    assert stored_daily(country) == {2: 20, 5: 30}


def test_only_the_next_later_day_is_restated_and_every_later_cumulative_stays(country):
    assert send_cumulative(country, {5: 50, 7: 70, 9: 75}).status == "accepted"
    result = send_cumulative(country, {1: 5, 3: 25})
    assert result.status == "accepted", [p.message() for p in result.problems]
    assert stored_daily(country) == {1: 5, 3: 20, 5: 25, 7: 20, 9: 5}
    says(country, {1: 5, 3: 25, 5: 50, 7: 70, 9: 75})
    assert result.restated == [("00001", day(5))]


def test_a_later_day_sent_as_daily_counts_keeps_them(country):
    send_daily(country, {5: 50})
    result = send_cumulative(country, {2: 20})
    assert result.status == "accepted"
    assert result.restated == []
    assert stored_daily(country) == {2: 20, 5: 50}  # a daily count says what happened that day


def test_a_late_day_above_the_later_reported_cumulative_is_refused_and_writes_nothing(country):
    assert send_cumulative(country, {5: 50}).status == "accepted"
    before = snapshot(country)
    result = send_cumulative(country, {2: 60})
    assert result.status == "rejected"
    assert [(p.row, p.column, p.code) for p in result.problems] == [(2, "applications_received", "cumulative_above_later")]
    assert result.problems[0].message() == (
        "Dòng 2, cột E „Số hồ sơ tiếp nhận“: số lũy kế 60 ngày 02/03/2021 lớn hơn số lũy kế 50 đã báo cáo ngày 05/03/2021 — số lũy kế "
        "không được giảm; kiểm tra lại số này, hoặc gửi lại cả ngày 05/03/2021 trong cùng tệp."
    )
    assert snapshot(country) == before
    # The same late day sent with 05/03 restated in the same file is taken.
    both = send_cumulative(country, {2: 60, 5: 65})
    assert both.status == "accepted", [p.message() for p in both.problems]
    says(country, {2: 60, 5: 65})


def test_a_late_day_that_would_push_the_later_day_above_the_population_is_refused(country):
    # Commune 00001 has 2.000 people. 02/03 (30) and 05/03 (2.020, so 1.990 that day) are in; 02/03 sent
    # again with 5 would make 05/03's daily count 2.015 — more than the whole commune in one day.
    assert send_cumulative(country, {2: 30, 5: 2020}).status == "accepted"
    before = snapshot(country)
    result = send_cumulative(country, {2: 5})
    assert result.status == "rejected"
    assert [(p.row, p.column, p.code) for p in result.problems] == [(2, "applications_received", "later_too_large")]
    assert result.problems[0].message() == (
        "Dòng 2, cột E „Số hồ sơ tiếp nhận“: với số lũy kế 5 ngày 02/03/2021, số theo ngày của ngày 05/03/2021 (lũy kế 2.020 đã "
        "báo cáo) thành 2.015, nhiều hơn toàn bộ dân số của Xã A1a (2.000 người) — kiểm tra lại số này, hoặc gửi lại cả ngày "
        "05/03/2021 trong cùng tệp."
    )
    assert snapshot(country) == before
    # 25 keeps 05/03 within the population: taken, and 05/03 restated.
    fine = send_cumulative(country, {2: 25})
    assert fine.status == "accepted", [p.message() for p in fine.problems]
    assert stored_daily(country) == {2: 25, 5: 1995}
    says(country, {2: 25, 5: 2020})


def test_the_restated_day_keeps_its_on_time_flag_and_a_rollback_gives_it_back(country):
    on_time = datetime(2021, 3, 5, 9)  # before the 17:00 cut-off of 05/03
    assert send_cumulative_at(country, {5: 50}, on_time).status == "accepted"
    late = send_cumulative_at(country, {2: 20}, datetime(2021, 3, 8, 9))
    assert late.status == "accepted" and late.restated == [("00001", day(5))]
    assert late_flags(country) == {2: True, 5: False}
    with country.connect() as conn:
        assert conn.execute(select(import_batch.c.value_type).where(import_batch.c.id == late.batch_id)).scalar_one() == "cumulative"
    assert rollback(country, late.batch_id, actor=person("Công an tỉnh A")).batch_id
    assert stored_daily(country) == {5: 50}
    assert late_flags(country) == {5: False}
    says(country, {5: 50})


def test_a_district_reported_whole_restates_its_later_day(country):
    assert send_cumulative(country, {5: 50}, commune="", district="003", province="03").status == "accepted"
    result = send_cumulative(country, {3: 30}, commune="", district="003", province="03")
    assert result.status == "accepted", [p.message() for p in result.problems]
    assert result.restated == [("003", day(5))]
    assert stored_daily(country, "003") == {3: 30, 5: 20}
    for n, cumulative in {3: 30, 5: 50}.items():
        assert stored_cumulative(country, "003", n) == cumulative


def test_a_commune_day_of_the_district_in_between_is_not_restated(country):
    # 05/03 of district 003 came as a whole-district cumulative, but a commune of it reported on 04/03:
    # the next thing stored after the late commune day is not the commune's own cumulative report.
    assert send_cumulative(country, {5: 50}, commune="", district="003", province="03").status == "accepted"
    send_daily(country, {4: 5}, commune="00005")
    result = send_cumulative(country, {2: 10}, commune="00004", district="003", province="03")
    assert result.restated == []


def send_cumulative_at(engine, values: dict[int, int], now: datetime, commune="00001"):
    rows = [
        row(commune=commune, day=day(n).strftime("%d/%m/%Y"), applications=v, delivered=0, collected=0, verified=0) + ["lũy kế"]
        for n, v in values.items()
    ]
    return run(engine, csv_file(rows, header=CUMULATIVE_HEADER), f"luy-ke-{commune}-{now:%d%H}.csv", now=now)


def late_flags(engine, unit="00001") -> dict[int, bool]:
    with engine.connect() as conn:
        rows = conn.execute(select(daily_fact.c.report_date, daily_fact.c.late).where(daily_fact.c.unit_code == unit)).all()
    return {d.day: bool(late) for d, late in rows}


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


# --- a cumulative figure typed into a daily file ------------------------------------------------------


def test_a_daily_count_at_or_above_everything_reported_before_is_flagged_as_a_likely_cumulative(country):
    # 30 days of 10 are in (300 in all); a clerk then types the running total 310 as 31/03's daily count.
    send_daily(country, {n: 10 for n in range(1, 31)})
    rows = [row(commune="00001", day="31/03/2021", applications=310, delivered=0, collected=0, verified=0)]
    checked = run(country, csv_file(rows), "ngay-31.csv", dry_run=True)
    assert checked.status == "dry_run" and checked.suspect_cumulative == [(2, "00001", "applications_received", 310, 300)]
    line = suspect_line(checked)
    assert line == (
        "Cảnh báo: 1 dòng có số trong ngày bằng hoặc lớn hơn tất cả những gì đơn vị đã báo cáo trước đó — có phải là số "
        "lũy kế? Dòng 2, 00001, „Số hồ sơ tiếp nhận“: 310 trong ngày, trước đó cộng dồn 300. Nếu đúng là số lũy kế, bật „Số "
        "liệu lũy kế“ (hoặc ghi „lũy kế“ ở cột „Loại số liệu“) rồi gửi lại."
    )
    stored = run(country, csv_file(rows), "ngay-31.csv")
    assert stored.status == "accepted" and stored.suspect_cumulative == checked.suspect_cumulative  # a warning: stored
    assert f"hủy lô #{stored.batch_id}" in suspect_line(stored) and suspect_line(stored) in figure_lines(stored)


def test_an_ordinary_day_or_a_short_history_raises_no_warning(country):
    send_daily(country, {n: 10 for n in range(1, 31)})
    ordinary = run(country, csv_file([row(commune="00001", day="31/03/2021", applications=12, delivered=0, collected=0, verified=0)]), "a.csv")
    assert ordinary.status == "accepted" and ordinary.suspect_cumulative == [] and suspect_line(ordinary) is None
    # A commune with little reported yet (below 200 in all) may well double it in one day.
    send_daily(country, {1: 40, 2: 50}, commune="00002")
    early = run(country, csv_file([row(commune="00002", day="03/03/2021", applications=120, delivered=0, collected=0, verified=0)]), "b.csv")
    assert early.status == "accepted" and early.suspect_cumulative == []
    # A file sent as cumulative is converted, not flagged.
    assert send_cumulative(country, {31: 330}, name="luy-ke-31.csv").suspect_cumulative == []


def test_rolling_back_the_only_report_leaves_a_database_with_no_reports(country):
    # The first file of a new database, rolled back: no period is left, so the dashboard opens on the
    # upload page again ("Chưa có báo cáo nào"), not on a day without reports.
    from tests.test_intake import calendar_end

    first = send_cumulative(country, {5: 50})
    assert calendar_end(country) == day(5)
    rollback(country, first.batch_id, actor=person("Quản trị"))
    assert calendar_end(country) is None
