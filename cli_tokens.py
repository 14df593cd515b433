"""Command line for API tokens: `cli.py tokens create|list|revoke` (added to cli.py's app; docs/api.md)."""

from __future__ import annotations

import typer

tokens_app = typer.Typer(no_args_is_help=True, help="API tokens: create (shown once), list, revoke.")


@tokens_app.command("create")
def tokens_create(
    user: str = typer.Option(..., "--user", help="The account the token acts as (its role and province apply)."),
    name: str = typer.Option(..., "--name", help="What the token is for, e.g. 'he-thong-bao-cao-bac-ninh' (shown in the audit log)."),
    days: int = typer.Option(90, "--days", min=1, max=366, help="Valid for this many days."),
) -> None:
    """Create a token for an account and print it once (only its SHA-256 is kept)."""
    from cli_access import _run
    from db.tokens import create_token

    token_id, raw = _run(lambda conn, actor: create_token(conn, actor, username=user, name=name, days=days))
    typer.echo(f"Đã tạo mã API #{token_id} «{name}» cho {user}, hiệu lực {days} ngày. Mã chỉ hiện một lần, hãy lưu lại ngay:", err=True)
    typer.echo(raw)


@tokens_app.command("list")
def tokens_list(user: str | None = typer.Option(None, "--user", help="Only this account's tokens.")) -> None:
    """Tokens: id, account, name, prefix, created, expires, last used, revoked (never the token itself)."""
    from cli_common import database_errors, engine as make
    from db.tokens import list_tokens
    from db.users import UserError, find_actor

    engine = make()
    with database_errors(), engine.connect() as conn:
        user_id = None
        if user:
            try:
                user_id = find_actor(conn, user).user_id
            except UserError as exc:
                typer.echo(f"lỗi: {exc.message_vi}", err=True)
                raise typer.Exit(1) from None
        frame = list_tokens(conn, user_id=user_id)
    if frame.height == 0:
        typer.echo("Chưa có mã API nào.")
        return

    def when(value) -> str:
        return value.strftime("%d/%m/%Y %H:%M") if value else ""

    header = ("#", "Tài khoản", "Tên", "Tiền tố", "Tạo lúc", "Hết hạn", "Dùng gần nhất", "Thu hồi")
    rows = [
        (
            str(r["id"]),
            r["username"],
            r["name"],
            r["prefix"] + "…",
            when(r["created_at"]),
            when(r["expires_at"]),
            when(r["last_used_at"]),
            when(r["revoked_at"]),
        )
        for r in frame.iter_rows(named=True)
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


@tokens_app.command("revoke")
def tokens_revoke(token_id: int = typer.Argument(..., help="The token's number (# in `tokens list`).")) -> None:
    """Revoke a token at once: the next call with it gets 401."""
    from cli_access import _run
    from db.tokens import revoke_token

    done = _run(lambda conn, actor: revoke_token(conn, actor, token_id))
    typer.echo(f"Đã thu hồi mã API #{token_id}." if done else f"Mã API #{token_id} đã bị thu hồi trước đó.")
