"""Map figure builders: shapes joined by code, no data drawn grey, both archipelagos labelled, no world
layer or locationmode anywhere, Vietnamese hover; the tile grid's layout; ranked unit bars."""

from __future__ import annotations

import json
import re
from datetime import date

import polars as pl
import pytest

from db.engine import make_engine
from geo import tile_grid as tile_grid_module
from geo.boundaries import archipelago_labels, load_provinces_geojson
from geo.register import load_units
from geo.tile_grid import TileGridError, load_tile_grid
from queries.metrics import Status
from queries.progress import progress
from present import format as fmt
from present.labels import STATUS_COLOR, STATUS_LABEL
from present.maps import (
    NATIONAL_LAT,
    NATIONAL_LON,
    NO_DATA_COLOR,
    NO_DATA_LABEL,
    MapValue,
    clicked_code,
    fill_colour,
    island_points,
    province_choropleth,
    tile_grid,
    unit_bars,
    with_map_values,
)

AS_OF = date(2021, 6, 15)
ENGLISH = re.compile(r"\b(coverage|rank|status|pace|required|none|nan|null|true|false|on_track|off_track|at_risk|achieved|overdue)\b", re.I)


@pytest.fixture(scope="module")
def demo_frame(demo_sqlite) -> pl.DataFrame:
    """The province progress frame of the demo data set: 3 provinces (26, 48, 96) reported, 60 did not."""
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        frame = progress(conn, level="province", as_of=AS_OF, metric="applications_received", denominator="eligible")
    engine.dispose()
    return frame


@pytest.fixture(scope="module")
def geojson() -> dict:
    return load_provinces_geojson()


def choropleth(frame, geojson, value=MapValue.coverage, **kw):
    return province_choropleth(
        frame,
        geojson,
        archipelago_labels(),
        value=value,
        unit="hồ sơ",
        denominator_label="công dân từ 14 tuổi (ước tính)",
        as_of=AS_OF,
        title="Tỷ lệ",
        **kw,
    )


def shape_traces(fig):
    return [t for t in fig.data if t.type == "choropleth"]


def drawn_codes(fig) -> list[str]:
    return [code for t in shape_traces(fig) for code in t.locations]


def test_every_province_is_drawn_once_and_joined_by_code(demo_frame, geojson):
    fig = choropleth(demo_frame, geojson)
    codes = drawn_codes(fig)
    assert len(codes) == 63 and set(codes) == {f["id"] for f in geojson["features"]}
    register = set(load_units().filter(pl.col("level") == "province")["code"])
    assert set(codes) == register
    for trace in shape_traces(fig):
        assert trace.featureidkey == "id"
        # Each trace carries exactly its own shapes: the geometry travels once.
        assert sorted(f["id"] for f in trace.geojson["features"]) == sorted(trace.locations)
        assert [c[0] for c in trace.customdata] == list(trace.locations)
    # The coloured trace holds the three provinces with reports, with their coverage from queries/.
    data_trace = next(t for t in shape_traces(fig) if t.showscale is not False and t.z is not None and t.colorscale[0][1] != NO_DATA_COLOR)
    expected = dict(zip(demo_frame["code"], demo_frame["coverage"], strict=True))
    assert sorted(data_trace.locations) == ["26", "48", "96"]
    assert list(data_trace.z) == [expected[c] for c in data_trace.locations]


def test_a_province_without_data_is_drawn_grey_not_omitted(demo_frame, geojson):
    # 60 provinces sent nothing; one more has no row at all (e.g. a database without it).
    fig = choropleth(demo_frame.filter(pl.col("code") != "96"), geojson)
    grey = next(t for t in shape_traces(fig) if t.colorscale[0][1] == NO_DATA_COLOR)
    assert len(grey.locations) == 61 and "96" in grey.locations and "64" in grey.locations
    assert grey.name == NO_DATA_LABEL and grey.showlegend
    assert all(NO_DATA_LABEL in text for text in grey.hovertext)
    assert len(drawn_codes(fig)) == 63


def test_a_code_without_a_shape_is_an_error_naming_it(demo_frame, geojson):
    bad = demo_frame.with_columns(pl.when(pl.col("code") == "26").then(pl.lit("99")).otherwise(pl.col("code")).alias("code"))
    with pytest.raises(ValueError, match="99"):
        choropleth(bad, geojson)


def test_both_archipelagos_are_labelled_and_their_islands_dotted(demo_frame, geojson):
    fig = choropleth(demo_frame, geojson)
    label = next(t for t in fig.data if t.type == "scattergeo" and t.mode == "markers+text")
    texts = [t.replace("<br>", " ") for t in label.text]
    assert texts == ["QĐ. Hoàng Sa (TP. Đà Nẵng)", "QĐ. Trường Sa (Khánh Hòa)"]
    assert [c[0] for c in label.customdata] == ["48", "56"]  # a click opens the administering province
    dots = [t for t in fig.data if t.type == "scattergeo" and t.mode == "markers"]
    assert [t.customdata[0][0] for t in dots] == ["48", "56"]
    for trace in [label, *dots]:  # everything inside the national view, so visible at national zoom
        assert all(NATIONAL_LON[0] < lon < NATIONAL_LON[1] for lon in trace.lon)
        assert all(NATIONAL_LAT[0] < lat < NATIONAL_LAT[1] for lat in trace.lat)
    paracels = island_points(geojson, ["48"])
    spratlys = island_points(geojson, ["56"])
    assert paracels and all(111 < lon < 113 and 15.5 < lat < 17.5 for lon, lat in paracels)
    assert spratlys and all(111 < lon < 117 and 7 < lat < 12 for lon, lat in spratlys)


@pytest.mark.parametrize("value", list(MapValue))
def test_no_world_layer_and_no_locationmode(demo_frame, geojson, value):
    fig = choropleth(demo_frame, geojson, value=value)
    spec = fig.to_json()
    assert "locationmode" not in spec  # a locationmode makes Plotly fetch world topojson (BRIEF §5)
    geo = fig.layout.geo
    assert geo.visible is False
    for layer in ("showcountries", "showland", "showcoastlines", "showframe", "showocean", "showlakes", "showrivers", "showsubunits"):
        assert getattr(geo, layer) is False, layer
    assert geo.fitbounds is False
    assert tuple(geo.lonaxis.range) == NATIONAL_LON and tuple(geo.lataxis.range) == NATIONAL_LAT
    # The view holds the mainland and both archipelagos.
    assert NATIONAL_LON[0] < 102.1 and NATIONAL_LON[1] > 115.9 and NATIONAL_LAT[0] < 8.5 and NATIONAL_LAT[1] > 23.4
    assert fig.layout.separators == ",."
    for word in ("china", "trung quốc", "paracel", "spratly", "world_110m"):
        assert word not in spec.lower(), word


@pytest.mark.parametrize("value", list(MapValue))
def test_hover_is_vietnamese_with_unit_denominator_rank_and_date(demo_frame, geojson, value):
    fig = choropleth(demo_frame, geojson, value=value)
    texts = [text for t in shape_traces(fig) for text in t.hovertext]
    assert len(texts) == 63
    for text in texts:
        assert "Số liệu đến 15/06/2021" in text
        assert not ENGLISH.search(re.sub(r"<[^>]+>", " ", text)), text
    danang = next(text for t in shape_traces(fig) for code, text in zip(t.locations, t.hovertext, strict=True) if code == "48")
    row = demo_frame.filter(pl.col("code") == "48").row(0, named=True)
    assert "<b>Đà Nẵng</b>" in danang
    assert f"{fmt.percent(row['coverage'])}</b> công dân từ 14 tuổi (ước tính)" in danang
    assert f"{fmt.number(row['cumulative'])} / {fmt.number(row['denominator'])} hồ sơ" in danang
    assert f"Hạng {row['rank']}/63" in danang
    assert STATUS_LABEL[Status(row["status"])] in danang
    for trace in shape_traces(fig):
        assert trace.hovertemplate == "%{hovertext}<extra></extra>"


def test_colour_bars_and_legends_speak_vietnamese(demo_frame, geojson):
    coverage = choropleth(demo_frame, geojson, value=MapValue.coverage)
    bar = next(t for t in shape_traces(coverage) if t.colorbar.title.text)
    assert bar.colorbar.title.text == "Tỷ lệ" and list(bar.colorbar.ticktext)[-1] == "≥ 100%"
    pace = choropleth(demo_frame, geojson, value=MapValue.pace_ratio)
    bar = next(t for t in shape_traces(pace) if t.colorbar.title.text)
    assert bar.colorbar.title.text == "Tốc độ ÷ mức cần đạt" and "80%" in bar.colorbar.ticktext
    status = choropleth(demo_frame, geojson, value=MapValue.status)
    by_name = {t.name: t for t in shape_traces(status)}
    for code in ("26", "48", "96"):
        state = Status(demo_frame.filter(pl.col("code") == code)["status"][0])
        trace = by_name[STATUS_LABEL[state]]
        assert code in trace.locations and trace.colorscale[0][1] == STATUS_COLOR[state] and trace.showlegend
    assert status.layout.legend.title.text == "Chú giải"


def test_pace_after_the_deadline_is_not_applicable_not_no_data(demo_sqlite, geojson):
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        late = progress(conn, level="province", as_of=date(2021, 12, 31), metric="applications_received", denominator="eligible")
    engine.dispose()
    fig = province_choropleth(
        late, geojson, [], value=MapValue.pace_ratio, unit="hồ sơ", denominator_label="chỉ tiêu giao", as_of=date(2021, 12, 31), title="t"
    )
    grey = next(t for t in shape_traces(fig) if t.colorscale[0][1] == NO_DATA_COLOR)
    assert "Không áp dụng" in grey.name and "Chưa có số liệu" in grey.name
    assert len(drawn_codes(fig)) == 63


def test_has_data_and_pace_ratio():
    frame = pl.DataFrame(
        {
            "code": ["a", "b", "c", "d"],
            "cumulative": [0, 0, 10, 10],
            "completeness": [0.0, 0.5, 0.0, 1.0],
            "coverage": [0.0, 0.0, 0.1, None],
            "pace": [0.0, 0.0, 5.0, 5.0],
            "required_daily_rate": [1.0, 1.0, 10.0, 0.0],
            "status": ["off_track", "off_track", "off_track", "achieved"],
        }
    )
    out = with_map_values(frame)
    assert out["has_data"].to_list() == [False, True, True, False]  # d: no denominator
    assert out["pace_ratio"].to_list() == [0.0, 0.0, 0.5, None]


def test_fill_colours_follow_the_scales():
    assert fill_colour(None, MapValue.coverage) == NO_DATA_COLOR
    assert fill_colour(0, MapValue.coverage) == "#fff7bc" and fill_colour(1.4, MapValue.coverage) == "#0c2c84"
    assert fill_colour(Status.at_risk.value, MapValue.status) == STATUS_COLOR[Status.at_risk]
    # Hard steps at 80% and 100% of the required rate, like the statuses.
    assert fill_colour(0.79, MapValue.pace_ratio) != fill_colour(0.8, MapValue.pace_ratio)
    assert fill_colour(0.8, MapValue.pace_ratio) == "#f59e0b" and fill_colour(1.0, MapValue.pace_ratio) == "#bbf7d0"


def test_clicked_code_reads_location_or_customdata():
    allowed = {"48": "Đà Nẵng", "56": "Khánh Hòa"}
    assert clicked_code({"selection": {"points": [{"location": "48", "customdata": ["48"]}]}}, allowed) == "48"
    assert clicked_code({"selection": {"points": [{"customdata": ["56"]}]}}, allowed) == "56"  # tile or island marker
    assert clicked_code({"selection": {"points": [{"customdata": ["99"]}]}}, allowed) is None
    assert clicked_code({"selection": {"points": []}}, allowed) is None
    assert clicked_code(None, allowed) is None


# --- the tile grid ------------------------------------------------------------------------------


def test_tile_grid_has_every_province_once_and_no_shared_cell():
    grid = load_tile_grid()
    register = set(load_units().filter(pl.col("level") == "province")["code"])
    assert grid.height == 63 and set(grid["code"]) == register and grid["code"].n_unique() == 63
    assert grid.select(pl.struct("row", "col").n_unique()).item() == 63


def test_tile_grid_is_roughly_geographic(geojson):
    """North is up and west is left: a tile's row follows latitude, its column longitude."""
    from shapely.geometry import shape

    grid = load_tile_grid()
    centre = {}
    for feature in geojson["features"]:
        geometry = shape(feature["geometry"])
        mainland = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
        point = mainland.representative_point()
        centre[feature["id"]] = (point.x, point.y)
    joined = grid.with_columns(
        pl.col("code").replace_strict({c: v[0] for c, v in centre.items()}).alias("lon"),
        pl.col("code").replace_strict({c: v[1] for c, v in centre.items()}).alias("lat"),
    )
    rank_corr = lambda a, b: joined.select(pl.corr(a, b, method="spearman")).item()  # noqa: E731
    assert rank_corr("row", "lat") < -0.95
    assert rank_corr("col", "lon") > 0.6
    # Within a row, west to east.
    for _, rows in joined.group_by("row"):
        ordered = rows.sort("col")["lon"].to_list()
        assert sum(b < a - 0.6 for a, b in zip(ordered, ordered[1:])) == 0, rows


def test_tile_grid_problems_are_named(tmp_path, monkeypatch):
    bad = tmp_path / "tile_grid.csv"
    text = tile_grid_module.TILE_GRID_CSV.read_text(encoding="utf-8").replace("27,3,5,Bắc Ninh", "27,3,4,Bắc Ninh")
    bad.write_text(text.replace("96,18,0,Cà Mau\n", ""), encoding="utf-8")
    monkeypatch.setattr(tile_grid_module, "TILE_GRID_CSV", bad)
    load_tile_grid.cache_clear()
    try:
        with pytest.raises(TileGridError, match=r"without a tile: 96.*cell \(3, 4\) holds 01, 27"):
            load_tile_grid()
    finally:
        load_tile_grid.cache_clear()


def test_tile_grid_figure_colours_like_the_map(demo_frame):
    grid = load_tile_grid()
    for value in MapValue:
        fig = tile_grid(
            demo_frame,
            grid,
            archipelago_labels(),
            value=value,
            unit="hồ sơ",
            denominator_label="công dân từ 14 tuổi (ước tính)",
            as_of=AS_OF,
            title="Lưới",
        )
        tiles = fig.data[0]
        assert [c[0] for c in tiles.customdata] == grid["code"].to_list()
        assert len(fig.layout.shapes) == 63
        # Equal tiles: every rectangle has the same width and height.
        assert len({(round(s.x1 - s.x0, 6), round(s.y1 - s.y0, 6)) for s in fig.layout.shapes}) == 1
        rows = {r["code"]: r for r in with_map_values(demo_frame).iter_rows(named=True)}
        for code, shape in zip(grid["code"], fig.layout.shapes, strict=True):
            row = rows[code]
            if not row["has_data"]:
                assert shape.fillcolor == NO_DATA_COLOR
            elif value == MapValue.status:
                assert shape.fillcolor == STATUS_COLOR[Status(row["status"])]
        texts = [t.replace("<b>", "").replace("</b>", "") for t in tiles.text]
        assert texts[grid["code"].to_list().index("64")] == "Gia Lai<br>—"  # no data
        assert all("Số liệu đến 15/06/2021" in h for h in tiles.hovertext)
        islands = next(t for t in fig.data if t.name == "Quần đảo")
        assert [t.replace("<br>", " ") for t in islands.text] == ["QĐ. Hoàng Sa (TP. Đà Nẵng)", "QĐ. Trường Sa (Khánh Hòa)"]
        assert json.loads(fig.to_json())["layout"]["separators"] == ",."


# --- ranked bars ----------------------------------------------------------------------------------


def test_unit_bars_rank_by_coverage_and_colour_by_status(demo_sqlite):
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        districts = progress(conn, level="district", province="48", as_of=AS_OF, metric="applications_received", denominator="eligible")
    engine.dispose()
    fig = unit_bars(districts, title="Quận/huyện", unit="hồ sơ", denominator_label="công dân từ 14 tuổi (ước tính)", as_of=AS_OF)
    bars = fig.data[0]
    coverage = dict(zip(districts["code"], districts["coverage"], strict=True))
    codes = [c[0] for c in bars.customdata]
    assert sorted(codes) == sorted(districts["code"].to_list())
    # Best on top: plotly draws the last category highest.
    values = [coverage[c] if coverage[c] is not None else -1 for c in codes]
    assert values == sorted(values)
    names = dict(zip(districts["code"], districts["name"], strict=True))
    assert list(fig.layout.yaxis.ticktext) == [names[c] for c in codes]
    rows = {r["code"]: r for r in with_map_values(districts).iter_rows(named=True)}
    for code, colour in zip(codes, bars.marker.color, strict=True):
        expected = STATUS_COLOR[Status(rows[code]["status"])] if rows[code]["has_data"] else NO_DATA_COLOR
        assert colour == expected
    assert "498" in codes  # Huyện Hoàng Sa is listed with Đà Nẵng's districts
