"""Cached accessors for the map and province pages: geometry (shipped or official) and the map's days.
Numbers come from ui.data (the one cache over queries/); this adds only what the maps need."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import streamlit as st

import settings
from geo import boundaries
from geo.tile_grid import load_tile_grid

# Official district boundary files, one per province: <dir>/district/<province code>.geojson (or .shp).
# None are shipped (no registry package has district polygons): the province page then shows bars
# and tables only and says so. Never invented geometry.
BOUNDARIES_DIR_ENV = "CCCD_BOUNDARIES_DIR"
DEFAULT_BOUNDARIES_DIR = settings.PROJECT_ROOT / "data" / "boundaries"


@st.cache_resource(show_spinner=False)
def provinces_geojson() -> dict:
    """The 63-province FeatureCollection (feature id = GSO code), shared by every session: do not mutate."""
    return boundaries.load_provinces_geojson()


@st.cache_resource(show_spinner=False)
def archipelago_labels() -> list[dict]:
    """Hoàng Sa and Trường Sa label points (shared: do not mutate)."""
    return boundaries.archipelago_labels()


@st.cache_resource(show_spinner=False)
def tile_grid_positions() -> pl.DataFrame:
    """code, row, col, short_name of the 63 tiles (geo/data/tile_grid.csv, checked against the register)."""
    return load_tile_grid()


def boundaries_dir() -> Path:
    return Path(os.environ.get(BOUNDARIES_DIR_ENV) or DEFAULT_BOUNDARIES_DIR)


def official_district_file(province: str) -> Path | None:
    """The official district boundary file of `province`, if one has been put in place."""
    folder = boundaries_dir() / "district"
    for suffix in (".geojson", ".json", ".shp"):
        path = folder / f"{province}{suffix}"
        if path.is_file():
            return path
    return None


@st.cache_resource(show_spinner=False, max_entries=16)
def _official_districts(path: str, mtime: float, province: str) -> dict:
    return boundaries.load_official(path, "district", province=province)


def official_district_geojson(province: str) -> dict | None:
    """District polygons of `province` from its official file, validated code by code against the
    register (geo.boundaries.load_official raises BoundaryError with a Vietnamese message), or None."""
    path = official_district_file(province)
    if path is None:
        return None
    return _official_districts(str(path), path.stat().st_mtime, province)


def map_days(first: date, as_of: date, *, step_days: int = 7) -> list[date]:
    """Days the map can step through: every `step_days` back from `as_of` to the first reported day, oldest first."""
    days = []
    day = as_of
    while day >= first:
        days.append(day)
        day -= timedelta(days=step_days)
    return days[::-1]
