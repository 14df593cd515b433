"""Router: page config, database check, shared controls, simulated-data label, navigation. Nothing else.

Pages live in app_pages/, not pages/: a pages/ folder next to app.py switches on Streamlit's
classic multipage mode, which fights st.navigation on deep links (BRIEF §5).
"""

from __future__ import annotations

import streamlit as st

from db.engine import DatabaseUnavailable
from ui import controls, data
from ui.labels import SIMULATED_LABEL

st.set_page_config(page_title="Tiến độ CCCD gắn chip", page_icon="🪪", layout="wide")

try:
    if not data.schema_ready():
        st.error("Cơ sở dữ liệu chưa được khởi tạo. Chạy `python cli.py init-db` (triển khai thật) hoặc `python cli.py demo` (dữ liệu mô phỏng).")
        st.stop()
    version = data.data_version()
    info = data.dataset_info(version)
except DatabaseUnavailable as exc:
    st.error(exc.message_vi)
    st.caption(f"Chi tiết kỹ thuật: {exc.cause.__class__.__name__}")
    st.stop()

if not info.has_reports:
    st.title("Tiến độ cấp CCCD gắn chip")
    st.info("Chưa có báo cáo nào từ các tỉnh. Số liệu sẽ hiện khi báo cáo đầu tiên được nhập.")
    st.stop()

ctx = controls.sidebar(info.first_day, info.last_day, version, data.province_names(version))
if info.simulated:
    st.sidebar.warning(f"**{SIMULATED_LABEL}** — không phải số liệu thật của Bộ Công an.", icon="⚠️")

page = st.navigation(
    [
        st.Page("app_pages/overview.py", title="Tổng quan", icon=":material/home:", url_path="overview", default=True),
        st.Page("app_pages/rankings.py", title="Xếp hạng tỉnh", icon=":material/leaderboard:", url_path="xep-hang"),
        st.Page("app_pages/scorecard.py", title="Tỉnh của tôi", icon=":material/person_pin_circle:", url_path="tinh-cua-toi"),
    ],
)
try:
    page.run()
except DatabaseUnavailable as exc:  # the database went away after the checks above
    st.error(exc.message_vi)

