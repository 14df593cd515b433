"""What every command of cli.py shares: the engine (or exit 2), clear errors, and who is acting (--as)."""

from __future__ import annotations

import getpass
from contextlib import contextmanager

import typer

from db.engine import DatabaseUnavailable, DatabaseUrlError, check_connection, create_sqlite_file, make_engine, safe_url

# Set by cli.py's --as option before any command runs.
AS_USER: dict[str, str | None] = {"username": None}


@contextmanager
def database_errors():
    """A database error mid-command is one clear line and exit 2, not a traceback."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else exc.__class__.__name__
        hint = " (is another build or import running?)" if "locked" in first else ""
        typer.echo(f"error: database error: {first}{hint}", err=True)
        raise typer.Exit(2) from None


def engine(*, create: bool = False):
    """The configured engine, or exit 2 with one clear line when the URL is unusable or the database cannot be
    reached. `create`: make a missing SQLite file (init-db and demo build the schema; any other command
    reading a database that is not there says so instead of leaving an empty file behind)."""
    try:
        engine = make_engine()
    except DatabaseUrlError as exc:
        typer.echo(
            f"error: the database URL (DATABASE_URL, or [connections.cccd] url in .streamlit/secrets.toml) cannot be used: " f"{exc.reason}", err=True
        )
        raise typer.Exit(2) from None
    try:
        if create:
            create_sqlite_file(engine)
        check_connection(engine)
    except DatabaseUnavailable as exc:
        if exc.missing_file:
            typer.echo(f"error: no database at {safe_url(exc.url)}: run `python cli.py init-db` (or `demo`) first", err=True)
            raise typer.Exit(2) from None
        typer.echo(
            f"error: cannot reach the database {safe_url(exc.url)}: {exc.cause.__class__.__name__}: "
            f"{str(exc.cause).strip().splitlines()[0] if str(exc.cause).strip() else ''}",
            err=True,
        )
        typer.echo("hint: check DATABASE_URL or [connections.cccd] url in .streamlit/secrets.toml", err=True)
        raise typer.Exit(2) from None
    return engine


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def actor(engine):
    """Who acts: the account named with --as (exit 2 if unknown or disabled), else the OS user as the operator."""
    from db.access import operator
    from db.users import UserError, find_actor

    name = AS_USER["username"]
    if not name:
        return operator(os_user())
    try:
        with engine.connect() as conn:
            return find_actor(conn, name)
    except UserError as exc:
        typer.echo(f"lỗi: {exc.message_vi}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def access_errors(engine=None):
    """A refusal by role or province is one Vietnamese line and exit 1 (nothing was written); with the
    command's `engine`, the refusal is also written to the audit log (db.audit.record_refusal), once
    the refused transaction — inside this block — has rolled back."""
    from db import audit
    from db.access import AccessDenied

    try:
        yield
    except AccessDenied as exc:
        if engine is not None:
            with engine.begin() as conn:
                audit.record_refusal(conn, exc)
        typer.echo(f"lỗi: {exc.message_vi}", err=True)
        raise typer.Exit(1) from None
