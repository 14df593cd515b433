"""Command line for accounts and the audit log: `cli.py users …` and `cli.py audit` (added to cli.py's app)."""

from __future__ import annotations

import sys
from datetime import date

import typer

users_app = typer.Typer(no_args_is_help=True, help="Accounts: add, list, disable, enable, set-role, reset-password.")


def _password(stdin: bool, username: str) -> str:
    """From one line of standard input (--password-stdin) or a hidden prompt; never echoed or logged."""
    if stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt(f"Mật khẩu mới cho {username}", hide_input=True, confirmation_prompt=True)


def _run(write):
    """Run `write(conn, actor)` in one transaction as the CLI's actor; account errors → one line, exit 1."""
    from cli_common import access_errors, actor as acting, database_errors, engine as make
    from db.users import UserError

    engine = make()
    actor = acting(engine)
    try:
        with database_errors(), access_errors(engine), engine.begin() as conn:
            return write(conn, actor)
    except UserError as exc:
        typer.echo(f"lỗi: {exc.message_vi}", err=True)
        raise typer.Exit(1) from None


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="3–64 lower-case letters, digits, . _ -"),
    name: str = typer.Option(..., "--name", help="Display name, e.g. 'Nguyễn Văn A — Công an tỉnh Bắc Ninh'."),
    role: str = typer.Option(..., "--role", help="viewer | province | data_team | admin"),
    province: str | None = typer.Option(None, "--province", help="GSO code of the province (role province only)."),
    sso_identity: str | None = typer.Option(None, "--sso-identity", help="E-mail or subject at the ministry's OpenID Connect provider."),
    no_password: bool = typer.Option(False, "--no-password", help="Single sign-on only: no local password."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from one line of standard input."),
) -> None:
    """Create an account (password from a hidden prompt or --password-stdin)."""
    from db.users import add_user

    password = None if no_password else _password(password_stdin, username)
    new_id = _run(
        lambda conn, actor: add_user(
            conn, actor, username=username, display_name=name, role=role, province_code=province, password=password, sso_identity=sso_identity
        )
    )
    typer.echo(f"Đã tạo tài khoản {username} (#{new_id}, {role}).")


@users_app.command("list")
def users_list() -> None:
    """Accounts: username, name, role, province, active, SSO identity, last sign-in."""
    from cli_common import database_errors, engine as make
    from db.users import list_users

    engine = make()
    with database_errors(), engine.connect() as conn:
        frame = list_users(conn)
    if frame.height == 0:
        typer.echo("Chưa có tài khoản nào.")
        return
    header = ("Tên đăng nhập", "Họ tên", "Vai trò", "Tỉnh", "Trạng thái", "SSO", "Đăng nhập gần nhất")
    rows = [
        (
            r["username"],
            r["display_name"],
            r["role"],
            r["province_code"] or "",
            "hoạt động" if r["active"] else "đã khóa",
            r["sso_identity"] or "",
            r["last_sign_in_at"].strftime("%d/%m/%Y %H:%M") if r["last_sign_in_at"] else "",
        )
        for r in frame.iter_rows(named=True)
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        typer.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


@users_app.command("disable")
def users_disable(username: str = typer.Argument(...)) -> None:
    """Disable an account: it can no longer sign in and its open sessions end."""
    from db.users import set_active

    _run(lambda conn, actor: set_active(conn, actor, username, False))
    typer.echo(f"Đã khóa tài khoản {username}.")


@users_app.command("enable")
def users_enable(username: str = typer.Argument(...)) -> None:
    """Enable an account again (and clear its lock-out)."""
    from db.users import set_active

    _run(lambda conn, actor: set_active(conn, actor, username, True))
    typer.echo(f"Đã mở khóa tài khoản {username}.")


@users_app.command("set-role")
def users_set_role(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., "--role", help="viewer | province | data_team | admin"),
    province: str | None = typer.Option(None, "--province", help="GSO code (role province only)."),
) -> None:
    """Change an account's role (and province); its open sessions end."""
    from db.users import set_role

    _run(lambda conn, actor: set_role(conn, actor, username, role, province))
    typer.echo(f"Đã đổi vai trò của {username} thành {role}.")


@users_app.command("reset-password")
def users_reset_password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from one line of standard input."),
) -> None:
    """Set a new password, clear the lock-out and end the account's sessions (an admin locked out: run this on the server)."""
    from db.users import reset_password

    password = _password(password_stdin, username)
    _run(lambda conn, actor: reset_password(conn, actor, username, password))
    typer.echo(f"Đã đặt lại mật khẩu cho {username}; các phiên đăng nhập cũ đã kết thúc.")


def audit(
    user: str | None = typer.Option(None, "--user", help="Username (or os:NAME for the command line)."),
    province: str | None = typer.Option(None, "--province"),
    action: str | None = typer.Option(None, "--action", help="e.g. sign_in, sign_in_failed, report_import, rollback"),
    day_from: str | None = typer.Option(None, "--from", help="YYYY-MM-DD"),
    day_to: str | None = typer.Option(None, "--to", help="YYYY-MM-DD"),
    limit: int = typer.Option(200, "--limit", min=1, max=100_000),
    csv: bool = typer.Option(False, "--csv", help="CSV (UTF-8) instead of a table."),
) -> None:
    """The audit log, newest first: who did what, for which province, when, from where."""
    from cli_common import database_errors, engine as make
    from db.audit import entries
    from queries.export import neutralise_formulas

    try:
        first = date.fromisoformat(day_from) if day_from else None
        last = date.fromisoformat(day_to) if day_to else None
    except ValueError:
        typer.echo("lỗi: --from/--to theo dạng YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    engine = make()
    with database_errors(), engine.connect() as conn:
        frame = entries(conn, user=user, province=province, action=action, day_from=first, day_to=last, limit=limit)
    if csv:
        sys.stdout.write(neutralise_formulas(frame).write_csv())
        return
    for r in frame.iter_rows(named=True):
        typer.echo(
            f"{r['at']:%d/%m/%Y %H:%M:%S}  {r['actor']:<16} {r['action']:<16} {r['province_code'] or '':<3} "
            f"{r['target'] or '':<16} {r['client'] or ''}  {r['detail'] or ''}".rstrip()
        )
