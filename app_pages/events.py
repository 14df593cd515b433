"""Events on the trend charts (Tết, COVID-19 disruptions, deadlines): the data team adds, edits and
deletes them here; each change records who made it and when."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from db.access import AccessDenied, Permission
from db.events import KINDS, EventError, EventInput
from queries.annotations import KIND_LABEL
from ui import access, controls, data, meeting_data
from present import format as fmt

FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2022, 12, 31)

ctx = controls.current()
names = data.province_names(ctx.version)

st.title("Sự kiện trên biểu đồ")
st.caption(
    "Các mốc hiện trên biểu đồ xu hướng (trang Tổng quan, chế độ họp, bài trình chiếu): nghỉ lễ, Tết, gián đoạn do dịch "
    "COVID-19, thời hạn. Khoảng ngày hiện thành dải màu, một ngày hiện thành đường chấm. Để trống tỉnh: sự kiện toàn quốc; "
    "sự kiện của tỉnh chỉ hiện trên biểu đồ của tỉnh đó và biểu đồ toàn quốc."
)
if not meeting_data.events_ready():
    st.error("Cơ sở dữ liệu chưa có bảng sự kiện. Chạy `python cli.py init-db` để cập nhật cấu trúc (không mất số liệu).")
    st.stop()

actor = access.actor()
may_edit = access.allowed(Permission.edit_events)
show_deleted = st.toggle("Hiện cả sự kiện đã xóa", key="ev_show_deleted")
frame = meeting_data.events_frame(meeting_data.events_stamp(), include_deleted=show_deleted)


def _province_text(codes: str | None) -> str:
    return "Toàn quốc" if not codes else ", ".join(names.get(c, c) for c in codes.split(","))


# Dates as Vietnamese text, a dash when empty (st.dataframe would print None); the rows stay in date order.
as_text = {"day_from": fmt.day, "day_to": fmt.day, "created_at": fmt.timestamp, "updated_at": fmt.timestamp, "deleted_at": fmt.timestamp}
table = frame.with_columns(
    pl.col("kind").replace_strict(KIND_LABEL, default=pl.col("kind")).alias("kind"),
    pl.col("provinces").map_elements(_province_text, return_dtype=pl.String, skip_nulls=False).alias("provinces"),
    *[pl.col(c).map_elements(f, return_dtype=pl.String, skip_nulls=False).alias(c) for c, f in as_text.items() if c in frame.columns],
    *[pl.col(c).fill_null(fmt.DASH) for c in ("updated_by", "deleted_by") if c in frame.columns],
)
columns = {
    "id": st.column_config.NumberColumn("Số", format="%d"),
    "day_from": "Từ ngày",
    "day_to": "Đến ngày",
    "label_vi": "Tên trên biểu đồ",
    "kind": "Loại",
    "provinces": "Tỉnh liên quan",
    "created_by": "Người tạo",
    "created_at": "Lúc tạo",
    "updated_by": "Người sửa",
    "updated_at": "Lúc sửa",
    "deleted_by": "Người xóa",
    "deleted_at": "Lúc xóa",
}
controls.grid(table, column_config={c: v for c, v in columns.items() if c in table.columns}, key="ev_table")

province_codes = fmt.by_name(names)


def _fields(prefix: str, current: dict | None = None) -> EventInput:
    """The form fields of an event (prefilled from `current` when editing)."""
    current = current or {}
    left, right = st.columns(2)
    day_from = left.date_input(
        "Từ ngày", value=current.get("day_from", ctx.as_of), min_value=FIRST_DAY, max_value=LAST_DAY, format="DD/MM/YYYY", key=f"{prefix}_from"
    )
    day_to = right.date_input(
        "Đến ngày (để trống nếu chỉ một ngày)",
        value=current.get("day_to"),
        min_value=FIRST_DAY,
        max_value=LAST_DAY,
        format="DD/MM/YYYY",
        key=f"{prefix}_to",
    )
    label = st.text_input(
        "Tên ngắn trên biểu đồ",
        value=current.get("label_vi", ""),
        max_chars=120,
        key=f"{prefix}_label",
        help="Nên dưới 30 ký tự để nhãn không chồng lên nhau.",
    )
    kind = st.selectbox("Loại", KINDS, index=KINDS.index(current.get("kind", "other")), format_func=KIND_LABEL.get, key=f"{prefix}_kind")
    chosen = [c for c in (current.get("provinces") or "").split(",") if c]
    provinces = st.multiselect(
        "Tỉnh liên quan (để trống: toàn quốc)", province_codes, default=chosen, format_func=names.get, key=f"{prefix}_provinces"
    )
    return EventInput(day_from=day_from, day_to=day_to, label=label, kind=kind, provinces=tuple(provinces))


def _attempt(action, success: str, *, emptied: str | None = None) -> None:
    """Run a write; on success keep its message for the rerun and empty the form of prefix `emptied`
    (a new event's fields, so that the same event is not added twice by a second click)."""
    try:
        action()
    except EventError as exc:
        st.error(str(exc))
    except AccessDenied as exc:
        st.error(access.refused(exc), icon=":material/block:")
    else:
        st.session_state["ev_flash"] = success
        for field in ("from", "to", "label", "kind", "provinces") if emptied else ():
            st.session_state.pop(f"{emptied}_{field}", None)
        st.rerun()


if flash := st.session_state.pop("ev_flash", None):
    st.success(flash)

if not may_edit:
    st.info("Tổ dữ liệu C06 thêm, sửa, xóa sự kiện (đăng nhập bằng tài khoản của Tổ).", icon=":material/lock:")
    st.stop()
st.caption(f"Người thực hiện: **{access.md(actor.display_name)}** ({access.md(actor.username)}) — ghi vào mỗi lần thêm, sửa, xóa.")
st.subheader("Thêm sự kiện")
with st.form("ev_add", clear_on_submit=False, border=True):
    new_event = _fields("ev_new")
    if st.form_submit_button("Thêm sự kiện", icon=":material/add:"):
        _attempt(lambda: meeting_data.add_event(new_event, actor=actor), "Đã thêm sự kiện.", emptied="ev_new")

live = frame.filter(pl.col("deleted_at").is_null()) if "deleted_at" in frame.columns else frame
if live.height:
    st.subheader("Sửa hoặc xóa")
    rows = {r["id"]: r for r in live.iter_rows(named=True)}
    ids = list(rows)
    # The picker is a new widget whenever the events change (the key carries their stamp): a kept widget
    # would go on showing an edited event under its old name. The chosen event is remembered apart.
    chosen_id = st.selectbox(
        "Sự kiện",
        ids,
        index=ids.index(st.session_state["ev_chosen"]) if st.session_state.get("ev_chosen") in rows else 0,
        key="ev_pick_" + "_".join(meeting_data.events_stamp()),
        format_func=lambda i: f"#{i} · {fmt.day(rows[i]['day_from'])}"
        + (f"–{fmt.day(rows[i]['day_to'])}" if rows[i]["day_to"] else "")
        + f" · {rows[i]['label_vi']}",
    )
    st.session_state["ev_chosen"] = chosen_id
    current = rows[chosen_id]
    with st.form(f"ev_edit_{chosen_id}", border=True):
        edited = _fields(f"ev_edit_{chosen_id}", current)
        save = st.form_submit_button("Lưu thay đổi", icon=":material/save:")
    if save:
        _attempt(lambda: meeting_data.update_event(chosen_id, edited, actor=actor), f"Đã sửa sự kiện #{chosen_id}.")
    with st.container(border=True):
        sure = st.checkbox(f"Xóa sự kiện #{chosen_id} khỏi mọi biểu đồ (vẫn lưu lại ai xóa, lúc nào)", key=f"ev_sure_{chosen_id}")
        if st.button("Xóa sự kiện", icon=":material/delete:", disabled=not sure, key=f"ev_delete_{chosen_id}"):
            _attempt(lambda: meeting_data.delete_event(chosen_id, actor=actor), f"Đã xóa sự kiện #{chosen_id}.")
