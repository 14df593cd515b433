"""The accounts page (/tai-khoan) and the audit log page (/nhat-ky) through AppTest, on SQLite and PostgreSQL.

AppTest cannot send a cookie, so a session is signed in by replacing ui.access._from_cookie with a look-up of
a real account (made with db.users.add_user); the cookie itself is tested in a browser elsewhere."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
import streamlit
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db import audit, users
from db.access import Permission, Role, operator
from db.schema import app_user, audit_log, user_session
from ui import access as ui_access

TIMEOUT = 180
ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
USERS_PAGE = "app_pages/users.py"
AUDIT_PAGE = "app_pages/audit.py"
PASSWORD = "mua thu ha noi 2021"
NEW_PASSWORD = "song hong chay mai 1945"

# username, display name, role, province
ACCOUNTS = (
    ("quantri.test", "Quản trị (kiểm thử)", Role.admin, None),
    ("c06.test", "Tổ dữ liệu (kiểm thử)", Role.data_team, None),
    ("lanhdao.test", "Lãnh đạo (kiểm thử)", Role.viewer, None),
    ("tinha.test", "Cán bộ tỉnh A (kiểm thử)", Role.province, "01"),
)


def add_accounts(engine) -> dict[str, int]:
    """The four test accounts, made by the server operator; returns their ids by username."""
    with engine.begin() as conn:
        return {
            name: users.add_user(
                conn, operator("test"), username=name, display_name=shown, role=role.value, province_code=province, password=PASSWORD
            )
            for name, shown, role, province in ACCOUNTS
        }


def signed_in(monkeypatch, engine, username: str) -> AppTest:
    """The app run once with `username` signed in (looked up afresh on each check, as the cookie path does)."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))

    def from_cookie(raw):
        with engine.connect() as conn:
            return users.find_actor(conn, username, via="web")

    monkeypatch.setattr(ui_access, "_from_cookie", from_cookie)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def account(engine, username: str):
    with engine.connect() as conn:
        return conn.execute(select(app_user).where(app_user.c.username == username)).one()


def audit_rows(engine, action: str):
    with engine.connect() as conn:
        return conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)).all()


def new_session(engine, username: str) -> str:
    with engine.begin() as conn:
        return users.start_session(conn, users.find_actor(conn, username, via="web"), client="10.0.0.9")


def session_user(engine, token: str):
    with engine.begin() as conn:
        return users.session_actor(conn, token)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def field(at: AppTest, label: str):
    """A text field by its label (password fields get new keys after each submit)."""
    return next(t for t in at.text_input if t.label == label)


def texts(at: AppTest) -> str:
    return " ".join(e.value for kind in ("success", "error", "warning", "info", "caption") for e in getattr(at, kind))


def session_holds(at: AppTest, secret: str) -> bool:
    """Whether any value the session keeps (user state, keyed widgets, the raw widget states) contains `secret`."""
    raw = at._session_state._state  # the SessionState behind st.session_state
    kept = [*at.session_state.to_dict().values(), *raw._old_state.values(), *raw._new_session_state.values(), *raw._new_widget_state.states.values()]
    return any(secret in repr(v) for v in kept)


# --- who sees what -------------------------------------------------------------------------------


def test_admin_sees_both_pages_and_the_account_list(monkeypatch, mini_engine):
    add_accounts(mini_engine)
    at = open_page(signed_in(monkeypatch, mini_engine, "quantri.test"), USERS_PAGE)
    assert at.title[0].value == "Tài khoản"
    table = at.dataframe[0].value
    assert list(table["Tên đăng nhập"]) == sorted(a[0] for a in ACCOUNTS)
    row = table[table["Tên đăng nhập"] == "tinha.test"].iloc[0]
    assert (row["Vai trò"], row["Tỉnh"], row["Trạng thái"]) == ("Cán bộ tỉnh", "Tỉnh A (01)", "Hoạt động")
    assert table[table["Tên đăng nhập"] == "c06.test"].iloc[0]["Vai trò"] == "Tổ dữ liệu C06"
    # An admin may not disable themself: the button is there but off.
    at.selectbox(key="users_pick").set_value("quantri.test").run()
    assert at.button(key="users_disable_quantri.test").disabled
    open_page(at, AUDIT_PAGE)
    assert at.title[0].value == "Nhật ký thao tác"
    assert len(at.dataframe) == 1


@pytest.mark.parametrize("username, audit_page", [("c06.test", True), ("tinha.test", False), ("lanhdao.test", False)])
def test_other_roles_are_not_offered_the_pages(monkeypatch, mini_engine, username, audit_page):
    add_accounts(mini_engine)
    at = signed_in(monkeypatch, mini_engine, username)
    # Not in the menu (tests/test_access_browser.py looks at it); a direct link opens the page, which refuses in Vietnamese and shows no account.
    at.switch_page(USERS_PAGE).run()
    assert not at.exception and len(at.warning) == 1 and "Chỉ" in at.warning[0].value and not at.dataframe
    if audit_page:
        open_page(at, AUDIT_PAGE)
        assert at.title[0].value == "Nhật ký thao tác" and len(at.dataframe) == 1
    else:
        at.switch_page(AUDIT_PAGE).run()
        assert not at.exception and len(at.warning) == 1 and not at.dataframe


@pytest.mark.parametrize(
    "page, role, permission",
    [
        (USERS_PAGE, Role.data_team, Permission.manage_users),
        (USERS_PAGE, Role.province, Permission.manage_users),
        (AUDIT_PAGE, Role.viewer, Permission.view_audit),
    ],
)
def test_a_page_reached_without_the_permission_refuses(monkeypatch, page, role, permission):
    """Defence in depth: the page file itself stops, whatever the router offered (no database needed to refuse)."""
    from db.access import Actor

    who = Actor(user_id=7, username="ai.do", display_name="Ai Đó", role=role, province_code="01" if role is Role.province else None)
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT)
    at.session_state[ui_access._KEY] = ui_access.Access(actor=who, public=False, cookie=None, checked_at=float("inf"))
    at.run()
    assert not at.exception, at.exception
    assert len(at.warning) == 1 and "Chỉ" in at.warning[0].value
    assert len(at.dataframe) == 0 and len(at.button) == 0 and len(at.text_input) == 0


# --- the accounts page writes ----------------------------------------------------------------------


def fill_new_account(at: AppTest, *, username: str, name: str, role: Role, province: str | None, password: str, again: str) -> AppTest:
    at.selectbox(key="users_new_role").set_value(role).run()
    at.text_input(key="users_new_username").input(username)
    at.text_input(key="users_new_name").input(name)
    if province:
        at.selectbox(key="users_new_province").set_value(province)
    field(at, "Mật khẩu").input(password)
    field(at, "Nhập lại mật khẩu").input(again)
    return button(at, "Thêm tài khoản").click().run()


def test_admin_adds_an_account_through_the_form(monkeypatch, mini_engine):
    ids = add_accounts(mini_engine)
    at = open_page(signed_in(monkeypatch, mini_engine, "quantri.test"), USERS_PAGE)
    before = count(mini_engine, app_user)

    fill_new_account(
        at, username="tinhb.moi", name="Người *mới* <b>B</b>", role=Role.province, province="02", password=PASSWORD, again=PASSWORD + "x"
    )
    assert not at.exception
    assert any("không khớp" in e.value for e in at.error) and count(mini_engine, app_user) == before
    fill_new_account(at, username="tinhb.moi", name="Người *mới* <b>B</b>", role=Role.province, province="02", password="ngan", again="ngan")
    assert any("ít nhất 12 ký tự" in e.value for e in at.error) and count(mini_engine, app_user) == before
    # A refusal keeps what was typed (but the passwords): only the password needs typing again.
    kept = (at.text_input(key="users_new_username").value, at.text_input(key="users_new_name").value, at.selectbox(key="users_new_province").value)
    assert kept == ("tinhb.moi", "Người *mới* <b>B</b>", "02")
    assert field(at, "Mật khẩu").value == ""

    fill_new_account(at, username="TinhB.Moi", name="Người *mới* <b>B</b>", role=Role.province, province="02", password=PASSWORD, again=PASSWORD)
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Đã thêm tài khoản tinhb.moi."], [e.value for e in at.error]
    assert at.text_input(key="users_new_username").value == "" and at.text_input(key="users_new_name").value == ""  # ready for the next
    assert count(mini_engine, app_user) == before + 1
    row = account(mini_engine, "tinhb.moi")
    assert (row.display_name, row.role, row.province_code, row.active) == ("Người *mới* <b>B</b>", "province", "02", True)
    assert row.created_by == "Quản trị (kiểm thử)" and row.password_hash.startswith("$argon2id$")
    added = audit_rows(mini_engine, "user_add")[-1]
    assert (added.user_id, added.actor, added.target, added.province_code) == (ids["quantri.test"], "quantri.test", "tinhb.moi", "02")
    # The new account is in the table (its name as data, not Markdown); the typed passwords are nowhere in the session.
    assert "Người *mới* <b>B</b>" in list(at.dataframe[0].value["Họ tên"])
    assert not session_holds(at, PASSWORD) and not session_holds(at, PASSWORD + "x")
    with mini_engine.begin() as conn:
        assert users.sign_in(conn, "tinhb.moi", PASSWORD, client=None).actor is not None

    # A duplicate name is refused with the writer's message, nothing written.
    fill_new_account(at, username="tinhb.moi", name="Lần hai", role=Role.viewer, province=None, password=PASSWORD, again=PASSWORD)
    assert any("đã có" in e.value for e in at.error) and count(mini_engine, app_user) == before + 1


def test_admin_adds_a_single_sign_on_account(monkeypatch, mini_engine):
    add_accounts(mini_engine)
    at = open_page(signed_in(monkeypatch, mini_engine, "quantri.test"), USERS_PAGE)
    at.toggle(key="users_new_sso_only").set_value(True).run()
    assert not {"Mật khẩu", "Nhập lại mật khẩu"} & {t.label for t in at.text_input}  # no password fields for SSO only
    at.selectbox(key="users_new_role").set_value(Role.viewer).run()
    at.text_input(key="users_new_username").input("lanhdao.sso")
    at.text_input(key="users_new_name").input("Lãnh đạo SSO")
    at.text_input(key="users_new_sso").input("LanhDao@bocongan.gov.vn")
    button(at, "Thêm tài khoản").click().run()
    assert not at.exception and at.success
    row = account(mini_engine, "lanhdao.sso")
    assert (row.role, row.sso_identity, row.password_hash) == ("viewer", "lanhdao@bocongan.gov.vn", None)


def test_admin_disables_enables_changes_role_and_resets_a_password(monkeypatch, mini_engine):
    ids = add_accounts(mini_engine)
    at = open_page(signed_in(monkeypatch, mini_engine, "quantri.test"), USERS_PAGE)
    at.selectbox(key="users_pick").set_value("tinha.test").run()

    # Disable: the account's open session ends; enable: it can sign in again.
    token = new_session(mini_engine, "tinha.test")
    at.button(key="users_disable_tinha.test").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Đã khóa tài khoản tinha.test."]
    assert account(mini_engine, "tinha.test").active is False and session_user(mini_engine, token) is None
    at.button(key="users_enable_tinha.test").click().run()
    assert account(mini_engine, "tinha.test").active is True
    assert [s.value for s in at.success] == ["Đã mở khóa tài khoản tinha.test."]
    # Each is its own action in the log, so "who disabled this account" is one filter.
    assert [(r.user_id, r.target) for r in audit_rows(mini_engine, "user_disable")] == [(ids["quantri.test"], "tinha.test")]
    assert [(r.user_id, r.target) for r in audit_rows(mini_engine, "user_enable")] == [(ids["quantri.test"], "tinha.test")]
    assert audit_rows(mini_engine, "user_change") == []

    # Role and province: province 01 → province 03, then data team (no province); sessions end each time.
    token = new_session(mini_engine, "tinha.test")
    at.selectbox(key="users_role_province_tinha.test").set_value("03")
    at.button(key="users_role_save_tinha.test").click().run()
    assert not at.exception and (account(mini_engine, "tinha.test").province_code == "03")
    assert session_user(mini_engine, token) is None
    at.selectbox(key="users_role_tinha.test").set_value(Role.data_team).run()
    assert not any(s.key == "users_role_province_tinha.test" for s in at.selectbox)
    at.button(key="users_role_save_tinha.test").click().run()
    row = account(mini_engine, "tinha.test")
    assert (row.role, row.province_code) == ("data_team", None)
    assert at.success[0].value == "Đã đổi vai trò của tinha.test thành «Tổ dữ liệu C06»."
    assert audit_rows(mini_engine, "user_change")[-1].user_id == ids["quantri.test"]

    # Reset the password: typed twice; a mismatch writes nothing; then the old password and the old session stop working.
    token = new_session(mini_engine, "tinha.test")
    old_hash = account(mini_engine, "tinha.test").password_hash
    field(at, "Mật khẩu mới").input(NEW_PASSWORD)
    field(at, "Nhập lại mật khẩu mới").input(NEW_PASSWORD + "!")
    button(at, "Đặt lại mật khẩu").click().run()
    assert any("không khớp" in e.value for e in at.error) and account(mini_engine, "tinha.test").password_hash == old_hash
    field(at, "Mật khẩu mới").input(NEW_PASSWORD)
    field(at, "Nhập lại mật khẩu mới").input(NEW_PASSWORD)
    button(at, "Đặt lại mật khẩu").click().run()
    assert not at.exception and "Đã đặt lại mật khẩu cho tinha.test" in at.success[0].value
    assert session_user(mini_engine, token) is None
    with mini_engine.connect() as conn:
        ended = conn.execute(select(user_session.c.ended_at).where(user_session.c.token_hash == users.token_hash(token))).scalar_one()
    assert ended is not None
    assert not session_holds(at, NEW_PASSWORD)
    with mini_engine.begin() as conn:
        assert users.sign_in(conn, "tinha.test", PASSWORD, client=None).actor is None
        assert users.sign_in(conn, "tinha.test", NEW_PASSWORD, client=None).actor.username == "tinha.test"
    reset = audit_rows(mini_engine, "user_password")[-1]
    assert (reset.user_id, reset.target) == (ids["quantri.test"], "tinha.test")
    assert NEW_PASSWORD not in (reset.detail or "")


def test_writes_name_the_address_and_a_refused_write_is_logged(monkeypatch, mini_engine):
    """Every write's record carries the browser's address (not only sign-ins); a write refused because
    the account was disabled meanwhile is itself a record, under that account, with what it tried."""
    ids = add_accounts(mini_engine)
    monkeypatch.setattr(ui_access, "client_address", lambda: "10.0.0.7")
    at = open_page(signed_in(monkeypatch, mini_engine, "c06.test"), "app_pages/events.py")
    at.text_input(key="ev_new_label").set_value("Kiểm tra máy cấp thẻ")
    at.multiselect(key="ev_new_provinces").set_value(["01"])
    button(at, "Thêm sự kiện").click().run()
    assert not at.exception and any("Đã thêm sự kiện" in s.value for s in at.success)
    added = audit_rows(mini_engine, "event_add")[-1]
    assert (added.user_id, added.client, added.province_code) == (ids["c06.test"], "10.0.0.7", "01")

    with mini_engine.begin() as conn:
        users.set_active(conn, operator("test"), "c06.test", False)
    at.text_input(key="ev_new_label").set_value("Sự kiện thứ hai")
    button(at, "Thêm sự kiện").click().run()
    assert not at.exception and "đã bị khóa" in at.error[0].value
    assert len(audit_rows(mini_engine, "event_add")) == 1
    refused = audit_rows(mini_engine, "refused")
    assert [(r.user_id, r.actor, r.target, r.client) for r in refused] == [(ids["c06.test"], "c06.test", "edit_events", "10.0.0.7")]
    assert "đã bị khóa" in refused[0].detail

    # The audit page shows it in words.
    at = open_page(signed_in(monkeypatch, mini_engine, "quantri.test"), AUDIT_PAGE)
    at.selectbox(key="audit_action").set_value("refused").run()
    shown = at.dataframe[0].value
    assert list(shown["Thao tác"]) == ["bị từ chối"] and list(shown["Tài khoản"]) == ["c06.test"]
    assert "đã bị khóa" in shown["Chi tiết"][0] and list(shown["Địa chỉ máy"]) == ["10.0.0.7"]
    assert list(shown["Đối tượng"]) == ["sửa sự kiện trên biểu đồ"]  # the permission in words, not its code


# --- the audit log page ----------------------------------------------------------------------------


def seed_log(engine, ids: dict[str, int]) -> None:
    with engine.begin() as conn:
        admin = users.find_actor(conn, "quantri.test", via="web")
        province = users.find_actor(conn, "tinha.test", via="web")
        audit.record(conn, admin, "sign_in", client="10.0.0.1", at=datetime(2021, 6, 1, 8, 0, 5))
        audit.record(
            conn,
            province,
            "report_import",
            province_code="01",
            target="batch #4",
            client="10.0.0.2",
            detail={"file": "bao-cao.csv", "rows": 1234},
            at=datetime(2021, 6, 2, 16, 30, 0),
        )
        audit.record(
            conn,
            None,
            "sign_in_failed",
            actor_name="=cmd|' /C calc'!A0",
            client="10.0.0.3",
            detail={"reason": "bad_credentials"},
            at=datetime(2021, 6, 3, 23, 59, 59),
        )
        audit.record(conn, province, "rollback", province_code="01", target="batch #4", at=datetime(2021, 6, 4, 9, 0, 0))


def test_audit_page_filters_and_downloads_csv(monkeypatch, mini_engine):
    ids = add_accounts(mini_engine)
    seed_log(mini_engine, ids)
    total = count(mini_engine, audit_log)
    downloads: list[bytes] = []
    real_download = streamlit.download_button

    def spy(label, data, *args, **kwargs):
        downloads.append(data)
        return real_download(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    at = open_page(signed_in(monkeypatch, mini_engine, "c06.test"), AUDIT_PAGE)
    table = at.dataframe[0].value
    assert len(table) == total  # 4 seeded + 4 accounts added
    assert list(table.columns) == ["Thời điểm", "Tài khoản", "Họ tên", "Thao tác", "Tỉnh", "Đối tượng", "Chi tiết", "Địa chỉ máy"]
    imported = table[table["Thao tác"] == "nhập báo cáo"].iloc[0]
    assert (imported["Thời điểm"], imported["Tài khoản"], imported["Họ tên"], imported["Tỉnh"], imported["Địa chỉ máy"]) == (
        "02/06/2021 16:30:00",
        "tinha.test",
        "Cán bộ tỉnh A (kiểm thử)",
        "Tỉnh A",
        "10.0.0.2",
    )
    assert imported["Chi tiết"] == "tệp: bao-cao.csv; số dòng: 1.234" and imported["Đối tượng"] == "lô #4"

    at.selectbox(key="audit_action").set_value("sign_in_failed").run()
    table = at.dataframe[0].value
    assert list(table["Thao tác"]) == ["đăng nhập sai"] and table["Chi tiết"][0] == "lý do: sai tên hoặc mật khẩu"
    at.selectbox(key="audit_action").set_value(None).run()

    at.selectbox(key="audit_province").set_value("01").run()
    assert list(at.dataframe[0].value["Thao tác"]) == ["hủy lô", "nhập báo cáo", "thêm tài khoản"]
    at.selectbox(key="audit_user").set_value("tinha.test").run()
    assert list(at.dataframe[0].value["Thao tác"]) == ["hủy lô", "nhập báo cáo"]
    at.selectbox(key="audit_province").set_value(None).run()
    at.selectbox(key="audit_user").set_value(None).run()

    # Dates are whole days, both ends included (the failed sign-in at 23:59:59 on 03/06 is in).
    at.date_input(key="audit_from").set_value(datetime(2021, 6, 2).date())
    at.date_input(key="audit_to").set_value(datetime(2021, 6, 3).date()).run()
    table = at.dataframe[0].value
    assert list(table["Thời điểm"]) == ["03/06/2021 23:59:59", "02/06/2021 16:30:00"]

    # The CSV holds the rows on screen, Vietnamese headers, BOM for Excel, the formula-like name neutralised.
    assert not at.exception
    [csv_button] = at.get("download_button")
    assert csv_button.proto.ignore_rerun
    body = downloads[-1]
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["Thời điểm"] for r in rows] == list(table["Thời điểm"])
    failed = rows[0]
    assert failed["Tài khoản"] == "'=cmd|' /C calc'!A0" and failed["Thao tác"] == "đăng nhập sai"

    # Nothing matches: a message, no table, no download.
    at.date_input(key="audit_from").set_value(datetime(2021, 6, 5).date())
    at.date_input(key="audit_to").set_value(datetime(2021, 6, 5).date()).run()
    assert len(at.dataframe) == 0 and any("Không có mục nào" in i.value for i in at.info)

    # A name that is no account can be typed: the server operator who made the accounts at the command line.
    # (AppTest's selectbox picks listed options only, so the typed name goes in through the session state, once.)
    at = signed_in(monkeypatch, mini_engine, "quantri.test")
    at.session_state["audit_user"] = "os:test"
    open_page(at, AUDIT_PAGE)
    assert list(at.dataframe[0].value["Thao tác"]) == ["thêm tài khoản"] * len(ACCOUNTS)
