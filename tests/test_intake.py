"""Report intake on SQLite and PostgreSQL: every check names row, column and remedy and writes nothing;
accepted files land exactly once, corrections keep history, rollbacks restore, concurrency and lost
connections leave nothing partial. Expectations are hand-computed on the mini country (tests/conftest.py):
province 01 = communes 00001 (10/day) + 00002 (20/day), 450 applications by 15/06/2021."""

from __future__ import annotations

import hashlib
import io
import threading
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cli import app
from db import store
from db.engine import make_engine
from db.schema import admin_unit, calendar, daily_fact, fact_history, import_batch, unit_day
from db.rollback import RollbackError, rollback
from intake import batches
from intake.batches import list_batches
from queries.dataset import dataset_info_of
from intake.load import import_report
from intake.read import OLE_MAGIC, read_table
from intake.spec import FIELDS
from intake.template import template_xlsx
from tests.conftest import MINI_END, cli_account, load_mini_country, migrated_engine, mini_reports, person

NOW = datetime(2021, 6, 17, 9, 0)  # the morning after 16/06/2021
D16 = date(2021, 6, 16)
HEADER = [
    "Ngày báo cáo",
    "Mã tỉnh",
    "Mã huyện",
    "Mã xã",
    "Số hồ sơ tiếp nhận",
    "Số thẻ đã trả cho công dân",
    "Số phiếu thu thập thông tin dân cư",
    "Số bản ghi đã cập nhật vào CSDL",
]  # A..H; applications = E
UNITS = {"00001": ("01", "001"), "00002": ("01", "001"), "00003": ("02", "002"), "00004": ("03", "003"), "00005": ("03", "003")}


def row(commune="00001", day="16/06/2021", applications=7, delivered=1, collected=2, verified=3, province=None, district=None):
    p, d = UNITS.get(commune, ("01", "001"))
    return [
        day,
        province if province is not None else p,
        district if district is not None else d,
        commune,
        applications,
        delivered,
        collected,
        verified,
    ]


def csv_file(rows, header=HEADER, sep=",", bom=False) -> bytes:
    lines = [sep.join(header)] + [sep.join("" if v is None else str(v) for v in r) for r in rows]
    return (("\ufeff" if bom else "") + "\n".join(lines) + "\n").encode("utf-8")


def xlsx_file(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(engine, data, name="bao-cao.csv", **kwargs):
    kwargs.setdefault("actor", person("Công an tỉnh A"))
    kwargs.setdefault("now", NOW)
    return import_report(engine, data, name, **kwargs)


def snapshot(engine) -> dict:
    """Everything an import or rollback may touch, to prove that nothing changed."""
    with engine.connect() as conn:

        def rows(table, *order):
            return [tuple(r) for r in conn.execute(select(table).order_by(*order))]

        return {
            "facts": rows(daily_fact, daily_fact.c.unit_code, daily_fact.c.report_date),
            "history": rows(fact_history, fact_history.c.id),
            "batches": rows(import_batch, import_batch.c.id),
            "rollups": rows(unit_day, unit_day.c.unit_code, unit_day.c.day),
            "calendar": rows(calendar, calendar.c.day),
        }


def fact(engine, unit, day=D16):
    with engine.connect() as conn:
        found = conn.execute(select(daily_fact).where(daily_fact.c.unit_code == unit, daily_fact.c.report_date == day)).first()
    return None if found is None else found._asdict()


def cumulative(engine, unit, day=D16, metric="applications_received"):
    with engine.connect() as conn:
        return conn.execute(select(unit_day.c[f"cum_{metric}"]).where(unit_day.c.unit_code == unit, unit_day.c.day == day)).scalar_one()


def history(engine, unit, day=D16):
    """Replaced values with who sent them, who replaced them and when."""
    old, new = import_batch.alias("old"), import_batch.alias("new")
    stmt = (
        select(
            fact_history.c.applications_received,
            fact_history.c.batch_id,
            old.c.submitted_by,
            fact_history.c.replaced_by_batch_id,
            new.c.submitted_by.label("replaced_by"),
            fact_history.c.replaced_at,
        )
        .join(old, old.c.id == fact_history.c.batch_id)
        .join(new, new.c.id == fact_history.c.replaced_by_batch_id)
        .where(fact_history.c.unit_code == unit, fact_history.c.report_date == day)
        .order_by(fact_history.c.id)
    )
    with engine.connect() as conn:
        return [r._asdict() for r in conn.execute(stmt)]


# --- rejections: one file per check, on a shared mini country per backend (a rejection writes nothing) ---


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_mini(request, tmp_path_factory):
    with migrated_engine(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        with engine.begin() as conn:
            load_mini_country(conn)
            facts, batch_meta = mini_reports()
            store.write_reports(conn, facts, batch_meta)
        yield engine


def _six_rows(bad):
    """Five good rows (rows 2-6) then `bad` on row 7."""
    return csv_file([row(c) for c in UNITS] + [bad])


OK2 = row("00002", applications=8)
REJECTIONS = {
    # id: (file bytes, file name, import options, expected row, column, problem code)
    "unreadable": (b"PK\x03\x04this is not a workbook", "bao-cao.xlsx", {}, None, None, "file_unreadable"),
    "wrong type": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "bao-cao.pdf", {}, None, None, "file_type"),
    "old xls": (OLE_MAGIC + b"\x00" * 100, "bao-cao.xls", {}, None, None, "file_xls"),
    "not utf-8": (csv_file([row()]).decode().encode("cp1258", errors="replace"), "bao-cao.csv", {}, None, None, "file_encoding"),
    "empty": (b"", "bao-cao.csv", {}, None, None, "file_empty"),
    "blank lines only": (b"\n\n \n", "bao-cao.csv", {}, None, None, "file_empty"),
    "header only": (csv_file([]), "bao-cao.csv", {}, None, None, "header_only"),
    "missing column": (csv_file([r[:2] + r[3:] for r in [row()]], header=HEADER[:2] + HEADER[3:]), "x.csv", {}, 1, "district_code", "missing_column"),
    "unknown column": (csv_file([row() + ["x"]], header=HEADER + ["Ghi chú"]), "x.csv", {}, 1, "Ghi chú", "unknown_column"),
    "duplicate column": (
        csv_file([row() + ["7"]], header=HEADER + ["applications_received"]),
        "x.csv",
        {},
        1,
        "applications_received",
        "duplicate_column",
    ),
    "unnamed column": (csv_file([row() + ["7"]], header=HEADER + [""]), "x.csv", {}, 1, None, "unnamed_column"),
    "impossible date": (csv_file([OK2, row(day="31/02/2021")]), "x.csv", {}, 3, "report_date", "date_format"),
    "not a date": (csv_file([OK2, row(day="hôm qua")]), "x.csv", {}, 3, "report_date", "date_format"),
    "future date": (csv_file([OK2, row(day="18/06/2021")]), "x.csv", {}, 3, "report_date", "date_future"),
    "before the period": (csv_file([OK2, row(day="16/06/2019")]), "x.csv", {}, 3, "report_date", "date_too_early"),
    "empty date": (csv_file([OK2, row(day="")]), "x.csv", {}, 3, "report_date", "required"),
    "unknown province": (csv_file([OK2, row(province="99")]), "x.csv", {}, 3, "province_code", "unknown_province"),
    "unknown district": (csv_file([OK2, row(district="999")]), "x.csv", {}, 3, "district_code", "unknown_district"),
    "unknown commune": (csv_file([OK2, row("99999")]), "x.csv", {}, 3, "commune_code", "unknown_commune"),
    "malformed code": (csv_file([OK2, row("1234567")]), "x.csv", {}, 3, "commune_code", "code_format"),
    "district not in province": (csv_file([OK2, row(province="02")]), "x.csv", {}, 3, "district_code", "district_not_in_province"),
    "commune not in district": (
        csv_file([OK2, row("00003", province="01", district="001")]),
        "x.csv",
        {},
        3,
        "commune_code",
        "commune_not_in_district",
    ),
    "a district-day both as a whole and by commune": (csv_file([OK2, row("")]), "x.csv", {}, 3, "commune_code", "grain_mixed"),
    "a district-day stored by commune sent as a whole": (
        csv_file([row("", day="15/06/2021")]),
        "x.csv",
        {},
        2,
        "commune_code",
        "grain_stored_communes",
    ),
    "negative": (_six_rows(row("00001", day="17/06/2021", applications=-3)), "x.csv", {}, 7, "applications_received", "negative"),
    "fraction": (csv_file([OK2, row(applications="2.5")]), "x.csv", {}, 3, "applications_received", "fractional"),
    "non-numeric": (csv_file([OK2, row(delivered="mười")]), "x.csv", {}, 3, "cards_delivered", "not_numeric"),
    "formula": (csv_file([OK2, row(verified="=1+2")]), "x.csv", {}, 3, "records_verified", "not_numeric"),
    "empty count": (csv_file([OK2, row(collected="")]), "x.csv", {}, 3, "records_collected", "required"),
    "more than the population in a day": (csv_file([OK2, row(applications=2001)]), "x.csv", {}, 3, "applications_received", "too_large"),
    "duplicate unit-day": (csv_file([row(), OK2, row(day="2021-06-16", applications=9)]), "x.csv", {}, 4, "commune_code", "duplicate_row"),
    "cumulative decreases in the file": (
        csv_file([row(applications=157), row(day="17/06/2021", applications=155)]),
        "x.csv",
        {"cumulative": True},
        3,
        "applications_received",
        "cumulative_decrease",
    ),
    "cumulative below what is stored": (
        csv_file([row(applications=140)]),
        "x.csv",
        {"cumulative": True},
        2,
        "applications_received",
        "cumulative_below_stored",
    ),
    "cumulative jump above the population": (
        csv_file([row(applications=150 + 2001)]),
        "x.csv",
        {"cumulative": True},
        2,
        "applications_received",
        "too_large_cumulative",
    ),
    "mixed value types": (
        csv_file([row() + ["theo ngày"], row("00002") + ["lũy kế"]], header=HEADER + ["Loại số liệu"]),
        "x.csv",
        {},
        3,
        "value_type",
        "value_type_mixed",
    ),
    "daily rows in a cumulative import": (
        csv_file([row(applications=157) + ["theo ngày"]], header=HEADER + ["Loại số liệu"]),
        "x.csv",
        {"cumulative": True},
        2,
        "value_type",
        "value_type_conflict",
    ),
    "unknown value type": (csv_file([row() + ["tuần"]], header=HEADER + ["Loại số liệu"]), "x.csv", {}, 2, "value_type", "value_type_unknown"),
    "over the size limit": (b"a" * (20 * 2**20 + 1), "x.csv", {}, None, None, "file_too_large"),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_each_check_rejects_with_row_column_and_remedy_and_writes_nothing(shared_mini, case):
    data, name, options, expected_row, expected_column, code = REJECTIONS[case]
    before = snapshot(shared_mini)
    result = run(shared_mini, data, name, **options)
    assert result.status == "rejected" and not result.ok
    found = [(p.row, p.column, p.code) for p in result.problems]
    assert (expected_row, expected_column, code) in found, found
    problem = next(p for p in result.problems if p.code == code)
    assert " — " in problem.detail_vi  # every message says what to do after the dash
    if expected_row is not None:
        assert problem.message("vi").startswith(f"Dòng {expected_row}")
        assert problem.message("en").startswith(f"Row {expected_row}")
    assert snapshot(shared_mini) == before
    # A dry run of a bad file is rejected the same way.
    assert run(shared_mini, data, name, dry_run=True, **options).status == "rejected"


def test_the_message_a_provincial_officer_reads(shared_mini):
    result = run(shared_mini, REJECTIONS["negative"][0])
    assert [p.message() for p in result.problems] == [
        "Dòng 7, cột E „Số hồ sơ tiếp nhận“: giá trị „-3“ là số âm — nhập số lượng trong ngày (số nguyên ≥ 0)."
    ]
    assert result.problems[0].message("en") == "Row 7, column E “Số hồ sơ tiếp nhận”: “-3” is negative — enter the daily count (whole number ≥ 0)."


def test_every_problem_of_a_file_is_listed_in_row_order(shared_mini):
    data = csv_file([row(applications=-1), row("00002", day="30/02/2021", delivered="x"), row("99999"), row(applications=5)])
    result = run(shared_mini, data)
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (2, "applications_received", "negative"),
        (3, "report_date", "date_format"),
        (3, "cards_delivered", "not_numeric"),
        (4, "commune_code", "unknown_commune"),
        (5, "commune_code", "duplicate_row"),
    ]
    assert "đã có ở dòng 2" in result.problems[-1].detail_vi


# --- accepted files ----------------------------------------------------------------------------------


def test_accepts_a_daily_csv_with_vietnamese_headers(mini_engine):
    result = run(mini_engine, csv_file([row(applications=7), row("00002", applications=8)]))
    assert result.status == "accepted" and result.problems == []
    assert (result.rows, result.units, result.provinces, result.date_from, result.date_to, result.days) == (2, 2, ["01"], D16, D16, 1)
    assert result.totals == {"applications_received": 15, "cards_produced": None, "cards_delivered": 2, "records_collected": 4, "records_verified": 6}
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged) == (2, 0, 0)
    # Province 01: 450 by 15/06, plus 7 + 8 on 16/06; the other provinces carry their totals forward.
    assert cumulative(mini_engine, "01") == 465
    assert cumulative(mini_engine, "02") == 520 and cumulative(mini_engine, "03") == 675
    stored = fact(mini_engine, "00001")
    assert (stored["applications_received"], stored["cards_produced"], stored["batch_id"]) == (7, None, result.batch_id)
    assert stored["late"] is True  # received 17/06 09:00, after the 17:00 cut-off of 16/06
    with mini_engine.connect() as conn:
        batch = conn.execute(select(import_batch).where(import_batch.c.id == result.batch_id)).one()
    assert (batch.kind, batch.source_name, batch.submitted_by, batch.received_at) == ("cli", "bao-cao.csv", "Công an tỉnh A", NOW)
    assert (batch.province_code, batch.row_count, batch.status) == ("01", 2, "active")
    assert batch.content_hash == hashlib.sha256(csv_file([row(applications=7), row("00002", applications=8)])).hexdigest()


def test_ids_as_headers_bom_semicolons_lost_zeros_and_grouped_thousands(mini_engine):
    header = [
        "report_date",
        "province_code",
        "district_code",
        "commune_code",
        "applications_received",
        "cards_produced",
        "cards_delivered",
        "records_collected",
        "records_verified",
    ]
    data = csv_file(
        [["2021-06-16", "1", "1", "1", "1.250", "", "0", "0", "12"], ["16/06/2021", "1", "1", "2", "30", "4", "0", "0", "0"]],
        header=header,
        sep=";",
        bom=True,
    )
    upload = "bao cao (1).csv"
    result = run(mini_engine, data, upload, kind="upload")
    assert result.status == "accepted", [p.message() for p in result.problems]
    assert fact(mini_engine, "00001")["applications_received"] == 1250
    assert fact(mini_engine, "00002")["cards_produced"] == 4
    assert result.totals["cards_produced"] == 4
    assert cumulative(mini_engine, "01") == 450 + 1280
    with mini_engine.connect() as conn:
        assert conn.execute(select(import_batch.c.kind, import_batch.c.source_name).where(import_batch.c.id == result.batch_id)).one() == (
            "upload",
            upload,
        )


def test_headers_without_diacritics_are_understood(mini_engine):
    header = [
        "ngay bao cao",
        "MA TINH",
        "Ma huyen",
        "ma xa",
        "so ho so tiep nhan",
        "so the da tra cho cong dan",
        "so phieu thu thap thong tin dan cu",
        "so ban ghi da cap nhat vao csdl",
    ]
    assert run(mini_engine, csv_file([row()], header=header)).status == "accepted"


def test_xlsx_with_excel_date_cells_iso_text_and_numeric_codes(mini_engine):
    data = xlsx_file(
        [
            [datetime(2021, 6, 16), 1, 1, 1, 7, 1, 2, 3],  # an Excel date cell; codes typed as numbers (zeros lost)
            ["2021-06-16", "01", "001", "00002", 8.0, 1, 2, 3],  # ISO text; a whole number stored as float
            ["17/06/2021", 1, 1, 2, 9, 1, 2, 3],  # dd/mm/yyyy text
        ]
    )
    result = run(mini_engine, data, "bao-cao.xlsx", now=datetime(2021, 6, 18, 8, 0))
    assert result.status == "accepted", [p.message() for p in result.problems]
    assert fact(mini_engine, "00001")["applications_received"] == 7
    assert fact(mini_engine, "00002")["applications_received"] == 8
    assert fact(mini_engine, "00002", date(2021, 6, 17))["applications_received"] == 9
    assert cumulative(mini_engine, "01", date(2021, 6, 17)) == 450 + 7 + 8 + 9


def test_xlsx_problems_name_the_sheet_row_and_column_letter(mini_engine):
    data = xlsx_file([[datetime(2021, 6, 16), 1, 1, 1, 7.5, 1, 2, 3], [None] * 8, [datetime(2021, 6, 16), 1, 1, 2, -2, 1, 2, 3]])
    result = run(mini_engine, data, "bao-cao.xlsx")
    assert [(p.row, p.letter, p.code) for p in result.problems] == [(2, "E", "fractional"), (4, "E", "negative")]


def test_a_district_without_communes_reports_as_a_whole(mini_engine):
    # An island district (like Bạch Long Vĩ): no commune level, it reports itself and counts as one unit.
    with mini_engine.begin() as conn:
        store.bulk_insert(
            conn,
            admin_unit,
            pl.DataFrame(
                [
                    {
                        "code": "004",
                        "level": "district",
                        "name": "Huyện đảo C2",
                        "full_name": "Huyện đảo C2",
                        "division_type": "huyện",
                        "parent_code": "03",
                        "province_code": "03",
                        "district_code": "004",
                        "region_code": "TN",
                        "iso_code": None,
                        "population": 500,
                        "eligible_population": 400,
                        "commune_count": 1,
                    }
                ]
            ),
        )
        store.refresh_rollups(conn, ["03"])
    result = run(mini_engine, csv_file([["16/06/2021", "03", "4", "", 12, 0, 0, 0], row("00004", applications=30)]))
    assert result.status == "accepted", [p.message() for p in result.problems]
    assert fact(mini_engine, "004")["applications_received"] == 12
    assert cumulative(mini_engine, "03") == 675 + 12 + 30
    with mini_engine.connect() as conn:
        island = conn.execute(select(unit_day).where(unit_day.c.unit_code == "004", unit_day.c.day == D16)).one()
    assert (island.applications_received, island.units_reported, island.units_expected) == (12, 1, 1)
    # A district with communes may report as a whole too (tests/test_district_grain.py), but not a day
    # already stored commune by commune: that would count it twice.
    refused = run(mini_engine, csv_file([["16/06/2021", "03", "3", "", 12, 0, 0, 0]]))
    assert [(p.row, p.column, p.code) for p in refused.problems] == [(2, "commune_code", "grain_stored_communes")]
    assert "1 xã" in refused.problems[0].detail_vi


# --- idempotency, corrections, history, rollback ------------------------------------------------------


def test_the_same_file_again_changes_nothing_and_says_so(mini_engine):
    data = csv_file([row(), row("00002", applications=8)])
    first = run(mini_engine, data)
    before = snapshot(mini_engine)
    again = run(mini_engine, data, now=datetime(2021, 6, 17, 15, 0), actor=person("Người khác"))
    assert again.status == "unchanged" and again.ok and again.batch_id is None
    assert again.duplicate_of["id"] == first.batch_id and again.duplicate_of["submitted_by"] == "Công an tỉnh A"
    assert snapshot(mini_engine) == before
    # The same figures in another file (XLSX this time): nothing new, no batch, still on time/late as before.
    same_values = run(mini_engine, xlsx_file([[D16.isoformat(), "01", "001", "00001", 7, 1, 2, 3]]), "lai.xlsx")
    assert same_values.status == "unchanged" and same_values.duplicate_of is None and same_values.rows_unchanged == 1
    assert snapshot(mini_engine) == before


def test_a_corrected_resubmission_replaces_and_keeps_history(mini_engine):
    first = run(mini_engine, csv_file([row(applications=7), row("00002", applications=8)]))
    fixed = run(
        mini_engine,
        csv_file([row(applications=9), row("00002", applications=8)], sep=";"),
        "sua.csv",
        actor=person("Cán bộ sửa"),
        now=datetime(2021, 6, 17, 11, 30),
    )
    assert fixed.status == "accepted" and (fixed.rows_new, fixed.rows_replaced, fixed.rows_unchanged) == (0, 1, 1)
    assert fact(mini_engine, "00001")["applications_received"] == 9 and fact(mini_engine, "00001")["batch_id"] == fixed.batch_id
    assert fact(mini_engine, "00002")["batch_id"] == first.batch_id  # unchanged rows are not rewritten
    assert cumulative(mini_engine, "01") == 450 + 9 + 8
    [old] = history(mini_engine, "00001")
    assert (old["applications_received"], old["batch_id"], old["submitted_by"]) == (7, first.batch_id, "Công an tỉnh A")
    assert (old["replaced_by_batch_id"], old["replaced_by"]) == (fixed.batch_id, "Cán bộ sửa")
    assert old["replaced_at"] is not None
    # Correcting a day that was already in the database (15/06, 10 → 12) keeps the original value too.
    late = run(mini_engine, csv_file([row(day="15/06/2021", applications=12)]), "15-06.csv")
    assert late.rows_replaced == 1 and cumulative(mini_engine, "01", date(2021, 6, 15)) == 452
    assert [h["applications_received"] for h in history(mini_engine, "00001", date(2021, 6, 15))] == [10]


def test_rollback_restores_the_values_a_batch_replaced(mini_engine):
    first = run(mini_engine, csv_file([row(applications=7), row("00002", applications=8)]))
    before_fix = snapshot(mini_engine)
    fixed = run(mini_engine, csv_file([row(applications=9), row("00002", applications=8), row("00001", day="15/06/2021", applications=12)]))
    assert cumulative(mini_engine, "01") == 450 + 2 + 9 + 8
    done = rollback(mini_engine, fixed.batch_id, actor=person("Quản trị"), now=datetime(2021, 6, 17, 12, 0))
    assert (done.facts_removed, done.facts_restored, done.provinces) == (2, 2, ["01"])
    assert fact(mini_engine, "00001")["applications_received"] == 7 and fact(mini_engine, "00001")["batch_id"] == first.batch_id
    assert fact(mini_engine, "00001", date(2021, 6, 15))["applications_received"] == 10
    assert cumulative(mini_engine, "01") == 465 and cumulative(mini_engine, "01", date(2021, 6, 15)) == 450
    after = snapshot(mini_engine)
    assert after["facts"] == before_fix["facts"] and after["rollups"] == before_fix["rollups"]
    with mini_engine.connect() as conn:
        listed = {b["id"]: b for b in list_batches(conn).iter_rows(named=True)}
    assert listed[fixed.batch_id]["status"] == "rolled_back"
    assert "Quản trị" in listed[fixed.batch_id]["note"] and "17/06/2021 12:00" in listed[fixed.batch_id]["note"]
    assert listed[done.rollback_batch_id]["kind"] == "rollback" and listed[done.rollback_batch_id]["submitted_by"] == "Quản trị"
    # The rolled-back values are kept in history too, replaced by the rollback.
    assert [(h["applications_received"], h["replaced_by_batch_id"]) for h in history(mini_engine, "00001")][-1] == (9, done.rollback_batch_id)
    with pytest.raises(RollbackError) as twice:
        rollback(mini_engine, fixed.batch_id, actor=person("Quản trị"))
    assert twice.value.code == "already_rolled_back" and "đã được hủy" in twice.value.message_vi
    with pytest.raises(RollbackError) as undo_undo:
        rollback(mini_engine, done.rollback_batch_id, actor=person("Quản trị"))
    assert undo_undo.value.code == "is_rollback"
    with pytest.raises(RollbackError) as missing:
        rollback(mini_engine, 99999, actor=person("Quản trị"))
    assert missing.value.code == "not_found"
    # A rolled-back file may be imported again: its hash no longer counts.
    again = run(mini_engine, csv_file([row(applications=9), row("00002", applications=8), row("00001", day="15/06/2021", applications=12)]))
    assert again.status == "accepted" and cumulative(mini_engine, "01") == 450 + 2 + 9 + 8


def test_rollback_skips_values_of_batches_already_rolled_back(mini_engine):
    a = run(mini_engine, csv_file([row(applications=7)]), "a.csv")
    b = run(mini_engine, csv_file([row(applications=9)]), "b.csv")
    c = run(mini_engine, csv_file([row(applications=11)]), "c.csv")
    # B's value was already replaced by C: rolling B back removes nothing that is in force.
    assert rollback(mini_engine, b.batch_id, actor=person("Quản trị")).facts_removed == 0
    assert fact(mini_engine, "00001")["applications_received"] == 11
    # Rolling C back brings back A's 7, not B's 9 (B no longer counts).
    rollback(mini_engine, c.batch_id, actor=person("Quản trị"))
    assert fact(mini_engine, "00001")["applications_received"] == 7 and fact(mini_engine, "00001")["batch_id"] == a.batch_id
    assert cumulative(mini_engine, "01") == 450 + 7
    rollback(mini_engine, a.batch_id, actor=person("Quản trị"))
    assert fact(mini_engine, "00001") is None and cumulative(mini_engine, "01", MINI_END) == 450
    # 16/06 holds no report any more: it leaves the calendar (next test).
    assert calendar_end(mini_engine) == MINI_END


def calendar_end(engine) -> date | None:
    """The newest day of the period as pages see it (the sidebar's latest day) — checked against the rollup's."""
    with engine.connect() as conn:
        last = dataset_info_of(conn).last_day
        assert conn.execute(select(func.max(unit_day.c.day))).scalar() == last
    return last


def test_a_rollback_that_empties_the_newest_days_takes_them_out_of_the_period(mini_engine):
    # 16/06 and 17/06 arrive; 17/06 is rolled back: no page may open on a day nobody has reported.
    run(mini_engine, csv_file([row(applications=7)]), "16.csv")
    late = run(mini_engine, csv_file([row(day="17/06/2021", applications=8), row("00002", day="17/06/2021", applications=9)]), "17.csv")
    assert calendar_end(mini_engine) == date(2021, 6, 17)
    rollback(mini_engine, late.batch_id, actor=person("Quản trị"))
    assert calendar_end(mini_engine) == D16
    assert cumulative(mini_engine, "01") == 450 + 7
    # A day that still holds one report stays, and sending the day again brings it back with its rollup.
    again = run(mini_engine, csv_file([row(day="17/06/2021", applications=8)]), "17-lai.csv")
    assert again.status == "accepted" and calendar_end(mini_engine) == date(2021, 6, 17)
    assert cumulative(mini_engine, "01", date(2021, 6, 17)) == 450 + 7 + 8
    # A rollback that restores an earlier value of the newest day keeps it.
    fixed = run(mini_engine, csv_file([row(day="17/06/2021", applications=10)]), "17-sua.csv")
    rollback(mini_engine, fixed.batch_id, actor=person("Quản trị"))
    assert calendar_end(mini_engine) == date(2021, 6, 17) and cumulative(mini_engine, "01", date(2021, 6, 17)) == 450 + 7 + 8


def test_cumulative_counts_become_daily_against_what_is_stored(mini_engine):
    # 00001 has 10 a day for 15 days: 150 by 15/06; records verified 1 a day: 15.
    data = csv_file(
        [
            row(applications=157, delivered=0, collected=0, verified=16) + ["lũy kế"],
            row(day="17/06/2021", applications=165, delivered=2, collected=0, verified=18) + ["lũy kế"],
        ],
        header=HEADER + ["Loại số liệu"],
    )
    result = run(mini_engine, data, now=datetime(2021, 6, 18, 9, 0))
    assert result.status == "accepted" and result.value_type == "cumulative", [p.message() for p in result.problems]
    assert fact(mini_engine, "00001")["applications_received"] == 7 and fact(mini_engine, "00001")["records_verified"] == 1
    day17 = fact(mini_engine, "00001", date(2021, 6, 17))
    assert (day17["applications_received"], day17["cards_delivered"], day17["records_verified"]) == (8, 2, 2)
    assert result.totals["applications_received"] == 15
    assert cumulative(mini_engine, "01", date(2021, 6, 17)) == 450 + 15
    # The --cumulative option does the same without the column.
    option = run(
        mini_engine,
        csv_file([row("00002", day="17/06/2021", applications=300 + 5, delivered=0, collected=0, verified=16)]),
        cumulative=True,
        now=datetime(2021, 6, 18, 9, 0),
    )
    assert option.status == "accepted" and fact(mini_engine, "00002", date(2021, 6, 17))["applications_received"] == 5


def test_dry_run_validates_and_writes_nothing(mini_engine):
    before = snapshot(mini_engine)
    result = run(mini_engine, csv_file([row(), row("00002")]), dry_run=True)
    assert result.status == "dry_run" and result.ok and (result.rows_new, result.totals["applications_received"]) == (2, 14)
    assert snapshot(mini_engine) == before


# --- robustness: concurrency, lost connections, failures after the batch insert ------------------------


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _in_parallel(engine, files):
    """Import each file from its own thread and engine, released together."""
    engines = [engine] + [make_engine(_url(engine)) for _ in files[1:]]
    start = threading.Barrier(len(files))
    results: list = [None] * len(files)

    def work(i):
        start.wait()
        try:
            results[i] = run(engines[i], files[i], f"f{i}.csv", actor=person(f"Tỉnh {i}"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(files))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for e in engines[1:]:
        e.dispose()
    return results


def test_two_overlapping_imports_at_the_same_time_both_land_whole(mini_engine):
    one = csv_file([row("00001", applications=7), row("00002", applications=8)])
    two = csv_file([row("00001", applications=100), row("00003", applications=40)])
    r1, r2 = _in_parallel(mini_engine, [one, two])
    assert r1.status == "accepted" and r2.status == "accepted", (r1, r2)
    later, earlier = (r2, r1) if r2.batch_id > r1.batch_id else (r1, r2)
    # Whichever committed second replaced the first one's value for 00001, whole; nothing is counted twice.
    winner = fact(mini_engine, "00001")
    assert winner["batch_id"] == later.batch_id
    expected = {r1.batch_id: 7, r2.batch_id: 100}
    assert winner["applications_received"] == expected[later.batch_id]
    assert [(h["applications_received"], h["replaced_by_batch_id"]) for h in history(mini_engine, "00001")] == [
        (expected[earlier.batch_id], later.batch_id)
    ]
    assert cumulative(mini_engine, "01") == 450 + expected[later.batch_id] + 8
    assert cumulative(mini_engine, "02") == 520 + 40


def test_the_same_file_twice_at_the_same_time_is_stored_once(mini_engine):
    data = csv_file([row(applications=7), row("00002", applications=8)])
    results = _in_parallel(mini_engine, [data, data])
    assert sorted(r.status for r in results) == ["accepted", "unchanged"], results
    with mini_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(import_batch).where(import_batch.c.source_name.like("f%.csv"))).scalar_one() == 1
    assert cumulative(mini_engine, "01") == 465


def _cut_connection(conn) -> None:
    """The database connection goes away mid-transaction (server kills the session / handle closed)."""
    if conn.dialect.name == "postgresql":
        pid = conn.connection.driver_connection.info.backend_pid
        killer = make_engine(_url(conn.engine))
        with killer.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one() is True
        killer.dispose()
    else:
        conn.connection.driver_connection.close()


def test_connection_lost_mid_import_leaves_nothing_partial(mini_engine, monkeypatch):
    original = store.bulk_insert
    cut = []

    def insert_after_losing_the_connection(conn, table, frame):
        if table is daily_fact and not cut:  # the batch row is already inserted by now
            cut.append(True)
            _cut_connection(conn)
        return original(conn, table, frame)

    monkeypatch.setattr(store, "bulk_insert", insert_after_losing_the_connection)
    before = snapshot(mini_engine)
    data = csv_file([row(applications=7), row("00002", applications=8)])
    with pytest.raises(DBAPIError):
        run(mini_engine, data)
    assert cut and snapshot(mini_engine) == before
    # The next attempt (a new connection) goes through whole.
    assert run(mini_engine, data).status == "accepted" and cumulative(mini_engine, "01") == 465


def test_a_failure_after_the_facts_are_written_rolls_everything_back(mini_engine, monkeypatch):
    def broken_rollups(*args, **kwargs):
        raise RuntimeError("disk full while writing rollups")

    monkeypatch.setattr(store, "refresh_rollups", broken_rollups)
    before = snapshot(mini_engine)
    with pytest.raises(RuntimeError):
        run(mini_engine, csv_file([row(applications=7)]))
    assert snapshot(mini_engine) == before


def test_a_failed_rollback_leaves_the_batch_in_force(mini_engine, monkeypatch):
    result = run(mini_engine, csv_file([row(applications=9)]))
    before = snapshot(mini_engine)
    monkeypatch.setattr(store, "refresh_rollups", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        rollback(mini_engine, result.batch_id, actor=person("Quản trị"))
    assert snapshot(mini_engine) == before


# --- the template ---------------------------------------------------------------------------------------


def test_template_has_vietnamese_header_validation_and_instructions(mini_engine):
    data = template_xlsx()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Báo cáo", "Hướng dẫn"]
    sheet = book["Báo cáo"]
    assert [c.value for c in sheet[1]] == [f.label_vi for f in FIELDS]
    kinds = {dv.type: dv for dv in sheet.data_validations.dataValidation}
    assert kinds["whole"].operator == "greaterThanOrEqual" and kinds["whole"].formula1 == "0"
    assert "date" in kinds and kinds["list"].formula1 == '"theo ngày,lũy kế"'
    assert "Hướng dẫn" in book.sheetnames and any("lũy kế" in str(c.value) for c in book["Hướng dẫn"]["A"])
    # The empty template is a header only; filled in with Excel date cells and numeric codes, it is accepted.
    assert [p.code for p in run(mini_engine, data, "mau.xlsx").problems] == ["header_only"]
    sheet.append([datetime(2021, 6, 16), 1, 1, 2, 8, None, 1, 2, 3, "theo ngày"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(mini_engine, buffer.getvalue(), "mau.xlsx")
    assert result.status == "accepted" and fact(mini_engine, "00002")["applications_received"] == 8
    assert read_table(data, "mau.xlsx", max_bytes=2**20).headers == [f.label_vi for f in FIELDS]


# --- command line -----------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_import_batches_rollback_and_template(mini_engine, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", _url(mini_engine))
    good = tmp_path / "bao-cao.csv"
    good.write_bytes(csv_file([row(applications=7), row("00002", applications=8)]))
    cli_account(mini_engine, "canbo-a", "Cán bộ A")
    dry = runner.invoke(app, ["--as", "canbo-a", "import", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "Chạy thử" in dry.output and cumulative(mini_engine, "01", date(2021, 6, 15)) == 450
    ok = runner.invoke(app, ["--as", "canbo-a", "import", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "Đã nhập tệp „bao-cao.csv“" in ok.output and "Số hồ sơ tiếp nhận: 15" in ok.output and "16/06/2021" in ok.output
    again = runner.invoke(app, ["--as", "canbo-a", "import", str(good)])
    assert again.exit_code == 0 and "đã được nhập trước đó" in again.output
    bad = tmp_path / "sai.csv"
    bad.write_bytes(csv_file([row(applications=-3), row("99999")]))
    rejected = runner.invoke(app, ["--as", "canbo-a", "import", str(bad)])
    assert rejected.exit_code == 1
    lines = rejected.output.splitlines()
    assert "bị từ chối: 2 lỗi" in lines[0]
    assert lines[1].startswith("Dòng 2, cột E „Số hồ sơ tiếp nhận“: giá trị „-3“ là số âm")
    assert lines[2].startswith("Dòng 3, cột D „Mã xã“: không có xã mã 99999")
    english = runner.invoke(app, ["import", str(bad), "--lang", "en"])
    assert english.exit_code == 1 and "Row 2, column E" in english.output and "rejected: 2 problems" in english.output
    listed = runner.invoke(app, ["batches", "--limit", "3"])
    assert listed.exit_code == 0 and "bao-cao.csv" in listed.output and "Cán bộ A" in listed.output
    with mini_engine.connect() as conn:
        batch_id = conn.execute(select(func.max(import_batch.c.id))).scalar_one()
    undone = runner.invoke(app, ["rollback", str(batch_id)])
    assert undone.exit_code == 0 and f"Đã hủy lô #{batch_id}" in undone.output
    assert cumulative(mini_engine, "01", MINI_END) == 450 and calendar_end(mini_engine) == MINI_END  # 16/06 holds nothing now
    twice = runner.invoke(app, ["rollback", str(batch_id)])
    assert twice.exit_code == 1 and "đã được hủy" in twice.output
    out = tmp_path / "mau.xlsx"
    made = runner.invoke(app, ["template", "-o", str(out)])
    assert made.exit_code == 0 and openpyxl.load_workbook(out).sheetnames == ["Báo cáo", "Hướng dẫn"]


def test_cli_import_needs_the_database_and_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    path = tmp_path / "x.csv"
    path.write_bytes(csv_file([row()]))
    unreachable = runner.invoke(app, ["import", str(path)])
    assert unreachable.exit_code == 2 and "cannot reach the database" in unreachable.output and "Traceback" not in unreachable.output
    missing = runner.invoke(app, ["import", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "không có tệp" in missing.output
    assert runner.invoke(app, ["batches"]).exit_code == 2
    assert runner.invoke(app, ["rollback", "1"]).exit_code == 2


def test_batches_module_lists_newest_first(mini_engine):
    first = run(mini_engine, csv_file([row()]), "a.csv")
    second = run(mini_engine, csv_file([row(applications=8)]), "b.csv")
    with mini_engine.connect() as conn:
        frame = batches.list_batches(conn, limit=2)
        everything = batches.list_batches(conn, limit=1000, kinds=None)
    assert frame["id"].to_list() == [second.batch_id, first.batch_id]
    assert frame["source_name"].to_list() == ["b.csv", "a.csv"]
    assert everything.height == 44 + 2  # the mini country's 44 province-day batches and the two files


def test_a_readiness_update_is_not_rolled_back_and_is_not_the_latest_report(mini_engine):
    from queries.dataset import dataset_info_of

    with mini_engine.begin() as conn:
        before = dataset_info_of(conn).last_received_at
        batch_id = conn.execute(
            import_batch.insert().returning(import_batch.c.id),
            {
                "kind": "readiness",
                "source_name": "form",
                "submitted_by": "Đội dữ liệu",
                "received_at": datetime(2021, 6, 20, 9),
                "row_count": 1,
                "status": "active",
            },
        ).scalar_one()
        # A readiness update received after every report does not count as "the newest report".
        assert dataset_info_of(conn).last_received_at == before
    with pytest.raises(RollbackError) as refused:
        rollback(mini_engine, batch_id, actor=person("Quản trị"))
    assert refused.value.code == "is_readiness" and "cập nhật mới" in refused.value.message_vi
