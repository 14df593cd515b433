"""The audit page's link to db.audit: filtered entries (read on every run, never cached), a table for people, its CSV."""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from db import audit, users
from db.access import PERMISSION_LABEL_VI, ROLE_LABEL_VI, Permission, Role
from queries.export import neutralise_formulas
from ui import data
from present import format as fmt

LIMIT = 1000
ACTIONS = list(audit.ACTION_LABEL_VI)

# The detail column (JSON written by the writers) in words; unknown keys are shown as they are.
_DETAIL_KEY_VI = {
    "role": "vai trò",
    "from": "vai trò cũ",
    "active": "hoạt động",
    "sso": "SSO",
    "password": "mật khẩu",
    "reason": "lý do",
    "file": "tệp",
    "source": "nguồn",
    "rows": "số dòng",
    "kind": "loại",
    "value_type": "kiểu số liệu",
    "label": "nhãn",
    "undo_batch": "lô hủy",
    "provinces": "các tỉnh",
    "message": "thông báo",
    "status": "mã trả lời",
    "error": "lỗi",
    "token": "mã API",
}
_REASON_VI = {
    "bad_credentials": "sai tên hoặc mật khẩu",
    "locked": "đang tạm khóa",
    "client_limit": "quá nhiều lần sai từ địa chỉ này",
    "inactive": "tài khoản đã khóa",
    "unknown": "không có tài khoản",
}
# Targets the writers name in English ("batch #12", "event #3"), in words.
_TARGET_VI = (("batch #", "lô #"), ("event #", "sự kiện #"))
COLUMNS = ("Thời điểm", "Tài khoản", "Họ tên", "Thao tác", "Tỉnh", "Đối tượng", "Chi tiết", "Địa chỉ máy")


def entries(*, user: str | None, province: str | None, action: str | None, day_from: date | None, day_to: date | None) -> pl.DataFrame:
    """The newest LIMIT entries that match (db.audit.entries). Not cached: sign-ins add entries without changing
    the data version, and the page is for a few people."""
    return data.run_query(audit.entries, user=user, province=province, action=action, day_from=day_from, day_to=day_to, limit=LIMIT)


def usernames() -> list[str]:
    """Accounts to offer in the user filter (other names — a mistyped one, os:NAME of the command line — can be typed)."""
    return data.run_query(users.list_users)["username"].to_list()


def action_label(action: str) -> str:
    return audit.ACTION_LABEL_VI.get(action, action)


def _value_text(key: str, value) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if key in ("role", "from"):
        try:
            return ROLE_LABEL_VI[Role(value)]
        except ValueError:
            return str(value)
    if key == "reason":
        return _REASON_VI.get(str(value), str(value))
    if isinstance(value, int):
        return fmt.number(value)
    return str(value)


def detail_text(detail: str | None) -> str:
    """'{"active": false}' → 'hoạt động: không'; text that is not a JSON object is shown as it is."""
    if not detail:
        return ""
    try:
        parsed = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(parsed, dict):
        return detail
    return "; ".join(f"{_DETAIL_KEY_VI.get(k, k)}: {_value_text(k, v)}" for k, v in parsed.items())


def target_text(target: str | None) -> str:
    """'batch #12' → 'lô #12'; a refused permission ('submit_report') → what it allows ('nhập báo cáo');
    a username or anything else as it is."""
    if not target:
        return ""
    if target in Permission.__members__:
        return PERMISSION_LABEL_VI[Permission(target)]
    for english, vietnamese in _TARGET_VI:
        if target.startswith(english):
            return vietnamese + target.removeprefix(english)
    return target


def table(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """Entries with Vietnamese headers: time to the second, action and province in words, detail in words."""
    rows = [
        {
            "Thời điểm": r["at"].strftime("%d/%m/%Y %H:%M:%S") if r["at"] else "",
            "Tài khoản": r["actor"],
            "Họ tên": r["display_name"] or "",
            "Thao tác": action_label(r["action"]),
            "Tỉnh": names.get(r["province_code"], r["province_code"]) if r["province_code"] else "",
            "Đối tượng": target_text(r["target"]),
            "Chi tiết": detail_text(r["detail"]),
            "Địa chỉ máy": r["client"] or "",
        }
        for r in frame.iter_rows(named=True)
    ]
    schema = dict.fromkeys(COLUMNS, pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def csv_bytes(shown: pl.DataFrame) -> bytes:
    """The table as CSV (UTF-8 with BOM so Excel reads the diacritics); text that looks like a formula is neutralised
    (typed user names and file names reach this log)."""
    return ("\ufeff" + neutralise_formulas(shown).write_csv()).encode("utf-8")
