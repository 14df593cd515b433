"""Load the committed unit register (provinces, districts, communes) and state its population assumptions."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import polars as pl

DATA_DIR = Path(__file__).resolve().parent / "data"
UNITS_CSV = DATA_DIR / "units.csv"
REGIONS_CSV = DATA_DIR / "regions.csv"
PROVINCES_CSV = DATA_DIR / "provinces_2019.csv"

LEVELS = ("province", "district", "commune")
CODE_WIDTHS = {"province": 2, "district": 3, "commune": 5}

# --- Population assumptions (used by geo.build_register; printed by the app) ---------------
# 2019 census: 24.3% of residents were aged 0-14, so 75.7% were 15+. Cards are issued from 14,
# and no 10-14 or single-year count was found, so one fifteenth of the 0-14 group (the
# 14-year-olds, assuming equal cohorts) is added. Per-province age structure was not found:
# one national share applies to every province.
SHARE_15_PLUS_2019 = Fraction(757, 1000)
SHARE_0_14_2019 = Fraction(243, 1000)
ELIGIBLE_SHARE_EXACT = SHARE_15_PLUS_2019 + SHARE_0_14_2019 / 15
ELIGIBLE_SHARE: float = float(ELIGIBLE_SHARE_EXACT)  # 0.7732

# No per-commune census table is shipped, so province populations are split across communes
# by weights per division type: urban wards (phường) are denser than rural communes (xã), and
# township seats (thị trấn) sit in between.
COMMUNE_WEIGHTS: dict[str, float] = {"phường": 1.6, "thị trấn": 1.2, "xã": 1.0}

# Five island districts of 2020-21 have no commune level at all. They take a share of their
# province like one xã, except Hoàng Sa (Paracel Islands): no resident population is counted there.
COMMUNELESS_DISTRICT_WEIGHT: float = 1.0
DISTRICTS_WITHOUT_POPULATION: tuple[str, ...] = ("498",)  # Huyện Hoàng Sa, Đà Nẵng

POPULATION_METHOD_VI = (
    "Dân số theo Tổng điều tra dân số và nhà ở 1/4/2019. "
    "Dân số từ 14 tuổi trở lên ước tính bằng 77,32% dân số mỗi tỉnh "
    "(tỷ lệ từ 15 tuổi trở lên cả nước năm 2019 là 75,7%, cộng thêm một độ tuổi của nhóm 0–14 tuổi; "
    "chưa có cơ cấu tuổi theo tỉnh nên dùng chung một tỷ lệ). "
    "Phân bổ xuống xã theo loại đơn vị (phường 1,6; thị trấn 1,2; xã 1,0; "
    "huyện đảo không có xã tính như 1 xã, riêng Hoàng Sa bằng 0); dân số huyện bằng tổng các xã. "
    "Số liệu cấp huyện, xã là ước tính."
)

_UNIT_SCHEMA = {
    "code": pl.String,
    "level": pl.String,
    "name": pl.String,
    "full_name": pl.String,
    "division_type": pl.String,
    "parent_code": pl.String,
    "province_code": pl.String,
    "district_code": pl.String,
    "region_code": pl.String,
    "iso_code": pl.String,
    "population": pl.Int64,
    "eligible_population": pl.Int64,
}

_REGION_SCHEMA = {
    "region_code": pl.String,
    "name_vi": pl.String,
    "name_en": pl.String,
    "sort_order": pl.Int64,
}

_PROVINCE_COLUMNS = ["gso_code", "name_vi", "name_en", "iso_3166_2", "region", "population_2019", "source"]


def load_units() -> pl.DataFrame:
    """All 11,371 units of 2020-21, one row each; codes are zero-padded strings, populations Int64."""
    return pl.read_csv(UNITS_CSV, schema=_UNIT_SCHEMA)


def load_regions() -> pl.DataFrame:
    """The six GSO socio-economic regions with their codes, names and display order."""
    return pl.read_csv(REGIONS_CSV, schema=_REGION_SCHEMA)


def load_provinces() -> pl.DataFrame:
    """The 2019 census table (63 provinces): GSO code, names, ISO 3166-2 code, region, population, sources."""
    frame = pl.read_csv(PROVINCES_CSV, infer_schema=False)  # every column as text: keep leading zeros
    return frame.select(_PROVINCE_COLUMNS).with_columns(pl.col("population_2019").cast(pl.Int64))
