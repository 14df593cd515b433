"""What an import did, in words (Vietnamese or English): the headline, the figures, and the problems (the first
PROBLEMS_SHOWN printed, all of those kept in a table for the CSV list)."""

from __future__ import annotations

import polars as pl

from intake.load import ACCEPTED, DRY_RUN, REJECTED, UNCHANGED, ImportResult
from intake.problems import PROBLEMS_KEPT, PROBLEMS_SHOWN, Problem, day_text, number
from intake.spec import FIELD, VALUE_TYPE_LABEL_EN, VALUE_TYPE_LABEL_VI


def headline(result: ImportResult, lang: str = "vi") -> str:
    """One sentence: accepted / unchanged / dry run / rejected, and what to do next."""
    vi = lang == "vi"
    name = f"„{result.filename}“" if vi else f"“{result.filename}”"
    subject = f"Tệp {name}" if vi else name
    kind = (VALUE_TYPE_LABEL_VI if vi else VALUE_TYPE_LABEL_EN).get(result.value_type or "", "")
    if result.status == ACCEPTED:
        return (
            f"Đã nhập tệp {name}: lô #{result.batch_id}, số liệu {kind}." if vi else f"Imported {name} as batch #{result.batch_id} ({kind} counts)."
        )
    if result.status == UNCHANGED and result.duplicate_of:
        return already_imported(subject, result.duplicate_of, lang)
    if result.status == UNCHANGED:
        return nothing_new(subject, lang)
    if result.status == DRY_RUN:
        return f"Tệp {name} hợp lệ. Chạy thử: chưa ghi gì vào cơ sở dữ liệu." if vi else f"{name} is valid. Dry run: nothing written to the database."
    return rejected(subject, problem_count_text(result, lang), result.problem_count, lang)


# The sentences every intake says the same way (reports and readiness updates); `subject` is what was
# sent, as the sentence names it ('Tệp „x.csv“', or '„Biểu mẫu“' for a form).


def already_imported(subject: str, earlier: dict, lang: str = "vi") -> str:
    """The same content is already stored (`earlier`: the batch's id, received_at, submitted_by)."""
    if lang == "vi":
        return (
            f"{subject} đã được nhập trước đó (lô #{earlier['id']}, {earlier['received_at']:%d/%m/%Y %H:%M}, "
            f"người gửi {earlier['submitted_by']}): không có gì thay đổi."
        )
    when = earlier["received_at"].isoformat(sep=" ", timespec="minutes")
    return f"{subject} was already imported (batch #{earlier['id']}, {when}, by {earlier['submitted_by']}): nothing changed."


def nothing_new(subject: str, lang: str = "vi") -> str:
    return (
        f"{subject} không có gì mới: mọi dòng đã có đúng số liệu này; không ghi gì."
        if lang == "vi"
        else f"{subject} brings nothing new: every row already holds these figures; nothing written."
    )


def rejected(subject: str, count: str, n: int, lang: str = "vi", *, whole_file: bool = True) -> str:
    """`count`: the number of problems as text (problem_count_text), `n` the number itself."""
    if lang == "vi":
        return (
            f"{subject} bị từ chối: {count} lỗi, không có dòng nào được ghi. " f"Sửa các lỗi dưới đây rồi gửi lại{' cả tệp' if whole_file else ''}."
        )
    return (
        f"{subject} rejected: {count} problem{'s' if n != 1 else ''}, nothing written. "
        f"Fix them and send {'the whole file ' if whole_file else 'it '}again."
    )


def problem_count_text(result: ImportResult, lang: str = "vi") -> str:
    """'1.234' or, when the checks stopped at the ceiling, 'ít nhất 100.000' / 'at least 100,000'."""
    shown = number(result.problem_count, lang)
    if result.problems_complete:
        return shown
    return f"ít nhất {shown}" if lang == "vi" else f"at least {shown}"


def more_problems_line(result: ImportResult, shown: int, lang: str = "vi", *, where: str | None = None) -> str | None:
    """The line after the first `shown` problems: how many more, where the full list is, and whether
    the list itself was cut at PROBLEMS_KEPT. None when every problem was shown."""
    rest = result.problem_count - shown
    if rest <= 0 and result.problems_complete:
        return None
    vi = lang == "vi"
    more = (f"ít nhất {number(rest, lang)}" if vi else f"at least {number(rest, lang)}") if not result.problems_complete else number(rest, lang)
    line = f"… và {more} lỗi khác" if vi else f"… and {more} more problem{'s' if rest != 1 else ''}"
    if where:
        line += f" ({where})"
    kept = min(result.problem_count, PROBLEMS_KEPT)  # the full list (CSV) holds these; result.problems may hold fewer
    if kept < result.problem_count or not result.problems_complete:
        line += (
            f"; danh sách đầy đủ giữ {number(kept, lang)} lỗi đầu tiên — sửa chúng rồi kiểm tra lại tệp."
            if vi
            else f"; the full list keeps the first {number(kept, lang)} — fix them and check the file again."
        )
    return line + ("" if line.endswith(".") else ".")


RESTATED_SHOWN = 5  # later days named in the sentence; the rest counted


def restated_line(result: ImportResult, lang: str = "vi") -> str | None:
    """Which later days a cumulative file restated (intake.validate.restate_later), or None."""
    if not result.restated:
        return None
    vi = lang == "vi"
    named = ", ".join(f"{code} {'ngày' if vi else 'on'} {day_text(day, lang)}" for code, day in result.restated[:RESTATED_SHOWN])
    rest = len(result.restated) - RESTATED_SHOWN
    if rest > 0:
        named += f" và {number(rest, lang)} ngày khác" if vi else f" and {number(rest, lang)} more"
    n = number(len(result.restated), lang)
    done = result.status == ACCEPTED
    if vi:
        verb = "Đã tính lại" if done else "Sẽ tính lại"
        return f"{verb} số theo ngày của {n} ngày báo cáo lũy kế sau tệp, để lũy kế của các ngày đó giữ đúng số đã báo cáo: {named}."
    verb = "Restated" if done else "Will restate"
    return f"{verb} the daily counts of {n} later cumulative-report day{'s' if len(result.restated) != 1 else ''}, so that each keeps the cumulative it reported: {named}."


SUSPECTS_SHOWN = 3  # rows named in the warning; the rest counted


def suspect_line(result: ImportResult, lang: str = "vi") -> str | None:
    """The warning for daily counts that look like running totals (intake.validate.looks_cumulative), or None."""
    if not result.suspect_cumulative:
        return None
    vi = lang == "vi"
    shown = [
        (
            f"Dòng {row}, {unit}, „{FIELD[count].label_vi}“: {number(value, lang)} trong ngày, trước đó cộng dồn {number(before, lang)}"
            if vi
            else f"Row {row}, {unit}, “{FIELD[count].label_en}”: {number(value, lang)} in one day, {number(before, lang)} in all before"
        )
        for row, unit, count, value, before in result.suspect_cumulative[:SUSPECTS_SHOWN]
    ]
    rest = len(result.suspect_cumulative) - SUSPECTS_SHOWN
    if rest > 0:
        shown.append(f"và {number(rest, lang)} dòng khác" if vi else f"and {number(rest, lang)} more")
    n = number(len(result.suspect_cumulative), lang)
    stored = result.status == ACCEPTED and result.batch_id is not None
    if vi:
        fix = (
            f"Nếu đúng là số lũy kế, hủy lô #{result.batch_id} rồi gửi lại với „Số liệu lũy kế“ (hoặc ghi „lũy kế“ ở cột „Loại số liệu“)."
            if stored
            else "Nếu đúng là số lũy kế, bật „Số liệu lũy kế“ (hoặc ghi „lũy kế“ ở cột „Loại số liệu“) rồi gửi lại."
        )
        return (
            f"Cảnh báo: {n} dòng có số trong ngày bằng hoặc lớn hơn tất cả những gì đơn vị đã báo cáo trước đó — có phải là số lũy kế? "
            f"{'; '.join(shown)}. {fix}"
        )
    fix = (
        f"If they are cumulative counts, roll back batch #{result.batch_id} and send the file again as cumulative."
        if stored
        else "If they are cumulative counts, send the file again as cumulative."
    )
    return f"Warning: {n} row(s) count at least as much in one day as the unit reported in all before — cumulative counts? {'; '.join(shown)}. {fix}"


def figure_lines(result: ImportResult, lang: str = "vi") -> list[str]:
    """Rows, units, dates and the total of each count (daily values)."""
    if result.status == REJECTED:
        return []
    vi = lang == "vi"
    assert result.date_from is not None and result.date_to is not None  # a file that is not rejected has rows, so dates
    days = (
        f"{day_text(result.date_from, lang)}"
        if result.date_from == result.date_to
        else f"{day_text(result.date_from, lang)} – {day_text(result.date_to, lang)}"
    )
    lines = [
        (
            f"Số dòng: {number(result.rows, lang)} (mới {number(result.rows_new, lang)}, thay thế {number(result.rows_replaced, lang)}, "
            f"không đổi {number(result.rows_unchanged, lang)})"
            if vi
            else f"Rows: {number(result.rows, lang)} (new {number(result.rows_new, lang)}, replacing {number(result.rows_replaced, lang)}, "
            f"unchanged {number(result.rows_unchanged, lang)})"
        ),
        (
            f"Đơn vị: {number(result.units, lang)} · tỉnh: {', '.join(result.provinces)}"
            if vi
            else f"Units: {number(result.units, lang)} · provinces: {', '.join(result.provinces)}"
        ),
        (
            f"Ngày: {days} ({number(result.days, lang)} ngày)"
            if vi
            else f"Dates: {days} ({number(result.days, lang)} day{'s' if result.days != 1 else ''})"
        ),
        *([restated] if (restated := restated_line(result, lang)) else []),
        *([suspect] if (suspect := suspect_line(result, lang)) else []),
        ("Tổng số theo ngày:" if vi else "Daily totals:"),
    ]
    for column, total in result.totals.items():
        label = FIELD[column].label_vi if vi else FIELD[column].label_en
        shown = number(total, lang) if total is not None else ("không báo cáo" if vi else "not reported")
        lines.append(f"  {label}: {shown}")
    return lines


def result_lines(result: ImportResult, lang: str = "vi", *, limit: int = PROBLEMS_SHOWN, more_hint: str | None = None) -> list[str]:
    """Everything the command line prints: headline, figures, one line for each of the first `limit`
    problems, then how many more there are (`more_hint`: where the full list is)."""
    lines = [headline(result, lang), *figure_lines(result, lang), *[p.message(lang) for p in result.problems[:limit]]]
    more = more_problems_line(result, min(limit, len(result.problems)), lang, where=more_hint)
    return lines + ([more] if more else [])


def problems_frame(problems: list[Problem], lang: str = "vi") -> pl.DataFrame:
    """Row | Column | Problem (Vietnamese or English headers), one row per problem, for the CSV list."""
    vi = lang == "vi"
    return pl.DataFrame(
        {
            "Dòng" if vi else "Row": [p.row for p in problems],
            "Cột" if vi else "Column": [p.column_text(lang) or "—" for p in problems],
            "Lỗi" if vi else "Problem": [p.detail(lang) for p in problems],
        },
        schema={"Dòng" if vi else "Row": pl.Int64, "Cột" if vi else "Column": pl.String, "Lỗi" if vi else "Problem": pl.String},
    )


KIND_LABEL = {
    "vi": {"upload": "tải lên", "cli": "dòng lệnh", "api": "gửi qua API", "simulation": "mô phỏng", "rollback": "hủy lô"},
    "en": {"upload": "upload", "cli": "command line", "api": "API", "simulation": "simulation", "rollback": "rollback"},
}
STATUS_LABEL = {
    "vi": {"active": "đang dùng", "rolled_back": "đã hủy", "applied": "đã thực hiện"},
    "en": {"active": "active", "rolled_back": "rolled back", "applied": "applied"},
}
