"""API tokens without a server: who may make and revoke them, what is kept (only a hash), expiry and
revocation, the rate limiter, `cli.py tokens`, and the "Tài khoản của tôi" page (AppTest)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from cli import app as cli_app
from db import tokens, users
from db.access import AccessDenied, operator
from db.schema import api_token, audit_log
from db.users import UserError
from ui import access as ui_access
from web.api import rows_to_csv

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "mot-cum-tu-de-nho-2021"


def _people(engine) -> dict:
    with engine.begin() as conn:
        for name, role, province in (("tinha", "province", "01"), ("tinhb", "province", "02"), ("quantri", "admin", None)):
            users.add_user(conn, operator("test"), username=name, display_name=f"Người {name}", role=role, province_code=province, password=PASSWORD)
        return {name: users.find_actor(conn, name, via="web") for name in ("tinha", "tinhb", "quantri")}


def test_a_user_makes_and_revokes_their_own_tokens_an_admin_anyones(mini_engine):
    people = _people(mini_engine)
    with mini_engine.begin() as conn:
        own_id, raw = tokens.create_token(conn, people["tinha"], username="tinha", name="he-thong")
        with pytest.raises(AccessDenied):
            tokens.create_token(conn, people["tinha"], username="tinhb", name="cua-nguoi-khac")
        with pytest.raises(AccessDenied):
            tokens.revoke_token(conn, people["tinhb"], own_id)
        with pytest.raises(AccessDenied):  # no hint whether an account exists, to someone who may not manage accounts
            tokens.create_token(conn, people["tinha"], username="khong-co", name="x")
        with pytest.raises(UserError):
            tokens.create_token(conn, people["quantri"], username="khong-co", name="x")
        with pytest.raises(UserError):
            tokens.create_token(conn, people["tinha"], username="tinha", name="x", days=400)
        admin_id, _ = tokens.create_token(conn, people["quantri"], username="tinhb", name="do-quan-tri-tao")
    assert raw.startswith("cccd_") and len(raw) == 48
    with mini_engine.begin() as conn:
        stored = conn.execute(select(api_token).where(api_token.c.id == own_id)).one()
        assert raw not in repr(tuple(stored)) and stored.token_hash == tokens.token_hash(raw) and stored.prefix == raw[:12]
        found = tokens.caller(conn, raw)
        assert found.actor.username == "tinha" and found.actor.via == "api" and found.actor.province_code == "01"
        assert found.token_name == "he-thong" and found.actor.label == "Người tinha (API «he-thong»)"
        assert tokens.revoke_token(conn, people["tinha"], own_id) is True
        assert tokens.revoke_token(conn, people["tinha"], own_id) is False
        assert tokens.caller(conn, raw) is None
        assert tokens.revoke_token(conn, people["quantri"], admin_id) is True
        logged = conn.execute(
            select(audit_log.c.action, audit_log.c.actor, audit_log.c.detail)
            .where(audit_log.c.action.in_(["token_create", "token_revoke"]))
            .order_by(audit_log.c.id)
        ).all()
    assert [(a, who) for a, who, _ in logged] == [
        ("token_create", "tinha"),
        ("token_create", "quantri"),
        ("token_revoke", "tinha"),
        ("token_revoke", "quantri"),
    ]
    assert all(raw not in (detail or "") for _, _, detail in logged)


def test_expired_tokens_and_disabled_accounts_are_refused_and_use_is_recorded(mini_engine):
    people = _people(mini_engine)
    now = datetime(2026, 1, 1, 12, 0)
    with mini_engine.begin() as conn:
        _, raw = tokens.create_token(conn, people["quantri"], username="tinhb", name="ngan-han", days=1, now=now)
        found = tokens.caller(conn, raw, now=now + timedelta(hours=23))
        assert found is not None and found.last_used_at is None
        tokens.touch(conn, found, now=now + timedelta(hours=23))
        assert tokens.caller(conn, raw, now=now + timedelta(hours=23)).last_used_at == now + timedelta(hours=23)
        assert tokens.caller(conn, raw, now=now + timedelta(days=1)) is None
        assert tokens.authenticate(conn, raw, now=now) is not None
        users.set_active(conn, operator("test"), "tinhb", False)
        assert tokens.authenticate(conn, raw, now=now) is None
        for wrong in (None, "", "Bearer x", raw[:-1] + ("A" if raw[-1] != "A" else "B"), "cccd_" + "x" * 200):
            assert tokens.caller(conn, wrong, now=now) is None


def test_the_rate_limit_is_a_bucket_per_token_shared_through_the_database(mini_engine):
    """On SQLite and PostgreSQL: one bucket per token in the database, so two app processes (here two
    connections, taking turns) draw on the same calls instead of each having its own burst."""
    people = _people(mini_engine)
    with mini_engine.begin() as conn:
        first, _ = tokens.create_token(conn, people["tinha"], username="tinha", name="mot")
        second, _ = tokens.create_token(conn, people["tinhb"], username="tinhb", name="hai")

    def take(token_id: int, now: float) -> float:
        with mini_engine.begin() as conn:  # a transaction of its own, as each API call has
            return tokens.take_call(conn, token_id, per_minute=60, burst=3, now=now)

    t = 1_700_000_000.0
    assert [take(first, t) for _ in range(3)] == [0, 0, 0]
    assert take(first, t) == pytest.approx(1.0)  # one call a second
    assert take(second, t) == 0  # another token has its own bucket
    assert take(first, t + 1.0) == 0 and take(first, t + 1.0) > 0
    assert [take(first, t + 101) for _ in range(4)][:3] == [0, 0, 0]  # refilled up to the burst, not beyond
    assert take(first, t + 101) > 0
    assert take(first, t + 50) > 0  # a clock behind the bucket's refills nothing
    # The same bucket from a second connection held open beside the first (another process's pool).
    with mini_engine.connect() as other:
        assert tokens.take_call(other, second, per_minute=60, burst=3, now=t) == 0
        other.commit()
    assert take(second, t) == 0 and take(second, t) > 0  # 1 + 1 + 1 of the burst, then refused


def test_json_rows_become_the_csv_the_upload_page_reads():
    text = rows_to_csv(
        {
            "rows": [
                {"report_date": "2021-06-16", "Mã tỉnh": "01", "applications_received": 5},
                {"Ngày báo cáo": "17/06/2021", "province_code": "01", "cards_delivered": None, "note": True},
            ]
        }
    )
    assert text.decode().splitlines() == [
        "report_date,province_code,applications_received,cards_delivered,note",
        "2021-06-16,01,5,,",
        "17/06/2021,01,,,TRUE",
    ]


def test_cli_creates_a_token_shown_once_lists_and_revokes_it(mini_engine, monkeypatch):
    _people(mini_engine)
    monkeypatch.setenv("DATABASE_URL", mini_engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    made = runner.invoke(cli_app, ["tokens", "create", "--user", "tinha", "--name", "he-thong-a", "--days", "30"])
    assert made.exit_code == 0, made.output
    raw = made.stdout.strip().splitlines()[-1]
    assert raw.startswith("cccd_")
    listed = runner.invoke(cli_app, ["tokens", "list"])
    assert listed.exit_code == 0 and "he-thong-a" in listed.stdout and raw[:12] in listed.stdout and raw not in listed.stdout
    refused = runner.invoke(cli_app, ["--as", "tinhb", "tokens", "create", "--user", "tinha", "--name", "x"])
    assert refused.exit_code == 1 and "không được quản lý tài khoản" in refused.output
    token_id = listed.stdout.splitlines()[1].split()[0]
    assert runner.invoke(cli_app, ["--as", "tinha", "tokens", "revoke", token_id]).exit_code == 0
    with mini_engine.connect() as conn:
        assert tokens.caller(conn, raw) is None


def test_my_account_page_makes_a_token_shown_once_and_revokes_it(mini_engine, monkeypatch):
    _people(mini_engine)
    monkeypatch.setenv("DATABASE_URL", mini_engine.url.render_as_string(hide_password=False))

    def from_cookie(raw):
        with mini_engine.connect() as conn:
            return users.find_actor(conn, "tinha", via="web")

    monkeypatch.setattr(ui_access, "_from_cookie", from_cookie)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    assert not at.exception, at.exception
    at.switch_page("app_pages/my_account.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Tài khoản của tôi" and "Bạn chưa có mã API nào." in [c.value for c in at.caption]
    at.text_input[0].input("he-thong-tinh")
    at.button[0].click().run()
    assert not at.exception, at.exception
    shown = [c.value for c in at.code]
    assert len(shown) == 1 and shown[0].startswith("cccd_")
    with mini_engine.connect() as conn:
        assert tokens.caller(conn, shown[0]).token_name == "he-thong-tinh"
    at.run()  # the next run no longer shows it
    assert [c.value for c in at.code] == []
    # Revoking asks first (a provincial system stops at once); "Thôi" leaves the token working.
    next(b for b in at.button if b.label == "Thu hồi").click().run()
    assert not at.exception and "Thu hồi mã API #" in at.warning[0].value and "he-thong-tinh" in at.warning[0].value
    next(b for b in at.button if b.label == "Thôi").click().run()
    with mini_engine.connect() as conn:
        assert tokens.caller(conn, shown[0]) is not None
    assert not at.warning
    next(b for b in at.button if b.label == "Thu hồi").click().run()
    next(b for b in at.button if b.label == "Xác nhận thu hồi").click().run()
    assert not at.exception, at.exception
    assert any("Đã thu hồi mã API" in s.value for s in at.success)
    with mini_engine.connect() as conn:
        assert tokens.caller(conn, shown[0]) is None
