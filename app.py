"""Router: page config, database check, who is signed in, navigation, shared controls, simulated-data label.

Pages live in app_pages/, not pages/: a pages/ folder next to app.py switches on Streamlit's
classic multipage mode, which fights st.navigation on deep links (BRIEF §5).
"""

from __future__ import annotations

import streamlit as st

from db.access import Permission
from db.engine import DatabaseUnavailable
from ui import access, controls, data
from present.labels import SIMULATED_LABEL

st.set_page_config(page_title="Tiến độ CCCD gắn chip", page_icon="🪪", layout="wide")

try:
    if not data.schema_ready():
        st.error(
            "Cơ sở dữ liệu chưa được khởi tạo hoặc cần cập nhật cấu trúc. Chạy `python cli.py init-db` (triển khai thật, "
            "không mất số liệu) hoặc `python cli.py demo` (dữ liệu mô phỏng)."
        )
        st.stop()
    state = access.gate()  # shows the sign-in prompt and stops when reading needs a session
    version = data.data_version()
    info = data.dataset_info(version)
except DatabaseUnavailable as exc:
    st.error(exc.message_vi)
    st.caption(f"Chi tiết kỹ thuật: {exc.cause.__class__.__name__}")
    st.stop()


# Pages a role cannot use are not in its menu; a direct link still opens them, to their own refusal
# in Vietnamese (not Streamlit's "Page not found"), and the writers refuse anyway (db.access).
def _shown(allowed: bool) -> str:
    return "visible" if allowed else "hidden"


upload_page = st.Page(
    "app_pages/upload.py",
    title="Nhập báo cáo",
    icon=":material/upload_file:",
    url_path="nhap-bao-cao",
    visibility=_shown(access.allowed(Permission.submit_report)),
)
if not info.has_reports:
    # A new production database: nothing to show yet, but the first report has to come in somewhere.
    st.info("Chưa có báo cáo nào từ các tỉnh. Số liệu sẽ hiện khi báo cáo đầu tiên được nhập — nhập báo cáo ở dưới đây.")
    controls.without_reports(version)
    st.navigation([upload_page], position="hidden").run()
    st.stop()

# Meeting mode: the "Chế độ họp" page, or ?mode=meeting on any page's URL (which opens it with the
# same date, metric, denominator and province). The page hides the sidebar and Streamlit's chrome.
meeting_page = st.Page("app_pages/meeting.py", title="Chế độ họp", icon=":material/co_present:", url_path="hop")
# The default page is served at "/" and reserves no other pathname (url_path "").
overview_page = st.Page("app_pages/overview.py", title="Tổng quan", icon=":material/home:", url_path="", default=True)
# Other addresses of the overview, opened instead of Streamlit's "Page not found" dialog: "overview" (in
# links and bookmarks made before) and "tong-quan" (its name in the other pages' style: /ban-do, /xep-hang).
OVERVIEW_ALIASES = ("overview", "tong-quan")


def overview_alias() -> None:
    st.switch_page(overview_page, query_params=st.query_params.to_dict())


own_pages = [
    st.Page(
        "app_pages/audit.py",
        title="Nhật ký thao tác",
        icon=":material/history:",
        url_path="nhat-ky",
        visibility=_shown(access.allowed(Permission.view_audit)),
    ),
    st.Page(
        "app_pages/users.py",
        title="Tài khoản",
        icon=":material/manage_accounts:",
        url_path="tai-khoan",
        visibility=_shown(access.allowed(Permission.manage_users)),
    ),
    st.Page(
        "app_pages/my_account.py",
        title="Tài khoản của tôi",
        icon=":material/account_circle:",
        url_path="tai-khoan-cua-toi",
        visibility=_shown(state.actor is not None and state.actor.user_id is not None),
    ),
]

page = st.navigation(
    [
        overview_page,
        *(st.Page(overview_alias, title="Tổng quan", url_path=path, visibility="hidden") for path in OVERVIEW_ALIASES),
        st.Page("app_pages/map.py", title="Bản đồ", icon=":material/map:", url_path="ban-do"),
        st.Page("app_pages/rankings.py", title="Xếp hạng tỉnh", icon=":material/leaderboard:", url_path="xep-hang"),
        st.Page("app_pages/scorecard.py", title="Tỉnh của tôi", icon=":material/person_pin_circle:", url_path="tinh-cua-toi"),
        upload_page,
        st.Page("app_pages/quality.py", title="Chất lượng số liệu", icon=":material/fact_check:", url_path="chat-luong"),
        st.Page("app_pages/readiness.py", title="Sẵn sàng triển khai", icon=":material/checklist:", url_path="san-sang"),
        meeting_page,
        st.Page("app_pages/events.py", title="Sự kiện trên biểu đồ", icon=":material/event_note:", url_path="su-kien"),
        st.Page("app_pages/province.py", title="Trang tỉnh", icon=":material/location_city:", url_path="tinh"),
        *own_pages,
    ],
    expanded=True,  # every page of the role listed, not the first ten and Streamlit's English "View 3 more"
)
if st.query_params.get("mode") == "meeting" and page is not meeting_page:
    st.switch_page(meeting_page, query_params=st.query_params.to_dict())

names = data.province_names(version)
# Meeting mode hides the sidebar; the work pages (upload, audit, accounts) use no as-of day, metric or
# province. Neither draws the shared controls: their values come from the URL or the session's last choice.
sidebar_shown = page is not meeting_page
work_page = any(page is p for p in (upload_page, *own_pages))
controls.sidebar(
    info.first_day,
    info.last_day,
    version,
    names,
    home_province=state.actor.province_code if state.actor else None,
    settled=info.settled_day,
    last_counts=(info.last_day_reported, info.last_day_expected),
    shown=sidebar_shown and not work_page,
)
if sidebar_shown:
    access.sidebar_box(state, names)
    if info.simulated:
        st.sidebar.warning(f"**{SIMULATED_LABEL}** — không phải số liệu thật của Bộ Công an.", icon="⚠️")
controls.print_layout()
try:
    page.run()
except DatabaseUnavailable as exc:  # the database went away after the checks above
    st.error(exc.message_vi)
