"""The downloadable XLSX report template: Vietnamese header, cell validation, and an instructions sheet."""

from __future__ import annotations

import io
from datetime import date

import xlsxwriter

from intake.spec import (
    CODE_WIDTH,
    EARLIEST_REPORT_DATE,
    FIELDS,
    INSTRUCTIONS_SHEET,
    VALUE_TYPE_LABEL_VI,
)
from intake.xlsx_print import form_print_setup

DATA_SHEET = "Báo cáo"
# Rows that carry cell validation (a national day at commune grain is about 10,600 rows).
VALIDATED_ROWS = 20_000
LATEST_TEMPLATE_DATE = date(2030, 12, 31)

NOTES_VI = (
    "Mỗi dòng là số liệu của một xã, hoặc của cả một huyện (ô Mã xã để trống), trong một ngày; mỗi đơn vị mỗi ngày chỉ một dòng.",
    "Dòng 1 là dòng tiêu đề: giữ nguyên tên cột, không thêm cột khác. Số liệu bắt đầu từ dòng 2.",
    "Mã tỉnh 2 chữ số, mã huyện 3 chữ số, mã xã 5 chữ số theo danh mục đơn vị hành chính của Tổng cục Thống kê (2020–2021). "
    "Nếu Excel bỏ mất số 0 ở đầu (01 thành 1), hệ thống tự thêm lại.",
    "Báo cáo theo huyện: để trống ô Mã xã, một dòng cho cả huyện (huyện đảo không có xã luôn báo cáo như vậy). Mỗi huyện mỗi ngày "
    "chỉ báo cáo một cấp — cả huyện hoặc từng xã, không cả hai (sẽ bị tính trùng); ngày đã gửi theo cấp nào thì sửa theo cấp đó.",
    "Ngày báo cáo: dạng dd/mm/yyyy (ví dụ 15/03/2021), yyyy-mm-dd, hoặc ô ngày của Excel. Không nhập ngày chưa tới.",
    "Số liệu là số nguyên ≥ 0, không kèm chữ hay đơn vị, không có phần thập phân. Số trong một ngày không thể nhiều hơn dân số của xã.",
    "Loại số liệu: để trống hoặc „theo ngày“ = số phát sinh trong ngày; „lũy kế“ = cộng dồn đến hết ngày "
    "(hệ thống tự quy đổi ra số theo ngày; số lũy kế không được giảm). Mỗi tệp chỉ một loại số liệu.",
    "Gửi lại số liệu đã sửa cho cùng xã, cùng ngày: số mới thay số cũ, số cũ vẫn được lưu trong lịch sử (ai gửi, lúc nào, lô nào). "
    "Gửi lại đúng tệp đã nhập: không có gì thay đổi.",
    "Tệp bị từ chối thì không có dòng nào được ghi; danh sách lỗi ghi rõ dòng, cột và cách sửa. Sửa hết rồi gửi lại cả tệp.",
    "Lưu tệp dạng Excel (.xlsx) hoặc „CSV UTF-8“; dung lượng tối đa 20 MB.",
)


def header_format(book: xlsxwriter.Workbook):
    """The header cells of every template (report and readiness): bold, grey, bordered, wrapped."""
    return book.add_format({"bold": True, "bg_color": "#f3f4f6", "border": 1, "text_wrap": True, "valign": "top"})


def required_text(column) -> str:
    """The instructions' "Bắt buộc" cell of a column (intake.spec.Field, intake.readiness_spec.Col)."""
    return "có" if column.required and not column.nullable else ("có cột, ô được để trống" if column.required else "không")


def todo_sentence(column) -> str:
    """The instructions' "Cách nhập" cell: the column's instruction as a sentence."""
    return column.todo_vi[0].upper() + column.todo_vi[1:] + "."


def finish_instructions(book: xlsxwriter.Workbook, buffer: io.BytesIO, notes, title: str, *, widths: tuple[int, ...]) -> bytes:
    """The instructions sheet's column widths and print set-up (titled `title`, no repeated header row), then the workbook's bytes."""
    for j, width in enumerate(widths):
        notes.set_column(j, j, width)
    form_print_setup(notes, title, header_row=None)
    book.close()
    return buffer.getvalue()


def _validation(field) -> dict | None:
    """Excel's own cell validation for one column (the importer checks again; this catches typos early)."""
    if field.kind == "date":
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": EARLIEST_REPORT_DATE,
            "maximum": LATEST_TEMPLATE_DATE,
            "input_title": field.label_vi,
            "input_message": "Ngày dạng dd/mm/yyyy, ví dụ 15/03/2021.",
            "error_title": "Ngày không hợp lệ",
            "error_message": f"Nhập ngày dạng dd/mm/yyyy, từ {EARLIEST_REPORT_DATE:%d/%m/%Y} trở đi.",
        }
    if field.kind == "code":
        width = CODE_WIDTH[field.id]
        return {
            "validate": "length",
            "criteria": "between",
            "minimum": 1,
            "maximum": width,
            "ignore_blank": True,
            "input_title": field.label_vi,
            "input_message": f"Mã {width} chữ số, ví dụ {field.example}.",
            "error_title": "Mã không hợp lệ",
            "error_message": f"Nhập mã gồm {width} chữ số theo danh mục Tổng cục Thống kê.",
        }
    if field.kind == "count":
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "ignore_blank": True,
            "input_title": field.label_vi[:32],
            "input_message": "Số nguyên ≥ 0.",
            "error_title": "Số không hợp lệ",
            "error_message": "Nhập số nguyên ≥ 0 (không có chữ, không có phần thập phân).",
        }
    return {
        "validate": "list",
        "source": list(VALUE_TYPE_LABEL_VI.values()),
        "ignore_blank": True,
        "input_title": field.label_vi,
        "input_message": "Để trống hoặc „theo ngày“; chọn „lũy kế“ nếu là số cộng dồn.",
        "error_title": "Loại số liệu",
        "error_message": "Chọn „theo ngày“ hoặc „lũy kế“.",
    }


def template_xlsx() -> bytes:
    """The report template as XLSX bytes: sheet "Báo cáo" (header + validated empty rows) and "Hướng dẫn"."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    header = header_format(book)
    formats = {
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
        "code": book.add_format({"num_format": "@"}),  # text: Excel keeps the leading zeros
        "count": book.add_format({"num_format": "0"}),
        "value_type": None,
    }
    sheet = book.add_worksheet(DATA_SHEET)
    for j, f in enumerate(FIELDS):
        sheet.write_string(0, j, f.label_vi, header)
        sheet.set_column(j, j, 14 if f.kind != "count" else 18, formats[f.kind])
        sheet.data_validation(1, j, VALIDATED_ROWS, j, _validation(f))
    sheet.set_row(0, 45)
    sheet.freeze_panes(1, 0)
    form_print_setup(sheet, "Báo cáo tiến độ cấp CCCD gắn chip — mẫu")

    notes = book.add_worksheet(INSTRUCTIONS_SHEET)
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    notes.write_string(0, 0, "Mẫu báo cáo tiến độ cấp CCCD gắn chip và thu thập dữ liệu dân cư", book.add_format({"bold": True, "font_size": 14}))
    for j, title in enumerate(("Cột", "Mã cột", "Bắt buộc", "Cách nhập", "Ví dụ")):
        notes.write_string(2, j, title, header)
    for i, f in enumerate(FIELDS, start=3):
        notes.write_string(i, 0, f.label_vi, bold)
        notes.write_string(i, 1, f.id)
        notes.write_string(i, 2, required_text(f))
        notes.write_string(i, 3, todo_sentence(f), wrap)
        notes.write_string(i, 4, f.example)
    start = 4 + len(FIELDS)
    notes.write_string(start, 0, "Lưu ý", bold)
    for i, line in enumerate(NOTES_VI, start=start + 1):
        notes.write_string(i, 0, f"{i - start}. {line}")
    return finish_instructions(book, buffer, notes, "Hướng dẫn nhập báo cáo", widths=(34, 24, 22, 80, 12))
