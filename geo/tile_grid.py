"""The tile-grid layout: each of the 63 provinces one equal tile, placed by hand roughly where it lies.

`geo/data/tile_grid.csv` holds code, row (0 = north), col (0 = west) and a short label; the
positions were drawn by hand from the provinces' centroids, squeezing the long central coast so
the grid stays 19 rows by 8 columns. Loading checks it against the register by code.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from geo.register import DATA_DIR, load_units

TILE_GRID_CSV = DATA_DIR / "tile_grid.csv"


class TileGridError(ValueError):
    """The tile grid file does not match the register; the message names what to fix."""


@lru_cache(maxsize=1)
def load_tile_grid() -> pl.DataFrame:
    """code, row, col, short_name for the 63 provinces; every register code once, no two on one cell."""
    grid = pl.read_csv(TILE_GRID_CSV, schema={"code": pl.String, "row": pl.Int32, "col": pl.Int32, "short_name": pl.String})
    provinces = set(load_units().filter(pl.col("level") == "province")["code"])
    codes = grid["code"].to_list()
    problems = []
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        problems.append(f"codes listed twice: {', '.join(duplicated)}")
    if unknown := sorted(set(codes) - provinces):
        problems.append(f"codes not in the register: {', '.join(unknown)}")
    if missing := sorted(provinces - set(codes)):
        problems.append(f"provinces without a tile: {', '.join(missing)}")
    cells = grid.group_by("row", "col").agg(pl.col("code")).filter(pl.col("code").list.len() > 1)
    for row, col, shared in cells.iter_rows():
        problems.append(f"cell ({row}, {col}) holds {', '.join(sorted(shared))}")
    if grid.filter((pl.col("row") < 0) | (pl.col("col") < 0)).height:
        problems.append("negative row or col")
    if problems:
        raise TileGridError(f"{TILE_GRID_CSV.name}: " + "; ".join(problems))
    return grid
