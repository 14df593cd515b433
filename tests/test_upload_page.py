"""The upload page ("Nhập báo cáo", url path nhap-bao-cao) through AppTest on SQLite and PostgreSQL:
an accepted file, a rejected one with every problem in a table, the template, and a confirmed rollback.

app.py registers the page; these tests drive it exactly as a browser session would."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.schema import audit_log, import_batch, unit_day
from intake.problems import Problem
from present.format import md_text
from tests.conftest import person, sign_in_apptest
from ui import access as ui_access
from ui import intake_data

TIMEOUT = 180
APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "app_pages/upload.py"
HEADER = "Ngày báo cáo,Mã tỉnh,Mã huyện,Mã xã,Số hồ sơ tiếp nhận,Số thẻ đã trả cho công dân,Số phiếu thu thập thông tin dân cư,Số bản ghi đã cập nhật vào CSDL"
GOOD = (HEADER + "\n16/06/2021,01,001,00001,7,1,2,3\n16/06/2021,01,001,00002,8,1,2,3\n").encode()
BAD = (HEADER + "\n16/06/2021,01,001,00001,-3,1,2,3\n16/06/2021,01,001,99999,8,1,2,=1+2\n").encode()


def upload_page(monkeypatch, engine, actor=None) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    sign_in_apptest(monkeypatch, actor or person("Công an tỉnh A", role="data_team"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def province_01_on_16_06(engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(
            select(unit_day.c.cum_applications_received).where(unit_day.c.unit_code == "01", unit_day.c.day == date(2021, 6, 16))
        ).scalar_one_or_none()


def send(at: AppTest, name: str, data: bytes, *, dry_run: bool = False) -> AppTest:
    at.toggle(key="intake_dry_run").set_value(dry_run)
    at.file_uploader(key="intake_file").set_value((name, data, "text/csv"))
    at.run()
    return at.button(key="intake_go").click().run()


def test_upload_accept_reject_and_roll_back(monkeypatch, mini_engine):
    at = upload_page(monkeypatch, mini_engine)
    assert at.title[0].value == "Nhập báo cáo"
    assert at.get("download_button")[0].proto.label == "Tải mẫu báo cáo (Excel)"

    # A dry run says the file is valid and writes nothing.
    send(at, "bao-cao.csv", GOOD, dry_run=True)
    assert not at.exception
    assert "Chạy thử" in at.info[0].value and province_01_on_16_06(mini_engine) is None

    # Accepted: a success message, the daily totals in Vietnamese format, the batch in the list.
    send(at, "bao-cao.csv", GOOD)
    assert not at.exception
    assert at.success[0].value.startswith("Đã nhập tệp „bao-cao.csv“: lô #")
    totals = at.dataframe[0].value
    assert list(totals.columns) == ["Chỉ tiêu", "Tổng số theo ngày"]
    assert totals.set_index("Chỉ tiêu").loc["Số hồ sơ tiếp nhận", "Tổng số theo ngày"] == "15"
    assert province_01_on_16_06(mini_engine) == 465  # 450 by 15/06 + 7 + 8
    with mini_engine.connect() as conn:
        batch_id, kind, who = conn.execute(
            select(import_batch.c.id, import_batch.c.kind, import_batch.c.submitted_by).order_by(import_batch.c.id.desc()).limit(1)
        ).one()
    assert (kind, who) == ("upload", "Công an tỉnh A")
    assert any(f"**#{batch_id}** · tải lên · đang dùng" in md.value for md in at.markdown)

    # The same file again: nothing changes, and the page says so.
    send(at, "bao-cao.csv", GOOD)
    assert "đã được nhập trước đó" in at.info[0].value

    # Rejected: every problem with row and column, nothing written.
    send(at, "sai.csv", BAD)
    assert "bị từ chối: 3 lỗi" in at.error[0].value
    # A few problems: a plain table whose messages wrap, every word on screen; its cells are Markdown
    # to Streamlit, so each text is made literal (md_text) — what the officer reads is the message itself.
    problems = at.table[0].value
    assert list(problems.columns) == ["Dòng", "Cột", "Lỗi"]
    assert problems.values.tolist()[:2] == [
        [2, md_text("E „Số hồ sơ tiếp nhận“"), md_text("giá trị „-3“ là số âm — nhập số lượng trong ngày (số nguyên ≥ 0).")],
        [3, md_text("D „Mã xã“"), md_text("không có xã mã 99999 trong danh mục — kiểm tra lại mã xã (5 chữ số).")],
    ]
    assert not at.dataframe or list(at.dataframe[0].value.columns) != ["Dòng", "Cột", "Lỗi"]
    assert province_01_on_16_06(mini_engine) == 465

    # Roll the batch back: a button on its line, then a confirmation.
    at.button(key=f"intake_rollback_{batch_id}").click().run()
    assert any(f"Hủy lô #{batch_id}" in w.value for w in at.warning)
    assert province_01_on_16_06(mini_engine) == 465  # nothing happens before the confirmation
    at.button(key="intake_rollback_yes").click().run()
    assert not at.exception
    assert at.success[0].value == f"Đã hủy lô #{batch_id}: gỡ 2 dòng số liệu, khôi phục 0 giá trị trước đó."
    assert province_01_on_16_06(mini_engine) is None  # 16/06 holds no report any more: it left the period
    assert any(f"**#{batch_id}** · tải lên · đã hủy" in md.value for md in at.markdown)
    with mini_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(import_batch).where(import_batch.c.kind == "rollback")).scalar_one() == 1


def batches_and_audit(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(import_batch)).scalar_one(),
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
        )


def test_a_viewer_gets_no_upload_and_another_province_is_refused_whole(monkeypatch, mini_engine):
    monkeypatch.setenv("DATABASE_URL", mini_engine.url.render_as_string(hide_password=False))
    sign_in_apptest(monkeypatch, person("Lãnh đạo", role="viewer"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    at.switch_page(PAGE).run()  # not in a viewer's menu; a direct link gets the page's own refusal
    assert "không được nhập báo cáo" in at.warning[0].value and not at.get("file_uploader")
    before = batches_and_audit(mini_engine)
    # Tỉnh B's officer sends Tỉnh A's file: refused with a Vietnamese message, nothing written, even in a dry run.
    monkeypatch.setattr(ui_access, "client_address", lambda: "10.0.0.7")
    at = upload_page(monkeypatch, mini_engine, person("Công an tỉnh B", role="province", province="02"))
    for dry in (True, False):
        send(at, "bao-cao.csv", GOOD, dry_run=dry)
        assert not at.exception
        assert "chỉ được nhập báo cáo của tỉnh mình (Tỉnh B, mã 02)" in at.error[0].value
        assert "Tỉnh A (mã 01): dòng 2, 3" in at.error[0].value  # which rows to delete
    # Nothing stored; the two attempts are in the audit log, under the officer, with the province they touched.
    assert province_01_on_16_06(mini_engine) is None and batches_and_audit(mini_engine) == (before[0], before[1] + 2)
    with mini_engine.connect() as conn:
        refused = conn.execute(select(audit_log).where(audit_log.c.action == "refused")).all()
    assert [(r.actor, r.province_code, r.target, r.client) for r in refused] == [("công-an-tỉnh-b", "01", "submit_report", "10.0.0.7")] * 2
    assert "dòng 2, 3" in refused[0].detail
    # Tỉnh A's own officer may, and the batch and the audit record name that person.
    at = upload_page(monkeypatch, mini_engine, person("Công an tỉnh A", role="province", province="01"))
    send(at, "bao-cao.csv", GOOD)
    assert at.success[0].value.startswith("Đã nhập tệp „bao-cao.csv“")
    assert province_01_on_16_06(mini_engine) == 465
    with mini_engine.connect() as conn:
        stored = conn.execute(select(audit_log).where(audit_log.c.action == "report_import")).all()[-1]
    assert (stored.actor, stored.province_code, stored.client) == ("công-an-tỉnh-a", "01", "10.0.0.7")


def test_problem_list_export_neutralises_formulas():
    problems = [Problem("not_numeric", 3, "records_verified", "H", '=HYPERLINK("x")', "=cmd|' /C calc'!A0", "en", "=1+2")]
    frame = pl.read_csv(io.BytesIO(intake_data.problems_csv(problems)))
    assert frame["Cột"][0] == 'H „=HYPERLINK("x")“'  # starts with a letter: harmless as it is
    assert frame["Lỗi"][0] == "'=cmd|' /C calc'!A0"


def test_template_download_is_the_intake_template():
    book = openpyxl.load_workbook(io.BytesIO(intake_data.template_bytes()))
    assert book.sheetnames == ["Báo cáo", "Hướng dẫn"]


def test_the_upload_page_tells_a_reader_without_an_account_to_sign_in(monkeypatch, demo_sqlite):
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)  # the simulated data set: readable without signing in
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("app_pages/upload.py").run()
    assert not at.exception
    assert [w.value for w in at.warning if "nhập báo cáo" in w.value] == [
        "Cần đăng nhập để nhập báo cáo. Cán bộ tỉnh và Tổ dữ liệu C06 đăng nhập bằng tài khoản của mình để nhập."
    ]
    assert not at.get("file_uploader")


def test_a_running_total_sent_as_a_daily_count_is_stored_with_a_warning(monkeypatch, mini_engine):
    at = upload_page(monkeypatch, mini_engine)
    send(at, "16.csv", (HEADER + "\n16/06/2021,01,001,00001,100,1,2,3\n").encode())  # 150 before 16/06, 250 after it
    assert at.success and not [w for w in at.warning if "Cảnh báo" in w.value]
    send(at, "17.csv", (HEADER + "\n17/06/2021,01,001,00001,260,1,2,3\n").encode())  # the running total, typed as the day's
    assert at.success[0].value.startswith("Đã nhập tệp „17.csv“")
    [warning] = [w.value for w in at.warning if "Cảnh báo" in w.value]
    assert "có phải là số lũy kế? Dòng 2, 00001, „Số hồ sơ tiếp nhận“: 260 trong ngày, trước đó cộng dồn 250" in warning
    assert "hủy lô #" in warning
