"""Facts the simulated rollout is calibrated to: national anchors, holidays and COVID-19 disruptions.

Every anchor that a test checks carries its source (copied from the project's research notes;
see docs/simulation.md). Points marked `shape` are our own interpolation choices between sourced
anchors, not facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PERIOD_START = date(2020, 9, 1)
PERIOD_END = date(2021, 12, 31)


@dataclass(frozen=True)
class Anchor:
    day: date
    cumulative: int
    source: str  # "shape" for interpolation points that are not sourced facts


# National cumulative curves (reported, all provinces). Between points the increment is spread
# over working days (weekends and holidays weigh less), so the curve bends where real work paused.
NATIONAL_CURVES: dict[str, tuple[Anchor, ...]] = {
    "applications_received": (
        Anchor(date(2020, 12, 30), 0, "Hà Nội starts receiving chip-CCCD applications 31/12/2020 (tuoitrenews 01/01/2021)"),
        Anchor(date(2021, 1, 31), 1_200_000, "shape"),
        Anchor(date(2021, 2, 28), 3_900_000, "shape"),
        Anchor(date(2021, 3, 31), 13_600_000, "shape"),
        Anchor(date(2021, 4, 5), 15_800_000, ">15 million dossiers nationwide by early April (qpvn.vn; vnexpress 2021-04)"),
        Anchor(date(2021, 4, 27), 33_900_000, "33.9 million on 27/04/2021, 67.8% of 50 M (en.vietnamplus.vn 04/05/2021)"),
        Anchor(date(2021, 5, 31), 47_600_000, "shape"),
        Anchor(date(2021, 6, 15), 54_000_000, "nearly 54 million, 107% of target, mid-June (zingnews, press conf. 21/06/2021)"),
        Anchor(date(2021, 6, 30), 56_500_000, "shape"),
        Anchor(date(2021, 7, 31), 58_700_000, "shape"),
        Anchor(date(2021, 9, 30), 61_200_000, "shape"),
        Anchor(date(2021, 12, 31), 67_000_000, "shape: ~60 M cards printed for 2021 dossiers by 18/01/2022 (vietbao.vn)"),
    ),
    "cards_delivered": (
        Anchor(date(2021, 1, 24), 0, "shape: first cards returned late January 2021"),
        Anchor(date(2021, 2, 28), 160_000, "shape"),
        Anchor(date(2021, 3, 31), 1_500_000, "shape"),
        Anchor(date(2021, 4, 30), 5_400_000, "shape"),
        Anchor(date(2021, 5, 31), 10_400_000, "shape"),
        Anchor(date(2021, 6, 20), 15_000_000, ">15 million printed & returned, ~June 2021 (laodong.vn)"),
        Anchor(date(2021, 7, 15), 20_000_000, "20 million printed & returned in July 2021 (vnexpress, Maj. Gen. Phạm Công Nguyên)"),
        Anchor(date(2021, 8, 15), 27_000_000, "shape"),
        Anchor(date(2021, 9, 15), 37_000_000, "shape"),
        Anchor(date(2021, 10, 6), 45_000_000, "~45 million printed & returned by 06/10/2021, 400–500k cards/day (thanhnien.vn)"),
        Anchor(date(2021, 11, 5), 48_000_000, "shape"),
        Anchor(date(2021, 12, 10), 50_000_000, "50 million printed & returned, December 2021 (vietbao.vn 2021-12)"),
        Anchor(date(2021, 12, 31), 53_000_000, "shape: toward ~60 M by 18/01/2022 (vietbao.vn)"),
    ),
    "records_collected": (
        Anchor(date(2020, 8, 31), 0, "shape: the tracked period starts 01/09/2020"),
        Anchor(date(2020, 10, 31), 42_000_000, "shape"),
        Anchor(date(2020, 12, 31), 80_000_000, "59/63 provinces finished collecting information on ~80 million people in 2020 (sggpnews)"),
        Anchor(date(2021, 3, 31), 93_000_000, "shape"),
        Anchor(date(2021, 6, 30), 99_000_000, "shape"),
        Anchor(date(2021, 12, 31), 100_800_000, "shape"),
    ),
    "records_verified": (
        Anchor(date(2020, 8, 31), 0, "shape"),
        Anchor(date(2020, 12, 31), 62_000_000, "shape"),
        Anchor(date(2021, 2, 25), 84_000_000, "shape: database inaugurated 25/02/2021 (anninhthudo)"),
        Anchor(date(2021, 4, 30), 93_500_000, "shape"),
        Anchor(date(2021, 7, 1), 98_300_000, ">98 million citizens in the database when it went live 01/07/2021 (vietbao.vn; SGGP)"),
        Anchor(date(2021, 12, 31), 100_200_000, "shape"),
    ),
}

# Printing runs ahead of delivery: cards printed by day t are the cards delivered by t + this lag.
PRINT_TO_DELIVERY_DAYS = 6
# A dossier reaches the central printing line this many days after it is received.
DOSSIER_TO_PRINT_DAYS = 3
# A collected record is checked and entered into the database after this many days at the earliest.
COLLECT_TO_VERIFY_DAYS = 2

# Public holidays (factor on the day's work). Many provinces worked through the 30/4–1/5 holiday.
HOLIDAYS: dict[date, float] = {
    date(2020, 9, 2): 0.2,
    date(2021, 1, 1): 0.3,
    **{date(2021, 2, d): 0.05 for d in range(10, 17)},  # Tết Tân Sửu 10–16/02/2021
    date(2021, 4, 21): 0.5,  # Giỗ Tổ Hùng Vương
    date(2021, 4, 30): 0.5,
    date(2021, 5, 1): 0.5,
    date(2021, 5, 2): 0.5,
    date(2021, 5, 3): 0.5,
    **{date(2021, 9, d): 0.3 for d in range(2, 6)},  # Quốc khánh 02–05/09/2021
}

# Mon..Sun: the campaign worked weekends, at a lower pace.
WEEKDAY_FACTORS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.45)


@dataclass(frozen=True)
class Disruption:
    """Work in `provinces` (or only `district_name` within them) runs at `factor` from `start` to `end`."""

    label: str
    provinces: tuple[str, ...]
    start: date
    end: date
    factor: float
    district_name: str | None = None


SOUTHERN_16 = ("92", "70", "72", "77", "82", "80", "86", "87", "83", "93", "89", "95", "94", "84", "96", "91")

DISRUPTIONS: tuple[Disruption, ...] = (
    Disruption("Chí Linh (Hải Dương) phong tỏa", ("30",), date(2021, 1, 28), date(2021, 2, 15), 0.2, "Thành phố Chí Linh"),
    Disruption("Vân Đồn (Quảng Ninh) cách ly", ("22",), date(2021, 1, 28), date(2021, 2, 20), 0.3, "Huyện Vân Đồn"),
    Disruption("Hải Dương giãn cách toàn tỉnh (CT 16)", ("30",), date(2021, 2, 16), date(2021, 3, 2), 0.1),
    Disruption("Bắc Giang giãn cách", ("24",), date(2021, 5, 15), date(2021, 6, 30), 0.25),
    Disruption("Bắc Ninh giãn cách", ("27",), date(2021, 5, 18), date(2021, 6, 20), 0.4),
    Disruption("TP. Hồ Chí Minh CT 15", ("79",), date(2021, 5, 31), date(2021, 7, 8), 0.6),
    Disruption("TP. Hồ Chí Minh CT 16", ("79",), date(2021, 7, 9), date(2021, 9, 30), 0.08),
    Disruption("Bình Dương, Đồng Nai CT 16", ("74", "75"), date(2021, 7, 9), date(2021, 9, 30), 0.15),
    Disruption("16 tỉnh phía Nam CT 16", SOUTHERN_16, date(2021, 7, 19), date(2021, 9, 15), 0.2),
    Disruption("Hà Nội CT 16", ("01",), date(2021, 7, 24), date(2021, 9, 5), 0.25),
    Disruption("Đà Nẵng tạm dừng thu nhận", ("48",), date(2021, 7, 31), date(2021, 9, 30), 0.02),
)

# The ten localities asked to cover half their residents by 30/04/2021 (nghean24h.vn 2021-03):
# Hà Nội, TP.HCM, Hải Phòng, Đà Nẵng, Cần Thơ, Đồng Nai, Bình Dương, Thanh Hóa, Nghệ An, Bắc Ninh.
EARLY_LEADERS = ("01", "79", "31", "48", "92", "75", "74", "38", "40", "27")
# Four provinces finished resident-data collection after 2020 (59/63 by the end of 2020).
LATE_COLLECTORS = ("79", "74", "75", "01")
