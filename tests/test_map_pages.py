"""Map and province pages through AppTest: the map renders all 63 provinces, a click (faked as the map
component's "click" trigger, or a chart's selection state) opens the province page, which ranks its
districts and shows a district's communes.
What AppTest cannot see (drawing, real clicks, offline) is proved in tests/test_browser_map.py."""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from db.engine import make_engine
from geo.register import load_units
from queries.progress import progress
from present import format as fmt
from tests.conftest import open_page
from tests.chart_support import chart_data, chart_keys, click_chart, figures

MAP = "app_pages/map.py"
PROVINCE = "app_pages/province.py"


def frame_of(url: str, **kw) -> pl.DataFrame:
    engine = make_engine(url)
    with engine.connect() as conn:
        frame = progress(conn, metric="applications_received", denominator="eligible", **kw)
    engine.dispose()
    return frame


def test_map_page_draws_63_provinces_and_the_islands(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, MAP, as_of="2021-06-15")
    assert not at.exception
    assert at.title[0].value == "Bản đồ tiến độ"
    caption = at.caption[0].value
    assert "15/06/2021" in caption and "Dữ liệu mô phỏng" in caption
    data = chart_data(at)
    spec = data["figure"]
    shapes = [t for t in spec["data"] if t["type"] == "choropleth"]
    assert sum(len(t["locations"]) for t in shapes) == 63
    grey = next(t for t in shapes if t["name"] == "Chưa có số liệu")
    assert len(grey["locations"]) == 60  # only 26, 48 and 96 report in the demo data set
    texts = [t.replace("<br>", " ") for trace in spec["data"] if trace.get("mode") == "markers+text" for t in trace["text"]]
    assert texts == ["QĐ. Hoàng Sa (TP. Đà Nẵng)", "QĐ. Trường Sa (Khánh Hòa)"]
    assert all("locationmode" not in trace for trace in spec["data"])
    assert data["config"]["topojsonURL"] == "/app/static/topojson/"
    # plotly.js 4 would offer "Share chart..." (an upload to Plotly Cloud): never on this network.
    assert data["config"]["showSendToCloud"] is False and data["config"]["plotlyServerURL"] == ""
    assert data["config"]["locale"] == "vi" and data["locale"]["format"]["decimal"] == ","
    # The base topology handed over with the figure is empty: no world layer can be drawn from it.
    [topology] = data["topojson"].values()
    assert topology["type"] == "Topology" and topology["arcs"] == []
    assert all(layer["geometries"] == [] for layer in topology["objects"].values())
    # Drawn with the app's own geo bundle, not st.plotly_chart (whose 4,7 MB bundle the page would load).
    assert data["bundle"] == "/app/static/vendor/plotly-geo-4.1.1.min.js"
    # In Streamlit's theme for Plotly, as st.plotly_chart would draw it (ui/chart_theme.json).
    assert spec["layout"]["template"]["layout"]["font"]["family"] and spec["layout"]["title"]["text"].startswith("<b>")
    assert at.get("plotly_chart") == [] and data["height"] == spec["layout"]["height"]
    counts = " ".join(md.value for md in at.markdown)
    assert "Chưa có số liệu: **60**" in counts


def test_a_click_on_a_province_opens_its_page(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, MAP, as_of="2021-06-15")
    click_chart(at, {"location": "48", "customdata": ["48"]})
    assert not at.exception
    assert at.title[0].value == "Đà Nẵng"
    assert at.query_params["province"] == "48"
    assert at.query_params["as_of"] == "2021-06-15"  # the shared date survives the page switch
    assert at.sidebar.selectbox(key="my_province").value == "48"


def test_tile_grid_and_a_click_on_a_tile(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, MAP, as_of="2021-06-15")
    at.radio(key="map_value").set_value("status").run()
    at.radio(key="map_kind").set_value("tiles").run()
    assert not at.exception
    spec = chart_data(at)["figure"]
    assert len(spec["layout"]["shapes"]) == 63
    assert len(spec["data"][0]["customdata"]) == 63
    legend = [t["name"] for t in spec["data"] if t.get("showlegend") is not False and t.get("name")]
    assert "Chưa có số liệu" in legend and "Đúng tiến độ" in legend
    click_chart(at, {"location": None, "customdata": ["96"]})
    assert not at.exception
    assert at.title[0].value == "Cà Mau" and at.query_params["province"] == "96"


def test_the_selector_opens_a_province_without_a_click(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, MAP, as_of="2021-06-15")
    at.selectbox(key="open_province").set_value("26").run()
    assert not at.exception
    assert at.title[0].value == "Vĩnh Phúc" and at.query_params["province"] == "26"
    assert at.sidebar.selectbox(key="my_province").value == "26"


def test_weekly_steps_redraw_the_map_for_an_earlier_day(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, MAP, as_of="2021-06-15")
    slider = at.get("select_slider")[0]
    assert slider.proto.options[-1] == "15/06/2021" and slider.proto.options[-2] == "08/06/2021"
    slider.set_value(date(2021, 5, 4)).run()
    assert not at.exception
    assert "04/05/2021" in at.caption[0].value and "số liệu đến 15/06/2021" in at.caption[0].value
    hover = [h for t in chart_data(at)["figure"]["data"] if t["type"] == "choropleth" for h in t["hovertext"]]
    assert all("Số liệu đến 04/05/2021" in h for h in hover)


def test_province_page_ranks_districts_and_shows_the_trend(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, PROVINCE, as_of="2021-06-15", province="48")
    assert not at.exception
    assert at.title[0].value == "Đà Nẵng"
    row = frame_of(demo_sqlite, level="province", as_of=date(2021, 6, 15)).filter(pl.col("code") == "48").row(0, named=True)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tỷ lệ hoàn thành"] == fmt.percent(row["coverage"])
    assert metrics["Hạng cả nước"] == f"{row['rank']}/63"
    assert metrics["Tốc độ 7 ngày (hồ sơ/ngày)"] == fmt.number(row["pace"])
    assert metrics["Cần đạt mỗi ngày (hồ sơ/ngày)"] == fmt.number(row["required_daily_rate"])
    expected_forecast = fmt.day(row["projected_completion"]) if row["projected_completion"] else "Không xác định"
    assert metrics["Dự kiến hoàn thành"] in (expected_forecast, "Đã đạt")
    trend = figures(at)[0]
    assert [t["name"] for t in trend["data"]][1] == "Lũy kế (hồ sơ)"
    # National events are drawn on the province's trend; another province's disruption is not.
    labels = " ".join(a.get("text", "") for a in trend["layout"].get("annotations", []))
    assert "Tết" in labels and "Bắc Giang" not in labels
    districts = frame_of(demo_sqlite, level="district", province="48", as_of=date(2021, 6, 15))
    table = at.dataframe[0].value
    assert list(table.index) == districts["code"].to_list() and len(table) == 8  # ranked, best first
    assert list(table["rank"]) == districts["rank"].to_list()
    assert "status" in table.columns
    bars = chart_data(at, "district_bars")["figure"]
    assert chart_data(at, "district_bars")["bundle"].endswith("/plotly-basic-4.1.1.min.js")
    assert sorted(c[0] for c in bars["data"][0]["customdata"]) == sorted(districts["code"].to_list())
    captions = " ".join(c.value for c in at.caption)
    assert "Chưa nạp tệp ranh giới chính thức cấp huyện" in captions  # no invented district polygons
    assert "Dữ liệu mô phỏng" in captions


def test_choosing_a_district_shows_its_communes(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, PROVINCE, as_of="2021-06-15", province="48")
    at.selectbox(key="district_48").set_value("490").run()
    assert not at.exception
    communes = frame_of(demo_sqlite, level="commune", district="490", as_of=date(2021, 6, 15))
    assert [s.value for s in at.subheader][-1] == "5 xã/phường/thị trấn của Quận Liên Chiểu"
    table = at.dataframe[1].value
    assert list(table.index) == communes["code"].to_list()
    assert at.query_params["district"] == "490"
    # The island district has no communes: said, not an empty table.
    at.selectbox(key="district_48").set_value("498").run()
    assert not at.exception
    assert any("không có đơn vị cấp xã" in i.value for i in at.info)


def test_a_click_on_a_district_bar_shows_its_communes(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, PROVINCE, as_of="2021-06-15", province="48")
    [bar] = [i for i, c in enumerate(chart_data(at, "district_bars")["figure"]["data"][0]["customdata"]) if c[0] == "490"]
    point = chart_data(at, "district_bars")["figure"]["data"][0]["customdata"][bar]
    click_chart(at, {"location": None, "customdata": point}, key="district_bars")
    assert not at.exception
    assert at.selectbox(key="district_48").value == "490"
    assert [s.value for s in at.subheader][-1] == "5 xã/phường/thị trấn của Quận Liên Chiểu"
    assert chart_keys(at) == ["province_trend", "district_bars", "commune_bars"]
    # A click that names no district of the province changes nothing.
    click_chart(at, {"location": None, "customdata": ["999"]}, key="district_bars")
    assert not at.exception and at.selectbox(key="district_48").value == "490"


def test_deep_link_to_a_district(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, PROVINCE, as_of="2021-06-15", province="26", district="246")
    assert not at.exception
    assert at.title[0].value == "Vĩnh Phúc"
    assert at.selectbox(key="district_26").value == "246"
    assert len(at.dataframe) == 2


def test_province_page_without_a_province_asks_for_one(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, PROVINCE, as_of="2021-06-15")
    assert not at.exception
    assert at.title[0].value == "Trang tỉnh" and not at.metric
    at.selectbox(key="province_page_pick").set_value("96").run()
    assert not at.exception
    assert at.title[0].value == "Cà Mau" and at.query_params["province"] == "96"


def test_official_district_boundaries_are_drawn_when_loaded(monkeypatch, demo_sqlite, tmp_path):
    """Test data only: one square per district of Đà Nẵng, put where an official file would go."""
    codes = load_units().filter((pl.col("level") == "district") & (pl.col("province_code") == "48"))["code"].to_list()
    features = []
    for i, code in enumerate(codes):
        x = 108.0 + 0.1 * i
        ring = [[x, 16.0], [x, 16.1], [x + 0.1, 16.1], [x + 0.1, 16.0], [x, 16.0]]  # clockwise
        features.append({"type": "Feature", "properties": {"ma_huyen": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}})
    folder = tmp_path / "district"
    folder.mkdir()
    (folder / "48.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    monkeypatch.setenv("CCCD_BOUNDARIES_DIR", str(tmp_path))
    at = open_page(monkeypatch, demo_sqlite, PROVINCE, as_of="2021-06-15", province="48")
    assert not at.exception
    assert chart_keys(at) == ["province_trend", "district_map", "district_bars"]
    spec = chart_data(at, "district_map")["figure"]
    assert chart_data(at, "district_map")["bundle"].endswith("/plotly-geo-4.1.1.min.js")
    drawn = [c for t in spec["data"] if t["type"] == "choropleth" for c in t["locations"]]
    assert sorted(drawn) == sorted(codes)
    assert spec["layout"]["geo"]["fitbounds"] == "locations"
    # Another province has no file: no district map there.
    at2 = open_page(monkeypatch, demo_sqlite, PROVINCE, as_of="2021-06-15", province="26")
    assert chart_keys(at2) == ["province_trend", "district_bars"]  # trend and bars only
