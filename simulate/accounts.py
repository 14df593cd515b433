"""One demo account per role for the simulated data set, with random passphrases shown once."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, select

from db import users
from db.access import Actor, Role
from db.schema import app_user

# username, display name, role, province (Bắc Ninh: a province with a rich simulated story)
DEMO_ACCOUNTS = (
    ("quantri", "Quản trị hệ thống (mô phỏng)", Role.admin, None),
    ("c06", "Tổ dữ liệu C06 (mô phỏng)", Role.data_team, None),
    ("lanhdao", "Lãnh đạo Bộ (mô phỏng)", Role.viewer, None),
    ("bacninh", "Công an tỉnh Bắc Ninh (mô phỏng)", Role.province, "27"),
)
_WORDS = ("mai", "dao", "sen", "lua", "tre", "song", "nui", "bien", "trang", "gio", "may", "suoi", "rung", "dong", "que", "pho")


def passphrase(words: int = 4) -> str:
    """Four random words and a number: easy to type, well above the 12-character minimum."""
    return "-".join(secrets.choice(_WORDS) for _ in range(words)) + f"-{secrets.randbelow(90) + 10}"


def ensure_demo_accounts(conn: Connection, acting: Actor) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; returns (username, role label, password) of those
    created — the only time their passwords are known. Existing accounts are left as they are."""
    existing = set(conn.execute(select(app_user.c.username)).scalars())
    created = []
    for username, name, role, province in DEMO_ACCOUNTS:
        if username in existing:
            continue
        password = passphrase()
        users.add_user(conn, acting, username=username, display_name=name, role=role.value, province_code=province, password=password)
        created.append((username, role.value, password))
    return created
