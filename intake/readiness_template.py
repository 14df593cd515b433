"""The readiness update template: sheets "Hạng mục", "Mốc", "Kết nối" with dropdowns and validated cells, and the instructions."""

from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection

from db import readiness_store
from intake.readiness_spec import EARLIEST_DATE, ITEM_LABEL_VI, MILESTONE_LABEL_VI, SHEETS, STATUS_LABEL_VI, Col
from intake.readiness_validate import Reference
from intake.spec import INSTRUCTIONS_SHEET
from intake.template import finish_instructions, header_format, required_text, todo_sentence
from intake.xlsx_print import form_print_setup

TEMPLATE_ROWS = 2000  # rows with cell validation per sheet (63 provinces × 4 items = 252)
NOTES_VI = (
    "Ba bảng: „Hạng mục“ (mỗi tỉnh mỗi hạng mục một dòng), „Mốc“ (mỗi tỉnh mỗi mốc một dòng), „Kết nối“ (mỗi bộ, ngành một dòng). "
    "Chỉ điền bảng cần cập nhật; bảng để trống được bỏ qua. Cũng có thể gửi một tệp CSV UTF-8 cho một bảng (dòng tiêu đề như trong mẫu).",
    "Hạng mục: Bộ thiết bị thu nhận (bộ), Đường truyền (đường, từ công an tỉnh và từng huyện), Cán bộ đã tập huấn (người), Tổ lưu động (tổ).",
    "„Đã hoàn thành“ là số lượng đạt được đến „Ngày hoàn thành“; cập nhật tiến độ bằng cách gửi số mới với ngày mới. "
    "Số đã hoàn thành được phép lớn hơn kế hoạch (lắp thêm, tập huấn thêm).",
    "Một dòng gửi sau thay cho số liệu của hạng mục đó từ ngày ghi trên dòng trở về sau (sửa số liệu); số liệu cũ vẫn được lưu "
    "trong lịch sử (ai gửi, lúc nào, lô nào). Gửi các báo cáo theo thứ tự ngày.",
    "Mốc: Bắt đầu thu thập, Hoàn thành thu thập (thông tin dân cư), Kết nối CSDL (tỉnh đã kết nối, chia sẻ dữ liệu với CSDL quốc gia "
    "về dân cư). Ngày để trống = chưa đạt. Ngày hoàn thành thu thập không thể trước ngày bắt đầu.",
    "Kết nối: trạng thái Đã kết nối (phải có ngày kết nối), Đang thử nghiệm hoặc Chưa kết nối (không ghi ngày). Mã bộ, ngành ở bảng dưới đây.",
    "Ngày dạng dd/mm/yyyy (ví dụ 15/12/2020) hoặc ô ngày của Excel; ngày đã làm xong không thể ở tương lai. Mã tỉnh 2 chữ số (Excel bỏ số 0 "
    "ở đầu thì hệ thống tự thêm lại). Số lượng là số nguyên ≥ 0.",
    "Tệp bị từ chối thì không có dòng nào được ghi; danh sách lỗi ghi rõ bảng, dòng, cột và cách sửa. Gửi lại đúng tệp đã nhập: không có gì thay đổi.",
)


def _template_validation(col: Col) -> dict | None:
    words = {"item": ITEM_LABEL_VI, "milestone": MILESTONE_LABEL_VI, "status": STATUS_LABEL_VI}
    if col.kind in words:
        return {
            "validate": "list",
            "source": list(words[col.kind].values()),
            "input_title": col.label_vi,
            "error_title": col.label_vi,
            "error_message": "Chọn một giá trị trong danh sách.",
        }
    if col.kind == "count":
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "ignore_blank": True,
            "input_title": col.label_vi,
            "error_title": "Số không hợp lệ",
            "error_message": "Nhập số nguyên ≥ 0.",
        }
    if col.kind in ("plan_date", "done_date"):
        return {
            "validate": "date",
            "criteria": ">=",
            "value": EARLIEST_DATE,
            "ignore_blank": True,
            "input_title": col.label_vi,
            "input_message": "Ngày dạng dd/mm/yyyy.",
            "error_title": "Ngày không hợp lệ",
            "error_message": f"Nhập ngày dạng dd/mm/yyyy, từ {EARLIEST_DATE:%d/%m/%Y} trở đi.",
        }
    return None


def template_xlsx(*, provinces: dict[str, str], agencies: dict[str, str], rows: dict[str, pl.DataFrame] | None = None) -> bytes:
    """The update template: sheets "Hạng mục", "Mốc", "Kết nối" (header, dropdowns, validated cells;
    prefilled with `rows` when given — the stored values, to edit and send back) and "Hướng dẫn"
    (notes, columns, province and ministry/agency codes)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    header = header_format(book)
    formats = {
        "province": book.add_format({"num_format": "@"}),
        "agency": book.add_format({"num_format": "@"}),
        "plan_date": book.add_format({"num_format": "dd/mm/yyyy"}),
        "done_date": book.add_format({"num_format": "dd/mm/yyyy"}),
        "count": book.add_format({"num_format": "0"}),
    }
    labels = {"item": ITEM_LABEL_VI, "kind": MILESTONE_LABEL_VI, "status": STATUS_LABEL_VI}
    for sheet in SHEETS:
        ws = book.add_worksheet(sheet.title)
        for j, col in enumerate(sheet.columns):
            ws.write_string(0, j, col.label_vi, header)
            ws.set_column(j, j, 26 if col.kind in ("text", "item", "milestone", "status") else 16, formats.get(col.kind))
            rule = _template_validation(col)
            if rule:
                ws.data_validation(1, j, TEMPLATE_ROWS, j, rule)
        ws.set_row(0, 32)
        ws.freeze_panes(1, 0)
        form_print_setup(ws, f"Sẵn sàng triển khai — {sheet.title}")
        frame = (rows or {}).get(sheet.kind)
        if frame is None:
            continue
        for i, r in enumerate(frame.iter_rows(named=True), start=1):
            for j, col in enumerate(sheet.columns):
                value = r.get(col.id)
                if col.id == "province_name":
                    value = provinces.get(r.get("province_code") or "")
                elif col.id == "agency_name":
                    value = agencies.get(r.get("agency_code") or "")
                elif col.id in labels and value is not None:
                    value = labels[col.id][value]
                if value is None:
                    continue
                if isinstance(value, date):
                    ws.write_datetime(i, j, datetime.combine(value, datetime.min.time()), formats[col.kind])
                elif isinstance(value, int):
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, str(value))
    notes = book.add_worksheet(INSTRUCTIONS_SHEET)
    bold = book.add_format({"bold": True})
    notes.write_string(
        0, 0, "Mẫu cập nhật tình hình sẵn sàng triển khai và kết nối CSDL quốc gia về dân cư", book.add_format({"bold": True, "font_size": 14})
    )
    line = 2
    for i, text in enumerate(NOTES_VI, start=1):
        notes.write_string(line, 0, f"{i}. {text}")
        line += 1
    line += 1
    for j, title in enumerate(("Bảng", "Cột", "Bắt buộc", "Cách nhập", "Ví dụ")):
        notes.write_string(line, j, title, header)
    for sheet in SHEETS:
        for col in sheet.columns:
            line += 1
            notes.write_string(line, 0, sheet.title)
            notes.write_string(line, 1, col.label_vi, bold)
            notes.write_string(line, 2, required_text(col))
            notes.write_string(line, 3, todo_sentence(col))
            notes.write_string(line, 4, col.example)
    for title, table in (("Mã tỉnh", provinces), ("Mã bộ ngành", agencies)):
        line += 2
        notes.write_string(line, 0, title, header)
        notes.write_string(line, 1, "Tên", header)
        for code, name in sorted(table.items()):
            line += 1
            notes.write_string(line, 0, code)
            notes.write_string(line, 1, name)
    return finish_instructions(book, buffer, notes, "Hướng dẫn cập nhật sẵn sàng triển khai", widths=(16, 40, 22, 90, 14))


def template_for(conn: Connection, *, prefill: bool = False) -> bytes:
    """The template with this database's province and agency codes (and its current values when `prefill`)."""
    ref = Reference.load(conn)
    return template_xlsx(provinces=ref.provinces, agencies=ref.agencies, rows=readiness_store.current_rows(conn) if prefill else None)
