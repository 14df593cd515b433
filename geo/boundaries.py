"""Boundaries for the maps: the shipped province file, the archipelago labels, official files checked code by code."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl
import shapely

from geo.register import CODE_WIDTHS, DATA_DIR, load_units

PROVINCES_GEOJSON = DATA_DIR / "provinces.geojson"
ARCHIPELAGOS_GEOJSON = DATA_DIR / "archipelagos.geojson"

Level = Literal["province", "district"]
LEVEL_VI = {"province": "cấp tỉnh", "district": "cấp huyện"}
# Code columns accepted in official files, in order of preference (compared case-insensitively).
CODE_COLUMNS = {"province": ("code", "ma", "ma_tinh"), "district": ("code", "ma", "ma_huyen")}
WGS84 = "EPSG:4326"


class BoundaryError(ValueError):
    """A boundary file cannot be used; the message (Vietnamese) says why."""


class BoundaryMismatch(BoundaryError):
    """The file's unit codes differ from the register; the message names every code that does not match."""

    def __init__(self, message: str, *, unknown_codes: list[str], missing_codes: list[str]):
        super().__init__(message)
        self.unknown_codes = unknown_codes
        self.missing_codes = missing_codes


@lru_cache(maxsize=1)
def load_provinces_geojson() -> dict:
    """The shipped 63-province FeatureCollection (feature id = GSO code). Shared and cached: do not mutate it."""
    return json.loads(PROVINCES_GEOJSON.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _archipelagos() -> list[dict]:
    collection = json.loads(ARCHIPELAGOS_GEOJSON.read_text(encoding="utf-8"))
    return [
        {**feature["properties"], "lon": feature["geometry"]["coordinates"][0], "lat": feature["geometry"]["coordinates"][1]}
        for feature in collection["features"]
    ]


def archipelago_labels() -> list[dict]:
    """Hoàng Sa and Trường Sa label points: name, short_name, province_code, lon, lat (fresh dicts each call)."""
    return [dict(label) for label in _archipelagos()]


def load_official(
    path: str | Path,
    level: Level = "province",
    *,
    code_column: str | None = None,
    province: str | None = None,
) -> dict:
    """Read an official boundary file (GeoJSON or Shapefile) into a FeatureCollection keyed by GSO code.

    The code column is `code_column` if given, else the first of `code`, `ma`, `ma_tinh` (province)
    or `code`, `ma`, `ma_huyen` (district), matched case-insensitively. Codes are zero-padded
    (2 digits province, 3 district), so "1" or 1.0 becomes "01". Rows sharing a code are merged.
    The layer is reprojected to EPSG:4326, and outer rings are made clockwise for Plotly.
    Every code must be in the register and every register unit in the file (at district level,
    only the districts of `province` when it is given), else BoundaryMismatch names each one.
    """
    import geopandas as gpd  # only official files need geopandas; the shipped path reads plain JSON

    if level not in CODE_COLUMNS:
        raise ValueError(f"level must be 'province' or 'district', not {level!r}")
    path = Path(path)
    frame = gpd.read_file(path, engine="pyogrio")
    column = _code_column(frame.columns, level, code_column, path)
    frame = _to_wgs84(frame, path)

    codes = [_normalise_code(value, CODE_WIDTHS[level]) for value in frame[column]]
    if "" in codes:
        raise BoundaryError(f"Tệp {path.name}: {codes.count('')} dòng không có mã ở cột {column}.")
    frame = frame.assign(code=codes)[["code", "geometry"]].dissolve(by="code", as_index=False, sort=True)

    names = _register_names(level, province)
    unknown = sorted(set(frame["code"]) - set(names))
    missing = sorted(set(names) - set(frame["code"]))
    if unknown or missing:
        raise BoundaryMismatch(_mismatch_message(path, level, province, unknown, missing), unknown_codes=unknown, missing_codes=missing)
    empty = sorted(code for code, geometry in zip(frame["code"], frame.geometry, strict=True) if geometry is None or geometry.is_empty)
    if empty:
        raise BoundaryError(f"Tệp {path.name}: mã {', '.join(empty)} không có hình ranh giới.")

    features = []
    for code, geometry in zip(frame["code"], frame.geometry, strict=True):
        oriented = shapely.orient_polygons(geometry, exterior_cw=True)
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name": names[code]},
                "geometry": json.loads(shapely.to_geojson(oriented)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _code_column(columns, level: Level, wanted: str | None, path: Path) -> str:
    by_lower = {str(column).lower(): column for column in columns if column != "geometry"}
    candidates = (wanted,) if wanted else CODE_COLUMNS[level]
    for candidate in candidates:
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    raise BoundaryError(
        f"Tệp {path.name} không có cột mã đơn vị {LEVEL_VI[level]} (cần một trong các cột: {', '.join(candidates)}; "
        f"các cột có trong tệp: {', '.join(map(str, by_lower.values())) or 'không có'})."
    )


def _to_wgs84(frame, path: Path):
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            return frame.set_crs(WGS84)  # no .prj, but the numbers are longitudes and latitudes
        raise BoundaryError(
            f"Tệp {path.name} không khai báo hệ tọa độ (thiếu tệp .prj) và tọa độ không phải kinh độ/vĩ độ; " "hãy gửi kèm tệp .prj (ví dụ VN-2000)."
        )
    return frame if frame.crs.equals(WGS84) else frame.to_crs(WGS84)


def _normalise_code(value, width: int) -> str:
    """1, 1.0, " 1 ", "01" -> "01" (width 2); anything that is not digits is kept as written."""
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text.zfill(width) if text.isdigit() else text


def _register_names(level: Level, province: str | None) -> dict[str, str]:
    rows = load_units().filter(pl.col("level") == level)
    if province is not None:
        rows = rows.filter(pl.col("province_code") == _normalise_code(province, CODE_WIDTHS["province"]))
    return dict(rows.select("code", "name").iter_rows())


def _mismatch_message(path: Path, level: Level, province: str | None, unknown: list[str], missing: list[str]) -> str:
    scope = LEVEL_VI[level] + (f" của tỉnh mã {province}" if province else "")
    parts = [f"Tệp ranh giới {path.name} không khớp danh mục đơn vị hành chính {scope}."]
    if unknown:
        parts.append(f"Mã không có trong danh mục ({len(unknown)}): {', '.join(unknown)}.")
    if missing:
        parts.append(f"Thiếu mã ({len(missing)}): {', '.join(missing)}.")
    return " ".join(parts)
