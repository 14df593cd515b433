"""A deep link connects at once: Streamlit's page carries the server's base address (web.index_page), so
the browser never asks `/<page>/_stcore/health` first (issue 15: time to content); every other answer is
left byte for byte as it was."""

from __future__ import annotations

import gzip

import pytest

from tests.browser_support import offline_page, require_chromium
from tests.test_static_cache import fetch
from web import index_page
from web.headers import CONTENT_SECURITY_POLICY

BASE = "<script>" + index_page.BASE_SCRIPT + "</script>"


def test_the_script_comes_before_streamlits_bundle_and_nothing_else_changes():
    page = index_page.PAGE
    assert page.count(BASE) == 1
    assert page.index(BASE) < page.index('<script type="module"')
    assert page.replace(BASE + "\n    ", "") == index_page.ORIGINAL.decode("utf-8")
    # A page without a module script is left as it is.
    assert index_page.rewrite("<html><head></head></html>") == "<html><head></head></html>"


def test_the_policy_allows_the_script_by_its_hash():
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(index_page.BASE_SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.parametrize("path", ["/", "/xep-hang?as_of=2021-04-27", "/tinh-cua-toi", "/khong-co-trang-nay"])
def test_every_page_path_gets_the_page_with_its_base(server, path):
    status, headers, body = fetch(server + path, Accept="text/html", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(body).decode()
    assert text == index_page.PAGE and int(headers["Content-Length"]) == len(body)
    assert "Etag" not in headers and "Last-Modified" not in headers  # not the file Streamlit's validators describe
    assert headers["Cache-Control"] == "no-cache"
    # Without gzip: the same page, plain.
    status, headers, body = fetch(server + path, Accept="text/html")
    assert status == 200 and "Content-Encoding" not in headers and body.decode() == index_page.PAGE


def test_other_html_and_other_answers_are_untouched(server):
    # The sign-in form is HTML of the app's own: it passes through as it was made.
    status, headers, body = fetch(server + "/dang-nhap", Accept="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert index_page.BASE_SCRIPT not in body.decode() and "Đăng nhập" in body.decode()
    # Streamlit's reserved paths still answer 404 under a page, and its health check answers.
    assert fetch(server + "/xep-hang/_stcore/health")[0] == 404
    status, _, body = fetch(server + "/_stcore/health")
    assert status == 200 and body == b"ok"
    # HEAD is not rewritten (no body to compare): Streamlit's own answer.
    status, headers, body = fetch(server + "/xep-hang", "HEAD", Accept="text/html")
    assert status == 200 and body == b""


def test_a_deep_link_never_asks_under_its_own_path(server, browser):
    require_chromium()
    page = offline_page(browser, 1280, 800)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(server + "/xep-hang?as_of=2021-06-15&province=48", timeout=180_000)
    page.get_by_text("Xếp hạng 63 tỉnh/thành phố").first.wait_for(timeout=180_000)
    page.wait_for_timeout(500)
    assert not [url for url in asked if "/xep-hang/_stcore/" in url], asked
    assert [url for url in asked if url.endswith("/_stcore/health")] == [server + "/_stcore/health"]
    assert page.evaluate("window.__streamlit.BACKEND_BASE_URL") == server + "/"
    assert page.outside == [] and page.locator('[data-testid="stException"]').count() == 0
    page.close()
