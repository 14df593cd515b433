"""Vietnamese labels for metrics, denominators, statuses and units (the glossary of BRIEF §2)."""

from __future__ import annotations

from queries import readiness as R
from queries.metrics import Denominator, Metric, Status

METRIC_LABEL = {
    Metric.applications_received: "Hồ sơ CCCD đã thu nhận",
    Metric.cards_produced: "Thẻ CCCD đã sản xuất",
    Metric.cards_delivered: "Thẻ CCCD đã trả cho công dân",
    Metric.records_collected: "Phiếu thu thập thông tin dân cư",
    Metric.records_verified: "Dữ liệu dân cư đã cập nhật vào CSDL",
}

METRIC_UNIT = {
    Metric.applications_received: "hồ sơ",
    Metric.cards_produced: "thẻ",
    Metric.cards_delivered: "thẻ",
    Metric.records_collected: "phiếu",
    Metric.records_verified: "bản ghi",
}


def denominator_label(metric: Metric, denominator: Denominator) -> str:
    """What the coverage is a share of, in words."""
    if denominator == Denominator.target:
        return "chỉ tiêu giao"
    if metric in (Metric.records_collected, Metric.records_verified):
        return "dân số (TĐT 2019)"
    return "công dân từ 14 tuổi (ước tính)"


DENOMINATOR_CHOICE = {
    Denominator.eligible: "Dân số đủ điều kiện",
    Denominator.target: "Chỉ tiêu giao",
}

STATUS_LABEL = {
    Status.achieved: "Đã đạt",
    Status.on_track: "Đúng tiến độ",
    Status.at_risk: "Có nguy cơ chậm",
    Status.off_track: "Chậm tiến độ",
    Status.overdue: "Quá hạn, chưa đạt",
}

# Traffic-light colours, high contrast on white and distinguishable in greyscale by lightness.
STATUS_COLOR = {
    Status.achieved: "#1d4ed8",
    Status.on_track: "#15803d",
    Status.at_risk: "#b45309",
    Status.off_track: "#b91c1c",
    Status.overdue: "#7f1d1d",
}

SIMULATED_LABEL = "Dữ liệu mô phỏng"

# Streamlit's named colours for the same statuses (badges and coloured markdown).
BADGE_COLOR = {
    Status.achieved: "blue",
    Status.on_track: "green",
    Status.at_risk: "orange",
    Status.off_track: "red",
    Status.overdue: "red",
}

# Readiness traffic lights (queries.readiness) in words.
READINESS_LIGHT_LABEL = {R.DONE: "Đã xong", R.IN_PROGRESS: "Đang thực hiện", R.OVERDUE: "Quá hạn", R.MISSING: "Chưa báo cáo"}
