"""The overview page through Streamlit's AppTest: numbers from queries/, Vietnamese formats, clear failures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from db import migrate
from db.engine import make_engine
from queries.progress import progress
from tests.chart_support import chart_keys, figures
from tests.conftest import person, sign_in_apptest
from present import format as fmt

TIMEOUT = 180
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(monkeypatch, url: str, **params) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_overview_shows_the_national_headline_from_queries(monkeypatch, demo_sqlite):
    at = run_app(monkeypatch, demo_sqlite, as_of="2021-04-27")
    assert not at.exception
    assert "Toàn quốc" in at.title[0].value
    assert at.subheader[0].value == "Còn 65 ngày đến hạn 01/07/2021"
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        expected = progress(conn, level="national", as_of=date(2021, 4, 27), metric="applications_received")["cumulative"][0]
    assert at.metric[0].value == fmt.number(expected)
    assert "." in at.metric[0].value  # Vietnamese grouping: 1.234.567
    captions = " ".join(c.value for c in at.caption)
    assert "27/04/2021" in captions and "Dữ liệu mô phỏng" in captions
    assert any("Dữ liệu mô phỏng" in w.value for w in at.sidebar.warning)
    assert chart_keys(at) == ["trend", "regions"]  # trend and region comparison
    regions = figures(at)[1]["data"][0]["y"]
    assert len(regions) == 6 and "Tây Nguyên" in regions
    statuses = [m for m in at.metric if m.value.endswith("tỉnh")]
    assert sum(int(m.value.split()[0]) for m in statuses) == 63
    assert any("5 tỉnh có nguy cơ" in md.value for md in at.markdown)


def test_my_province_lists_the_63_in_vietnamese_alphabetical_order(monkeypatch, demo_sqlite):
    at = run_app(monkeypatch, demo_sqlite, as_of="2021-04-27")
    box = at.sidebar.selectbox(key="my_province")
    assert box.options[0] == "— chưa chọn —"
    names = list(box.options)[1:]  # as shown
    assert len(names) == 63
    assert names[:3] == ["An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu"] and names[-1] == "Yên Bái"
    # Đà Nẵng follows the C-provinces, not Yên Bái (a plain sort puts every Đ after Y).
    assert names.index("Cần Thơ") + 1 == names.index("Đà Nẵng") and names.index("Điện Biên") < names.index("Gia Lai")


def test_after_the_deadline_the_screen_says_how_late(monkeypatch, demo_sqlite):
    at = run_app(monkeypatch, demo_sqlite, as_of="2021-12-31")
    assert not at.exception
    assert at.subheader[0].value == "Đã quá hạn 183 ngày (hạn 01/07/2021)"
    assert "-" not in at.subheader[0].value


def test_switching_denominator_and_metric(monkeypatch, demo_sqlite):
    at = run_app(monkeypatch, demo_sqlite, as_of="2021-06-15")
    at.sidebar.radio(key="denominator").set_value("target").run()
    at.sidebar.selectbox(key="metric").set_value("cards_delivered").run()
    assert not at.exception
    assert at.query_params["denominator"] == "target" and at.query_params["metric"] == "cards_delivered"
    title = figures(at)[0]["layout"]["title"]["text"]
    assert title.startswith("<b>Thẻ CCCD đã trả cho công dân")


def test_unreachable_database_gives_a_vietnamese_message(monkeypatch):
    at = run_app(monkeypatch, "postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    assert not at.exception
    assert "Không kết nối được cơ sở dữ liệu" in at.error[0].value


def test_uninitialised_and_empty_databases(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    at = run_app(monkeypatch, url)
    assert not at.exception and "chưa được khởi tạo" in at.error[0].value
    migrate.upgrade(make_engine(url))
    at = run_app(monkeypatch, url)  # a real (not simulated) database: nothing is shown before signing in
    assert not at.exception and "Cần đăng nhập" in at.info[0].value and not at.get("download_button")
    sign_in_apptest(monkeypatch, person("Tổ dữ liệu", role="data_team"))
    at = run_app(monkeypatch, url)
    assert not at.exception and "Chưa có báo cáo" in at.info[0].value
    # …and the first report can be uploaded right there (the rest of the app has nothing to show yet).
    assert at.title[0].value == "Nhập báo cáo"
    assert "Tải mẫu báo cáo (Excel)" in [b.proto.label for b in at.get("download_button")]


def test_a_morning_with_a_few_reports_in_opens_on_the_day_most_have_sent(monkeypatch, mini_engine):
    """The first reports of 16/06 (2 of the 5 communes) make it the newest day, but the pages open on
    15/06 and say 16/06 is arriving; chosen anyway, 16/06 is marked as not yet complete, with its share."""
    from tests.test_queries import _report_16_06

    _report_16_06(mini_engine, [("00001", "01"), ("00002", "01")])
    url = mini_engine.url.render_as_string(hide_password=False)
    sign_in_apptest(monkeypatch, person("Lãnh đạo", role="viewer"))
    at = run_app(monkeypatch, url)
    assert not at.exception
    assert at.date_input(key="as_of").value == date(2021, 6, 15) and at.query_params["as_of"] == "2021-06-15"
    notes = " ".join(c.value for c in at.sidebar.caption)
    assert "Báo cáo mới đang về — ngày 16/06/2021: 2/5 xã (40,0%) đã gửi; mặc định mở ngày 15/06/2021" in notes
    assert not at.warning

    at = run_app(monkeypatch, url, as_of="2021-06-16")
    assert not at.exception and at.date_input(key="as_of").value == date(2021, 6, 16)
    assert "Ngày 16/06/2021 chưa đủ báo cáo" in at.sidebar.warning[0].value and "Ngày gần nhất đã đủ: 15/06/2021" in at.sidebar.warning[0].value
    headline = [w.value for w in at.main.warning]
    assert len(headline) == 1 and "Báo cáo ngày 16/06/2021 đang về: mới có **2/5 xã (40,0%)** gửi" in headline[0]

    # Once most have sent it, 16/06 is where the pages open, without a note.
    _report_16_06(mini_engine, [("00004", "03")])
    at = run_app(monkeypatch, url)
    assert at.date_input(key="as_of").value == date(2021, 6, 16) and not at.warning
    assert "đang về" not in " ".join(c.value for c in at.sidebar.caption)


def test_a_provincial_account_that_looked_at_another_province_gets_back_in_one_click(monkeypatch, demo_sqlite):
    """A map click or a link makes another province "mine" (?province=); the sidebar then offers the
    account's own province back, and takes it in one click."""
    sign_in_apptest(monkeypatch, person("Công an tỉnh Cà Mau", role="province", province="96"))
    at = run_app(monkeypatch, demo_sqlite, as_of="2021-04-27")
    assert at.sidebar.selectbox(key="my_province").value == "96" and not [b for b in at.sidebar.button if b.key == "my_province_home"]
    at = run_app(monkeypatch, demo_sqlite, as_of="2021-04-27", province="48")
    assert at.sidebar.selectbox(key="my_province").value == "48"
    back = at.sidebar.button(key="my_province_home")
    assert back.label == "Về Cà Mau (tỉnh của tài khoản)"
    back.click().run()
    assert not at.exception
    assert at.sidebar.selectbox(key="my_province").value == "96" and at.query_params["province"] == "96"
    assert not [b for b in at.sidebar.button if b.key == "my_province_home"]


def test_the_work_pages_show_no_data_controls_and_the_dashboard_keeps_its_choice(monkeypatch, demo_sqlite):
    """Upload, audit, accounts and one's own account use no as-of day, metric or province: their sidebar holds
    the page list, who is signed in and the simulated-data label, not a date picker that changes nothing.
    Back on a dashboard page (a menu link carries no query), the day and metric chosen before are still there."""
    sign_in_apptest(monkeypatch, person("Quản trị", role="admin"))
    at = run_app(monkeypatch, demo_sqlite)
    at.sidebar.date_input(key="as_of").set_value(date(2021, 4, 20)).run()
    at.sidebar.selectbox(key="metric").set_value("cards_delivered").run()
    for page, title in [
        ("app_pages/upload.py", "Nhập báo cáo"),
        ("app_pages/audit.py", "Nhật ký thao tác"),
        ("app_pages/users.py", "Tài khoản"),
        ("app_pages/my_account.py", "Tài khoản của tôi"),
    ]:
        for key in list(at.query_params):
            del at.query_params[key]
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title[0].value == title
        assert len(at.sidebar.date_input) == len(at.sidebar.selectbox) == len(at.sidebar.radio) == 0, page
        sidebar_text = " ".join(c.value for c in at.sidebar.caption) + " ".join(w.value for w in at.sidebar.warning)
        assert "Đăng nhập: **Quản trị**" in sidebar_text and "Dữ liệu mô phỏng" in sidebar_text, page
    for key in list(at.query_params):
        del at.query_params[key]
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert at.sidebar.date_input(key="as_of").value == date(2021, 4, 20)
    assert at.sidebar.selectbox(key="metric").value == "cards_delivered"
    assert "20/04/2021" in " ".join(c.value for c in at.caption)
