"""Who may change what, enforced where the data is written: the role × action matrix on SQLite and
PostgreSQL (every refusal checked by row counts before and after), accounts, passwords, lock-out,
sessions and the audit log."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app as cli_app
from db import events as E
from db import rollback as batch_rollback
from db import users
from db.access import AccessDenied, Actor, Permission, Role, allowed, operator, require
from db.schema import (
    annotation,
    app_user,
    audit_log,
    daily_fact,
    import_batch,
    milestone,
    readiness_item,
    user_session,
)
from intake import readiness as readiness_intake
from intake.load import import_report
from tests.conftest import person

HEADER = "Ngày báo cáo,Mã tỉnh,Mã huyện,Mã xã,Số hồ sơ tiếp nhận,Số thẻ đã trả cho công dân,Số phiếu thu thập thông tin dân cư,Số bản ghi đã cập nhật vào CSDL"
FILE_A = (HEADER + "\n16/06/2021,01,001,00001,7,1,2,3\n").encode()  # Tỉnh A only
FILE_AB = (HEADER + "\n16/06/2021,01,001,00001,7,1,2,3\n16/06/2021,02,002,00003,5,1,2,3\n").encode()  # A and B
READINESS_A = "Mã tỉnh,Hạng mục,Kế hoạch,Đã hoàn thành,Ngày kế hoạch,Ngày hoàn thành\n01,Bộ thiết bị thu nhận,5,3,,01/06/2021\n"
READINESS_B = "Mã tỉnh,Hạng mục,Kế hoạch,Đã hoàn thành,Ngày kế hoạch,Ngày hoàn thành\n02,Bộ thiết bị thu nhận,5,3,,01/06/2021\n"
AGENCIES = "Mã bộ ngành,Trạng thái,Ngày kết nối\nBYT,Đã kết nối,10/06/2021\n"
NOW = datetime(2021, 6, 16, 16, 0)
PASSWORD = "mua-thu-ha-noi-2021"

ROLES = {
    "viewer": person("Lãnh đạo", role="viewer"),
    "province_A": person("Cán bộ tỉnh A", role="province", province="01"),
    "province_B": person("Cán bộ tỉnh B", role="province", province="02"),
    "data_team": person("Tổ dữ liệu", role="data_team"),
    "admin": person("Quản trị", role="admin"),
    "nobody": None,
}


def counts(engine) -> tuple:
    """Every table a write in the matrix may touch."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (import_batch, daily_fact, audit_log, annotation, readiness_item, milestone, app_user)
        )


@pytest.fixture
def engine(mini_engine):
    """The mini country with the agencies list (readiness) and one upload of Tỉnh A by the operator."""
    from db import reference

    with mini_engine.begin() as conn:
        reference.load_agencies(conn)
    return mini_engine


def _import(engine, actor, data, dry_run=False):
    return import_report(engine, data, "bao-cao.csv", actor=actor, dry_run=dry_run, now=NOW)


_SENT = iter(range(10, 10_000))


def _stored_batch(engine, province: str) -> int:
    """A fresh batch of `province` stored by the operator (a new value each time, so never a duplicate)."""
    commune = {"01": "001,00001", "02": "002,00003"}[province]
    done = _import(engine, operator("test"), (HEADER + f"\n16/06/2021,{province},{commune},{next(_SENT)},1,2,3\n").encode())
    assert done.status == "accepted", done
    return done.batch_id


def _rollback_own(engine, actor):
    return batch_rollback.rollback(engine, _stored_batch(engine, "01"), actor=actor)


def _rollback_other(engine, actor):
    return batch_rollback.rollback(engine, _stored_batch(engine, "02"), actor=actor)


def _event(engine, actor):
    with engine.begin() as conn:
        return E.add_event(conn, E.EventInput(date(2021, 6, 1), None, "Mất điện", "other"), actor=actor)


def _readiness(engine, actor, text):
    return readiness_intake.import_file(engine, text.encode(), "san-sang.csv", actor=actor, now=NOW)


def _add_user(engine, actor):
    with engine.begin() as conn:
        return users.add_user(conn, actor, username="moi", display_name="Người mới", role="viewer", password=PASSWORD)


ACTIONS = {
    "check own file": lambda e, a: _import(e, a, FILE_A, dry_run=True),
    "store own file": lambda e, a: _import(e, a, FILE_A),
    "store two provinces": lambda e, a: _import(e, a, FILE_AB),
    "roll back own batch": _rollback_own,
    "roll back other batch": _rollback_other,
    "edit events": _event,
    "readiness own": lambda e, a: _readiness(e, a, READINESS_A),
    "readiness other": lambda e, a: _readiness(e, a, READINESS_B),
    "agencies": lambda e, a: _readiness(e, a, AGENCIES),
    "manage users": _add_user,
}
# Who may do each action ("own" = Tỉnh A's, "other" = Tỉnh B's; province_A and province_B are their officers).
ALLOWED = {
    "check own file": {"province_A", "data_team", "admin"},
    "store own file": {"province_A", "data_team", "admin"},
    "store two provinces": {"data_team", "admin"},
    "roll back own batch": {"province_A", "data_team", "admin"},
    "roll back other batch": {"province_B", "data_team", "admin"},  # Tỉnh B's batch: B's own officer may
    "edit events": {"data_team", "admin"},
    "readiness own": {"province_A", "data_team", "admin"},
    "readiness other": {"province_B", "data_team", "admin"},
    "agencies": {"data_team", "admin"},
    "manage users": {"admin"},
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_by_action_matrix_is_enforced_by_the_writers(engine, action):
    for role, actor in ROLES.items():
        if action.startswith("roll back"):
            # The batch to roll back is stored first, by the operator; only the rollback is judged.
            prepared = counts(engine)
            try:
                ACTIONS[action](engine, actor)
            except AccessDenied as exc:
                assert role not in ALLOWED[action], f"{role} was refused {action}: {exc.message_vi}"
                after = counts(engine)
                # The operator's import went in (+1 batch, +1 audit, facts); the rollback wrote nothing more.
                assert after[0] == prepared[0] + 1 and after[2] == prepared[2] + 1, role
                assert exc.message_vi.endswith("Không có gì được ghi.") or exc.message_vi.startswith("Cần đăng nhập")
            else:
                assert role in ALLOWED[action], f"{role} may not {action}, yet it went through"
            continue
        before = counts(engine)
        try:
            result = ACTIONS[action](engine, actor)
        except AccessDenied as exc:
            assert role not in ALLOWED[action], f"{role} was refused {action}: {exc.message_vi}"
            assert counts(engine) == before, f"{role}: {action} was refused but wrote something"
        else:
            assert role in ALLOWED[action], f"{role} may not {action}, yet it went through"
            if action != "check own file" and getattr(result, "status", "accepted") in ("accepted",):
                assert counts(engine) != before
            if action == "store own file":  # a second actor storing the same file changes nothing more
                continue


def test_the_audit_names_the_person_and_the_batch_its_user(engine):
    with engine.begin() as conn:
        uid = users.add_user(
            conn, operator("test"), username="canbo-a", display_name="Nguyễn Văn A", role="province", province_code="01", password=PASSWORD
        )
        actor = users.find_actor(conn, "canbo-a", via="web")
    done = _import(engine, actor, FILE_A)
    undone = batch_rollback.rollback(engine, done.batch_id, actor=actor)
    with engine.connect() as conn:
        batch = conn.execute(select(import_batch).where(import_batch.c.id == done.batch_id)).one()
        undo = conn.execute(select(import_batch).where(import_batch.c.id == undone.rollback_batch_id)).one()
        rows = conn.execute(
            select(audit_log.c.user_id, audit_log.c.actor, audit_log.c.action, audit_log.c.province_code, audit_log.c.target)
            .where(audit_log.c.user_id == uid)
            .order_by(audit_log.c.id)
        ).all()
    assert (batch.user_id, batch.submitted_by) == (uid, "Nguyễn Văn A")
    assert (undo.user_id, undo.submitted_by) == (uid, "Nguyễn Văn A")
    assert [tuple(r) for r in rows] == [
        (uid, "canbo-a", "report_import", "01", f"batch #{done.batch_id}"),
        (uid, "canbo-a", "rollback", "01", f"batch #{done.batch_id}"),
    ]


def test_a_provincial_file_with_another_provinces_row_is_refused_whole(engine):
    before = counts(engine)
    with pytest.raises(AccessDenied) as refused:
        _import(engine, ROLES["province_A"], FILE_AB)
    # It names the rows to delete and their province, by name as well as code.
    assert refused.value.message_vi == (
        "Tài khoản cán-bộ-tỉnh-a chỉ được nhập báo cáo của tỉnh mình (Tỉnh A, mã 01); tệp có 1 dòng của tỉnh khác — "
        "Tỉnh B (mã 02): dòng 3. Xóa các dòng đó rồi gửi lại, hoặc nhờ Tổ dữ liệu C06 nhập. Không có gì được ghi."
    )
    assert counts(engine) == before


# Actions an account of the role below may do while it is active; each writer must read the account as
# it stands in its own transaction, not as the session remembered it when the person signed in.
AS_IT_STANDS = {
    "store own file": ("province", lambda e, a: _import(e, a, FILE_A)),
    "roll back own batch": ("province", None),  # Tỉnh A's batch, stored by the operator beforehand
    "readiness own": ("province", lambda e, a: _readiness(e, a, READINESS_A)),
    "edit events": ("data_team", _event),
    "manage users": ("admin", _add_user),
}


@pytest.mark.parametrize("action", list(AS_IT_STANDS))
def test_a_disabled_account_writes_nothing_even_with_a_session_that_has_not_noticed(engine, action):
    role, act = AS_IT_STANDS[action]
    if act is None:
        batch_id = _stored_batch(engine, "01")
        act = lambda e, a: batch_rollback.rollback(e, batch_id, actor=a)  # noqa: E731
    with engine.begin() as conn:
        province = "01" if role == "province" else None
        users.add_user(conn, operator("test"), username="canbo-x", display_name="Cán bộ X", role=role, province_code=province, password=PASSWORD)
        signed_in = users.find_actor(conn, "canbo-x", via="web")  # what the browser's session holds
        users.set_active(conn, operator("test"), "canbo-x", False)
    before = counts(engine)
    with pytest.raises(AccessDenied) as refused:
        act(engine, signed_in)
    assert "canbo-x đã bị khóa" in refused.value.message_vi and refused.value.message_vi.endswith("Không có gì được ghi.")
    assert counts(engine) == before
    # Enabled again, the same session may write.
    with engine.begin() as conn:
        users.set_active(conn, operator("test"), "canbo-x", True)
    act(engine, signed_in)
    assert counts(engine) != before


def test_a_role_or_province_changed_since_sign_in_counts_at_once(engine):
    with engine.begin() as conn:
        users.add_user(conn, operator("test"), username="canbo-y", display_name="Cán bộ Y", role="province", province_code="01", password=PASSWORD)
        signed_in = users.find_actor(conn, "canbo-y", via="web")
        users.set_role(conn, operator("test"), "canbo-y", "province", "02")
    before = counts(engine)
    with pytest.raises(AccessDenied) as moved:
        _import(engine, signed_in, FILE_A)  # Tỉnh A's file; the account now works for Tỉnh B
    assert "tỉnh mình (Tỉnh B, mã 02)" in moved.value.message_vi and counts(engine) == before
    with engine.begin() as conn:
        users.set_role(conn, operator("test"), "canbo-y", "viewer")
    before = counts(engine)
    with pytest.raises(AccessDenied) as read_only:
        _readiness(engine, signed_in, READINESS_B)
    assert "Lãnh đạo" in read_only.value.message_vi and counts(engine) == before


def test_policy_table():
    a = Actor(1, "a", "A", Role.province, "01")
    assert allowed(a, Permission.submit_report, ["01"]) and not allowed(a, Permission.submit_report, ["01", "02"])
    assert not allowed(a, Permission.rollback, [None])  # a batch of several provinces: national only
    assert not allowed(a, Permission.edit_events) and not allowed(a, Permission.view_audit)
    assert not allowed(Actor(2, "b", "B", Role.province, None), Permission.submit_report, [])
    assert allowed(operator("root"), Permission.manage_users)
    with pytest.raises(AccessDenied) as denied:
        require(Actor(3, "v", "V", Role.viewer), Permission.submit_report, ["01"])
    assert "Lãnh đạo, Ban chỉ đạo (chỉ xem)" in denied.value.message_vi


# --- accounts, passwords, lock-out -------------------------------------------------------------------------


def test_passwords_are_argon2id_and_the_policy_speaks_vietnamese(empty_engine):
    assert "ít nhất 12 ký tự" in users.password_problem("ngan-qua")
    assert users.password_problem("aaaaaaaaaaaaaaaa") is not None
    assert users.password_problem("quantri-2021-abc", username="quantri") == "Mật khẩu không được chứa tên đăng nhập."
    assert users.password_problem(PASSWORD) is None
    # Twelve characters that any guessing list starts with are refused, whatever their length.
    for guessable in ("123456789012", "password1234", "qwertyuiop12", "matkhau12345"):
        assert "quá dễ đoán" in users.password_problem(guessable), guessable
    # The account's own name, typed without accents as Vietnamese names are in passwords, is a known word.
    assert users.password_problem("binhnguyen2021") is None
    assert "quá dễ đoán" in users.password_problem("binhnguyen2021", display_name="Bình Nguyễn")
    assert "quá dễ đoán" in users.password_problem("nguyenvanduc1990", display_name="Nguyễn Văn Đức")
    with empty_engine.begin() as conn:
        users.add_user(conn, operator("t"), username="lanhdao", display_name="Lãnh đạo\u202e Bộ\x07", role="viewer", password=PASSWORD)
        with pytest.raises(users.UserError, match="ít nhất 12 ký tự"):
            users.add_user(conn, operator("t"), username="khac", display_name="K", role="viewer", password="ngan")
        with pytest.raises(users.UserError, match="đã có"):
            users.add_user(conn, operator("t"), username="lanhdao", display_name="L", role="viewer", password=PASSWORD)
        with pytest.raises(users.UserError, match="cần mã tỉnh"):
            users.add_user(conn, operator("t"), username="tinh", display_name="T", role="province", password=PASSWORD)
        row = conn.execute(select(app_user).where(app_user.c.username == "lanhdao")).one()
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert row.display_name == "Lãnh đạo Bộ"  # bidirectional override and control character removed


def _account(engine, username="canbo", role="province", province="01"):
    with engine.begin() as conn:
        return users.add_user(conn, operator("t"), username=username, display_name="Cán bộ", role=role, province_code=province, password=PASSWORD)


def test_sign_in_says_the_same_for_every_failure_and_locks_after_the_limit(engine, monkeypatch):
    monkeypatch.setenv("CCCD_LOCK_AFTER_FAILURES", "3")
    _account(engine)
    with engine.begin() as conn:
        unknown = users.sign_in(conn, "khong-co", PASSWORD, client="10.0.0.9")
        wrong = [users.sign_in(conn, "canbo", "sai-mat-khau-123", client="10.0.0.9") for _ in range(3)]
        locked = users.sign_in(conn, "canbo", PASSWORD, client="10.0.0.9")  # right password, but locked now
        row = conn.execute(select(app_user).where(app_user.c.username == "canbo")).one()
    assert unknown.actor is None and all(w.actor is None for w in wrong) and locked.actor is None
    assert [w.delay for w in wrong] == [0.0, 0.0, 0.5]  # failures slow down from the third on
    assert row.failed_attempts == 4 and row.locked_until is not None
    with engine.connect() as conn:
        failed = conn.execute(select(audit_log.c.actor, audit_log.c.detail).where(audit_log.c.action == "sign_in_failed")).all()
    assert len(failed) == 5 and all(PASSWORD not in (d or "") and "sai-mat-khau" not in (d or "") for _, d in failed)
    assert '"reason": "locked"' in failed[-1].detail
    # The lock passes with time; then the right password works and clears the count.
    with engine.begin() as conn:
        later = users.sign_in(conn, "canbo", PASSWORD, client="10.0.0.9", now=datetime.now() + timedelta(minutes=16))
    assert later.actor is not None and later.actor.province_code == "01"
    with engine.connect() as conn:
        assert conn.execute(select(app_user.c.failed_attempts).where(app_user.c.username == "canbo")).scalar_one() == 0


def test_one_address_that_fails_too_often_is_refused(engine, monkeypatch):
    monkeypatch.setenv("CCCD_CLIENT_FAILURE_LIMIT", "4")
    _account(engine)
    with engine.begin() as conn:
        for i in range(4):
            users.sign_in(conn, f"doan-{i}", "sai-mat-khau-123", client="10.0.0.66")
        assert users.sign_in(conn, "canbo", PASSWORD, client="10.0.0.66").actor is None
        assert users.sign_in(conn, "canbo", PASSWORD, client="10.0.0.7").actor is not None


def test_sessions_end_on_sign_out_idle_time_lifetime_and_a_disabled_account(engine, monkeypatch):
    monkeypatch.setenv("CCCD_SESSION_IDLE_HOURS", "8")
    monkeypatch.setenv("CCCD_SESSION_DAYS", "7")
    _account(engine)
    t0 = datetime(2026, 12, 1, 8, 0)
    with engine.begin() as conn:
        actor = users.sign_in(conn, "canbo", PASSWORD, client=None).actor
        token = users.start_session(conn, actor, client=None, now=t0)
        stored = conn.execute(select(user_session.c.token_hash)).scalars().all()
    assert token not in stored and users.token_hash(token) in stored  # only the hash is kept
    with engine.begin() as conn:
        assert users.session_actor(conn, token, now=t0 + timedelta(hours=7)).username == "canbo"
        assert users.session_actor(conn, token, now=t0 + timedelta(hours=14)) is not None  # seen at 7 h: idle 7 h
        assert users.session_actor(conn, token, now=t0 + timedelta(hours=23)) is None  # idle 9 h
        assert users.session_actor(conn, "x" * 43) is None
    with engine.begin() as conn:  # the absolute lifetime, however active
        token = users.start_session(conn, actor, client=None, now=t0)
        for h in range(0, 7 * 24, 6):
            assert users.session_actor(conn, token, now=t0 + timedelta(hours=h)) is not None
        assert users.session_actor(conn, token, now=t0 + timedelta(days=7)) is None
    with engine.begin() as conn:
        token = users.start_session(conn, actor, client=None)
        assert users.end_session(conn, token, client="127.0.0.1")
        assert users.session_actor(conn, token) is None
        token = users.start_session(conn, actor, client=None)
        users.set_active(conn, operator("t"), "canbo", False)
        assert users.session_actor(conn, token) is None
        assert users.sign_in(conn, "canbo", PASSWORD, client=None).actor is None
        users.set_active(conn, operator("t"), "canbo", True)
        token = users.start_session(conn, actor, client=None)
        users.set_role(conn, operator("t"), "canbo", "viewer")
        assert users.session_actor(conn, token) is None  # new rights: sign in again
        assert users.find_actor(conn, "canbo").role is Role.viewer


def test_sso_identity_maps_to_an_active_account_only(engine):
    with engine.begin() as conn:
        users.add_user(
            conn, operator("t"), username="sso-user", display_name="SSO", role="data_team", password=None, sso_identity="Nguyen.A@bocongan.gov.vn"
        )
        assert users.sso_actor(conn, "nguyen.a@bocongan.gov.vn", client=None, record_sign_in=True).role is Role.data_team
        assert users.sso_actor(conn, "la@ngoai.vn", client=None, record_sign_in=True) is None
        users.set_active(conn, operator("t"), "sso-user", False)
        assert users.sso_actor(conn, "nguyen.a@bocongan.gov.vn", client=None, record_sign_in=True) is None
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.action.like("s%o%")).order_by(audit_log.c.id)).scalars().all()
    assert actions == ["sign_in_sso", "sso_refused", "sso_refused"]


# --- the command line ----------------------------------------------------------------------------------------


def test_cli_users_and_audit(engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    added = runner.invoke(
        cli_app,
        ["users", "add", "canbo-b", "--name", "Cán bộ tỉnh B", "--role", "province", "--province", "02", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    short = runner.invoke(cli_app, ["users", "add", "x-y-z", "--name", "X", "--role", "viewer", "--password-stdin"], input="ngan\n")
    assert short.exit_code == 1 and "ít nhất 12 ký tự" in short.output
    listed = runner.invoke(cli_app, ["users", "list"])
    assert "canbo-b" in listed.output and "Cán bộ tỉnh B" in listed.output and "hoạt động" in listed.output
    # --as: the account's role and province apply at the command line too.
    path_refused = runner.invoke(cli_app, ["--as", "canbo-b", "events", "add", "--from", "2021-06-01", "--label", "X"])
    assert path_refused.exit_code == 1 and "không được sửa sự kiện" in path_refused.output
    refusals = runner.invoke(cli_app, ["audit", "--action", "refused", "--csv"]).output  # the attempt is on record
    assert refusals.count("canbo-b") == 1 and "edit_events" in refusals and "không được sửa sự kiện" in refusals
    assert runner.invoke(cli_app, ["users", "disable", "canbo-b"]).exit_code == 0
    assert runner.invoke(cli_app, ["--as", "canbo-b", "batches"]).exit_code == 0  # reading needs no account check
    gone = runner.invoke(cli_app, ["--as", "canbo-b", "rollback", "1"])
    assert gone.exit_code == 2 and "đang bị khóa" in gone.output
    assert runner.invoke(cli_app, ["users", "enable", "canbo-b"]).exit_code == 0
    assert runner.invoke(cli_app, ["users", "set-role", "canbo-b", "--role", "data_team"]).exit_code == 0
    reset = runner.invoke(cli_app, ["users", "reset-password", "canbo-b", "--password-stdin"], input="mot-mat-khau-moi-2021\n")
    assert reset.exit_code == 0
    for action in ("user_disable", "user_enable", "user_change"):
        audit = runner.invoke(cli_app, ["audit", "--action", action, "--csv"])
        assert audit.exit_code == 0 and audit.output.count(action) == 1 and "canbo-b" in audit.output
    everything = runner.invoke(cli_app, ["audit"]).output
    assert "user_add" in everything and "user_password" in everything and PASSWORD not in everything
    assert "mot-mat-khau-moi-2021" not in everything
