"""What an import did, in words (Vietnamese or English): the headline, the figures, and every problem."""

from __future__ import annotations

from intake.load import ACCEPTED, DRY_RUN, REJECTED, UNCHANGED, ImportResult
from intake.problems import day_text, number
from intake.spec import FIELD, VALUE_TYPE_LABEL_EN, VALUE_TYPE_LABEL_VI


def headline(result: ImportResult, lang: str = "vi") -> str:
    """One sentence: accepted / unchanged / dry run / rejected, and what to do next."""
    vi = lang == "vi"
    name = f"„{result.filename}“" if vi else f"“{result.filename}”"
    kind = (VALUE_TYPE_LABEL_VI if vi else VALUE_TYPE_LABEL_EN).get(result.value_type or "", "")
    if result.status == ACCEPTED:
        return (f"Đã nhập tệp {name}: lô #{result.batch_id}, số liệu {kind}." if vi
                else f"Imported {name} as batch #{result.batch_id} ({kind} counts).")
    if result.status == UNCHANGED and result.duplicate_of:
        d = result.duplicate_of
        when = d["received_at"].strftime("%d/%m/%Y %H:%M") if vi else d["received_at"].isoformat(sep=" ", timespec="minutes")
        return (f"Tệp {name} đã được nhập trước đó (lô #{d['id']}, {when}, người gửi {d['submitted_by']}): không có gì thay đổi."
                if vi else f"{name} was already imported (batch #{d['id']}, {when}, by {d['submitted_by']}): nothing changed.")
    if result.status == UNCHANGED:
        return (f"Tệp {name} không có gì mới: mọi dòng đã có đúng số liệu này; không ghi gì." if vi
                else f"{name} brings nothing new: every row already holds these figures; nothing written.")
    if result.status == DRY_RUN:
        return (f"Tệp {name} hợp lệ. Chạy thử: chưa ghi gì vào cơ sở dữ liệu." if vi
                else f"{name} is valid. Dry run: nothing written to the database.")
    n = len(result.problems)
    return (f"Tệp {name} bị từ chối: {number(n, lang)} lỗi, không có dòng nào được ghi. Sửa các lỗi dưới đây rồi gửi lại cả tệp."
            if vi else f"{name} rejected: {number(n, lang)} problem{'s' if n != 1 else ''}, nothing written. "
                       "Fix them and send the whole file again.")


def figure_lines(result: ImportResult, lang: str = "vi") -> list[str]:
    """Rows, units, dates and the total of each count (daily values)."""
    if result.status == REJECTED:
        return []
    vi = lang == "vi"
    days = (f"{day_text(result.date_from, lang)}" if result.date_from == result.date_to
            else f"{day_text(result.date_from, lang)} – {day_text(result.date_to, lang)}")
    lines = [
        (f"Số dòng: {number(result.rows, lang)} (mới {number(result.rows_new, lang)}, thay thế {number(result.rows_replaced, lang)}, "
         f"không đổi {number(result.rows_unchanged, lang)})" if vi else
         f"Rows: {number(result.rows, lang)} (new {number(result.rows_new, lang)}, replacing {number(result.rows_replaced, lang)}, "
         f"unchanged {number(result.rows_unchanged, lang)})"),
        (f"Đơn vị: {number(result.units, lang)} · tỉnh: {', '.join(result.provinces)}" if vi
         else f"Units: {number(result.units, lang)} · provinces: {', '.join(result.provinces)}"),
        (f"Ngày: {days} ({number(result.days, lang)} ngày)" if vi else f"Dates: {days} ({number(result.days, lang)} day{'s' if result.days != 1 else ''})"),
        ("Tổng số theo ngày:" if vi else "Daily totals:"),
    ]
    for column, total in result.totals.items():
        label = FIELD[column].label_vi if vi else FIELD[column].label_en
        shown = number(total, lang) if total is not None else ("không báo cáo" if vi else "not reported")
        lines.append(f"  {label}: {shown}")
    return lines


def result_lines(result: ImportResult, lang: str = "vi") -> list[str]:
    """Everything the command line prints: headline, figures, then one line per problem."""
    return [headline(result, lang), *figure_lines(result, lang), *[p.message(lang) for p in result.problems]]


KIND_LABEL = {
    "vi": {"upload": "tải lên", "cli": "dòng lệnh", "simulation": "mô phỏng", "rollback": "hủy lô"},
    "en": {"upload": "upload", "cli": "command line", "simulation": "simulation", "rollback": "rollback"},
}
STATUS_LABEL = {
    "vi": {"active": "đang dùng", "rolled_back": "đã hủy", "applied": "đã thực hiện"},
    "en": {"active": "active", "rolled_back": "rolled back", "applied": "applied"},
}
