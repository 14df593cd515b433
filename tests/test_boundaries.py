"""Tests of the shipped province boundaries, the archipelago labels, the official-file loader and the build's join."""

from __future__ import annotations

import json

import geopandas as gpd
import polars as pl
import pytest
import shapely
from shapely.geometry import box, shape

from geo import boundaries, build_boundaries, register
from geo.boundaries import BoundaryError, BoundaryMismatch

PARACELS = box(111.0, 15.7, 113.0, 17.2)
SPRATLYS = box(111.5, 7.0, 117.5, 12.0)
FOREIGN_WORDS = ("china", "trung quốc", "paracel", "spratly", "philippines", "malaysia", "taiwan", "cn-")


@pytest.fixture(scope="module")
def shipped() -> dict:
    return boundaries.load_provinces_geojson()


@pytest.fixture(scope="module")
def register_provinces() -> dict[str, str]:
    units = register.load_units().filter(pl.col("level") == "province")
    return dict(units.select("code", "name").iter_rows())


def geometry_of(collection: dict, code: str):
    return next(shape(f["geometry"]) for f in collection["features"] if f["properties"]["code"] == code)


def polygons(geometry) -> list:
    return list(shapely.get_parts(geometry))


# --- the shipped file -----------------------------------------------------------------------


def test_shipped_file_has_each_register_province_once(shipped, register_provinces):
    codes = [feature["properties"]["code"] for feature in shipped["features"]]
    assert sorted(codes) == sorted(register_provinces)
    assert len(codes) == len(set(codes)) == 63
    assert all(feature["id"] == feature["properties"]["code"] for feature in shipped["features"])


def test_shipped_names_and_iso_codes_come_from_the_register(shipped, register_provinces):
    iso = dict(register.load_provinces().select("gso_code", "iso_3166_2").iter_rows())
    for feature in shipped["features"]:
        props = feature["properties"]
        assert props["name"] == register_provinces[props["code"]]
        assert props["iso_3166_2"] == iso[props["code"]]
    # Natural Earth calls VN-53 "Đông Bắc" and VN-39 "Đông Nam Bộ": the join must not have used names.
    names = {f["properties"]["iso_3166_2"]: f["properties"]["name"] for f in shipped["features"]}
    assert names["VN-53"] == "Bắc Kạn" and names["VN-39"] == "Đồng Nai"


def test_no_feature_is_named_with_another_country(shipped):
    for feature in shipped["features"]:
        text = json.dumps(feature["properties"], ensure_ascii=False).lower()
        assert not any(word in text for word in FOREIGN_WORDS), feature["properties"]
        assert set(feature["properties"]) == {"code", "name", "iso_3166_2"}


def test_shipped_file_is_small():
    assert boundaries.PROVINCES_GEOJSON.stat().st_size <= 300_000


def test_every_outer_ring_is_clockwise_and_every_hole_counter_clockwise(shipped):
    for feature in shipped["features"]:
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty, feature["id"]
        for polygon in polygons(geometry):
            assert not polygon.exterior.is_ccw, feature["id"]
            assert all(ring.is_ccw for ring in polygon.interiors), feature["id"]


def test_paracels_belong_to_da_nang_and_spratlys_to_khanh_hoa(shipped):
    assert any(PARACELS.contains(p) for p in polygons(geometry_of(shipped, "48")))
    assert any(SPRATLYS.contains(p) for p in polygons(geometry_of(shipped, "56")))
    for feature in shipped["features"]:
        if feature["id"] not in ("48", "56"):
            geometry = shape(feature["geometry"])
            assert not geometry.intersects(PARACELS) and not geometry.intersects(SPRATLYS), feature["id"]


def test_archipelago_labels_lie_in_the_archipelagos():
    labels = {label["province_code"]: label for label in boundaries.archipelago_labels()}
    assert labels["48"]["name"] == "QĐ. Hoàng Sa (TP. Đà Nẵng)"
    assert labels["56"]["name"] == "QĐ. Trường Sa (Khánh Hòa)"
    assert PARACELS.contains(shapely.Point(labels["48"]["lon"], labels["48"]["lat"]))
    assert SPRATLYS.contains(shapely.Point(labels["56"]["lon"], labels["56"]["lat"]))


def test_archipelago_labels_are_fresh_copies():
    boundaries.archipelago_labels()[0]["name"] = "changed"
    assert boundaries.archipelago_labels()[0]["name"] == "QĐ. Hoàng Sa (TP. Đà Nẵng)"


# --- official files -------------------------------------------------------------------------


def grid_square(i: int):
    """The i-th small counter-clockwise square of a grid laid over Vietnam (squares do not touch)."""
    lon, lat = 102 + (i % 8) * 0.8, 9 + (i // 8) * 1.5
    return box(lon, lat, lon + 0.5, lat + 1.0)


def province_frame(codes: list, column: str = "code") -> gpd.GeoDataFrame:
    geometries = [grid_square(i) for i in range(len(codes))]
    return gpd.GeoDataFrame({column: codes}, geometry=geometries, crs="EPSG:4326")


def test_load_official_geojson_restores_a_lost_leading_zero(tmp_path, register_provinces):
    codes = sorted(register_provinces)
    codes[0] = "1"  # "01" written as a number somewhere along the way
    path = tmp_path / "tinh.geojson"
    province_frame(codes).to_file(path, driver="GeoJSON", engine="pyogrio")

    collection = boundaries.load_official(path, "province")

    assert [f["id"] for f in collection["features"]] == sorted(register_provinces)
    hanoi = collection["features"][0]
    assert hanoi["properties"] == {"code": "01", "name": "Hà Nội"}
    assert not shape(hanoi["geometry"]).exterior.is_ccw  # the written square was counter-clockwise


def test_load_official_shapefile_with_integer_codes_and_a_projected_crs(tmp_path, register_provinces):
    codes = [int(code) for code in sorted(register_provinces)]
    frame = province_frame(codes, column="MA_TINH")
    path = tmp_path / "tinh.shp"
    frame.to_crs("EPSG:32648").to_file(path, engine="pyogrio")  # UTM 48N, as official files often are

    collection = boundaries.load_official(path, "province")

    assert [f["id"] for f in collection["features"]] == sorted(register_provinces)
    first = shape(collection["features"][0]["geometry"])
    assert first.bounds == pytest.approx(frame.geometry.iloc[0].bounds, abs=1e-6)  # back in lon/lat


def test_load_official_names_unknown_and_missing_codes(tmp_path, register_provinces):
    codes = [code for code in sorted(register_provinces) if code != "96"] + ["99"]
    path = tmp_path / "sai_ma.geojson"
    province_frame(codes).to_file(path, driver="GeoJSON", engine="pyogrio")

    with pytest.raises(BoundaryMismatch) as caught:
        boundaries.load_official(path, "province")

    assert caught.value.unknown_codes == ["99"]
    assert caught.value.missing_codes == ["96"]
    message = str(caught.value)
    assert "không khớp danh mục" in message and "99" in message and "96" in message


def test_load_official_district_level_for_one_province(tmp_path):
    districts = register.load_units().filter((pl.col("level") == "district") & (pl.col("province_code") == "48"))
    codes = [int(code) for code in districts["code"]]
    path = tmp_path / "huyen_da_nang.geojson"
    province_frame(codes, column="Ma_Huyen").to_file(path, driver="GeoJSON", engine="pyogrio")

    collection = boundaries.load_official(path, "district", province="48")

    assert [f["id"] for f in collection["features"]] == sorted(districts["code"])
    assert "498" in [f["id"] for f in collection["features"]]  # Huyện Hoàng Sa
    with pytest.raises(BoundaryMismatch) as caught:
        boundaries.load_official(path, "district")  # the whole country expected: 697 missing
    assert len(caught.value.missing_codes) == 705 - len(codes)


def test_load_official_needs_a_code_column_or_its_name(tmp_path, register_provinces):
    path = tmp_path / "ma_so.geojson"
    province_frame(sorted(register_provinces), column="ma_so").to_file(path, driver="GeoJSON", engine="pyogrio")
    with pytest.raises(BoundaryError, match="không có cột mã đơn vị cấp tỉnh.*ma_tinh"):
        boundaries.load_official(path, "province")
    collection = boundaries.load_official(path, "province", code_column="MA_SO")
    assert len(collection["features"]) == 63


# --- the build's join (synthetic Natural Earth features, no download) -----------------------


def natural_earth_features(iso_table: dict) -> list[dict]:
    features = []
    for i, (iso, row) in enumerate(sorted(iso_table.items())):
        square = grid_square(i)
        props = {"iso_3166_2": iso, "adm0_a3": "VNM", "name": "Đông Bắc", "adm1_code": f"VNM-{i}"}
        features.append({"type": "Feature", "properties": props, "geometry": square.__geo_interface__})
    islands = {"PFA+00?": (112.0, 16.5), "PGA+00?": (114.3, 10.4)}
    for adm1_code, (lon, lat) in islands.items():
        reef = box(lon, lat, lon + 0.02, lat + 0.02)
        props = {"iso_3166_2": "CN-X01~", "adm0_a3": "CHN", "name": "elsewhere", "adm1_code": adm1_code}
        features.append({"type": "Feature", "properties": props, "geometry": reef.__geo_interface__})
    return features


def test_build_joins_on_iso_codes_and_attaches_the_islands():
    iso_table = build_boundaries.read_iso_table()
    geometries, _, provinces_bytes, archipelagos_bytes = build_boundaries.build(natural_earth_features(iso_table), iso_table)

    collection = json.loads(provinces_bytes)
    names = {f["id"]: f["properties"]["name"] for f in collection["features"]}
    assert len(names) == 63 and names["06"] == "Bắc Kạn" and "Đông Bắc" not in names.values()
    assert any(PARACELS.contains(p) for p in polygons(geometries["48"]))
    assert any(SPRATLYS.contains(p) for p in polygons(geometries["56"]))
    assert len(json.loads(archipelagos_bytes)["features"]) == 2
    again = build_boundaries.build(natural_earth_features(iso_table), iso_table)
    assert again[2] == provinces_bytes  # deterministic


def test_build_refuses_a_vietnamese_feature_it_cannot_join():
    iso_table = build_boundaries.read_iso_table()
    features = natural_earth_features(iso_table)
    features[0]["properties"]["iso_3166_2"] = "VN-99"
    with pytest.raises(build_boundaries.BoundaryBuildError, match="VN-99"):
        build_boundaries.build(features, iso_table)
