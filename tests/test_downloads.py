"""Every download button on every page downloads without rerunning the app.

A click on a `st.download_button` reruns the app by default. For a file made on click (a callable as
`data`: the meeting deck and handout) that rerun races the file's request: when the rerun's clean-up
comes first, Streamlit has already forgotten the callable ("Deferred file … not found" in the server
log) and the click downloads nothing, silently — seen in Chromium on a loaded machine. Downloading
changes nothing on a page, so every button is `on_click="ignore"`."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import person, sign_in_apptest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

PAGES = {
    "app_pages/overview.py": ({}, ["Tải bài trình chiếu (PowerPoint)", "Tải bảng số liệu (Excel)"]),
    "app_pages/rankings.py": ({}, ["Tải bảng (Excel)", "Tải bảng (CSV)"]),
    "app_pages/quality.py": ({}, ["Tải danh sách cần kiểm tra (Excel)", "Tải danh sách cần kiểm tra (CSV)"]),
    "app_pages/readiness.py": ({}, ["Tải mẫu trống (Excel)", "Tải mẫu kèm số liệu hiện có"]),
    "app_pages/upload.py": ({}, ["Tải mẫu báo cáo (Excel)"]),
    "app_pages/meeting.py": ({"slide": "7", "denominator": "target"}, ["Tải bài trình chiếu (PowerPoint)", "Tải bảng số liệu (Excel)"]),
}


@pytest.mark.parametrize("page", list(PAGES), ids=lambda p: Path(p).stem)
def test_download_buttons_do_not_rerun_the_app(monkeypatch, demo_sqlite, page):
    params, labels = PAGES[page]
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    sign_in_apptest(monkeypatch, person("Tổ dữ liệu", role="data_team"))  # the upload and update forms are theirs
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["as_of"] = "2021-04-27"
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == labels
    assert [b.proto.label for b in buttons if not b.proto.ignore_rerun] == []
