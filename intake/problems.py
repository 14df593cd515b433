"""What is wrong with a report or a readiness update, where (spreadsheet row and column) and what to do, in Vietnamese and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

# A rejected file's problems kept in memory (the downloadable list): the checks stop collecting past
# this many and the count becomes "at least" (docs/intake.md, "Limits").
PROBLEMS_KEPT = 100_000
# …and how many the upload page's table and the command line show (the rest: the CSV list).
PROBLEMS_SHOWN = 1_000
# code -> (Vietnamese, English). Each says what is wrong and what to do about it.
# {name}: file name; {value}: the cell as typed; numbers and dates are formatted per language.
MESSAGES: dict[str, tuple[str, str]] = {
    # the file as a whole
    "file_too_large": (
        "Tệp „{name}“ nặng {size_mb} MB, vượt giới hạn {limit_mb} MB — chia thành nhiều tệp nhỏ hơn (ví dụ mỗi tệp một tuần) rồi gửi lại.",
        "File “{name}” is {size_mb} MB, over the {limit_mb} MB limit — split it into smaller files (e.g. one week each) and send again.",
    ),
    "file_type": (
        "Tệp „{name}“ không phải CSV hoặc Excel (.xlsx) — lưu báo cáo theo mẫu dưới dạng .xlsx hoặc „CSV UTF-8“ rồi gửi lại.",
        "File “{name}” is neither CSV nor Excel (.xlsx) — save the report from the template as .xlsx or “CSV UTF-8” and send again.",
    ),
    "file_xls": (
        "Tệp „{name}“ là định dạng Excel cũ (.xls) — mở bằng Excel, chọn Lưu thành „Sổ làm việc Excel (*.xlsx)“ rồi gửi lại.",
        "File “{name}” is an old Excel file (.xls) — open it in Excel, save it as “Excel Workbook (*.xlsx)” and send again.",
    ),
    "file_unreadable": (
        "Không đọc được tệp „{name}“ ({detail}) — tệp có thể bị hỏng; mở lại bằng Excel, lưu thành .xlsx hoặc „CSV UTF-8“ rồi gửi lại.",
        "Cannot read file “{name}” ({detail}) — it may be damaged; open it in Excel, save it as .xlsx or “CSV UTF-8” and send again.",
    ),
    "file_encoding": (
        "Tệp CSV „{name}“ không dùng bảng mã UTF-8 nên chữ tiếng Việt sẽ bị lỗi — trong Excel chọn Lưu thành „CSV UTF-8 (phân tách bằng dấu phẩy)“ rồi gửi lại.",
        "CSV file “{name}” is not UTF-8, so Vietnamese text would be garbled — in Excel choose Save as “CSV UTF-8 (Comma delimited)” and send again.",
    ),
    "file_empty": (
        "Tệp „{name}“ không có dữ liệu — kiểm tra đã chọn đúng tệp báo cáo.",
        "File “{name}” has no data — check that you chose the right report file.",
    ),
    "header_only": (
        "Tệp chỉ có dòng tiêu đề, không có dòng số liệu nào — nhập mỗi đơn vị mỗi ngày một dòng, bắt đầu từ dòng {first_row}.",
        "The file has a header but no data rows — enter one row per unit per day, starting at row {first_row}.",
    ),
    # limits of what is read at all (intake.read; docs/intake.md "Limits"): the first one crossed stops the reading
    "too_many_rows": (
        "Tệp „{name}“ có hơn {limit} dòng số liệu (giới hạn {limit} dòng mỗi tệp) — chia thành nhiều tệp nhỏ hơn (ví dụ mỗi tệp một tuần) rồi gửi lại.",
        "File “{name}” has more than {limit} data rows (the limit is {limit} rows per file) — split it into smaller files (e.g. one week each) and send again.",
    ),
    "too_many_columns": (
        "có số liệu ở cột này, vượt giới hạn {limit} cột (đến cột {limit_letter}) — mẫu báo cáo chỉ có 10 cột; xóa các cột thừa bên phải (cả ô chỉ có dấu cách) rồi gửi lại.",
        "there is data in this column, past the limit of {limit} columns (up to column {limit_letter}) — the template has 10 columns; delete the extra columns on the right (even cells holding only spaces) and send again.",
    ),
    "too_many_cells": (
        "Tệp „{name}“ có hơn {limit} ô (giới hạn {limit} ô mỗi tệp, kể cả ô trống đã định dạng) — xóa các cột, dòng thừa hoặc chia thành nhiều tệp nhỏ hơn rồi gửi lại.",
        "File “{name}” has more than {limit} cells (the limit is {limit} cells per file, formatted empty cells included) — delete extra columns and rows or split it into smaller files and send again.",
    ),
    "cell_too_long": (
        "ô dài {chars} ký tự, vượt giới hạn {limit} ký tự một ô — mỗi ô chỉ chứa một mã, một ngày hoặc một số; sửa ô này rồi gửi lại.",
        "the cell holds {chars} characters, over the limit of {limit} per cell — a cell holds one code, date or number; correct it and send again.",
    ),
    "sheet_too_large": (
        "Trang tính „{sheet}“ của tệp „{name}“ khai báo vùng dữ liệu {ref} ({rows} dòng × {columns} cột), vượt giới hạn {limit_rows} dòng và {limit_columns} cột — xóa các dòng, cột thừa (kể cả định dạng) rồi lưu lại và gửi.",
        "Sheet “{sheet}” of “{name}” declares the range {ref} ({rows} rows × {columns} columns), past the limits of {limit_rows} rows and {limit_columns} columns — delete the extra rows and columns (formatting included), save and send again.",
    ),
    "xlsx_inflated": (
        "Tệp Excel „{name}“ khi giải nén lớn {size_mb} MB, vượt giới hạn {limit_mb} MB — chia thành nhiều tệp nhỏ hơn, hoặc lưu thành „CSV UTF-8“ rồi gửi lại.",
        "Excel file “{name}” inflates to {size_mb} MB, over the {limit_mb} MB limit — split it into smaller files, or save it as “CSV UTF-8”, and send again.",
    ),
    "xlsx_part_too_large": (
        "Tệp Excel „{name}“ có phần {part} lớn {size_mb} MB khi giải nén, vượt giới hạn {limit_mb} MB — mở bằng Excel, sao chép số liệu sang tệp mẫu mới hoặc lưu thành „CSV UTF-8“ rồi gửi lại.",
        "Excel file “{name}” has a part {part} of {size_mb} MB uncompressed, over the {limit_mb} MB limit — copy the data into a fresh template or save it as “CSV UTF-8” and send again.",
    ),
    "xlsx_ratio": (
        "Tệp Excel „{name}“ nén bất thường: phần {part} giải nén lớn gấp {ratio} lần (giới hạn {limit} lần) — tệp không phải do Excel tạo bình thường; mở bằng Excel, lưu lại thành .xlsx hoặc „CSV UTF-8“ rồi gửi lại.",
        "Excel file “{name}” is abnormally compressed: part {part} inflates {ratio} times (the limit is {limit}) — open it in Excel, save it again as .xlsx or “CSV UTF-8” and send again.",
    ),
    "external_formula": (
        "ô này là công thức lấy số từ một tệp khác ({value}) — số lưu sẵn trong ô không đáng tin; sao chép rồi „Dán giá trị“ (Paste Values) vào ô, rồi gửi lại.",
        "this cell is a formula taking its value from another workbook ({value}) — its cached value cannot be trusted; copy it and “Paste Values” into the cell, then send again.",
    ),
    # the header row
    "missing_column": (
        "thiếu cột „{label}“ — thêm cột này vào dòng tiêu đề như trong mẫu báo cáo ({todo}).",
        "column “{label_en}” („{label}“) is missing — add it to the header row as in the template ({todo_en}).",
    ),
    "unknown_column": (
        "tên cột không có trong mẫu báo cáo — đổi tên cho đúng mẫu (ví dụ „Mã xã“, „Số hồ sơ tiếp nhận“) hoặc xóa cột này.",
        "this column is not in the report template — rename it as in the template (e.g. “Commune code”) or delete it.",
    ),
    "duplicate_column": (
        "cột này trùng với cột {other} (cùng là „{label}“) — chỉ giữ lại một cột.",
        "this column repeats column {other} (both are “{label_en}”) — keep only one of them.",
    ),
    "unnamed_column": (
        "cột có số liệu nhưng không có tên ở dòng tiêu đề — điền tên cột theo mẫu báo cáo hoặc xóa cột này.",
        "this column has data but no name in the header row — name it as in the template or delete it.",
    ),
    # one cell
    "required": ("ô bị trống — {todo}.", "the cell is empty — {todo_en}."),
    "date_format": (
        "giá trị „{value}“ không phải ngày hợp lệ — nhập ngày dạng dd/mm/yyyy (ví dụ 15/03/2021) hoặc yyyy-mm-dd.",
        "“{value}” is not a valid date — enter it as dd/mm/yyyy (e.g. 15/03/2021) or yyyy-mm-dd.",
    ),
    "date_future": (
        "ngày {day} chưa tới (hôm nay là {today}) — kiểm tra lại ngày báo cáo (nhầm ngày và tháng, hoặc nhầm năm?).",
        "{day} is in the future (today is {today}) — check the report date (day and month swapped, or wrong year?).",
    ),
    "date_too_early": (
        "ngày {day} trước khi bắt đầu kỳ báo cáo ({start}) — kiểm tra lại ngày báo cáo (nhầm năm?).",
        "{day} is before the reporting period starts ({start}) — check the report date (wrong year?).",
    ),
    "code_format": (
        "giá trị „{value}“ không phải mã {level} — nhập mã {level} gồm {width} chữ số theo danh mục Tổng cục Thống kê (ví dụ {example}).",
        "“{value}” is not a {level_en} code — enter the {width}-digit GSO {level_en} code (e.g. {example}).",
    ),
    "unknown_province": (
        "không có tỉnh mã {code} trong danh mục — kiểm tra lại mã tỉnh (2 chữ số, ví dụ 01 là Hà Nội).",
        "there is no province with code {code} — check the province code (2 digits, e.g. 01 is Hà Nội).",
    ),
    "unknown_district": (
        "không có huyện mã {code} trong danh mục — kiểm tra lại mã huyện (3 chữ số).",
        "there is no district with code {code} — check the district code (3 digits).",
    ),
    "unknown_commune": (
        "không có xã mã {code} trong danh mục — kiểm tra lại mã xã (5 chữ số).",
        "there is no commune with code {code} — check the commune code (5 digits).",
    ),
    "district_not_in_province": (
        "huyện {code} ({name}) thuộc tỉnh {actual} ({actual_name}), không thuộc tỉnh {stated} ghi trên dòng này — sửa lại mã tỉnh hoặc mã huyện.",
        "district {code} ({name}) belongs to province {actual} ({actual_name}), not to province {stated} given on this row — correct the province or district code.",
    ),
    "commune_not_in_district": (
        "xã {code} ({name}) thuộc huyện {actual} ({actual_name}), không thuộc huyện {stated} ghi trên dòng này — sửa lại mã huyện hoặc mã xã.",
        "commune {code} ({name}) belongs to district {actual} ({actual_name}), not to district {stated} given on this row — correct the district or commune code.",
    ),
    # report grain (intake.grain): a district-day is reported for the whole district or commune by commune, not both
    "grain_mixed": (
        "dòng này báo cáo cả huyện {code} ({name}) ngày {day} (mã xã để trống), nhưng dòng {rows} báo cáo từng xã của huyện này cùng ngày — cộng cả hai sẽ tính trùng; mỗi huyện mỗi ngày chỉ báo cáo một cấp: xóa dòng cả huyện hoặc các dòng từng xã.",
        "this row reports the whole district {code} ({name}) on {day} (empty commune code), but row(s) {rows} report communes of this district on the same day — both would be counted twice; report each district-day at one level only: delete the district row or the commune rows.",
    ),
    "grain_switch_cumulative": (
        "dòng này báo cáo lũy kế cả huyện {code} ({name}), nhưng dòng {rows} báo cáo lũy kế từng xã của huyện này — trong một tệp lũy kế mỗi huyện chỉ báo cáo một cấp; tách thành hai tệp theo thứ tự ngày, hoặc gửi số theo ngày.",
        "this row reports a cumulative count for the whole district {code} ({name}), but row(s) {rows} report cumulative counts of its communes — in a cumulative file each district is reported at one level only; split it into two files in date order, or send daily counts.",
    ),
    "grain_stored_communes": (
        "huyện {code} ({name}) ngày {day} đã được lưu theo từng xã ({communes} xã, lô {batches}) — dòng cả huyện sẽ tính trùng; tiếp tục báo cáo ngày này theo từng xã, hoặc hủy (rollback) lô đó trước rồi gửi lại.",
        "district {code} ({name}) on {day} is already stored commune by commune ({communes} communes, batch {batches}) — a whole-district row would count it twice; keep reporting this day by commune, or roll that batch back first and send again.",
    ),
    "grain_stored_district": (
        "huyện {code} ({name}) ngày {day} đã được lưu ở cấp huyện (cả huyện một dòng, lô {batches}) — các dòng từng xã sẽ tính trùng; tiếp tục báo cáo ngày này cho cả huyện (để trống mã xã), hoặc hủy (rollback) lô đó trước rồi gửi lại.",
        "district {code} ({name}) on {day} is already stored as a whole district (batch {batches}) — commune rows would count it twice; keep reporting this day for the whole district (empty commune code), or roll that batch back first and send again.",
    ),
    "grain_cumulative_after_district": (
        "huyện {code} ({name}) đã báo cáo ở cấp huyện (đến ngày {day}), nên không biết phần của từng xã trong số đã lưu — không quy đổi được số lũy kế theo xã thành số theo ngày; gửi lũy kế cho cả huyện (để trống mã xã) hoặc gửi số theo ngày.",
        "district {code} ({name}) has reported as a whole district (up to {day}), so each commune's share of what is stored is unknown — cumulative commune counts cannot be turned into daily ones; send the district's cumulative count (empty commune code) or daily counts.",
    ),
    "not_numeric": (
        "giá trị „{value}“ không phải là số — nhập {what} bằng chữ số (số nguyên ≥ 0), không kèm chữ hay đơn vị.",
        "“{value}” is not a number — enter the {what_en} in digits (whole number ≥ 0), without words or units.",
    ),
    "negative": (
        "giá trị „{value}“ là số âm — nhập {what} (số nguyên ≥ 0).",
        "“{value}” is negative — enter the {what_en} (whole number ≥ 0).",
    ),
    "fractional": (
        "giá trị „{value}“ là số thập phân — nhập {what} là số nguyên (ví dụ 1250, viết liền không dấu phân cách).",
        "“{value}” is a fraction — enter the {what_en} as a whole number (e.g. 1250, without separators).",
    ),
    "too_large": (
        "{count} trong một ngày là nhiều hơn toàn bộ dân số của {unit_name} ({population} người) — kiểm tra lại số liệu (có phải đã nhập số lũy kế vào báo cáo theo ngày?).",
        "{count} in one day is more than the whole population of {unit_name} ({population}) — check the figure (a cumulative count in a daily report?).",
    ),
    "too_large_cumulative": (
        "số lũy kế {cumulative} tăng {count} so với lần báo cáo trước, nhiều hơn toàn bộ dân số của {unit_name} ({population} người) — kiểm tra lại số liệu.",
        "cumulative count {cumulative} is {count} above the previous report, more than the whole population of {unit_name} ({population}) — check the figure.",
    ),
    "duplicate_row": (
        "đơn vị {unit} ngày {day} đã có ở dòng {first_row} — mỗi đơn vị mỗi ngày chỉ một dòng; xóa dòng trùng hoặc sửa mã, ngày cho đúng.",
        "unit {unit} on {day} is already on row {first_row} — one row per unit per day; delete the duplicate or correct its code or date.",
    ),
    "cumulative_decrease": (
        "số lũy kế {count} nhỏ hơn số lũy kế {previous} ngày {previous_day} (dòng {previous_row}) — số lũy kế không được giảm; kiểm tra lại hai dòng này.",
        "cumulative count {count} is below {previous} on {previous_day} (row {previous_row}) — cumulative counts cannot decrease; check both rows.",
    ),
    "cumulative_below_stored": (
        "số lũy kế {count} nhỏ hơn tổng đã báo cáo trước ngày {day} ({stored}) — số lũy kế không được giảm; kiểm tra lại, hoặc gửi dạng „theo ngày“ nếu đây là số trong ngày.",
        "cumulative count {count} is below the total already reported before {day} ({stored}) — cumulative counts cannot decrease; check it, or send it as daily counts.",
    ),
    "cumulative_above_later": (
        "số lũy kế {count} ngày {day} lớn hơn số lũy kế {later} đã báo cáo ngày {later_day} — số lũy kế không được giảm; kiểm tra lại số này, hoặc gửi lại cả ngày {later_day} trong cùng tệp.",
        "cumulative count {count} on {day} is above the cumulative {later} reported for {later_day} — cumulative counts cannot decrease; check it, or send {later_day} again in the same file.",
    ),
    "later_too_large": (
        "với số lũy kế {count} ngày {day}, số theo ngày của ngày {later_day} (lũy kế {later} đã báo cáo) thành {daily}, nhiều hơn toàn bộ dân số của {unit_name} ({population} người) — kiểm tra lại số này, hoặc gửi lại cả ngày {later_day} trong cùng tệp.",
        "with the cumulative count {count} on {day}, the daily count of {later_day} (cumulative {later} as reported) becomes {daily}, more than the whole population of {unit_name} ({population}) — check it, or send {later_day} again in the same file.",
    ),
    "value_type_unknown": (
        "giá trị „{value}“ không phải loại số liệu — chọn „theo ngày“ hoặc „lũy kế“ (để trống là theo ngày).",
        "“{value}” is not a value type — choose “daily” or “cumulative” (empty means daily).",
    ),
    "value_type_mixed": (
        "dòng này là „{value}“ nhưng dòng {first_row} là „{first}“ — mỗi tệp chỉ một loại số liệu; tách thành hai tệp.",
        "this row is “{value}” but row {first_row} is “{first}” — one value type per file; split it into two files.",
    ),
    "value_type_conflict": (
        "dòng này ghi „theo ngày“ nhưng khi nhập đã chọn „lũy kế“ — bỏ chọn lũy kế, hoặc sửa cột „Loại số liệu“ thành „lũy kế“.",
        "this row says “daily” but the import was started as cumulative — drop the cumulative option, or set the value type to “cumulative”.",
    ),
    # readiness updates (intake/readiness*.py): items, milestones, ministry/agency connections
    "sheet_unknown": (
        "không nhận ra bảng: dòng tiêu đề phải là của một trong ba bảng mẫu — „Hạng mục“ (Mã tỉnh, Hạng mục, Kế hoạch, "
        "Đã hoàn thành, Ngày kế hoạch, Ngày hoàn thành), „Mốc“ (Mã tỉnh, Mốc, Ngày đạt mốc) hoặc „Kết nối“ (Mã bộ ngành, "
        "Trạng thái, Ngày kết nối). Tải mẫu và chép số liệu vào đúng bảng.",
        "unrecognised table: the header must be that of one of the three template sheets (items, milestones, connections).",
    ),
    "vocabulary": ("giá trị „{value}“ không phải {what} — chọn một trong: {choices}.", "“{value}” is not a {what_en} — choose one of: {choices}."),
    "unknown_agency": (
        "không có bộ, ngành mã {code} trong danh mục — xem danh mục mã ở trang „Hướng dẫn“ của mẫu (ví dụ BYT là Bộ Y tế).",
        "there is no ministry/agency with code {code} — see the code list on the template's instructions sheet.",
    ),
    "duplicate_key": (
        "{what} này đã có ở dòng {first_row} — mỗi {what} chỉ một dòng; xóa dòng trùng hoặc sửa lại mã.",
        "this {what_en} is already on row {first_row} — one row each; delete the duplicate or correct the code.",
    ),
    "done_date_required": (
        "đã hoàn thành {done} nhưng chưa ghi ngày — nhập ngày đạt số lượng này (dd/mm/yyyy).",
        "{done} done but no date — enter the day that quantity was reached.",
    ),
    "connected_date_required": (
        "trạng thái „Đã kết nối“ cần ngày kết nối — nhập ngày dạng dd/mm/yyyy.",
        "status connected needs the connection day.",
    ),
    "connected_date_not_connected": (
        "có ngày kết nối nhưng trạng thái là „{status}“ — xóa ngày, hoặc đổi trạng thái thành „Đã kết nối“.",
        "a connection day is given but the status is “{status}” — clear the day or set the status to connected.",
    ),
    "finished_before_started": (
        "ngày hoàn thành thu thập {day} trước ngày bắt đầu thu thập {started} ({where}) — kiểm tra lại hai ngày này.",
        "collection finished on {day}, before it started on {started} ({where}) — check both days.",
    ),
}
# A format's own words for a problem the report also has (same code, same place; words that fit that
# format): problems.make(code, wording="readiness").
WORDING: dict[str, dict[str, tuple[str, str]]] = {
    "readiness": {
        "unknown_column": (
            "tên cột không có trong bảng „{sheet}“ của mẫu — đổi tên cho đúng mẫu hoặc xóa cột này.",
            "this column is not in the template's “{sheet}” sheet — rename it as in the template or delete it.",
        ),
        "header_only": (
            "tệp chỉ có dòng tiêu đề, không có dòng số liệu nào — nhập mỗi tỉnh mỗi hạng mục (hoặc mốc, bộ ngành) một dòng.",
            "the file has a header but no data rows.",
        ),
        "date_future": (
            "ngày {day} chưa tới (hôm nay là {today}) — ngày đã hoàn thành, đạt mốc hay kết nối không thể ở tương lai; kiểm tra lại "
            "(nhầm ngày và tháng, hoặc nhầm năm?).",
            "{day} is in the future (today is {today}) — a day something was done cannot be.",
        ),
        "date_too_early": ("ngày {day} trước {start} — kiểm tra lại ngày (nhầm năm?).", "{day} is before {start} — check the year."),
    },
}


def number(value: int, lang: str) -> str:
    """12345 → '12.345' (vi) / '12,345' (en)."""
    return format_decimal(value, format="#,##0", locale="vi_VN" if lang == "vi" else "en")


def day_text(value: date, lang: str) -> str:
    """01/07/2021 in Vietnamese (Babel, the pattern every screen uses), 2021-07-01 in English."""
    return format_date(value, "dd/MM/yyyy", locale="vi") if lang == "vi" else value.isoformat()


def _render(template: str, lang: str, params: dict) -> str:
    shown = {}
    for key, value in params.items():
        if isinstance(value, bool) or key.endswith("row"):
            shown[key] = value
        elif isinstance(value, int):
            shown[key] = number(value, lang)
        elif isinstance(value, float):
            shown[key] = format_decimal(value, format="#,##0.0", locale="vi_VN" if lang == "vi" else "en")
        elif isinstance(value, date):
            shown[key] = day_text(value, lang)
        else:
            shown[key] = value
    return template.format(**shown)


def column_letter(index: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA': the column names a spreadsheet shows. Not openpyxl's get_column_letter:
    that stops at ZZZ (18,278 columns), and a refused CSV row may be longer (its message names its last column)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a file. `row` is the spreadsheet row the officer sees (header = 1);
    None for the file as a whole. `column` is the canonical column id (or the header of an unknown column)."""

    code: str
    row: int | None
    column: str | None
    letter: str | None  # spreadsheet column letter
    header: str | None  # the column's header as written in the file
    detail_vi: str
    detail_en: str
    value: str | None = None
    params: dict = field(default_factory=dict, compare=False, repr=False)

    def where(self, lang: str = "vi") -> str:
        """'Dòng 7, cột E „Số hồ sơ tiếp nhận“' / 'Row 7, column E "…"' (empty for the whole file)."""
        if self.row is None:
            return ""
        text = f"Dòng {self.row}" if lang == "vi" else f"Row {self.row}"
        if self.letter:
            text += (", cột " if lang == "vi" else ", column ") + self.column_text(lang)
        return text

    def column_text(self, lang: str = "vi") -> str:
        if not self.letter:
            return ""
        if not self.header:
            return self.letter
        return f"{self.letter} „{self.header}“" if lang == "vi" else f"{self.letter} “{self.header}”"

    def detail(self, lang: str = "vi") -> str:
        return self.detail_vi if lang == "vi" else self.detail_en

    def message(self, lang: str = "vi") -> str:
        """The full line: where, then what is wrong and what to do."""
        where = self.where(lang)
        return f"{where}: {self.detail(lang)}" if where else self.detail(lang)


def make(
    code: str,
    /,
    *,
    row: int | None = None,
    column: str | None = None,
    letter: str | None = None,
    header: str | None = None,
    value: str | None = None,
    wording: str | None = None,
    **params,
) -> Problem:
    """The problem `code` at a row and column; `wording` names a format whose own words (WORDING) replace the report's."""
    vi, en = WORDING.get(wording or "", {}).get(code) or MESSAGES[code]
    if value is not None:
        params["value"] = value
    return Problem(code, row, column, letter, header, _render(vi, "vi", params), _render(en, "en", params), value, params)


def sort_key(problem: Problem) -> tuple:
    return (problem.row if problem.row is not None else -1, problem.letter is None, len(problem.letter or ""), problem.letter or "", problem.code)
