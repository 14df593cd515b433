"""Single sign-on end to end: the app (`streamlit run asgi.py`, reading private) with `[auth]` in a
secrets file, a real OpenID Connect provider process on 127.0.0.1 (oidc-provider-mock, pinned in
requirements-dev.txt), and Debian's Chromium.

A known identity signs in through the provider and lands on the page it asked for as its account (name
and role in the sidebar, `sign_in_sso` in the audit log); an identity without an account gets "Chưa được cấp
quyền" and none of the data (`sso_refused`); signing out sends the next page load to the sign-in form.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from db import users
from db.access import ROLE_LABEL_VI, Role, operator
from db.engine import make_engine
from db.schema import admin_unit, audit_log
from scripts.local_server import free_port, streamlit_server
from tests.browser_support import ARTIFACTS, LOCAL, chromium, offline_page, require_chromium

require_chromium()

PROVINCE = "26"
KNOWN_SUB = "cb-0026-sso"  # the provider's subject; the account is matched on the e-mail
KNOWN_EMAIL = "Tran.Thi.Binh@BO.gov.vn"  # mixed case on purpose: accounts hold it lower-cased
DISPLAY_NAME = "Trần Thị Bình (SSO)"
USERNAME = "binh.sso"
STRANGER = "nguoi.la@khac.gov.vn"  # an identity the provider knows but the app does not
PROVIDER_CDN = "https://cdn.jsdelivr.net/npm/@picocss/"  # oidc-provider-mock's page style; blocked
TIMEOUT = 60_000  # ms: generous ceilings for waits on selectors, never fixed sleeps


@contextmanager
def oidc_provider(port: int, log):
    """oidc-provider-mock's own CLI (a Flask app under uvicorn) on 127.0.0.1:`port`, with one
    predefined user; yields its base URL once the discovery document answers."""
    claims = json.dumps({"sub": KNOWN_SUB, "email": KNOWN_EMAIL, "email_verified": True, "name": DISPLAY_NAME})
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port), "--user-claims", claims],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        try:
            while True:
                try:
                    urllib.request.urlopen(f"{base}/.well-known/openid-configuration", timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the OIDC provider did not start: {log.read_text(errors='replace')[-2000:]}") from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def sso(demo_sqlite, tmp_path_factory):
    """A copy of the demo data set with one SSO account, the provider, and the app pointed at it.
    Yields (app base URL, provider base URL, database URL, the account's id, the province's name)."""
    folder = tmp_path_factory.mktemp("sso")
    shutil.copy(demo_sqlite.removeprefix("sqlite:///"), folder / "cccd.sqlite")
    url = f"sqlite:///{folder / 'cccd.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        user_id = users.add_user(
            conn,
            operator(),
            username=USERNAME,
            display_name=DISPLAY_NAME,
            role="province",
            province_code=PROVINCE,
            password=None,
            sso_identity=KNOWN_EMAIL,
        )
        province_name = conn.execute(select(admin_unit.c.name).where(admin_unit.c.code == PROVINCE)).scalar_one()
    engine.dispose()

    app_port, provider_port = free_port(), free_port()
    while provider_port == app_port:
        provider_port = free_port()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "cccd-dashboard"\n'
        f'client_secret = "{secrets.token_urlsafe(24)}"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    ARTIFACTS.mkdir(exist_ok=True)
    env = {
        "STREAMLIT_SECRETS_FILES": str(secrets_file),  # `--secrets.files` (streamlit/config.py), read by `streamlit run`
        "CCCD_PUBLIC_READ": "0",
        "CCCD_SECRET_KEY": secrets.token_urlsafe(32),
    }
    with (
        oidc_provider(provider_port, ARTIFACTS / "oidc-provider-sso.log") as provider,
        streamlit_server(url, log=ARTIFACTS / "server-test_sso_browser.log", start_timeout=120, env=env, port=app_port) as base,
    ):
        yield base, provider, url, user_id, province_name


def audit_rows(url: str, action: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(audit_log).where(audit_log.c.action == action)).all()
    finally:
        engine.dispose()


def sign_in_through_provider(page, base: str, provider: str, *, known: bool, start: str | None = None) -> None:
    """From a page of the app without a session (at `start`, another name for `base`, if given) to the
    app at `base` again, through the sign-in form's SSO link and the provider's authorization page."""
    start = start or base
    page.goto(f"{start}/xep-hang")
    page.wait_for_url(f"{start}/dang-nhap?next=%2Fxep-hang", timeout=TIMEOUT)
    page.get_by_role("link", name="Đăng nhập một lần (SSO)").click()
    page.get_by_role("heading", name="Authorize Client").wait_for(timeout=TIMEOUT)
    assert page.url.startswith(f"{provider}/oauth2/authorize?"), page.url
    if known:
        page.get_by_role("button", name=KNOWN_SUB).click()
    else:
        page.get_by_placeholder("sub").fill(STRANGER)
        page.get_by_role("button", name="Authorize").click()
    # Back on the page asked for, not on the start page Streamlit's callback goes to by itself.
    page.wait_for_url(f"{base}/xep-hang", timeout=TIMEOUT)


def test_single_sign_on_end_to_end(sso):
    base, provider, url, user_id, province_name = sso
    with chromium() as browser:
        # 1. a known identity: signed in as its account
        page = offline_page(browser, 1280, 900)
        sign_in_through_provider(page, base, provider, known=True)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text(DISPLAY_NAME).wait_for(timeout=TIMEOUT)
        box = sidebar.get_by_text("Đăng nhập:").inner_text()
        assert DISPLAY_NAME in box and USERNAME in box
        assert f"{ROLE_LABEL_VI[Role.province]} — {province_name}" in sidebar.inner_text()

        # the rankings are readable (a second page load: a new Streamlit session on the same sign-in);
        # remember figures from them for the refused identity below
        page.goto(f"{base}/xep-hang")
        page.get_by_role("heading", name="Xếp hạng 63 tỉnh/thành phố").wait_for(timeout=TIMEOUT)
        status_line = page.get_by_text("Số tỉnh theo trạng thái:").inner_text()
        caption = page.get_by_test_id("stCaptionContainer").filter(has_text="· số liệu đến ngày").inner_text()
        as_of = caption.split("số liệu đến ngày", 1)[1].split("·")[0].strip()
        assert as_of.count("/") == 2, caption
        assert DISPLAY_NAME in page.get_by_test_id("stSidebar").inner_text()
        # one sign-in, one audit row (not one per page load), for that account and its province
        signed_in = audit_rows(url, "sign_in_sso")
        assert [(r.user_id, r.province_code) for r in signed_in] == [(user_id, PROVINCE)], signed_in
        # the app asked nothing off this machine (the provider's page links a stylesheet on a CDN)
        assert [u for u in page.outside if not u.startswith(PROVIDER_CDN)] == [], page.outside

        # 2. an identity without an account: refused, and none of the data
        stranger = browser.new_context(viewport={"width": 1280, "height": 900})
        other = stranger.new_page()
        other.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
        sign_in_through_provider(other, base, provider, known=False)
        other.get_by_role("heading", name="Chưa được cấp quyền").wait_for(timeout=TIMEOUT)
        assert STRANGER in other.get_by_test_id("stAlert").inner_text().replace("\u2060", "")  # shown as text: autolink broken
        other.get_by_role("button", name="Đăng xuất").wait_for(timeout=TIMEOUT)
        other.goto(f"{base}/xep-hang")
        other.get_by_role("heading", name="Chưa được cấp quyền").wait_for(timeout=TIMEOUT)
        shown = other.locator("body").inner_text()
        for figure in ("Xếp hạng 63", as_of, status_line, DISPLAY_NAME):
            assert figure not in shown, figure
        refused = audit_rows(url, "sso_refused")
        assert [(r.user_id, r.actor) for r in refused] == [(None, STRANGER)], refused
        stranger.close()

        # 3. sign out: Streamlit drops its SSO cookie and sends the browser to the provider's end of
        # session, which comes back to the app; the next page load needs signing in again
        page.get_by_test_id("stSidebar").get_by_role("button", name="Đăng xuất").click()
        page.get_by_role("button", name="End session").click(timeout=TIMEOUT)  # the provider's confirmation
        page.wait_for_url(f"{base}/dang-nhap**", timeout=TIMEOUT)
        assert not [c["name"] for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
        page.goto(f"{base}/xep-hang")
        page.wait_for_url(f"{base}/dang-nhap?next=%2Fxep-hang", timeout=TIMEOUT)
        page.get_by_role("link", name="Đăng nhập một lần (SSO)").wait_for(timeout=TIMEOUT)

        # 4. signing in again is a new sign-in in the audit log; begun under another name for the
        # server (localhost, not redirect_uri's 127.0.0.1), the SSO link moves to redirect_uri's address
        # first (Streamlit checks the sign-in against that origin)
        sign_in_through_provider(page, base, provider, known=True, start=base.replace("127.0.0.1", "localhost"))
        page.get_by_test_id("stSidebar").get_by_text(DISPLAY_NAME).wait_for(timeout=TIMEOUT)
        assert [r.user_id for r in audit_rows(url, "sign_in_sso")] == [user_id, user_id]


def test_the_page_kept_for_the_way_back_is_only_ever_a_page_of_this_server(sso):
    """The kept page is a cookie the browser sends back: whatever it holds, the callback's redirect stays
    on this server (an open redirect would make the sign-in a phishing tool), and the cookie is cleared."""
    base = sso[0]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    for kept, expected in [
        ("%2Fxep-hang%3Fprovince%3D26", "/xep-hang?province=26"),
        ("%2F%2Fevil.example%2F", "/"),
        ("https%3A%2F%2Fevil.example", "/"),
    ]:
        request = urllib.request.Request(f"{base}/oauth2callback?state=stale", headers={"Cookie": f"cccd_sso_next={kept}"})
        try:
            opener.open(request, timeout=30)
            raise AssertionError("the callback did not redirect")
        except urllib.error.HTTPError as answer:
            assert answer.code in (302, 303, 307), answer.code
            assert answer.headers["Location"] == expected, (kept, answer.headers["Location"])
            assert any(c.startswith("cccd_sso_next=;") and "Max-Age=0" in c for c in answer.headers.get_all("Set-Cookie")), kept
