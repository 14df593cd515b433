"""Reference data written by init-db: regions, the unit register, and targets (quotas) per unit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, delete, func, select

from db.schema import admin_unit, agency_connection, dataset_info, region, target
from db.store import bulk_insert
from geo import register
from geo.apportion import largest_remainder

# Ministries and government agencies that connect to the National Population Database (Bộ Công an,
# which runs the database, is not on the list); names and sources in the file.
AGENCIES_CSV = Path(__file__).resolve().parent / "data" / "agencies.csv"

DEADLINE = date(2021, 7, 1)
# The operational quota of Decision 1368 / the steering committee: 50 million chip cards by 1/7/2021.
NATIONAL_CARD_QUOTA = 50_000_000
CARD_METRICS = ("applications_received", "cards_produced", "cards_delivered")
RECORD_METRICS = ("records_collected", "records_verified")

QUOTA_NOTE_VI = (
    "Chỉ tiêu 50.000.000 thẻ CCCD gắn chip đến 01/07/2021 được phân bổ cho 63 tỉnh theo tỷ lệ dân số "
    "từ 14 tuổi (ước tính) vì chưa có bảng chỉ tiêu chính thức từng tỉnh; cấp huyện, xã phân bổ tiếp theo "
    "cùng tỷ lệ. Chỉ tiêu thu thập và cập nhật dữ liệu dân cư là 100% dân số (Tổng điều tra 2019)."
)


def units_frame() -> pl.DataFrame:
    """The register as stored: adds commune_count (units expected to report each day)."""
    units = register.load_units()
    communes = units.filter(pl.col("level") == "commune")
    per_district = communes.group_by("district_code").len("n").rename({"district_code": "code"})
    units = units.join(per_district, on="code", how="left").with_columns(
        pl.when(pl.col("level") == "commune")
        .then(1)
        # A district with no communes (island districts) reports itself, unless nobody lives there.
        .when(pl.col("n").is_null() & (pl.col("population") > 0))
        .then(1)
        .otherwise(pl.col("n").fill_null(0))
        .cast(pl.Int32)
        .alias("commune_count")
    )
    units = units.drop("n")
    per_province = units.filter(pl.col("level") == "district").group_by("province_code").agg(pl.col("commune_count").sum().alias("n"))
    units = units.join(per_province.rename({"province_code": "code"}), on="code", how="left").with_columns(
        pl.coalesce("n", "commune_count").cast(pl.Int32).alias("commune_count")
    )
    return units.drop("n")


def targets_frame(units: pl.DataFrame) -> pl.DataFrame:
    """Quotas per unit and metric: card quota apportioned by eligible population down every level;
    records targets = census population. Lower levels sum exactly to their parent."""
    rows: list[dict] = []
    provinces = units.filter(pl.col("level") == "province")
    province_quota = largest_remainder(NATIONAL_CARD_QUOTA, dict(zip(provinces["code"], provinces["eligible_population"])))
    quota: dict[str, int] = dict(province_quota)
    for level, parent in (("district", "province_code"), ("commune", "district_code")):
        children = units.filter(pl.col("level") == level)
        for parent_code, group in children.group_by(parent):
            parent_code = parent_code[0]
            weights = dict(zip(group["code"], group["eligible_population"]))
            quota.update(largest_remainder(quota[parent_code], weights))
    # Districts without communes keep their own quota; nothing is lost at commune level.
    for code, value in quota.items():
        for metric in CARD_METRICS:
            rows.append({"unit_code": code, "metric": metric, "value": value, "deadline": DEADLINE, "note": None})
    for code, population in zip(units["code"], units["population"]):
        for metric in RECORD_METRICS:
            rows.append({"unit_code": code, "metric": metric, "value": population, "deadline": DEADLINE, "note": None})
    return pl.DataFrame(rows, schema={"unit_code": pl.String, "metric": pl.String, "value": pl.Int64, "deadline": pl.Date, "note": pl.String})


def agencies_frame() -> pl.DataFrame:
    """The ministry/agency list as shipped: agency_code, name_vi, name_en, kind, sort_order, source."""
    return pl.read_csv(AGENCIES_CSV, schema_overrides={"agency_code": pl.String, "sort_order": pl.Int32})


def load_agencies(conn: Connection) -> int:
    """Add the ministries/agencies of db/data/agencies.csv that are not stored yet, as not connected
    (idempotent; names of stored rows and every connection status are left as they are). Returns how many were added."""
    stored = set(conn.execute(select(agency_connection.c.agency_code)).scalars())
    new = agencies_frame().filter(~pl.col("agency_code").is_in(list(stored)))
    bulk_insert(conn, agency_connection, new.select("agency_code", "name_vi", "kind", "sort_order", pl.lit("not_connected").alias("status")))
    return new.height


def load_reference(conn: Connection) -> None:
    """Write regions, units and targets if the register is not there yet, and any missing ministry/agency (idempotent)."""
    load_agencies(conn)
    if conn.execute(select(func.count()).select_from(admin_unit)).scalar_one() > 0:
        return
    regions = register.load_regions().rename({"region_code": "code"})
    bulk_insert(conn, region, regions.select("code", "name_vi", "name_en", "sort_order"))
    units = units_frame()
    columns = [c.name for c in admin_unit.columns]
    # Parents first so the self-referencing foreign key holds at every row.
    for level in register.LEVELS:
        bulk_insert(conn, admin_unit, units.filter(pl.col("level") == level).select(columns))
    bulk_insert(conn, target, targets_frame(units))
    conn.execute(delete(dataset_info).where(dataset_info.c.key == "quota_note"))
    bulk_insert(conn, dataset_info, pl.DataFrame({"key": ["quota_note"], "value": [QUOTA_NOTE_VI]}))
