"""The command line: init-db, export progress (the same numbers as queries/), clear errors."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from typer.testing import CliRunner

from cli import app
from db.engine import make_engine
from queries.progress import progress

runner = CliRunner()


def test_init_db_creates_register_and_quotas_without_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    result = runner.invoke(app, ["init-db"])
    assert result.exit_code == 0, result.output
    assert "10603 commune" in result.output and "705 district" in result.output and "63 province" in result.output
    again = runner.invoke(app, ["init-db"])  # idempotent
    assert again.exit_code == 0 and "10603 commune" in again.output


def test_export_progress_matches_queries(demo_sqlite, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    result = runner.invoke(
        app, ["export", "progress", "--level", "province", "--as-of", "2021-06-15", "--metric", "cards_delivered", "--denominator", "target"]
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(io.StringIO(result.stdout), schema_overrides={"code": pl.String})
    assert frame.columns[:10] == [
        "code",
        "name",
        "cumulative",
        "denominator",
        "coverage",
        "pace",
        "required_daily_rate",
        "projected_completion",
        "status",
        "rank",
    ]
    with make_engine(demo_sqlite).connect() as conn:
        expected = progress(conn, level="province", as_of=date(2021, 6, 15), metric="cards_delivered", denominator="target")
    assert frame["code"].to_list() == expected["code"].to_list()
    assert frame["cumulative"].to_list() == expected["cumulative"].to_list()
    assert frame["status"].to_list() == expected["status"].to_list()


def test_export_commune_level_with_or_without_a_province(demo_sqlite, monkeypatch):
    # Without --province: every commune of the country (tests/test_export_levels.py proves the rows).
    monkeypatch.setenv("DATABASE_URL", demo_sqlite)
    country = runner.invoke(app, ["export", "progress", "--level", "commune", "--as-of", "2021-06-15"])
    assert country.exit_code == 0, country.output
    ok = runner.invoke(app, ["export", "progress", "--level", "commune", "--as-of", "2021-06-15", "--province", "48"])
    assert ok.exit_code == 0 and ok.stdout.count("\n") > 40
    assert country.stdout.count("\n") > ok.stdout.count("\n")


def test_bad_date_and_unreachable_database_are_clear_errors(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    result = runner.invoke(app, ["export", "progress", "--as-of", "2021-06-15"])
    assert result.exit_code == 2 and "cannot reach the database" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["export", "progress", "--as-of", "15/06/2021"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
