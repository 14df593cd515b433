"""Streamlit's bundles and the app's static files come from memory, gzip-compressed once (web.static_cache),
byte for byte what is on disk; a browser draws a chart page with them (issue 15: the meeting morning)."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import streamlit

from tests.browser_support import offline_page, require_chromium

ROOT = Path(__file__).resolve().parent.parent
BUNDLES = Path(streamlit.__file__).parent / "static" / "static"


def fetch(url: str, method: str = "GET", **headers) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def main_bundle(server: str) -> str:
    _, _, page = fetch(server + "/")
    found = re.search(r'src="\.?/?(static/js/index\.[^"]+\.js)"', page.decode())
    assert found, "Streamlit's index.html names its entry bundle"
    return "/" + found.group(1)


def test_a_bundle_arrives_gzipped_and_equal_to_the_file(server):
    from web.ui_strings import translate

    path = main_bundle(server)
    # The entry bundle as on disk, with web.ui_strings' Vietnamese in place (its ⋮ menu, the widgets' language).
    on_disk = translate(Path(path).name, (BUNDLES / path.removeprefix("/static/")).read_bytes())
    status, headers, body = fetch(server + path, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == on_disk and len(body) < len(on_disk) / 2
    assert headers["Cache-Control"] == "public, immutable, max-age=31536000"
    assert headers["X-Content-Type-Options"] == "nosniff"  # the security headers still wrap it
    assert headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    # A client that does not accept gzip gets the plain bytes.
    status, headers, plain = fetch(server + path)
    assert status == 200 and "Content-Encoding" not in headers and plain == on_disk
    # Asked again with its ETag: 304, nothing sent.
    status, _, empty = fetch(server + path, **{"If-None-Match": headers["Etag"], "Accept-Encoding": "gzip"})
    assert status == 304 and empty == b""
    # HEAD: the headers, no body.
    status, headers, empty = fetch(server + path, "HEAD", **{"Accept-Encoding": "gzip"})
    assert status == 200 and empty == b"" and int(headers["Content-Length"]) > 0


def test_the_apps_own_static_files_are_revalidated_not_kept(server):
    status, headers, body = fetch(server + "/app/static/auth.css", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    assert gzip.decompress(body) == (ROOT / "static" / "auth.css").read_bytes()
    assert fetch(server + "/app/static/auth.css", **{"If-None-Match": headers["Etag"]})[0] == 304


def test_what_it_does_not_know_goes_to_streamlit(server):
    # A name that is not a file of the folders: Streamlit's own answer (its page, for client-side routing),
    # never a file read from a path the request made up.
    source = (ROOT / "app.py").read_bytes()
    for path in ("/app/static/..%2fapp.py", "/app/static/%2e%2e/app.py", "/static/%2e%2e/%2e%2e/%2e%2e/app.py"):
        status, headers, body = fetch(server + path, **{"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in headers and source not in body, path
    # POST is not a read: it goes on to Streamlit, which does not serve it.
    assert fetch(server + main_bundle(server), "POST")[0] in (400, 404, 405)


def test_a_chart_page_draws_with_the_compressed_bundles(server, browser):
    require_chromium()
    page = offline_page(browser, 1280, 800)
    encodings: dict[str, str | None] = {}
    page.on("response", lambda r: encodings.__setitem__(r.url, r.headers.get("content-encoding")) if "/static/" in r.url else None)
    page.goto(server + "/?as_of=2021-04-27", timeout=180_000)
    page.get_by_text("Còn 65 ngày đến hạn 01/07/2021").first.wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
    # The charts' plotly.js is the app's own basic bundle (ui/chart.py), compressed like Streamlit's bundles.
    plotly = [url for url in encodings if "/app/static/vendor/plotly-basic-" in url]
    assert plotly and all(encodings[url] == "gzip" for url in plotly), encodings
    assert not [url for url in encodings if "PlotlyChart" in url]
    # No Markdown with raw HTML on the page (ui.access draws its links with st.html): the browser never
    # loads the 184 KB parser for it. The sidebar's sign-in link is there and stays in this tab.
    assert not [url for url in encodings if "rehype-raw" in url], [url for url in encodings if "rehype" in url]
    link = page.get_by_role("link", name="Đăng nhập để nhập, sửa số liệu")
    assert link.get_attribute("href").startswith("/dang-nhap?next=%2F") and link.get_attribute("target") in (None, "_self")
    assert page.outside == [] and page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_fonts_and_images_go_as_they_are(server):
    font = next(BUNDLES.glob("media/*.woff2"))
    status, headers, body = fetch(server + "/static/media/" + font.name, **{"Accept-Encoding": "gzip"})
    assert status == 200 and "Content-Encoding" not in headers and body == font.read_bytes()
    assert headers["Content-Type"] == "font/woff2"


def test_streamlits_own_english_is_served_in_vietnamese(server):
    """Each piece of web.ui_strings is in the pinned Streamlit's bundle exactly once (a new Streamlit
    that moved one fails here), and the served bundle — gzipped or plain — has the Vietnamese instead."""
    from web.ui_strings import TRANSLATIONS

    scripts = [f for f in (BUNDLES / "js").iterdir() if f.suffix == ".js"]
    for prefix, english, vietnamese in TRANSLATIONS:
        counts = {f.name: f.read_bytes().count(english.encode()) for f in scripts if f.name.startswith(prefix)}
        assert sum(counts.values()) == 1, (prefix, english, counts)
    uploader = next(f for f in scripts if f.name.startswith("FileUploader."))
    _, headers, body = fetch(server + "/static/js/" + uploader.name, **{"Accept-Encoding": "gzip"})
    served = gzip.decompress(body)
    assert "`Chọn tệp`".encode() in served and "`Tối đa ${T(t,D.Byte,0)} mỗi tệp`".encode() in served
    assert b":`Upload`" not in served and b"per file" not in served
    _, plain_headers, plain = fetch(server + "/static/js/" + uploader.name)
    assert plain == served and plain_headers["Etag"] == headers["Etag"]


def test_the_calendar_and_the_menu_speak_vietnamese_in_an_english_browser(server, browser):
    """A browser set to English (en-US): the date picker still names months and weekdays in
    Vietnamese and starts its weeks on Monday, and the ⋮ menu offers "In trang" and no English recorder."""
    require_chromium()
    page = offline_page(browser, 1280, 800, locale="en-US")
    assert page.evaluate("navigator.language") == "en-US"
    page.goto(server + "/xep-hang?as_of=2021-04-27", timeout=180_000)
    page.locator("[data-testid=stDateInput]").first.wait_for(timeout=180_000)
    page.locator("[data-testid=stDateInput]").first.click()
    calendar = page.locator("[data-testid=stDateInputCalendar]")
    calendar.wait_for(timeout=30_000)
    text = calendar.inner_text()
    assert "Tháng 4" in text and "April" not in text, text
    weekdays = re.findall(r"\b(T[2-7]|CN)\b", text)
    assert weekdays[:7] == ["T2", "T3", "T4", "T5", "T6", "T7", "CN"], text
    page.keyboard.press("Escape")
    page.locator("[data-testid=stMainMenu]").click()
    menu = page.locator("[data-testid=stMainMenuPopover]")
    menu.wait_for(timeout=30_000)
    items = menu.inner_text()
    assert "In trang" in items and "Làm bằng Streamlit" in items, items
    assert not re.search(r"Print|Record|Made with", items), items
    assert page.outside == [] and page.locator('[data-testid="stException"]').count() == 0
    page.close()
