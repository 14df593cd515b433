"""Command line: init-db (empty production database), demo (simulated data set), export progress as CSV."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import date
from enum import StrEnum

import typer

from db.engine import DatabaseUnavailable, check_connection, make_engine, safe_url

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Bảng điều hành tiến độ CCCD gắn chip — công cụ dòng lệnh.")
export_app = typer.Typer(no_args_is_help=True, help="Export numbers as CSV (UTF-8) to stdout.")
app.add_typer(export_app, name="export")


class LevelOption(StrEnum):
    national = "national"
    region = "region"
    province = "province"
    district = "district"
    commune = "commune"


class MetricOption(StrEnum):
    applications_received = "applications_received"
    cards_delivered = "cards_delivered"
    records_verified = "records_verified"


class DenominatorOption(StrEnum):
    eligible = "eligible"
    target = "target"


@contextmanager
def _database_errors():
    """A database error mid-command is one clear line and exit 2, not a traceback."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else exc.__class__.__name__
        hint = " (is another build or import running?)" if "locked" in first else ""
        typer.echo(f"error: database error: {first}{hint}", err=True)
        raise typer.Exit(2) from None


def _engine():
    """The configured engine, or exit 2 with a clear message when the database cannot be reached."""
    engine = make_engine()
    try:
        check_connection(engine)
    except DatabaseUnavailable as exc:
        typer.echo(f"error: cannot reach the database {safe_url(exc.url)}: {exc.cause.__class__.__name__}: "
                   f"{str(exc.cause).strip().splitlines()[0] if str(exc.cause).strip() else ''}", err=True)
        typer.echo("hint: check DATABASE_URL or [connections.cccd] url in .streamlit/secrets.toml", err=True)
        raise typer.Exit(2) from None
    return engine


@app.command("init-db")
def init_db() -> None:
    """Create the schema (migrations), the unit register and province quotas — no reports."""
    from db import migrate, reference
    from db.schema import admin_unit, target
    from sqlalchemy import func, select

    engine = _engine()
    with _database_errors():
        migrate.upgrade(engine)
        with engine.begin() as conn:
            reference.load_reference(conn)
            units = conn.execute(select(admin_unit.c.level, func.count()).group_by(admin_unit.c.level)).all()
            targets = conn.execute(select(func.count()).select_from(target)).scalar_one()
    counts = ", ".join(f"{n} {level}" for level, n in sorted(units))
    typer.echo(f"database ready at {safe_url(str(engine.url.render_as_string(hide_password=False)))}: {counts}; {targets} targets")


@app.command()
def demo(
    seed: int = typer.Option(2021, help="Random seed: the same seed gives the same data set."),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing when reports are already stored."),
) -> None:
    """Build the simulated national rollout (all communes, 01/09/2020–31/12/2021) into the database."""
    from sqlalchemy import inspect, select

    from db.schema import daily_fact
    from simulate.demo import build_demo

    engine = _engine()
    if if_missing:
        with engine.connect() as conn:
            if inspect(conn).has_table("daily_fact") and conn.execute(select(daily_fact.c.unit_code).limit(1)).first():
                typer.echo("reports already present; nothing to do (drop --if-missing to rebuild)")
                return
    typer.echo("building the simulated data set (several minutes on a slow machine)…", err=True)
    with _database_errors():
        build = build_demo(engine, seed=seed)
    typer.echo(
        f"simulated data set built (seed {build.seed}): {build.rows:,} daily reports in {build.batches:,} batches; "
        f"simulate {build.seconds_simulate:.1f} s, write {build.seconds_write:.1f} s"
    )


@export_app.command("progress")
def export_progress(
    as_of: str = typer.Option(..., "--as-of", help="YYYY-MM-DD"),
    level: LevelOption = typer.Option(LevelOption.province, "--level"),
    metric: MetricOption = typer.Option(MetricOption.applications_received, "--metric"),
    denominator: DenominatorOption = typer.Option(DenominatorOption.eligible, "--denominator"),
    province: str | None = typer.Option(None, "--province", help="GSO province code, e.g. 01"),
) -> None:
    """One row per unit: code, name, cumulative, denominator, coverage, pace, required rate, forecast, status, rank."""
    from queries.export import progress_csv

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        typer.echo(f"error: --as-of must be YYYY-MM-DD, got {as_of!r}", err=True)
        raise typer.Exit(2) from None
    if level == LevelOption.commune and not province:
        typer.echo("error: --level commune needs --province", err=True)
        raise typer.Exit(2)
    engine = _engine()
    with _database_errors(), engine.connect() as conn:
        sys.stdout.write(progress_csv(conn, level=level.value, as_of=day, metric=metric.value, denominator=denominator.value, province=province))


if __name__ == "__main__":
    app()
