"""Every answer carries the security headers, and every page still draws under its Content-Security-
Policy in Chromium: no violation reported, nothing fetched off this machine (tests/browser_support)."""

from __future__ import annotations

import urllib.request

import pytest

from tests.browser_support import offline_page, require_chromium
from web.headers import CONTENT_SECURITY_POLICY

require_chromium()

# (path, text that shows the page's content is drawn)
PAGES = [
    ("/?as_of=2021-04-27", "Còn 65 ngày đến hạn 01/07/2021"),
    ("/ban-do?as_of=2021-04-27", "Bản đồ"),
    ("/xep-hang?as_of=2021-06-15&province=48", "Xếp hạng 63 tỉnh/thành phố"),
    ("/tinh-cua-toi?as_of=2021-06-15&province=48", "Đà Nẵng"),
    ("/tinh?province=96&as_of=2021-06-15", "Cà Mau"),
    ("/chat-luong?as_of=2021-04-27", "Chất lượng số liệu"),
    ("/san-sang?as_of=2021-06-15", "Sẵn sàng triển khai"),
    ("/hop?as_of=2021-04-27", "01/07/2021"),
    ("/dang-nhap", "Đăng nhập"),
]


@pytest.mark.parametrize("path", ["/", "/dang-nhap", "/_stcore/health", "/app/static/auth.css"])
def test_every_answer_has_the_headers(server, path):
    with urllib.request.urlopen(server + path, timeout=60) as answer:
        headers = answer.headers
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "http" not in headers["Content-Security-Policy"]  # only this server, no other origin named


@pytest.mark.parametrize("path,text", PAGES, ids=[p for p, _ in PAGES])
def test_pages_draw_under_the_policy(server, browser, path, text):
    page = offline_page(browser, 1280, 800)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.goto(server + path, timeout=180_000)
    page.get_by_text(text).first.wait_for(timeout=180_000)
    page.wait_for_timeout(1500)  # late requests (charts, fonts) would report here
    assert violations == [], violations
    assert page.outside == []
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_the_policy_is_the_one_documented():
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "script-src 'self'" in CONTENT_SECURITY_POLICY
