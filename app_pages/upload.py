"""Upload a provincial report: check it whole, store it as one batch (or say why not), list batches and roll one back."""

from __future__ import annotations

import streamlit as st

from db.access import AccessDenied, Permission
from db.engine import DatabaseUnavailable
from db.rollback import RollbackError
from intake.summary import figure_lines, restated_line, suspect_line
from ui import access, controls, intake_data

_RESULT = "intake_result"
_PROBLEMS_CSV = "intake_problems_csv_bytes"
_ROLLBACK_DONE = "intake_rollback_done"
_CONFIRM = "intake_confirm_rollback"

ctx = controls.current()
actor = access.actor()

st.title("Nhập báo cáo")
if not access.allowed(Permission.submit_report):
    st.warning(
        ("Cần đăng nhập để nhập báo cáo" if actor is None else "Tài khoản này không được nhập báo cáo")
        + ". Cán bộ tỉnh và Tổ dữ liệu C06 đăng nhập bằng tài khoản của mình để nhập.",
        icon=":material/lock:",
    )
    st.stop()
st.caption(
    "Báo cáo của công an tỉnh/thành phố: tệp Excel (.xlsx) hoặc CSV UTF-8 theo mẫu, mỗi xã (hoặc huyện không có xã) mỗi ngày một dòng. "
    "Cả tệp được kiểm tra trước khi ghi: có lỗi thì không dòng nào được ghi; gửi lại đúng tệp cũ thì không có gì thay đổi; "
    "số liệu sửa lại cho cùng xã, cùng ngày thay số cũ và số cũ được lưu trong lịch sử."
)
st.download_button(
    "Tải mẫu báo cáo (Excel)",
    data=intake_data.template_bytes(),
    file_name="mau-bao-cao-cccd.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    on_click="ignore",
)

scope = f"chỉ được nhập báo cáo của {own}" if (own := access.province_label(actor)) else "được nhập báo cáo của mọi tỉnh"
st.caption(
    f"Người gửi: **{access.md(actor.display_name)}** ({access.md(actor.username)}) — {scope}. "
    "Mỗi lần nhập, hủy lô đều ghi vào nhật ký với tài khoản này."
)
uploaded = st.file_uploader("Tệp báo cáo", type=["csv", "xlsx"], key="intake_file")
left, right = st.columns(2)
dry_run = left.toggle("Chỉ kiểm tra (không ghi)", key="intake_dry_run")
cumulative = right.toggle("Số liệu lũy kế (cộng dồn đến hết ngày)", key="intake_cumulative")

if st.button("Kiểm tra" if dry_run else "Kiểm tra và nhập", type="primary", key="intake_go", disabled=uploaded is None):
    try:
        with st.spinner("Đang kiểm tra…"):
            result = intake_data.import_upload(uploaded.getvalue(), uploaded.name, actor=actor, cumulative=cumulative, dry_run=dry_run)
    except DatabaseUnavailable as exc:
        st.error(f"Không ghi được vào cơ sở dữ liệu, không có dòng nào được ghi. Thử lại sau. ({exc.cause.__class__.__name__})")
    except AccessDenied as exc:
        st.session_state.pop(_RESULT, None)
        st.error(access.refused(exc), icon=":material/block:")
    else:
        # The session keeps the first problems for the table and the full list only as CSV bytes
        # (100.000 problem objects would hold ~95 MB of the server's memory per session).
        st.session_state[_RESULT], st.session_state[_PROBLEMS_CSV] = intake_data.kept_for_page(result)
        if result.status == "accepted":
            st.rerun()  # the sidebar and every page see the new batch at once

result = st.session_state.get(_RESULT)
if result is not None:
    if result.status == "accepted":
        st.success(intake_data.safe_headline(result))
    elif result.status == "rejected":
        st.error(intake_data.safe_headline(result))
    else:
        st.info(intake_data.safe_headline(result))
    if result.problems:
        shown = result.problems[: intake_data.PROBLEMS_SHOWN]  # the table shows the first ones; the CSV holds every one kept
        intake_data.show_problems(intake_data.problems_table(shown), key="intake_problems")
        if more := intake_data.more_problems(result, len(shown)):
            st.caption(more)
        st.download_button(
            "Tải danh sách lỗi (CSV)",
            data=st.session_state.get(_PROBLEMS_CSV) or intake_data.problems_csv(result.problems),
            file_name=f"loi-{result.filename}.csv",
            mime="text/csv",
            key="intake_problems_csv",
            on_click="ignore",
        )
    else:
        st.markdown("  \n".join(figure_lines(result)[:3]))
        if restated := restated_line(result):
            st.info(restated, icon=":material/history:")
        if suspect := suspect_line(result):
            st.warning(suspect, icon=":material/warning:")
        controls.grid(intake_data.totals_table(result))

st.subheader("Các lô đã nhập")
done = st.session_state.pop(_ROLLBACK_DONE, None)
if done:
    st.success(done)
batch_list = intake_data.batch_list(ctx.version)
if batch_list.height == 0:
    st.caption("Chưa có lô nào được nhập từ tệp.")
for batch in batch_list.iter_rows(named=True):
    line, action = st.columns([6, 1], vertical_alignment="center")
    line.markdown(intake_data.batch_line(batch))
    if (
        intake_data.can_roll_back(batch)
        and access.allowed(Permission.rollback, [batch["province_code"]])
        and action.button("Hủy lô", key=f"intake_rollback_{batch['id']}")
    ):
        st.session_state[_CONFIRM] = batch["id"]
    if st.session_state.get(_CONFIRM) == batch["id"] and controls.confirmed(
        _CONFIRM,
        f"Hủy lô #{batch['id']}: số liệu của lô này bị gỡ ra và số liệu trước đó (nếu có) được khôi phục. "
        "Việc hủy được ghi lại (người thực hiện, thời điểm).",
        "Xác nhận hủy lô",
        key="intake_rollback",
    ):
        try:
            undone = intake_data.rollback_batch(batch["id"], actor=actor)
        except (RollbackError, AccessDenied) as exc:
            st.error(access.refused(exc))
        else:
            st.session_state.pop(_CONFIRM, None)
            st.session_state[_ROLLBACK_DONE] = intake_data.rollback_message(undone)
            st.rerun()
st.caption(f"Tối đa {intake_data.BATCH_LIST_LIMIT} lô gần nhất (tải lên, dòng lệnh, hủy lô); lô của dữ liệu mô phỏng không hiện ở đây.")
