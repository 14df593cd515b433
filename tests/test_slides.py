"""The meeting's slides come from queries/ and say what queries/ says; the meeting page through AppTest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from exports.slides import FONT_PX, Table, build_slides, load_inputs, table_html
from queries.metrics import Status
from queries.progress import progress
from queries.rankings import most_at_risk, province_rankings
from queries.scorecard import scorecard
from present import format as fmt
from present.labels import SIMULATED_LABEL, STATUS_LABEL

APP = str(Path(__file__).resolve().parent.parent / "app.py")
AS_OF = date(2021, 4, 27)
NATIONAL_KEYS = ["headline", "map", "at_risk", "rankings", "regions", "trend", "notes"]
DIRECTOR_KEYS = ["province_headline", "province_neighbours", "province_districts", "province_trend", "province_rank", "notes"]


@pytest.fixture(scope="module")
def engine(demo_sqlite):
    eng = make_engine(demo_sqlite)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def national(engine):
    with engine.connect() as conn:
        return build_slides(conn, as_of=AS_OF, metric="applications_received", denominator="target")


def _font_sizes(node, key=""):
    """Every font size set anywhere in a figure's JSON (layout, annotations, axes, legend, traces)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "size" and key.endswith("font") and isinstance(v, int | float):
                yield v
            elif k == "size" and key.endswith("font") and isinstance(v, list):
                yield from v
            else:
                yield from _font_sizes(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _font_sizes(v, key)


def test_national_slides_in_order_each_with_one_message(national):
    assert [s.key for s in national] == NATIONAL_KEYS
    for slide in national:
        assert slide.title and slide.message and "\n" not in slide.message
        assert slide.as_of == AS_OF and slide.simulated
        assert slide.context == "Hồ sơ CCCD đã thu nhận so với chỉ tiêu giao"


def test_headline_numbers_are_the_national_progress_row(engine, national):
    with engine.connect() as conn:
        row = progress(conn, level="national", as_of=AS_OF, metric="applications_received", denominator="target").row(0, named=True)
    headline = national[0]
    values = [n.value for n in headline.numbers]
    assert values[0] == fmt.number(row["cumulative"])
    assert fmt.percent(row["coverage"]) in values[1]
    assert values[2] == "Còn 65 ngày"
    assert values[3] == fmt.number(row["pace"])
    assert headline.message.startswith("Còn 65 ngày đến hạn 01/07/2021.")
    assert STATUS_LABEL[Status(row["status"])] in headline.message
    # One line each for readiness and connections, from queries.readiness.
    from queries.readiness import readiness_headline

    with engine.connect() as conn:
        ready = readiness_headline(conn, as_of=AS_OF)
    assert headline.bullets == (ready.ready_line(), ready.connected_line())
    assert headline.bullets[0].endswith("tỉnh sẵn sàng triển khai") and "/63" in headline.bullets[0]


def test_at_risk_slide_is_most_at_risk(engine, national):
    with engine.connect() as conn:
        expected = most_at_risk(province_rankings(conn, as_of=AS_OF, metric="applications_received", denominator="target"))
    table = national[2].tables[0]
    assert [r[1].removesuffix(" ⚠") for r in table.rows] == expected["name"].to_list()
    assert [r[0] for r in table.rows] == [str(v) for v in expected["rank"].to_list()]
    assert [r[2] for r in table.rows] == [fmt.percent(v) for v in expected["coverage"].to_list()]
    assert table.status == tuple(expected["status"].to_list())
    assert expected["name"][0] in national[2].message


def test_rankings_slide_shows_top_and_bottom_five(engine, national):
    with engine.connect() as conn:
        frame = province_rankings(conn, as_of=AS_OF, metric="applications_received", denominator="target")
    top, bottom = national[3].tables
    assert [r[1].removesuffix(" ⚠") for r in top.rows] == frame.head(5)["name"].to_list()
    assert [r[1].removesuffix(" ⚠") for r in bottom.rows] == frame.tail(5)["name"].to_list()
    assert top.title == "5 tỉnh dẫn đầu" and bottom.title == "5 tỉnh cuối bảng"


def test_map_counts_match_the_map_colours(national):
    figure = national[1].figure
    coloured = {t.name: len(t.locations) for t in figure.data if t.type == "choropleth"}
    for number in national[1].numbers:
        count = int(number.value.split()[0])
        assert coloured.get(number.label, 0) == count or (number.status == "no_data" and count == coloured.get("Chưa có số liệu", 0))
    labels = " ".join(str(t.text) for t in figure.data if t.type == "scattergeo" and t.text is not None)
    assert "Hoàng Sa" in labels and "Trường Sa" in labels  # sovereignty labels on the slide map too


def test_regions_and_trend_slides(engine, national):
    regions = national[4].figure.data[0]
    assert len(regions.y) == 6
    assert national[4].message.startswith("Cao nhất: ")
    trend = national[5].figure
    texts = [a.text for a in trend.layout.annotations]
    assert "Tết Tân Sửu" in texts and "Hải Dương giãn cách" in texts  # events from the database
    assert "Hà Nội giãn cách" not in texts  # began after the as-of date
    with engine.connect() as conn:
        row = progress(conn, level="national", as_of=AS_OF, metric="applications_received", denominator="target").row(0, named=True)
    assert f"lũy kế {fmt.number(row['cumulative'])}" in national[5].message


def test_notes_slide_says_simulated_and_completeness(engine, national):
    notes = national[6]
    with engine.connect() as conn:
        row = progress(conn, level="national", as_of=AS_OF, metric="applications_received", denominator="target").row(0, named=True)
    assert any(SIMULATED_LABEL in b for b in notes.bullets)
    assert any(fmt.percent(row["completeness"]) in b for b in notes.bullets)
    assert "27/04/2021" in notes.message


def test_every_figure_is_readable_from_the_back_of_the_room(national):
    for slide in national:
        if slide.figure is None:
            continue
        sizes = list(_font_sizes(json.loads(slide.figure.to_json())))
        assert sizes and min(sizes) >= FONT_PX, (slide.key, min(sizes))
        assert slide.figure.layout.height is None  # the page or the deck decides the height


def test_director_slides_are_the_province_scorecard(engine):
    with engine.connect() as conn:
        slides = build_slides(conn, as_of=date(2021, 6, 15), metric="applications_received", denominator="eligible", province="48")
        card = scorecard(conn, province="48", as_of=date(2021, 6, 15), metric="applications_received", denominator="eligible")
        districts = progress(conn, level="district", as_of=date(2021, 6, 15), metric="applications_received", denominator="eligible", province="48")
    assert [s.key for s in slides] == DIRECTOR_KEYS
    row = card.province
    assert slides[0].title.startswith("Đà Nẵng")
    assert slides[0].numbers[0].value == f"{row['rank']}/63"
    assert slides[0].numbers[1].value == fmt.number(row["cumulative"])
    neighbours = slides[1].tables[0]
    assert [r[1].removesuffix(" ⚠") for r in neighbours.rows] == card.neighbours["name"].to_list()
    assert neighbours.rows[neighbours.highlight[0]][1].startswith("Đà Nẵng")
    if card.above is not None:
        assert fmt.number(card.above.people) in slides[1].message
    bars = slides[2].figure.data[0]
    assert len(bars.y) == min(districts.filter(pl.col("denominator") > 0).height, 10)
    assert "Đà Nẵng" in slides[3].title


def test_slides_from_frames_equal_slides_from_a_connection(engine, national):
    with engine.connect() as conn:
        inputs = load_inputs(conn, as_of=AS_OF, metric="applications_received", denominator="target")
    again = build_slides(inputs)
    assert [(s.title, s.message, s.numbers, s.tables) for s in again] == [(s.title, s.message, s.numbers, s.tables) for s in national]


def test_table_html_escapes_every_cell():
    html = table_html(Table(("Tỉnh", "Tỷ lệ"), (("<script>x</script>", "1,0%"),), (False, True), title="A & B"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "A &amp; B" in html


# --- the page -------------------------------------------------------------------------------------------


def run_meeting(monkeypatch, url: str, **params) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _html(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def test_meeting_mode_from_any_url_keeps_date_and_advances(monkeypatch, demo_sqlite):
    at = run_meeting(monkeypatch, demo_sqlite, as_of="2021-04-27", mode="meeting", slide="3", denominator="target")
    assert not at.exception
    body = _html(at)
    assert "5 tỉnh có nguy cơ không kịp hạn nhất" in body and "3/7" in body and SIMULATED_LABEL in body
    assert "Số liệu đến 27/04/2021" in body
    assert at.query_params["slide"] in ("3", ["3"])  # the slide is in the URL
    at.button(key="mt_next").click().run()
    assert "4/7" in _html(at) and "Xếp hạng 63 tỉnh" in _html(at)
    at.button(key="mt_prev").click().run()
    at.button(key="mt_prev").click().run()
    assert "2/7" in _html(at) and at.query_params["slide"] in ("2", ["2"])
    assert at.query_params["as_of"] in ("2021-04-27", ["2021-04-27"])


def test_meeting_mode_with_a_province_shows_the_directors_slides(monkeypatch, demo_sqlite):
    at = run_meeting(monkeypatch, demo_sqlite, as_of="2021-06-15", mode="meeting", province="48")
    assert not at.exception
    body = _html(at)
    assert "Đà Nẵng — hồ sơ CCCD đã thu nhận" in body and "1/6" in body


def test_meeting_mode_draws_no_sidebar_controls_and_returns_to_them_with_its_values(monkeypatch, demo_sqlite):
    """The projector never shows the sidebar: its date picker, selectors and radio are not built at all
    (a new visitor's browser would spend time on them), yet every value still comes from the URL."""
    at = run_meeting(monkeypatch, demo_sqlite, as_of="2021-05-03", metric="cards_delivered", denominator="target", province="27", mode="meeting")
    assert not at.exception
    assert len(at.sidebar.date_input) == len(at.sidebar.selectbox) == len(at.sidebar.radio) == 0
    assert "Bắc Ninh — thẻ CCCD đã trả cho công dân" in _html(at) and "Số liệu đến 03/05/2021" in _html(at)
    assert {k: at.query_params[k] for k in ("as_of", "metric", "denominator", "province")} in (
        {"as_of": "2021-05-03", "metric": "cards_delivered", "denominator": "target", "province": "27"},
        {"as_of": ["2021-05-03"], "metric": ["cards_delivered"], "denominator": ["target"], "province": ["27"]},
    )
    at.button(key="mt_exit").click().run()  # back to the overview, with the sidebar's controls on the same values
    assert not at.exception
    assert at.sidebar.date_input(key="as_of").value == date(2021, 5, 3)
    assert at.sidebar.selectbox(key="metric").value == "cards_delivered" and at.sidebar.radio(key="denominator").value == "target"
    assert at.sidebar.selectbox(key="my_province").value == "27"


def test_meeting_mode_opened_without_values_in_its_address_keeps_what_the_session_chose(monkeypatch, demo_sqlite):
    """The sidebar's "Chế độ họp" link opens /hop with no query: the slides keep the day and metric chosen just before."""
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.sidebar.date_input(key="as_of").set_value(date(2021, 4, 20)).run()
    at.sidebar.selectbox(key="metric").set_value("cards_delivered").run()
    for key in list(at.query_params):
        del at.query_params[key]
    at.switch_page("app_pages/meeting.py").run()
    assert not at.exception
    assert "Toàn quốc — thẻ CCCD đã trả cho công dân" in _html(at) and "Số liệu đến 20/04/2021" in _html(at)
    assert at.query_params["as_of"] in ("2021-04-20", ["2021-04-20"])


def test_meeting_mode_with_a_hostile_address_opens_on_the_defaults(monkeypatch, demo_sqlite):
    """Values the sidebar would never offer are not taken from the address: the default day, metric and
    denominator, no province, and nothing of the address echoed into the page."""
    at = run_meeting(monkeypatch, demo_sqlite, as_of="31/02/2021", metric="<b>x</b>", denominator="'; drop", province="99<i>", mode="meeting")
    assert not at.exception
    body = _html(at)
    assert "Toàn quốc — hồ sơ CCCD đã thu nhận" in body and "Số liệu đến 31/12/2021" in body
    assert "<b>x</b>" not in body and "99<i>" not in body and "drop" not in body
    assert at.query_params["metric"] in ("applications_received", ["applications_received"]) and "province" not in at.query_params


@pytest.mark.parametrize("slide,bundle", [("2", "plotly-geo-"), ("6", "plotly-basic-")])
def test_meeting_charts_fill_the_screen_with_the_apps_bundles_in_the_slides_own_style(monkeypatch, demo_sqlite, slide, bundle):
    from tests.chart_support import chart_data
    from ui.chart import THEME

    at = run_meeting(monkeypatch, demo_sqlite, as_of="2021-04-27", mode="meeting", slide=slide, denominator="target")
    assert not at.exception
    # Not st.plotly_chart, whose 4,7 MB Plotly chunk a projector laptop would load at the first chart slide.
    assert at.get("plotly_chart") == []
    data = chart_data(at)
    assert bundle in data["bundle"] and "/app/static/vendor/" in data["bundle"]
    # No fixed height: the chart takes the height the slide leaves (the container is sized by the page's CSS).
    assert data["height"] is None and "height" not in data["figure"]["layout"]
    # The slide's own projector style, as in the deck: large type, white, no title; not the pages' theme.
    layout = data["figure"]["layout"]
    assert layout["template"] != THEME and layout["font"]["size"] == FONT_PX and layout["paper_bgcolor"] == "#ffffff"
    assert layout["title"]["text"] == ""
    assert data["config"]["displayModeBar"] is False
