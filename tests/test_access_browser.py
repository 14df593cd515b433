"""Signing in as a person does, in Debian's Chromium against `streamlit run asgi.py`: the gate, the form,
wrong and right passwords, reload and new tab, a tampered, an expired and a signed-out cookie, and what
each role is offered and refused on the pages (the writers refuse it again: tests/test_access.py)."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from db import users
from db.access import operator
from db.engine import make_engine
from db.schema import audit_log, import_batch, user_session
from tests.browser_support import (
    ARTIFACTS,
    chromium,
    offline_page,
    require_chromium,
    streamlit_server,
)

require_chromium()

PASSWORD = "mua-thu-ha-noi-2021"
HEADER = "Ngày báo cáo,Mã tỉnh,Mã huyện,Mã xã,Số hồ sơ tiếp nhận,Số thẻ đã trả cho công dân,Số phiếu thu thập thông tin dân cư,Số bản ghi đã cập nhật vào CSDL"
HOSTILE_NAME = "![p](http://127.0.0.1:9/pixel.png) [Xác nhận lại tại đây](http://127.0.0.1:9/x) www.evil.example \u202egpj.exe"
ACCOUNTS = {  # username: (display name, role, province)
    "bacninh": ("Cán bộ Công an tỉnh Bắc Ninh", "province", "27"),
    "lanhdao": ("Lãnh đạo Bộ", "viewer", None),
    "hostile": (HOSTILE_NAME, "province", "27"),
    "quantri": ("Quản trị hệ thống", "admin", None),
}


@pytest.fixture(scope="module")
def site(demo_sqlite, tmp_path_factory, monkeypatch_module):
    """A copy of the small demo data set with two accounts, served with reading closed to strangers."""
    path = tmp_path_factory.mktemp("access") / "access.sqlite"
    shutil.copy(demo_sqlite.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as conn:
        for username, (name, role, province) in ACCOUNTS.items():
            users.add_user(conn, operator("test"), username=username, display_name=name, role=role, province_code=province, password=PASSWORD)
    monkeypatch_module.setenv("CCCD_PUBLIC_READ", "0")
    with streamlit_server(url, log_name="server-access.log") as base:
        yield base, engine
    engine.dispose()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def chrome():
    with chromium() as b:
        yield b


def sign_in(page, base: str, username: str, password: str = PASSWORD, path: str = "/xep-hang?province=48") -> None:
    page.goto(base + path)
    page.wait_for_selector("#username")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def wait_for_app(page, text: str) -> None:
    page.get_by_text(text).first.wait_for(timeout=60_000)


def test_a_deep_link_asks_once_then_the_session_survives_reload_and_new_tabs(site, chrome):
    base, engine = site
    context = chrome.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(base + "/xep-hang?province=48")
    assert page.url.startswith(base + "/dang-nhap?next=%2Fxep-hang%3Fprovince%3D48")
    assert page.locator("h1").inner_text() == "Tiến độ CCCD gắn chip"
    assert page.locator(".simulated").inner_text().startswith("Dữ liệu mô phỏng")  # every screen says so, this one too
    page.screenshot(path=str(ARTIFACTS / "access-sign-in.png"))

    sign_in(page, base, "bacninh", "sai-mat-khau-day")  # wrong password: the same answer as an unknown name
    error = page.locator(".error").inner_text()
    sign_in(page, base, "khong-co-ai", PASSWORD)
    assert page.locator(".error").inner_text() == error and "không đúng" in error
    assert page.locator("#username").input_value() == "khong-co-ai"  # the name stays, the password never

    sign_in(page, base, "bacninh")
    wait_for_app(page, "Cán bộ tỉnh — Bắc Ninh")
    assert page.url.startswith(base + "/xep-hang") and "province=48" in page.url  # the deep link, kept
    wait_for_app(page, "Đăng xuất")
    sidebar = page.locator("section[data-testid=stSidebar]").inner_text()
    assert "Cán bộ Công an tỉnh Bắc Ninh" in sidebar and "Đăng xuất" in sidebar
    page.screenshot(path=str(ARTIFACTS / "access-signed-in.png"))
    [cookie] = [c for c in context.cookies() if c["name"] == "cccd_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0

    page.reload()
    wait_for_app(page, "Cán bộ tỉnh — Bắc Ninh")
    other = context.new_page()
    other.goto(base + "/ban-do")
    wait_for_app(other, "Cán bộ tỉnh — Bắc Ninh")
    assert "/dang-nhap" not in other.url
    with engine.connect() as conn:
        signed = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "sign_in", audit_log.c.actor == "bacninh")
        ).scalar_one()
        failed = conn.execute(select(func.count()).select_from(audit_log).where(audit_log.c.action == "sign_in_failed")).scalar_one()
    assert signed == 1 and failed >= 2
    context.close()


def test_tampered_expired_and_signed_out_cookies_are_refused(site, chrome):
    base, engine = site
    context = chrome.new_context()
    page = context.new_page()
    sign_in(page, base, "lanhdao", path="/")
    wait_for_app(page, "Lãnh đạo Bộ")
    [cookie] = [c for c in context.cookies() if c["name"] == "cccd_session"]

    def fresh_with(value: str):
        ctx = chrome.new_context()
        ctx.add_cookies([{**cookie, "value": value}])
        p = ctx.new_page()
        p.goto(base + "/xep-hang")
        return ctx, p

    # A copy of the cookie works in another browser (it is the session) …
    ctx, p = fresh_with(cookie["value"])
    wait_for_app(p, "Lãnh đạo Bộ")
    ctx.close()
    # … a tampered one does not.
    token, _, signature = cookie["value"].rpartition(".")
    ctx, p = fresh_with(token[:-2] + ("AA" if not token.endswith("AA") else "BB") + "." + signature)
    assert "/dang-nhap" in p.url
    ctx.close()

    # Idle past the limit (8 h): the same cookie no longer opens anything.
    with engine.begin() as conn:
        conn.execute(update(user_session).where(user_session.c.ended_at.is_(None)).values(last_seen_at=datetime.now() - timedelta(hours=9)))
    ctx, p = fresh_with(cookie["value"])
    assert "/dang-nhap" in p.url
    ctx.close()

    # Sign out: back to the form, and the old cookie is dead everywhere.
    sign_in(page, base, "lanhdao", path="/")
    wait_for_app(page, "Lãnh đạo Bộ")
    [cookie] = [c for c in context.cookies() if c["name"] == "cccd_session"]
    page.get_by_text("Đăng xuất").click()
    page.wait_for_url("**/dang-nhap?da-dang-xuat=1")
    assert "Bạn đã đăng xuất." in page.locator(".notice").inner_text()
    assert not [c for c in context.cookies() if c["name"] == "cccd_session"]
    ctx, p = fresh_with(cookie["value"])
    assert "/dang-nhap" in p.url
    ctx.close()
    # A sign-out link without this session's tag (another site's) signs nobody out.
    sign_in(page, base, "lanhdao", path="/")
    wait_for_app(page, "Lãnh đạo Bộ")
    page.goto(base + "/dang-xuat?t=0123456789abcdef0123456789abcdef")
    wait_for_app(page, "Lãnh đạo Bộ")
    context.close()


def test_the_sign_in_form_refuses_a_post_without_its_token(site):
    base, _ = site
    body = urllib.parse.urlencode({"username": "lanhdao", "password": PASSWORD, "next": "/"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(base + "/dang-nhap", data=body, method="POST"), timeout=30)
    assert refused.value.code == 400 and "cccd_session" not in (refused.value.headers.get("set-cookie") or "")
    # and an outside "next" is never followed
    page = urllib.request.urlopen(base + "/dang-nhap?next=https://example.org/x", timeout=30).read().decode()
    assert 'name="next" value="/"' in page


def test_each_role_is_offered_what_it_may_do_and_refused_the_rest(site, chrome, tmp_path):
    base, engine = site
    viewer = offline_page(chrome, 1280, 800)
    sign_in(viewer, base, "lanhdao", path="/")
    wait_for_app(viewer, "Lãnh đạo Bộ")
    nav = [line.strip() for line in viewer.locator("[data-testid=stSidebarNav]").inner_text().splitlines() if line.strip()]
    assert "Xếp hạng tỉnh" in nav and "Nhập báo cáo" not in nav and "Tài khoản" not in nav and "Nhật ký thao tác" not in nav
    viewer.goto(base + "/su-kien")
    wait_for_app(viewer, "Tổ dữ liệu C06 thêm, sửa, xóa sự kiện")
    assert viewer.get_by_role("button", name="Thêm sự kiện").count() == 0
    assert viewer.outside == []
    viewer.close()

    # An administrator's menu holds every page; none hides behind Streamlit's English "View … more".
    admin = offline_page(chrome, 1280, 800)
    sign_in(admin, base, "quantri", path="/tai-khoan")
    wait_for_app(admin, "Thêm tài khoản")
    nav = admin.locator("[data-testid=stSidebarNav]").inner_text()
    assert all(title in nav for title in ("Tổng quan", "Nhập báo cáo", "Tài khoản", "Nhật ký thao tác", "Tài khoản của tôi")), nav
    assert "View" not in nav
    admin.close()

    officer = offline_page(chrome, 1280, 900)
    sign_in(officer, base, "bacninh", path="/nhap-bao-cao")
    wait_for_app(officer, "Người gửi:")
    # Streamlit's uploader speaks Vietnamese (web.ui_strings), nothing of its English left.
    dropzone = officer.locator("[data-testid=stFileUploaderDropzone]").first.inner_text()
    assert "Chọn tệp" in dropzone and "mỗi tệp" in dropzone and "CSV, XLSX" in dropzone, dropzone
    assert "Upload" not in dropzone and "per file" not in dropzone
    other = tmp_path / "vinh-phuc.csv"
    other.write_text(HEADER + "\n16/06/2021,26,243,08707,7,1,2,3\n", encoding="utf-8")
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(import_batch)).scalar_one()
    officer.locator("input[type=file]").set_input_files(str(other))
    officer.get_by_role("button", name="Kiểm tra và nhập").click()
    wait_for_app(officer, "chỉ được nhập báo cáo của tỉnh mình (Bắc Ninh, mã 27)")
    assert "Vĩnh Phúc (mã 26): dòng 2" in officer.locator("[data-testid=stAlertContentError]").inner_text()
    officer.screenshot(path=str(ARTIFACTS / "access-refused-upload.png"))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(import_batch)).scalar_one() == before
    assert officer.outside == []
    officer.close()


def test_names_and_file_names_from_people_render_as_plain_text(site, chrome, tmp_path):
    """A display name and a file name written as Markdown (an image the next reader's browser would
    fetch, a link, a bare address) show as the characters typed, on the result and in the batch list."""
    base, engine = site
    page = offline_page(chrome, 1280, 900)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if ":9/" in r.url or "evil" in r.url else None)
    sign_in(page, base, "hostile", path="/nhap-bao-cao")
    wait_for_app(page, "Người gửi:")
    hostile_file = tmp_path / "[Xác nhận](http:x) www.evil.example ![p](y).csv"
    hostile_file.write_text(HEADER + "\n16/06/2021,27,256,09163,7,1,2,3\n", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(hostile_file))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    wait_for_app(page, "Đã nhập tệp")
    page.get_by_text("Các lô đã nhập").wait_for()
    page.wait_for_timeout(1000)
    main = page.locator("section.stMain, [data-testid=stMain]").first
    assert main.locator("img").count() == 0 and main.locator("a[href*='evil'], a[href*=':9/'], a[href^='http:x']").count() == 0
    text = main.inner_text()
    assert "[Xác nhận](http:x) www" in text.replace("\u2060", "")  # shown as typed (word joiners aside)
    assert "![p](http://127.0.0.1:9/pixel.png)" in text.replace("\u2060", "")  # the sender's name, literally
    assert asked == [] and page.outside == []
    with engine.connect() as conn:
        stored = conn.execute(select(import_batch.c.submitted_by).order_by(import_batch.c.id.desc()).limit(1)).scalar_one()
    assert "\u202e" not in stored  # the bidirectional override was stripped before storing
    page.screenshot(path=str(ARTIFACTS / "access-hostile-names.png"))
    page.close()


def test_cookies_are_secure_when_the_request_came_over_https(site):
    """Behind the TLS proxy (X-Forwarded-Proto from a trusted address), the form's and the session's
    cookies carry Secure without any setting; over plain HTTP they cannot (the browser would drop them)."""
    import http.client
    import re as regex
    from urllib.parse import urlsplit

    base, _ = site
    netloc = urlsplit(base).netloc

    def request(method: str, path: str, headers: dict, body: str | None = None):
        conn = http.client.HTTPConnection(netloc, timeout=60)
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        cookies = answer.headers.get_all("set-cookie") or []
        conn.close()
        return answer.status, cookies

    _, plain = request("GET", "/dang-nhap", {})
    assert plain and all("secure" not in c.lower() for c in plain)
    _, forwarded = request("GET", "/dang-nhap", {"X-Forwarded-Proto": "https"})
    [csrf] = [c for c in forwarded if c.startswith("cccd_csrf=")]
    assert "secure" in csrf.lower()
    token = regex.match(r"cccd_csrf=([^;]+)", csrf).group(1)
    form = urllib.parse.urlencode({"csrf": token, "username": "lanhdao", "password": PASSWORD, "next": "/"})
    status, cookies = request(
        "POST",
        "/dang-nhap",
        {"X-Forwarded-Proto": "https", "Cookie": f"cccd_csrf={token}", "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    [session] = [c for c in cookies if c.startswith("cccd_session=")]
    assert status == 303 and "secure" in session.lower() and "httponly" in session.lower()


def test_an_edited_event_is_listed_under_its_new_name_at_once(site, chrome):
    """After "Lưu thay đổi", the event picker names the event as it now is (a kept widget showed the old name)."""
    base, _ = site
    page = offline_page(chrome, 1280, 900)
    sign_in(page, base, "quantri", path="/su-kien")
    wait_for_app(page, "Sửa hoặc xóa")
    picker = page.locator("[data-testid=stSelectbox]").filter(has_text="Sự kiện").locator("input").first
    before = picker.input_value()
    assert before.startswith("#1 · ")
    label = page.locator("[data-testid=stTextInput]").filter(has_text="Tên ngắn").nth(1).locator("input")
    label.fill("Tết (đã sửa)")
    page.get_by_role("button", name="Lưu thay đổi").click()
    wait_for_app(page, "Đã sửa sự kiện #1.")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stSelectbox] input')].some(e => e.value.endsWith('Tết (đã sửa)'))", timeout=60_000
    )
    assert picker.input_value().startswith("#1 · ") and picker.input_value().endswith("Tết (đã sửa)")
    assert page.outside == []
    page.close()
